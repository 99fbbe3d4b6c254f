// Array text format: array_in (with PostgreSQL 15's error details) and array_out.

import { SqlError, SqlState } from "../errors.ts";
import { ARRAY_DIMENSIONS_MAX, tooManyDimensions } from "./array.ts";

/** One element as written: its text, or null for an unquoted NULL. */
export type ElementText = string | null;

export interface ParsedArrayText {
  readonly elements: ElementText[];
  readonly dims: number[];
  readonly lowerBounds: number[];
}

const isArraySpace = (c: string | undefined): boolean =>
  c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\v" || c === "\f";

function malformed(input: string, detail: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, `malformed array literal: "${input}"`, { detail });
}

type State =
  | "noLevel"
  | "levelStarted"
  | "elemStarted"
  | "elemCompleted"
  | "quotedStarted"
  | "quotedCompleted"
  | "elemDelimited"
  | "levelCompleted"
  | "levelDelimited";

interface Level {
  items: (Level | ElementText)[];
}

/** Reads the braces: validates like ArrayCount and collects elements like ReadArrayStr. */
class BraceReader {
  private at: number;
  private state: State = "noLevel";
  private readonly stack: Level[] = [];
  private root: Level | null = null;
  private current = "";
  /** Length of `current` up to its last significant character (trailing spaces trimmed). */
  private significant = 0;
  private quoted = false;
  private escaped = false;
  private inQuotes = false;
  private elementOpen = false;

  constructor(
    private readonly text: string,
    start: number,
    private readonly input: string,
  ) {
    this.at = start;
  }

  private fail(detail: string): never {
    throw malformed(this.input, detail);
  }

  private expect(allowed: readonly State[], detail: string): void {
    if (!allowed.includes(this.state)) this.fail(detail);
  }

  private closeElement(): void {
    if (!this.elementOpen) return;
    const value = this.current.slice(0, this.significant);
    const isNull = !this.quoted && !this.escaped && value.toLowerCase() === "null";
    this.stack[this.stack.length - 1]!.items.push(isNull ? null : value);
    this.current = "";
    this.significant = 0;
    this.quoted = false;
    this.escaped = false;
    this.elementOpen = false;
  }

  private append(char: string, significant: boolean): void {
    this.elementOpen = true;
    this.current += char;
    if (significant) this.significant = this.current.length;
  }

  read(): { root: Level; end: number } {
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined) this.fail("Unexpected end of input.");
      if (this.step(c)) break;
      this.at++;
    }
    return { root: this.root!, end: this.at + 1 };
  }

  /** Handles one character; true once the outermost level has closed. */
  private step(c: string): boolean {
    if (c === "\\") return this.backslash();
    if (c === '"') return this.quote();
    if (this.inQuotes) {
      this.append(c, true);
      return false;
    }
    if (c === "{") return this.open();
    if (c === "}") return this.close();
    if (c === ",") return this.delimiter();
    if (isArraySpace(c)) {
      if (this.state === "elemStarted") this.append(c, false);
      return false;
    }
    this.expect(["levelStarted", "elemStarted", "elemDelimited"], "Unexpected array element.");
    this.state = "elemStarted";
    this.append(c, true);
    return false;
  }

  private backslash(): boolean {
    this.expect(["levelStarted", "elemStarted", "quotedStarted", "elemDelimited"], 'Unexpected "\\" character.');
    if (this.state !== "quotedStarted") this.state = "elemStarted";
    const next = this.text[this.at + 1];
    if (next === undefined) this.fail("Unexpected end of input.");
    this.at++;
    this.escaped = true;
    this.append(next, true);
    return false;
  }

  private quote(): boolean {
    this.expect(["levelStarted", "quotedStarted", "elemDelimited"], "Unexpected array element.");
    this.inQuotes = !this.inQuotes;
    this.state = this.inQuotes ? "quotedStarted" : "quotedCompleted";
    this.quoted = true;
    this.elementOpen = true;
    this.significant = this.current.length;
    return false;
  }

  private open(): boolean {
    this.expect(["noLevel", "levelStarted", "levelDelimited"], 'Unexpected "{" character.');
    this.state = "levelStarted";
    if (this.stack.length >= ARRAY_DIMENSIONS_MAX) throw tooManyDimensions(this.stack.length + 1);
    const level: Level = { items: [] };
    if (this.stack.length === 0) this.root = level;
    else this.stack[this.stack.length - 1]!.items.push(level);
    this.stack.push(level);
    return false;
  }

  private close(): boolean {
    const emptyOuter = this.stack.length === 1 && this.state === "levelStarted";
    if (!emptyOuter) {
      this.expect(["elemStarted", "elemCompleted", "quotedCompleted", "levelCompleted"], 'Unexpected "}" character.');
    }
    this.closeElement();
    this.state = "levelCompleted";
    this.stack.pop();
    return this.stack.length === 0;
  }

  private delimiter(): boolean {
    this.expect(["elemStarted", "elemCompleted", "quotedCompleted", "levelCompleted"], 'Unexpected "," character.');
    this.closeElement();
    this.state = this.state === "levelCompleted" ? "levelDelimited" : "elemDelimited";
    return false;
  }
}

const MISMATCH = "Multidimensional arrays must have sub-arrays with matching dimensions.";

/** Flattens the brace tree, checking every sub-array at a level has the same shape. */
function flatten(root: Level, input: string): { elements: ElementText[]; dims: number[] } {
  if (root.items.length === 0) return { elements: [], dims: [] };
  const dims: number[] = [];
  for (let node: Level | ElementText = root; typeof node === "object" && node !== null; node = node.items[0] ?? null) {
    dims.push(node.items.length);
  }
  const elements: ElementText[] = [];
  const walk = (level: Level, depth: number): void => {
    if (level.items.length !== dims[depth]) throw malformed(input, MISMATCH);
    for (const item of level.items) {
      const isLevel = typeof item === "object" && item !== null;
      if (isLevel !== depth + 1 < dims.length) throw malformed(input, MISMATCH);
      if (isLevel) walk(item, depth + 1);
      else elements.push(item);
    }
  };
  walk(root, 0);
  return { elements, dims };
}

/** Optional "[lb:ub][lb:ub]=" before the braces. */
function readDimensionDecoration(text: string, input: string): { dims: number[]; lowerBounds: number[]; at: number } {
  const dims: number[] = [];
  const lowerBounds: number[] = [];
  let at = 0;
  for (;;) {
    while (isArraySpace(text[at])) at++;
    if (text[at] !== "[") break;
    at++;
    if (dims.length >= ARRAY_DIMENSIONS_MAX) throw tooManyDimensions(dims.length + 1);
    const first = /^[0-9+-]*/.exec(text.slice(at))![0];
    if (first.length === 0) throw malformed(input, '"[" must introduce explicitly-specified array dimensions.');
    at += first.length;
    let lower = 1;
    let upperText = first;
    if (text[at] === ":") {
      lower = parseInt(first, 10) || 0;
      at++;
      upperText = /^[0-9+-]*/.exec(text.slice(at))![0];
      if (upperText.length === 0) throw malformed(input, "Missing array dimension value.");
      at += upperText.length;
    }
    if (text[at] !== "]") throw malformed(input, 'Missing "]" after array dimensions.');
    at++;
    const upper = parseInt(upperText, 10) || 0;
    if (upper < lower) throw new SqlError(SqlState.arraySubscriptError, "upper bound cannot be less than lower bound");
    dims.push(upper - lower + 1);
    lowerBounds.push(lower);
  }
  return { dims, lowerBounds, at };
}

export function parseArrayText(input: string): ParsedArrayText {
  const decoration = readDimensionDecoration(input, input);
  let at = decoration.at;
  if (decoration.dims.length === 0 && input[at] !== "{") {
    throw malformed(input, 'Array value must start with "{" or dimension information.');
  }
  if (decoration.dims.length > 0) {
    if (input[at] !== "=") throw malformed(input, 'Missing "=" after array dimensions.');
    at++;
    while (isArraySpace(input[at])) at++;
    if (input[at] !== "{") throw malformed(input, 'Array contents must start with "{".');
  }
  const { root, end } = new BraceReader(input, at, input).read();
  const { elements, dims } = flatten(root, input);
  for (let i = end; i < input.length; i++) {
    if (!isArraySpace(input[i])) throw malformed(input, "Junk after closing right brace.");
  }
  if (decoration.dims.length === 0) return { elements, dims, lowerBounds: dims.map(() => 1) };
  const matches = decoration.dims.length === dims.length && decoration.dims.every((length, i) => length === dims[i]);
  if (!matches) throw malformed(input, "Specified array dimensions do not match array contents.");
  return { elements, dims, lowerBounds: decoration.lowerBounds };
}

/** array_out quoting: empty, NULL-like, or containing braces, quotes, commas, backslashes or space. */
export function quoteArrayElement(text: string): string {
  const needsQuotes = text.length === 0 || text.toLowerCase() === "null" || /[{}",\\ \t\n\r\v\f]/.test(text);
  if (!needsQuotes) return text;
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export function formatArrayText(elements: readonly ElementText[], dims: readonly number[], lowerBounds: readonly number[]): string {
  if (dims.length === 0) return "{}";
  let offset = 0;
  const build = (depth: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < dims[depth]!; i++) {
      if (depth + 1 < dims.length) parts.push(build(depth + 1));
      else {
        const element = elements[offset++];
        parts.push(element === null || element === undefined ? "NULL" : quoteArrayElement(element));
      }
    }
    return `{${parts.join(",")}}`;
  };
  const decoration = lowerBounds.some((bound) => bound !== 1)
    ? `${dims.map((length, i) => `[${lowerBounds[i]}:${lowerBounds[i]! + length - 1}]`).join("")}=`
    : "";
  return decoration + build(0);
}
