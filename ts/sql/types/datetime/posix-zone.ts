// POSIX TZ strings ("EST5", "UTC+3", "<+07>-7", "CET-1CEST,M3.5.0,M10.5.0/3") as
// PostgreSQL's copy of the tz code reads them when a zone name is not in the database.
// Offsets in the string count WEST of UTC; a DST part without rules gets the default
// rules ",M3.2.0,M11.1.0" (second Sunday in March to first Sunday in November, at 02:00).

import { dateToJulian, daysInMonth, isLeapYear, julianDayOfWeek, julianToDate, UNIX_EPOCH_JDATE } from "./calendar.ts";
import type { TimeZone } from "./time-zone.ts";

type RuleDate =
  | { readonly kind: "julian"; readonly day: number } // Jn: 1..365, February 29 never counted
  | { readonly kind: "zeroBased"; readonly day: number } // n: 0..365
  | { readonly kind: "monthWeek"; readonly month: number; readonly week: number; readonly weekday: number };

interface Rule {
  readonly date: RuleDate;
  /** Local time of the change, seconds after midnight (may be negative or past 24h). */
  readonly time: number;
}

interface PosixSpec {
  readonly standardOffset: number;
  readonly daylight: { readonly offset: number; readonly start: Rule; readonly end: Rule } | null;
}

const DEFAULT_START: Rule = { date: { kind: "monthWeek", month: 3, week: 2, weekday: 0 }, time: 7200 };
const DEFAULT_END: Rule = { date: { kind: "monthWeek", month: 11, week: 1, weekday: 0 }, time: 7200 };

class Cursor {
  at = 0;
  constructor(readonly text: string) {}
  get rest(): string {
    return this.text.slice(this.at);
  }
  match(pattern: RegExp): RegExpExecArray | null {
    const found = pattern.exec(this.rest);
    if (found) this.at += found[0].length;
    return found;
  }
}

/** A zone abbreviation: <...> or characters other than digits, ',', '+' and '-'. */
function readName(cursor: Cursor): boolean {
  return cursor.match(/^(?:<[^>]*>|[^\d,+\-<]+)/) !== null;
}

/** [+-]hh[:mm[:ss]] as seconds; POSIX offsets and rule times share this form. */
function readTime(cursor: Cursor): number | null {
  const found = cursor.match(/^([+-]?)(\d+)(?::(\d+)(?::(\d+))?)?/);
  if (!found) return null;
  const [hours, minutes, seconds] = [Number(found[2]), Number(found[3] ?? 0), Number(found[4] ?? 0)];
  if (hours > 167 || minutes > 59 || seconds > 60) return null;
  const total = hours * 3600 + minutes * 60 + seconds;
  return found[1] === "-" ? -total : total;
}

function readRule(cursor: Cursor): Rule | null {
  let date: RuleDate;
  const monthWeek = cursor.match(/^M(\d+)\.(\d+)\.(\d+)/);
  const julian = monthWeek ? null : cursor.match(/^J(\d+)/);
  const zeroBased = monthWeek || julian ? null : cursor.match(/^(\d+)/);
  if (monthWeek) {
    const [month, week, weekday] = [Number(monthWeek[1]), Number(monthWeek[2]), Number(monthWeek[3])];
    if (month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6) return null;
    date = { kind: "monthWeek", month, week, weekday };
  } else if (julian && Number(julian[1]) >= 1 && Number(julian[1]) <= 365) {
    date = { kind: "julian", day: Number(julian[1]) };
  } else if (zeroBased && Number(zeroBased[1]) <= 365) {
    date = { kind: "zeroBased", day: Number(zeroBased[1]) };
  } else {
    return null;
  }
  let time = 7200;
  if (cursor.match(/^\//)) {
    const parsed = readTime(cursor);
    if (parsed === null) return null;
    time = parsed;
  }
  return { date, time };
}

export function parsePosixSpec(text: string): PosixSpec | null {
  const cursor = new Cursor(text);
  // The standard name may be empty: the TimeZone setting "+05:30" is accepted this way.
  readName(cursor);
  const standardWest = readTime(cursor);
  if (standardWest === null) return null;
  if (cursor.rest === "") return { standardOffset: -standardWest, daylight: null };
  if (!readName(cursor)) return null;
  let daylightWest = standardWest - 3600;
  if (cursor.rest !== "" && !cursor.rest.startsWith(",")) {
    const parsed = readTime(cursor);
    if (parsed === null) return null;
    daylightWest = parsed;
  }
  let start = DEFAULT_START;
  let end = DEFAULT_END;
  if (cursor.match(/^,/)) {
    const first = readRule(cursor);
    if (!first || !cursor.match(/^,/)) return null;
    const second = readRule(cursor);
    if (!second) return null;
    [start, end] = [first, second];
  }
  if (cursor.rest !== "") return null;
  return { standardOffset: -standardWest, daylight: { offset: -daylightWest, start, end } };
}

/** Day (days since 1970) on which a rule falls in a year. */
function ruleDay(date: RuleDate, year: number): number {
  const yearStart = dateToJulian(year, 1, 1) - UNIX_EPOCH_JDATE;
  switch (date.kind) {
    case "julian":
      return yearStart + date.day - 1 + (isLeapYear(year) && date.day > 59 ? 1 : 0);
    case "zeroBased":
      return yearStart + date.day;
    case "monthWeek": {
      const first = dateToJulian(year, date.month, 1);
      let day = 1 + ((date.weekday - julianDayOfWeek(first) + 7) % 7) + (date.week - 1) * 7;
      while (day > daysInMonth(year, date.month)) day -= 7;
      return first - UNIX_EPOCH_JDATE + day - 1;
    }
  }
}

function yearOf(unixSeconds: number): number {
  return julianToDate(Math.floor(unixSeconds / 86400) + UNIX_EPOCH_JDATE).year;
}

export function posixZone(name: string, spec: PosixSpec): TimeZone {
  const daylight = spec.daylight;
  if (!daylight) return { name, fixedOffset: spec.standardOffset, offsetAt: () => spec.standardOffset };
  return {
    name,
    fixedOffset: null,
    offsetAt(unixSeconds) {
      const year = yearOf(unixSeconds + spec.standardOffset);
      // Changes happen at local time: standard time for the start, daylight time for the end.
      const start = ruleDay(daylight.start.date, year) * 86400 + daylight.start.time - spec.standardOffset;
      const end = ruleDay(daylight.end.date, year) * 86400 + daylight.end.time - daylight.offset;
      const inDaylight = start < end ? unixSeconds >= start && unixSeconds < end : unixSeconds < end || unixSeconds >= start;
      return inDaylight ? daylight.offset : spec.standardOffset;
    },
  };
}
