// date: days since 2000-01-01 (PostgreSQL's epoch) as a number; -infinity and infinity are
// the int32 extremes, so plain numeric comparison orders them correctly.

import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { hashInteger } from "./hash.ts";
import { dateToJulian, isValidJulian, POSTGRES_EPOCH_JDATE, UNIX_EPOCH_JDATE } from "./datetime/calendar.ts";
import {
  DATE_NEGATIVE_INFINITY,
  DATE_POSITIVE_INFINITY,
  dateFromDays,
  isFiniteDate,
  isValidDate,
} from "./datetime/convert.ts";
import { decodeDateTime } from "./datetime/decode-datetime.ts";
import { parseIsoDateTime } from "./datetime/iso-fast-path.ts";
import { formatIsoDate } from "./datetime/format.ts";
import { datetimeOutOfRange, decodeEnvironment, decodeInput } from "./datetime/input.ts";
import { SqlError, SqlState } from "../errors.ts";
import type { TypeContext } from "./context.ts";
import type { SqlType } from "./type.ts";

export function parseDateText(text: string, ctx: TypeContext): number {
  // The common ISO form skips the general parser when within date's range.
  const iso = parseIsoDateTime(text);
  if (iso && iso.date.year <= LAST_DATE_YEAR) return dateToJulian(iso.date.year, iso.date.month, iso.date.day) - POSTGRES_EPOCH_JDATE;
  const decoded = decodeInput(text, "date", (fields) => decodeDateTime(fields, decodeEnvironment(ctx), false));
  if (decoded.kind === "late") return DATE_POSITIVE_INFINITY;
  if (decoded.kind === "early") return DATE_NEGATIVE_INFINITY;
  const tm = decoded.kind === "epoch" ? { year: 1970, month: 1, day: 1 } : decoded.tm;
  if (!isValidJulian(tm.year, tm.month)) throw datetimeOutOfRange("date", text);
  const days = dateToJulian(tm.year, tm.month, tm.day) - POSTGRES_EPOCH_JDATE;
  if (!isValidDate(days)) throw datetimeOutOfRange("date", text);
  return days;
}

export function formatDate(days: number): string {
  if (days === DATE_POSITIVE_INFINITY) return "infinity";
  if (days === DATE_NEGATIVE_INFINITY) return "-infinity";
  return formatIsoDate(dateFromDays(days));
}

/** Every date of this year and earlier (from 4714 BC) is representable. */
const LAST_DATE_YEAR = 5874897;

/** The Unix epoch as a date value. */
export const UNIX_EPOCH_DATE = UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE;

export const dateType: SqlType<number> = {
  oid: Oid.date,
  typname: "date",
  sqlName: "date",
  typlen: 4,
  category: "D",
  preferred: false,
  arrayOid: ArrayOid.date,
  elementOid: 0,
  typmod: null,
  parse: (text, _typmod, ctx) => parseDateText(text, ctx),
  format: (value) => formatDate(value),
  decodeBinary(bytes) {
    const reader = new ByteReader(bytes);
    const days = reader.i32();
    reader.end();
    if (isFiniteDate(days) && !isValidDate(days)) throw new SqlError(SqlState.datetimeFieldOverflow, "date out of range");
    return days;
  },
  encodeBinary: (value) => new ByteWriter(4).i32(value).finish(),
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: (value): value is number =>
    typeof value === "number" && Number.isInteger(value) && (!isFiniteDate(value) || isValidDate(value)),
};
