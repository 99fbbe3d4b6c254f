// time without time zone: bigint microseconds since midnight, 00:00:00 to 24:00:00.

import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { hashInteger } from "./hash.ts";
import { invalidParameter } from "./input-errors.ts";
import { splitTimeOfDay, timeToMicros, USECS_PER_DAY } from "./datetime/calendar.ts";
import { roundMicros } from "./datetime/convert.ts";
import { decodeTimeOnly } from "./datetime/decode-datetime.ts";
import { formatTimeOfDay } from "./datetime/format.ts";
import { decodeEnvironment, decodeInput } from "./datetime/input.ts";
import { SqlError, SqlState } from "../errors.ts";
import type { TypeContext } from "./context.ts";
import type { SqlType, TypmodSupport } from "./type.ts";

const MAX_PRECISION = 6;

export function parseTimeText(text: string, ctx: TypeContext): bigint {
  const tm = decodeInput(text, "time", (fields) => decodeTimeOnly(fields, decodeEnvironment(ctx)));
  return timeToMicros(tm.hour, tm.minute, tm.second, tm.microsecond);
}

export function formatTime(micros: bigint): string {
  return formatTimeOfDay(splitTimeOfDay(micros));
}

export function applyTimeTypmod(micros: bigint, typmod: number): bigint {
  return typmod >= 0 && typmod < MAX_PRECISION ? roundMicros(micros, typmod) : micros;
}

const timeTypmod: TypmodSupport<bigint> = {
  parse(modifiers) {
    if (modifiers.length !== 1) throw invalidParameter("invalid type modifier");
    const precision = modifiers[0]!;
    if (precision < 0) throw invalidParameter(`TIME(${precision}) precision must not be negative`);
    return Math.min(precision, MAX_PRECISION);
  },
  format: (typmod) => (typmod >= 0 ? `(${typmod})` : ""),
  coerce: (value, typmod) => applyTimeTypmod(value, typmod),
};

export const timeType: SqlType<bigint> = {
  oid: Oid.time,
  typname: "time",
  sqlName: "time without time zone",
  typlen: 8,
  category: "D",
  preferred: false,
  arrayOid: ArrayOid.time,
  elementOid: 0,
  typmod: timeTypmod,
  parse: (text, typmod, ctx) => applyTimeTypmod(parseTimeText(text, ctx), typmod),
  format: (value) => formatTime(value),
  decodeBinary(bytes, typmod) {
    const reader = new ByteReader(bytes);
    const micros = reader.i64();
    reader.end();
    if (micros < 0n || micros > USECS_PER_DAY) throw new SqlError(SqlState.datetimeFieldOverflow, "time out of range");
    return applyTimeTypmod(micros, typmod);
  },
  encodeBinary: (value) => new ByteWriter(8).i64(value).finish(),
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: (value): value is bigint => typeof value === "bigint" && value >= 0n && value <= USECS_PER_DAY,
};
