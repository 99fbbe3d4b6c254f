// Arithmetic with PostgreSQL's results and errors: integer overflow is 22003 ("integer out
// of range"), division by zero 22012, integer division truncates toward zero, float
// overflow is "value out of range: overflow", numeric is exact.

import { SqlError, SqlState } from "../errors.ts";
import { Numeric } from "../types/index.ts";

export function outOfRange(typeName: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, `${typeName} out of range`);
}

export function divisionByZero(): SqlError {
  return new SqlError(SqlState.divisionByZero, "division by zero");
}

export const INT2_MIN = -32768;
export const INT2_MAX = 32767;
export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;

export function checkInt2(value: number): number {
  if (value < INT2_MIN || value > INT2_MAX) throw outOfRange("smallint");
  return value;
}

export function checkInt4(value: number): number {
  if (value < INT4_MIN || value > INT4_MAX) throw outOfRange("integer");
  return value;
}

export function checkInt8(value: bigint): bigint {
  if (value < INT8_MIN || value > INT8_MAX) throw outOfRange("bigint");
  return value;
}

type IntCheck = (value: number) => number;

export function intOps(check: IntCheck) {
  return {
    add: (a: number, b: number) => check(a + b),
    sub: (a: number, b: number) => check(a - b),
    // Products of 32-bit integers can exceed 2^53: compute exactly when large.
    mul: (a: number, b: number) => {
      const product = a * b;
      if (Number.isSafeInteger(product)) return check(product);
      throw check === checkInt2 ? outOfRange("smallint") : outOfRange("integer");
    },
    div: (a: number, b: number) => {
      if (b === 0) throw divisionByZero();
      return check(Math.trunc(a / b)) || 0;
    },
    mod: (a: number, b: number) => {
      if (b === 0) throw divisionByZero();
      return a % b || 0;
    },
    neg: (a: number) => check(-a) || 0,
  };
}

export const int2Ops = intOps(checkInt2);
export const int4Ops = intOps(checkInt4);

export const int8Ops = {
  add: (a: bigint, b: bigint) => checkInt8(a + b),
  sub: (a: bigint, b: bigint) => checkInt8(a - b),
  mul: (a: bigint, b: bigint) => checkInt8(a * b),
  div: (a: bigint, b: bigint) => {
    if (b === 0n) throw divisionByZero();
    return checkInt8(a / b);
  },
  mod: (a: bigint, b: bigint) => {
    if (b === 0n) throw divisionByZero();
    return a % b;
  },
  neg: (a: bigint) => checkInt8(-a),
};

/** An infinite result from finite inputs is an overflow (22003), as in float8pl and friends. */
function checkFloat(result: number, a: number, b: number): number {
  if (!Number.isFinite(result) && Number.isFinite(a) && Number.isFinite(b) && !Number.isNaN(result)) {
    throw new SqlError(SqlState.numericValueOutOfRange, "value out of range: overflow");
  }
  return result;
}

export function floatOps(real: boolean) {
  const round = real ? Math.fround : (x: number) => x;
  return {
    add: (a: number, b: number) => checkFloat(round(a + b), a, b),
    sub: (a: number, b: number) => checkFloat(round(a - b), a, b),
    mul: (a: number, b: number) => {
      const result = round(a * b);
      checkFloat(result, a, b);
      if (result === 0 && a !== 0 && b !== 0) throw new SqlError(SqlState.numericValueOutOfRange, "value out of range: underflow");
      return result;
    },
    div: (a: number, b: number) => {
      if (b === 0 && !Number.isNaN(a)) throw divisionByZero();
      const result = round(a / b);
      checkFloat(result, a, Number.isFinite(b) ? 1 : b);
      return result;
    },
    neg: (a: number) => -a,
  };
}

export const float4Ops = floatOps(true);
export const float8Ops = floatOps(false);

export const numericOps = {
  add: (a: Numeric, b: Numeric) => a.add(b),
  sub: (a: Numeric, b: Numeric) => a.sub(b),
  mul: (a: Numeric, b: Numeric) => a.mul(b),
  div: (a: Numeric, b: Numeric) => a.div(b),
  mod: (a: Numeric, b: Numeric) => a.mod(b),
  neg: (a: Numeric) => a.negate(),
};

/** numeric ^ numeric: exact for integral exponents, else through float8 as an approximation. */
export function numericPower(base: Numeric, exponent: Numeric): Numeric {
  if (base.isNaN() || exponent.isNaN()) return Numeric.NaN;
  if (base.isFinite() && base.sign() === 0 && exponent.sign() < 0) {
    throw new SqlError(SqlState.invalidArgumentForPowerFunction, "zero raised to a negative power is undefined");
  }
  const exponentIsInteger = exponent.isFinite() && exponent.trunc(0).equals(exponent);
  if (base.isFinite() && base.sign() < 0 && !exponentIsInteger) {
    throw new SqlError(SqlState.invalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result");
  }
  if (exponentIsInteger && base.isFinite()) {
    const n = exponent.round(0).mantissa;
    if (n >= 0n && n <= 10000n) {
      let result = Numeric.fromInteger(1);
      for (let i = 0n; i < n; i++) result = result.mul(base);
      // PostgreSQL shows at least 16 significant digits' worth of scale for power results.
      const scale = Math.max(result.scale, 16 - Math.max(0, result.integerDigits()));
      return result.round(Math.min(Math.max(scale, 0), Math.max(result.scale, 16)));
    }
    if (n < 0n && n >= -10000n) {
      let result = Numeric.fromInteger(1);
      for (let i = 0n; i < -n; i++) result = result.mul(base);
      return Numeric.fromInteger(1).div(result);
    }
  }
  const value = Math.pow(base.toNumber(), exponent.toNumber());
  if (!Number.isFinite(value)) throw new SqlError(SqlState.numericValueOutOfRange, "value overflows numeric format");
  // PostgreSQL gives at least 16 significant digits: scale 16 - floor(log10(result)).
  const scale = Math.min(1000, Math.max(16 - Math.floor(Math.log10(Math.abs(value) || 1)), base.scale, exponent.scale, 0));
  if (exponent.equals(Numeric.of(5n, 1))) return numericSqrt(base, scale);
  return numericFromDouble(value, 17).round(scale);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x = (x + n / x) >> 1n;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** Exact square root rounded half up to `scale` digits. */
export function numericSqrt(value: Numeric, scale: number): Numeric {
  if (!value.isFinite()) return value;
  if (value.sign() < 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, "cannot take square root of a negative number");
  // sqrt(m / 10^s) at scale k: isqrt(m * 10^(2k + 1 - s) * ...) computed with one extra digit.
  const extra = scale + 1;
  const exponent = 2 * extra - value.scale;
  const scaled = exponent >= 0 ? value.mantissa * 10n ** BigInt(exponent) : value.mantissa / 10n ** BigInt(-exponent);
  const root = isqrt(scaled);
  return Numeric.of((root + 5n) / 10n, scale);
}

/** sqrt(numeric) with PostgreSQL's result scale. */
export function numericSqrtDefault(value: Numeric): Numeric {
  const approx = Math.sqrt(value.toNumber());
  const scale = Math.min(1000, Math.max(16 - Math.floor(Math.log10(approx || 1)), value.scale, 0));
  return numericSqrt(value, scale);
}

/** A double as numeric with `digits` significant digits (PostgreSQL's numeric results of float math). */
export function numericFromDouble(value: number, digits: number): Numeric {
  if (Number.isNaN(value)) return Numeric.NaN;
  if (value === Infinity) return Numeric.POSITIVE_INFINITY;
  if (value === -Infinity) return Numeric.NEGATIVE_INFINITY;
  const text = value.toPrecision(digits);
  const [mantissaText, exponentText] = text.split("e");
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const negative = mantissaText!.startsWith("-");
  const unsigned = negative ? mantissaText!.slice(1) : mantissaText!;
  const [whole, fraction = ""] = unsigned.split(".");
  let mantissa = BigInt(whole! + fraction);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    mantissa *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return Numeric.of(negative ? -mantissa : mantissa, scale);
}

/** rint(): round half to even, as float8 round() does. */
export function roundHalfEven(value: number): number {
  if (!Number.isFinite(value)) return value;
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function numericFloor(value: Numeric): Numeric {
  if (!value.isFinite()) return value;
  const truncated = value.trunc(0);
  return value.sign() < 0 && !truncated.equals(value) ? truncated.sub(Numeric.fromInteger(1)) : Numeric.of(truncated.mantissa, 0);
}

export function numericCeil(value: Numeric): Numeric {
  if (!value.isFinite()) return value;
  const truncated = value.trunc(0);
  return value.sign() > 0 && !truncated.equals(value) ? truncated.add(Numeric.fromInteger(1)) : Numeric.of(truncated.mantissa, 0);
}
