// ISO 8601 durations for interval input (DecodeISO8601Interval): the format with
// designators ("P1Y2M3DT4H5M6S", weeks allowed with other units, fractions in any field)
// and the alternative format ("P0001-02-03T04:05:06", "P00010203T040506").

import { BadFormat, FieldOverflow } from "./parse-fields.ts";
import {
  addDays,
  addMicros,
  addMonths,
  addYears,
  checkInt64,
  fractionMicros,
  USECS_PER_DAY,
  USECS_PER_HOUR,
  USECS_PER_MINUTE,
  USECS_PER_SEC,
  type IntervalParts,
} from "./interval-parts.ts";

/** A number as strtod reads it, split into integer and fraction; |value| ≤ 1e15. */
function iso8601Number(text: string, at: number): { whole: bigint; fraction: number; end: number } {
  const first = text[at];
  if (!(first !== undefined && (/[0-9]/.test(first) || first === "-" || first === "."))) throw new BadFormat();
  const match = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(at));
  if (!match) throw new BadFormat();
  const value = Number(match[0]);
  if (Number.isNaN(value) || value < -1e15 || value > 1e15) throw new FieldOverflow();
  const whole = value >= 0 ? Math.floor(value) : -Math.floor(-value);
  return { whole: BigInt(whole), fraction: value - whole, end: at + match[0].length };
}

function integerWidth(text: string, at: number): number {
  let i = text[at] === "-" ? at + 1 : at;
  const start = i;
  while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
  return i - start;
}

/** ISO 8601 durations: designators (P1Y2M3DT4H5M6S) and the alternative format (P0001-02-03T04:05:06). */
export function decodeIso8601Interval(text: string): IntervalParts {
  const parts: IntervalParts = { years: 0, months: 0, days: 0, micros: 0n };
  if (text.length < 2 || text[0] !== "P") throw new BadFormat();
  let at = 1;
  let datePart = true;
  let haveField = false;
  while (at < text.length) {
    if (text[at] === "T") {
      datePart = false;
      haveField = false;
      at++;
      continue;
    }
    const fieldStart = at;
    const number = iso8601Number(text, at);
    at = number.end;
    const unit = text[at] ?? "";
    at++;
    if (datePart) {
      const done = isoDateUnit(text, unit, number, parts, fieldStart, haveField, (next) => (at = next));
      if (done === "finished") return parts;
      if (done === "time") {
        datePart = false;
        haveField = false;
        continue;
      }
    } else if (isoTimeUnit(text, unit, number, parts, fieldStart, haveField, (next) => (at = next)) === "finished") {
      return parts;
    }
    haveField = true;
  }
  return parts;
}

type IsoNumber = { whole: bigint; fraction: number; end: number };
type IsoStep = "field" | "finished" | "time";

function isoDateUnit(
  text: string,
  unit: string,
  number: IsoNumber,
  parts: IntervalParts,
  fieldStart: number,
  haveField: boolean,
  moveTo: (at: number) => void,
): IsoStep {
  switch (unit) {
    case "Y":
      addYears(parts, number.whole, number.fraction, 1);
      return "field";
    case "M":
      addMonths(parts, number.whole, number.fraction);
      return "field";
    case "W":
      addDays(parts, number.whole, number.fraction, 7);
      return "field";
    case "D":
      addDays(parts, number.whole, 0, 1);
      parts.micros = checkInt64(parts.micros + fractionMicros(number.fraction, USECS_PER_DAY));
      return "field";
    case "T":
    case "":
      if (integerWidth(text, fieldStart) === 8 && !haveField) {
        const value = number.whole;
        addYears(parts, value / 10000n, 0, 1);
        addMonths(parts, (value / 100n) % 100n, 0);
        addDays(parts, value % 100n, 0, 1);
        parts.micros = checkInt64(parts.micros + fractionMicros(number.fraction, USECS_PER_DAY));
        return unit === "" ? "finished" : "time";
      }
      return isoAlternativeDate(text, unit, number, parts, haveField, moveTo);
    case "-":
      return isoAlternativeDate(text, unit, number, parts, haveField, moveTo);
    default:
      throw new BadFormat();
  }
}

/** "P0001-02-03": years, then optional -months and -days. */
function isoAlternativeDate(
  text: string,
  unit: string,
  number: IsoNumber,
  parts: IntervalParts,
  haveField: boolean,
  moveTo: (at: number) => void,
): IsoStep {
  if (haveField) throw new BadFormat();
  addYears(parts, number.whole, number.fraction, 1);
  if (unit === "") return "finished";
  if (unit === "T") return "time";
  const months = iso8601Number(text, number.end + 1);
  addMonths(parts, months.whole, months.fraction);
  if (months.end >= text.length) return "finished";
  if (text[months.end] === "T") {
    moveTo(months.end + 1);
    return "time";
  }
  if (text[months.end] !== "-") throw new BadFormat();
  const days = iso8601Number(text, months.end + 1);
  addDays(parts, days.whole, 0, 1);
  parts.micros = checkInt64(parts.micros + fractionMicros(days.fraction, USECS_PER_DAY));
  if (days.end >= text.length) return "finished";
  if (text[days.end] === "T") {
    moveTo(days.end + 1);
    return "time";
  }
  throw new BadFormat();
}

function isoTimeUnit(
  text: string,
  unit: string,
  number: IsoNumber,
  parts: IntervalParts,
  fieldStart: number,
  haveField: boolean,
  moveTo: (at: number) => void,
): IsoStep {
  switch (unit) {
    case "H":
      addMicros(parts, number.whole, number.fraction, USECS_PER_HOUR);
      return "field";
    case "M":
      addMicros(parts, number.whole, number.fraction, USECS_PER_MINUTE);
      return "field";
    case "S":
      addMicros(parts, number.whole, number.fraction, USECS_PER_SEC);
      return "field";
    case "":
      if (integerWidth(text, fieldStart) === 6 && !haveField) {
        const value = number.whole;
        addMicros(parts, value / 10000n, 0, USECS_PER_HOUR);
        addMicros(parts, (value / 100n) % 100n, 0, USECS_PER_MINUTE);
        addMicros(parts, value % 100n, 0, USECS_PER_SEC);
        parts.micros = checkInt64(parts.micros + fractionMicros(number.fraction, 1n));
        return "finished";
      }
      return isoAlternativeTime(text, unit, number, parts, haveField, moveTo);
    case ":":
      return isoAlternativeTime(text, unit, number, parts, haveField, moveTo);
    default:
      throw new BadFormat();
  }
}

/** "T04:05:06": hours, then optional :minutes and :seconds. */
function isoAlternativeTime(
  text: string,
  unit: string,
  number: IsoNumber,
  parts: IntervalParts,
  haveField: boolean,
  moveTo: (at: number) => void,
): IsoStep {
  if (haveField) throw new BadFormat();
  addMicros(parts, number.whole, number.fraction, USECS_PER_HOUR);
  if (unit === "") return "finished";
  const minutes = iso8601Number(text, number.end + 1);
  addMicros(parts, minutes.whole, minutes.fraction, USECS_PER_MINUTE);
  if (minutes.end >= text.length) return "finished";
  if (text[minutes.end] !== ":") throw new BadFormat();
  const seconds = iso8601Number(text, minutes.end + 1);
  addMicros(parts, seconds.whole, seconds.fraction, USECS_PER_SEC);
  moveTo(seconds.end);
  if (seconds.end >= text.length) return "finished";
  throw new BadFormat();
}
