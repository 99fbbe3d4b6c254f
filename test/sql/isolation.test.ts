// Isolation levels and row locks between sessions: READ COMMITTED prevents lost updates
// (row locks + re-reading the newest version), REPEATABLE READ raises 40001 on a
// concurrent update, SERIALIZABLE prevents write skew, deadlocks raise 40P01.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type pg from "pg";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlState } from "./support/client.ts";

let server: TestServer;
let a: pg.Client;
let b: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  a = await connect(server);
  b = await connect(server);
});

afterAll(async () => {
  await a?.end();
  await b?.end();
  await server?.stop();
});

beforeEach(async () => {
  await a.query("DROP TABLE IF EXISTS acct");
  await a.query("CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL)");
  await a.query("INSERT INTO acct VALUES (1, 100), (2, 100)");
});

describe("READ COMMITTED", () => {
  test("a concurrent UPDATE waits for the row lock and applies to the newest version", async () => {
    await a.query("BEGIN");
    await a.query("UPDATE acct SET balance = balance + 10 WHERE id = 1");
    await b.query("BEGIN");
    const waiting = b.query("UPDATE acct SET balance = balance + 5 WHERE id = 1 RETURNING balance");
    await Bun.sleep(50);
    await a.query("COMMIT");
    const result = await waiting;
    await b.query("COMMIT");
    expect(result.rows[0].balance).toBe(115);
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1")).toEqual([["115"]]);
  });

  test("the waiter re-checks its WHERE clause on the newest version", async () => {
    await a.query("BEGIN");
    await a.query("UPDATE acct SET balance = 0 WHERE id = 1");
    const waiting = b.query("UPDATE acct SET balance = balance - 50 WHERE id = 1 AND balance >= 50");
    await Bun.sleep(50);
    await a.query("COMMIT");
    expect((await waiting).rowCount).toBe(0);
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1")).toEqual([["0"]]);
  });

  test("many concurrent increments lose nothing", async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect(server)));
    try {
      await Promise.all(
        clients.map(async (client) => {
          for (let i = 0; i < 25; i++) {
            await client.query("BEGIN");
            await client.query("UPDATE acct SET balance = balance + 1 WHERE id = 2");
            await client.query("UPDATE acct SET balance = balance - 1 WHERE id = 1");
            await client.query("COMMIT");
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(await rows(a, "SELECT id, balance FROM acct ORDER BY id")).toEqual([["1", "-50"], ["2", "250"]]);
  });

  test("SELECT ... FOR UPDATE blocks a concurrent writer", async () => {
    await a.query("BEGIN");
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1 FOR UPDATE")).toEqual([["100"]]);
    let done = false;
    const waiting = b.query("UPDATE acct SET balance = 1 WHERE id = 1").then(() => (done = true));
    await Bun.sleep(50);
    expect(done).toBe(false);
    await a.query("UPDATE acct SET balance = 50 WHERE id = 1");
    await a.query("COMMIT");
    await waiting;
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1")).toEqual([["1"]]);
  });

  test("a second INSERT of the same key waits, then fails with 23505", async () => {
    await a.query("BEGIN");
    await a.query("INSERT INTO acct VALUES (3, 0)");
    const second = sqlState(b.query("INSERT INTO acct VALUES (3, 0)"));
    await Bun.sleep(50);
    await a.query("COMMIT");
    expect(await second).toBe("23505");
  });

  test("the waiter's INSERT succeeds when the first transaction rolls back", async () => {
    await a.query("BEGIN");
    await a.query("INSERT INTO acct VALUES (4, 0)");
    const second = b.query("INSERT INTO acct VALUES (4, 1)");
    await Bun.sleep(50);
    await a.query("ROLLBACK");
    await second;
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 4")).toEqual([["1"]]);
  });

  test("each statement sees what committed before it", async () => {
    await a.query("BEGIN");
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1")).toEqual([["100"]]);
    await b.query("UPDATE acct SET balance = 7 WHERE id = 1");
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1")).toEqual([["7"]]);
    await a.query("COMMIT");
  });
});

describe("REPEATABLE READ", () => {
  test("one snapshot for the whole transaction", async () => {
    await a.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1")).toEqual([["100"]]);
    await b.query("UPDATE acct SET balance = 7 WHERE id = 1");
    expect(await rows(a, "SELECT balance FROM acct WHERE id = 1")).toEqual([["100"]]);
    await a.query("COMMIT");
  });

  test("updating a row another transaction changed is 40001", async () => {
    await a.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await a.query("SELECT * FROM acct");
    await b.query("UPDATE acct SET balance = 1 WHERE id = 1");
    expect(await sqlState(a.query("UPDATE acct SET balance = balance + 1 WHERE id = 1"))).toBe("40001");
    expect(await sqlState(a.query("SELECT 1"))).toBe("25P02");
    await a.query("ROLLBACK");
  });

  test("a waiter fails with 40001 when the holder commits a change", async () => {
    await a.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await b.query("SELECT 1 FROM acct");
    await a.query("UPDATE acct SET balance = 5 WHERE id = 1");
    const waiting = sqlState(b.query("UPDATE acct SET balance = 6 WHERE id = 1"));
    await Bun.sleep(50);
    await a.query("COMMIT");
    expect(await waiting).toBe("40001");
    await b.query("ROLLBACK");
  });
});

describe("SERIALIZABLE", () => {
  test("write skew is prevented", async () => {
    // Both check that the total stays >= 0 and withdraw from different rows.
    await a.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
    await b.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
    expect(await rows(a, "SELECT sum(balance) FROM acct")).toEqual([["200"]]);
    expect(await rows(b, "SELECT sum(balance) FROM acct")).toEqual([["200"]]);
    await a.query("UPDATE acct SET balance = balance - 150 WHERE id = 1");
    await b.query("UPDATE acct SET balance = balance - 150 WHERE id = 2");
    await a.query("COMMIT");
    expect(await sqlState(b.query("COMMIT"))).toBe("40001");
    expect(await rows(a, "SELECT sum(balance) FROM acct")).toEqual([["50"]]);
  });
});

describe("deadlocks and lock waits", () => {
  test("a deadlock is detected and one transaction fails with 40P01", async () => {
    await a.query("BEGIN");
    await b.query("BEGIN");
    await a.query("UPDATE acct SET balance = 1 WHERE id = 1");
    await b.query("UPDATE acct SET balance = 2 WHERE id = 2");
    const first = a.query("UPDATE acct SET balance = 1 WHERE id = 2");
    await Bun.sleep(30);
    expect(await sqlState(b.query("UPDATE acct SET balance = 2 WHERE id = 1"))).toBe("40P01");
    await b.query("ROLLBACK");
    await first;
    await a.query("COMMIT");
    expect(await rows(a, "SELECT id, balance FROM acct ORDER BY id")).toEqual([["1", "1"], ["2", "1"]]);
  });

  test("lock_timeout ends a wait with 55P03", async () => {
    await a.query("BEGIN");
    await a.query("UPDATE acct SET balance = 1 WHERE id = 1");
    await b.query("SET lock_timeout = '100ms'");
    const started = Date.now();
    expect(await sqlState(b.query("UPDATE acct SET balance = 2 WHERE id = 1"))).toBe("55P03");
    expect(Date.now() - started).toBeLessThan(2000);
    await b.query("RESET lock_timeout");
    await a.query("ROLLBACK");
  });

  test("statement_timeout ends a lock wait with 57014", async () => {
    await a.query("BEGIN");
    await a.query("UPDATE acct SET balance = 1 WHERE id = 1");
    await b.query("SET statement_timeout = '100ms'");
    expect(await sqlState(b.query("UPDATE acct SET balance = 2 WHERE id = 1"))).toBe("57014");
    await b.query("RESET statement_timeout");
    await a.query("ROLLBACK");
  });
});
