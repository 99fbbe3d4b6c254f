// Records the SQL conformance suite's expectations by running every case file against a real
// PostgreSQL 15 (Debian's postgresql-15 package; PGZ_PG_BIN points elsewhere). Each file gets
// a fresh throwaway cluster (UTF8, locale C, TimeZone UTC, DateStyle ISO, MDY); the output
// goes to test/sql/conformance/expected/NN-topic.json. CI never runs this.
//
//   bun scripts/regen-conformance.ts                 every case file
//   bun scripts/regen-conformance.ts 05-text.sql     just these (names or paths)

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { caseFiles, casesDir, expectedDir, expectedPath } from "../test/sql/conformance/cases.ts";
import { PostgresTemplate } from "../test/sql/conformance/postgres-cluster.ts";
import { formatJson, runStatements, splitStatements, type ExpectationFile } from "../test/sql/conformance/runner.ts";

/**
 * Whether rows come in an order any engine keeps: ORDER BY, EXPLAIN (not compared), a VALUES
 * list, INSERT ... VALUES ... RETURNING, or a lone generate_series. Other multi-row results
 * need ORDER BY or `-- unordered`; the script warns about them.
 */
function orderIsDefined(sql: string): boolean {
  if (/\border\s+by\b/i.test(sql) || /^explain\b/i.test(sql)) return true;
  const combined = /\b(union|intersect|except|join|group|distinct)\b/i.test(sql);
  if (/^values\b/i.test(sql)) return !combined;
  if (/^insert\b/i.test(sql)) return !/\bselect\b/i.test(sql);
  let flat = sql; // parenthesised lists removed, so a comma left after FROM joins two items
  while (/\([^()]*\)/.test(flat)) flat = flat.replace(/\([^()]*\)/g, "");
  return /^select\b/i.test(sql) && /\bgenerate_series\b/i.test(sql) && !combined && !/\bfrom\b[^;]*,/i.test(flat);
}

const requested = process.argv.slice(2).map((arg) => basename(arg));
const all = caseFiles();
for (const name of requested) {
  if (!all.includes(name)) {
    console.error(`regen-conformance: no case file ${name} in ${casesDir}`);
    process.exit(2);
  }
}
const files = requested.length > 0 ? requested : all;

mkdirSync(expectedDir, { recursive: true });
const template = PostgresTemplate.create();
let failed = false;
try {
  console.error(`regen-conformance: recording with ${template.version}`);
  for (const name of files) {
    const statements = splitStatements(readFileSync(join(casesDir, name), "utf8"), name);
    const server = await template.start();
    try {
      const outcomes = await runStatements(server, statements);
      const lost = outcomes.find((outcome) => outcome.error?.code === "connection-lost");
      if (lost !== undefined) {
        failed = true;
        console.error(`regen-conformance: ${name}:${lost.line}: ${lost.error?.message}`);
        continue;
      }
      for (const [i, outcome] of outcomes.entries()) {
        const statement = statements[i]!;
        if ((outcome.rows?.length ?? 0) > 1 && !statement.unordered && !orderIsDefined(statement.sql)) {
          console.error(`regen-conformance: ${name}:${statement.line}: ${outcome.rows?.length} rows without ORDER BY; add ORDER BY or mark it -- unordered`);
        }
      }
      const expectation: ExpectationFile = { file: name, recordedWith: template.version, statements: outcomes };
      writeFileSync(expectedPath(name), `${formatJson(expectation)}\n`);
      const errors = outcomes.filter((outcome) => outcome.error !== undefined).length;
      console.error(`regen-conformance: ${name}: ${outcomes.length} statements (${errors} errors)`);
    } finally {
      await server.stop();
    }
  }
} finally {
  template.dispose();
}
process.exit(failed ? 1 : 0);
