// PostgreSQL's JSON lexer and recursive-descent parser (common/jsonapi.c), reproducing its
// error details. One parser serves json (validate only, escapes left as written) and jsonb
// (build the value, decode escapes, reject \u0000 and unpaired surrogates).

import { SqlError, SqlState } from "../errors.ts";

export type JsonEvent<T> = {
  scalar(kind: "string" | "number" | "true" | "false" | "null", text: string): T;
  array(items: T[]): T;
  object(keys: string[], values: T[]): T;
};

type TokenKind = "{" | "}" | "[" | "]" | "," | ":" | "string" | "number" | "true" | "false" | "null" | "end";

interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  /** Decoded string contents (only when decoding escapes). */
  readonly value: string;
}

class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    /** Input offset just past the offending token, for the CONTEXT line. */
    readonly contextEnd: number,
    readonly untranslatable = false,
    /** The parser stopped at the end of input (no "..." after the context). */
    readonly atEnd = false,
  ) {
    super(detail);
  }
}

const isWordCode = (code: number): boolean =>
  (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code >= 0x80;
const isJsonSpace = (code: number): boolean => code === 32 || code === 9 || code === 10 || code === 13;
const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const hexDigit = (code: number): number =>
  isDigit(code) ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code >= 65 && code <= 70 ? code - 55 : -1;

const simpleEscapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class JsonLexer {
  private at = 0;

  constructor(
    readonly text: string,
    private readonly decode: boolean,
  ) {}

  next(): Token {
    const text = this.text;
    while (this.at < text.length && isJsonSpace(text.charCodeAt(this.at))) this.at++;
    const start = this.at;
    if (start >= text.length) return { kind: "end", start, end: start, value: "" };
    const char = text[start]!;
    if ("{}[],:".includes(char)) {
      this.at = start + 1;
      return { kind: char as TokenKind, start, end: this.at, value: "" };
    }
    if (char === '"') return this.string(start);
    if (char === "-" || isDigit(char.charCodeAt(0))) return this.number(start);
    return this.word(start);
  }

  private word(start: number): Token {
    let end = start;
    while (end < this.text.length && isWordCode(this.text.charCodeAt(end))) end++;
    if (end === start) {
      const width = this.text.codePointAt(start)! > 0xffff ? 2 : 1;
      throw this.invalidToken(start, start + width);
    }
    this.at = end;
    const word = this.text.slice(start, end);
    if (word === "true" || word === "false" || word === "null") return { kind: word, start, end, value: "" };
    throw this.invalidToken(start, end);
  }

  private number(start: number): Token {
    const text = this.text;
    let at = text[start] === "-" ? start + 1 : start;
    let error = false;
    const digitsFrom = (from: number): number => {
      while (from < text.length && isDigit(text.charCodeAt(from))) from++;
      return from;
    };
    if (text[at] === "0") at++;
    else if (at < text.length && text[at]! >= "1" && text[at]! <= "9") at = digitsFrom(at);
    else error = true;
    if (text[at] === ".") {
      at++;
      if (!isDigit(text.charCodeAt(at))) error = true;
      else at = digitsFrom(at);
    }
    if (text[at] === "e" || text[at] === "E") {
      at++;
      if (text[at] === "+" || text[at] === "-") at++;
      if (!isDigit(text.charCodeAt(at))) error = true;
      else at = digitsFrom(at);
    }
    // Trailing letters or digits belong to the token for error reporting.
    for (; at < text.length && isWordCode(text.charCodeAt(at)); at++) error = true;
    if (error) throw this.invalidToken(start, at);
    this.at = at;
    return { kind: "number", start, end: at, value: "" };
  }

  private string(start: number): Token {
    const text = this.text;
    let at = start + 1;
    let out = "";
    let highSurrogate = -1;
    for (;;) {
      if (at >= text.length) throw this.invalidToken(start, at);
      const code = text.charCodeAt(at);
      if (code === 34) break;
      if (code < 32) throw new JsonSyntaxError(`Character with value 0x${code.toString(16).padStart(2, "0")} must be escaped.`, at);
      if (code !== 92) {
        if (this.decode && highSurrogate !== -1) throw this.lowSurrogateExpected(at + 1);
        if (this.decode) out += text[at];
        at++;
        continue;
      }
      at++;
      if (at >= text.length) throw this.invalidToken(start, at);
      const escape = text[at]!;
      if (escape === "u") {
        let unit = 0;
        for (let i = 1; i <= 4; i++) {
          if (at + i >= text.length) throw this.invalidToken(start, at + i);
          const digit = hexDigit(text.charCodeAt(at + i));
          if (digit < 0) throw new JsonSyntaxError('"\\u" must be followed by four hexadecimal digits.', at + i + 1);
          unit = unit * 16 + digit;
        }
        at += 5;
        if (!this.decode) continue;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (highSurrogate !== -1) throw new JsonSyntaxError("Unicode high surrogate must not follow a high surrogate.", at);
          highSurrogate = unit;
          continue;
        }
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          if (highSurrogate === -1) throw this.lowSurrogateExpected(at);
          out += String.fromCharCode(highSurrogate, unit);
          highSurrogate = -1;
          continue;
        }
        if (highSurrogate !== -1) throw this.lowSurrogateExpected(at);
        if (unit === 0) throw new JsonSyntaxError("\\u0000 cannot be converted to text.", at, true);
        out += String.fromCharCode(unit);
        continue;
      }
      const simple = simpleEscapes[escape];
      if (this.decode && highSurrogate !== -1) throw this.lowSurrogateExpected(at + 1);
      if (simple === undefined) {
        const shown = String.fromCodePoint(text.codePointAt(at)!);
        throw new JsonSyntaxError(`Escape sequence "\\${shown}" is invalid.`, at + shown.length);
      }
      if (this.decode) out += simple;
      at++;
    }
    if (highSurrogate !== -1) throw this.lowSurrogateExpected(at + 1);
    this.at = at + 1;
    return { kind: "string", start, end: at + 1, value: out };
  }

  private lowSurrogateExpected(at: number): JsonSyntaxError {
    return new JsonSyntaxError("Unicode low surrogate must follow a high surrogate.", at);
  }

  private invalidToken(start: number, end: number): JsonSyntaxError {
    return new JsonSyntaxError(`Token "${this.text.slice(start, end)}" is invalid.`, end);
  }
}

/** Nesting limit, standing in for PostgreSQL's stack depth check. */
const DEPTH_MAX = 6400;

class JsonParser<T> {
  private token: Token;

  constructor(
    private readonly lexer: JsonLexer,
    private readonly events: JsonEvent<T>,
  ) {
    this.token = lexer.next();
  }

  private found(expected: string): JsonSyntaxError {
    if (this.kind() === "end") {
      return new JsonSyntaxError("The input string ended unexpectedly.", this.token.end, false, true);
    }
    const shown = this.lexer.text.slice(this.token.start, this.token.end);
    return new JsonSyntaxError(`${expected}, but found "${shown}".`, this.token.end);
  }

  /** The current token's kind; a method so that narrowing does not outlive advance(). */
  private kind(): TokenKind {
    return this.token.kind;
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  document(): T {
    const value = this.value(0);
    if (this.kind() !== "end") throw this.found("Expected end of input");
    return value;
  }

  private value(depth: number): T {
    const token = this.token;
    switch (token.kind) {
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case "string":
        this.advance();
        return this.events.scalar("string", token.value);
      case "number":
      case "true":
      case "false":
      case "null":
        this.advance();
        return this.events.scalar(token.kind, this.lexer.text.slice(token.start, token.end));
      default:
        throw this.found("Expected JSON value");
    }
  }

  private checkDepth(depth: number): void {
    if (depth > DEPTH_MAX) {
      throw new SqlError(SqlState.statementTooComplex, "stack depth limit exceeded");
    }
  }

  private array(depth: number): T {
    this.checkDepth(depth);
    this.advance();
    const items: T[] = [];
    if (this.kind() === "]") {
      this.advance();
      return this.events.array(items);
    }
    for (;;) {
      items.push(this.value(depth));
      if (this.kind() === "]") break;
      if (this.kind() !== ",") throw this.found('Expected "," or "]"');
      this.advance();
    }
    this.advance();
    return this.events.array(items);
  }

  private object(depth: number): T {
    this.checkDepth(depth);
    this.advance();
    const keys: string[] = [];
    const values: T[] = [];
    if (this.kind() === "}") {
      this.advance();
      return this.events.object(keys, values);
    }
    if (this.kind() !== "string") throw this.found('Expected string or "}"');
    for (;;) {
      if (this.kind() !== "string") throw this.found("Expected string");
      keys.push(this.advance().value);
      if (this.kind() !== ":") throw this.found('Expected ":"');
      this.advance();
      values.push(this.value(depth));
      if (this.kind() === "}") break;
      if (this.kind() !== ",") throw this.found('Expected "," or "}"');
      this.advance();
    }
    this.advance();
    return this.events.object(keys, values);
  }
}

/** report_json_context: the current line up to the error, at most about 50 characters. */
function contextLine(text: string, end: number, atEnd: boolean): string {
  const lineStart = text.lastIndexOf("\n", end - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (text.charCodeAt(i) === 10) line++;
  let contextStart = lineStart;
  while (end - contextStart >= 50) contextStart += text.codePointAt(contextStart)! > 0xffff ? 2 : 1;
  if (contextStart - lineStart <= 3) contextStart = lineStart;
  const prefix = contextStart > lineStart ? "..." : "";
  const next = text[end];
  const suffix = !atEnd && end < text.length && next !== "\n" && next !== "\r" ? "..." : "";
  return `JSON data, line ${line}: ${prefix}${text.slice(contextStart, end)}${suffix}`;
}

/** A JSON input error; `context` is PostgreSQL's CONTEXT line ("JSON data, line 1: ..."). */
export class JsonInputError extends SqlError {
  constructor(
    code: string,
    message: string,
    detail: string,
    readonly context: string,
  ) {
    super(code, message, { detail });
  }
}

/** Parses JSON text, calling `events` bottom-up. `decodeStrings` selects jsonb behaviour. */
export function parseJson<T>(text: string, events: JsonEvent<T>, decodeStrings: boolean): T {
  try {
    return new JsonParser(new JsonLexer(text, decodeStrings), events).document();
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const context = contextLine(text, error.contextEnd, error.atEnd);
    if (error.untranslatable) {
      throw new JsonInputError(SqlState.untranslatableCharacter, "unsupported Unicode escape sequence", error.detail, context);
    }
    throw new JsonInputError(SqlState.invalidTextRepresentation, "invalid input syntax for type json", error.detail, context);
  }
}
