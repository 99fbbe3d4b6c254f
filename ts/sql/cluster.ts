// The state every session shares: the open engine, the published catalog and its version,
// row locks, sequences, the OID counter, cached plans, and deletion of dropped tables' rows.

import { randomBytes } from "node:crypto";
import { Db, type DbOptions } from "../engine/index.ts";
import { createScramVerifier } from "../pgwire/scram.ts";
import { ClusterCatalog, DatabaseCatalog } from "./catalog/catalog.ts";
import { CATALOG_FORMAT, predefinedRoles, WellKnownOid, type DatabaseDef, type MetaDef, type RoleDef, type SchemaDef } from "./catalog/defs.ts";
import type { CatalogOverlay } from "./catalog/overlay.ts";
import { loadCatalog, writeRecord } from "./catalog/store.ts";
import { catalogKey, CatalogKind, CLUSTER_DATABASE, storageRange } from "./keyspace.ts";
import { LockManager } from "./lock-manager.ts";
import { SequenceManager } from "./sequences.ts";
import { initParser } from "./parser.ts";
import { PlanCache } from "./statement.ts";

/** OIDs and storage ids come from one counter kept like a sequence (key 0x03 00000000). */
const OID_COUNTER = 0;
const OID_OPTIONS = { name: "oid counter", start: BigInt(WellKnownOid.firstNormal), increment: 1n, min: 1n, max: 4294967295n, cycle: false };

/**
 * The standard schemas of a new database, as initdb makes them in PostgreSQL 15: pg_database_owner
 * owns public, everyone may use (not create in) each of them, and they carry initdb's comments.
 */
export function standardSchemas(): SchemaDef[] {
  const usable = (owner: number) => [
    { grantee: owner, grantor: owner, privileges: "UC" },
    { grantee: 0, grantor: owner, privileges: "U" },
  ];
  const superuser = WellKnownOid.bootstrapSuperuser;
  const databaseOwner = WellKnownOid.pgDatabaseOwner;
  return [
    { oid: WellKnownOid.pgCatalog, name: "pg_catalog", owner: superuser, acl: usable(superuser), comment: "system catalog schema" },
    { oid: WellKnownOid.public, name: "public", owner: databaseOwner, acl: usable(databaseOwner), comment: "standard public schema" },
    { oid: WellKnownOid.informationSchema, name: "information_schema", owner: superuser, acl: usable(superuser) },
  ];
}

/**
 * The databases initdb makes: template1 and template0 (whose ACL revokes CREATE and
 * TEMPORARY from PUBLIC, so it reads =c/postgres, postgres=CTc/postgres) and postgres.
 */
function initialDatabases(owner: number): DatabaseDef[] {
  const acl = [
    { grantee: 0, grantor: owner, privileges: "c" },
    { grantee: owner, grantor: owner, privileges: "CTc" },
  ];
  return [
    { oid: WellKnownOid.templateDatabase, name: "template1", owner, template: true, acl, comment: "default template for new databases" },
    { oid: WellKnownOid.template0Database, name: "template0", owner, template: true, allowConnections: false, acl, comment: "unmodifiable empty database" },
    { oid: WellKnownOid.postgresDatabase, name: "postgres", owner, comment: "default administrative connection database" },
  ];
}

export interface ClusterLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface BootstrapOptions {
  /** Password of the bootstrap superuser "postgres" (first start only); none: no password. */
  readonly password?: string | null;
}

const GARBAGE_BATCH_KEYS = 10_000;

export class Cluster {
  catalog: ClusterCatalog;
  readonly databases: Map<number, DatabaseCatalog>;
  /** Bumped whenever a transaction with DDL commits; cached plans carry it. */
  version = 1;
  readonly locks = new LockManager();
  readonly sequences: SequenceManager;
  readonly scramSecret: Uint8Array;
  /** Sessions per database OID (DROP DATABASE refuses while any is connected). */
  readonly connected = new Map<number, number>();
  private readonly planCaches = new Map<number, PlanCache>();
  private garbageRunning: Promise<void> | null = null;
  private readonly garbageQueue: number[] = [];
  private closed = false;

  private constructor(
    readonly db: Db,
    loaded: ReturnType<typeof loadCatalog>,
    readonly log: ClusterLog,
  ) {
    this.catalog = loaded.cluster;
    this.databases = loaded.databases;
    this.sequences = new SequenceManager(db, (error) => log.warn({ err: error.message }, "could not persist a sequence high-water mark"));
    this.scramSecret = Buffer.from(loaded.meta?.scramSecret ?? "", "hex");
    for (const garbage of loaded.garbage) this.garbageQueue.push(garbage.storage);
  }

  /** Opens (and on first start initializes) the data directory. */
  static async open(path: string, options: DbOptions, bootstrap: BootstrapOptions, log: ClusterLog): Promise<Cluster> {
    await initParser();
    const db = Db.open(path, options);
    try {
      let loaded = loadCatalog(db);
      if (!loaded.meta) {
        await Cluster.bootstrap(db, bootstrap);
        loaded = loadCatalog(db);
      }
      const cluster = new Cluster(db, loaded, log);
      cluster.collectGarbage();
      return cluster;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private static async bootstrap(db: Db, options: BootstrapOptions): Promise<void> {
    const verifier = options.password ? await createScramVerifier(options.password) : null;
    const meta: MetaDef = { format: CATALOG_FORMAT, scramSecret: randomBytes(32).toString("hex") };
    const role: RoleDef = {
      oid: WellKnownOid.bootstrapSuperuser,
      name: "postgres",
      superuser: true,
      login: true,
      createdb: true,
      createrole: true,
      verifier,
    };
    const txn = db.begin({ isolation: "snapshot" });
    try {
      writeRecord(txn, CLUSTER_DATABASE, CatalogKind.meta, 0, meta);
      writeRecord(txn, CLUSTER_DATABASE, CatalogKind.role, role.oid, role);
      for (const { oid, name } of predefinedRoles) {
        const predefined: RoleDef = { oid, name, superuser: false, login: false, createdb: false, createrole: false, verifier: null };
        writeRecord(txn, CLUSTER_DATABASE, CatalogKind.role, oid, predefined);
      }
      for (const database of initialDatabases(role.oid)) {
        writeRecord(txn, CLUSTER_DATABASE, CatalogKind.database, database.oid, database);
        for (const schema of standardSchemas()) writeRecord(txn, database.oid, CatalogKind.schema, schema.oid, schema);
      }
    } catch (error) {
      txn.abort();
      throw error;
    }
    await txn.commit();
  }

  /** A new OID (tables, indexes, sequences, schemas, ...) or storage id; never reused. */
  allocateOid(): number {
    return Number(this.sequences.nextval(OID_COUNTER, OID_OPTIONS));
  }

  /** Plans cached by statement text, per database. */
  planCache(database: number): PlanCache {
    let cache = this.planCaches.get(database);
    if (!cache) {
      cache = new PlanCache();
      this.planCaches.set(database, cache);
    }
    return cache;
  }

  database(oid: number): DatabaseCatalog | undefined {
    return this.databases.get(oid);
  }

  /** Makes a committed transaction's catalog changes visible to everyone. */
  publish(overlay: CatalogOverlay): void {
    this.catalog = overlay.cluster;
    this.catalog.invalidate();
    for (const [oid, catalog] of overlay.databases) {
      if (catalog === null) this.databases.delete(oid);
      else {
        catalog.invalidate();
        this.databases.set(oid, catalog);
      }
    }
    for (const sequence of overlay.droppedSequences) this.sequences.forget(sequence);
    this.version++;
    if (overlay.garbage.length > 0) {
      this.garbageQueue.push(...overlay.garbage);
      this.collectGarbage();
    }
  }

  /** Deletes dropped and truncated tables' rows in the background, in batches. */
  collectGarbage(): void {
    if (this.garbageRunning || this.garbageQueue.length === 0 || this.closed) return;
    this.garbageRunning = (async () => {
      while (this.garbageQueue.length > 0 && !this.closed) {
        const storage = this.garbageQueue[0]!;
        try {
          await this.deleteStorage(storage);
        } catch (error) {
          if (!this.closed) this.log.warn({ storage, err: (error as Error).message }, "could not delete a dropped table's rows");
          break;
        }
        this.garbageQueue.shift();
      }
    })().finally(() => {
      this.garbageRunning = null;
    });
  }

  private async deleteStorage(storage: number): Promise<void> {
    const range = storageRange(storage);
    for (;;) {
      if (this.closed) return;
      const keys: Uint8Array[] = [];
      const iter = this.db.scan({ lower: range.lower, upper: range.upper });
      try {
        for (const [key] of iter) {
          keys.push(key);
          if (keys.length >= GARBAGE_BATCH_KEYS) break;
        }
      } finally {
        iter.close();
      }
      const txn = this.db.begin({ isolation: "unchecked" });
      if (keys.length > 0) txn.writeBatch(keys.map((key) => [key, null] as const));
      if (keys.length < GARBAGE_BATCH_KEYS) txn.delete(catalogKey(CLUSTER_DATABASE, CatalogKind.garbage, storage));
      await txn.commit();
      if (keys.length < GARBAGE_BATCH_KEYS) return;
      // Let statements run between batches.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Waits for background deletion to pause, then closes the engine. */
  async close(): Promise<void> {
    this.closed = true;
    await this.garbageRunning?.catch(() => {});
    await this.sequences.persistExact().catch((error: Error) => this.log.warn({ err: error.message }, "could not record sequence positions"));
    this.db.close();
  }
}
