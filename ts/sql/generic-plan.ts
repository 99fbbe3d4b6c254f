// Generic plans for the simple query protocol: statements that differ only in their
// literals (pgbench's "UPDATE ... WHERE aid = 4711") share one plan, made with the literals
// as parameters. A shape is planned generically once it has been seen twice; the first
// time it runs with its literals like any statement, so its errors are exactly
// PostgreSQL's. Literals that are not values (type modifiers, ORDER BY / GROUP BY
// positions) stay in the shape.

import type { Node } from "./ast.ts";
import { SqlError, SqlState } from "./errors.ts";
import { boolType, int4Type, int8Type, numericType, type SqlType, type SqlValue, type TypeContext } from "./types/index.ts";
import { isRegType } from "./analyze/pseudo-types.ts";
import { parseStyled } from "./output-style.ts";

/** A literal taken out of a statement. */
export interface Literal {
  readonly text: string;
  /** Its type as PostgreSQL types the literal; undefined for a string (unknown until used). */
  readonly type: SqlType | undefined;
}

export interface Parameterized {
  /** The statement with $1..$n for its literals. */
  readonly ast: Node;
  /** Identifies the shape (the statement without literals and locations). */
  readonly key: string;
  readonly literals: readonly Literal[];
  /** Byte offset of each literal in the statement text. */
  readonly locations: readonly (number | undefined)[];
}

const PARAMETERIZED_TAGS = new Set(["SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt"]);
/** Fields whose A_Const children are positions, not values. */
const POSITION_LISTS = new Set(["groupClause", "distinctClause"]);
const LITERALS_MAX = 200;

class NotParameterizable extends Error {}

function literalOf(constant: Record<string, unknown>): Literal | null {
  if (constant.isnull) return null;
  const ival = constant.ival as { ival?: number } | undefined;
  if (ival) return { text: String(ival.ival ?? 0), type: int4Type };
  const fval = constant.fval as { fval?: string } | undefined;
  if (fval) {
    const text = fval.fval ?? "0";
    if (/^-?[0-9]+$/.test(text)) {
      const big = BigInt(text);
      if (big >= -2147483648n && big <= 2147483647n) return { text, type: int4Type };
      if (big >= -9223372036854775808n && big <= 9223372036854775807n) return { text, type: int8Type };
      return { text, type: numericType };
    }
    if (/^0[xob]|_/i.test(text)) throw new NotParameterizable();
    return { text, type: numericType };
  }
  const boolval = constant.boolval as { boolval?: boolean } | undefined;
  if (boolval) return { text: boolval.boolval ? "true" : "false", type: boolType };
  const sval = constant.sval as { sval?: string } | undefined;
  if (sval) return { text: sval.sval ?? "", type: undefined };
  throw new NotParameterizable();
}

/** The statement's shape and literals, or null when it should run as written. */
export function parameterize(ast: Node): Parameterized | null {
  const tag = Object.keys(ast)[0]!;
  if (!PARAMETERIZED_TAGS.has(tag)) return null;
  const literals: Literal[] = [];
  const locations: (number | undefined)[] = [];
  const walk = (value: unknown, field: string): unknown => {
    if (Array.isArray(value)) {
      return value.map((item) => {
        // ORDER BY 1, GROUP BY 1, DISTINCT ON (1): positions, kept as written.
        if (POSITION_LISTS.has(field) && isConstant(item)) return item;
        return walk(item, field);
      });
    }
    if (value === null || typeof value !== "object") return value;
    const node = value as Record<string, unknown>;
    if (node.ParamRef) throw new NotParameterizable();
    if (node.A_Const) {
      const literal = literalOf(node.A_Const as Record<string, unknown>);
      if (!literal) return { A_Const: { isnull: true } };
      if (literals.length >= LITERALS_MAX) throw new NotParameterizable();
      literals.push(literal);
      locations.push((node.A_Const as { location?: number }).location);
      return { ParamRef: { number: literals.length } };
    }
    const out: Record<string, unknown> = {};
    for (const key in node) {
      if (key === "location" || key === "stmt_len" || key === "stmt_location") continue;
      // Type names (varchar(10)) keep their modifiers; sort keys that are positions too.
      if (key === "typeName" || key === "TypeName") out[key] = node[key];
      else if (key === "SortBy" && isConstant((node[key] as Record<string, unknown>).node)) out[key] = node[key];
      else out[key] = walk(node[key], key);
    }
    return out;
  };
  try {
    const transformed = walk(ast, "") as Node;
    if (literals.length === 0) return null;
    // The literals' types are part of the shape: 1 + 1 and true + 1 plan differently.
    const types = literals.map((l) => l.type?.oid ?? 0).join(",");
    return { ast: transformed, key: `${types}|${JSON.stringify(transformed)}`, literals, locations };
  } catch (error) {
    if (error instanceof NotParameterizable) return null;
    throw error;
  }
}

function isConstant(node: unknown): boolean {
  return typeof node === "object" && node !== null && "A_Const" in node;
}

/** The literals as values of the types the generic plan gave its parameters. */
export function literalValues(literals: readonly Literal[], types: readonly SqlType[], ctx: TypeContext, relationOid: (name: string) => number): SqlValue[] {
  return literals.map((literal, i) => {
    const type = types[i];
    if (!type) throw new SqlError(SqlState.internalError, "generic plan has fewer parameters than literals");
    if (isRegType(type)) return relationOid(literal.text);
    return parseStyled(type, literal.text, -1, ctx);
  });
}

// ------------------------------------------------------------------ shapes from the text

/** A literal found by the lexer: where it starts (= byte offset: only ASCII text is lexed). */
interface TextLiteral {
  readonly start: number;
  readonly value: string;
  readonly type: SqlType | undefined;
}

export interface TextShape {
  /** The text with literals replaced by their kind. */
  readonly key: string;
  readonly literals: readonly TextLiteral[];
}

const operatorCodes = new Set([..."+-*/<>=~!@#%^&|`?"].map((c) => c.charCodeAt(0)));

function numberType(text: string): SqlType {
  if (/^-?[0-9]+$/.test(text)) {
    // Up to nine digits always fit int4 (the common case, without a BigInt).
    if (text.length <= (text.charCodeAt(0) === 45 ? 10 : 9)) return int4Type;
    const big = BigInt(text);
    if (big >= -2147483648n && big <= 2147483647n) return int4Type;
    if (big >= -9223372036854775808n && big <= 9223372036854775807n) return int8Type;
  }
  return numericType;
}

/**
 * A quick lexer for single statements in plain ASCII without comments, E'' strings,
 * dollar quotes or parameters: enough to recognise a statement whose shape was seen
 * before without running the parser. Anything unusual gives null.
 */
export function lexShape(sql: string): TextShape | null {
  // The key is the text with each run of whitespace as one space and each literal as its
  // kind; everything else is copied in slices, from `copied` up to the next change.
  let key = "";
  let copied = 0;
  /** The key ends with the space a run of whitespace became. */
  let spaced = false;
  const literals: TextLiteral[] = [];
  /** The last significant token allows a sign to start a number ("= -5", "(-5"). */
  let signAllowed = true;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const code = sql.charCodeAt(i);
    if (code > 127) return null;
    if (code === 32 /*   */ || code === 10 /* \n */ || code === 9 /* \t */ || code === 13 /* \r */) {
      if (spaced || code !== 32) {
        // Dropped (not the run's first) or replaced by a space (the first, not a space).
        key += spaced ? sql.slice(copied, i) : `${sql.slice(copied, i)} `;
        copied = i + 1;
      }
      spaced = true;
      i++;
      continue;
    }
    spaced = false;
    if (code === 59 /* ; */) {
      // One statement only: a final semicolon ends it.
      if (sql.slice(i + 1).trim() !== "") return null;
      break;
    }
    const next = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    if ((code === 45 /* - */ && next === 45) || (code === 47 /* / */ && next === 42 /* * */) || code === 36 /* $ */) return null;
    if (code === 39 /* ' */) {
      if (i > 0 && isIdentifierPart(sql.charCodeAt(i - 1))) return null;
      let value = "";
      let j = i + 1;
      let from = j;
      for (;;) {
        if (j >= n) return null;
        if (sql.charCodeAt(j) === 39) {
          if (sql.charCodeAt(j + 1) === 39) {
            value += sql.slice(from, j + 1);
            j += 2;
            from = j;
            continue;
          }
          break;
        }
        j++;
      }
      value += sql.slice(from, j);
      literals.push({ start: i, value, type: undefined });
      key += `${sql.slice(copied, i)}'?'`;
      i = j + 1;
      copied = i;
      signAllowed = false;
      continue;
    }
    const signed = code === 45 && signAllowed && (isDigit(next) || next === 46 /* . */);
    if (isDigit(code) || (code === 46 && isDigit(next)) || signed) {
      numberPattern.lastIndex = i;
      const match = numberPattern.exec(sql);
      if (!match) return null;
      const text = match[0];
      const after = i + text.length < n ? sql.charCodeAt(i + text.length) : -1;
      if (after !== -1 && (isIdentifierPart(after) || after === 46)) return null;
      const type = numberType(text);
      literals.push({ start: i, value: text, type });
      key += `${sql.slice(copied, i)}#${type.typname}`;
      i += text.length;
      copied = i;
      signAllowed = false;
      continue;
    }
    if (isIdentifierStart(code)) {
      let j = i + 1;
      while (j < n && isIdentifierPart(sql.charCodeAt(j))) j++;
      // After a keyword a sign can start a number (WHERE -1 < x); after a name it cannot.
      signAllowed = isSignKeyword(sql, i, j);
      i = j;
      continue;
    }
    if (code === 34 /* " */) {
      const j = sql.indexOf('"', i + 1);
      if (j < 0) return null;
      i = j + 1;
      signAllowed = false;
      continue;
    }
    signAllowed = code === 40 /* ( */ || code === 44 /* , */ || code === 91 /* [ */ || operatorCodes.has(code);
    i++;
  }
  if (literals.length === 0) return null;
  key += sql.slice(copied, i);
  return { key, literals };
}

/** A numeric literal at lastIndex (sticky). */
const numberPattern = /-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;

/** Words after which a sign starts a number. */
const signKeywords = new Set([
  "select", "where", "and", "or", "not", "when", "then", "else", "values", "set", "by", "limit", "offset", "in", "between", "like", "is", "return",
  "returning", "as",
]);

/** The sign keywords by length, so a word is compared only with those as long as it is. */
const signKeywordsByLength: string[][] = [];
for (const word of signKeywords) (signKeywordsByLength[word.length] ??= []).push(word);

/** Whether sql[start, end) is a sign keyword in any case (compared in place: this runs for
 * every word of every statement). Keywords are lowercase letters; `| 32` lowercases an
 * ASCII letter and maps no other identifier character onto one. */
function isSignKeyword(sql: string, start: number, end: number): boolean {
  const candidates = signKeywordsByLength[end - start];
  if (candidates === undefined) return false;
  next: for (const word of candidates) {
    for (let k = 0; k < word.length; k++) if ((sql.charCodeAt(start + k) | 32) !== word.charCodeAt(k)) continue next;
    return true;
  }
  return false;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** [A-Za-z_] */
function isIdentifierStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}

/** [A-Za-z0-9_$] */
function isIdentifierPart(code: number): boolean {
  return isIdentifierStart(code) || isDigit(code) || code === 36;
}

/**
 * Matches the lexer's literals with the parsed statement's: same count, same places, same
 * values. Returns, for each parameter, the index of its literal in the text, or null.
 */
export function matchLiterals(text: TextShape, shape: Parameterized): number[] | null {
  if (text.literals.length !== shape.literals.length) return null;
  const byStart = new Map(text.literals.map((literal, i) => [literal.start, i]));
  const order: number[] = [];
  for (let k = 0; k < shape.literals.length; k++) {
    const location = shape.locations[k];
    const index = location === undefined ? undefined : byStart.get(location);
    if (index === undefined) return null;
    const lexed = text.literals[index]!;
    const parsed = shape.literals[k]!;
    if ((lexed.type?.oid ?? 0) !== (parsed.type?.oid ?? 0)) return null;
    if (lexed.type === undefined ? lexed.value !== parsed.text : !sameNumber(lexed.value, parsed.text)) return null;
    order.push(index);
  }
  return new Set(order).size === order.length ? order : null;
}

function sameNumber(a: string, b: string): boolean {
  if (a === b) return true;
  if (/^-?[0-9]+$/.test(a) && /^-?[0-9]+$/.test(b)) return BigInt(a) === BigInt(b);
  return false;
}

/** The literals of a statement recognised by its text, in parameter order. */
export function literalsFromText(text: TextShape, order: readonly number[]): Literal[] {
  return order.map((index) => {
    const literal = text.literals[index]!;
    return { text: literal.value, type: literal.type };
  });
}
