// Shortest decimal digits for float output (PostgreSQL's Ryu-based float4out/float8out with
// extra_float_digits > 0): the fewest significant digits that read back as the same value,
// the closest such digits when several exist. Unlike JavaScript's Number#toString, a
// decimal lying exactly halfway to a neighbouring float is never chosen.

import { decimalToFloat32 } from "./float-parse.ts";

/** value = d.ddd × 10^exponent, digits without trailing zeros. */
export interface Shortest {
  readonly digits: string;
  readonly exponent: number;
}

type Kind = "double" | "single";

interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const bits = new DataView(new ArrayBuffer(8));

/** |x| exactly, as numerator / 2^k, read from the IEEE bits. */
function exactRational(x: number): Rational {
  bits.setFloat64(0, Math.abs(x));
  const raw = bits.getBigUint64(0);
  const biased = Number(raw >> 52n);
  const fraction = raw & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  if (exponent >= 0) return { numerator: mantissa << BigInt(exponent), denominator: 1n };
  return { numerator: mantissa, denominator: 1n << BigInt(-exponent) };
}

function decimalRational(value: Shortest): Rational {
  const shift = value.exponent - (value.digits.length - 1);
  const digits = BigInt(value.digits);
  return shift >= 0 ? { numerator: digits * 10n ** BigInt(shift), denominator: 1n } : { numerator: digits, denominator: 10n ** BigInt(-shift) };
}

function compareRationals(a: Rational, b: Rational): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

function midpoint(a: number, b: number): Rational {
  const x = exactRational(a);
  const y = exactRational(b);
  return { numerator: x.numerator * y.denominator + y.numerator * x.denominator, denominator: 2n * x.denominator * y.denominator };
}

/** The next representable value above or below a positive finite value (may be Infinity). */
function neighbour(magnitude: number, kind: Kind, up: boolean): number {
  if (kind === "single") {
    bits.setFloat32(0, magnitude);
    bits.setUint32(0, bits.getUint32(0) + (up ? 1 : -1));
    return bits.getFloat32(0);
  }
  bits.setFloat64(0, magnitude);
  bits.setBigUint64(0, bits.getBigUint64(0) + (up ? 1n : -1n));
  return bits.getFloat64(0);
}

/** The midpoints to both neighbours; above the largest value, one step as wide as below it. */
function roundingBounds(magnitude: number, kind: Kind): { low: Rational; high: Rational } {
  const lower = neighbour(magnitude, kind, false);
  const upper = neighbour(magnitude, kind, true);
  const low = midpoint(magnitude, lower);
  if (Number.isFinite(upper)) return { low, high: midpoint(magnitude, upper) };
  const value = exactRational(magnitude);
  // high = value + (value - low) = 2·value - low
  const high = { numerator: 2n * value.numerator * low.denominator - low.numerator * value.denominator, denominator: value.denominator * low.denominator };
  return { low, high };
}

/** Strictly between the midpoints to the neighbouring values: reads back as `magnitude`. */
function strictlyInside(candidate: Shortest, magnitude: number, kind: Kind): boolean {
  const value = decimalRational(candidate);
  const { low, high } = roundingBounds(magnitude, kind);
  return compareRationals(value, low) > 0 && compareRationals(value, high) < 0;
}

/**
 * A decimal can sit exactly on a midpoint only if it ends in 5 (a midpoint below 1 ulp of an
 * integer is odd × 2^-k, whose expansion ends in 5) or is a large integer. Others skip the
 * exact check.
 */
function mayBeMidpoint(candidate: Shortest, magnitude: number, kind: Kind): boolean {
  if (candidate.digits.endsWith("5")) return true;
  const exactIntegers = kind === "single" ? 2 ** 24 : 2 ** 53;
  return magnitude >= exactIntegers && candidate.exponent >= candidate.digits.length - 1;
}

function readsBack(candidate: Shortest, magnitude: number, kind: Kind): boolean {
  const literal = `${candidate.digits}e${candidate.exponent - candidate.digits.length + 1}`;
  const parsed = Number(literal);
  const back = kind === "single" ? decimalToFloat32(literal, parsed) : parsed;
  if (back !== magnitude) return false;
  return !mayBeMidpoint(candidate, magnitude, kind) || strictlyInside(candidate, magnitude, kind);
}

/** Digits and exponent of toExponential() output "d.ddde±x" (hot: no regular expressions). */
function split(text: string): Shortest {
  const e = text.indexOf("e");
  const mantissa = text.length > 1 && text.charCodeAt(1) === 46 ? text[0]! + text.slice(2, e) : text.slice(0, e);
  let end = mantissa.length;
  while (end > 1 && mantissa.charCodeAt(end - 1) === 48) end--;
  return { digits: mantissa.slice(0, end), exponent: Number(text.slice(e + 1)) };
}

/** Moves a p-digit decimal by `step` units in its last place. */
function stepDigits(value: Shortest, precision: number, step: number): Shortest | null {
  const padded = value.digits.padEnd(precision, "0");
  const moved = BigInt(padded) + BigInt(step);
  if (moved <= 0n) return null;
  const text = moved.toString();
  return { digits: text.replace(/0+$/, "") || "0", exponent: value.exponent + (text.length - padded.length) };
}

function distance(candidate: Shortest, magnitude: number): Rational {
  const a = decimalRational(candidate);
  const b = exactRational(magnitude);
  const difference = a.numerator * b.denominator - b.numerator * a.denominator;
  return { numerator: difference < 0n ? -difference : difference, denominator: a.denominator * b.denominator };
}

/** Nearer to the value; at equal distance the one whose last digit is even, as Ryu rounds. */
function closer(candidate: Shortest, best: Shortest, magnitude: number, precision: number): boolean {
  const order = compareRationals(distance(candidate, magnitude), distance(best, magnitude));
  if (order !== 0) return order < 0;
  const lastDigit = (value: Shortest): number => Number(value.digits.padEnd(precision, "0")[precision - 1]);
  return lastDigit(candidate) % 2 === 0;
}

const valueOf = (candidate: Shortest): number => Number(`${candidate.digits}e${candidate.exponent - candidate.digits.length + 1}`);

/**
 * The best p-digit decimal that reads back, or null. toExponential() already gives the nearest
 * p-digit decimal; its neighbours matter only when it does not read back (it sits on an excluded
 * midpoint) or when the value lies halfway between two p-digit decimals.
 */
function bestAtPrecision(magnitude: number, kind: Kind, precision: number): Shortest | null {
  const nearest = split(magnitude.toExponential(precision - 1));
  if (readsBack(nearest, magnitude, kind)) {
    // A tie with the next lower decimal is rare; test it roughly first, exactly in closer().
    const unit = 10 ** (nearest.exponent - precision + 1);
    const above = Math.abs(valueOf(nearest) - magnitude);
    const below = Math.abs(valueOf(nearest) - unit - magnitude);
    const tied = Math.abs(above - below) <= unit * 1e-6;
    const lower = tied ? stepDigits(nearest, precision, -1) : null;
    return lower && readsBack(lower, magnitude, kind) && closer(lower, nearest, magnitude, precision) ? lower : nearest;
  }
  let best: Shortest | null = null;
  for (const candidate of [stepDigits(nearest, precision, -1), stepDigits(nearest, precision, 1)]) {
    if (!candidate || !readsBack(candidate, magnitude, kind)) continue;
    if (!best || closer(candidate, best, magnitude, precision)) best = candidate;
  }
  return best;
}

/**
 * The fewest digits that work, by bisection over the precision: if p digits can represent the
 * value, so can p + 1 (the nearest (p+1)-digit decimal is at least as close).
 */
function searchShortest(magnitude: number, kind: Kind, from: number): Shortest {
  let low = from;
  let high = kind === "single" ? 9 : 17;
  let found: Shortest | null = null;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const best = bestAtPrecision(magnitude, kind, middle);
    if (best) {
      found = best;
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  if (found) return found;
  return bestAtPrecision(magnitude, kind, low) ?? split(magnitude.toExponential(low - 1));
}

/** Shortest digits of a finite non-zero double's magnitude. */
export function shortestDouble(magnitude: number): Shortest {
  // JavaScript's shortest form is right unless it sits exactly on a midpoint.
  const fast = split(magnitude.toExponential());
  if (!mayBeMidpoint(fast, magnitude, "double") || strictlyInside(fast, magnitude, "double")) return fast;
  return searchShortest(magnitude, "double", fast.digits.length);
}

/** Shortest digits of a finite non-zero float32's magnitude. */
export function shortestSingle(magnitude: number): Shortest {
  return searchShortest(magnitude, "single", 1);
}
