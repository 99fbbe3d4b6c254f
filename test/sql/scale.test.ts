// With hundreds of thousands of rows, point lookups and range scans on keys and indexes
// read only what they need: EXPLAIN shows the access path, and the time of a lookup does
// not grow with the table (compared with a table 20 times smaller in the same run).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows } from "./support/client.ts";

let server: TestServer;
let c: pg.Client;

const BIG = 300_000;
const SMALL = 15_000;

beforeAll(async () => {
  server = await startTestServer();
  c = await connect(server);
  for (const [name, count] of [["big", BIG], ["small", SMALL]] as const) {
    await c.query(`CREATE TABLE ${name} (id int PRIMARY KEY, grp int, label text)`);
    for (let start = 1; start <= count; start += 50_000) {
      const end = Math.min(count, start + 49_999);
      await c.query(`INSERT INTO ${name} SELECT g, g % 1000, 'row ' || g FROM generate_series(${start}, ${end}) g`);
    }
    await c.query(`CREATE INDEX ${name}_grp ON ${name} (grp)`);
  }
}, 300_000);

afterAll(async () => {
  await c?.end();
  await server?.stop();
});

async function plan(sql: string): Promise<string> {
  return (await rows(c, `EXPLAIN ${sql}`)).map((r) => r[0]).join("\n");
}

/** Median time of a prepared statement over many executions, in microseconds. */
async function timeQuery(text: string, values: (n: number) => unknown[], runs = 400): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await c.query({ name: `t_${text.length}_${text.slice(0, 20)}`, text, values: values(i) });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]! * 1000;
}

describe("EXPLAIN shows the access path", () => {
  test("point get, key range, secondary index, full scan, joins", async () => {
    expect(await plan("SELECT label FROM big WHERE id = 42")).toBe("Index Scan using big_pkey on big\n  Index Cond: (id = 42)");
    expect(await plan("SELECT label FROM big WHERE id BETWEEN 10 AND 20")).toContain("Index Scan using big_pkey on big");
    expect(await plan("SELECT label FROM big WHERE id IN (1, 5, 9)")).toContain("Index Scan using big_pkey on big");
    expect(await plan("SELECT id FROM big WHERE grp = 7")).toContain("Index Scan using big_grp on big");
    expect(await plan("SELECT id FROM big WHERE label = 'row 5'")).toBe("Seq Scan on big\n  Filter: (label = 'row 5'::text)");
    expect(await plan("SELECT * FROM small s JOIN big b ON b.id = s.id WHERE s.grp = 3")).toContain("Nested Loop");
    expect(await plan("SELECT * FROM small s JOIN big b ON b.grp = s.grp")).toContain("Hash Join");
  });
});

describe("reads only what is needed", () => {
  test("point lookups and small ranges take the same time on a 20x larger table", async () => {
    const bigPoint = await timeQuery("SELECT label FROM big WHERE id = $1", (i) => [1 + ((i * 7919) % BIG)]);
    const smallPoint = await timeQuery("SELECT label FROM small WHERE id = $1", (i) => [1 + ((i * 7919) % SMALL)]);
    const bigRange = await timeQuery("SELECT count(*) FROM big WHERE id BETWEEN $1 AND $1 + 20", (i) => [1 + ((i * 7919) % (BIG - 30))]);
    const smallRange = await timeQuery("SELECT count(*) FROM small WHERE id BETWEEN $1 AND $1 + 20", (i) => [1 + ((i * 7919) % (SMALL - 30))]);
    const bigIndex = await timeQuery("SELECT count(*) FROM big WHERE grp = $1 AND id < 5000", (i) => [i % 1000]);
    const smallIndex = await timeQuery("SELECT count(*) FROM small WHERE grp = $1 AND id < 5000", (i) => [i % 1000]);
    console.log(`point ${bigPoint.toFixed(0)}us vs ${smallPoint.toFixed(0)}us, range ${bigRange.toFixed(0)}us vs ${smallRange.toFixed(0)}us, index ${bigIndex.toFixed(0)}us vs ${smallIndex.toFixed(0)}us`);
    // A full scan of the big table takes tens of milliseconds; a lookup stays well under a millisecond.
    expect(bigPoint).toBeLessThan(Math.max(3 * smallPoint, 1000));
    expect(bigRange).toBeLessThan(Math.max(3 * smallRange, 1000));
    const fullScan = await timeQuery("SELECT count(*) FROM big WHERE label = $1", () => ["row 5"], 3);
    expect(bigPoint * 10).toBeLessThan(fullScan);
    expect(await rows(c, "SELECT count(*) FROM big WHERE grp = 7")).toEqual([[String(BIG / 1000)]]);
  });

  test("ORDER BY key LIMIT reads a few rows, not the table", async () => {
    const limited = await timeQuery("SELECT id FROM big ORDER BY id DESC LIMIT 5", () => [], 50);
    const full = await timeQuery("SELECT count(*) FROM big", () => [], 3);
    expect(limited * 10).toBeLessThan(full);
    expect(await rows(c, "SELECT id FROM big ORDER BY id DESC LIMIT 3")).toEqual([[String(BIG)], [String(BIG - 1)], [String(BIG - 2)]]);
  });
});
