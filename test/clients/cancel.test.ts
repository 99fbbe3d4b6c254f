// A long-running statement (pg_sleep, a huge generate_series, an aggregate over one) is stopped through each
// client's own cancel request, over TCP and the Unix socket: the statement fails with 57014
// "canceling statement due to user request" and the connection goes on. psql's cancel is
// SIGINT (it sends the CancelRequest and prints the error). statement_timeout stops a long
// aggregate the same way.
//
// Target: pgz by default; PGZ_CLIENTS_TARGET=postgres runs the same against PostgreSQL.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, driverNames, sqlState, type Connection } from "./support/drivers.ts";
import { psqlEnv } from "./support/psql.ts";
import { startTarget, type Target } from "./support/target.ts";

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

// Each runs far longer than the test allows unless cancelled; the aggregate computes without
// sending a row.
const longStatements = {
  "pg_sleep(60)": "SELECT pg_sleep(60)",
  "a generate_series streaming rows": "SELECT g FROM generate_series(1, 100000000000) AS g",
  "a set-returning function in the select list": "SELECT generate_series(1, 100000000000), 'x'",
  "an aggregate over a huge generate_series": "SELECT sum(g) FROM generate_series(1, 100000000000) AS g",
} as const;

/**
 * Cancels until the statement settles: a cancel request that arrives before the statement has
 * started is ignored by the server (as PostgreSQL does), so it is repeated.
 */
async function cancelRunning(connection: Connection, sql: string): Promise<{ error: unknown } | { rows: unknown[][] }> {
  const running = connection.start(sql);
  let outcome: { error: unknown } | { rows: unknown[][] } | undefined;
  void running.settled.then((result) => (outcome = result));
  const deadline = Date.now() + 20_000;
  await Bun.sleep(100);
  while (outcome === undefined && Date.now() < deadline) {
    await running.cancel();
    for (let i = 0; i < 20 && outcome === undefined; i++) await Bun.sleep(25);
  }
  return running.settled;
}

describe.each(driverNames)("%s", (driver) => {
  for (const [name, sql] of Object.entries(longStatements)) {
    for (const unix of [false, true]) {
      test(`cancels ${name} over ${unix ? "the Unix socket" : "TCP"} → 57014, then the connection works`, async () => {
        const connection = await connect(driver, target, { unix });
        try {
          const started = Date.now();
          const outcome = await cancelRunning(connection, sql);
          expect("error" in outcome).toBe(true);
          const error = (outcome as { error: unknown }).error;
          expect({ code: sqlState(error), message: (error as Error).message }).toEqual({
            code: "57014",
            message: "canceling statement due to user request",
          });
          expect(Date.now() - started).toBeLessThan(15_000);
          // filter() skips holes: after an error that followed rows, postgres.js puts the next
          // result's rows after as many empty slots as rows came before the error (it does so
          // against PostgreSQL too).
          const after = (await connection.query("SELECT $1::text", ["after the cancel"])).filter(() => true);
          expect(after).toEqual([["after the cancel"]]);
        } finally {
          await connection.close();
        }
      }, 30_000);
    }
  }
});

describe("statement_timeout", () => {
  test("stops a long aggregate with 57014 on every driver; the connection goes on", async () => {
    for (const driver of driverNames) {
      const connection = await connect(driver, target);
      try {
        await connection.simple("SET statement_timeout = 300");
        const started = Date.now();
        const outcome = await connection.start("SELECT sum(g) FROM generate_series(1, 100000000000) AS g").settled;
        expect("error" in outcome).toBe(true);
        const error = (outcome as { error: unknown }).error;
        expect({ driver, code: sqlState(error), message: (error as Error).message }).toEqual({
          driver,
          code: "57014",
          message: "canceling statement due to statement timeout",
        });
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await connection.query("SELECT $1::int4", [7])).toEqual([[7]]);
      } finally {
        await connection.close();
      }
    }
  }, 40_000);
});

describe("psql", () => {
  for (const [name, sql] of Object.entries(longStatements)) {
    test(`SIGINT cancels ${name}`, async () => {
      const proc = Bun.spawn(["psql", "-X", "-c", sql], { env: psqlEnv(target), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      let exited = false;
      void proc.exited.then(() => (exited = true));
      // psql forwards SIGINT as a cancel request while a statement runs; repeat it until
      // psql is done (a cancel that arrives before the statement has started is ignored).
      await Bun.sleep(300);
      const deadline = Date.now() + 20_000;
      while (!exited && Date.now() < deadline) {
        proc.kill("SIGINT");
        for (let i = 0; i < 20 && !exited; i++) await Bun.sleep(25);
      }
      const [stdout, stderr, code] = await output;
      expect({ code, stdout, stderr }).toEqual({
        code: 1,
        stdout: "",
        stderr: "Cancel request sent\nERROR:  canceling statement due to user request\n",
      });
    }, 30_000);
  }
});
