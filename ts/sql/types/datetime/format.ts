// Date/time output in DateStyle ISO and IntervalStyle postgres (EncodeDateOnly,
// EncodeDateTime, EncodeTimeOnly, EncodeTimezone, EncodeInterval).

import type { DateFields, TimeFields } from "./calendar.ts";

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** ISO years are at least four digits; 1 BC prints as 0001 with a " BC" suffix. */
function isoYear(year: number): string {
  return pad(year > 0 ? year : -(year - 1), 4);
}

export function formatIsoDate(date: DateFields): string {
  const text = `${isoYear(date.year)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
  return date.year <= 0 ? `${text} BC` : text;
}

/** Seconds with up to six fraction digits, trailing zeros dropped (AppendSeconds). */
export function formatSeconds(second: number, microsecond: number, fillZeros = true): string {
  const whole = fillZeros ? pad(Math.abs(second), 2) : String(Math.abs(second));
  if (microsecond === 0) return whole;
  return `${whole}.${pad(Math.abs(microsecond), 6).replace(/0+$/, "")}`;
}

export function formatTimeOfDay(time: TimeFields): string {
  return `${pad(time.hour, 2)}:${pad(time.minute, 2)}:${formatSeconds(time.second, time.microsecond)}`;
}

/** "+05", "-03:30", "+05:53:28": seconds east of UTC. */
export function formatZoneOffset(offsetEast: number): string {
  const sign = offsetEast >= 0 ? "+" : "-";
  const total = Math.abs(offsetEast);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor(total / 60) % 60;
  const seconds = total % 60;
  if (seconds !== 0) return `${sign}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}`;
  if (minutes !== 0) return `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`;
  return `${sign}${pad(hours, 2)}`;
}

export function formatIsoDateTime(date: DateFields, time: TimeFields, offsetEast: number | null): string {
  const zone = offsetEast === null ? "" : formatZoneOffset(offsetEast);
  const text = `${isoYear(date.year)}-${pad(date.month, 2)}-${pad(date.day, 2)} ${formatTimeOfDay(time)}${zone}`;
  return date.year <= 0 ? `${text} BC` : text;
}

/** Interval fields as interval2itm produces them: each keeps the sign of its source. */
export interface IntervalFields {
  years: number;
  months: number;
  days: number;
  hours: bigint;
  minutes: number;
  seconds: number;
  microseconds: number;
}

/** IntervalStyle postgres: "1 year 2 mons -3 days +04:05:06.5". */
export function formatPostgresInterval(fields: IntervalFields): string {
  const parts: string[] = [];
  let isBefore = false;
  const add = (value: number, unit: string): void => {
    if (value === 0) return;
    parts.push(`${isBefore && value > 0 ? "+" : ""}${value} ${unit}${value !== 1 ? "s" : ""}`);
    isBefore = value < 0;
  };
  add(fields.years, "year");
  add(fields.months, "mon");
  add(fields.days, "day");
  const { hours, minutes, seconds, microseconds } = fields;
  if (parts.length === 0 || hours !== 0n || minutes !== 0 || seconds !== 0 || microseconds !== 0) {
    const minus = hours < 0n || minutes < 0 || seconds < 0 || microseconds < 0;
    const sign = minus ? "-" : isBefore ? "+" : "";
    const absHours = hours < 0n ? -hours : hours;
    parts.push(`${sign}${absHours.toString().padStart(2, "0")}:${pad(Math.abs(minutes), 2)}:${formatSeconds(seconds, microseconds)}`);
  }
  return parts.join(" ");
}
