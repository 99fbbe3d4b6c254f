// Bun.sql (Bun's built-in PostgreSQL client) against the server.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { testCertificate } from "./support/tls.ts";
import type { TestServer } from "./support/test-server.ts";
import { passwords, startTestServer } from "./support/test-server.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ tls: testCertificate() });
});

afterAll(async () => {
  await t.stop();
  expect(t.logger.errors).toEqual([]);
});

function connect(options: Partial<Bun.SQL.PostgresOrMySQLOptions> = {}): SQL {
  return new SQL({
    adapter: "postgres",
    hostname: "127.0.0.1",
    port: t.port,
    username: "carol",
    database: "app",
    tls: false,
    max: 4,
    ...options,
  });
}

describe("Bun.sql", () => {
  test("queries with parameters", async () => {
    const sql = connect();
    try {
      const rows = await sql`select ${"héllo"}::text as a, ${42}::int4 as b, ${null} as c`;
      expect([...rows]).toEqual([{ a: "héllo", b: 42, c: null }]);
      const again = await sql`select ${"x"}::text as a, ${1}::int4 as b, ${null} as c`;
      expect([...again]).toEqual([{ a: "x", b: 1, c: null }]);
    } finally {
      await sql.close();
    }
  });

  test("unsafe (simple protocol) and many rows", async () => {
    const sql = connect();
    try {
      expect([...(await sql.unsafe("select 1 as one"))]).toEqual([{ one: 1 }]);
      const rows = await sql.unsafe("series 5000");
      expect(rows.length).toBe(5000);
      expect(rows[4999]).toEqual({ series: 5000 });
    } finally {
      await sql.close();
    }
  });

  test("errors carry the SQLSTATE", async () => {
    const sql = connect();
    try {
      const error = await sql`raise 42P01 relation "nope" does not exist`.catch((e: unknown) => e);
      expect(error).toMatchObject({ errno: "42P01" });
      expect(String((error as Error).message)).toContain('relation "nope" does not exist');
      expect([...(await sql`select ${3}::int4 as n`)]).toEqual([{ n: 3 }]);
    } finally {
      await sql.close();
    }
  });

  test("transactions", async () => {
    const sql = connect();
    try {
      const n = await sql.begin(async (tx) => {
        const [row] = await tx`select ${5}::int4 as n`;
        return row.n as number;
      });
      expect(n).toBe(5);
      const failed = await sql
        .begin(async (tx) => {
          await tx`raise 40001 serialization failure`;
        })
        .catch((e: unknown) => e);
      expect(failed).toMatchObject({ errno: "40001" });
    } finally {
      await sql.close();
    }
  });

  test("concurrent queries over a small pool", async () => {
    const sql = connect({ max: 3 });
    try {
      const out = await Promise.all(Array.from({ length: 300 }, (_, i) => sql`select ${i}::int4 as i`.then((r) => r[0].i as number)));
      expect(out).toEqual(Array.from({ length: 300 }, (_, i) => i));
    } finally {
      await sql.close();
    }
  });

  test("SCRAM-SHA-256: right and wrong password", async () => {
    const good = connect({ username: "alice", password: passwords.alice });
    try {
      expect([...(await good`select ${1}::int4 as n`)]).toEqual([{ n: 1 }]);
    } finally {
      await good.close();
    }
    const bad = connect({ username: "alice", password: "wrong" });
    try {
      const error = await bad`select 1`.catch((e: unknown) => e);
      expect(error).toMatchObject({ errno: "28P01" });
    } finally {
      await bad.close();
    }
  });

  test("TLS", async () => {
    const sql = connect({ tls: { rejectUnauthorized: false }, username: "bob", password: passwords.bob });
    try {
      expect([...(await sql`select ${"secure"}::text as s`)]).toEqual([{ s: "secure" }]);
    } finally {
      await sql.close();
    }
  });

  test("Unix socket", async () => {
    const sql = new SQL({ adapter: "postgres", path: t.server.socketPath!, username: "carol", database: "app" });
    try {
      expect([...(await sql`select ${6}::int4 as n`)]).toEqual([{ n: 6 }]);
    } finally {
      await sql.close();
    }
  });
});
