// Text input for real and double precision, as strtod/strtof inside PostgreSQL's
// float4in/float8in, including strtof-exact rounding to float32.

import { invalidSyntax, outOfRange } from "./input-errors.ts";
import { isDigitCode, isSpaceCode } from "./text-scan.ts";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

interface ScannedNumber {
  /** Length of the prefix strtod would consume; 0 when none. */
  readonly length: number;
  readonly value: number;
  /** A finite literal with a non-zero digit: rounding it to zero is an underflow. */
  readonly nonZero: boolean;
  /** Decimal literals are rounded exactly to float32 from this text. */
  readonly decimal: boolean;
  /** NaN or infinity spelled out, as opposed to a literal that overflowed. */
  readonly special?: boolean;
}

const noNumber: ScannedNumber = { length: 0, value: 0, nonZero: false, decimal: false };

function matchWordAt(text: string, at: number, word: string): boolean {
  return text.slice(at, at + word.length).toLowerCase() === word;
}

function scanDigits(text: string, at: number, isDigit: (code: number) => boolean): number {
  while (at < text.length && isDigit(text.charCodeAt(at))) at++;
  return at;
}

const isHexCode = (code: number): boolean =>
  isDigitCode(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);

function scanSpecial(text: string, start: number, at: number, negative: boolean): ScannedNumber | null {
  if (matchWordAt(text, at, "infinity")) {
    return { length: at + 8 - start, value: negative ? -Infinity : Infinity, nonZero: false, decimal: false, special: true };
  }
  if (matchWordAt(text, at, "inf")) {
    return { length: at + 3 - start, value: negative ? -Infinity : Infinity, nonZero: false, decimal: false, special: true };
  }
  if (matchWordAt(text, at, "nan")) {
    let end = at + 3;
    // glibc also consumes "nan(chars)".
    if (text[end] === "(") {
      const close = text.indexOf(")", end);
      if (close > 0 && /^[0-9A-Za-z_]*$/.test(text.slice(end + 1, close))) end = close + 1;
    }
    return { length: end - start, value: NaN, nonZero: false, decimal: false, special: true };
  }
  return null;
}

function scanHex(text: string, start: number, at: number, negative: boolean): ScannedNumber | null {
  const intEnd = scanDigits(text, at, isHexCode);
  let fracEnd = intEnd;
  if (text[intEnd] === ".") fracEnd = scanDigits(text, intEnd + 1, isHexCode);
  const intDigits = text.slice(at, intEnd);
  const fracDigits = fracEnd > intEnd ? text.slice(intEnd + 1, fracEnd) : "";
  if (intDigits.length + fracDigits.length === 0) return null;
  let end = fracEnd;
  let exponent = 0;
  if ((text[end] === "p" || text[end] === "P") && /^[+-]?\d/.test(text.slice(end + 1, end + 3))) {
    const expEnd = scanDigits(text, end + (text[end + 1] === "+" || text[end + 1] === "-" ? 2 : 1), isDigitCode);
    exponent = Number(text.slice(end + 1, expEnd));
    end = expEnd;
  }
  const mantissa = BigInt(`0x${intDigits}${fracDigits}`);
  const magnitude = Number(mantissa) * 2 ** (exponent - 4 * fracDigits.length);
  return { length: end - start, value: negative ? -magnitude : magnitude, nonZero: mantissa !== 0n, decimal: false };
}

/** The longest prefix of `text` from `start` that C strtod accepts. */
function scanStrtod(text: string, start: number): ScannedNumber {
  let at = start;
  const sign = text[at];
  const negative = sign === "-";
  if (sign === "-" || sign === "+") at++;
  const special = scanSpecial(text, start, at, negative);
  if (special) return special;
  if (text[at] === "0" && (text[at + 1] === "x" || text[at + 1] === "X")) {
    const hex = scanHex(text, start, at + 2, negative);
    if (hex) return hex;
  }
  const intEnd = scanDigits(text, at, isDigitCode);
  let mantissaEnd = intEnd;
  if (text[intEnd] === ".") mantissaEnd = scanDigits(text, intEnd + 1, isDigitCode);
  const digitCount = intEnd - at + Math.max(0, mantissaEnd - intEnd - 1);
  if (digitCount === 0) return noNumber;
  let end = mantissaEnd;
  if ((text[end] === "e" || text[end] === "E") && /^[+-]?\d/.test(text.slice(end + 1, end + 3))) {
    end = scanDigits(text, end + (text[end + 1] === "+" || text[end + 1] === "-" ? 2 : 1), isDigitCode);
  }
  const literal = text.slice(start, end);
  const nonZero = /[1-9]/.test(text.slice(at, mantissaEnd));
  return { length: end - start, value: Number(literal), nonZero, decimal: true };
}

interface FloatInput {
  readonly scanned: ScannedNumber;
  readonly start: number;
}

/** Skips leading space and scans a number; null when no number starts there. */
function scanFloatInput(text: string): FloatInput | null {
  let start = 0;
  while (start < text.length && isSpaceCode(text.charCodeAt(start))) start++;
  const scanned = scanStrtod(text, start);
  return scanned.length === 0 ? null : { scanned, start };
}

/** Only trailing space may follow the number. Checked after the range, as float4in/float8in do. */
function checkTrailing(text: string, input: FloatInput, typeName: string): void {
  for (let i = input.start + input.scanned.length; i < text.length; i++) {
    if (!isSpaceCode(text.charCodeAt(i))) throw invalidSyntax(typeName, text);
  }
}

const outOfFloatRange = (value: number, scanned: ScannedNumber): boolean =>
  (value === 0 && scanned.nonZero) || (!Number.isFinite(value) && !scanned.special);

export function parseFloat8Text(text: string): number {
  const input = scanFloatInput(text);
  if (input === null) throw invalidSyntax("double precision", text);
  const { scanned, start } = input;
  if (outOfFloatRange(scanned.value, scanned)) {
    // float8in quotes only the part strtod consumed.
    throw outOfRange(`"${text.slice(start, start + scanned.length)}" is out of range for type double precision`);
  }
  checkTrailing(text, input, "double precision");
  return scanned.value;
}

export function parseFloat4Text(text: string): number {
  const input = scanFloatInput(text);
  if (input === null) throw invalidSyntax("real", text);
  const { scanned, start } = input;
  const literal = text.slice(start, start + scanned.length);
  const value = scanned.decimal ? decimalToFloat32(literal, scanned.value) : Math.fround(scanned.value);
  if (outOfFloatRange(value, scanned)) throw outOfRange(`"${text}" is out of range for type real`);
  checkTrailing(text, input, "real");
  return value;
}

/** The float32 next to `value` (a float32) in the direction of `toward`. */
function nextFloat32(value: number, toward: number): number {
  if (value === 0) return toward > 0 ? 2 ** -149 : -(2 ** -149);
  f32[0] = value;
  const awayFromZero = toward > value === value > 0;
  u32[0] = awayFromZero ? u32[0]! + 1 : u32[0]! - 1;
  return f32[0]!;
}

function exactPowerOfTwoRational(value: number): { numerator: bigint; denominator: bigint } {
  // A double is m * 2^e with a 53-bit m; scale until integral (at most 1074 doublings).
  let exponent = 0;
  let scaled = Math.abs(value);
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    exponent++;
  }
  return { numerator: BigInt(scaled), denominator: 1n << BigInt(exponent) };
}

/** |decimal| compared with |binary|, both exact. */
function compareDecimalWithDouble(literal: string, binary: number): number {
  const match = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return 0;
  const digits = `${match[1] ?? ""}${match[2] ?? ""}`;
  const exponent = Number(match[3] ?? "0") - (match[2]?.length ?? 0);
  let numerator = BigInt(digits || "0");
  let denominator = 1n;
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator = 10n ** BigInt(-exponent);
  const other = exactPowerOfTwoRational(binary);
  const left = numerator * other.denominator;
  const right = other.numerator * denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Rounds a decimal literal to float32 exactly as strtof does. Rounding through a double is
 * right except when the double lands exactly halfway between two float32 values.
 */
export function decimalToFloat32(literal: string, asDouble: number): number {
  const rounded = Math.fround(asDouble);
  if (rounded === asDouble || !Number.isFinite(asDouble) || !Number.isFinite(rounded)) return rounded;
  const neighbour = nextFloat32(rounded, asDouble);
  if ((rounded + neighbour) / 2 !== asDouble) return rounded;
  const side = compareDecimalWithDouble(literal, asDouble);
  if (side === 0) return rounded;
  const larger = Math.abs(rounded) > Math.abs(neighbour) ? rounded : neighbour;
  const smaller = larger === rounded ? neighbour : rounded;
  return side > 0 ? larger : smaller;
}
