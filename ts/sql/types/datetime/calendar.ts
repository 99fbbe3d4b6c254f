// Calendar arithmetic on Julian day numbers, as PostgreSQL does it: the proleptic Gregorian
// calendar with astronomical years (1 BC is year 0), valid from 4714-11-24 BC.

export const POSTGRES_EPOCH_JDATE = 2451545; // 2000-01-01
export const UNIX_EPOCH_JDATE = 2440588; // 1970-01-01
export const SECS_PER_DAY = 86400;
export const USECS_PER_SEC = 1_000_000n;
export const USECS_PER_DAY = 86_400_000_000n;
export const USECS_PER_HOUR = 3_600_000_000n;
export const USECS_PER_MINUTE = 60_000_000n;

const JULIAN_MINYEAR = -4713;
const JULIAN_MINMONTH = 11;
const JULIAN_MAXYEAR = 5874898;
const JULIAN_MAXMONTH = 6;

/** Last valid date is 5874897-12-31: dates are days since 2000-01-01 below this. */
export const DATE_END_JULIAN = 2147483494;
/** timestamp's range: [4714-11-24 00:00 BC, 294277-01-01 00:00). */
export const MIN_TIMESTAMP = -211813488000000000n;
export const END_TIMESTAMP = 9223371331200000000n;

/** Broken-down date and time (struct pg_tm without the extras). */
export interface DateFields {
  year: number;
  month: number;
  day: number;
}

export interface TimeFields {
  hour: number;
  minute: number;
  second: number;
  /** Microseconds within the second. */
  microsecond: number;
}

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Whether date2j can represent the date (IS_VALID_JULIAN). */
export function isValidJulian(year: number, month: number): boolean {
  return (
    (year > JULIAN_MINYEAR || (year === JULIAN_MINYEAR && month >= JULIAN_MINMONTH)) &&
    (year < JULIAN_MAXYEAR || (year === JULIAN_MAXYEAR && month < JULIAN_MAXMONTH))
  );
}

/** Julian day number of a calendar date (date2j). */
export function dateToJulian(year: number, month: number, day: number): number {
  let y = year;
  let m = month;
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = Math.trunc(y / 100);
  let julian = y * 365 - 32167;
  julian += Math.trunc(y / 4) - century + Math.trunc(century / 4);
  julian += Math.trunc((7834 * m) / 256) + day;
  return julian;
}

/** Calendar date of a non-negative Julian day number (j2date). */
export function julianToDate(jd: number): DateFields {
  let julian = jd + 32044;
  let quad = Math.floor(julian / 146097);
  const extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + Math.floor(extra / 146097);
  quad = Math.floor(julian / 1461);
  julian -= quad * 1461;
  let y = Math.floor((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y += quad * 4;
  const q = Math.floor((julian * 2141) / 65536);
  return { year: y - 4800, month: ((q + 10) % 12) + 1, day: julian - Math.floor((7834 * q) / 256) };
}

/** Day of week, 0 = Sunday (j2day). */
export function julianDayOfWeek(jd: number): number {
  return (((jd + 1) % 7) + 7) % 7;
}

/** Microseconds since midnight → hour, minute, second, microsecond. */
export function splitTimeOfDay(micros: bigint): TimeFields {
  const total = Number(micros);
  const microsecond = total % 1_000_000;
  const seconds = (total - microsecond) / 1_000_000;
  return {
    hour: Math.floor(seconds / 3600),
    minute: Math.floor(seconds / 60) % 60,
    second: seconds % 60,
    microsecond,
  };
}

export function timeToMicros(hour: number, minute: number, second: number, microsecond: number): bigint {
  return BigInt(((hour * 60 + minute) * 60 + second) * 1_000_000 + microsecond);
}
