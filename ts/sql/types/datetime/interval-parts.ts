// Accumulating interval fields the way PostgreSQL's interval input does (pg_itm_in):
// whole units plus a fraction that spills into the next smaller unit, with int32/int64
// overflow reported as a field overflow.

import { FieldOverflow } from "./parse-fields.ts";
import { roundHalfEven } from "./field-masks.ts";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const USECS_PER_SEC = 1_000_000n;
export const USECS_PER_MINUTE = 60_000_000n;
export const USECS_PER_HOUR = 3_600_000_000n;
export const USECS_PER_DAY = 86_400_000_000n;
const DAYS_PER_MONTH = 30;

/** Interval typmod range bits (INTERVAL_MASK). */
export const IntervalRange = {
  month: 1 << 1,
  year: 1 << 2,
  day: 1 << 3,
  hour: 1 << 10,
  minute: 1 << 11,
  second: 1 << 12,
  full: 0x7fff,
} as const;

/** pg_itm_in: the accumulating parts, each range-checked like PostgreSQL's. */
export interface IntervalParts {
  years: number;
  months: number;
  days: number;
  micros: bigint;
}

function checkInt32(value: number): number {
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) throw new FieldOverflow();
  return value;
}

export function checkInt64(value: bigint): bigint {
  if (value < INT64_MIN || value > INT64_MAX) throw new FieldOverflow();
  return value;
}

/** fraction × scale in whole microseconds, to nearest with ties toward zero (AdjustFractMicroseconds). */
export function fractionMicros(fraction: number, scale: bigint): bigint {
  if (fraction === 0) return 0n;
  const scaled = fraction * Number(scale);
  let micros = Math.trunc(scaled);
  const rest = scaled - micros;
  if (rest > 0.5) micros++;
  else if (rest < -0.5) micros--;
  return BigInt(micros);
}

export function addMicros(parts: IntervalParts, whole: bigint, fraction: number, scale: bigint): void {
  parts.micros = checkInt64(checkInt64(parts.micros + whole * scale) + fractionMicros(fraction, scale));
}

export function addDays(parts: IntervalParts, whole: bigint, fraction: number, scale: number): void {
  if (whole < BigInt(INT32_MIN) || whole > BigInt(INT32_MAX)) throw new FieldOverflow();
  parts.days = checkInt32(parts.days + checkInt32(Number(whole) * scale));
  if (fraction === 0) return;
  const scaled = fraction * scale;
  const extraDays = Math.trunc(scaled);
  parts.days = checkInt32(parts.days + extraDays);
  parts.micros = checkInt64(parts.micros + fractionMicros(scaled - extraDays, USECS_PER_DAY));
}

export function addMonths(parts: IntervalParts, whole: bigint, fraction: number): void {
  if (whole < BigInt(INT32_MIN) || whole > BigInt(INT32_MAX)) throw new FieldOverflow();
  parts.months = checkInt32(parts.months + Number(whole));
  if (fraction !== 0) addDays(parts, 0n, fraction, DAYS_PER_MONTH);
}

export function addYears(parts: IntervalParts, whole: bigint, fraction: number, scale: number): void {
  if (whole < BigInt(INT32_MIN) || whole > BigInt(INT32_MAX)) throw new FieldOverflow();
  parts.years = checkInt32(parts.years + checkInt32(Number(whole) * scale));
  if (fraction !== 0) parts.months = checkInt32(parts.months + roundHalfEven(fraction * scale * 12));
}
