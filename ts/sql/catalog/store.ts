// Reading the catalog from the engine at startup and writing its records in transactions.

import type { Db, Txn } from "../../engine/index.ts";
import { SqlError, SqlState } from "../errors.ts";
import { allCatalogRange, catalogKey, CatalogKind, CLUSTER_DATABASE, parseCatalogKey, type CatalogKindCode } from "../keyspace.ts";
import { ClusterCatalog, DatabaseCatalog } from "./catalog.ts";
import {
  CATALOG_FORMAT,
  type DatabaseDef,
  type GarbageDef,
  type MetaDef,
  type RoleDef,
  type SchemaDef,
  type SequenceDef,
  type TableDef,
} from "./defs.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeRecord(record: object): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

function decodeRecord<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

export interface LoadedCatalog {
  readonly meta: MetaDef | null;
  readonly cluster: ClusterCatalog;
  readonly databases: Map<number, DatabaseCatalog>;
  readonly garbage: GarbageDef[];
}

/** Reads every catalog record (committed data, newest snapshot). */
export function loadCatalog(db: Db): LoadedCatalog {
  const range = allCatalogRange();
  let meta: MetaDef | null = null;
  const databases = new Map<number, DatabaseDef>();
  const roles = new Map<number, RoleDef>();
  const garbage: GarbageDef[] = [];
  const perDatabase = new Map<number, { schemas: Map<number, SchemaDef>; tables: Map<number, TableDef>; sequences: Map<number, SequenceDef> }>();
  const bucket = (database: number) => {
    let found = perDatabase.get(database);
    if (!found) {
      found = { schemas: new Map(), tables: new Map(), sequences: new Map() };
      perDatabase.set(database, found);
    }
    return found;
  };
  const iter = db.scan({ lower: range.lower, upper: range.upper });
  try {
    for (const [key, value] of iter) {
      const { database, kind, oid } = parseCatalogKey(key);
      if (database === CLUSTER_DATABASE) {
        if (kind === CatalogKind.meta) meta = decodeRecord<MetaDef>(value);
        else if (kind === CatalogKind.database) databases.set(oid, decodeRecord<DatabaseDef>(value));
        else if (kind === CatalogKind.role) roles.set(oid, decodeRecord<RoleDef>(value));
        else if (kind === CatalogKind.garbage) garbage.push(decodeRecord<GarbageDef>(value));
        continue;
      }
      const target = bucket(database);
      if (kind === CatalogKind.schema) target.schemas.set(oid, decodeRecord<SchemaDef>(value));
      else if (kind === CatalogKind.table) target.tables.set(oid, decodeRecord<TableDef>(value));
      else if (kind === CatalogKind.sequence) target.sequences.set(oid, decodeRecord<SequenceDef>(value));
    }
  } finally {
    iter.close();
  }
  if (meta && meta.format > CATALOG_FORMAT) {
    throw new SqlError(SqlState.featureNotSupported, `the data directory's catalog format ${meta.format} is newer than this pgz supports (${CATALOG_FORMAT})`);
  }
  const catalogs = new Map<number, DatabaseCatalog>();
  for (const [oid, def] of databases) {
    const parts = bucket(oid);
    catalogs.set(oid, new DatabaseCatalog(def, parts.schemas, parts.tables, parts.sequences));
  }
  return { meta, cluster: new ClusterCatalog(databases, roles), databases: catalogs, garbage };
}

/** Writes (or with null, deletes) one catalog record in a transaction. */
export function writeRecord(txn: Txn, database: number, kind: CatalogKindCode, oid: number, record: object | null): void {
  const key = catalogKey(database, kind, oid);
  if (record === null) txn.delete(key);
  else txn.put(key, encodeRecord(record));
}
