// Row and object locks between transactions of this process: UPDATE, DELETE, SELECT ... FOR
// UPDATE/SHARE and INSERT lock rows (by table and key), DDL locks the catalog. Locks are held
// until the transaction's commit or rollback has completed. Waiters queue in arrival order
// and wait asynchronously (the JavaScript thread never blocks); a wait that would close a
// cycle fails at once with 40P01, and lock_timeout, statement_timeout and cancel end a wait.

import { SqlError, SqlState } from "./errors.ts";

export type LockMode = "share" | "exclusive";

/** A transaction as the lock manager sees it. */
export class LockOwner {
  /** Locks held: key → mode. */
  readonly held = new Map<string, LockMode>();
  /** The lock this owner waits for, if any. */
  waitingFor: string | null = null;
  constructor(readonly id: number) {}
}

interface Waiter {
  readonly owner: LockOwner;
  readonly mode: LockMode;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface LockEntry {
  /** Holders and their modes. */
  readonly holders: Map<LockOwner, LockMode>;
  readonly waiters: Waiter[];
}

/** How a wait can end early. */
export interface WaitLimits {
  /** lock_timeout in milliseconds, or 0. */
  readonly lockTimeoutMs: number;
  /** Absolute time of statement_timeout, or 0. */
  readonly statementDeadline: number;
  /** Registers a cancel callback; returns the unregister function. */
  onCancel(callback: (error: SqlError) => void): () => void;
}

function compatible(entry: LockEntry, owner: LockOwner, mode: LockMode): boolean {
  for (const [holder, held] of entry.holders) {
    if (holder === owner) continue;
    if (mode === "exclusive" || held === "exclusive") return false;
  }
  return true;
}

export class LockManager {
  private readonly locks = new Map<string, LockEntry>();
  private nextOwner = 1;

  newOwner(): LockOwner {
    return new LockOwner(this.nextOwner++);
  }

  /** Number of keys locked (for tests and metrics). */
  get size(): number {
    return this.locks.size;
  }

  /**
   * Takes a lock: true when granted at once, else a promise settled when granted (or
   * rejected with 40P01, 55P03 or 57014).
   */
  acquire(owner: LockOwner, key: string, mode: LockMode, limits: WaitLimits | null): true | Promise<void> {
    const mine = owner.held.get(key);
    if (mine === "exclusive" || mine === mode) return true;
    let entry = this.locks.get(key);
    if (!entry) {
      entry = { holders: new Map(), waiters: [] };
      this.locks.set(key, entry);
    }
    // Upgrades jump the queue like PostgreSQL's: they only wait for other holders.
    if ((entry.waiters.length === 0 || mine !== undefined) && compatible(entry, owner, mode)) {
      entry.holders.set(owner, mode);
      owner.held.set(key, mode);
      return true;
    }
    if (this.wouldDeadlock(owner, entry)) {
      throw new SqlError(SqlState.deadlockDetected, "deadlock detected", {
        detail: `Process ${owner.id} waits for ${mode === "exclusive" ? "ExclusiveLock" : "ShareLock"} on a row; blocked by another transaction.`,
        hint: "See server log for query details.",
      });
    }
    return this.wait(owner, key, entry, mode, limits);
  }

  private wait(owner: LockOwner, key: string, entry: LockEntry, mode: LockMode, limits: WaitLimits | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let unregister = (): void => {};
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        unregister();
        owner.waitingFor = null;
      };
      const waiter: Waiter = {
        owner,
        mode,
        resolve: () => {
          finish();
          resolve();
        },
        reject: (error) => {
          finish();
          const index = entry.waiters.indexOf(waiter);
          if (index >= 0) entry.waiters.splice(index, 1);
          this.grantWaiters(key, entry);
          reject(error);
        },
      };
      entry.waiters.push(waiter);
      owner.waitingFor = key;
      if (limits) {
        const now = Date.now();
        const lock = limits.lockTimeoutMs > 0 ? now + limits.lockTimeoutMs : 0;
        const statement = limits.statementDeadline;
        const lockFirst = lock > 0 && (statement === 0 || lock <= statement);
        const deadline = lockFirst ? lock : statement;
        if (deadline > 0) {
          timer = setTimeout(
            () =>
              waiter.reject(
                lockFirst
                  ? new SqlError(SqlState.lockNotAvailable, "canceling statement due to lock timeout")
                  : new SqlError(SqlState.queryCanceled, "canceling statement due to statement timeout"),
              ),
            Math.max(0, deadline - now),
          );
        }
        unregister = limits.onCancel((error) => waiter.reject(error));
      }
    });
  }

  /** Whether owner waiting on entry closes a cycle in the wait-for graph. */
  private wouldDeadlock(owner: LockOwner, entry: LockEntry): boolean {
    const seen = new Set<LockOwner>();
    const stack: LockOwner[] = [];
    const blockers = (lock: LockEntry): LockOwner[] => {
      const out = [...lock.holders.keys()];
      // Waiters ahead in the queue also block (they are granted first).
      for (const waiter of lock.waiters) out.push(waiter.owner);
      return out;
    };
    for (const holder of blockers(entry)) if (holder !== owner) stack.push(holder);
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === owner) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      const waitKey = current.waitingFor;
      if (waitKey === null) continue;
      const waitEntry = this.locks.get(waitKey);
      if (!waitEntry) continue;
      for (const holder of waitEntry.holders.keys()) if (holder !== current) stack.push(holder);
    }
    return false;
  }

  private grantWaiters(key: string, entry: LockEntry): void {
    while (entry.waiters.length > 0) {
      const next = entry.waiters[0]!;
      if (!compatible(entry, next.owner, next.mode)) break;
      entry.waiters.shift();
      entry.holders.set(next.owner, next.mode);
      next.owner.held.set(key, next.mode);
      next.resolve();
    }
    if (entry.holders.size === 0 && entry.waiters.length === 0) this.locks.delete(key);
  }

  /** Releases one lock (a statement that locked a row it then skipped keeps it, as PostgreSQL). */
  release(owner: LockOwner, key: string): void {
    if (!owner.held.delete(key)) return;
    const entry = this.locks.get(key);
    if (!entry) return;
    entry.holders.delete(owner);
    this.grantWaiters(key, entry);
  }

  /** Releases everything the owner holds (commit or rollback finished). */
  releaseAll(owner: LockOwner): void {
    for (const key of [...owner.held.keys()]) this.release(owner, key);
  }
}

/** A lock key for a row or unique key: table OID and the key bytes. */
export function rowLockKey(table: number, index: number, key: Uint8Array): string {
  let text = `${table}:${index}:`;
  for (let i = 0; i < key.length; i++) text += String.fromCharCode(key[i]!);
  return text;
}

/** The lock DDL takes: one at a time in the cluster. */
export const CATALOG_LOCK = "catalog";
