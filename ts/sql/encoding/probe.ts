// Probing an index with a value of another type. Keys are encoded as the column's type, so
// a probe value is first converted to that type. Where the conversion is inexact (1.5 into
// an integer column, 5000000000 into an int4 column, a timestamp into a date column) the
// result says on which side of the converted value the original lies; no column value lies
// strictly between the two, so:
//   col =  p  → the key of `value` if comparison is 0, else nothing
//   col >  p  → keys after `value` (all keys with its prefix skipped) if comparison ≥ 0,
//               from `value` inclusive if comparison < 0
//   col >= p  → from `value` inclusive if comparison ≤ 0, after it if comparison > 0
//   col <  p, col <= p symmetrically.
// Supported pairs follow PostgreSQL's btree operator families: integers, floats, date and
// timestamps, text-like strings; numeric columns take integers; integer columns take
// numeric and floats.

import { SqlError, SqlState } from "../errors.ts";
import type { TypeContext } from "../types/context.ts";
import { Numeric } from "../types/numeric.ts";
import { Oid } from "../types/oids.ts";
import { INT2_MAX, INT2_MIN, INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN } from "../types/int.ts";
import { decimalToFloat32 } from "../types/float-parse.ts";
import { exactDecimal } from "../types/float-decimal.ts";
import {
  dateToTimestamp,
  dateToTimestamptz,
  timestampToDate,
  timestamptzToDate,
  timestamptzToTimestamp,
  timestampToTimestamptz,
} from "../types/datetime/convert.ts";
import { sessionZone } from "../types/datetime/input.ts";
import type { SqlType } from "../types/type.ts";
import type { Datum } from "../types/value.ts";
import { encodeKey, type KeyColumn } from "./key.ts";

export type Side = -1 | 0 | 1;

export interface ProbeValue {
  /** The probe converted to the column type. */
  readonly value: Datum;
  /** How the original probe compares with `value`. */
  readonly comparison: Side;
}

const exact = (value: Datum): ProbeValue => ({ value, comparison: 0 });
const sign = (order: number): Side => (order < 0 ? -1 : order > 0 ? 1 : 0);

/** A numeric family value as an exact Numeric (floats by their full binary value). */
function toNumeric(value: Datum, from: SqlType): Numeric {
  switch (from.oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.int8:
      return Numeric.fromInteger(value as number | bigint);
    case Oid.numeric:
      return value as Numeric;
    case Oid.float4:
    case Oid.float8: {
      const number = value as number;
      if (Number.isNaN(number)) return Numeric.NaN;
      if (!Number.isFinite(number)) return number > 0 ? Numeric.POSITIVE_INFINITY : Numeric.NEGATIVE_INFINITY;
      const { digits, exponent } = exactDecimal(number);
      const mantissa = number < 0 ? -digits : digits;
      return exponent >= 0 ? Numeric.of(mantissa * 10n ** BigInt(exponent), 0) : Numeric.of(mantissa, -exponent);
    }
    default:
      throw unsupported(from);
  }
}

/** The largest integer not above a finite numeric. */
function floorOf(value: Numeric): bigint {
  const unit = 10n ** BigInt(value.scale);
  if (value.mantissa >= 0n) return value.mantissa / unit;
  return -((-value.mantissa + unit - 1n) / unit);
}

const integerRanges: Record<number, { min: bigint; max: bigint }> = {
  [Oid.int2]: { min: BigInt(INT2_MIN), max: BigInt(INT2_MAX) },
  [Oid.int4]: { min: BigInt(INT4_MIN), max: BigInt(INT4_MAX) },
  [Oid.int8]: { min: INT8_MIN, max: INT8_MAX },
};

function toIntegerColumn(value: Datum, from: SqlType, column: SqlType): ProbeValue {
  const range = integerRanges[column.oid]!;
  const asColumn = (whole: bigint): Datum => (column.oid === Oid.int8 ? whole : Number(whole));
  const probe = toNumeric(value, from);
  if (probe.isNaN() || probe.kind === "infinity") return { value: asColumn(range.max), comparison: 1 };
  if (probe.kind === "-infinity") return { value: asColumn(range.min), comparison: -1 };
  const floor = floorOf(probe);
  if (floor > range.max) return { value: asColumn(range.max), comparison: 1 };
  if (floor < range.min) return { value: asColumn(range.min), comparison: -1 };
  return { value: asColumn(floor), comparison: sign(probe.compare(Numeric.fromInteger(floor))) };
}

function toFloatColumn(value: Datum, from: SqlType, column: SqlType): ProbeValue {
  const isFloat = from.oid === Oid.float4 || from.oid === Oid.float8;
  const asDouble = isFloat ? (value as number) : toNumeric(value, from).toNumber();
  if (Number.isNaN(asDouble)) return exact(NaN);
  const converted = column.oid === Oid.float4 ? (isFloat ? Math.fround(asDouble) : decimalToFloat32(toNumeric(value, from).toString(), asDouble)) : asDouble;
  if (isFloat) return { value: converted, comparison: sign(asDouble - converted) };
  return { value: converted, comparison: sign(toNumeric(value, from).compare(toNumeric(converted, column))) };
}

function toDatetimeColumn(value: Datum, from: SqlType, column: SqlType, ctx: TypeContext): ProbeValue {
  const zone = sessionZone(ctx);
  const key = `${from.oid}>${column.oid}`;
  switch (key) {
    case `${Oid.date}>${Oid.timestamp}`:
      return exact(dateToTimestamp(value as number));
    case `${Oid.date}>${Oid.timestamptz}`:
      return exact(dateToTimestamptz(value as number, zone));
    case `${Oid.timestamp}>${Oid.date}`: {
      const day = timestampToDate(value as bigint);
      return { value: day, comparison: sign(Number((value as bigint) - dateToTimestamp(day))) };
    }
    case `${Oid.timestamptz}>${Oid.date}`: {
      const day = timestamptzToDate(value as bigint, zone);
      return { value: day, comparison: sign(Number((value as bigint) - dateToTimestamptz(day, zone))) };
    }
    case `${Oid.timestamp}>${Oid.timestamptz}`:
      return exact(timestampToTimestamptz(value as bigint, zone));
    case `${Oid.timestamptz}>${Oid.timestamp}`: {
      const local = timestamptzToTimestamp(value as bigint, zone);
      const back = timestampToTimestamptz(local, zone);
      return { value: local, comparison: sign(Number((value as bigint) - back)) };
    }
    default:
      throw unsupported(from, column);
  }
}

function unsupported(from: SqlType, column?: SqlType): SqlError {
  const target = column ? ` for a ${column.sqlName} key` : "";
  return new SqlError(SqlState.featureNotSupported, `cannot probe with a ${from.sqlName} value${target}`);
}

const integerOids = new Set<number>([Oid.int2, Oid.int4, Oid.int8]);
const numericFamily = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.numeric, Oid.float4, Oid.float8]);
const floatOids = new Set<number>([Oid.float4, Oid.float8]);
const datetimeOids = new Set<number>([Oid.date, Oid.timestamp, Oid.timestamptz]);
const textLike = new Set<number>([Oid.text, Oid.varchar, Oid.name]);

/** Converts a probe value of type `from` for a key column of type `column`. */
export function probeValue(value: Datum, from: SqlType, column: SqlType, ctx: TypeContext): ProbeValue {
  if (from.oid === column.oid) return exact(value);
  if (integerOids.has(column.oid) && numericFamily.has(from.oid)) return toIntegerColumn(value, from, column);
  if (column.oid === Oid.numeric && integerOids.has(from.oid)) return exact(toNumeric(value, from));
  if (floatOids.has(column.oid) && numericFamily.has(from.oid)) return toFloatColumn(value, from, column);
  if (datetimeOids.has(column.oid) && datetimeOids.has(from.oid)) return toDatetimeColumn(value, from, column, ctx);
  if (textLike.has(column.oid) && textLike.has(from.oid)) return exact(value);
  throw unsupported(from, column);
}

/** The probe's key for one key column, with the side on which the original value lies. */
export function encodeProbeKey(
  column: KeyColumn,
  value: Datum,
  from: SqlType,
  ctx: TypeContext,
): { key: Uint8Array; comparison: Side } {
  const probe = probeValue(value, from, column.type, ctx);
  // For a descending column the key order is reversed, and so is the side.
  const comparison = (column.descending ? -probe.comparison : probe.comparison) as Side;
  return { key: encodeKey([column], [probe.value]), comparison: comparison === 0 ? 0 : comparison };
}
