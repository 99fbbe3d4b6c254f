// Decoders for single date/time fields, shared by timestamp, date, time and interval
// input: numbers, dates with separators, times, run-together digits and zone offsets.

import { BadFormat, FieldOverflow, ZoneDisplacementOverflow } from "./parse-fields.ts";
import { DATE_MASK, Mask, TIME_MASK, roundHalfEven } from "./field-masks.ts";
import { findDateToken } from "./tokens.ts";

/** struct pg_tm as the decoders fill it. */
export interface BrokenDown {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  dayOfYear: number;
}

export interface DecodeState {
  tm: BrokenDown;
  /** Fields seen so far. */
  mask: number;
  /** The year was written with one or two digits. */
  twoDigitYear: boolean;
}

export function emptyBrokenDown(): BrokenDown {
  return { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, microsecond: 0, dayOfYear: 0 };
}

const MAX_TZDISP_HOUR = 15;
const INT32_MAX = 2147483647;

/** strtol of a leading digit run; overflow beyond int32 is a field overflow, as PG reports. */
export function leadingInt(text: string, from = 0): { value: number; end: number } {
  let end = from;
  const negative = text[end] === "-";
  if (text[end] === "-" || text[end] === "+") end++;
  const digitsStart = end;
  while (end < text.length && text[end]! >= "0" && text[end]! <= "9") end++;
  if (end === digitsStart) return { value: 0, end: from };
  const magnitude = Number(text.slice(digitsStart, end));
  if (magnitude > INT32_MAX + (negative ? 1 : 0)) throw new FieldOverflow();
  return { value: negative ? -magnitude : magnitude, end };
}

/** C atoi(): strtol clamped to 64 bits, then the low 32 bits; digits beyond int32 wrap. */
function cAtoi(digits: string): number {
  const long = BigInt(digits || "0");
  const clamped = long > 9223372036854775807n ? 9223372036854775807n : long;
  return Number(BigInt.asIntN(32, clamped));
}

/** ".123456" → microseconds, rounded half to even; "." alone is zero. */
export function parseFractionalSecond(text: string): number {
  if (text === ".") return 0;
  if (!/^\.\d*$/.test(text)) throw new BadFormat();
  return roundHalfEven(Number(`0${text}`) * 1_000_000);
}

/** "hh:mm[:ss[.fff]]" or "mm:ss.fff" (DecodeTime). */
export function decodeTime(text: string, tm: BrokenDown): number {
  const hour = leadingInt(text);
  if (text[hour.end] !== ":") throw new BadFormat();
  const minute = leadingInt(text, hour.end + 1);
  let rest = minute.end;
  let h = hour.value;
  let m = minute.value;
  let s = 0;
  let micro = 0;
  if (rest === text.length) {
    // hh:mm
  } else if (text[rest] === ".") {
    // mm:ss.fff
    micro = parseFractionalSecond(text.slice(rest));
    s = m;
    m = h;
    h = 0;
  } else if (text[rest] === ":") {
    const second = leadingInt(text, rest + 1);
    s = second.value;
    rest = second.end;
    if (text[rest] === ".") micro = parseFractionalSecond(text.slice(rest));
    else if (rest !== text.length) throw new BadFormat();
  } else {
    throw new BadFormat();
  }
  if (h < 0 || m < 0 || m > 59 || s < 0 || s > 60 || micro < 0 || micro > 1_000_000) throw new FieldOverflow();
  tm.hour = h;
  tm.minute = m;
  tm.second = s;
  tm.microsecond = micro;
  return TIME_MASK;
}

/** Times past 24:00:00 (time_overflows). */
export function timeOverflows(tm: BrokenDown): boolean {
  if (tm.hour < 0 || tm.minute < 0 || tm.minute > 59 || tm.second < 0 || tm.second > 60) return true;
  if (tm.microsecond < 0 || tm.microsecond > 1_000_000) return true;
  return ((tm.hour * 60 + tm.minute) * 60 + tm.second) * 1_000_000 + tm.microsecond > 86_400_000_000;
}

/** Run-together digits: yyyymmdd, yymmdd, hhmmss, hhmm, optionally with .fraction. */
export function decodeNumberField(text: string, mask: number, state: DecodeState): { kind: "date" | "time"; mask: number } {
  let digits = text;
  const point = text.indexOf(".");
  if (point >= 0) {
    const fraction = text.slice(point);
    state.tm.microsecond = fraction === "." ? 0 : roundHalfEven(Number(`0${fraction.replace(/[^\d.].*$/, "")}`) * 1_000_000);
    digits = text.slice(0, point);
  } else if ((mask & DATE_MASK) !== DATE_MASK && digits.length >= 6) {
    const length = digits.length;
    state.tm.day = cAtoi(digits.slice(length - 2));
    state.tm.month = cAtoi(digits.slice(length - 4, length - 2));
    state.tm.year = cAtoi(digits.slice(0, length - 4));
    if (length - 4 === 2) state.twoDigitYear = true;
    return { kind: "date", mask: DATE_MASK };
  }
  if ((mask & TIME_MASK) !== TIME_MASK) {
    if (digits.length === 6) {
      state.tm.second = Number(digits.slice(4));
      state.tm.minute = Number(digits.slice(2, 4));
      state.tm.hour = Number(digits.slice(0, 2));
      return { kind: "time", mask: TIME_MASK };
    }
    if (digits.length === 4) {
      state.tm.second = 0;
      state.tm.minute = Number(digits.slice(2));
      state.tm.hour = Number(digits.slice(0, 2));
      return { kind: "time", mask: TIME_MASK };
    }
  }
  throw new BadFormat();
}

/** A plain number placed by what has been seen so far (DecodeNumber; DateStyle MDY). */
export function decodeNumber(text: string, haveTextMonth: boolean, mask: number, state: DecodeState): number {
  const { value, end } = leadingInt(text);
  if (end === 0) throw new BadFormat();
  const tm = state.tm;
  if (text[end] === ".") {
    if (end > 2) return decodeNumberField(text, mask | DATE_MASK, state).mask;
    tm.microsecond = parseFractionalSecond(text.slice(end));
  } else if (end !== text.length) {
    throw new BadFormat();
  }
  const length = text.length;
  if (length === 3 && (mask & DATE_MASK) === Mask.year && value >= 1 && value <= 366) {
    tm.dayOfYear = value;
    return Mask.doy | Mask.month | Mask.day;
  }
  let found: number;
  switch (mask & DATE_MASK) {
    case 0:
      if (length >= 3) {
        found = Mask.year;
        tm.year = value;
      } else {
        found = Mask.month;
        tm.month = value;
      }
      break;
    case Mask.year:
      found = Mask.month;
      tm.month = value;
      break;
    case Mask.month:
      if (haveTextMonth && length >= 3) {
        found = Mask.year;
        tm.year = value;
      } else {
        found = Mask.day;
        tm.day = value;
      }
      break;
    case Mask.year | Mask.month:
      if (haveTextMonth && length >= 3 && state.twoDigitYear) {
        found = Mask.day;
        tm.day = tm.year;
        tm.year = value;
        state.twoDigitYear = false;
      } else {
        found = Mask.day;
        tm.day = value;
      }
      break;
    case Mask.day:
      found = Mask.month;
      tm.month = value;
      break;
    case Mask.month | Mask.day:
      found = Mask.year;
      tm.year = value;
      break;
    case DATE_MASK:
      return decodeNumberField(text, mask, state).mask;
    default:
      throw new BadFormat();
  }
  if (found === Mask.year) state.twoDigitYear = length <= 2;
  return found;
}

/** A date with separators such as "2000-01-02", "1/2/2000", "jan-02-2000" (DecodeDate). */
export function decodeDate(text: string, mask: number, state: DecodeState): number {
  const parts: string[] = [];
  let at = 0;
  while (at < text.length && parts.length < 25) {
    while (at < text.length && !/[a-z0-9]/i.test(text[at]!)) at++;
    if (at >= text.length) throw new BadFormat();
    const start = at;
    const isDigitRun = /[0-9]/.test(text[at]!);
    while (at < text.length && (isDigitRun ? /[0-9]/ : /[a-z]/i).test(text[at]!)) at++;
    parts.push(text.slice(start, at));
    if (at < text.length) at++;
  }
  let found = 0;
  let seen = mask;
  let haveTextMonth = false;
  const numeric: string[] = [];
  for (const part of parts) {
    if (!/^[a-z]/i.test(part)) {
      numeric.push(part);
      continue;
    }
    const token = findDateToken(part.toLowerCase());
    if (token?.type === "ignore") continue;
    if (token?.type !== "month") throw new BadFormat();
    state.tm.month = token.number!;
    haveTextMonth = true;
    if (seen & Mask.month) throw new BadFormat();
    seen |= Mask.month;
    found |= Mask.month;
  }
  for (const part of numeric) {
    if (part.length === 0) throw new BadFormat();
    const fieldMask = decodeNumber(part, haveTextMonth, seen, state);
    if (seen & fieldMask) throw new BadFormat();
    seen |= fieldMask;
    found |= fieldMask;
  }
  if ((seen & ~(Mask.doy | Mask.tz)) !== DATE_MASK) throw new BadFormat();
  return found;
}

/** "+hh", "+hhmm", "+hh:mm", "+hh:mm:ss" → seconds east of UTC (DecodeTimezone). */
export function decodeZoneOffset(text: string): number {
  if (text[0] !== "+" && text[0] !== "-") throw new BadFormat();
  const hours = leadingIntForZone(text, 1);
  let hour = hours.value;
  let minute = 0;
  let second = 0;
  let end = hours.end;
  if (text[end] === ":") {
    const minutes = leadingIntForZone(text, end + 1);
    minute = minutes.value;
    end = minutes.end;
    if (text[end] === ":") {
      const seconds = leadingIntForZone(text, end + 1);
      second = seconds.value;
      end = seconds.end;
    }
  } else if (end === text.length && text.length > 3) {
    minute = hour % 100;
    hour = Math.trunc(hour / 100);
  }
  if (hour < 0 || hour > MAX_TZDISP_HOUR || minute < 0 || minute >= 60 || second < 0 || second >= 60) {
    throw new ZoneDisplacementOverflow();
  }
  if (end !== text.length) throw new BadFormat();
  const offset = (hour * 60 + minute) * 60 + second;
  return text[0] === "-" ? -offset : offset;
}

function leadingIntForZone(text: string, from: number): { value: number; end: number } {
  try {
    return leadingInt(text, from);
  } catch {
    throw new ZoneDisplacementOverflow();
  }
}
