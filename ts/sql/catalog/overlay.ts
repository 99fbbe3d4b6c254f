// A transaction's catalog changes (DDL): copies of the catalogs it changed, visible to that
// transaction only, with every record also written to its engine transaction. On commit the
// copies replace the published catalog; on rollback they are dropped.

import type { Txn } from "../../engine/index.ts";
import { CatalogKind, CLUSTER_DATABASE } from "../keyspace.ts";
import { ClusterCatalog, DatabaseCatalog } from "./catalog.ts";
import type { DatabaseDef, GarbageDef, RoleDef, SchemaDef, SequenceDef, TableDef } from "./defs.ts";
import { writeRecord } from "./store.ts";

export class CatalogOverlay {
  readonly cluster: ClusterCatalog;
  /** Changed database catalogs; null marks a dropped database. */
  readonly databases = new Map<number, DatabaseCatalog | null>();
  /** Storage ranges to delete once the transaction has committed. */
  readonly garbage: number[] = [];
  /** Sequences to forget after commit. */
  readonly droppedSequences: number[] = [];

  constructor(
    base: ClusterCatalog,
    private readonly publishedDatabase: (oid: number) => DatabaseCatalog | undefined,
    private readonly txn: () => Txn,
  ) {
    this.cluster = base.clone();
  }

  /** A copy for savepoints. */
  snapshot(): CatalogOverlay {
    const copy = new CatalogOverlay(this.cluster, this.publishedDatabase, this.txn);
    for (const [oid, catalog] of this.databases) copy.databases.set(oid, catalog ? catalog.clone() : null);
    copy.garbage.push(...this.garbage);
    copy.droppedSequences.push(...this.droppedSequences);
    return copy;
  }

  database(oid: number): DatabaseCatalog | undefined {
    if (this.databases.has(oid)) return this.databases.get(oid) ?? undefined;
    const published = this.publishedDatabase(oid);
    if (!published) return undefined;
    const copy = published.clone();
    this.databases.set(oid, copy);
    return copy;
  }

  private changed(database: number): DatabaseCatalog {
    const catalog = this.database(database);
    if (!catalog) throw new Error(`database ${database} is not in the catalog`);
    catalog.invalidate();
    return catalog;
  }

  putTable(database: number, table: TableDef): void {
    this.changed(database).tables.set(table.oid, table);
    writeRecord(this.txn(), database, CatalogKind.table, table.oid, table);
  }

  deleteTable(database: number, table: TableDef): void {
    this.changed(database).tables.delete(table.oid);
    writeRecord(this.txn(), database, CatalogKind.table, table.oid, null);
    this.addGarbage(table.storage);
  }

  addGarbage(storage: number): void {
    this.garbage.push(storage);
    const record: GarbageDef = { storage };
    writeRecord(this.txn(), CLUSTER_DATABASE, CatalogKind.garbage, storage, record);
  }

  putSequence(database: number, sequence: SequenceDef): void {
    this.changed(database).sequences.set(sequence.oid, sequence);
    writeRecord(this.txn(), database, CatalogKind.sequence, sequence.oid, sequence);
  }

  deleteSequence(database: number, sequence: SequenceDef): void {
    this.changed(database).sequences.delete(sequence.oid);
    writeRecord(this.txn(), database, CatalogKind.sequence, sequence.oid, null);
    this.droppedSequences.push(sequence.oid);
  }

  putSchema(database: number, schema: SchemaDef): void {
    this.changed(database).schemas.set(schema.oid, schema);
    writeRecord(this.txn(), database, CatalogKind.schema, schema.oid, schema);
  }

  deleteSchema(database: number, schema: SchemaDef): void {
    this.changed(database).schemas.delete(schema.oid);
    writeRecord(this.txn(), database, CatalogKind.schema, schema.oid, null);
  }

  createDatabase(def: DatabaseDef, schemas: readonly SchemaDef[]): void {
    this.cluster.databases.set(def.oid, def);
    this.cluster.invalidate();
    writeRecord(this.txn(), CLUSTER_DATABASE, CatalogKind.database, def.oid, def);
    const catalog = new DatabaseCatalog(def, new Map(), new Map(), new Map());
    this.databases.set(def.oid, catalog);
    for (const schema of schemas) this.putSchema(def.oid, schema);
  }

  /** Replaces a database's record (its comment); the database's own catalog is unchanged. */
  putDatabase(def: DatabaseDef): void {
    this.cluster.databases.set(def.oid, def);
    this.cluster.invalidate();
    writeRecord(this.txn(), CLUSTER_DATABASE, CatalogKind.database, def.oid, def);
  }

  dropDatabase(def: DatabaseDef): void {
    const catalog = this.database(def.oid);
    if (catalog) {
      for (const table of [...catalog.tables.values()]) this.deleteTable(def.oid, table);
      for (const sequence of [...catalog.sequences.values()]) this.deleteSequence(def.oid, sequence);
      for (const schema of [...catalog.schemas.values()]) this.deleteSchema(def.oid, schema);
    }
    this.cluster.databases.delete(def.oid);
    this.cluster.invalidate();
    writeRecord(this.txn(), CLUSTER_DATABASE, CatalogKind.database, def.oid, null);
    this.databases.set(def.oid, null);
  }

  putRole(role: RoleDef): void {
    this.cluster.roles.set(role.oid, role);
    this.cluster.invalidate();
    writeRecord(this.txn(), CLUSTER_DATABASE, CatalogKind.role, role.oid, role);
  }

  deleteRole(role: RoleDef): void {
    this.cluster.roles.delete(role.oid);
    this.cluster.invalidate();
    writeRecord(this.txn(), CLUSTER_DATABASE, CatalogKind.role, role.oid, null);
  }
}
