// numeric: an exact decimal, value = mantissa / 10^scale, plus NaN and ±Infinity as in
// PostgreSQL 14+. The scale is PostgreSQL's display scale (dscale): 1.50 keeps scale 2 and
// prints "1.50", but compares equal to 1.5.

import { SqlError, SqlState } from "../errors.ts";

export type NumericKind = "finite" | "nan" | "infinity" | "-infinity";

/** PostgreSQL's storage limits: 32767 base-10000 digits before the point, dscale ≤ 16383. */
export const NUMERIC_DSCALE_MAX = 16383;
export const NUMERIC_INTEGER_DIGITS_MAX = 131072;
/** Division and other inexact results never get more than this many fraction digits. */
export const NUMERIC_MAX_DISPLAY_SCALE = 1000;
/** Inexact results keep at least this many significant digits (as many as a float8 has). */
const NUMERIC_MIN_SIG_DIGITS = 16;

const powers: bigint[] = [1n];
/** Mantissas below this cannot have too many integer digits whatever their scale. */
const SMALL_MANTISSA_LIMIT = 10n ** 1000n;

/** 10^n as a bigint, cached. */
export function pow10(n: number): bigint {
  for (let i = powers.length; i <= n; i++) powers.push(powers[i - 1]! * 10n);
  return powers[n]!;
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/** Number of decimal digits of a non-negative bigint (1 for 0). */
export function digitCount(value: bigint): number {
  return value === 0n ? 1 : value.toString().length;
}

/** q = n / d rounded half away from zero. */
function divideRounded(n: bigint, d: bigint): bigint {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const quotient = n / d;
  const twiceRemainder = abs(n % d) * 2n;
  if (twiceRemainder >= d) return n < 0n ? quotient - 1n : quotient + 1n;
  return quotient;
}

function divisionByZero(): SqlError {
  return new SqlError(SqlState.divisionByZero, "division by zero");
}

export class Numeric {
  static readonly NaN = new Numeric("nan", 0n, 0);
  static readonly POSITIVE_INFINITY = new Numeric("infinity", 0n, 0);
  static readonly NEGATIVE_INFINITY = new Numeric("-infinity", 0n, 0);
  static readonly ZERO = new Numeric("finite", 0n, 0);

  private constructor(
    readonly kind: NumericKind,
    /** Signed digits; 0n for the special values. */
    readonly mantissa: bigint,
    /** Digits after the decimal point (display scale), ≥ 0. */
    readonly scale: number,
  ) {}

  /** mantissa / 10^scale; raises 22003 beyond PostgreSQL's numeric limits. */
  static of(mantissa: bigint, scale = 0): Numeric {
    if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`numeric scale must be a non-negative integer: ${scale}`);
    const result = new Numeric("finite", mantissa, scale);
    result.checkLimits();
    return result;
  }

  static fromInteger(value: number | bigint): Numeric {
    return new Numeric("finite", BigInt(value), 0);
  }

  private checkLimits(): void {
    if (this.scale > NUMERIC_DSCALE_MAX) throw new SqlError(SqlState.numericValueOutOfRange, "value overflows numeric format");
    // Most values have far fewer digits than the limit; count them only for huge mantissas.
    const magnitude = this.mantissa < 0n ? -this.mantissa : this.mantissa;
    if (magnitude < SMALL_MANTISSA_LIMIT) return;
    if (this.integerDigits() > NUMERIC_INTEGER_DIGITS_MAX) {
      throw new SqlError(SqlState.numericValueOutOfRange, "value overflows numeric format");
    }
  }

  isFinite(): boolean {
    return this.kind === "finite";
  }
  isNaN(): boolean {
    return this.kind === "nan";
  }
  isInfinite(): boolean {
    return this.kind === "infinity" || this.kind === "-infinity";
  }
  /** -1, 0 or 1; NaN gives NaN. */
  sign(): number {
    if (this.kind === "nan") return NaN;
    if (this.kind === "infinity") return 1;
    if (this.kind === "-infinity") return -1;
    return this.mantissa < 0n ? -1 : this.mantissa > 0n ? 1 : 0;
  }

  /**
   * Exponent of the leading decimal digit (123.4 → 2, 0.05 → -2); undefined for zero.
   * numeric(p,s) limits are stated in terms of it.
   */
  leadingExponent(): number | undefined {
    if (this.mantissa === 0n) return undefined;
    return digitCount(abs(this.mantissa)) - 1 - this.scale;
  }

  /** Decimal digits before the point (0 when |value| < 1). */
  integerDigits(): number {
    const exponent = this.leadingExponent();
    return exponent === undefined || exponent < 0 ? 0 : exponent + 1;
  }

  /** The same value with trailing fraction zeros removed (1.500 → 1.5, 10 → 10). */
  normalize(): Numeric {
    if (this.kind !== "finite" || this.scale === 0) return this;
    let mantissa = this.mantissa;
    let scale = this.scale;
    if (mantissa === 0n) return Numeric.ZERO;
    while (scale > 0 && mantissa % 10n === 0n) {
      mantissa /= 10n;
      scale--;
    }
    return new Numeric("finite", mantissa, scale);
  }

  /** The mantissa scaled to `scale` digits; only for scale ≥ this.scale (exact). */
  private mantissaAt(scale: number): bigint {
    return this.mantissa * pow10(scale - this.scale);
  }

  /** Rounds half away from zero to `scale` fraction digits; a negative scale rounds to tens, hundreds... */
  round(scale: number): Numeric {
    if (this.kind !== "finite" || scale >= this.scale) {
      return this.kind === "finite" && scale > this.scale ? Numeric.of(this.mantissaAt(scale), scale) : this;
    }
    const dropped = this.scale - scale;
    const rounded = divideRounded(this.mantissa, pow10(dropped));
    return scale >= 0 ? Numeric.of(rounded, scale) : Numeric.of(rounded * pow10(-scale), 0);
  }

  /** Truncates toward zero to `scale` fraction digits. */
  trunc(scale: number): Numeric {
    if (this.kind !== "finite" || scale >= this.scale) return this.round(scale);
    const kept = this.mantissa / pow10(this.scale - scale);
    return scale >= 0 ? Numeric.of(kept, scale) : Numeric.of(kept * pow10(-scale), 0);
  }

  negate(): Numeric {
    if (this.kind === "infinity") return Numeric.NEGATIVE_INFINITY;
    if (this.kind === "-infinity") return Numeric.POSITIVE_INFINITY;
    if (this.kind === "nan" || this.mantissa === 0n) return this;
    return new Numeric("finite", -this.mantissa, this.scale);
  }

  abs(): Numeric {
    return this.sign() < 0 ? this.negate() : this;
  }

  add(other: Numeric): Numeric {
    const special = addSpecial(this, other);
    if (special) return special;
    const scale = Math.max(this.scale, other.scale);
    return Numeric.of(this.mantissaAt(scale) + other.mantissaAt(scale), scale);
  }

  sub(other: Numeric): Numeric {
    return this.add(other.negate());
  }

  mul(other: Numeric): Numeric {
    if (this.kind === "nan" || other.kind === "nan") return Numeric.NaN;
    if (this.isInfinite() || other.isInfinite()) {
      const sign = this.sign() * other.sign();
      if (sign === 0) return Numeric.NaN;
      return sign > 0 ? Numeric.POSITIVE_INFINITY : Numeric.NEGATIVE_INFINITY;
    }
    const scale = this.scale + other.scale;
    const product = this.mantissa * other.mantissa;
    // The exact product scale can exceed the storage limit; PostgreSQL rounds it there.
    if (scale > NUMERIC_DSCALE_MAX) return new Numeric("finite", product, scale).round(NUMERIC_DSCALE_MAX);
    return Numeric.of(product, scale);
  }

  /** Division with PostgreSQL's result scale (select_div_scale), rounded half away from zero. */
  div(other: Numeric): Numeric {
    const special = divideSpecial(this, other);
    if (special) return special;
    return this.divideAtScale(other, divisionScale(this, other), true);
  }

  /** Quotient to `scale` digits, rounded or truncated; the divisor must be finite and non-zero. */
  divideAtScale(other: Numeric, scale: number, rounded: boolean): Numeric {
    if (other.mantissa === 0n) throw divisionByZero();
    // a/b = (ma / 10^sa) / (mb / 10^sb); scaled by 10^scale.
    const exponent = other.scale + scale - this.scale;
    let numerator = this.mantissa;
    let denominator = other.mantissa;
    if (exponent >= 0) numerator *= pow10(exponent);
    else denominator *= pow10(-exponent);
    const quotient = rounded ? divideRounded(numerator, denominator) : numerator / denominator;
    return Numeric.of(quotient, scale);
  }

  /** Remainder with the dividend's sign: x - trunc(x/y)*y. */
  mod(other: Numeric): Numeric {
    if (this.kind === "nan" || other.kind === "nan") return Numeric.NaN;
    if (other.kind === "finite" && other.mantissa === 0n) throw divisionByZero();
    if (this.isInfinite()) return Numeric.NaN;
    if (other.isInfinite()) return this;
    const scale = Math.max(this.scale, other.scale);
    return Numeric.of(this.mantissaAt(scale) % other.mantissaAt(scale), scale);
  }

  /** Total order: -Infinity < finite values < Infinity < NaN; scale is ignored. */
  compare(other: Numeric): number {
    const rank = kindRank(this.kind) - kindRank(other.kind);
    if (rank !== 0 || this.kind !== "finite") return Math.sign(rank);
    const scale = Math.max(this.scale, other.scale);
    const a = this.mantissaAt(scale);
    const b = other.mantissaAt(scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(other: Numeric): boolean {
    return this.compare(other) === 0;
  }

  /** PostgreSQL's numeric_out: plain notation with exactly `scale` fraction digits. */
  toString(): string {
    if (this.kind === "nan") return "NaN";
    if (this.kind === "infinity") return "Infinity";
    if (this.kind === "-infinity") return "-Infinity";
    const digits = abs(this.mantissa).toString().padStart(this.scale + 1, "0");
    const sign = this.mantissa < 0n ? "-" : "";
    if (this.scale === 0) return sign + digits;
    const point = digits.length - this.scale;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }

  /** The nearest double, as numeric_float8 gives (via the decimal text). */
  toNumber(): number {
    if (this.kind === "nan") return NaN;
    if (this.kind === "infinity") return Infinity;
    if (this.kind === "-infinity") return -Infinity;
    return Number(this.toString());
  }

  /** Weight and leading digit in base 10000, the units PostgreSQL's scale rules count in. */
  base10000Lead(): { weight: number; firstDigit: number } {
    const exponent = this.leadingExponent();
    if (exponent === undefined || this.kind !== "finite") return { weight: 0, firstDigit: 0 };
    const weight = Math.floor(exponent / 4);
    const shift = this.scale + 4 * weight;
    const magnitude = abs(this.mantissa);
    const firstDigit = shift >= 0 ? magnitude / pow10(shift) : magnitude * pow10(-shift);
    return { weight, firstDigit: Number(firstDigit) };
  }
}

function kindRank(kind: NumericKind): number {
  return kind === "-infinity" ? 0 : kind === "finite" ? 1 : kind === "infinity" ? 2 : 3;
}

function addSpecial(a: Numeric, b: Numeric): Numeric | null {
  if (a.kind === "finite" && b.kind === "finite") return null;
  if (a.kind === "nan" || b.kind === "nan") return Numeric.NaN;
  if (a.isInfinite() && b.isInfinite() && a.kind !== b.kind) return Numeric.NaN;
  return a.isInfinite() ? a : b;
}

function divideSpecial(a: Numeric, b: Numeric): Numeric | null {
  if (a.kind === "finite" && b.kind === "finite") return null;
  if (a.kind === "nan" || b.kind === "nan") return Numeric.NaN;
  if (b.isInfinite()) return a.isInfinite() ? Numeric.NaN : Numeric.ZERO;
  const divisorSign = b.sign();
  if (divisorSign === 0) throw divisionByZero();
  return a.sign() * divisorSign > 0 ? Numeric.POSITIVE_INFINITY : Numeric.NEGATIVE_INFINITY;
}

/**
 * select_div_scale: at least 16 significant digits, no fewer fraction digits than either
 * input, at most 1000. The quotient's weight is estimated from base-10000 leading digits.
 */
export function divisionScale(a: Numeric, b: Numeric): number {
  const lead1 = a.base10000Lead();
  const lead2 = b.base10000Lead();
  let quotientWeight = lead1.weight - lead2.weight;
  if (lead1.firstDigit <= lead2.firstDigit) quotientWeight--;
  let scale = NUMERIC_MIN_SIG_DIGITS - quotientWeight * 4;
  scale = Math.max(scale, a.scale, b.scale, 0);
  return Math.min(scale, NUMERIC_MAX_DISPLAY_SCALE);
}
