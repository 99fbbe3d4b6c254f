// smallint, integer, bigint and oid: text input as pg_strtoint16/32/64, big-endian binary.

import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { hashInteger } from "./hash.ts";
import { invalidSyntax, valueOutOfRange } from "./input-errors.ts";
import { isDigitCode, isSpaceCode } from "./text-scan.ts";
import type { SqlType } from "./type.ts";

export const INT2_MIN = -32768;
export const INT2_MAX = 32767;
export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;
export const OID_MAX = 4294967295;

/** Splits "  -123 " into sign and digits; null when it is not an optionally signed digit run. */
function scanInteger(text: string): { negative: boolean; digits: string } | null {
  let start = 0;
  let end = text.length;
  while (start < end && isSpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(text.charCodeAt(end - 1))) end--;
  let negative = false;
  const sign = text.charCodeAt(start);
  if (sign === 45 || sign === 43) {
    negative = sign === 45;
    start++;
  }
  if (start === end) return null;
  for (let i = start; i < end; i++) if (!isDigitCode(text.charCodeAt(i))) return null;
  return { negative, digits: text.slice(start, end) };
}

/** Integer text input for widths that fit a double exactly (int2, int4). */
function parseSmallInteger(text: string, typeName: string, min: number, max: number): number {
  const scanned = scanInteger(text);
  if (scanned === null) throw invalidSyntax(typeName, text);
  // More than 15 digits cannot be in range whatever the leading zeros; avoid imprecise doubles.
  const digits = scanned.digits.replace(/^0+(?=\d)/, "");
  const magnitude = digits.length > 15 ? Infinity : Number(digits);
  const value = scanned.negative ? -magnitude : magnitude;
  if (value < min || value > max) throw valueOutOfRange(typeName, text);
  return value === 0 ? 0 : value;
}

export function parseInt2Text(text: string): number {
  return parseSmallInteger(text, "smallint", INT2_MIN, INT2_MAX);
}

export function parseInt4Text(text: string): number {
  return parseSmallInteger(text, "integer", INT4_MIN, INT4_MAX);
}

export function parseInt8Text(text: string): bigint {
  const scanned = scanInteger(text);
  if (scanned === null) throw invalidSyntax("bigint", text);
  const magnitude = BigInt(scanned.digits);
  const value = scanned.negative ? -magnitude : magnitude;
  if (value < INT8_MIN || value > INT8_MAX) throw valueOutOfRange("bigint", text);
  return value;
}

/** oidin: unsigned 32-bit, and like strtoul it also takes negative int32 values, wrapped. */
export function parseOidText(text: string): number {
  const scanned = scanInteger(text);
  if (scanned === null) throw invalidSyntax("oid", text);
  const digits = scanned.digits.replace(/^0+(?=\d)/, "");
  const magnitude = digits.length > 15 ? Infinity : Number(digits);
  if (scanned.negative) {
    if (magnitude > 2147483648) throw valueOutOfRange("oid", text);
    return magnitude === 0 ? 0 : OID_MAX + 1 - magnitude;
  }
  if (magnitude > OID_MAX) throw valueOutOfRange("oid", text);
  return magnitude;
}

const compareNumbers = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);
const compareBigints = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const isInteger = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);

function readFixed<T>(bytes: Uint8Array, read: (reader: ByteReader) => T): T {
  const reader = new ByteReader(bytes);
  const value = read(reader);
  reader.end();
  return value;
}

export const int2Type: SqlType<number> = {
  oid: Oid.int2,
  typname: "int2",
  sqlName: "smallint",
  typlen: 2,
  category: "N",
  preferred: false,
  arrayOid: ArrayOid.int2,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseInt2Text(text),
  format: (value) => String(value),
  decodeBinary: (bytes) => readFixed(bytes, (r) => r.i16()),
  encodeBinary: (value) => new ByteWriter(2).i16(value).finish(),
  compare: compareNumbers,
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: (value): value is number => isInteger(value) && value >= INT2_MIN && value <= INT2_MAX,
};

export const int4Type: SqlType<number> = {
  oid: Oid.int4,
  typname: "int4",
  sqlName: "integer",
  typlen: 4,
  category: "N",
  preferred: false,
  arrayOid: ArrayOid.int4,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseInt4Text(text),
  format: (value) => String(value),
  decodeBinary: (bytes) => readFixed(bytes, (r) => r.i32()),
  encodeBinary: (value) => new ByteWriter(4).i32(value).finish(),
  compare: compareNumbers,
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: (value): value is number => isInteger(value) && value >= INT4_MIN && value <= INT4_MAX,
};

export const int8Type: SqlType<bigint> = {
  oid: Oid.int8,
  typname: "int8",
  sqlName: "bigint",
  typlen: 8,
  category: "N",
  preferred: false,
  arrayOid: ArrayOid.int8,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseInt8Text(text),
  format: (value) => value.toString(),
  decodeBinary: (bytes) => readFixed(bytes, (r) => r.i64()),
  encodeBinary: (value) => new ByteWriter(8).i64(value).finish(),
  compare: compareBigints,
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: (value): value is bigint => typeof value === "bigint" && value >= INT8_MIN && value <= INT8_MAX,
};

export const oidType: SqlType<number> = {
  oid: Oid.oid,
  typname: "oid",
  sqlName: "oid",
  typlen: 4,
  category: "N",
  preferred: true,
  arrayOid: ArrayOid.oid,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseOidText(text),
  format: (value) => String(value),
  decodeBinary: (bytes) => readFixed(bytes, (r) => r.u32()),
  encodeBinary: (value) => new ByteWriter(4).u32(value).finish(),
  compare: compareNumbers,
  equals: (a, b) => a === b,
  hash: (value) => hashInteger(value),
  accepts: (value): value is number => isInteger(value) && value >= 0 && value <= OID_MAX,
};
