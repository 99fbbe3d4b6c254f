// Order-preserving key encoding for index and primary keys: memcmp order of the bytes is
// the SQL sort order, so engine range scans serve ORDER BY and range predicates.
//
// A key is the concatenation of its columns. Each column is a marker byte (0x00 NULL that
// sorts first, 0x01 a value, 0x02 NULL that sorts last) followed, for values, by the type's
// self-delimiting encoding; a descending column has that encoding inverted byte by byte.
// PostgreSQL's defaults apply: NULLS LAST for ascending, NULLS FIRST for descending.
//
// Encodings are per column type; text orders by UTF-8 bytes (PostgreSQL's "C" collation);
// char(n) ignores trailing spaces; numeric and interval keys hold the value (1.0 = 1.00,
// '1 mon' = '30 days'), so decoding gives an equal value, not necessarily the same fields.
// json has no ordering in PostgreSQL and cannot be a key.

import { SqlError, SqlState } from "../errors.ts";
import { PgArray } from "../types/array.ts";
import type { Jsonb } from "../types/jsonb.ts";
import type { Numeric } from "../types/numeric.ts";
import { intervalSpan } from "../types/interval.ts";
import { Oid } from "../types/oids.ts";
import { elementTypeOf } from "../types/registry.ts";
import { trimTrailingSpaces } from "../types/text-compare.ts";
import { uuidFromBytes, uuidToBytes } from "../types/uuid.ts";
import type { SqlType } from "../types/type.ts";
import type { Datum, Interval, ScalarDatum, SqlValue } from "../types/value.ts";
import { KeyCorrupt, KeyReader, KeyWriter } from "./key-buffer.ts";
import { decodeJsonbKey, encodeJsonbKey } from "./key-jsonb.ts";
import { decodeNumericKey, encodeNumericKey } from "./key-numeric.ts";
import * as scalar from "./key-scalars.ts";

export { KeyCorrupt, KeyReader, KeyWriter };

export type NullsOrder = "first" | "last";

export interface KeyColumn {
  /** The column's type: values are encoded as this type (see probe.ts for other types). */
  readonly type: SqlType;
  readonly descending?: boolean;
  /** Defaults to PostgreSQL's: last when ascending, first when descending. */
  readonly nulls?: NullsOrder;
}

const NULL_FIRST = 0x00;
const VALUE = 0x01;
const NULL_LAST = 0x02;

interface KeyCodec {
  encode(value: Datum, out: KeyWriter): void;
  decode(input: KeyReader): Datum;
}

const USECS_PER_DAY = 86_400_000_000n;
const USECS_PER_MONTH = 30n * USECS_PER_DAY;
const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;

function clampInt32(value: bigint): bigint {
  return value < INT32_MIN ? INT32_MIN : value > INT32_MAX ? INT32_MAX : value;
}

/** Splits a span back into fields: whole months, then whole days, then microseconds. */
function intervalFromSpan(span: bigint): Interval {
  const months = clampInt32(span / USECS_PER_MONTH);
  let rest = span - months * USECS_PER_MONTH;
  const days = clampInt32(rest / USECS_PER_DAY);
  rest -= days * USECS_PER_DAY;
  return { months: Number(months), days: Number(days), microseconds: rest };
}

const int = (value: Datum): number => value as number;
const big = (value: Datum): bigint => value as bigint;
const text = (value: Datum): string => value as string;

const textCodec: KeyCodec = {
  encode: (value, out) => scalar.encodeTextKey(text(value), out),
  decode: (input) => scalar.decodeTextKey(input),
};

const scalarCodecs = new Map<number, KeyCodec>([
  [Oid.bool, { encode: (v, out) => scalar.encodeBoolKey(v as boolean, out), decode: scalar.decodeBoolKey }],
  [Oid.int2, { encode: (v, out) => scalar.encodeInt2Key(int(v), out), decode: scalar.decodeInt2Key }],
  [Oid.int4, { encode: (v, out) => scalar.encodeInt4Key(int(v), out), decode: scalar.decodeInt4Key }],
  [Oid.int8, { encode: (v, out) => scalar.encodeInt8Key(big(v), out), decode: scalar.decodeInt8Key }],
  [Oid.oid, { encode: (v, out) => scalar.encodeUint32Key(int(v), out), decode: scalar.decodeUint32Key }],
  [Oid.float4, { encode: (v, out) => scalar.encodeFloat4Key(int(v), out), decode: scalar.decodeFloat4Key }],
  [Oid.float8, { encode: (v, out) => scalar.encodeFloat8Key(int(v), out), decode: scalar.decodeFloat8Key }],
  [Oid.numeric, { encode: (v, out) => encodeNumericKey(v as Numeric, out), decode: decodeNumericKey }],
  [Oid.text, textCodec],
  [Oid.varchar, textCodec],
  [Oid.name, textCodec],
  [Oid.char, textCodec],
  [Oid.bpchar, { encode: (v, out) => scalar.encodeTextKey(trimTrailingSpaces(text(v)), out), decode: scalar.decodeTextKey }],
  [Oid.bytea, { encode: (v, out) => scalar.encodeBytesKey(v as Uint8Array, out), decode: scalar.decodeBytesKey }],
  [Oid.uuid, { encode: (v, out) => out.append(uuidToBytes(text(v))), decode: (input) => uuidFromBytes(input.take(16)) }],
  [Oid.date, { encode: (v, out) => scalar.encodeInt4Key(int(v), out), decode: scalar.decodeInt4Key }],
  [Oid.time, { encode: (v, out) => scalar.encodeInt8Key(big(v), out), decode: scalar.decodeInt8Key }],
  [Oid.timestamp, { encode: (v, out) => scalar.encodeInt8Key(big(v), out), decode: scalar.decodeInt8Key }],
  [Oid.timestamptz, { encode: (v, out) => scalar.encodeInt8Key(big(v), out), decode: scalar.decodeInt8Key }],
  [
    Oid.interval,
    {
      encode: (v, out) => scalar.encodeInt128Key(intervalSpan(v as Interval), out),
      decode: (input) => intervalFromSpan(scalar.decodeInt128Key(input)),
    },
  ],
  [Oid.jsonb, { encode: (v, out) => encodeJsonbKey(v as Jsonb, out), decode: decodeJsonbKey }],
]);

const ELEMENT = 0x01;
const NULL_ELEMENT = 0x02;
const ARRAY_END = 0x00;

/**
 * Arrays follow array_cmp: elements in order (a NULL element after any value), then the
 * element count (the end marker sorts below any element), dimensions and lower bounds.
 */
function arrayCodec(element: KeyCodec): KeyCodec {
  return {
    encode(value, out) {
      const array = value as PgArray;
      for (const item of array.elements) {
        if (item === null) out.u8(NULL_ELEMENT);
        else {
          out.u8(ELEMENT);
          element.encode(item, out);
        }
      }
      out.u8(ARRAY_END);
      out.u8(array.ndims);
      for (const length of array.dims) scalar.encodeInt4Key(length, out);
      for (const bound of array.lowerBounds) scalar.encodeInt4Key(bound, out);
    },
    decode(input) {
      const elements: (ScalarDatum | null)[] = [];
      for (let marker = input.u8(); marker !== ARRAY_END; marker = input.u8()) {
        if (marker === NULL_ELEMENT) elements.push(null);
        else if (marker === ELEMENT) elements.push(element.decode(input) as ScalarDatum);
        else throw new KeyCorrupt(`bad array element marker ${marker}`);
      }
      const ndims = input.u8();
      const dims: number[] = [];
      const lowerBounds: number[] = [];
      for (let i = 0; i < ndims; i++) dims.push(scalar.decodeInt4Key(input));
      for (let i = 0; i < ndims; i++) lowerBounds.push(scalar.decodeInt4Key(input));
      return elements.length === 0 ? new PgArray([]) : new PgArray(elements, dims, lowerBounds);
    },
  };
}

const codecCache = new Map<number, KeyCodec>();

function codecFor(type: SqlType): KeyCodec {
  const cached = codecCache.get(type.oid);
  if (cached) return cached;
  const element = elementTypeOf(type);
  const codec = element ? arrayCodec(codecFor(element)) : scalarCodecs.get(type.oid);
  if (!codec) {
    throw new SqlError(
      SqlState.undefinedObject,
      `data type ${type.sqlName} has no default operator class for access method "btree"`,
    );
  }
  codecCache.set(type.oid, codec);
  return codec;
}

/** Whether values of this type can be key columns. */
export function isKeyable(type: SqlType): boolean {
  try {
    codecFor(type);
    return true;
  } catch {
    return false;
  }
}

function nullsFirst(column: KeyColumn): boolean {
  return (column.nulls ?? (column.descending ? "first" : "last")) === "first";
}

/** Appends one column's encoding to `out`. */
export function encodeKeyColumn(column: KeyColumn, value: SqlValue, out: KeyWriter): void {
  if (value === null) {
    out.u8(nullsFirst(column) ? NULL_FIRST : NULL_LAST);
    return;
  }
  out.u8(VALUE);
  const start = out.length;
  codecFor(column.type).encode(value, out);
  if (column.descending) out.invertFrom(start);
}

/** Reads one column written by encodeKeyColumn. */
export function decodeKeyColumn(column: KeyColumn, input: KeyReader): SqlValue {
  input.inverted = false;
  const marker = input.u8();
  if (marker === NULL_FIRST || marker === NULL_LAST) return null;
  if (marker !== VALUE) throw new KeyCorrupt(`bad column marker ${marker}`);
  input.inverted = column.descending === true;
  const value = codecFor(column.type).decode(input);
  input.inverted = false;
  return value;
}

/** A composite key: the columns' encodings concatenated. */
export function encodeKey(columns: readonly KeyColumn[], values: readonly SqlValue[]): Uint8Array {
  if (values.length > columns.length) throw new RangeError("more key values than key columns");
  const out = new KeyWriter();
  for (let i = 0; i < values.length; i++) encodeKeyColumn(columns[i]!, values[i]!, out);
  return out.finish();
}

/** Decodes a key (or a key prefix: fewer values than columns). */
export function decodeKey(columns: readonly KeyColumn[], key: Uint8Array): SqlValue[] {
  const input = new KeyReader(key);
  const values: SqlValue[] = [];
  for (const column of columns) {
    if (input.done) break;
    values.push(decodeKeyColumn(column, input));
  }
  if (!input.done) throw new KeyCorrupt("trailing bytes after the last key column");
  return values;
}

/** memcmp order. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * The smallest key greater than every key that starts with `prefix` (the exclusive end of
 * a prefix range scan), or null when no such key exists (the prefix is all 0xFF).
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i]! += 1;
      return end;
    }
  }
  return null;
}

/** The range [start, end) of keys whose leading columns equal `values`. */
export function prefixRange(columns: readonly KeyColumn[], values: readonly SqlValue[]): { start: Uint8Array; end: Uint8Array | null } {
  const start = encodeKey(columns, values);
  return { start, end: prefixEnd(start) };
}
