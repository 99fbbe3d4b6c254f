// Interpreting date/time fields as a date and time of day (PostgreSQL's DecodeDateTime and
// DecodeTimeOnly), with DateStyle ISO, MDY.

import { dateToJulian, daysInMonth, julianToDate, UNIX_EPOCH_JDATE } from "./calendar.ts";
import {
  decodeDate,
  decodeNumber,
  decodeNumberField,
  decodeTime,
  decodeZoneOffset,
  emptyBrokenDown,
  leadingInt,
  parseFractionalSecond,
  timeOverflows,
  type BrokenDown,
  type DecodeState,
} from "./decode-pieces.ts";
import { ALL_SECONDS_MASK, DATE_MASK, Mask, TIME_MASK } from "./field-masks.ts";
import { BadFormat, FieldOverflow, UnknownZone, type Field } from "./parse-fields.ts";
import { findNamedZone, offsetForLocalTime, type TimeZone } from "./time-zone.ts";
import { findZoneAbbreviation } from "./timezone-abbreviations.ts";
import { findDateToken, type Token } from "./tokens.ts";

export type DecodedKind = "date" | "epoch" | "late" | "early";

export interface DecodedDateTime {
  kind: DecodedKind;
  tm: BrokenDown;
  /** Seconds east of UTC: from the input, else the session zone's offset at that time. */
  offset: number;
}

/** What decoding needs from the session: the zone and the transaction's start time. */
export interface DecodeEnvironment {
  readonly zone: TimeZone;
  /** Transaction start, seconds since 1970 (whole) and microseconds. */
  now(): { unixSeconds: number; microsecond: number };
}

/** A unit word that labels the next number ("j 2451545", "t 040506", "y 1999"). */
type Prefix = "julian" | "time" | "year" | "month" | "day" | "hour" | "minute" | "second" | "tz" | "unusable";

interface Progress extends DecodeState {
  kind: DecodedKind;
  prefix: Prefix | null;
  meridiem: number | null;
  haveTextMonth: boolean;
  julian: boolean;
  bc: boolean;
  offset: number | null;
  namedZone: TimeZone | null;
}

/** Local wall-clock seconds since 1970 for broken-down fields (UTC arithmetic). */
function localSeconds(tm: BrokenDown): number {
  const days = dateToJulian(tm.year, tm.month, tm.day) - UNIX_EPOCH_JDATE;
  return days * 86400 + (tm.hour * 60 + tm.minute) * 60 + tm.second;
}

/** The session's current local time, broken down (GetCurrentTimeUsec). */
function currentLocal(env: DecodeEnvironment): { tm: BrokenDown; offset: number } {
  const { unixSeconds, microsecond } = env.now();
  const offset = env.zone.offsetAt(unixSeconds);
  const local = unixSeconds + offset;
  const days = Math.floor(local / 86400);
  const secondOfDay = local - days * 86400;
  const date = julianToDate(days + UNIX_EPOCH_JDATE);
  const tm: BrokenDown = {
    ...emptyBrokenDown(),
    ...date,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor(secondOfDay / 60) % 60,
    second: secondOfDay % 60,
    microsecond,
  };
  return { tm, offset };
}

function zoneFromName(name: string): TimeZone {
  const zone = findNamedZone(name);
  if (!zone) throw new UnknownZone(name);
  return zone;
}

function applyReserved(token: Token, p: Progress, env: DecodeEnvironment): number {
  switch (token.value) {
    case "now": {
      const current = currentLocal(env);
      Object.assign(p.tm, current.tm);
      p.offset = current.offset;
      p.kind = "date";
      return DATE_MASK | TIME_MASK | Mask.tz;
    }
    case "today":
    case "tomorrow":
    case "yesterday": {
      const shift = token.value === "today" ? 0 : token.value === "tomorrow" ? 1 : -1;
      const current = currentLocal(env).tm;
      Object.assign(p.tm, julianToDate(dateToJulian(current.year, current.month, current.day) + shift));
      p.kind = "date";
      return DATE_MASK;
    }
    case "zulu":
      p.tm.hour = 0;
      p.tm.minute = 0;
      p.tm.second = 0;
      p.offset = 0;
      p.kind = "date";
      return TIME_MASK | Mask.tz;
    case "epoch":
    case "late":
    case "early":
      p.kind = token.value;
      return Mask.reserved;
    default:
      throw new BadFormat();
  }
}

/** The label a unit word puts on the next number; "dow" and the like label nothing usable. */
function prefixOf(value: Token["value"]): Prefix {
  switch (value) {
    case "julian":
    case "year":
    case "month":
    case "day":
    case "hour":
    case "minute":
    case "second":
      return value;
    case "tz":
      return "tz";
    default:
      return "unusable";
  }
}

/** A word: zone abbreviation first, then keyword, then a zone name (DTK_STRING, DTK_SPECIAL). */
function decodeWord(text: string, p: Progress, env: DecodeEnvironment, nextIsTimeLike: boolean): number {
  const abbreviation = findZoneAbbreviation(text);
  if (abbreviation) {
    if (abbreviation.kind === "fixed") {
      p.offset = abbreviation.offset;
      return abbreviation.daylight ? Mask.dtz | Mask.tz : Mask.tz;
    }
    p.namedZone = zoneFromName(abbreviation.zone);
    return Mask.tz;
  }
  const token = findDateToken(text);
  if (!token) {
    const zone = findNamedZone(text);
    if (!zone) throw new BadFormat();
    p.namedZone = zone;
    return Mask.tz;
  }
  switch (token.type) {
    case "ignore":
      return 0;
    case "reserved":
      return applyReserved(token, p, env);
    case "month":
      if (p.mask & Mask.month && !p.haveTextMonth && !(p.mask & Mask.day) && p.tm.month >= 1 && p.tm.month <= 31) {
        p.tm.day = p.tm.month;
        p.haveTextMonth = true;
        p.tm.month = token.number!;
        return Mask.day;
      }
      p.haveTextMonth = true;
      p.tm.month = token.number!;
      return Mask.month;
    case "dstModifier":
      p.offset = (p.offset ?? 0) + token.number!;
      return Mask.dtzmod | Mask.dtz;
    case "ampm":
      p.meridiem = token.number!;
      return Mask.ampm;
    case "adbc":
      p.bc = token.number === 1;
      return Mask.adbc;
    case "dow":
      return Mask.dow;
    case "units":
      p.prefix = prefixOf(token.value);
      return 0;
    case "isotime":
      // "t" must sit between a complete date and a time ("2000-01-01 t 12:00").
      if ((p.mask & DATE_MASK) !== DATE_MASK || !nextIsTimeLike) throw new BadFormat();
      p.prefix = "time";
      return 0;
    default:
      throw new BadFormat();
  }
}

/** A number labelled by a preceding unit word: Julian day, ISO time, or "y1999m01d08" fields. */
function decodePrefixed(text: string, p: Progress): number {
  const { value, end } = leadingInt(text);
  const fraction = text.slice(end);
  const prefix = p.prefix!;
  if (fraction.startsWith(".")) {
    if (prefix !== "julian" && prefix !== "time" && prefix !== "second") throw new BadFormat();
  } else if (fraction !== "") {
    throw new BadFormat();
  }
  p.prefix = null;
  p.kind = "date";
  const tm = p.tm;
  switch (prefix) {
    case "year":
      tm.year = value;
      return Mask.year;
    case "month":
      // Once month and hour are known, a further "m" means minutes.
      if (p.mask & Mask.month && p.mask & Mask.hour) {
        tm.minute = value;
        return Mask.minute;
      }
      tm.month = value;
      return Mask.month;
    case "day":
      tm.day = value;
      return Mask.day;
    case "hour":
      tm.hour = value;
      return Mask.hour;
    case "minute":
      tm.minute = value;
      return Mask.minute;
    case "second":
      tm.second = value;
      if (fraction === "") return Mask.second;
      tm.microsecond = parseFractionalSecond(fraction);
      return ALL_SECONDS_MASK;
    case "tz":
      p.offset = decodeZoneOffset(text);
      return Mask.tz;
    case "julian":
      return decodeJulianDay(value, fraction, p);
    case "time": {
      const decoded = decodeNumberField(text, p.mask | DATE_MASK, p);
      if (decoded.mask !== TIME_MASK) throw new BadFormat();
      return decoded.mask;
    }
    case "unusable":
      throw new BadFormat();
  }
}

function decodeJulianDay(day: number, fraction: string, p: Progress): number {
  if (day < 0) throw new FieldOverflow();
  Object.assign(p.tm, julianToDate(day));
  p.julian = true;
  if (fraction === "") return DATE_MASK;
  const part = fraction === "." ? 0 : Number(`0${fraction}`);
  if (!Number.isFinite(part)) throw new BadFormat();
  const micros = Math.round(part * 86_400_000_000);
  p.tm.hour = Math.floor(micros / 3_600_000_000);
  p.tm.minute = Math.floor(micros / 60_000_000) % 60;
  p.tm.second = Math.floor(micros / 1_000_000) % 60;
  p.tm.microsecond = micros % 1_000_000;
  return DATE_MASK | TIME_MASK;
}

function decodePlainNumber(text: string, p: Progress): number {
  const point = text.indexOf(".");
  if (point >= 0 && !(p.mask & DATE_MASK)) return decodeDate(text, p.mask, p);
  if (point >= 0 && point > 2) return decodeNumberField(text, p.mask, p).mask;
  if (text.length >= 6 && (!(p.mask & DATE_MASK) || !(p.mask & TIME_MASK))) {
    return decodeNumberField(text, p.mask, p).mask;
  }
  return decodeNumber(text, p.haveTextMonth, p.mask, p);
}

/** A "date" field that is really a zone: a name, or hhmmss-zz run together. */
function decodeDateFieldAsZone(text: string, p: Progress): number {
  if (/^[0-9]/.test(text) || p.prefix !== null) {
    if (p.prefix !== null) {
      if (p.prefix !== "time") throw new BadFormat();
      p.prefix = null;
    }
    if ((p.mask & TIME_MASK) === TIME_MASK) throw new BadFormat();
    const dash = text.indexOf("-");
    if (dash < 0) throw new BadFormat();
    p.offset = decodeZoneOffset(text.slice(dash));
    return decodeNumberField(text.slice(0, dash), p.mask, p).mask | Mask.tz;
  }
  p.namedZone = zoneFromName(text);
  return Mask.tz;
}

function decodeField(field: Field, p: Progress, env: DecodeEnvironment, next: Field | undefined): number {
  switch (field.type) {
    case "date":
      if (p.prefix === "julian") {
        // An integral Julian day with a zone attached: "j2451545-08".
        const { value, end } = leadingInt(field.text);
        if (value < 0) throw new FieldOverflow();
        Object.assign(p.tm, julianToDate(value));
        p.julian = true;
        p.offset = decodeZoneOffset(field.text.slice(end));
        p.prefix = null;
        return DATE_MASK | TIME_MASK | Mask.tz;
      }
      if (p.prefix !== null || (p.mask & (Mask.month | Mask.day)) === (Mask.month | Mask.day)) {
        return decodeDateFieldAsZone(field.text, p);
      }
      return decodeDate(field.text, p.mask, p);
    case "time": {
      if (p.prefix !== null) {
        if (p.prefix !== "time") throw new BadFormat();
        p.prefix = null;
      }
      const mask = decodeTime(field.text, p.tm);
      if (timeOverflows(p.tm)) throw new FieldOverflow();
      return mask;
    }
    case "tz":
      p.offset = decodeZoneOffset(field.text);
      return Mask.tz;
    case "number":
      return p.prefix !== null ? decodePrefixed(field.text, p) : decodePlainNumber(field.text, p);
    case "string":
    case "special":
      return decodeWord(field.text, p, env, next !== undefined && (next.type === "number" || next.type === "time" || next.type === "date"));
  }
}

/** ValidateDate: BC years, two-digit years, day of year, month and day ranges. */
export function validateDate(mask: number, julian: boolean, twoDigitYear: boolean, bc: boolean, tm: BrokenDown): void {
  if (mask & Mask.year) {
    if (julian) {
      // already astronomical
    } else if (bc) {
      if (tm.year <= 0) throw new FieldOverflow();
      tm.year = -(tm.year - 1);
    } else if (twoDigitYear) {
      if (tm.year < 0) throw new FieldOverflow();
      if (tm.year < 70) tm.year += 2000;
      else if (tm.year < 100) tm.year += 1900;
    } else if (tm.year <= 0) {
      throw new FieldOverflow();
    }
  }
  if (mask & Mask.doy) Object.assign(tm, julianToDate(dateToJulian(tm.year, 1, 1) + tm.dayOfYear - 1));
  if (mask & Mask.month && (tm.month < 1 || tm.month > 12)) throw new FieldOverflow(true);
  if (mask & Mask.day && (tm.day < 1 || tm.day > 31)) throw new FieldOverflow(true);
  if ((mask & DATE_MASK) === DATE_MASK && tm.day > daysInMonth(tm.year, tm.month)) throw new FieldOverflow();
}

/** 12-hour clock: AM/PM after an hour of at most 12. */
function applyMeridiem(meridiem: number | null, tm: BrokenDown): void {
  if (meridiem === null) return;
  if (tm.hour > 12) throw new FieldOverflow();
  if (meridiem === 0 && tm.hour === 12) tm.hour = 0;
  else if (meridiem === 1 && tm.hour !== 12) tm.hour += 12;
}

function newProgress(): Progress {
  return {
    tm: emptyBrokenDown(),
    mask: 0,
    twoDigitYear: false,
    kind: "date",
    prefix: null,
    meridiem: null,
    haveTextMonth: false,
    julian: false,
    bc: false,
    offset: null,
    namedZone: null,
  };
}

function runFields(fields: readonly Field[], p: Progress, env: DecodeEnvironment): void {
  fields.forEach((field, i) => {
    const found = decodeField(field, p, env, fields[i + 1]);
    if (found & p.mask) throw new BadFormat();
    p.mask |= found;
  });
}

/**
 * DecodeDateTime: a full date, optional time and zone. Time alone is malformed here.
 * `needOffset` is false for types that ignore the zone (date, timestamp), which spares
 * looking up the session zone's offset.
 */
export function decodeDateTime(fields: readonly Field[], env: DecodeEnvironment, needOffset = true): DecodedDateTime {
  const p = newProgress();
  runFields(fields, p, env);
  // PostgreSQL 15 validates the fields even when a reserved word made them irrelevant.
  validateDate(p.mask, p.julian, p.twoDigitYear, p.bc, p.tm);
  applyMeridiem(p.meridiem, p.tm);
  if (p.kind === "date") {
    if ((p.mask & DATE_MASK) !== DATE_MASK) throw new BadFormat();
    if (p.namedZone) {
      if (p.mask & Mask.dtzmod) throw new BadFormat();
      p.offset = offsetForLocalTime(p.namedZone, localSeconds(p.tm));
    }
    if (!(p.mask & Mask.tz)) {
      if (p.mask & Mask.dtzmod) throw new BadFormat();
      p.offset = null;
    }
  }
  return { kind: p.kind, tm: p.tm, offset: p.offset ?? (needOffset ? sessionOffset(p.tm, env) : 0) };
}

function sessionOffset(tm: BrokenDown, env: DecodeEnvironment): number {
  if (env.zone.fixedOffset !== null) return env.zone.fixedOffset;
  if (tm.month < 1) return 0;
  return offsetForLocalTime(env.zone, localSeconds(tm));
}

/** DecodeTimeOnly: a time of day, optionally after a date and before a zone (time type). */
export function decodeTimeOnly(fields: readonly Field[], env: DecodeEnvironment): BrokenDown {
  const p = newProgress();
  const dateFirst = fields.length >= 2 && (fields[fields.length - 1]!.type === "date" || fields[1]!.type === "time");
  fields.forEach((field, i) => {
    let found: number;
    if (field.type === "date") found = i === 0 && dateFirst ? decodeDate(field.text, p.mask, p) : decodeDateFieldAsZone(field.text, p);
    else if (field.type === "number" && p.prefix === null) found = decodeTimeOnlyNumber(field.text, i, fields, p);
    else if (field.type === "time") found = decodeTime(field.text, p.tm);
    else found = decodeField(field, p, env, fields[i + 1]);
    if (found & p.mask) throw new BadFormat();
    p.mask |= found;
  });
  validateDate(p.mask, p.julian, p.twoDigitYear, p.bc, p.tm);
  applyMeridiem(p.meridiem, p.tm);
  if (timeOverflows(p.tm)) throw new FieldOverflow();
  if ((p.mask & TIME_MASK) !== TIME_MASK) throw new BadFormat();
  return p.tm;
}

function decodeTimeOnlyNumber(text: string, index: number, fields: readonly Field[], p: Progress): number {
  const point = text.indexOf(".");
  if (point >= 0) {
    if (index === 0 && fields.length >= 2 && fields[fields.length - 1]!.type === "date") return decodeDate(text, p.mask, p);
    if (point > 2) return decodeNumberField(text, p.mask | DATE_MASK, p).mask;
    throw new BadFormat();
  }
  if (text.length > 4) return decodeNumberField(text, p.mask | DATE_MASK, p).mask;
  return decodeNumber(text, false, p.mask | DATE_MASK, p);
}

