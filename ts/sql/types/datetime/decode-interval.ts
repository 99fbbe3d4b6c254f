// Interval input in postgres and SQL styles (PostgreSQL 15's DecodeInterval): fields are
// read right to left so that a unit word labels the number before it.

import { BadFormat, FieldOverflow, type Field } from "./parse-fields.ts";
import { Mask, ALL_SECONDS_MASK, TIME_MASK } from "./field-masks.ts";
import { decodeTime, emptyBrokenDown } from "./decode-pieces.ts";
import { findDateToken, findIntervalToken, type TokenValue } from "./tokens.ts";
import {
  addDays,
  addMicros,
  addMonths,
  addYears,
  checkInt64,
  fractionMicros,
  INT64_MAX,
  INT64_MIN,
  IntervalRange,
  USECS_PER_DAY,
  USECS_PER_HOUR,
  USECS_PER_MINUTE,
  USECS_PER_SEC,
  type IntervalParts,
} from "./interval-parts.ts";

export { IntervalRange, type IntervalParts };
export { decodeIso8601Interval } from "./decode-iso8601-interval.ts";

/** The unit a bare trailing number takes from the interval's typmod range. */
function defaultUnit(range: number): TokenValue {
  const R = IntervalRange;
  switch (range) {
    case R.year:
      return "year";
    case R.month:
    case R.year | R.month:
      return "month";
    case R.day:
      return "day";
    case R.hour:
    case R.day | R.hour:
      return "hour";
    case R.minute:
    case R.hour | R.minute:
    case R.day | R.hour | R.minute:
      return "minute";
    default:
      return "second";
  }
}

/** strtoi64 then what follows: "-months" (SQL year-month), ".fraction", or nothing. */
function splitNumber(text: string): { whole: bigint; fraction: number; yearMonth: boolean } {
  const match = /^[+-]?\d+/.exec(text);
  let whole = match ? BigInt(match[0]) : 0n;
  if (whole < INT64_MIN || whole > INT64_MAX) throw new FieldOverflow();
  const rest = match ? text.slice(match[0].length) : text;
  const negative = text.startsWith("-");
  if (rest.startsWith("-")) {
    const months = /^-(\s*[+-]?\d+)?(.*)$/.exec(rest)!;
    const value = months[1] === undefined ? 0 : Number(months[1]);
    if (value < 0 || value >= 12) throw new FieldOverflow();
    if (months[2] !== "") throw new BadFormat();
    whole = checkInt64(whole * 12n + BigInt(negative ? -value : value));
    return { whole, fraction: 0, yearMonth: true };
  }
  if (rest.startsWith(".")) {
    if (!/^\.\d*$/.test(rest)) throw new BadFormat();
    const fraction = rest === "." ? 0 : Number(`0${rest}`);
    return { whole, fraction: negative ? -fraction : fraction, yearMonth: false };
  }
  if (rest !== "" || !match) throw new BadFormat();
  return { whole, fraction: 0, yearMonth: false };
}

const unitMasks: Partial<Record<TokenValue, number>> = {
  microsecond: Mask.microsecond,
  millisecond: Mask.millisecond,
  minute: Mask.minute,
  hour: Mask.hour,
  day: Mask.day,
  week: Mask.week,
  month: Mask.month,
  year: Mask.year,
  decade: Mask.decade,
  century: Mask.century,
  millennium: Mask.millennium,
};

function applyUnit(parts: IntervalParts, unit: TokenValue, whole: bigint, fraction: number): number {
  switch (unit) {
    case "microsecond":
      addMicros(parts, whole, fraction, 1n);
      break;
    case "millisecond":
      addMicros(parts, whole, fraction, 1000n);
      break;
    case "second":
      addMicros(parts, whole, fraction, USECS_PER_SEC);
      return fraction === 0 ? Mask.second : ALL_SECONDS_MASK;
    case "minute":
      addMicros(parts, whole, fraction, USECS_PER_MINUTE);
      break;
    case "hour":
      addMicros(parts, whole, fraction, USECS_PER_HOUR);
      break;
    case "day":
      addDays(parts, whole, 0, 1);
      parts.micros = checkInt64(parts.micros + fractionMicros(fraction, USECS_PER_DAY));
      break;
    case "week":
      addDays(parts, whole, fraction, 7);
      break;
    case "month":
      addMonths(parts, whole, fraction);
      break;
    case "year":
      addYears(parts, whole, fraction, 1);
      break;
    case "decade":
      addYears(parts, whole, fraction, 10);
      break;
    case "century":
      addYears(parts, whole, fraction, 100);
      break;
    case "millennium":
      addYears(parts, whole, fraction, 1000);
      break;
    default:
      throw new BadFormat();
  }
  return unitMasks[unit]!;
}

function timeFieldMicros(text: string, range: number): bigint {
  const tm = emptyBrokenDown();
  // "mm:ss" is read as minutes and seconds for MINUTE TO SECOND intervals.
  if (range === (IntervalRange.minute | IntervalRange.second) && /^\d+:\d+$/.test(text)) {
    const [minutes = "0", seconds = "0"] = text.split(":");
    if (Number(seconds) > 60) throw new FieldOverflow();
    return BigInt(minutes) * USECS_PER_MINUTE + BigInt(seconds) * USECS_PER_SEC;
  }
  decodeTime(text, tm);
  return BigInt(tm.hour) * USECS_PER_HOUR + BigInt(tm.minute) * USECS_PER_MINUTE + BigInt(tm.second) * USECS_PER_SEC + BigInt(tm.microsecond);
}

/** DecodeInterval over already split fields. */
export function decodeInterval(fields: readonly Field[], range: number): IntervalParts {
  const parts: IntervalParts = { years: 0, months: 0, days: 0, micros: 0n };
  let seen = 0;
  // null: no unit yet (the typmod decides); "none": after "ago", where a bare number is an error.
  let unit: TokenValue | "none" | null = null;
  let ago = false;
  // PostgreSQL 15 lets a unit word go unused ("d 3 mon" is 3 months).
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i]!;
    let found = 0;
    if (field.type === "time" || (field.type === "tz" && field.text.includes(":") && isSignedTime(field.text, range))) {
      const signed = field.type === "tz";
      const micros = timeFieldMicros(signed ? field.text.slice(1) : field.text, range);
      parts.micros = checkInt64(signed && field.text.startsWith("-") ? -micros : micros);
      found = TIME_MASK;
      unit = "day";
    } else if (field.type === "tz" || field.type === "date" || field.type === "number") {
      const number = splitNumber(field.text);
      // An SQL year-month field ("1-2") makes months the unit from here on, as in PostgreSQL.
      if (number.yearMonth) unit = "month";
      const effective = unit ?? defaultUnit(range);
      if (effective === "none") throw new BadFormat();
      found = applyUnit(parts, effective, number.whole, number.fraction);
      if (effective === "hour") unit = "day";
    } else {
      const token = findIntervalToken(field.text) ?? findDateToken(field.text);
      if (!token || token.type === "ignore") {
        if (token) continue;
        throw new BadFormat();
      }
      if (token.type === "units") {
        unit = token.value!;
      } else if (token.type === "ago") {
        if (i !== fields.length - 1) throw new BadFormat();
        ago = true;
        unit = "none";
      } else {
        throw new BadFormat();
      }
    }
    if (found & seen) throw new BadFormat();
    seen |= found;
  }
  if (seen === 0) throw new BadFormat();
  if (ago) {
    parts.years = -parts.years;
    parts.months = -parts.months;
    parts.days = -parts.days;
    parts.micros = checkInt64(-parts.micros);
  }
  return parts;
}

function isSignedTime(text: string, range: number): boolean {
  try {
    timeFieldMicros(text.slice(1), range);
    return true;
  } catch {
    return false;
  }
}
