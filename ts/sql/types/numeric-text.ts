// numeric text input: numeric_in and set_var_from_str.

import { SqlError, SqlState } from "../errors.ts";
import { invalidSyntax } from "./input-errors.ts";
import { Numeric } from "./numeric.ts";
import { isDigitCode, isSpaceCode } from "./text-scan.ts";

const specialSpellings: readonly (readonly [string, Numeric])[] = [
  ["nan", Numeric.NaN],
  ["infinity", Numeric.POSITIVE_INFINITY],
  ["+infinity", Numeric.POSITIVE_INFINITY],
  ["-infinity", Numeric.NEGATIVE_INFINITY],
  ["inf", Numeric.POSITIVE_INFINITY],
  ["+inf", Numeric.POSITIVE_INFINITY],
  ["-inf", Numeric.NEGATIVE_INFINITY],
];

/** Exponents this large overflow any numeric; stop before building huge powers of ten. */
const EXPONENT_LIMIT = 1_073_741_823;

function overflow(): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, "value overflows numeric format");
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && isSpaceCode(text.charCodeAt(at))) at++;
  return at;
}

function matchSpecial(text: string, at: number): { value: Numeric; end: number } | null {
  for (const [spelling, value] of specialSpellings) {
    if (text.slice(at, at + spelling.length).toLowerCase() === spelling) return { value, end: at + spelling.length };
  }
  return null;
}

/** strtol after the 'e': it skips spaces and takes a sign, as C does. */
function scanExponent(text: string, at: number): { value: number; end: number } | null {
  let cursor = skipSpaces(text, at);
  const negative = text[cursor] === "-";
  if (text[cursor] === "+" || text[cursor] === "-") cursor++;
  const digitsStart = cursor;
  while (cursor < text.length && isDigitCode(text.charCodeAt(cursor))) cursor++;
  if (cursor === digitsStart) return null;
  const digits = text.slice(digitsStart, cursor).replace(/^0+(?=\d)/, "");
  const magnitude = digits.length > 12 ? Infinity : Number(digits);
  return { value: negative ? -magnitude : magnitude, end: cursor };
}

/** Parses sign, digits, point and exponent from `at`; returns the value and where it stopped. */
function scanDecimal(text: string, at: number): { value: Numeric; end: number } | null {
  let cursor = at;
  const negative = text[cursor] === "-";
  if (text[cursor] === "+" || text[cursor] === "-") cursor++;
  let digits = "";
  let fractionDigits = 0;
  let seenPoint = false;
  for (; cursor < text.length; cursor++) {
    const code = text.charCodeAt(cursor);
    if (isDigitCode(code)) {
      digits += text[cursor];
      if (seenPoint) fractionDigits++;
    } else if (code === 46 && !seenPoint) {
      seenPoint = true;
    } else {
      break;
    }
  }
  if (digits.length === 0) return null;
  let exponent = 0;
  if (text[cursor] === "e" || text[cursor] === "E") {
    const scanned = scanExponent(text, cursor + 1);
    if (scanned === null) return null;
    if (Math.abs(scanned.value) >= EXPONENT_LIMIT) throw overflow();
    exponent = scanned.value;
    cursor = scanned.end;
  }
  // The display scale is the written fraction digits less the exponent, never negative.
  const scale = Math.max(0, fractionDigits - exponent);
  const shift = scale - fractionDigits + exponent;
  let mantissa = BigInt(digits);
  if (shift > 0) mantissa *= 10n ** BigInt(shift);
  if (negative) mantissa = -mantissa;
  if (scale > 16383 + 1 || digits.length + shift - scale > 131072 + 1) throw overflow();
  return { value: Numeric.of(mantissa, scale), end: cursor };
}

/** numeric_in without a typmod: spaces around, NaN/Infinity spellings, decimal with exponent. */
export function parseNumericText(text: string): Numeric {
  const start = skipSpaces(text, 0);
  const scanned = matchSpecial(text, start) ?? scanDecimal(text, start);
  if (scanned === null || skipSpaces(text, scanned.end) !== text.length) throw invalidSyntax("numeric", text);
  return scanned.value;
}
