// Date and time arithmetic and functions as PostgreSQL computes them: month arithmetic
// clamps to the month's last day, timestamptz arithmetic happens in the session's zone,
// timestamp differences are justified into days and time.

import { SqlError, SqlState } from "../errors.ts";
import { Numeric, type Interval, type TypeContext } from "../types/index.ts";
import {
  daysInMonth,
  dateToJulian,
  julianToDate,
  julianDayOfWeek,
  POSTGRES_EPOCH_JDATE,
  USECS_PER_DAY,
} from "../types/datetime/calendar.ts";
import {
  DATE_NEGATIVE_INFINITY,
  DATE_POSITIVE_INFINITY,
  fieldsFromTimestamp,
  isFiniteDate,
  isFiniteTimestamp,
  isValidDate,
  localTimestamp,
  timestampFromFields,
  timestampToTimestamptz,
  TIMESTAMP_NEGATIVE_INFINITY,
  TIMESTAMP_POSITIVE_INFINITY,
  UNIX_EPOCH_MICROS,
} from "../types/datetime/convert.ts";
import { sessionZone } from "../types/datetime/input.ts";
import { offsetForLocalTime } from "../types/datetime/time-zone.ts";

function timestampOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, "timestamp out of range");
}

function dateOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, "date out of range");
}

function intervalOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, "interval out of range");
}

export function dateAddDays(date: number, days: number): number {
  if (!isFiniteDate(date)) return date;
  const result = date + days;
  if (!isValidDate(result)) throw dateOutOfRange();
  return result;
}

export function dateDiff(a: number, b: number): number {
  if (!isFiniteDate(a) || !isFiniteDate(b)) throw new SqlError(SqlState.datetimeFieldOverflow, "cannot subtract infinite dates");
  return a - b;
}

/** Adds an interval to a local (wall-clock) timestamp. */
export function timestampAddInterval(ts: bigint, span: Interval): bigint {
  if (!isFiniteTimestamp(ts)) return ts;
  let result = ts;
  if (span.months !== 0) {
    const { date, time } = fieldsFromTimestamp(result);
    let month = date.month - 1 + span.months;
    const year = date.year + Math.floor(month / 12);
    month = (((month % 12) + 12) % 12) + 1;
    const day = Math.min(date.day, daysInMonth(year, month));
    const value = timestampFromFields({ year, month, day }, time, 0);
    if (value === null) throw timestampOutOfRange();
    result = value;
  }
  if (span.days !== 0) {
    const { date, time } = fieldsFromTimestamp(result);
    const julian = dateToJulian(date.year, date.month, date.day) + span.days;
    const value = timestampFromFields(julianToDate(julian), time, 0);
    if (value === null) throw timestampOutOfRange();
    result = value;
  }
  result += span.microseconds;
  if (result < -211813488000000000n || result >= 9223371331200000000n) throw timestampOutOfRange();
  return result;
}

/** timestamptz + interval: months and days move the local time in the session zone. */
export function timestamptzAddInterval(ts: bigint, span: Interval, ctx: TypeContext): bigint {
  if (!isFiniteTimestamp(ts)) return ts;
  let result = ts;
  if (span.months !== 0 || span.days !== 0) {
    const zone = sessionZone(ctx);
    const { local } = localTimestamp(result, zone);
    const moved = timestampAddInterval(local, { months: span.months, days: span.days, microseconds: 0n });
    result = timestampToTimestamptz(moved, zone);
  }
  result += span.microseconds;
  if (result < -211813488000000000n || result >= 9223371331200000000n) throw timestampOutOfRange();
  return result;
}

export function negateInterval(span: Interval): Interval {
  if (span.months === -2147483648 || span.days === -2147483648) throw intervalOutOfRange();
  return { months: -span.months || 0, days: -span.days || 0, microseconds: -span.microseconds };
}

function checkInt32(value: number): number {
  if (value < -2147483648 || value > 2147483647) throw intervalOutOfRange();
  return value;
}

export function addIntervals(a: Interval, b: Interval): Interval {
  return { months: checkInt32(a.months + b.months), days: checkInt32(a.days + b.days), microseconds: a.microseconds + b.microseconds };
}

export function subIntervals(a: Interval, b: Interval): Interval {
  return addIntervals(a, negateInterval(b));
}

/** interval_justify_hours: whole days out of the time part, signs made consistent. */
export function justifyHours(span: Interval): Interval {
  let days = span.days + Number(span.microseconds / USECS_PER_DAY);
  let time = span.microseconds % USECS_PER_DAY;
  if (days > 0 && time < 0n) {
    time += USECS_PER_DAY;
    days--;
  } else if (days < 0 && time > 0n) {
    time -= USECS_PER_DAY;
    days++;
  }
  return { months: span.months, days, microseconds: time };
}

export function justifyDays(span: Interval): Interval {
  let months = span.months + Math.trunc(span.days / 30);
  let days = span.days % 30;
  if (months > 0 && days < 0) {
    days += 30;
    months--;
  } else if (months < 0 && days > 0) {
    days -= 30;
    months++;
  }
  return { months, days, microseconds: span.microseconds };
}

export function timestampDiff(a: bigint, b: bigint): Interval {
  if (!isFiniteTimestamp(a) || !isFiniteTimestamp(b)) throw new SqlError(SqlState.datetimeFieldOverflow, "cannot subtract infinite timestamps");
  return justifyHours({ months: 0, days: 0, microseconds: a - b });
}

const tsRound = (value: number): number => Math.round(value * 1e6) / 1e6;

/** interval * factor (interval_mul). */
export function multiplyInterval(span: Interval, factor: number): Interval {
  if (Number.isNaN(factor)) throw intervalOutOfRange();
  const monthsExact = span.months * factor;
  const daysExact = span.days * factor;
  if (!Number.isFinite(monthsExact) || Math.abs(monthsExact) > 2147483647 || Math.abs(daysExact) > 2147483647) throw intervalOutOfRange();
  const months = Math.trunc(monthsExact);
  let days = Math.trunc(daysExact);
  let monthRemainderDays = (monthsExact - months) * 30;
  monthRemainderDays = tsRound(monthRemainderDays);
  let secRemainder = (daysExact - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400;
  secRemainder = tsRound(secRemainder);
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400);
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const time = Math.round(Number(span.microseconds) * factor + secRemainder * 1e6);
  if (!Number.isFinite(time)) throw intervalOutOfRange();
  return { months: months || 0, days: days || 0, microseconds: BigInt(time) };
}

export function divideInterval(span: Interval, divisor: number): Interval {
  if (divisor === 0) throw new SqlError(SqlState.divisionByZero, "division by zero");
  const monthsExact = span.months / divisor;
  const daysExact = span.days / divisor;
  const months = Math.trunc(monthsExact);
  let days = Math.trunc(daysExact);
  let monthRemainderDays = (monthsExact - months) * 30;
  monthRemainderDays = tsRound(monthRemainderDays);
  let secRemainder = (daysExact - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400;
  secRemainder = tsRound(secRemainder);
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400);
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const time = Math.round(Number(span.microseconds) / divisor + secRemainder * 1e6);
  return { months: months || 0, days: days || 0, microseconds: BigInt(time) };
}

const truncUnits = ["microseconds", "milliseconds", "second", "minute", "hour", "day", "week", "month", "quarter", "year", "decade", "century", "millennium"] as const;
type TruncUnit = (typeof truncUnits)[number];

function normalizeUnit(unit: string, typeName: string): TruncUnit {
  let u = unit.toLowerCase().trim();
  const aliases: Record<string, string> = {
    microsecond: "microseconds", us: "microseconds", usec: "microseconds", usecs: "microseconds", useconds: "microseconds",
    millisecond: "milliseconds", ms: "milliseconds", msec: "milliseconds", msecs: "milliseconds", mseconds: "milliseconds",
    seconds: "second", sec: "second", secs: "second", s: "second",
    minutes: "minute", min: "minute", mins: "minute", m: "minute",
    hours: "hour", hr: "hour", hrs: "hour", h: "hour",
    days: "day", d: "day", weeks: "week", w: "week", months: "month", mon: "month", mons: "month",
    quarters: "quarter", qtr: "quarter", years: "year", yr: "year", yrs: "year", y: "year",
    decades: "decade", dec: "decade", decs: "decade", centuries: "century", c: "century", cent: "century",
    millennia: "millennium", millenniums: "millennium", mil: "millennium", mils: "millennium",
  };
  u = aliases[u] ?? u;
  if (!(truncUnits as readonly string[]).includes(u)) {
    throw new SqlError(SqlState.featureNotSupported, `unit "${unit}" not supported for type ${typeName}`);
  }
  return u as TruncUnit;
}

/** date_trunc on a local timestamp. */
export function truncTimestamp(unitText: string, ts: bigint, typeName = "timestamp without time zone"): bigint {
  const unit = normalizeUnit(unitText, typeName);
  if (!isFiniteTimestamp(ts)) return ts;
  const { date, time } = fieldsFromTimestamp(ts);
  let { year, month, day } = date;
  let { hour, minute, second, microsecond } = time;
  switch (unit) {
    case "millennium":
      year = year > 0 ? Math.floor((year + 999) / 1000) * 1000 - 999 : -(Math.floor((999 - (year - 1)) / 1000) * 1000 - 1);
      month = 1; day = 1; hour = minute = second = microsecond = 0;
      break;
    case "century":
      year = year > 0 ? Math.floor((year + 99) / 100) * 100 - 99 : -(Math.floor((99 - (year - 1)) / 100) * 100 - 1);
      month = 1; day = 1; hour = minute = second = microsecond = 0;
      break;
    case "decade":
      year = year > 0 ? Math.floor(year / 10) * 10 : -Math.floor((8 - (year - 1)) / 10) * 10;
      month = 1; day = 1; hour = minute = second = microsecond = 0;
      break;
    case "year":
      month = 1; day = 1; hour = minute = second = microsecond = 0;
      break;
    case "quarter":
      month = Math.floor((month - 1) / 3) * 3 + 1; day = 1; hour = minute = second = microsecond = 0;
      break;
    case "month":
      day = 1; hour = minute = second = microsecond = 0;
      break;
    case "week": {
      const julian = dateToJulian(year, month, day);
      const dow = (julianDayOfWeek(julian) + 6) % 7;
      const monday = julianToDate(julian - dow);
      ({ year, month, day } = monday);
      hour = minute = second = microsecond = 0;
      break;
    }
    case "day":
      hour = minute = second = microsecond = 0;
      break;
    case "hour":
      minute = second = microsecond = 0;
      break;
    case "minute":
      second = microsecond = 0;
      break;
    case "second":
      microsecond = 0;
      break;
    case "milliseconds":
      microsecond = Math.floor(microsecond / 1000) * 1000;
      break;
    case "microseconds":
      break;
  }
  const result = timestampFromFields({ year, month, day }, { hour, minute, second, microsecond }, 0);
  if (result === null) throw timestampOutOfRange();
  return result;
}

export function truncTimestamptz(unit: string, ts: bigint, ctx: TypeContext): bigint {
  if (!isFiniteTimestamp(ts)) return ts;
  const zone = sessionZone(ctx);
  const { local } = localTimestamp(ts, zone);
  const truncated = truncTimestamp(unit, local, "timestamp with time zone");
  const { date, time } = fieldsFromTimestamp(truncated);
  const unixLocal = Number((truncated - UNIX_EPOCH_MICROS) / 1_000_000n);
  const offset = zone.fixedOffset ?? offsetForLocalTime(zone, unixLocal);
  const result = timestampFromFields(date, time, offset);
  if (result === null) throw timestampOutOfRange();
  return result;
}

export function truncInterval(unitText: string, span: Interval): Interval {
  const unit = normalizeUnit(unitText, "interval");
  let months = span.months;
  let days = span.days;
  let micros = span.microseconds;
  const hourUs = 3_600_000_000n;
  switch (unit) {
    case "millennium": months = Math.trunc(months / 12000) * 12000; days = 0; micros = 0n; break;
    case "century": months = Math.trunc(months / 1200) * 1200; days = 0; micros = 0n; break;
    case "decade": months = Math.trunc(months / 120) * 120; days = 0; micros = 0n; break;
    case "year": months = Math.trunc(months / 12) * 12; days = 0; micros = 0n; break;
    case "quarter": months = Math.trunc(months / 3) * 3; days = 0; micros = 0n; break;
    case "month": days = 0; micros = 0n; break;
    case "week": throw new SqlError(SqlState.featureNotSupported, 'unit "week" not supported for type interval');
    case "day": micros = 0n; break;
    case "hour": micros = (micros / hourUs) * hourUs; break;
    case "minute": micros = (micros / 60_000_000n) * 60_000_000n; break;
    case "second": micros = (micros / 1_000_000n) * 1_000_000n; break;
    case "milliseconds": micros = (micros / 1000n) * 1000n; break;
    case "microseconds": break;
  }
  return { months, days, microseconds: micros };
}

/** extract(field from timestamp) as numeric (PostgreSQL 14+). `offset` is seconds east for timestamptz. */
export function extractFromTimestamp(fieldText: string, ts: bigint, offset: number | null, typeName: string): Numeric {
  const field = fieldText.toLowerCase();
  if (!isFiniteTimestamp(ts)) {
    const sign = ts === TIMESTAMP_POSITIVE_INFINITY ? 1 : -1;
    if (["epoch", "year", "decade", "century", "millennium", "julian", "isoyear"].includes(field)) {
      return sign > 0 ? Numeric.POSITIVE_INFINITY : Numeric.NEGATIVE_INFINITY;
    }
    if (["microseconds", "milliseconds", "second", "minute", "hour", "day", "month", "quarter", "week", "dow", "isodow", "doy", "timezone", "timezone_hour", "timezone_minute"].includes(field)) {
      return null as unknown as Numeric;
    }
  }
  if (field === "epoch") {
    const utc = offset === null ? ts : ts;
    return Numeric.of(utc - UNIX_EPOCH_MICROS, 6);
  }
  const local = offset === null ? ts : ts + BigInt(offset) * 1_000_000n;
  const { date, time } = fieldsFromTimestamp(local);
  const julian = dateToJulian(date.year, date.month, date.day);
  const seconds = BigInt(time.second) * 1_000_000n + BigInt(time.microsecond);
  switch (field) {
    case "microsecond":
    case "microseconds":
      return Numeric.of(seconds, 0);
    case "millisecond":
    case "milliseconds":
      return Numeric.of(seconds, 3);
    case "second":
    case "seconds":
      return Numeric.of(seconds, 6);
    case "minute":
    case "minutes":
      return Numeric.fromInteger(time.minute);
    case "hour":
    case "hours":
      return Numeric.fromInteger(time.hour);
    case "day":
    case "days":
      return Numeric.fromInteger(date.day);
    case "month":
    case "months":
      return Numeric.fromInteger(date.month);
    case "quarter":
      return Numeric.fromInteger(Math.floor((date.month - 1) / 3) + 1);
    case "year":
    case "years":
      return Numeric.fromInteger(date.year > 0 ? date.year : date.year - 1);
    case "decade":
      return Numeric.fromInteger(date.year >= 0 ? Math.floor(date.year / 10) : -Math.floor((8 - (date.year - 1)) / 10));
    case "century":
      return Numeric.fromInteger(date.year > 0 ? Math.floor((date.year + 99) / 100) : -Math.floor((99 - (date.year - 1)) / 100));
    case "millennium":
      return Numeric.fromInteger(date.year > 0 ? Math.floor((date.year + 999) / 1000) : -Math.floor((999 - (date.year - 1)) / 1000));
    case "dow":
      return Numeric.fromInteger(julianDayOfWeek(julian));
    case "isodow": {
      const dow = julianDayOfWeek(julian);
      return Numeric.fromInteger(dow === 0 ? 7 : dow);
    }
    case "doy":
      return Numeric.fromInteger(julian - dateToJulian(date.year, 1, 1) + 1);
    case "week":
      return Numeric.fromInteger(isoWeek(date.year, date.month, date.day).week);
    case "isoyear":
      return Numeric.fromInteger(isoWeek(date.year, date.month, date.day).year);
    case "julian":
      return Numeric.of(BigInt(julian) * 86_400_000_000n + BigInt(time.hour * 3600 + time.minute * 60) * 1_000_000n + seconds, 0).div(Numeric.fromInteger(86_400_000_000));
    case "timezone":
      if (offset === null) break;
      return Numeric.fromInteger(offset);
    case "timezone_hour":
      if (offset === null) break;
      return Numeric.fromInteger(Math.trunc(offset / 3600));
    case "timezone_minute":
      if (offset === null) break;
      return Numeric.fromInteger(Math.trunc((offset % 3600) / 60));
  }
  throw new SqlError(SqlState.featureNotSupported, `unit "${fieldText}" not supported for type ${typeName}`);
}

function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const julian = dateToJulian(year, month, day);
  const dayOfWeek = (julianDayOfWeek(julian) + 6) % 7; // Monday = 0
  const thursday = julian - dayOfWeek + 3;
  const thursdayYear = julianToDate(thursday).year;
  const firstThursdayJan1 = dateToJulian(thursdayYear, 1, 1);
  return { year: thursdayYear, week: Math.floor((thursday - firstThursdayJan1) / 7) + 1 };
}

export function extractFromDate(field: string, date: number): Numeric {
  const lower = field.toLowerCase();
  if (["hour", "minute", "second", "milliseconds", "microseconds", "timezone", "timezone_hour", "timezone_minute"].includes(lower)) {
    throw new SqlError(SqlState.featureNotSupported, `unit "${field}" not supported for type date`);
  }
  if (!isFiniteDate(date)) {
    const ts = date === DATE_POSITIVE_INFINITY ? TIMESTAMP_POSITIVE_INFINITY : TIMESTAMP_NEGATIVE_INFINITY;
    return extractFromTimestamp(field, ts, null, "date");
  }
  const ts = BigInt(date) * USECS_PER_DAY;
  const result = extractFromTimestamp(field, ts, null, "date");
  return lower === "epoch" ? result.round(0) : result;
}

export function extractFromInterval(fieldText: string, span: Interval): Numeric {
  const field = fieldText.toLowerCase();
  const micros = span.microseconds;
  switch (field) {
    case "microsecond":
    case "microseconds":
      return Numeric.of(micros % 60_000_000n, 0);
    case "millisecond":
    case "milliseconds":
      return Numeric.of(micros % 60_000_000n, 3);
    case "second":
    case "seconds":
      return Numeric.of(micros % 60_000_000n, 6);
    case "minute":
    case "minutes":
      return Numeric.fromInteger((micros / 60_000_000n) % 60n);
    case "hour":
    case "hours":
      return Numeric.fromInteger(micros / 3_600_000_000n);
    case "day":
    case "days":
      return Numeric.fromInteger(span.days);
    case "month":
    case "months":
      return Numeric.fromInteger(span.months % 12);
    case "quarter":
      return Numeric.fromInteger(Math.trunc((span.months % 12) / 3) + 1);
    case "year":
    case "years":
      return Numeric.fromInteger(Math.trunc(span.months / 12));
    case "decade":
      return Numeric.fromInteger(Math.trunc(span.months / 120));
    case "century":
      return Numeric.fromInteger(Math.trunc(span.months / 1200));
    case "millennium":
      return Numeric.fromInteger(Math.trunc(span.months / 12000));
    case "epoch": {
      // PostgreSQL counts a year as 365.25 days and a month as 30 days here.
      const years = Math.trunc(span.months / 12);
      const months = span.months % 12;
      const micros = BigInt(years) * 31557600n * 1_000_000n + BigInt(months) * 2592000n * 1_000_000n + BigInt(span.days) * 86_400_000_000n + span.microseconds;
      return Numeric.of(micros, 6);
    }
  }
  throw new SqlError(SqlState.featureNotSupported, `unit "${fieldText}" not supported for type interval`);
}

/** Days since 2000-01-01 for make_date. */
export function makeDate(year: number, month: number, day: number): number {
  const y = year < 0 ? year + 1 : year;
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(y, month)) {
    throw new SqlError(SqlState.datetimeFieldOverflow, `date field value out of range: ${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`);
  }
  return dateToJulian(y, month, day) - POSTGRES_EPOCH_JDATE;
}

export { DATE_NEGATIVE_INFINITY, DATE_POSITIVE_INFINITY };
