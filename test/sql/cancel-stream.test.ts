// Long statements can be canceled (57014) or time out (statement_timeout); large results
// stream to a slow client without the server buffering them; sorts and hash tables over
// work_mem fail with 53200 naming the limit instead of growing without bound.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import postgres from "postgres";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlError, sqlState, sendCancel } from "./support/client.ts";

let server: TestServer;
let c: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  c = await connect(server);
});

afterAll(async () => {
  await c?.end();
  await server?.stop();
});

describe("cancel and statement_timeout", () => {
  test("pg_sleep is canceled by a cancel request", async () => {
    const other = await connect(server);
    const pid = (await other.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    const sleeping = sqlState(other.query("SELECT pg_sleep(10)"));
    await Bun.sleep(100);
    // Other sessions keep running meanwhile.
    expect(await rows(c, `SELECT 1`)).toEqual([["1"]]);
    await cancel(other, pid);
    const started = Date.now();
    expect(await sleeping).toBe("57014");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await rows(other, "SELECT 2")).toEqual([["2"]]);
    await other.end();
  });

  test("statement_timeout stops a sleep and a long scan", async () => {
    await c.query("SET statement_timeout = '200ms'");
    expect(await sqlState(c.query("SELECT pg_sleep(5)"))).toBe("57014");
    const error = await sqlError(c.query("SELECT count(*) FROM generate_series(1, 100000000) a"));
    expect(error.code).toBe("57014");
    expect(error.message).toBe("canceling statement due to statement timeout");
    await c.query("RESET statement_timeout");
  });
});

const cancel = (client: pg.Client, pid: number) => sendCancel(server, client, pid);

describe("large results", () => {
  test("a million-row result streams with a cursor-style fetch", async () => {
    const sql = postgres(server.url, { max: 1 });
    let count = 0;
    let sum = 0;
    await sql`SELECT g FROM generate_series(1, 1000000) g`.cursor(10000, async (batch) => {
      count += batch.length;
      for (const row of batch) sum += row.g as number;
    });
    expect(count).toBe(1_000_000);
    expect(sum).toBe(500000500000);
    await sql.end();
  });

  test("the server's memory stays bounded while a slow client reads a large result", async () => {
    await c.query("CREATE TABLE wide AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 200000) g");
    const before = await serverRss();
    let peak = before;
    const sql = postgres(server.url, { max: 1 });
    let count = 0;
    // About 500 MB of rows: holding them would show; streaming needs a few batches' worth.
    await sql`SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 500000) g`.cursor(5000, async (batch) => {
      count += batch.length;
      if (count % 50000 === 0) peak = Math.max(peak, await serverRss());
      await Bun.sleep(0);
    });
    await sql.end();
    expect(count).toBe(500000);
    expect(peak - before).toBeLessThan(300 * 1024 * 1024);
  });

  test("a sort beyond work_mem fails with 53200 naming the limit", async () => {
    await c.query("SET work_mem = '1MB'");
    const error = await sqlError(c.query("SELECT * FROM wide ORDER BY pad DESC, id"));
    expect(error.code).toBe("53200");
    expect(error.detail).toContain("work_mem (1MB)");
    // Streaming needs no memory: the same table without ORDER BY works.
    expect(await rows(c, "SELECT count(*) FROM wide")).toEqual([["200000"]]);
    await c.query("RESET work_mem");
  });
});

/** Resident memory of the server process (Linux). */
async function serverRss(): Promise<number> {
  const status = await Bun.file(`/proc/${server.pid}/status`).text();
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}
