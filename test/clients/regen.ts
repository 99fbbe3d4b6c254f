// Records what PostgreSQL 15 answers to the client scenarios, into test/clients/expected/:
// the byte-level type transcript, each driver's type transcript and psql's output over TCP
// and the Unix socket. The tests compare pgz with these files and need no PostgreSQL server.
//
//   bun test/clients/regen.ts
//
// Needs PostgreSQL 15's server binaries (see test/tools/support/postgres.ts) and psql 15.
// Every scenario is deterministic: two runs give identical files (checked here by recording
// the type transcripts twice).

import { mkdirSync, writeFileSync } from "node:fs";
import { driverTypesTranscript } from "./scenarios/driver-types.ts";
import { psqlCases, psqlTranscript, renderTranscripts } from "./scenarios/psql.ts";
import { wireTypesTranscript } from "./scenarios/wire-types.ts";
import { connect, driverNames } from "./support/drivers.ts";
import { expectedDir, expectedFiles, writeJsonText } from "./support/expected.ts";
import { transports } from "./support/psql.ts";
import { startTarget, type Target } from "./support/target.ts";

const psqlVersion = Bun.spawnSync(["psql", "--version"]).stdout.toString();
if (!/^psql \(PostgreSQL\) 15\./.test(psqlVersion)) throw new Error(`psql 15 is needed, found: ${psqlVersion}`);

async function recordTwice(what: string, record: (target: Target) => Promise<unknown>): Promise<string> {
  const texts: string[] = [];
  for (let run = 0; run < 2; run++) {
    const target = await startTarget("postgres");
    try {
      texts.push(writeJsonText(await record(target)));
    } finally {
      await target.stop();
    }
  }
  if (texts[0] !== texts[1]) throw new Error(`${what}: two recordings differ; the scenario is not deterministic`);
  return texts[0]!;
}

mkdirSync(expectedDir, { recursive: true });

writeFileSync(expectedFiles.wireTypes, await recordTwice("wire types", (target) => wireTypesTranscript(target)));
console.log(`wrote ${expectedFiles.wireTypes}`);

for (const driver of driverNames) {
  const text = await recordTwice(`${driver} types`, async (target) => {
    const connection = await connect(driver, target);
    try {
      return await driverTypesTranscript(connection);
    } finally {
      await connection.close();
    }
  });
  writeFileSync(expectedFiles.driverTypes(driver), text);
  console.log(`wrote ${expectedFiles.driverTypes(driver)}`);
}

const target = await startTarget("postgres");
try {
  const transcripts = new Map<(typeof transports)[number], Map<string, string>>();
  for (const transport of transports) transcripts.set(transport, await psqlTranscript(target, transport));
  writeFileSync(expectedFiles.psql, renderTranscripts(transcripts));
  console.log(`wrote ${expectedFiles.psql} (${psqlCases.length} cases per transport)`);
} finally {
  await target.stop();
}
