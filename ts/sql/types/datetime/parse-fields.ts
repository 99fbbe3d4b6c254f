// Splitting date/time input into typed fields (PostgreSQL's ParseDateTime). Letters are
// lower-cased; punctuation other than the recognised separators only delimits fields.

import { findDateToken } from "./tokens.ts";

export type FieldType = "number" | "date" | "time" | "string" | "special" | "tz";

export interface Field {
  type: FieldType;
  text: string;
}

/** Thrown for malformed input; the type's input function turns it into its 22007 error. */
export class BadFormat extends Error {
  constructor() {
    super("bad date/time format");
  }
}

/** Thrown when a field is out of range (22008), optionally hinting at DateStyle. */
export class FieldOverflow extends Error {
  constructor(readonly dateStyleHint = false) {
    super("date/time field out of range");
  }
}

/** Thrown for a numeric zone offset out of range (22009). */
export class ZoneDisplacementOverflow extends Error {
  constructor() {
    super("time zone displacement out of range");
  }
}

/** Thrown for an unknown zone name (22023). */
export class UnknownZone extends Error {
  constructor(readonly zone: string) {
    super(`time zone "${zone}" not recognized`);
  }
}

/** Input longer than this cannot be a date/time (MAXDATELEN plus field terminators). */
const WORK_BUFFER_LENGTH = 153;
const FIELDS_MAX = 25;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isAlpha = (c: string | undefined): boolean => c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
const isAlnum = (c: string | undefined): boolean => isDigit(c) || isAlpha(c);
const isSpace = (c: string | undefined): boolean => c === " " || (c !== undefined && c >= "\t" && c <= "\r");
const isPunct = (c: string | undefined): boolean => c !== undefined && /^[!-/:-@[-`{-~]$/.test(c);

class FieldScanner {
  at = 0;
  constructor(readonly text: string) {}
  peek(offset = 0): string | undefined {
    return this.text[this.at + offset];
  }
  take(): string {
    return this.text[this.at++]!;
  }
  takeWhile(test: (c: string | undefined) => boolean, lower = false): string {
    const start = this.at;
    while (this.at < this.text.length && test(this.text[this.at])) this.at++;
    const taken = this.text.slice(start, this.at);
    return lower ? taken.toLowerCase() : taken;
  }
}

function scanDigitLed(scan: FieldScanner): Field {
  let text = scan.takeWhile(isDigit);
  const next = scan.peek();
  if (next === ":") {
    text += scan.takeWhile((c) => isDigit(c) || c === ":" || c === ".");
    return { type: "time", text };
  }
  if (next === "-" || next === "/" || next === ".") {
    const delimiter = scan.take();
    text += delimiter;
    if (isDigit(scan.peek())) {
      text += scan.takeWhile(isDigit);
      if (scan.peek() === delimiter) {
        text += scan.takeWhile((c) => isDigit(c) || c === delimiter);
        return { type: "date", text };
      }
      return { type: delimiter === "." ? "number" : "date", text };
    }
    text += scan.takeWhile((c) => isAlnum(c) || c === delimiter, true);
    return { type: "date", text };
  }
  return { type: "number", text };
}

function scanAlphaLed(scan: FieldScanner): Field {
  let text = scan.takeWhile(isAlpha, true);
  const next = scan.peek();
  // A zone name like "america/new_york" or "gmt+8" continues with punctuation or digits,
  // unless the letters so far are a date keyword (as in "t12:00" or "j2451545").
  let isDateLike = next === "-" || next === "/" || next === ".";
  if (!isDateLike && (next === "+" || isDigit(next))) isDateLike = findDateToken(text) === undefined;
  if (!isDateLike) return { type: "string", text };
  text += scan.takeWhile((c) => c === "+" || c === "-" || c === "/" || c === "_" || c === "." || c === ":" || isAlnum(c), true);
  return { type: "date", text };
}

function scanSigned(scan: FieldScanner): Field {
  let text = scan.take();
  while (isSpace(scan.peek())) scan.at++;
  if (isDigit(scan.peek())) {
    text += scan.takeWhile((c) => isDigit(c) || c === ":" || c === "." || c === "-");
    return { type: "tz", text };
  }
  if (isAlpha(scan.peek())) return { type: "special", text: text + scan.takeWhile(isAlpha, true) };
  throw new BadFormat();
}

export function parseDateTimeFields(input: string): Field[] {
  const scan = new FieldScanner(input);
  const fields: Field[] = [];
  let used = 0;
  while (scan.at < input.length) {
    const c = scan.peek();
    if (isSpace(c)) {
      scan.at++;
      continue;
    }
    if (fields.length >= FIELDS_MAX) throw new BadFormat();
    let field: Field;
    if (isDigit(c)) field = scanDigitLed(scan);
    else if (c === ".") field = { type: "number", text: scan.take() + scan.takeWhile(isDigit) };
    else if (isAlpha(c)) field = scanAlphaLed(scan);
    else if (c === "+" || c === "-") field = scanSigned(scan);
    else if (isPunct(c)) {
      scan.at++;
      continue;
    } else throw new BadFormat();
    used += field.text.length + 1;
    if (used >= WORK_BUFFER_LENGTH) throw new BadFormat();
    fields.push(field);
  }
  return fields;
}
