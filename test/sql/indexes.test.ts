// Index maintenance: unique violations, multi-column and expression indexes, updates that
// move index entries, and index scans returning exactly what a full scan returns on random
// data (reproducible from the printed seed).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlState } from "./support/client.ts";

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

async function plan(sql: string): Promise<string> {
  return (await rows(c, `EXPLAIN ${sql}`)).map((r) => r[0]).join("\n");
}

/** Mulberry32: a small seeded generator so failures can be reproduced. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("unique and multi-column indexes", () => {
  test("UNIQUE violations, NULLs never conflict, and a failed update leaves the index intact", async () => {
    await c.query("CREATE TABLE u (id int PRIMARY KEY, code text, region int)");
    await c.query("CREATE UNIQUE INDEX u_code ON u (code)");
    await c.query("CREATE UNIQUE INDEX u_region_id ON u (region, id)");
    await c.query("INSERT INTO u VALUES (1, 'a', 1), (2, 'b', 1), (3, NULL, 2), (4, NULL, 2)");
    expect(await sqlState(c.query("INSERT INTO u VALUES (5, 'a', 3)"))).toBe("23505");
    expect(await sqlState(c.query("UPDATE u SET code = 'a' WHERE id = 2"))).toBe("23505");
    expect(await rows(c, "SELECT id FROM u WHERE code = 'b'")).toEqual([["2"]]);
    expect(await sqlState(c.query("CREATE UNIQUE INDEX u_region ON u (region)"))).toBe("23505");
  });

  test("updates move index entries and deletes remove them", async () => {
    await c.query("CREATE TABLE m (id int PRIMARY KEY, a int, b text)");
    await c.query("CREATE INDEX m_ab ON m (a, b)");
    await c.query("INSERT INTO m SELECT g, g % 10, 'v' || g FROM generate_series(1, 200) g");
    await c.query("UPDATE m SET a = 99 WHERE id <= 20");
    await c.query("DELETE FROM m WHERE id BETWEEN 21 AND 30");
    expect(await plan("SELECT id FROM m WHERE a = 99")).toContain("Index Scan using m_ab on m");
    expect(await rows(c, "SELECT count(*) FROM m WHERE a = 99")).toEqual([["20"]]);
    expect(await rows(c, "SELECT count(*) FROM m WHERE a = 1")).toEqual([["17"]]);
    expect(await rows(c, "SELECT id FROM m WHERE a = 3 AND b = 'v43'")).toEqual([["43"]]);
    // Primary key changes move the row and its index entries.
    await c.query("UPDATE m SET id = id + 1000 WHERE id = 43");
    expect(await rows(c, "SELECT id FROM m WHERE a = 3 AND b = 'v43'")).toEqual([["1043"]]);
  });

  test("expression indexes are used and maintained", async () => {
    await c.query("CREATE TABLE e (id int PRIMARY KEY, email text)");
    await c.query("CREATE UNIQUE INDEX e_lower ON e (lower(email))");
    await c.query("INSERT INTO e VALUES (1, 'Ann@X.org'), (2, 'bob@y.org')");
    expect(await sqlState(c.query("INSERT INTO e VALUES (3, 'ANN@x.ORG')"))).toBe("23505");
    expect(await plan("SELECT id FROM e WHERE lower(email) = 'bob@y.org'")).toContain("Index Scan using e_lower on e");
    await c.query("UPDATE e SET email = 'Carol@z.org' WHERE id = 2");
    expect(await rows(c, "SELECT id FROM e WHERE lower(email) = 'carol@z.org'")).toEqual([["2"]]);
    expect(await rows(c, "SELECT id FROM e WHERE lower(email) = 'bob@y.org'")).toEqual([]);
  });

  test("a partial unique index constrains only the rows its WHERE covers", async () => {
    await c.query("CREATE TABLE p (id int PRIMARY KEY, email text, active boolean)");
    await c.query("INSERT INTO p VALUES (1, 'a@x', false), (2, 'a@x', false)");
    await c.query("CREATE UNIQUE INDEX p_active_email ON p (email) WHERE active");
    await c.query("INSERT INTO p VALUES (3, 'a@x', true)");
    expect(await sqlState(c.query("INSERT INTO p VALUES (4, 'a@x', true)"))).toBe("23505");
    expect(await sqlState(c.query("UPDATE p SET active = true WHERE id = 1"))).toBe("23505");
    // Leaving the predicate removes the entry, so another row may take the value.
    await c.query("UPDATE p SET active = false WHERE id = 3");
    await c.query("UPDATE p SET active = true WHERE id = 2");
    await c.query("DELETE FROM p WHERE id = 2");
    await c.query("INSERT INTO p VALUES (5, 'a@x', true)");
    // Never chosen for a scan: its entries are not every row.
    expect(await plan("SELECT id FROM p WHERE email = 'a@x'")).toContain("Seq Scan on p");
    expect(await rows(c, "SELECT id FROM p WHERE email = 'a@x' ORDER BY id")).toEqual([["1"], ["3"], ["5"]]);
    // Its column cannot be dropped without the index going too.
    await c.query("ALTER TABLE p DROP COLUMN active");
    await c.query("INSERT INTO p VALUES (6, 'a@x')");
    expect(await rows(c, "SELECT count(*) FROM p")).toEqual([["4"]]);
  });

  test("renaming a column keeps CHECK constraints and expression indexes working", async () => {
    await c.query("CREATE TABLE rn (id int PRIMARY KEY, price int CHECK (price > 0), name text)");
    await c.query("CREATE UNIQUE INDEX rn_lower ON rn (lower(name))");
    await c.query("ALTER TABLE rn RENAME COLUMN price TO cost");
    await c.query("ALTER TABLE rn RENAME COLUMN name TO title");
    await c.query("INSERT INTO rn VALUES (1, 5, 'Hat')");
    expect(await sqlState(c.query("INSERT INTO rn VALUES (2, -1, 'Cap')"))).toBe("23514");
    expect(await sqlState(c.query("INSERT INTO rn VALUES (3, 1, 'HAT')"))).toBe("23505");
    expect(await plan("SELECT id FROM rn WHERE lower(title) = 'hat'")).toContain("Index Scan using rn_lower on rn");
    expect(await rows(c, "SELECT id FROM rn WHERE lower(title) = 'hat'")).toEqual([["1"]]);
  });
});

describe("index scans return exactly the full-scan answer", () => {
  test("random data and random range/equality/IN predicates", async () => {
    const seed = Number(process.env.PGZ_TEST_SEED ?? Date.now() % 100000);
    const next = random(seed);
    await c.query("CREATE TABLE r (id int PRIMARY KEY, k int, s text, n numeric, d date)");
    await c.query("CREATE INDEX r_k ON r (k)");
    await c.query("CREATE INDEX r_s_k ON r (s, k)");
    await c.query("CREATE INDEX r_n ON r (n DESC)");
    const values: string[] = [];
    for (let i = 1; i <= 600; i++) {
      const k = next() < 0.1 ? "NULL" : String(Math.floor(next() * 60) - 30);
      const s = next() < 0.1 ? "NULL" : `'${String.fromCharCode(97 + Math.floor(next() * 6))}'`;
      const n = next() < 0.1 ? "NULL" : (next() * 100 - 50).toFixed(2);
      values.push(`(${i}, ${k}, ${s}, ${n}, DATE '2024-01-01' + ${Math.floor(next() * 30)})`);
    }
    await c.query(`INSERT INTO r VALUES ${values.join(", ")}`);
    await c.query("DELETE FROM r WHERE id % 7 = 0");
    await c.query("UPDATE r SET k = k + 1 WHERE id % 5 = 0");
    const predicates = [
      () => `k = ${Math.floor(next() * 60) - 30}`,
      () => `k > ${Math.floor(next() * 60) - 30}`,
      () => `k BETWEEN ${Math.floor(next() * 30) - 30} AND ${Math.floor(next() * 30)}`,
      () => `k < ${Math.floor(next() * 60) - 30}.5`,
      () => `k IN (${Math.floor(next() * 60) - 30}, ${Math.floor(next() * 60) - 30}, 7)`,
      () => `s = '${String.fromCharCode(97 + Math.floor(next() * 6))}' AND k >= ${Math.floor(next() * 60) - 30}`,
      () => `s = 'c'`,
      () => `id BETWEEN ${Math.floor(next() * 600)} AND ${Math.floor(next() * 600)}`,
      () => `id IN (1, 2, 3, ${Math.floor(next() * 600)})`,
      () => `n > ${(next() * 100 - 50).toFixed(1)}`,
      () => `id > 590 OR k = 3`,
    ];
    for (let i = 0; i < 60; i++) {
      const predicate = predicates[i % predicates.length]!();
      const indexed = await rows(c, `SELECT id FROM r WHERE ${predicate} ORDER BY id`);
      await c.query("SET enable_indexscan = off");
      const full = await rows(c, `SELECT id FROM r WHERE ${predicate} ORDER BY id`);
      await c.query("RESET enable_indexscan");
      if (JSON.stringify(indexed) !== JSON.stringify(full)) throw new Error(`seed ${seed}: WHERE ${predicate} differs between index and full scan`);
    }
    expect(await plan("SELECT id FROM r WHERE k = 3")).toContain("Index Scan using r_k on r");
    expect(await plan("SELECT id FROM r WHERE s = 'a' AND k > 2")).toContain("Index Scan using r_s_k on r");
  });

  test("ORDER BY on an index key is served by the index", async () => {
    expect(await plan("SELECT id FROM r ORDER BY id LIMIT 5")).not.toContain("Sort");
    expect(await plan("SELECT id FROM r WHERE s = 'a' ORDER BY k DESC")).not.toContain("Sort");
    const indexed = await rows(c, "SELECT id, k FROM r WHERE s = 'a' ORDER BY k DESC, id");
    // DESC puts NULLs first, as in PostgreSQL.
    const sorted = [...indexed].sort((x, y) => Number(y[1] ?? 1e9) - Number(x[1] ?? 1e9) || Number(x[0]) - Number(y[0]));
    expect(indexed.map((r) => r[1])).toEqual(sorted.map((r) => r[1]));
  });
});
