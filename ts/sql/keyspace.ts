// The layout of pgz's data in the engine's single, byte-ordered keyspace.
//
//   0x01 <database oid u32> <kind u8> <object oid u32>      catalog rows (JSON documents)
//        database oid 0 holds cluster-wide rows: kind 'D' databases, 'R' roles, 'M' meta
//        (the catalog format and the OID counter's high-water mark) and 'G' storage
//        awaiting deletion; each database holds 'N' schemas, 'T' tables (columns,
//        constraints and indexes in one document) and 'S' sequences.
//   0x02 <storage id u32> <index id u16> <key>              table data
//        index 0 is the primary key: key = order-preserving encoding of the primary key
//        columns (ts/sql/encoding/key.ts), or of a hidden int8 row id when the table has
//        no primary key; value = the row encoding (ts/sql/encoding/row.ts).
//        index n > 0 is a secondary index: unique → key = encoded index columns, value =
//        encoded primary key; non-unique → key = encoded index columns ++ encoded primary
//        key, value empty. A unique index entry with a NULL column is stored like a
//        non-unique one (NULLs never conflict, as in PostgreSQL).
//   0x03 <sequence oid u32>                                 sequence state: the high-water
//        mark (int8 BE) below which values may have been handed out, and is_called (u8)
//
// A table's storage id is separate from its OID: TRUNCATE gives the table a fresh storage
// id (the old range is deleted after commit), and DROP TABLE / DROP DATABASE record their
// ranges under 'G' in the same transaction so a crash before the deletion finishes is
// resumed at the next start. Storage ids and OIDs come from one cluster-wide counter, so a
// range is never reused; each database's catalog lives under its own prefix.

export const CATALOG_PREFIX = 0x01;
export const DATA_PREFIX = 0x02;
export const SEQUENCE_PREFIX = 0x03;

/** Catalog row kinds. */
export const CatalogKind = {
  database: 0x44, // 'D'
  role: 0x52, // 'R'
  meta: 0x4d, // 'M'
  garbage: 0x47, // 'G'
  schema: 0x4e, // 'N'
  table: 0x54, // 'T'
  sequence: 0x53, // 'S'
} as const;

export type CatalogKindCode = (typeof CatalogKind)[keyof typeof CatalogKind];

/** The cluster-wide part of the catalog uses database oid 0. */
export const CLUSTER_DATABASE = 0;

export function catalogKey(database: number, kind: CatalogKindCode, oid: number): Uint8Array {
  const key = new Uint8Array(10);
  const view = new DataView(key.buffer);
  key[0] = CATALOG_PREFIX;
  view.setUint32(1, database);
  key[5] = kind;
  view.setUint32(6, oid);
  return key;
}

/** [lower, upper) of every catalog row of one database (or of the cluster, database 0). */
export function catalogRange(database: number): { lower: Uint8Array; upper: Uint8Array } {
  const lower = new Uint8Array(5);
  lower[0] = CATALOG_PREFIX;
  new DataView(lower.buffer).setUint32(1, database);
  const upper = new Uint8Array(5);
  upper[0] = CATALOG_PREFIX;
  new DataView(upper.buffer).setUint32(1, database + 1);
  return { lower, upper };
}

/** The whole catalog. */
export function allCatalogRange(): { lower: Uint8Array; upper: Uint8Array } {
  return { lower: Uint8Array.of(CATALOG_PREFIX), upper: Uint8Array.of(CATALOG_PREFIX + 1) };
}

/** Parses a catalog key back into its parts. */
export function parseCatalogKey(key: Uint8Array): { database: number; kind: number; oid: number } {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return { database: view.getUint32(1), kind: key[5]!, oid: view.getUint32(6) };
}

export const INDEX_PREFIX_BYTES = 7;

/** 0x02 <storage> <index>: the prefix of every key of one index (0 = primary). */
export function indexPrefix(storage: number, index: number): Uint8Array {
  const prefix = new Uint8Array(INDEX_PREFIX_BYTES);
  prefix[0] = DATA_PREFIX;
  const view = new DataView(prefix.buffer);
  view.setUint32(1, storage);
  view.setUint16(5, index);
  return prefix;
}

/** [lower, upper) of one index's keys. */
export function indexRange(storage: number, index: number): { lower: Uint8Array; upper: Uint8Array } {
  const lower = indexPrefix(storage, index);
  const upper = index < 0xffff ? indexPrefix(storage, index + 1) : indexPrefix(storage + 1, 0);
  return { lower, upper };
}

/** [lower, upper) of a table's storage: its rows and every index. */
export function storageRange(storage: number): { lower: Uint8Array; upper: Uint8Array } {
  return { lower: indexPrefix(storage, 0), upper: indexPrefix(storage + 1, 0) };
}

export function sequenceKey(oid: number): Uint8Array {
  const key = new Uint8Array(5);
  key[0] = SEQUENCE_PREFIX;
  new DataView(key.buffer).setUint32(1, oid);
  return key;
}
