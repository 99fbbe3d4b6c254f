// timestamp and timestamp with time zone: bigint microseconds since 2000-01-01 00:00:00
// (UTC for timestamptz); -infinity and infinity are the int64 extremes. timestamptz is read
// and printed in the session TimeZone.

import { SqlError, SqlState } from "../errors.ts";
import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { hashInteger } from "./hash.ts";
import { invalidParameter } from "./input-errors.ts";
import {
  fieldsFromTimestamp,
  isFiniteTimestamp,
  isValidTimestamp,
  localTimestamp,
  roundMicros,
  TIMESTAMP_NEGATIVE_INFINITY,
  TIMESTAMP_POSITIVE_INFINITY,
  timestampFromFields,
  UNIX_EPOCH_MICROS,
} from "./datetime/convert.ts";
import { decodeDateTime } from "./datetime/decode-datetime.ts";
import { parseIsoDateTime } from "./datetime/iso-fast-path.ts";
import { offsetForLocalTime } from "./datetime/time-zone.ts";
import { dateToJulian, UNIX_EPOCH_JDATE, type DateFields, type TimeFields } from "./datetime/calendar.ts";
import { formatIsoDateTime } from "./datetime/format.ts";
import { datetimeOutOfRange, decodeEnvironment, decodeInput, sessionZone } from "./datetime/input.ts";
import type { TypeContext } from "./context.ts";
import type { SqlType, TypmodSupport } from "./type.ts";

const MAX_PRECISION = 6;

/** The common ISO form without the general parser; null when the text needs it. */
function parseIsoTimestamp(text: string, withZone: boolean, ctx: TypeContext): bigint | null {
  const iso = parseIsoDateTime(text);
  if (!iso) return null;
  let offset = 0;
  if (withZone) {
    const zone = sessionZone(ctx);
    offset = iso.offset ?? zone.fixedOffset ?? offsetForLocalTime(zone, localUnixSeconds(iso.date, iso.time));
  }
  return timestampFromFields(iso.date, iso.time, offset);
}

function parseTimestampInput(text: string, withZone: boolean, ctx: TypeContext): bigint {
  const fast = parseIsoTimestamp(text, withZone, ctx);
  if (fast !== null) return fast;
  const typeName = withZone ? "timestamp with time zone" : "timestamp";
  const decoded = decodeInput(text, typeName, (fields) => decodeDateTime(fields, decodeEnvironment(ctx), withZone));
  if (decoded.kind === "late") return TIMESTAMP_POSITIVE_INFINITY;
  if (decoded.kind === "early") return TIMESTAMP_NEGATIVE_INFINITY;
  if (decoded.kind === "epoch") return UNIX_EPOCH_MICROS;
  const { tm } = decoded;
  const time = { hour: tm.hour, minute: tm.minute, second: tm.second, microsecond: tm.microsecond };
  const result = timestampFromFields(tm, time, withZone ? decoded.offset : 0);
  if (result === null) throw datetimeOutOfRange("timestamp", text);
  return result;
}

function localUnixSeconds(date: DateFields, time: TimeFields): number {
  const days = dateToJulian(date.year, date.month, date.day) - UNIX_EPOCH_JDATE;
  return days * 86400 + (time.hour * 60 + time.minute) * 60 + time.second;
}

/** AdjustTimestampForTypmod: rounds to the declared fractional-second precision. */
export function applyTimestampTypmod(micros: bigint, typmod: number): bigint {
  if (typmod < 0 || typmod >= MAX_PRECISION || !isFiniteTimestamp(micros)) return micros;
  const rounded = roundMicros(micros, typmod);
  if (!isValidTimestamp(rounded)) throw new SqlError(SqlState.datetimeFieldOverflow, "timestamp out of range");
  return rounded;
}

function timestampTypmod(withZone: boolean): TypmodSupport<bigint> {
  const suffix = withZone ? " WITH TIME ZONE" : "";
  return {
    parse(modifiers) {
      if (modifiers.length !== 1) throw invalidParameter("invalid type modifier");
      const precision = modifiers[0]!;
      if (precision < 0) throw invalidParameter(`TIMESTAMP(${precision})${suffix} precision must not be negative`);
      // PostgreSQL warns and uses the maximum for larger precisions.
      return Math.min(precision, MAX_PRECISION);
    },
    format: (typmod) => (typmod >= 0 ? `(${typmod})` : ""),
    coerce: (value, typmod) => applyTimestampTypmod(value, typmod),
  };
}

export function formatTimestamp(micros: bigint): string {
  if (micros === TIMESTAMP_POSITIVE_INFINITY) return "infinity";
  if (micros === TIMESTAMP_NEGATIVE_INFINITY) return "-infinity";
  const { date, time } = fieldsFromTimestamp(micros);
  return formatIsoDateTime(date, time, null);
}

export function formatTimestamptz(micros: bigint, ctx: TypeContext): string {
  if (micros === TIMESTAMP_POSITIVE_INFINITY) return "infinity";
  if (micros === TIMESTAMP_NEGATIVE_INFINITY) return "-infinity";
  const { local, offset } = localTimestamp(micros, sessionZone(ctx));
  const { date, time } = fieldsFromTimestamp(local);
  return formatIsoDateTime(date, time, offset);
}

function decodeTimestampBinary(bytes: Uint8Array, typmod: number): bigint {
  const reader = new ByteReader(bytes);
  const micros = reader.i64();
  reader.end();
  if (isFiniteTimestamp(micros) && !isValidTimestamp(micros)) {
    throw new SqlError(SqlState.datetimeFieldOverflow, "timestamp out of range");
  }
  return applyTimestampTypmod(micros, typmod);
}

const compareBigints = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const acceptsTimestamp = (value: unknown): value is bigint =>
  typeof value === "bigint" && (!isFiniteTimestamp(value) || isValidTimestamp(value));

export const timestampType: SqlType<bigint> = {
  oid: Oid.timestamp,
  typname: "timestamp",
  sqlName: "timestamp without time zone",
  typlen: 8,
  category: "D",
  preferred: false,
  arrayOid: ArrayOid.timestamp,
  elementOid: 0,
  typmod: timestampTypmod(false),
  parse: (text, typmod, ctx) => applyTimestampTypmod(parseTimestampInput(text, false, ctx), typmod),
  format: (value) => formatTimestamp(value),
  decodeBinary: (bytes, typmod) => decodeTimestampBinary(bytes, typmod),
  encodeBinary: (value) => new ByteWriter(8).i64(value).finish(),
  compare: compareBigints,
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: acceptsTimestamp,
};

export const timestamptzType: SqlType<bigint> = {
  oid: Oid.timestamptz,
  typname: "timestamptz",
  sqlName: "timestamp with time zone",
  typlen: 8,
  category: "D",
  preferred: true,
  arrayOid: ArrayOid.timestamptz,
  elementOid: 0,
  typmod: timestampTypmod(true),
  parse: (text, typmod, ctx) => applyTimestampTypmod(parseTimestampInput(text, true, ctx), typmod),
  format: (value, ctx) => formatTimestamptz(value, ctx),
  decodeBinary: (bytes, typmod) => decodeTimestampBinary(bytes, typmod),
  encodeBinary: (value) => new ByteWriter(8).i64(value).finish(),
  compare: compareBigints,
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: acceptsTimestamp,
};
