// real and double precision. Values are JavaScript numbers; real values are always
// float32-representable (Math.fround). NaN equals NaN and sorts above every number, and
// -0 equals 0, as in PostgreSQL's float comparison operators.

import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { formatFloat4, formatFloat8 } from "./float-format.ts";
import { parseFloat4Text, parseFloat8Text } from "./float-parse.ts";
import { hashFloat64 } from "./hash.ts";
import type { SqlType } from "./type.ts";

export function compareFloats(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function floatsEqual(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

export function hashFloat(value: number): number {
  // -0 === 0 and all NaNs are one value for equality, so they must hash alike.
  return hashFloat64(value === 0 ? 0 : Number.isNaN(value) ? NaN : value);
}

function readFixed(bytes: Uint8Array, read: (reader: ByteReader) => number): number {
  const reader = new ByteReader(bytes);
  const value = read(reader);
  reader.end();
  return value;
}

export const float4Type: SqlType<number> = {
  oid: Oid.float4,
  typname: "float4",
  sqlName: "real",
  typlen: 4,
  category: "N",
  preferred: false,
  arrayOid: ArrayOid.float4,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseFloat4Text(text),
  format: (value) => formatFloat4(value),
  decodeBinary: (bytes) => readFixed(bytes, (r) => r.f32()),
  encodeBinary: (value) => new ByteWriter(4).f32(value).finish(),
  compare: compareFloats,
  equals: floatsEqual,
  hash: hashFloat,
  accepts: (value): value is number => typeof value === "number" && (Number.isNaN(value) || Math.fround(value) === value),
};

export const float8Type: SqlType<number> = {
  oid: Oid.float8,
  typname: "float8",
  sqlName: "double precision",
  typlen: 8,
  category: "N",
  preferred: true,
  arrayOid: ArrayOid.float8,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseFloat8Text(text),
  format: (value) => formatFloat8(value),
  decodeBinary: (bytes) => readFixed(bytes, (r) => r.f64()),
  encodeBinary: (value) => new ByteWriter(8).f64(value).finish(),
  compare: compareFloats,
  equals: floatsEqual,
  hash: hashFloat,
  accepts: (value): value is number => typeof value === "number",
};
