// psql's describe commands (\l, \dn, \dt, \d, \d table, \di, \d index) against a server after
// psql-setup.sql, compared with what psql 15 printed against PostgreSQL 15 (expected/*.out,
// recorded by `bun test/tools/regen-psql.ts`): the output must look exactly as it does on
// PostgreSQL, default aligned format included.
//
// Target: pgz by default; PGZ_TOOLS_TARGET=postgres runs the same against a throwaway
// PostgreSQL (must pass: it checks the recordings and this test).
//
// Normalizations: none. Both servers are set up to match — the superuser is `postgres` (so
// every Owner column matches), the cluster is UTF8 with locale C (so \l's Encoding, Collate
// and Ctype match what pgz reports), and \l, \d and \di print no sizes. pgz's catalog must
// therefore list template0 and template1 in pg_database as PostgreSQL does, with the same
// access privileges, and give the public schema the owner pg_database_owner.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { psqlCases } from "./psql-commands.ts";
import { expectedPath, renderResult, runCase, runSetup, type PsqlResult } from "./psql-run.ts";
import type { RunningServer } from "./support/server-info.ts";
import { startTarget, targetFrom } from "./support/target.ts";

const target = targetFrom("PGZ_TOOLS_TARGET");
let server: RunningServer;
let setup: PsqlResult;

beforeAll(async () => {
  server = await startTarget(target);
  setup = await runSetup(server);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe(`psql against ${target}`, () => {
  test("psql is version 15, the one the expectations were recorded with", () => {
    const version = Bun.spawnSync(["psql", "--version"]).stdout.toString();
    // Another major version prints different columns (and sends different catalog queries).
    expect(version).toMatch(/^psql \(PostgreSQL\) 15\./);
  });

  test("the setup script runs", () => {
    expect(setup.stderr).toBe("");
    expect(setup.code).toBe(0);
  });

  for (const psqlCase of psqlCases) {
    test(psqlCase.command, async () => {
      const path = expectedPath(psqlCase);
      if (!existsSync(path)) throw new Error(`no expectation for ${psqlCase.command}: run bun test/tools/regen-psql.ts`);
      const actual = renderResult(await runCase(server, psqlCase));
      expect(actual).toBe(readFileSync(path, "utf8"));
    });
  }
});
