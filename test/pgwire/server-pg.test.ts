// node-postgres (pg) against the server: simple and extended protocol, binary results, named
// statements, errors, transactions, SCRAM, TLS with channel binding, cancel, a pool.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pg from "pg";
import { Frontend } from "./support/frontend-encoder.ts";
import { RawClient } from "./support/raw-client.ts";
import { testCertificate } from "./support/tls.ts";
import type { TestServer } from "./support/test-server.ts";
import { eventually, passwords, startTestServer } from "./support/test-server.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ tls: testCertificate() });
});

afterAll(async () => {
  await t.stop();
  expect(t.logger.errors).toEqual([]);
});

function config(extra: pg.ClientConfig = {}): pg.ClientConfig {
  return { host: "127.0.0.1", port: t.port, user: "carol", database: "app", ...extra };
}

async function withClient<T>(extra: pg.ClientConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config(extra));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe("pg (node-postgres)", () => {
  test("simple query with typed results", async () => {
    await withClient({}, async (client) => {
      const r = await client.query("select 1 as n, 'a' as s, null as z");
      expect(r.rows).toEqual([{ n: 1, s: "a", z: null }]);
      expect(r.command).toBe("SELECT");
      expect(r.rowCount).toBe(1);
      expect(r.fields.map((f) => f.dataTypeID)).toEqual([23, 25, 25]);
    });
  });

  test("parameters use the extended protocol", async () => {
    await withClient({}, async (client) => {
      const r = await client.query("select $1::text as a, $2::int4 as b, $3 as c", ["x'y", 5, null]);
      expect(r.rows).toEqual([{ a: "x'y", b: 5, c: null }]);
    });
  });

  test("named prepared statements are parsed once and reused", async () => {
    await withClient({}, async (client) => {
      for (let i = 0; i < 3; i++) {
        const r = await client.query({ name: "q1", text: "select $1::int4 as n", values: [i] });
        expect(r.rows).toEqual([{ n: i }]);
      }
      const session = t.backend.sessions.at(-1)!;
      expect([...session.statements.keys()]).toContain("q1");
    });
  });

  test("binary result format", async () => {
    await withClient({ binary: true } as pg.ClientConfig, async (client) => {
      const r = await client.query("select 1 as n, $1::int4 as m", [258]);
      expect(r.rows).toEqual([{ n: 1, m: 258 }]);
      expect(t.backend.sessions.at(-1)!.lastResultFormats).toEqual([1, 1]);
    });
  });

  test("rowMode array and many rows", async () => {
    await withClient({}, async (client) => {
      const r = await client.query({ text: "series 10000", rowMode: "array" });
      expect(r.rows.length).toBe(10_000);
      expect(r.rows[9999]).toEqual([10_000]);
    });
  });

  test("errors carry code, detail, hint, position; the connection goes on", async () => {
    await withClient({}, async (client) => {
      const error = await client.query("raise 23505 duplicate key").catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "23505", message: "duplicate key", detail: "raised on request", hint: "this is a test" });
      const syntax = await client.query("frobnicate").catch((e: unknown) => e);
      expect(syntax).toMatchObject({ code: "42601", position: "1" });
      const extended = await client.query("raise 22012 boom", []).catch((e: unknown) => e);
      expect(extended).toMatchObject({ code: "22012" });
      expect((await client.query("select 2 as x", [])).rows).toEqual([{ x: 2 }]);
    });
  });

  test("transactions: BEGIN, failure, 25P02, ROLLBACK", async () => {
    await withClient({}, async (client) => {
      await client.query("begin");
      await expect(client.query("raise 40001 conflict")).rejects.toMatchObject({ code: "40001" });
      await expect(client.query("select 1")).rejects.toMatchObject({ code: "25P02" });
      await expect(client.query("select $1::int4", [1])).rejects.toMatchObject({ code: "25P02" });
      await client.query("rollback");
      expect((await client.query("select 3 as x")).rows).toEqual([{ x: 3 }]);
    });
  });

  test("notices and parameter status", async () => {
    await withClient({}, async (client) => {
      const notices: string[] = [];
      client.on("notice", (n) => notices.push(n.message ?? ""));
      await client.query("notice careful");
      expect(notices).toEqual(["careful"]);
    });
  });

  test("SCRAM-SHA-256: right password works, wrong password is 28P01", async () => {
    await withClient({ user: "alice", password: passwords.alice }, async (client) => {
      expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
    });
    const bad = new pg.Client(config({ user: "alice", password: "nope" }));
    await expect(bad.connect()).rejects.toMatchObject({ code: "28P01" });
  });

  test("unknown users cannot be told apart from wrong passwords", async () => {
    const strict = await startTestServer({ backend: { trust: false } });
    try {
      const client = new pg.Client({ host: "127.0.0.1", port: strict.port, user: "ghost", password: "x", database: "app" });
      await expect(client.connect()).rejects.toMatchObject({ code: "28P01", message: 'password authentication failed for user "ghost"' });
    } finally {
      await strict.stop();
    }
  });

  test("TLS with SCRAM-SHA-256-PLUS channel binding", async () => {
    await withClient(
      { user: "alice", password: passwords.alice, ssl: { rejectUnauthorized: false }, enableChannelBinding: true } as pg.ClientConfig,
      async (client) => {
        expect((await client.query("select 'tls' as t")).rows).toEqual([{ t: "tls" }]);
      },
    );
  });

  test("TLS verifying the certificate", async () => {
    await withClient({ ssl: { ca: testCertificate().cert, servername: "localhost" } }, async (client) => {
      expect((await client.query("select $1::text as t", ["verified"])).rows).toEqual([{ t: "verified" }]);
    });
  });

  test("the Unix socket", async () => {
    await withClient({ host: t.socketDir }, async (client) => {
      expect((await client.query("select 5 as five")).rows).toEqual([{ five: 5 }]);
    });
  });

  test("cancel a running query → 57014, then the connection works", async () => {
    await withClient({}, async (client) => {
      const running = client.query("sleep 5000").catch((e: unknown) => e);
      const session = t.backend.sessions.at(-1)!;
      await Bun.sleep(100);
      // What pg's cancel does: a CancelRequest with the BackendKeyData on a new connection.
      const keyData = client as unknown as { processID: number; secretKey: number };
      const key = new Uint8Array(4);
      new DataView(key.buffer).setInt32(0, keyData.secretKey);
      const raw = await RawClient.connect({ port: t.port });
      raw.send(Frontend.bytes((f) => f.cancelRequest(keyData.processID, key)));
      await raw.closed;
      const error = await running;
      expect(error).toMatchObject({ code: "57014", message: "canceling statement due to user request" });
      expect(session.cancels).toBe(1);
      expect((await client.query("select 1 as after")).rows).toEqual([{ after: 1 }]);
    });
  });

  test("a pool of 50 concurrent connections", async () => {
    const pool = new pg.Pool({ ...config(), max: 50 });
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => pool.query("select $1::int4 as i, 'x' as s", [i]).then((r) => r.rows[0].i as number)),
      );
      expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
      const clients = await Promise.all(Array.from({ length: 50 }, () => pool.connect()));
      expect(t.server.connections).toBeGreaterThanOrEqual(50);
      await Promise.all(clients.map((c, i) => c.query("series 100").then((r) => expect(r.rows.length).toBe(100)).then(() => i)));
      for (const c of clients) c.release();
    } finally {
      await pool.end();
    }
    await eventually(() => t.server.connections === 0, 5000, "connections to close");
  });
});
