// The catalog is transactional and durable: DDL is visible to its own transaction at once,
// to others after commit, gone after rollback, and tables, rows, indexes and sequences
// survive a restart.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlState } from "./support/client.ts";

let server: TestServer;
let a: pg.Client;
let b: pg.Client;

beforeAll(async () => {
  server = await startTestServer({ keepDataDir: true });
  a = await connect(server);
  b = await connect(server);
});

afterAll(async () => {
  await a?.end();
  await b?.end();
  await server?.stop();
});

describe("transactional DDL", () => {
  test("a rolled-back CREATE TABLE is gone", async () => {
    await a.query("BEGIN");
    await a.query("CREATE TABLE ghost (id int PRIMARY KEY)");
    await a.query("INSERT INTO ghost VALUES (1)");
    expect(await rows(a, "SELECT count(*) FROM ghost")).toEqual([["1"]]);
    // Not visible to another session before commit.
    expect(await sqlState(b.query("SELECT * FROM ghost"))).toBe("42P01");
    await a.query("ROLLBACK");
    expect(await sqlState(a.query("SELECT * FROM ghost"))).toBe("42P01");
  });

  test("committed DDL becomes visible to other sessions", async () => {
    await a.query("BEGIN");
    await a.query("CREATE TABLE shared (id int PRIMARY KEY, note text)");
    await a.query("COMMIT");
    await b.query("INSERT INTO shared VALUES (1, 'from b')");
    expect(await rows(a, "SELECT note FROM shared")).toEqual([["from b"]]);
  });

  test("DROP TABLE in a rolled-back transaction keeps the table and its rows", async () => {
    await a.query("CREATE TABLE keepme (id int PRIMARY KEY)");
    await a.query("INSERT INTO keepme SELECT generate_series(1, 10)");
    await a.query("BEGIN");
    await a.query("DROP TABLE keepme");
    expect(await sqlState(a.query("SELECT 1 FROM keepme"))).toBe("42P01");
    await a.query("ROLLBACK");
    expect(await rows(a, "SELECT count(*) FROM keepme")).toEqual([["10"]]);
  });

  test("concurrent DDL waits for the other transaction and sees its outcome", async () => {
    await a.query("BEGIN");
    await a.query("CREATE TABLE race (id int)");
    const second = b.query("CREATE TABLE race (id int)");
    await Bun.sleep(50);
    await a.query("COMMIT");
    expect(await sqlState(second)).toBe("42P07");
  });

  test("TRUNCATE is transactional", async () => {
    await a.query("CREATE TABLE tr (id int PRIMARY KEY)");
    await a.query("INSERT INTO tr SELECT generate_series(1, 100)");
    await a.query("BEGIN");
    await a.query("TRUNCATE tr");
    expect(await rows(a, "SELECT count(*) FROM tr")).toEqual([["0"]]);
    expect(await rows(b, "SELECT count(*) FROM tr")).toEqual([["100"]]);
    await a.query("ROLLBACK");
    expect(await rows(a, "SELECT count(*) FROM tr")).toEqual([["100"]]);
  });
});

describe("restart", () => {
  test("tables, rows, indexes, defaults and sequences survive a restart", async () => {
    await a.query("CREATE SCHEMA app");
    await a.query("CREATE TABLE app.items (id serial PRIMARY KEY, name text NOT NULL, price numeric(8,2) DEFAULT 1.50, tag text UNIQUE)");
    await a.query("CREATE INDEX items_name_idx ON app.items (lower(name))");
    await a.query("INSERT INTO app.items (name, tag) SELECT 'item ' || g, 'tag' || g FROM generate_series(1, 500) g");
    await a.query("CREATE TABLE nokey (v int)");
    await a.query("INSERT INTO nokey SELECT generate_series(1, 50)");
    await a.query("ALTER TABLE app.items ADD COLUMN stock int DEFAULT 7");
    await a.end();
    await b.end();
    const dataDir = server.dataDir;
    await server.stop();
    server = await startTestServer({ dataDir, keepDataDir: true });
    a = await connect(server);
    b = await connect(server);
    expect(await rows(a, "SELECT count(*), min(id), max(id), sum(stock) FROM app.items")).toEqual([["500", "1", "500", "3500"]]);
    expect(await rows(a, "SELECT id, price FROM app.items WHERE lower(name) = 'item 42'")).toEqual([["42", "1.50"]]);
    const plan = (await rows(a, "EXPLAIN SELECT id FROM app.items WHERE lower(name) = 'item 42'")).map((r) => r[0]).join("\n");
    expect(plan).toContain("Index Scan using items_name_idx");
    expect(await sqlState(a.query("INSERT INTO app.items (name, tag) VALUES ('x', 'tag7')"))).toBe("23505");
    // 501 went to the failed insert: sequences are not transactional.
    expect(await rows(a, "INSERT INTO app.items (name) VALUES ('after restart') RETURNING id")).toEqual([["502"]]);
    await a.query("INSERT INTO nokey VALUES (51)");
    expect(await rows(a, "SELECT count(*) FROM nokey")).toEqual([["51"]]);
    expect(await rows(a, "SELECT count(*) FROM shared")).toEqual([["1"]]);
  });

  test("CREATE and DROP DATABASE", async () => {
    await a.query("CREATE DATABASE other");
    const c = await connect(server, { database: "other" });
    await c.query("CREATE TABLE t (id int PRIMARY KEY)");
    await c.query("INSERT INTO t VALUES (1)");
    expect(await sqlState(a.query("DROP DATABASE other"))).toBe("55006");
    await c.end();
    await Bun.sleep(50);
    await a.query("DROP DATABASE other");
    expect(await sqlState(connect(server, { database: "other" }))).toBe("3D000");
    expect(await sqlState(a.query("BEGIN; CREATE DATABASE x"))).toBe("25001");
  });
});
