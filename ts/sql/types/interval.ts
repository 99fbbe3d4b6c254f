// interval: {months, days, microseconds} kept separately as PostgreSQL stores them. They
// compare by total span with a month counted as 30 days, so '1 mon' = '30 days'.

import { SqlError, SqlState } from "../errors.ts";
import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { hashBytes } from "./hash.ts";
import { invalidParameter } from "./input-errors.ts";
import { decodeInterval, decodeIso8601Interval, IntervalRange, type IntervalParts } from "./datetime/decode-interval.ts";
import { formatPostgresInterval } from "./datetime/format.ts";
import { BadFormat, parseDateTimeFields } from "./datetime/parse-fields.ts";
import { translateDecodeError } from "./datetime/input.ts";
import { roundMicros } from "./datetime/convert.ts";
import type { SqlType, TypmodSupport } from "./type.ts";
import type { Interval } from "./value.ts";

const USECS_PER_DAY = 86_400_000_000n;
const USECS_PER_HOUR = 3_600_000_000n;
const USECS_PER_MINUTE = 60_000_000n;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const FULL_PRECISION = 0xffff;
const MAX_PRECISION = 6;

/** Total span in microseconds (interval_cmp_value). */
export function intervalSpan(value: Interval): bigint {
  return (BigInt(value.months) * 30n + BigInt(value.days)) * USECS_PER_DAY + value.microseconds;
}

export function compareIntervals(a: Interval, b: Interval): number {
  const x = intervalSpan(a);
  const y = intervalSpan(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function makeInterval(months: number, days: number, microseconds: bigint): Interval {
  return { months, days, microseconds };
}

function intervalOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, "interval out of range");
}

function partsToInterval(parts: IntervalParts): Interval {
  const months = parts.years * 12 + parts.months;
  if (months < INT32_MIN || months > INT32_MAX) throw intervalOutOfRange();
  return { months, days: parts.days, microseconds: parts.micros };
}

export function typmodRange(typmod: number): number {
  return typmod < 0 ? IntervalRange.full : (typmod >>> 16) & 0x7fff;
}

export function typmodPrecision(typmod: number): number {
  return typmod < 0 ? FULL_PRECISION : typmod & 0xffff;
}

/** interval_in: postgres-style or SQL-standard fields first, ISO 8601 if those are malformed. */
export function parseIntervalText(text: string, typmod: number): Interval {
  const range = typmodRange(typmod);
  let parts: IntervalParts;
  try {
    try {
      parts = decodeInterval(parseDateTimeFields(text), range);
    } catch (error) {
      if (!(error instanceof BadFormat)) throw error;
      parts = decodeIso8601Interval(text);
    }
  } catch (error) {
    throw translateDecodeError(error, text, "interval", true);
  }
  return applyIntervalTypmod(partsToInterval(parts), typmod);
}

/** AdjustIntervalForTypmod: drops fields below the declared range, rounds seconds. */
export function applyIntervalTypmod(value: Interval, typmod: number): Interval {
  if (typmod < 0) return value;
  const range = typmodRange(typmod);
  const precision = typmodPrecision(typmod);
  const R = IntervalRange;
  let { months, days, microseconds } = value;
  const truncateTo = (unit: bigint): bigint => (microseconds / unit) * unit;
  if (range === R.year) {
    months = Math.trunc(months / 12) * 12;
    days = 0;
    microseconds = 0n;
  } else if (range === R.month || range === (R.year | R.month)) {
    days = 0;
    microseconds = 0n;
  } else if (range === R.day) {
    microseconds = 0n;
  } else if (range === R.hour || range === (R.day | R.hour)) {
    microseconds = truncateTo(USECS_PER_HOUR);
  } else if (range === R.minute || range === (R.day | R.hour | R.minute) || range === (R.hour | R.minute)) {
    microseconds = truncateTo(USECS_PER_MINUTE);
  }
  if (precision !== FULL_PRECISION) microseconds = roundMicros(microseconds, precision);
  return { months, days, microseconds };
}

/** interval2itm then EncodeInterval (IntervalStyle postgres). */
export function formatInterval(value: Interval): string {
  let time = value.microseconds;
  const hours = time / USECS_PER_HOUR;
  time -= hours * USECS_PER_HOUR;
  const minutes = time / USECS_PER_MINUTE;
  time -= minutes * USECS_PER_MINUTE;
  const seconds = time / 1_000_000n;
  time -= seconds * 1_000_000n;
  return formatPostgresInterval({
    years: Math.trunc(value.months / 12),
    months: value.months % 12,
    days: value.days,
    hours,
    minutes: Number(minutes),
    seconds: Number(seconds),
    microseconds: Number(time),
  });
}

const rangeNames: readonly (readonly [number, string])[] = [
  [IntervalRange.year, " year"],
  [IntervalRange.month, " month"],
  [IntervalRange.day, " day"],
  [IntervalRange.hour, " hour"],
  [IntervalRange.minute, " minute"],
  [IntervalRange.second, " second"],
  [IntervalRange.year | IntervalRange.month, " year to month"],
  [IntervalRange.day | IntervalRange.hour, " day to hour"],
  [IntervalRange.day | IntervalRange.hour | IntervalRange.minute, " day to minute"],
  [IntervalRange.day | IntervalRange.hour | IntervalRange.minute | IntervalRange.second, " day to second"],
  [IntervalRange.hour | IntervalRange.minute, " hour to minute"],
  [IntervalRange.hour | IntervalRange.minute | IntervalRange.second, " hour to second"],
  [IntervalRange.minute | IntervalRange.second, " minute to second"],
  [IntervalRange.full, ""],
];

/** intervaltypmodin: [range] or [range, precision], as the grammar passes them. */
function parseIntervalTypmod(modifiers: readonly number[]): number {
  if (modifiers.length < 1 || modifiers.length > 2) throw invalidParameter("invalid INTERVAL type modifier");
  const range = modifiers[0]!;
  if (!rangeNames.some(([mask]) => mask === range)) throw invalidParameter("invalid INTERVAL type modifier");
  let precision = modifiers[1] ?? FULL_PRECISION;
  if (modifiers.length === 2) {
    if (precision < 0) throw invalidParameter(`INTERVAL(${precision}) precision must not be negative`);
    precision = Math.min(precision, MAX_PRECISION);
    const hasSecond = range === IntervalRange.full || (range & IntervalRange.second) !== 0;
    if (!hasSecond) throw invalidParameter("interval precision specified twice");
  }
  return ((range & 0x7fff) << 16) | (precision & 0xffff);
}

/** intervaltypmodout: " day to second(3)" or "(3)". */
export function formatIntervalTypmod(typmod: number): string {
  if (typmod < 0) return "";
  const range = typmodRange(typmod);
  const precision = typmodPrecision(typmod);
  const name = rangeNames.find(([mask]) => mask === range)?.[1] ?? "";
  return precision !== FULL_PRECISION ? `${name}(${precision})` : name;
}

const intervalTypmod: TypmodSupport<Interval> = {
  parse: parseIntervalTypmod,
  format: formatIntervalTypmod,
  coerce: (value, typmod) => applyIntervalTypmod(value, typmod),
};

function isInterval(value: unknown): value is Interval {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Interval>;
  return Number.isInteger(candidate.months) && Number.isInteger(candidate.days) && typeof candidate.microseconds === "bigint";
}

export const intervalType: SqlType<Interval> = {
  oid: Oid.interval,
  typname: "interval",
  sqlName: "interval",
  typlen: 16,
  category: "T",
  preferred: true,
  arrayOid: ArrayOid.interval,
  elementOid: 0,
  typmod: intervalTypmod,
  parse: (text, typmod) => parseIntervalText(text, typmod),
  format: (value) => formatInterval(value),
  decodeBinary(bytes, typmod) {
    const reader = new ByteReader(bytes);
    const microseconds = reader.i64();
    const days = reader.i32();
    const months = reader.i32();
    reader.end();
    return applyIntervalTypmod({ months, days, microseconds }, typmod);
  },
  encodeBinary: (value) => new ByteWriter(16).i64(value.microseconds).i32(value.days).i32(value.months).finish(),
  compare: compareIntervals,
  equals: (a, b) => intervalSpan(a) === intervalSpan(b),
  hash(value) {
    // Equal spans are equal intervals ('1 mon' = '30 days'), so hash the span.
    const span = intervalSpan(value);
    return hashBytes(new ByteWriter(16).i64(BigInt.asIntN(64, span)).i64(span >> 64n).finish());
  },
  accepts: isInterval,
};
