// One SQL transaction: its engine transaction (begun on first use, with the isolation its
// level maps to), row locks, catalog changes, savepoints, and commit/rollback. READ
// COMMITTED takes a fresh snapshot per statement; REPEATABLE READ and SERIALIZABLE keep one.
// Row locks are held until the commit is durable (as PostgreSQL holds them until its commit
// record is flushed): whoever locks a row next reads only durable data, so nothing a client
// is shown can be undone by a crash or a failed commit.

import { ConflictError, type Iter, type Txn } from "../engine/index.ts";
import { SqlError, SqlState } from "./errors.ts";
import type { Cluster } from "./cluster.ts";
import { CatalogOverlay } from "./catalog/overlay.ts";
import type { DatabaseCatalog } from "./catalog/catalog.ts";
import { CATALOG_LOCK, type LockOwner, type WaitLimits } from "./lock-manager.ts";
import type { RowReader } from "./exec/context.ts";

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export function parseIsolation(text: string): IsolationLevel {
  const level = text.toLowerCase();
  if (level === "read uncommitted" || level === "read committed") return "read committed";
  if (level === "repeatable read") return "repeatable read";
  if (level === "serializable") return "serializable";
  throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "transaction_isolation": "${text}"`, {
    hint: "Available values: serializable, repeatable read, read committed, read uncommitted.",
  });
}

interface Savepoint {
  readonly name: string;
  readonly engine: bigint | null;
  readonly overlay: CatalogOverlay | null;
}

const UNIX_EPOCH_MICROS = -946684800000000n;

export function nowMicros(): bigint {
  return BigInt(Math.round(performance.timeOrigin * 1000 + performance.now() * 1000)) + UNIX_EPOCH_MICROS;
}

export class Transaction {
  private engineTxn: Txn | null = null;
  readonly owner: LockOwner;
  overlay: CatalogOverlay | null = null;
  private savepoints: Savepoint[] = [];
  private openIters = new Set<Iter>();
  /** Anything written (rows, catalog) that needs a commit. */
  wrote = false;
  /** Set by SET TRANSACTION before the first statement. */
  isolation: IsolationLevel;
  /** The level as the client named it (READ UNCOMMITTED behaves as READ COMMITTED). */
  isolationName: string;
  readOnly: boolean;
  /** Statements have run (SET TRANSACTION ISOLATION LEVEL must come first). */
  started = false;
  readonly startedAt = nowMicros();

  constructor(
    private readonly cluster: Cluster,
    readonly databaseOid: number,
    isolation: IsolationLevel,
    readOnly: boolean,
    /** An explicit BEGIN block (else an implicit transaction). */
    public explicit: boolean,
  ) {
    this.owner = cluster.locks.newOwner();
    this.isolation = isolation;
    this.isolationName = isolation;
    this.readOnly = readOnly;
  }

  get hasEngineTxn(): boolean {
    return this.engineTxn !== null;
  }

  /** The engine transaction, begun on first use. */
  engine(): Txn {
    if (!this.engineTxn) {
      const isolation = this.isolation === "serializable" ? "serializable" : this.isolation === "repeatable read" ? "snapshot" : "unchecked";
      this.engineTxn = this.cluster.db.begin({ isolation, readOnly: this.readOnly && false });
    }
    return this.engineTxn;
  }

  /**
   * The newest version of a key this transaction holds the lock on: its own write, else the
   * newest committed version. Every earlier holder's commit is durable by the time the lock
   * is granted (see commit()), so this never returns a value that could still be lost.
   */
  latest(key: Uint8Array): Uint8Array | null {
    return this.engine().get(key, { latest: true });
  }

  /** Statement start: READ COMMITTED sees everything committed so far. */
  beginStatement(): void {
    this.started = true;
    if (this.engineTxn && this.isolation === "read committed") this.engineTxn.refresh();
  }

  /** The catalog this transaction sees. */
  catalog(): DatabaseCatalog {
    const own = this.overlay?.database(this.databaseOid);
    if (own) return own;
    const published = this.cluster.database(this.databaseOid);
    if (!published) throw new SqlError(SqlState.invalidCatalogName, "the current database was dropped", { severity: "FATAL" });
    return published;
  }

  /** Starts DDL: takes the catalog lock and a private copy of the catalog. */
  async beginDdl(limits: WaitLimits | null): Promise<CatalogOverlay> {
    if (this.overlay) return this.overlay;
    const granted = this.cluster.locks.acquire(this.owner, CATALOG_LOCK, "exclusive", limits);
    if (granted !== true) await granted;
    const engine = this.engine();
    this.overlay = new CatalogOverlay(this.cluster.catalog, (oid) => this.cluster.database(oid), () => engine);
    this.wrote = true;
    return this.overlay;
  }

  /** Reads through the engine transaction; scans are closed at statement end. */
  reader(): RowReader {
    const txn = this.engine();
    const iters = this.openIters;
    return {
      get: (key) => txn.get(key),
      scan: (lower, upper, reverse) => ({
        [Symbol.iterator]: () => {
          const iter = txn.scan({ lower, upper, reverse });
          iters.add(iter);
          const base = iter[Symbol.iterator]();
          return {
            next: () => {
              const next = base.next();
              if (next.done) {
                iter.close();
                iters.delete(iter);
              }
              return next;
            },
            return: () => {
              iter.close();
              iters.delete(iter);
              return { done: true as const, value: undefined };
            },
          };
        },
      }),
    };
  }

  /** Statement end: scans still open are closed. */
  endStatement(): void {
    for (const iter of this.openIters) iter.close();
    this.openIters.clear();
  }

  savepoint(name: string): void {
    const engine = this.engineTxn ? this.engineTxn.savepoint() : this.engine().savepoint();
    this.savepoints.push({ name, engine, overlay: this.overlay ? this.overlay.snapshot() : null });
  }

  private findSavepoint(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i]!.name === name) return i;
    throw new SqlError(SqlState.invalidSavepointSpecification, `savepoint "${name}" does not exist`);
  }

  rollbackTo(name: string): void {
    const index = this.findSavepoint(name);
    const savepoint = this.savepoints[index]!;
    this.endStatement();
    if (savepoint.engine !== null) this.engineTxn?.rollbackTo(savepoint.engine);
    this.overlay = savepoint.overlay ? savepoint.overlay.snapshot() : this.overlay && !savepoint.overlay ? null : this.overlay;
    // The savepoint stays (ROLLBACK TO can be repeated); later ones are gone.
    this.savepoints.length = index + 1;
    this.savepoints[index] = { ...savepoint, engine: this.engineTxn ? this.engineTxn.savepoint() : null };
  }

  release(name: string): void {
    const index = this.findSavepoint(name);
    this.savepoints.length = index;
  }

  /**
   * Commits; a write conflict becomes 40001. Locks are released only once the outcome is
   * known: releasing them when the commit is merely submitted would let the next holder read
   * the in-flight values and show results built on them (RETURNING rows, FOR UPDATE rows,
   * row counts, its own COMMIT) before they are durable, and a crash or a failed commit
   * (a commit record too large, a failed sync) would then have shown a client data that
   * never committed. Commits on unrelated rows still share one sync (group commit).
   */
  async commit(): Promise<void> {
    this.endStatement();
    const engine = this.engineTxn;
    this.engineTxn = null;
    try {
      if (engine) {
        if (this.wrote) {
          try {
            await engine.commit();
          } catch (error) {
            if (error instanceof ConflictError) {
              throw new SqlError(
                SqlState.serializationFailure,
                this.isolation === "serializable"
                  ? "could not serialize access due to read/write dependencies among transactions"
                  : "could not serialize access due to concurrent update",
                this.isolation === "serializable"
                  ? { detail: "Reason code: Canceled on identification as a pivot, during commit attempt.", hint: "The transaction might succeed if retried." }
                  : {},
              );
            }
            throw error;
          }
        } else engine.abort();
      }
      if (this.overlay) this.cluster.publish(this.overlay);
    } finally {
      this.overlay = null;
      this.cluster.locks.releaseAll(this.owner);
    }
  }

  rollback(): void {
    this.endStatement();
    const engine = this.engineTxn;
    this.engineTxn = null;
    try {
      if (engine?.active) engine.abort();
    } finally {
      this.overlay = null;
      this.cluster.locks.releaseAll(this.owner);
    }
  }
}
