// Pattern matching and string functions with PostgreSQL's semantics: LIKE with backslash
// escapes, POSIX regular expressions (run as JavaScript regular expressions, which agree
// on the common syntax), character (not byte) positions, and C-collation case mapping.

import { SqlError, SqlState } from "../errors.ts";

const likeCache = new Map<string, RegExp>();

/** LIKE / ILIKE pattern → RegExp ('%' any run, '_' one character, escape character). */
export function likeRegExp(pattern: string, caseInsensitive: boolean, escape = "\\"): RegExp {
  const cacheKey = `${caseInsensitive ? "i" : "s"}${escape}${pattern}`;
  const cached = likeCache.get(cacheKey);
  if (cached) return cached;
  let source = "^";
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (escape !== "" && char === escape) {
      // A trailing escape character stands for itself.
      const next = chars[++i] ?? escape;
      source += next.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else if (char === "%") source += "[\\s\\S]*";
    else if (char === "_") source += "[\\s\\S]";
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  source += "$";
  const regexp = new RegExp(source, caseInsensitive ? "iu" : "u");
  if (likeCache.size > 1000) likeCache.clear();
  likeCache.set(cacheKey, regexp);
  return regexp;
}

export function like(text: string, pattern: string, caseInsensitive: boolean): boolean {
  return likeRegExp(pattern, caseInsensitive).test(text);
}

const regexCache = new Map<string, RegExp>();

/** A POSIX regular expression as a JavaScript RegExp (flags: i, g). */
export function posixRegExp(pattern: string, flags = ""): RegExp {
  const cacheKey = `${flags}/${pattern}`;
  const cached = regexCache.get(cacheKey);
  if (cached) return cached;
  let source = pattern
    .replace(/\[\[:alpha:\]\]/g, "[A-Za-z]")
    .replace(/\[:alpha:\]/g, "A-Za-z")
    .replace(/\[\[:digit:\]\]/g, "\\d")
    .replace(/\[:digit:\]/g, "0-9")
    .replace(/\[\[:alnum:\]\]/g, "[A-Za-z0-9]")
    .replace(/\[:alnum:\]/g, "A-Za-z0-9")
    .replace(/\[\[:space:\]\]/g, "\\s")
    .replace(/\[:space:\]/g, " \\t\\n\\r\\f\\v")
    .replace(/\[\[:upper:\]\]/g, "[A-Z]")
    .replace(/\[:upper:\]/g, "A-Z")
    .replace(/\[\[:lower:\]\]/g, "[a-z]")
    .replace(/\[:lower:\]/g, "a-z")
    .replace(/\\m/g, "\\b")
    .replace(/\\M/g, "\\b")
    .replace(/\\y/g, "\\b");
  let regexp: RegExp;
  try {
    regexp = new RegExp(source, flags.includes("g") ? `g${flags.includes("i") ? "i" : ""}u` : `${flags.includes("i") ? "i" : ""}u`);
  } catch (error) {
    try {
      source = pattern;
      regexp = new RegExp(source, flags.includes("i") ? "i" : "");
    } catch {
      throw new SqlError(SqlState.invalidRegularExpression, `invalid regular expression: ${(error as Error).message}`);
    }
  }
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(cacheKey, regexp);
  return regexp;
}

/** regexp_replace(source, pattern, replacement [, flags]). */
export function regexpReplace(source: string, pattern: string, replacement: string, flags = ""): string {
  const regexp = posixRegExp(pattern, flags);
  // PostgreSQL's \1..\9 and \& become JavaScript's $1..$9 and $&.
  const js = replacement.replace(/\$/g, "$$$$").replace(/\\(\d)/g, "$$$1").replace(/\\&/g, "$$&").replace(/\\\\/g, "\\");
  return source.replace(regexp, js);
}

export function regexpMatch(source: string, pattern: string, flags = ""): (string | null)[] | null {
  const match = posixRegExp(pattern, flags.replace("g", "")).exec(source);
  if (!match) return null;
  if (match.length === 1) return [match[0]];
  return match.slice(1).map((group) => group ?? null);
}

/** Characters (code points) of a string. */
export function chars(text: string): string[] {
  return Array.from(text);
}

export function charLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) i++;
    count++;
  }
  return count;
}

/** substring(text from start for count), 1-based, with PostgreSQL's clamping. */
export function substring(text: string, start: number, count?: number): string {
  if (count !== undefined && count < 0) throw new SqlError(SqlState.substringError, "negative substring length not allowed");
  const list = chars(text);
  const end = count === undefined ? list.length + 1 : start + count;
  const from = Math.max(start, 1);
  if (end <= from) return "";
  return list.slice(from - 1, end - 1).join("");
}

/** SQL's lower/upper in the C locale: ASCII only. */
export function lowerC(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

export function upperC(text: string): string {
  return text.replace(/[a-z]+/g, (s) => s.toUpperCase());
}

export function initcap(text: string): string {
  let out = "";
  let wordStart = true;
  for (const char of text) {
    const alnum = /[A-Za-z0-9]/.test(char);
    out += alnum ? (wordStart ? upperC(char) : lowerC(char)) : char;
    wordStart = !alnum;
  }
  return out;
}

export function trimChars(text: string, characters: string, leading: boolean, trailing: boolean): string {
  const set = new Set(chars(characters));
  const list = chars(text);
  let start = 0;
  let end = list.length;
  if (leading) while (start < end && set.has(list[start]!)) start++;
  if (trailing) while (end > start && set.has(list[end - 1]!)) end--;
  return list.slice(start, end).join("");
}

export function pad(text: string, length: number, fill: string, left: boolean): string {
  const list = chars(text);
  if (length <= 0) return "";
  if (list.length >= length) return list.slice(0, length).join("");
  const fillChars = chars(fill);
  if (fillChars.length === 0) return text;
  const padding: string[] = [];
  for (let i = 0; padding.length < length - list.length; i++) padding.push(fillChars[i % fillChars.length]!);
  return left ? padding.join("") + text : text + padding.join("");
}

export function position(needle: string, haystack: string): number {
  const index = haystack.indexOf(needle);
  if (index < 0) return 0;
  return charLength(haystack.slice(0, index)) + 1;
}

export function splitPart(text: string, delimiter: string, field: number): string {
  if (field === 0) throw new SqlError(SqlState.invalidParameterValue, "field position must not be zero");
  if (delimiter === "") return field === 1 || field === -1 ? text : "";
  const parts = text.split(delimiter);
  const index = field > 0 ? field - 1 : parts.length + field;
  return parts[index] ?? "";
}

export function repeat(text: string, count: number): string {
  if (count <= 0) return "";
  if (text.length * count > 256 * 1024 * 1024) throw new SqlError(SqlState.programLimitExceeded, "requested length too large");
  return text.repeat(count);
}

export function left(text: string, n: number): string {
  const list = chars(text);
  return (n >= 0 ? list.slice(0, n) : list.slice(0, Math.max(0, list.length + n))).join("");
}

export function right(text: string, n: number): string {
  const list = chars(text);
  return (n >= 0 ? list.slice(Math.max(0, list.length - n)) : list.slice(Math.min(list.length, -n))).join("");
}

export function translate(text: string, from: string, to: string): string {
  const fromChars = chars(from);
  const toChars = chars(to);
  let out = "";
  for (const char of text) {
    const index = fromChars.indexOf(char);
    if (index < 0) out += char;
    else if (index < toChars.length) out += toChars[index];
  }
  return out;
}

/** quote_ident: quotes unless the name is a plain lower-case identifier. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !reservedWords.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  const escaped = text.replace(/'/g, "''");
  if (text.includes("\\")) return `E'${escaped.replace(/\\/g, "\\\\")}'`;
  return `'${escaped}'`;
}

const reservedWords = new Set([
  "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check", "collate", "column",
  "constraint", "create", "current_catalog", "current_date", "current_role", "current_time", "current_timestamp", "current_user",
  "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant",
  "group", "having", "in", "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
  "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select", "session_user", "some",
  "symmetric", "table", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
]);

/** format(fmt, args...) with %s, %I, %L and %%. */
export function formatString(fmt: string, args: readonly (string | null)[]): string {
  let next = 0;
  return fmt.replace(/%(?:(\d+)\$)?([-]?)(\d*)([sIL%])/g, (_match, position: string | undefined, _flag: string, _width: string, kind: string) => {
    if (kind === "%") return "%";
    const index = position !== undefined ? Number(position) - 1 : next++;
    if (index >= args.length) throw new SqlError(SqlState.invalidParameterValue, "too few arguments for format()");
    const value = args[index]!;
    if (kind === "s") return value ?? "";
    if (kind === "I") {
      if (value === null) throw new SqlError(SqlState.nullValueNotAllowed, "null values cannot be formatted as an SQL identifier");
      return quoteIdent(value);
    }
    return value === null ? "NULL" : quoteLiteral(value);
  });
}

export function md5Hex(bytes: Uint8Array): string {
  const hasher = new Bun.CryptoHasher("md5");
  hasher.update(bytes);
  return hasher.digest("hex");
}

export function toHex(value: bigint): string {
  return BigInt.asUintN(value >= -(2n ** 31n) && value < 2n ** 31n ? 32 : 64, value).toString(16);
}
