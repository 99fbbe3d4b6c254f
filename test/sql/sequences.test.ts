// Sequences are not transactional and never hand out a value twice, even across a crash
// (SIGKILL of the server process) while values are being used by committed rows.

import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlState } from "./support/client.ts";

let server: TestServer | null = null;

afterAll(async () => {
  if (server) {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
});

describe("sequences", () => {
  test("nextval, currval, setval and serial columns", async () => {
    server = await startTestServer({ keepDataDir: true });
    const c = await connect(server);
    await c.query("CREATE SEQUENCE s START 5 INCREMENT 5");
    expect(await sqlState(c.query("SELECT currval('s')"))).toBe("55000");
    expect(await rows(c, "SELECT nextval('s'), nextval('s'), currval('s')")).toEqual([["5", "10", "10"]]);
    await c.query("BEGIN");
    expect(await rows(c, "SELECT nextval('s')")).toEqual([["15"]]);
    await c.query("ROLLBACK");
    // Not rolled back.
    expect(await rows(c, "SELECT nextval('s')")).toEqual([["20"]]);
    expect(await rows(c, "SELECT setval('s', 100), nextval('s')")).toEqual([["100", "105"]]);
    await c.query("CREATE TABLE t (id bigserial PRIMARY KEY, v int, g int GENERATED ALWAYS AS IDENTITY)");
    expect(await rows(c, "INSERT INTO t (v) VALUES (1), (2) RETURNING id, g")).toEqual([["1", "1"], ["2", "2"]]);
    expect(await sqlState(c.query("INSERT INTO t (v, g) VALUES (3, 3)"))).toBe("428C9");
    await c.end();
  });

  test("after a crash no committed value is handed out again", async () => {
    const c = await connect(server!);
    await c.query("CREATE TABLE used (n bigint PRIMARY KEY)");
    await c.query("CREATE SEQUENCE crashy");
    const committed: bigint[] = [];
    for (let i = 0; i < 100; i++) {
      const result = await c.query("INSERT INTO used VALUES (nextval('crashy')) RETURNING n");
      committed.push(BigInt(result.rows[0].n));
    }
    // Values taken but not committed are fine to lose; committed ones must never repeat.
    await c.query("BEGIN");
    await c.query("SELECT nextval('crashy') FROM generate_series(1, 10)");
    await server!.kill();
    await c.end().catch(() => {});
    server = await startTestServer({ dataDir: server!.dataDir, keepDataDir: true });
    const d = await connect(server);
    expect(await rows(d, "SELECT count(*) FROM used")).toEqual([["100"]]);
    const next = BigInt((await d.query("SELECT nextval('crashy') AS n")).rows[0].n);
    expect(next > committed[committed.length - 1]!).toBe(true);
    // The table keeps working with rows from before the crash.
    await d.query("INSERT INTO used VALUES (nextval('crashy'))");
    expect(await rows(d, "SELECT count(*) FROM used")).toEqual([["101"]]);
    await d.end();
  });

  test("hidden row ids survive a crash without overwriting rows", async () => {
    const c = await connect(server!);
    await c.query("CREATE TABLE log (msg text)");
    for (let i = 0; i < 40; i++) await c.query("INSERT INTO log VALUES ($1)", [`m${i}`]);
    await server!.kill();
    await c.end().catch(() => {});
    server = await startTestServer({ dataDir: server!.dataDir, keepDataDir: true });
    const d = await connect(server);
    for (let i = 40; i < 80; i++) await d.query("INSERT INTO log VALUES ($1)", [`m${i}`]);
    expect(await rows(d, "SELECT count(*), count(DISTINCT msg) FROM log")).toEqual([["80", "80"]]);
    await d.end();
  });
});
