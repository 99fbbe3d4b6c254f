// Nothing a client is shown may depend on another transaction's commit before that commit is
// durable. The engine's commit is held back (or made to fail) through the server's Db object,
// standing for a slow or failing sync; a second session's statements on the same row must
// wait for the outcome, and never report values written by a commit that failed.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startPgz, type PgzServer } from "../../ts/server.ts";
import { EngineIOError, Status, type Db, type Txn, type TxnOptions } from "../../ts/engine/index.ts";

let dataDir: string;
let server: PgzServer;
let a: pg.Client;
let b: pg.Client;

/** How the next engine transactions' commits behave: settled by the test. */
let gate: { outcome: Promise<"commit" | "fail">; begun: number } | null = null;

/** Commits still held when a test ends (released by afterEach so a failing test cannot hang the next). */
const unsettled: (() => void)[] = [];

function holdCommits(): { release: () => void; fail: () => void; begun: () => number } {
  const { promise, resolve } = Promise.withResolvers<"commit" | "fail">();
  const held = { outcome: promise, begun: 0 };
  gate = held;
  unsettled.push(() => resolve("fail"));
  return { release: () => resolve("commit"), fail: () => resolve("fail"), begun: () => held.begun };
}

function instrument(db: Db): void {
  const begin = db.begin.bind(db);
  db.begin = (options?: TxnOptions): Txn => {
    const txn = begin(options);
    const held = gate;
    if (!held) return txn;
    held.begun++;
    const commit = txn.commit.bind(txn);
    txn.commit = async () => {
      if ((await held.outcome) === "commit") return commit();
      txn.abort();
      throw new EngineIOError(Status.io, "commit-log sync failed (injected)");
    };
    return txn;
  };
}

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres" });
  await c.connect();
  c.on("error", () => {});
  return c;
}

/** Whether `promise` is still pending after `ms` milliseconds. */
async function stillPending(promise: Promise<unknown>, ms = 100): Promise<boolean> {
  const marker = Symbol("pending");
  const first = await Promise.race([promise.then(() => null, () => null), Bun.sleep(ms).then(() => marker)]);
  return first === marker;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pgz-commit-durability-"));
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  server = await startPgz({ dataDir, host: "127.0.0.1", port: 0, sync: "full", logger: quiet });
  instrument(server.db);
  a = await client();
  b = await client();
});

afterAll(async () => {
  await a?.end();
  await b?.end();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const settle of unsettled.splice(0)) settle();
  await Bun.sleep(20);
  await a.query("ROLLBACK").catch(() => {});
  await b.query("ROLLBACK").catch(() => {});
});

beforeEach(async () => {
  gate = null;
  await a.query("DROP TABLE IF EXISTS acct");
  await a.query("CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL)");
  await a.query("INSERT INTO acct VALUES (1, 100), (2, 100)");
});

/** Session a updates row 1 (+10) in a transaction whose commit is held; returns its COMMIT. */
async function heldUpdate(): Promise<{ commit: Promise<unknown>; release: () => void; fail: () => void }> {
  await a.query("BEGIN");
  const held = holdCommits();
  await a.query("UPDATE acct SET balance = balance + 10 WHERE id = 1");
  gate = null;
  expect(held.begun()).toBe(1);
  const commit = a.query("COMMIT");
  commit.catch(() => {});
  // The commit is submitted and waits on the engine.
  expect(await stillPending(commit, 50)).toBe(true);
  return { commit, release: held.release, fail: held.fail };
}

describe("a statement that depends on a commit in flight", () => {
  test("UPDATE ... RETURNING waits until the commit is durable", async () => {
    const first = await heldUpdate();
    const second = b.query("UPDATE acct SET balance = balance + 5 WHERE id = 1 RETURNING balance");
    expect(await stillPending(second)).toBe(true);
    first.release();
    await first.commit;
    expect((await second).rows).toEqual([{ balance: 115 }]);
    expect((await a.query("SELECT balance FROM acct WHERE id = 1")).rows).toEqual([{ balance: 115 }]);
  });

  test("UPDATE ... RETURNING after a failed commit reports the committed value, not the lost one", async () => {
    const first = await heldUpdate();
    const second = b.query("UPDATE acct SET balance = balance + 5 WHERE id = 1 RETURNING balance");
    expect(await stillPending(second)).toBe(true);
    first.fail();
    const error = (await first.commit.then(() => null, (e: Error) => e)) as Error | null;
    expect(error?.message).toBe("commit-log sync failed (injected)");
    // The SQLSTATE PostgreSQL gives an I/O error, not XX000.
    expect((error as { code?: string } | null)?.code).toBe("58030");
    expect((await second).rows).toEqual([{ balance: 105 }]);
    expect((await a.query("SELECT balance FROM acct WHERE id = 1")).rows).toEqual([{ balance: 105 }]);
  });

  test("SELECT ... FOR UPDATE waits, then returns the durable version", async () => {
    const first = await heldUpdate();
    await b.query("BEGIN");
    const locked = b.query("SELECT balance FROM acct WHERE id = 1 FOR UPDATE");
    expect(await stillPending(locked)).toBe(true);
    first.release();
    await first.commit;
    expect((await locked).rows).toEqual([{ balance: 110 }]);
    await b.query("COMMIT");
  });

  test("a dependent UPDATE's row count waits for the first commit and is not built on a failed one", async () => {
    const first = await heldUpdate();
    await b.query("BEGIN");
    // Matches the committed version (100), not the in-flight one (110).
    const second = b.query("UPDATE acct SET balance = 0 WHERE id = 1 AND balance = 100");
    expect(await stillPending(second)).toBe(true);
    first.fail();
    await first.commit.catch(() => {});
    // The failed commit's value never counted: the row still matched.
    expect((await second).rowCount).toBe(1);
    await b.query("COMMIT");
    expect((await a.query("SELECT balance FROM acct WHERE id = 1")).rows).toEqual([{ balance: 0 }]);
  });

  test("an INSERT of a key whose insert is in flight waits, and succeeds when that commit fails", async () => {
    await a.query("BEGIN");
    const held = holdCommits();
    await a.query("INSERT INTO acct VALUES (3, 1)");
    gate = null;
    const commit = a.query("COMMIT");
    commit.catch(() => {});
    const second = b.query("INSERT INTO acct VALUES (3, 2)");
    second.catch(() => {});
    expect(await stillPending(second)).toBe(true);
    held.fail();
    await commit.catch(() => {});
    // The first insert never committed: the second one succeeds.
    await second;
    expect((await a.query("SELECT balance FROM acct WHERE id = 3")).rows).toEqual([{ balance: 2 }]);
  });
});
