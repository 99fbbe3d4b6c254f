// Session settings that change how values are printed and read beyond what the value layer
// does (it prints as DateStyle ISO, IntervalStyle postgres, extra_float_digits ≥ 1 and reads
// dates month-first): DateStyle SQL/Postgres/German and day-first input, IntervalStyle
// iso_8601/sql_standard/postgres_verbose, and extra_float_digits ≤ 0.

import { Oid, type Interval, type SqlType, type SqlValue, type TypeContext } from "./types/index.ts";
import { fieldsFromTimestamp, localTimestamp, isFiniteTimestamp } from "./types/datetime/convert.ts";
import { sessionZone } from "./types/datetime/input.ts";
import { julianDayOfWeek, dateToJulian } from "./types/datetime/calendar.ts";

/** TypeContext plus the output settings (absent: PostgreSQL's defaults). */
export interface StyledContext extends TypeContext {
  /** "ISO", "SQL", "Postgres" or "German". */
  readonly dateStyle?: string;
  /** "MDY", "DMY" or "YMD". */
  readonly dateOrder?: string;
  readonly intervalStyle?: string;
  readonly extraFloatDigits?: number;
}

function styled(ctx: TypeContext): StyledContext {
  return ctx as StyledContext;
}

/** Whether printing needs more than the type's own output function. */
export function needsStyle(ctx: TypeContext): boolean {
  const s = styled(ctx);
  return (s.dateStyle !== undefined && s.dateStyle !== "ISO") || (s.intervalStyle !== undefined && s.intervalStyle !== "postgres") || (s.extraFloatDigits !== undefined && s.extraFloatDigits <= 0);
}

const pad = (value: number, width: number): string => String(value).padStart(width, "0");
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** C's %.<precision>g, as PostgreSQL prints floats with extra_float_digits ≤ 0. */
function formatG(value: number, precision: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(precision)))));
  if (exponent < -4 || exponent >= precision) {
    const [mantissa, exp] = value.toExponential(precision - 1).split("e");
    const trimmed = mantissa!.includes(".") ? mantissa!.replace(/0+$/, "").replace(/\.$/, "") : mantissa!;
    const e = Number(exp);
    return `${trimmed}e${e < 0 ? "-" : "+"}${pad(Math.abs(e), 2)}`;
  }
  const fixed = value.toFixed(Math.max(0, precision - 1 - exponent));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

function formatDateStyle(year: number, month: number, day: number, style: string, order: string): string {
  const y = year > 0 ? pad(year, 4) : pad(1 - year, 4);
  const bc = year > 0 ? "" : " BC";
  switch (style) {
    case "SQL":
      return (order === "DMY" ? `${pad(day, 2)}/${pad(month, 2)}/${y}` : `${pad(month, 2)}/${pad(day, 2)}/${y}`) + bc;
    case "German":
      return `${pad(day, 2)}.${pad(month, 2)}.${y}${bc}`;
    default:
      return (order === "DMY" ? `${pad(day, 2)}-${pad(month, 2)}-${y}` : `${pad(month, 2)}-${pad(day, 2)}-${y}`) + bc;
  }
}

function formatTimestampStyle(micros: bigint, zone: string | null, style: string, order: string): string {
  const { date, time } = fieldsFromTimestamp(micros);
  const seconds = time.microsecond ? `${pad(time.second, 2)}.${pad(time.microsecond, 6).replace(/0+$/, "")}` : pad(time.second, 2);
  const clock = `${pad(time.hour, 2)}:${pad(time.minute, 2)}:${seconds}`;
  const suffix = zone ? ` ${zone}` : "";
  if (style === "Postgres") {
    const weekday = days[julianDayOfWeek(dateToJulian(date.year, date.month, date.day))]!;
    const y = date.year > 0 ? pad(date.year, 4) : pad(1 - date.year, 4);
    const monthName = months[date.month - 1]!;
    const dayMonth = order === "DMY" ? `${pad(date.day, 2)} ${monthName}` : `${monthName} ${pad(date.day, 2)}`;
    return `${weekday} ${dayMonth} ${clock} ${y}${suffix}${date.year > 0 ? "" : " BC"}`;
  }
  return `${formatDateStyle(date.year, date.month, date.day, style, order)} ${clock}${suffix}`;
}

function zoneName(ctx: TypeContext, offset: number): string {
  if (ctx.timeZone.toUpperCase() === "UTC" && offset === 0) return "UTC";
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${sign}${pad(Math.floor(abs / 3600), 2)}${abs % 3600 ? `:${pad(Math.floor(abs / 60) % 60, 2)}` : ""}`;
}

function formatIntervalStyle(value: Interval, style: string): string {
  const years = Math.trunc(value.months / 12);
  const monthsPart = value.months % 12;
  const micros = value.microseconds;
  const hours = micros / 3_600_000_000n;
  let rest = micros - hours * 3_600_000_000n;
  const minutes = rest / 60_000_000n;
  rest -= minutes * 60_000_000n;
  const secondsText = (() => {
    const negative = rest < 0n;
    const abs = negative ? -rest : rest;
    const whole = abs / 1_000_000n;
    const frac = abs % 1_000_000n;
    const text = frac === 0n ? String(whole) : `${whole}.${String(frac).padStart(6, "0").replace(/0+$/, "")}`;
    return negative ? `-${text}` : text;
  })();
  if (style === "iso_8601") {
    let out = "P";
    if (years) out += `${years}Y`;
    if (monthsPart) out += `${monthsPart}M`;
    if (value.days) out += `${value.days}D`;
    let time = "";
    if (hours) time += `${hours}H`;
    if (minutes) time += `${minutes}M`;
    if (rest) time += `${secondsText}S`;
    if (time) out += `T${time}`;
    return out === "P" ? "PT0S" : out;
  }
  if (style === "postgres_verbose") {
    const parts: string[] = [];
    const unit = (n: number | bigint, name: string): void => {
      if (n === 0 || n === 0n) return;
      const abs = n < 0 ? -n : n;
      parts.push(`${abs} ${name}${abs === 1 || abs === 1n ? "" : "s"}`);
    };
    unit(years, "year");
    unit(monthsPart, "mon");
    unit(value.days, "day");
    unit(hours, "hour");
    unit(minutes, "min");
    if (rest) parts.push(`${secondsText.replace(/^-/, "")} sec${secondsText === "1" ? "" : "s"}`);
    const negative = value.months < 0 || value.days < 0 || micros < 0n;
    return parts.length === 0 ? "@ 0" : `@ ${parts.join(" ")}${negative ? " ago" : ""}`;
  }
  // sql_standard
  const time = `${hours}:${pad(Number(minutes < 0n ? -minutes : minutes), 2)}:${secondsText.replace(/^-/, "").padStart(2, "0")}`;
  if (value.months && !value.days && !micros) return `${years}-${Math.abs(monthsPart)}`;
  if (!value.months && !value.days) return micros < 0n ? `-${time.replace(/^-/, "")}` : time;
  if (!value.months) return `${value.days} ${time}`;
  return `${value.months < 0 ? "-" : "+"}${Math.abs(years)}-${Math.abs(monthsPart)} ${value.days < 0 ? "-" : "+"}${Math.abs(value.days)} ${micros < 0n ? "-" : "+"}${time.replace(/^-/, "")}`;
}

/** A value's text form honouring the session's output settings. */
export function formatStyled(type: SqlType, value: SqlValue, ctx: TypeContext): string {
  const s = styled(ctx);
  switch (type.oid) {
    case Oid.float4:
    case Oid.float8:
      if (s.extraFloatDigits !== undefined && s.extraFloatDigits <= 0) {
        return formatG(value as number, (type.oid === Oid.float4 ? 6 : 15) + s.extraFloatDigits);
      }
      break;
    case Oid.date:
      if (s.dateStyle && s.dateStyle !== "ISO") {
        const days = value as number;
        if (days === 2147483647) return "infinity";
        if (days === -2147483648) return "-infinity";
        const { date } = fieldsFromTimestamp(BigInt(days) * 86_400_000_000n);
        return formatDateStyle(date.year, date.month, date.day, s.dateStyle, s.dateOrder ?? "MDY");
      }
      break;
    case Oid.timestamp:
      if (s.dateStyle && s.dateStyle !== "ISO" && isFiniteTimestamp(value as bigint)) {
        return formatTimestampStyle(value as bigint, null, s.dateStyle, s.dateOrder ?? "MDY");
      }
      break;
    case Oid.timestamptz:
      if (s.dateStyle && s.dateStyle !== "ISO" && isFiniteTimestamp(value as bigint)) {
        const { local, offset } = localTimestamp(value as bigint, sessionZone(ctx));
        return formatTimestampStyle(local, zoneName(ctx, offset), s.dateStyle, s.dateOrder ?? "MDY");
      }
      break;
    case Oid.interval:
      if (s.intervalStyle && s.intervalStyle !== "postgres") return formatIntervalStyle(value as Interval, s.intervalStyle);
      break;
  }
  return type.format(value as never, ctx);
}

const dateLike = new Set<number>([Oid.date, Oid.timestamp, Oid.timestamptz]);

/** Text input honouring DateStyle's field order (the value layer reads month first). */
export function parseStyled(type: SqlType, text: string, typmod: number, ctx: TypeContext): SqlValue {
  const order = styled(ctx).dateOrder;
  if (order === "DMY" && dateLike.has(type.oid)) {
    const match = /^(\s*)(\d{1,2})([/.-])(\d{1,2})\3(\d{1,4})(.*)$/s.exec(text);
    if (match) return type.parse(`${match[1]}${match[4]}${match[3]}${match[2]}${match[3]}${match[5]}${match[6]}`, typmod, ctx);
  }
  return type.parse(text, typmod, ctx);
}
