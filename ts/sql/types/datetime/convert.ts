// Conversions between date, timestamp and timestamptz values and broken-down fields.
//
// date: days since 2000-01-01 (number); ±infinity are int32 min/max.
// timestamp, timestamptz: microseconds since 2000-01-01 00:00 (bigint, UTC for timestamptz);
// ±infinity are int64 min/max. These are PostgreSQL's own representations.

import { SqlError, SqlState } from "../../errors.ts";
import {
  DATE_END_JULIAN,
  dateToJulian,
  END_TIMESTAMP,
  isValidJulian,
  julianToDate,
  MIN_TIMESTAMP,
  POSTGRES_EPOCH_JDATE,
  splitTimeOfDay,
  timeToMicros,
  USECS_PER_DAY,
  type DateFields,
  type TimeFields,
} from "./calendar.ts";
import { offsetForLocalTime, type TimeZone } from "./time-zone.ts";

export const DATE_NEGATIVE_INFINITY = -2147483648;
export const DATE_POSITIVE_INFINITY = 2147483647;
export const TIMESTAMP_NEGATIVE_INFINITY = -(2n ** 63n);
export const TIMESTAMP_POSITIVE_INFINITY = 2n ** 63n - 1n;

/** Unix epoch in microseconds since 2000-01-01. */
export const UNIX_EPOCH_MICROS = -946684800000000n;
/** First day that no timestamp can hold (294277-01-01), as days since 2000. */
const TIMESTAMP_END_DAYS = 109203528 - POSTGRES_EPOCH_JDATE;
const DATE_MIN_DAYS = -POSTGRES_EPOCH_JDATE;
const DATE_END_DAYS = DATE_END_JULIAN - POSTGRES_EPOCH_JDATE;

export function isFiniteDate(days: number): boolean {
  return days !== DATE_NEGATIVE_INFINITY && days !== DATE_POSITIVE_INFINITY;
}

export function isFiniteTimestamp(micros: bigint): boolean {
  return micros !== TIMESTAMP_NEGATIVE_INFINITY && micros !== TIMESTAMP_POSITIVE_INFINITY;
}

export function isValidDate(days: number): boolean {
  return days >= DATE_MIN_DAYS && days < DATE_END_DAYS;
}

export function isValidTimestamp(micros: bigint): boolean {
  return micros >= MIN_TIMESTAMP && micros < END_TIMESTAMP;
}

/** Days since 2000-01-01 of a calendar date; null when outside date's range. */
export function daysFromDate(date: DateFields): number | null {
  if (!isValidJulian(date.year, date.month)) return null;
  const days = dateToJulian(date.year, date.month, date.day) - POSTGRES_EPOCH_JDATE;
  return isValidDate(days) ? days : null;
}

export function dateFromDays(days: number): DateFields {
  return julianToDate(days + POSTGRES_EPOCH_JDATE);
}

/** Timestamp from local fields and an offset east of UTC (tm2timestamp); null when out of range. */
export function timestampFromFields(date: DateFields, time: TimeFields, offsetEast: number): bigint | null {
  if (!isValidJulian(date.year, date.month)) return null;
  const days = BigInt(dateToJulian(date.year, date.month, date.day) - POSTGRES_EPOCH_JDATE);
  const micros = days * USECS_PER_DAY + timeToMicros(time.hour, time.minute, time.second, time.microsecond);
  const result = micros - BigInt(offsetEast) * 1_000_000n;
  return isValidTimestamp(result) ? result : null;
}

/** Splits a finite timestamp into date and time of day (timestamp2tm without a zone). */
export function fieldsFromTimestamp(micros: bigint): { date: DateFields; time: TimeFields } {
  let days = micros / USECS_PER_DAY;
  let timeOfDay = micros - days * USECS_PER_DAY;
  if (timeOfDay < 0n) {
    timeOfDay += USECS_PER_DAY;
    days -= 1n;
  }
  return { date: dateFromDays(Number(days)), time: splitTimeOfDay(timeOfDay) };
}

export function unixSecondsOf(micros: bigint): number {
  const shifted = micros - UNIX_EPOCH_MICROS;
  const seconds = shifted / 1_000_000n - (shifted % 1_000_000n < 0n ? 1n : 0n);
  return Number(seconds);
}

/** UTC offset of the zone at a timestamptz instant, in seconds east. */
export function zoneOffsetAt(zone: TimeZone, micros: bigint): number {
  return zone.fixedOffset ?? zone.offsetAt(unixSecondsOf(micros));
}

/** The local wall-clock timestamp of a timestamptz in a zone. */
export function localTimestamp(micros: bigint, zone: TimeZone): { local: bigint; offset: number } {
  const offset = zoneOffsetAt(zone, micros);
  return { local: micros + BigInt(offset) * 1_000_000n, offset };
}

function timestampOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, "timestamp out of range");
}

/** A local wall-clock timestamp read in a zone: the UTC instant (timestamp2timestamptz). */
export function timestampToTimestamptz(micros: bigint, zone: TimeZone): bigint {
  if (!isFiniteTimestamp(micros)) return micros;
  const { date, time } = fieldsFromTimestamp(micros);
  const offset = zone.fixedOffset ?? offsetForLocalTime(zone, unixSecondsOf(micros));
  const result = timestampFromFields(date, time, offset);
  if (result === null) throw timestampOutOfRange();
  return result;
}

export function timestamptzToTimestamp(micros: bigint, zone: TimeZone): bigint {
  if (!isFiniteTimestamp(micros)) return micros;
  const { local } = localTimestamp(micros, zone);
  if (!isValidTimestamp(local)) throw timestampOutOfRange();
  return local;
}

export function dateToTimestamp(days: number): bigint {
  if (days === DATE_NEGATIVE_INFINITY) return TIMESTAMP_NEGATIVE_INFINITY;
  if (days === DATE_POSITIVE_INFINITY) return TIMESTAMP_POSITIVE_INFINITY;
  if (days >= TIMESTAMP_END_DAYS) throw new SqlError(SqlState.datetimeFieldOverflow, "date out of range for timestamp");
  return BigInt(days) * USECS_PER_DAY;
}

export function dateToTimestamptz(days: number, zone: TimeZone): bigint {
  if (!isFiniteDate(days)) return dateToTimestamp(days);
  const local = dateToTimestamp(days);
  const result = timestampToTimestamptz(local, zone);
  if (!isValidTimestamp(result)) throw new SqlError(SqlState.datetimeFieldOverflow, "date out of range for timestamp");
  return result;
}

export function timestampToDate(micros: bigint): number {
  if (micros === TIMESTAMP_NEGATIVE_INFINITY) return DATE_NEGATIVE_INFINITY;
  if (micros === TIMESTAMP_POSITIVE_INFINITY) return DATE_POSITIVE_INFINITY;
  const days = micros / USECS_PER_DAY - (micros % USECS_PER_DAY < 0n ? 1n : 0n);
  return Number(days);
}

export function timestamptzToDate(micros: bigint, zone: TimeZone): number {
  if (!isFiniteTimestamp(micros)) return timestampToDate(micros);
  return timestampToDate(localTimestamp(micros, zone).local);
}

/** Time of day (microseconds since midnight) of a local timestamp. */
export function timeOfTimestamp(micros: bigint): bigint {
  const rest = micros % USECS_PER_DAY;
  return rest < 0n ? rest + USECS_PER_DAY : rest;
}

/** timestamp(p) rounding: half away from zero to 10^(6-p) microseconds. */
export function roundMicros(micros: bigint, precision: number): bigint {
  if (precision < 0 || precision >= 6) return micros;
  const scale = 10n ** BigInt(6 - precision);
  const half = scale / 2n;
  if (micros >= 0n) return ((micros + half) / scale) * scale;
  return -(((-micros + half) / scale) * scale);
}
