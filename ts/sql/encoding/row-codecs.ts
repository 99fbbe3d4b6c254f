// The row format of every type (see row-scalar-codecs.ts, row-jsonb-codec.ts and
// row-array-codec.ts), looked up by type.

import { Oid } from "../types/oids.ts";
import { elementTypeOf } from "../types/registry.ts";
import type { SqlType } from "../types/type.ts";
import { arrayCodec } from "./row-array-codec.ts";
import { jsonbCodec } from "./row-jsonb-codec.ts";
import * as scalar from "./row-scalar-codecs.ts";

export { writeLengthPrefixed, type StorageCodec } from "./row-scalar-codecs.ts";

const codecs = new Map<number, scalar.StorageCodec>([
  [Oid.bool, scalar.boolCodec],
  [Oid.char, scalar.charCodec],
  [Oid.int2, scalar.int2Codec],
  [Oid.int4, scalar.int4Codec],
  [Oid.int8, scalar.int8Codec],
  [Oid.oid, scalar.oidCodec],
  [Oid.float4, scalar.float4Codec],
  [Oid.float8, scalar.float8Codec],
  [Oid.numeric, scalar.numericCodec],
  [Oid.text, scalar.textCodec],
  [Oid.varchar, scalar.textCodec],
  [Oid.bpchar, scalar.textCodec],
  [Oid.name, scalar.textCodec],
  [Oid.json, scalar.textCodec],
  [Oid.bytea, scalar.byteaCodec],
  [Oid.uuid, scalar.uuidCodec],
  [Oid.date, scalar.int4Codec],
  [Oid.time, scalar.int8Codec],
  [Oid.timestamp, scalar.int8Codec],
  [Oid.timestamptz, scalar.int8Codec],
  [Oid.interval, scalar.intervalCodec],
  [Oid.jsonb, jsonbCodec],
]);

export function storageCodecFor(type: SqlType): scalar.StorageCodec {
  const known = codecs.get(type.oid);
  if (known) return known;
  const element = elementTypeOf(type);
  if (!element) throw new RangeError(`no row format for type ${type.typname}`);
  const codec = arrayCodec(storageCodecFor(element));
  codecs.set(type.oid, codec);
  return codec;
}
