// A statement that computes for long without producing result rows (an aggregate over a huge
// series or a large table, the build of a join) still gives the event loop a turn now and
// then, so a cancel request stops it (57014) within moments and the connection goes on, and
// other sessions are served meanwhile. Results are unchanged by the pauses.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlError, sendCancel } from "./support/client.ts";

let server: TestServer;
let c: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  c = await connect(server);
  await c.query("CREATE TABLE big AS SELECT g AS id, g % 97 AS k FROM generate_series(1, 200000) g");
  await c.query("CREATE TABLE side AS SELECT g AS id FROM generate_series(1, 3000) g");
});

afterAll(async () => {
  await c?.end();
  await server?.stop();
});

const cancel = (client: pg.Client, pid: number) => sendCancel(server, client, pid);

const computing = {
  "an aggregate over a huge generate_series": "SELECT sum(g) FROM generate_series(1, 1e11) g",
  "count(*) over a cross join of two tables": "SELECT count(*) FROM big CROSS JOIN side",
  "a sort of few rows of a huge series": "SELECT g FROM generate_series(1, 1e11) g WHERE g % 1000000000 = 0 ORDER BY g DESC",
  "a hash join built from a series": "SELECT count(*) FROM big JOIN generate_series(1, 1e11) g ON g = big.id",
  "a set-returning function in the select list under an aggregate": "SELECT max(x) FROM (SELECT generate_series(1, 100000000000) AS x) s",
  "a materialized WITH query": "WITH w AS MATERIALIZED (SELECT g FROM generate_series(1, 1e11) g WHERE g % 1000000000 = 0) SELECT count(*) FROM w",
} as const;

describe("cancel requests stop statements that compute without sending rows", () => {
  for (const [name, sql] of Object.entries(computing)) {
    test(name, async () => {
      const other = await connect(server);
      const pid = (await other.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      const running = sqlError(other.query(sql));
      await Bun.sleep(300);
      // Other sessions are served meanwhile.
      const served = Date.now();
      expect(await rows(c, "SELECT 1")).toEqual([["1"]]);
      expect(Date.now() - served).toBeLessThan(1000);
      const started = Date.now();
      await cancel(other, pid);
      const error = await running;
      expect({ code: error.code, message: error.message }).toEqual({ code: "57014", message: "canceling statement due to user request" });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await rows(other, "SELECT 2")).toEqual([["2"]]);
      await other.end();
    }, 20_000);
  }
});

describe("results are unchanged by pauses", () => {
  test("long aggregates, joins, sorts and WITH queries", async () => {
    expect(await rows(c, "SELECT count(*), sum(id), sum(k) FROM big")).toEqual([["200000", "20000100000", "9599502"]]);
    expect(await rows(c, "SELECT count(*) FROM big b1 JOIN big b2 ON b1.id = b2.id")).toEqual([["200000"]]);
    expect(await rows(c, "SELECT k, count(*) FROM big GROUP BY k ORDER BY count(*) DESC, k LIMIT 2")).toEqual([
      ["1", "2062"],
      ["2", "2062"],
    ]);
    expect(await rows(c, "SELECT id FROM big ORDER BY id DESC LIMIT 1 OFFSET 10")).toEqual([["199990"]]);
    expect(await rows(c, "WITH w AS MATERIALIZED (SELECT id FROM big WHERE k = 3) SELECT count(*), (SELECT count(*) FROM w) FROM w")).toEqual([["2062", "2062"]]);
    expect(await rows(c, "SELECT count(*) FROM big WHERE id > (SELECT max(id) - 10 FROM big)")).toEqual([["10"]]);
    expect(await rows(c, "SELECT count(*) FROM (SELECT id FROM big UNION SELECT id + 100000 FROM big) u")).toEqual([["300000"]]);
    expect(await rows(c, "SELECT count(*) FROM (SELECT id FROM big EXCEPT SELECT id FROM side) e")).toEqual([["197000"]]);
    expect(await rows(c, "SELECT count(DISTINCT k) FROM (SELECT DISTINCT k, id FROM big) d")).toEqual([["97"]]);
    expect(await rows(c, "SELECT count(*) FROM side WHERE EXISTS (SELECT 1 FROM big WHERE id = 199999)")).toEqual([["3000"]]);
  }, 60_000);

  test("statement_timeout still stops a long join", async () => {
    await c.query("SET statement_timeout = '300ms'");
    try {
      const started = Date.now();
      const error = await sqlError(c.query("SELECT count(*) FROM big CROSS JOIN side"));
      expect(error.code).toBe("57014");
      expect(error.message).toBe("canceling statement due to statement timeout");
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await c.query("RESET statement_timeout");
    }
  });
});
