// SCRAM-SHA-256 login with each client over TCP and the Unix socket: the right password logs
// in, a wrong one (and an unknown user, which must look the same) is refused with 28P01
// "password authentication failed for user ...". The password is not ASCII, so SASLprep
// and UTF-8 handling are part of it.
//
// Target: pgz by default; PGZ_CLIENTS_TARGET=postgres runs the same against PostgreSQL.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, driverNames, sqlState, type Connection } from "./support/drivers.ts";
import { psql, transports } from "./support/psql.ts";
import { startTarget, type Target } from "./support/target.ts";

const password = "s3cret pässwörd ✓";
let target: Target;

beforeAll(async () => {
  target = await startTarget(undefined, { auth: "scram-sha-256", password });
});

afterAll(async () => {
  await target?.stop();
});

async function refusal(login: () => Promise<Connection>): Promise<{ code: string | undefined; message: string }> {
  try {
    const connection = await login();
    await connection.close();
  } catch (error) {
    return { code: sqlState(error), message: (error as Error).message };
  }
  throw new Error("the login succeeded; it should have been refused");
}

describe.each(driverNames)("%s", (driver) => {
  for (const unix of [false, true]) {
    const over = unix ? "the Unix socket" : "TCP";

    test(`logs in with the right password over ${over}`, async () => {
      const connection = await connect(driver, target, { unix, password });
      try {
        expect(await connection.query("SELECT current_user, $1::text", ["in"])).toEqual([["postgres", "in"]]);
      } finally {
        await connection.close();
      }
    });

    test(`a wrong password is refused with 28P01 over ${over}`, async () => {
      expect(await refusal(() => connect(driver, target, { unix, password: `${password}!` }))).toEqual({
        code: "28P01",
        message: 'password authentication failed for user "postgres"',
      });
      expect(await refusal(() => connect(driver, target, { unix, password: password.toUpperCase() }))).toEqual({
        code: "28P01",
        message: 'password authentication failed for user "postgres"',
      });
    });

    test(`an unknown user is refused just like a wrong password over ${over}`, async () => {
      expect(await refusal(() => connect(driver, target, { unix, user: "nobody", password }))).toEqual({
        code: "28P01",
        message: 'password authentication failed for user "nobody"',
      });
    });
  }
});

describe("psql", () => {
  for (const transport of transports) {
    const where = transport === "tcp" ? 'connection to server at "127.0.0.1", port <port> failed' : 'connection to server on socket "<socket>" failed';

    test(`right password over ${transport}`, async () => {
      expect(await psql(target, ["-At", "-c", "SELECT current_user"], { transport, password })).toEqual({ code: 0, stdout: "postgres\n", stderr: "" });
    });

    test(`wrong password over ${transport}`, async () => {
      expect(await psql(target, ["-At", "-c", "SELECT 1"], { transport, password: "wrong" })).toEqual({
        code: 2,
        stdout: "",
        stderr: `psql: error: ${where}: FATAL:  password authentication failed for user "postgres"\n`,
      });
    });

    test(`unknown user over ${transport}`, async () => {
      expect(await psql(target, ["-At", "-c", "SELECT 1"], { transport, password, user: "nobody" })).toEqual({
        code: 2,
        stdout: "",
        stderr: `psql: error: ${where}: FATAL:  password authentication failed for user "nobody"\n`,
      });
    });
  }
});
