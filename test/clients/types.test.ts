// Every type of support/type-cases.ts round-trips through the server as it does through
// PostgreSQL 15: at byte level with text and binary parameters and results chosen explicitly,
// and through pg (text and binary results), postgres.js and Bun.sql with their own choices of
// formats and their own JavaScript values written back. Compared with expected/*.json,
// recorded from PostgreSQL by regen.ts.
//
// Target: pgz by default; PGZ_CLIENTS_TARGET=postgres runs the same against a throwaway
// PostgreSQL (checks the recordings and this test).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { driverTypesTranscript, type DriverTranscript } from "./scenarios/driver-types.ts";
import { wireTypesTranscript, type WireTranscript } from "./scenarios/wire-types.ts";
import { connect, driverNames } from "./support/drivers.ts";
import { expectedFiles, readJson } from "./support/expected.ts";
import { startTarget, type Target } from "./support/target.ts";
import { typeCases } from "./support/type-cases.ts";

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

/** One expectation per type, so a failure names the type and shows only its steps. */
function expectSameTypes(actual: Record<string, unknown>, expected: Record<string, unknown>): void {
  expect(Object.keys(actual)).toEqual(typeCases.map((c) => c.type));
  expect(Object.keys(expected)).toEqual(typeCases.map((c) => c.type));
  for (const type of Object.keys(expected)) expect({ type, steps: actual[type] }).toEqual({ type, steps: expected[type] });
}

describe(`types against ${process.env.PGZ_CLIENTS_TARGET ?? "pgz"}`, () => {
  test("byte level: text and binary parameters, text and binary results, bad input", async () => {
    const expected = readJson<WireTranscript>(expectedFiles.wireTypes);
    expectSameTypes(await wireTypesTranscript(target, expected), expected);
  }, 60_000);

  for (const driver of driverNames) {
    test(`${driver}: parameters in, values out, the driver's values back in`, async () => {
      const expected = readJson<DriverTranscript>(expectedFiles.driverTypes(driver));
      const connection = await connect(driver, target);
      try {
        expectSameTypes(await driverTypesTranscript(connection), expected);
      } finally {
        await connection.close();
      }
    }, 60_000);
  }
});
