// A fast path for the date/time text that drivers and COPY send almost always:
// "YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]". It gives exactly what the general parser
// gives for such input; anything unusual (other forms, out-of-range fields, more than six
// fraction digits, 24:00) returns null and takes the general path, which also reports errors.

import { daysInMonth, type DateFields, type TimeFields } from "./calendar.ts";

/** A zone offset only after a time: "2000-01-01-05" is not a date with an offset. */
const ISO_DATE_TIME =
  /^(\d{4,7})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(?:\s*(Z|[+-]\d\d(?::?\d\d)?))?)?$/;

export interface IsoDateTime {
  readonly date: DateFields;
  readonly time: TimeFields;
  /** Seconds east of UTC when the text names an offset. */
  readonly offset: number | null;
}

function zoneOffset(text: string): number | null {
  if (text === "Z") return 0;
  const hours = Number(text.slice(1, 3));
  const minutes = text.length > 3 ? Number(text.slice(-2)) : 0;
  if (hours > 15 || minutes > 59) return null;
  const offset = (hours * 60 + minutes) * 60;
  return text[0] === "-" ? -offset : offset;
}

export function parseIsoDateTime(text: string): IsoDateTime | null {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const hour = Number(match[4] ?? 0);
  const minute = Number(match[5] ?? 0);
  const second = Number(match[6] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const microsecond = match[7] === undefined ? 0 : Number(match[7].padEnd(6, "0"));
  const offset = match[8] === undefined ? null : zoneOffset(match[8]);
  if (match[8] !== undefined && offset === null) return null;
  return { date: { year, month, day }, time: { hour, minute, second, microsecond }, offset };
}
