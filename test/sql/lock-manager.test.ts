// The lock manager on its own: waits in arrival order, shared and exclusive modes, deadlock
// detection, timeouts and cancellation.

import { describe, expect, test } from "bun:test";
import { LockManager, type WaitLimits } from "../../ts/sql/lock-manager.ts";
import type { SqlError } from "../../ts/sql/errors.ts";

function limits(overrides: Partial<WaitLimits> = {}): WaitLimits & { cancel(error: SqlError): void } {
  const listeners = new Set<(error: SqlError) => void>();
  return {
    lockTimeoutMs: 0,
    statementDeadline: 0,
    onCancel(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    cancel(error) {
      for (const listener of listeners) listener(error);
    },
    ...overrides,
  };
}

describe("LockManager", () => {
  test("exclusive locks queue in arrival order and are granted on release", async () => {
    const locks = new LockManager();
    const [a, b, c] = [locks.newOwner(), locks.newOwner(), locks.newOwner()];
    expect(locks.acquire(a, "k", "exclusive", null)).toBe(true);
    const order: string[] = [];
    const bWait = (locks.acquire(b, "k", "exclusive", limits()) as Promise<void>).then(() => order.push("b"));
    const cWait = (locks.acquire(c, "k", "exclusive", limits()) as Promise<void>).then(() => order.push("c"));
    locks.releaseAll(a);
    await bWait;
    locks.releaseAll(b);
    await cWait;
    expect(order).toEqual(["b", "c"]);
    locks.releaseAll(c);
    expect(locks.size).toBe(0);
  });

  test("shared locks coexist; an exclusive request waits for all of them", async () => {
    const locks = new LockManager();
    const [a, b, c] = [locks.newOwner(), locks.newOwner(), locks.newOwner()];
    expect(locks.acquire(a, "k", "share", null)).toBe(true);
    expect(locks.acquire(b, "k", "share", null)).toBe(true);
    let granted = false;
    const wait = (locks.acquire(c, "k", "exclusive", limits()) as Promise<void>).then(() => (granted = true));
    locks.releaseAll(a);
    await Bun.sleep(1);
    expect(granted).toBe(false);
    locks.releaseAll(b);
    await wait;
    expect(granted).toBe(true);
  });

  test("a cycle is a deadlock (40P01) for the transaction that would close it", () => {
    const locks = new LockManager();
    const [a, b] = [locks.newOwner(), locks.newOwner()];
    locks.acquire(a, "x", "exclusive", null);
    locks.acquire(b, "y", "exclusive", null);
    const waiting = locks.acquire(a, "y", "exclusive", limits());
    expect(waiting).toBeInstanceOf(Promise);
    (waiting as Promise<void>).catch(() => {});
    expect(() => locks.acquire(b, "x", "exclusive", limits())).toThrow(expect.objectContaining({ code: "40P01" }));
  });

  test("lock_timeout, statement deadline and cancel end a wait", async () => {
    const locks = new LockManager();
    const [a, b] = [locks.newOwner(), locks.newOwner()];
    locks.acquire(a, "k", "exclusive", null);
    await expect(locks.acquire(b, "k", "exclusive", limits({ lockTimeoutMs: 20 }))).rejects.toMatchObject({ code: "55P03" });
    await expect(locks.acquire(b, "k", "exclusive", limits({ statementDeadline: Date.now() + 20 }))).rejects.toMatchObject({ code: "57014" });
    const cancelable = limits();
    const wait = locks.acquire(b, "k", "exclusive", cancelable);
    cancelable.cancel({ code: "57014", message: "canceling statement due to user request" } as SqlError);
    await expect(wait).rejects.toMatchObject({ code: "57014" });
    // The failed waiters left no trace: b gets the lock once a releases.
    locks.releaseAll(a);
    expect(locks.acquire(b, "k", "exclusive", null)).toBe(true);
  });
});
