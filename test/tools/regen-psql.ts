// Records what psql 15 prints for each case in psql-commands.ts against PostgreSQL 15 after
// psql-setup.sql, into expected/<name>.out. Never edit those files by hand.
//
//   bun test/tools/regen-psql.ts
//
// Needs PostgreSQL 15's server binaries (see support/postgres.ts). Deterministic: two runs
// give identical files.

import { writeFileSync, mkdirSync } from "node:fs";
import { startPostgres } from "./support/postgres.ts";
import { psqlCases } from "./psql-commands.ts";
import { expectedDir, expectedPath, renderResult, runCase, runSetup } from "./psql-run.ts";

const server = await startPostgres({ durable: false });
try {
  const setup = await runSetup(server);
  if (setup.code !== 0) throw new Error(`setup failed:\n${setup.stderr}`);
  mkdirSync(expectedDir, { recursive: true });
  for (const psqlCase of psqlCases) {
    const result = await runCase(server, psqlCase);
    writeFileSync(expectedPath(psqlCase), renderResult(result));
    console.log(`${psqlCase.command}: exit ${result.code}, ${result.stdout.split("\n").length - 1} lines -> ${expectedPath(psqlCase)}`);
  }
  console.log(`recorded from PostgreSQL ${server.version}`);
} finally {
  await server.stop();
}
