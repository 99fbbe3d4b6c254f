// Array binary format (array_send/array_recv): ndim, has-null flag, element type OID, then
// (length, lower bound) per dimension and each element as int32 length (-1 = NULL) + bytes.

import { SqlError, SqlState } from "../errors.ts";
import { ARRAY_DIMENSIONS_MAX, PgArray, tooManyDimensions } from "./array.ts";
import { ByteReader, ByteWriter } from "./bytes.ts";
import { invalidBinary } from "./input-errors.ts";
import type { ScalarDatum } from "./value.ts";

/** OIDs below this are built-in; only then is an element type mismatch worth reporting. */
const FIRST_GENBKI_OBJECT_ID = 10000;

export function encodeArrayBinary<T extends ScalarDatum>(
  value: PgArray<T>,
  elementOid: number,
  encodeElement: (element: T) => Uint8Array,
): Uint8Array {
  const writer = new ByteWriter(20 + value.elements.length * 8);
  writer.i32(value.ndims).i32(value.elements.includes(null) ? 1 : 0).u32(elementOid);
  value.dims.forEach((length, i) => writer.i32(length).i32(value.lowerBounds[i]!));
  for (const element of value.elements) {
    if (element === null) {
      writer.i32(-1);
      continue;
    }
    const bytes = encodeElement(element);
    writer.i32(bytes.length).bytes(bytes);
  }
  return writer.finish();
}

function readHeader(reader: ByteReader, elementOid: number, elementName: (oid: number) => string) {
  const ndims = reader.i32();
  if (ndims < 0) throw invalidBinary(`invalid number of dimensions: ${ndims}`);
  if (ndims > ARRAY_DIMENSIONS_MAX) throw tooManyDimensions(ndims);
  const flags = reader.i32();
  if (flags !== 0 && flags !== 1) throw invalidBinary("invalid array flags");
  const sentOid = reader.u32();
  if (sentOid !== elementOid && sentOid < FIRST_GENBKI_OBJECT_ID && elementOid < FIRST_GENBKI_OBJECT_ID) {
    throw new SqlError(
      SqlState.datatypeMismatch,
      `binary data has array element type ${sentOid} (${elementName(sentOid)}) instead of expected ${elementOid} (${elementName(elementOid)})`,
    );
  }
  const dims: number[] = [];
  const lowerBounds: number[] = [];
  for (let i = 0; i < ndims; i++) {
    dims.push(reader.i32());
    lowerBounds.push(reader.i32());
  }
  return { dims, lowerBounds };
}

function checkBounds(dims: readonly number[], lowerBounds: readonly number[]): number {
  let count = dims.length === 0 ? 0 : 1;
  for (let i = 0; i < dims.length; i++) {
    const length = dims[i]!;
    if (length < 0) throw new SqlError(SqlState.programLimitExceeded, "array size exceeds the maximum allowed (134217727)");
    if (lowerBounds[i]! + length - 1 > 2147483647) {
      throw new SqlError(SqlState.programLimitExceeded, "array lower bound is too large");
    }
    count *= length;
  }
  if (count > 134217727) throw new SqlError(SqlState.programLimitExceeded, "array size exceeds the maximum allowed (134217727)");
  return count;
}

export function decodeArrayBinary<T extends ScalarDatum>(
  bytes: Uint8Array,
  elementOid: number,
  decodeElement: (bytes: Uint8Array) => T,
  elementName: (oid: number) => string,
): PgArray<T> {
  const reader = new ByteReader(bytes);
  const { dims, lowerBounds } = readHeader(reader, elementOid, elementName);
  const count = checkBounds(dims, lowerBounds);
  const elements: (T | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = reader.i32();
    if (length < -1 || length > reader.remaining) throw invalidBinary("insufficient data left in message");
    if (length === -1) {
      elements.push(null);
      continue;
    }
    try {
      elements.push(decodeElement(reader.bytes(length)));
    } catch (error) {
      if (error instanceof SqlError && error.message === "incorrect binary data format") {
        throw invalidBinary(`improper binary format in array element ${i + 1}`);
      }
      throw error;
    }
  }
  reader.end();
  return count === 0 ? new PgArray<T>([]) : new PgArray<T>(elements, dims, lowerBounds);
}
