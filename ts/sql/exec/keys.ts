// Building engine keys for index lookups from values of possibly different types (an int8
// parameter probing an int4 key), and finding the primary key inside an index entry.

import { SqlError, SqlState } from "../errors.ts";
import type { SqlType, SqlValue, TypeContext, Datum } from "../types/index.ts";
import { decodeKeyColumn, encodeKeyColumn, KeyReader, KeyWriter, prefixEnd } from "../encoding/key.ts";
import { probeValue } from "../encoding/probe.ts";
import { INDEX_PREFIX_BYTES } from "../keyspace.ts";
import type { IndexRuntime } from "../table-runtime.ts";

const writer = new KeyWriter(128);

/**
 * The key of `values` on the first parts of an index (with its prefix), or null when a value
 * cannot equal any key (NULL, or 1.5 probing an integer column).
 */
export function probeKey(index: IndexRuntime, values: readonly SqlValue[], types: readonly SqlType[], ctx: TypeContext): Uint8Array | null {
  writer.length = 0;
  writer.append(index.prefix);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value === null) return null;
    const part = index.parts[i]!;
    const type = types[i]!;
    if (type.oid === part.key.type.oid) encodeKeyColumn(part.key, value, writer);
    else {
      const probe = probeValue(value as Datum, type, part.key.type, ctx);
      if (probe.comparison !== 0) return null;
      encodeKeyColumn(part.key, probe.value, writer);
    }
  }
  return writer.bytes.slice(0, writer.length);
}

/** A range bound on part `at` after an equality prefix: [key, inclusive?] adjusted for inexact probes. */
export function boundKey(
  index: IndexRuntime,
  prefix: Uint8Array,
  at: number,
  value: SqlValue,
  type: SqlType,
  side: "lower" | "upper",
  inclusive: boolean,
  ctx: TypeContext,
): Uint8Array | "empty" | "none" {
  if (value === null) return "empty";
  const part = index.parts[at]!;
  let converted = value as Datum;
  let comparison = 0;
  if (type.oid !== part.key.type.oid) {
    const probe = probeValue(value as Datum, type, part.key.type, ctx);
    converted = probe.value;
    comparison = probe.comparison;
  }
  writer.length = 0;
  writer.append(prefix);
  encodeKeyColumn(part.key, converted, writer);
  const key = writer.bytes.slice(0, writer.length);
  // Whether keys equal to `converted` are inside the range.
  let includeEqual: boolean;
  if (side === "lower") includeEqual = comparison < 0 || (comparison === 0 && inclusive);
  else includeEqual = comparison > 0 || (comparison === 0 && inclusive);
  if (side === "lower") return includeEqual ? key : (prefixEnd(key) ?? "empty");
  return includeEqual ? (prefixEnd(key) ?? "none") : key;
}

/** The primary key suffix stored in a secondary index entry. */
export function primaryKeyOfEntry(index: IndexRuntime, key: Uint8Array, value: Uint8Array): Uint8Array {
  if (value.length > 0) return value;
  const reader = new KeyReader(key);
  reader.offset = INDEX_PREFIX_BYTES;
  for (const part of index.parts) decodeKeyColumn(part.key, reader);
  if (reader.offset > key.length) throw new SqlError(SqlState.indexCorrupted, `index "${index.def.name}" has a malformed entry`);
  return key.subarray(reader.offset);
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
