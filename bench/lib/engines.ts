// The two engines behind one small interface, so every workload runs the same code for
// both. pgz goes through its public binding (ts/engine); the peer is bun:sqlite with a
// WITHOUT ROWID table and prepared statements.
import { Database, type Statement } from "bun:sqlite";
import { Db, type DbOptions, type Isolation, type Txn } from "../../ts/engine/index.ts";

export type EngineName = "pgz" | "sqlite";
/** normal: acknowledged without a sync per commit (pgz sync "normal", SQLite
 * synchronous=NORMAL in WAL mode); full: durable at acknowledgement (pgz "full", SQLite
 * synchronous=FULL). */
export type Durability = "normal" | "full";

export type Row = readonly [Uint8Array, Uint8Array];

export interface Engine {
  readonly name: EngineName;
  readonly path: string;
  /** One transaction writing every row (insert or replace). */
  writeBatch(rows: readonly Row[]): Promise<void> | void;
  /** A one-row transaction, committed (and, in full durability, durable) on return. */
  commitOne(key: Uint8Array, value: Uint8Array): Promise<void> | void;
  get(key: Uint8Array): Uint8Array | null;
  /** Visits up to `limit` entries from `lower` (inclusive) in key order; returns how many. */
  scan(lower: Uint8Array | undefined, limit: number, visit?: (key: Uint8Array, value: Uint8Array) => void): number;
  close(): void;
}

export interface PgzSettings {
  isolation: Isolation;
  options?: DbOptions;
}

export class PgzEngine implements Engine {
  readonly name = "pgz";
  readonly db: Db;
  readonly path: string;
  readonly #isolation: Isolation;

  constructor(path: string, durability: Durability, settings: PgzSettings) {
    this.path = path;
    this.#isolation = settings.isolation;
    this.db = Db.open(path, { ...settings.options, sync: durability });
  }

  async writeBatch(rows: readonly Row[]): Promise<void> {
    const txn: Txn = this.db.begin({ isolation: this.#isolation });
    txn.writeBatch(rows);
    await txn.commit();
  }

  async commitOne(key: Uint8Array, value: Uint8Array): Promise<void> {
    const txn = this.db.begin({ isolation: this.#isolation });
    txn.put(key, value);
    await txn.commit();
  }

  get(key: Uint8Array): Uint8Array | null {
    return this.db.get(key);
  }

  scan(lower: Uint8Array | undefined, limit: number, visit?: (key: Uint8Array, value: Uint8Array) => void): number {
    const iter = this.db.scan(lower ? { lower } : {});
    let count = 0;
    try {
      while (count < limit) {
        const next = iter.next();
        if (next.done) break;
        visit?.(next.value[0], next.value[1]);
        count++;
      }
    } finally {
      iter.close();
    }
    return count;
  }

  close(): void {
    this.db.close();
  }
}

export const sqliteTable = "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY NOT NULL, v BLOB NOT NULL) WITHOUT ROWID";

/** Opens a bun:sqlite connection with the benchmark's settings. */
export function openSqlite(path: string, durability: Durability, cacheSizeBytes: number): Database {
  const db = new Database(path, { create: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run(`PRAGMA synchronous = ${durability === "full" ? "FULL" : "NORMAL"}`);
  db.run(`PRAGMA cache_size = ${-Math.floor(cacheSizeBytes / 1024)}`);
  db.run("PRAGMA busy_timeout = 60000");
  db.run(sqliteTable);
  return db;
}

export class SqliteEngine implements Engine {
  readonly name = "sqlite";
  readonly db: Database;
  readonly path: string;
  readonly #begin: Statement;
  readonly #commit: Statement;
  readonly #upsert: Statement;
  readonly #get: Statement<{ v: Uint8Array }>;
  readonly #scanFrom: Statement<{ k: Uint8Array; v: Uint8Array }>;
  readonly #scanAll: Statement<{ k: Uint8Array; v: Uint8Array }>;

  constructor(path: string, durability: Durability, cacheSizeBytes: number) {
    this.path = path;
    this.db = openSqlite(path, durability, cacheSizeBytes);
    this.#begin = this.db.prepare("BEGIN");
    this.#commit = this.db.prepare("COMMIT");
    this.#upsert = this.db.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
    this.#get = this.db.prepare("SELECT v FROM kv WHERE k = ?");
    this.#scanFrom = this.db.prepare("SELECT k, v FROM kv WHERE k >= ? ORDER BY k");
    this.#scanAll = this.db.prepare("SELECT k, v FROM kv ORDER BY k");
  }

  writeBatch(rows: readonly Row[]): void {
    this.#begin.run();
    try {
      for (const [key, value] of rows) this.#upsert.run(key, value);
      this.#commit.run();
    } catch (error) {
      this.db.run("ROLLBACK");
      throw error;
    }
  }

  /** Autocommit: one statement, one transaction. */
  commitOne(key: Uint8Array, value: Uint8Array): void {
    this.#upsert.run(key, value);
  }

  get(key: Uint8Array): Uint8Array | null {
    return this.#get.get(key)?.v ?? null;
  }

  scan(lower: Uint8Array | undefined, limit: number, visit?: (key: Uint8Array, value: Uint8Array) => void): number {
    // No LIMIT clause: like pgz's iterator, the statement is stepped until the caller stops.
    const rows = lower ? this.#scanFrom.iterate(lower) : this.#scanAll.iterate();
    let count = 0;
    for (const row of rows) {
      visit?.(row.k, row.v);
      if (++count >= limit) break;
    }
    return count;
  }

  close(): void {
    this.db.close(false);
  }
}
