// Statement kinds over the wire with valid and invalid input: results, command tags and the
// SQLSTATEs PostgreSQL gives (the conformance suite compares more cases against PostgreSQL).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlError, sqlState } from "./support/client.ts";
import { WireSession } from "../clients/support/wire.ts";

let server: TestServer;
let c: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  c = await connect(server);
  await c.query("CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, age int CHECK (age >= 0), email text UNIQUE)");
  await c.query("INSERT INTO people VALUES (1, 'ann', 30, 'ann@x'), (2, 'bob', 25, NULL), (3, 'cy', NULL, 'cy@x')");
});

afterAll(async () => {
  await c?.end();
  await server?.stop();
});

describe("errors carry PostgreSQL's SQLSTATE", () => {
  const cases: [string, string][] = [
    ["SELEC 1", "42601"],
    ["SELECT * FROM nothere", "42P01"],
    ["SELECT nope FROM people", "42703"],
    ["SELECT 1 + 'a'::text", "42883"],
    ["SELECT 1/0", "22012"],
    ["SELECT 2147483647 + 1", "22003"],
    ["SELECT 'x'::int", "22P02"],
    ["INSERT INTO people VALUES (1, 'dup', 1, NULL)", "23505"],
    ["INSERT INTO people VALUES (9, NULL, 1, NULL)", "23502"],
    ["INSERT INTO people VALUES (9, 'neg', -1, NULL)", "23514"],
    ["INSERT INTO people (id, name) VALUES ('x', 'a')", "22P02"],
    ["CREATE TABLE people (id int)", "42P07"],
    ["SELECT id FROM people GROUP BY name", "42803"],
    ["SELECT (SELECT id FROM people)", "21000"],
    ["CREATE TABLE fk (id int REFERENCES people(id))", "0A000"],
    ["SELECT row_number() OVER () FROM people", "0A000"],
    ["CREATE VIEW v AS SELECT 1", "0A000"],
  ];
  for (const [sql, code] of cases) {
    test(`${sql} → ${code}`, async () => {
      expect(await sqlState(c.query(sql))).toBe(code);
    });
  }

  test("a unique violation names the key", async () => {
    const error = await sqlError(c.query("INSERT INTO people VALUES (4, 'd', 1, 'ann@x')"));
    expect(error.code).toBe("23505");
    expect(error.message).toBe('duplicate key value violates unique constraint "people_email_key"');
    expect(error.detail).toBe("Key (email)=(ann@x) already exists.");
  });

  test("a syntax error has its position", async () => {
    const error = await sqlError(c.query("SELECT 1 FROM people WHERE"));
    expect(error.code).toBe("42601");
    expect(error.position).toBe("27");
  });

  test("an error in a transaction block aborts it until ROLLBACK", async () => {
    await c.query("BEGIN");
    expect(await sqlState(c.query("SELECT 1/0"))).toBe("22012");
    expect(await sqlState(c.query("SELECT 1"))).toBe("25P02");
    await c.query("ROLLBACK");
    expect(await rows(c, "SELECT 1")).toEqual([["1"]]);
  });
});

describe("statements", () => {
  test("INSERT ... RETURNING, UPDATE and DELETE report counts", async () => {
    await c.query("CREATE TABLE kv (k int PRIMARY KEY, v text)");
    const inserted = await c.query("INSERT INTO kv VALUES (1, 'a'), (2, 'b'), (3, 'c') RETURNING k");
    expect(inserted.command).toBe("INSERT");
    expect(inserted.rowCount).toBe(3);
    expect(inserted.rows.map((r) => r.k)).toEqual([1, 2, 3]);
    const updated = await c.query("UPDATE kv SET v = upper(v) WHERE k >= 2");
    expect(updated.rowCount).toBe(2);
    const deleted = await c.query("DELETE FROM kv WHERE k = 1 RETURNING v");
    expect(deleted.rows).toEqual([{ v: "a" }]);
    expect(await rows(c, "SELECT k, v FROM kv ORDER BY k")).toEqual([["2", "B"], ["3", "C"]]);
  });

  test("ON CONFLICT DO NOTHING and DO UPDATE with excluded", async () => {
    await c.query("CREATE TABLE counters (name text PRIMARY KEY, n int NOT NULL)");
    await c.query("INSERT INTO counters VALUES ('a', 1)");
    expect((await c.query("INSERT INTO counters VALUES ('a', 5) ON CONFLICT DO NOTHING")).rowCount).toBe(0);
    const upsert = await c.query("INSERT INTO counters VALUES ('a', 5), ('b', 2) ON CONFLICT (name) DO UPDATE SET n = counters.n + excluded.n RETURNING name, n");
    expect(upsert.rows).toEqual([{ name: "a", n: 6 }, { name: "b", n: 2 }]);
  });

  test("UPDATE of one array element extends the array as PostgreSQL does", async () => {
    await c.query("CREATE TABLE arrays (id int PRIMARY KEY, a int[])");
    await c.query("INSERT INTO arrays VALUES (1, '{1,2,3}'), (2, NULL)");
    await c.query("UPDATE arrays SET a[5] = 9 WHERE id = 1");
    await c.query("UPDATE arrays SET a[2] = 7 WHERE id = 2");
    expect(await rows(c, "SELECT id, a FROM arrays ORDER BY id")).toEqual([["1", "{1,2,3,NULL,9}"], ["2", "[2:2]={7}"]]);
    expect(await sqlState(c.query("UPDATE arrays SET a[NULL] = 1"))).toBe("22004");
    expect(await sqlState(c.query("UPDATE arrays SET id[1] = 1"))).toBe("42804");
  });

  test("UPDATE ... FROM and INSERT ... SELECT", async () => {
    await c.query("CREATE TABLE prices (id int PRIMARY KEY, price int)");
    await c.query("INSERT INTO prices SELECT id, id * 10 FROM people");
    await c.query("UPDATE prices SET price = price + p.age FROM people p WHERE p.id = prices.id AND p.age IS NOT NULL");
    expect(await rows(c, "SELECT id, price FROM prices ORDER BY id")).toEqual([["1", "40"], ["2", "45"], ["3", "30"]]);
  });

  test("joins, aggregates, subqueries, set operations and CTEs", async () => {
    expect(
      await rows(
        c,
        `WITH adults AS (SELECT * FROM people WHERE age >= 18)
         SELECT a.name, (SELECT count(*) FROM people) AS total, EXISTS (SELECT 1 FROM people p WHERE p.id > a.id) AS more
         FROM adults a LEFT JOIN prices pr ON pr.id = a.id ORDER BY a.name`,
      ),
    ).toEqual([["ann", "3", "t"], ["bob", "3", "t"]]);
    expect(await rows(c, "SELECT name FROM people UNION SELECT 'zed' EXCEPT SELECT 'bob' ORDER BY 1")).toEqual([["ann"], ["cy"], ["zed"]]);
    expect(await rows(c, "SELECT count(*), count(age), sum(age), avg(age), string_agg(name, ',' ORDER BY name DESC) FROM people")).toEqual([
      ["3", "2", "55", "27.5000000000000000", "cy,bob,ann"],
    ]);
  });

  test("extended protocol: parameters, prepared statements, binary results", async () => {
    const named = { name: "by_id", text: "SELECT name, age FROM people WHERE id = $1", values: [2] };
    expect((await c.query(named)).rows).toEqual([{ name: "bob", age: 25 }]);
    expect((await c.query({ ...named, values: [1] })).rows).toEqual([{ name: "ann", age: 30 }]);
    const binary = await c.query({ text: "SELECT $1::int8 + 1 AS n, now() IS NOT NULL AS ok", values: ["41"], binary: true } as pg.QueryConfig);
    expect(binary.rows[0].ok).toBe(true);
  });

  test("SET, SHOW and RESET", async () => {
    await c.query("SET TimeZone = 'America/New_York'");
    expect(await rows(c, "SHOW TimeZone")).toEqual([["America/New_York"]]);
    expect(await rows(c, "SELECT '2020-06-01 12:00:00+00'::timestamptz::text")).toEqual([["2020-06-01 08:00:00-04"]]);
    await c.query("RESET TimeZone");
    expect(await rows(c, "SHOW TimeZone")).toEqual([["UTC"]]);
    expect(await sqlState(c.query("SET no_such_setting = 1"))).toBe("42704");
    expect(await rows(c, "SELECT current_database(), current_user, current_schema(), pg_backend_pid() > 0, version() LIKE 'PostgreSQL 15.0 (pgz%'")).toEqual([
      ["postgres", "postgres", "public", "t", "t"],
    ]);
  });

  test("DROP TABLE IF EXISTS of a missing table is a notice", async () => {
    const notices: string[] = [];
    const listener = (notice: { message?: string }) => notices.push(notice.message ?? "");
    c.on("notice", listener);
    await c.query("DROP TABLE IF EXISTS missing_table");
    c.off("notice", listener);
    expect(notices).toEqual(['table "missing_table" does not exist, skipping']);
  });
});

describe("text parameters are checked as UTF-8", () => {
  test("an invalid byte sequence fails the statement with 22021 naming the bytes; the session goes on", async () => {
    const wire = await WireSession.connect(server);
    try {
      const bad = await wire.extended("SELECT $1::text", [25], [{ format: 0, value: new Uint8Array([0x61, 0xc3, 0x28]) }]);
      expect(bad.error).toEqual({ code: "22021", message: 'invalid byte sequence for encoding "UTF8": 0xc3 0x28' });
      const good = await wire.extended("SELECT $1::text", [25], [{ format: 0, value: "héllo" }]);
      expect(good.error).toBeNull();
      expect(new TextDecoder().decode(good.rows[0]![0]!)).toBe("héllo");
    } finally {
      wire.close();
    }
  });
});
