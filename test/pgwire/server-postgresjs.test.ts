// postgres.js against the server: prepared statements, pipelining, cursors (PortalSuspended),
// transactions, errors, cancel, COPY streams, SCRAM, TLS.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
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

function connect(options: postgres.Options<Record<string, postgres.PostgresType>> = {}) {
  return postgres({
    host: "127.0.0.1",
    port: t.port,
    user: "carol",
    database: "app",
    fetch_types: false,
    onnotice: () => {},
    ...options,
  });
}

describe("postgres.js", () => {
  test("prepared statements with parameters", async () => {
    const sql = connect();
    try {
      const rows = await sql`select ${"héllo"}::text as a, ${42}::int4 as b, ${null} as c`;
      expect([...rows]).toEqual([{ a: "héllo", b: 42, c: null }]);
      // Same text again: the named statement is reused (no second Parse).
      const again = await sql`select ${"x"}::text as a, ${1}::int4 as b, ${null} as c`;
      expect(again[0]).toEqual({ a: "x", b: 1, c: null });
    } finally {
      await sql.end();
    }
  });

  test("unnamed statements (prepare: false) and simple queries", async () => {
    const sql = connect({ prepare: false });
    try {
      expect([...(await sql`select ${7}::int4 as n`)]).toEqual([{ n: 7 }]);
      expect([...(await sql.unsafe("select 1 as one; select 2 as two").simple())]).toEqual([[{ one: 1 }], [{ two: 2 }]]);
    } finally {
      await sql.end();
    }
  });

  test("1000 pipelined queries on one connection", async () => {
    const sql = connect({ max: 1 });
    try {
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => sql`select ${i}::int4 as i`.then((r) => r[0]!.i)));
      expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    } finally {
      await sql.end();
    }
  });

  test("a cursor fetches in batches (Execute with a row limit → PortalSuspended)", async () => {
    const sql = connect();
    try {
      const batches: number[] = [];
      let last = 0;
      await sql`series 1050`.cursor(100, (rows) => {
        batches.push(rows.length);
        last = rows.at(-1)!.series as number;
      });
      expect(batches).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 50]);
      expect(last).toBe(1050);
    } finally {
      await sql.end();
    }
  });

  test("transactions commit and roll back", async () => {
    const sql = connect();
    try {
      const result = await sql.begin(async (tx) => {
        const [row] = await tx`select ${1}::int4 as n`;
        return row!.n;
      });
      expect(result).toBe(1);
      const failed = await sql
        .begin(async (tx) => {
          await tx`raise 23514 check failed`;
        })
        .catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: "23514" });
      expect([...(await sql`select ${2}::int4 as n`)]).toEqual([{ n: 2 }]);
    } finally {
      await sql.end();
    }
  });

  test("errors keep their fields; a failed pipelined query does not disturb the others", async () => {
    const sql = connect({ max: 1 });
    try {
      const [a, b, c] = await Promise.allSettled([sql`select ${1}::int4 as n`, sql`raise 22003 out of range`, sql`select ${3}::int4 as n`]);
      expect(a).toMatchObject({ status: "fulfilled" });
      expect(b).toMatchObject({ status: "rejected", reason: { code: "22003", detail: "raised on request", hint: "this is a test" } });
      expect(c).toMatchObject({ status: "fulfilled" });
      expect((c as PromiseFulfilledResult<postgres.RowList<postgres.Row[]>>).value[0]).toEqual({ n: 3 });
    } finally {
      await sql.end();
    }
  });

  test("cancel → 57014", async () => {
    const sql = connect({ max: 1 });
    try {
      const query = sql`sleep 5000`;
      const outcome = query.then(
        () => null,
        (e: unknown) => e,
      );
      await Bun.sleep(100);
      await query.cancel();
      expect(await outcome).toMatchObject({ code: "57014" });
      expect([...(await sql`select ${5}::int4 as n`)]).toEqual([{ n: 5 }]);
    } finally {
      await sql.end();
    }
  });

  test("COPY FROM STDIN and COPY TO STDOUT streams", async () => {
    const sql = connect({ max: 1 });
    try {
      const writable = await sql`copy t from stdin`.writable();
      await new Promise<void>((resolve, reject) => {
        writable.on("error", reject);
        writable.on("finish", () => resolve());
        writable.write("a\n");
        writable.write("b\nc\n");
        writable.end();
      });
      const readable = await sql`copy to stdout 5`.readable();
      let text = "";
      for await (const chunk of readable) text += String(chunk);
      expect(text).toBe("1\n2\n3\n4\n5\n");
      expect([...(await sql`select ${9}::int4 as n`)]).toEqual([{ n: 9 }]);
    } finally {
      await sql.end();
    }
  });

  test("SCRAM-SHA-256: right and wrong password", async () => {
    const good = connect({ user: "bob", password: passwords.bob });
    try {
      expect([...(await good`select ${1}::int4 as n`)]).toEqual([{ n: 1 }]);
    } finally {
      await good.end();
    }
    const bad = connect({ user: "bob", password: "wrong" });
    try {
      await expect(bad`select 1`).rejects.toMatchObject({ code: "28P01" });
    } finally {
      await bad.end();
    }
  });

  test("TLS", async () => {
    const sql = connect({ ssl: { rejectUnauthorized: false }, user: "alice", password: passwords.alice });
    try {
      expect([...(await sql`select ${"tls"}::text as t`)]).toEqual([{ t: "tls" }]);
    } finally {
      await sql.end();
    }
  });

  test("Unix socket", async () => {
    const sql = postgres({ path: t.server.socketPath!, user: "carol", database: "app", fetch_types: false });
    try {
      expect([...(await sql`select ${4}::int4 as n`)]).toEqual([{ n: 4 }]);
    } finally {
      await sql.end();
    }
  });
});
