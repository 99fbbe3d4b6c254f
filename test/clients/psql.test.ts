// psql 15 scripted with -c and -f over TCP and over the Unix socket prints exactly what it
// prints against PostgreSQL 15 (expected/psql.out, recorded by regen.ts): result tables in
// every output format, command tags, errors with LINE, caret, DETAIL and HINT, the aborted
// transaction, exit codes. The only normalization is the port and socket path in connection
// errors (support/psql.ts).
//
// Target: pgz by default; PGZ_CLIENTS_TARGET=postgres runs the same against PostgreSQL.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseTranscripts, psqlCases, psqlTranscript } from "./scenarios/psql.ts";
import { expectedFiles } from "./support/expected.ts";
import { transports } from "./support/psql.ts";
import { startTarget, type Target } from "./support/target.ts";

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

describe(`psql against ${process.env.PGZ_CLIENTS_TARGET ?? "pgz"}`, () => {
  test("psql is version 15, the one the expectations were recorded with", () => {
    expect(Bun.spawnSync(["psql", "--version"]).stdout.toString()).toMatch(/^psql \(PostgreSQL\) 15\./);
  });

  const expected = parseTranscripts(readFileSync(expectedFiles.psql, "utf8"));

  test("the recording covers every case", () => {
    const names = transports.flatMap((transport) => psqlCases.map((c) => `${c.name} [${transport}]`));
    expect([...expected.keys()]).toEqual(names);
  });

  // The cases of one transport build on each other, so they run as one test.
  for (const transport of transports) {
    test(`-c and -f over ${transport === "tcp" ? "TCP" : "the Unix socket"}`, async () => {
      const outputs = await psqlTranscript(target, transport);
      for (const [name, output] of outputs) {
        expect({ case: name, output }).toEqual({ case: name, output: expected.get(`${name} [${transport}]`) ?? "(not recorded)" });
      }
    }, 60_000);
  }
});
