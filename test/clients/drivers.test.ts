// pg, postgres.js and Bun.sql against a running server: transactions (commit, rollback, an
// error inside aborts the transaction until it ends), errors with PostgreSQL's SQLSTATE and
// message through the extended and the simple protocol, and 50 connections of each driver
// working at once. (Type round-trips: types.test.ts; login: auth.test.ts; cancel:
// cancel.test.ts.)
//
// Target: pgz by default; PGZ_CLIENTS_TARGET=postgres runs the same against PostgreSQL.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, driverNames, sqlState, type Connection, type DriverName } from "./support/drivers.ts";
import { startTarget, type Target } from "./support/target.ts";

let target: Target;

beforeAll(async () => {
  target = await startTarget(undefined, { maxConnections: 100 });
});

afterAll(async () => {
  await target?.stop();
});

async function withConnection<T>(driver: DriverName, run: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect(driver, target);
  try {
    return await run(connection);
  } finally {
    await connection.close();
  }
}

/** The error a statement fails with (fails the test if it succeeds). */
async function failure(run: () => Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await run();
  } catch (error) {
    return { code: sqlState(error), message: (error as Error).message };
  }
  throw new Error("the statement succeeded; an error was expected");
}

const tableOf = (driver: DriverName, what: string): string => `${what}_${driver.replace(/\W/g, "").toLowerCase()}`;

describe.each(driverNames)("%s", (driver) => {
  test("transactions: commit, rollback, an error inside aborts until the end", async () => {
    const table = tableOf(driver, "tx");
    await withConnection(driver, async (c) => {
      await c.simple(`CREATE TABLE ${table} (id int4 PRIMARY KEY, v text)`);
      const other = await connect(driver, target);
      const ids = async (on: Connection) => (await on.query(`SELECT id FROM ${table} ORDER BY id`)).map((row) => Number(row[0]));
      try {
        await c.simple("BEGIN");
        await c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [1, "committed"]);
        expect(await ids(other)).toEqual([]);
        await c.simple("COMMIT");
        expect(await ids(other)).toEqual([1]);

        await c.simple("BEGIN");
        await c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [2, "rolled back"]);
        expect(await ids(c)).toEqual([1, 2]);
        await c.simple("ROLLBACK");
        expect(await ids(c)).toEqual([1]);

        await c.simple("BEGIN");
        await c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [3, "lost with the transaction"]);
        expect(await failure(() => c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [1, "duplicate"]))).toMatchObject({ code: "23505" });
        const aborted = { code: "25P02", message: "current transaction is aborted, commands ignored until end of transaction block" };
        expect(await failure(() => c.query("SELECT $1::int4", [1]))).toEqual(aborted);
        expect(await failure(() => c.simple("SELECT 1"))).toEqual(aborted);
        // COMMIT of a failed transaction rolls it back.
        await c.simple("COMMIT");
        expect(await ids(c)).toEqual([1]);
        expect(await ids(other)).toEqual([1]);

        // A savepoint keeps what came before the error.
        await c.simple("BEGIN");
        await c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [4, "kept"]);
        await c.simple("SAVEPOINT s");
        expect(await failure(() => c.query("SELECT 1 / $1::int4", [0]))).toMatchObject({ code: "22012" });
        await c.simple("ROLLBACK TO SAVEPOINT s");
        await c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [5, "after the savepoint"]);
        await c.simple("COMMIT");
        expect(await ids(other)).toEqual([1, 4, 5]);
      } finally {
        await other.close();
      }
    });
  });

  test("errors carry PostgreSQL's SQLSTATE and message; the connection goes on", async () => {
    const table = tableOf(driver, "errs");
    await withConnection(driver, async (c) => {
      await c.simple(`CREATE TABLE ${table} (id int4 PRIMARY KEY, name varchar(3) NOT NULL)`);
      await c.query(`INSERT INTO ${table} VALUES ($1, $2)`, [1, "one"]);
      const cases: [string, unknown[], string, string][] = [
        ["SELECT * FROM no_such_table", [], "42P01", 'relation "no_such_table" does not exist'],
        [`SELECT nme FROM ${table}`, [], "42703", 'column "nme" does not exist'],
        ["SELEC 1", [], "42601", 'syntax error at or near "SELEC"'],
        ["SELECT 1 / $1::int4", [0], "22012", "division by zero"],
        ["SELECT $1::int4", ["abc"], "22P02", 'invalid input syntax for type integer: "abc"'],
        ["SELECT $1::int2", ["40000"], "22003", 'value "40000" is out of range for type smallint'],
        [`INSERT INTO ${table} VALUES ($1, $2)`, [1, "dup"], "23505", `duplicate key value violates unique constraint "${table}_pkey"`],
        [`INSERT INTO ${table} VALUES ($1, $2)`, [2, null], "23502", `null value in column "name" of relation "${table}" violates not-null constraint`],
        [`INSERT INTO ${table} VALUES ($1, $2)`, [3, "four"], "22001", "value too long for type character varying(3)"],
        ["SELECT no_such_function($1::int4)", [1], "42883", "function no_such_function(integer) does not exist"],
      ];
      for (const [sql, params, code, message] of cases) {
        expect({ sql, ...(await failure(() => c.query(sql, params))) }).toEqual({ sql, code, message });
        expect((await c.query("SELECT $1::int4 + 1", [41]))[0]![0]).toBe(42);
      }
      // The same through the simple protocol (no parameters).
      expect(await failure(() => c.simple("SELECT 1/0"))).toEqual({ code: "22012", message: "division by zero" });
      expect(await failure(() => c.simple(`INSERT INTO ${table} VALUES (1, 'x')`))).toMatchObject({ code: "23505" });
      expect(await failure(() => c.simple("SELECT 'x'::uuid"))).toEqual({ code: "22P02", message: 'invalid input syntax for type uuid: "x"' });
      expect((await c.simple("SELECT 'still here'"))[0]![0]).toBe("still here");
    });
  });

  test("50 connections at once, each inside its own transaction", async () => {
    const table = tableOf(driver, "many");
    const count = 50;
    await withConnection(driver, async (c) => {
      await c.simple(`CREATE TABLE ${table} (id int4 PRIMARY KEY, pid int4)`);
      const connections = await Promise.all(Array.from({ length: count }, () => connect(driver, target)));
      try {
        // Every connection inserts its row in an open transaction and reads the table; none
        // reads before all have inserted, none commits before all have read: all 50
        // transactions are open together, and each sees its own row only.
        const barrier = (): { arrive(): Promise<void> } => {
          let arrived = 0;
          let open!: () => void;
          const opened = new Promise<void>((resolve) => (open = resolve));
          return {
            arrive() {
              if (++arrived === count) open();
              return opened;
            },
          };
        };
        const inserted = barrier();
        const read = barrier();
        const seen = await Promise.all(
          connections.map(async (connection, i) => {
            await connection.simple("BEGIN");
            await connection.query(`INSERT INTO ${table} VALUES ($1, pg_backend_pid())`, [i]);
            await inserted.arrive();
            const visible = await connection.query(`SELECT id FROM ${table}`);
            const sum = await connection.query("SELECT $1::int8 * 2, $2::text", [String(i), `conn ${i}`]);
            await read.arrive();
            await connection.simple("COMMIT");
            return { visible: visible.map((row) => Number(row[0])), doubled: String(sum[0]![0]), label: sum[0]![1] };
          }),
        );
        seen.forEach((s, i) => expect(s).toEqual({ visible: [i], doubled: String(2 * i), label: `conn ${i}` }));
        const rows = await c.query(`SELECT count(*), count(DISTINCT pid) FROM ${table}`);
        expect(rows[0]!.map(Number)).toEqual([count, count]);
      } finally {
        await Promise.all(connections.map((connection) => connection.close()));
      }
    });
  }, 30_000);
});
