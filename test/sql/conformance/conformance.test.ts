// The SQL conformance suite: every case file in ./cases runs on a fresh pgz server and must
// give what PostgreSQL gave (./expected, recorded by scripts/regen-conformance.ts).
//
// Comparison policy (runner.ts, compareOutcome):
//   - hard (fails the file): success vs error; the SQLSTATE; the command tag; column names and
//     type OIDs; the rows (in order, or as a multiset for `-- unordered` statements); the
//     transaction status after the statement (idle / in block / failed block); and, for the
//     codes in exactMessageCodes (42601, 42P01, 42703, 42P07, 23502, 23505, 23514, 22012,
//     22003, 25P02), the error's message, detail and position.
//   - soft (reported, not failed; PGZ_CONFORMANCE_STRICT=1 makes them hard): the message,
//     detail and position of other errors, hints, notices.
//   - EXPLAIN: only success, or the error's code, is compared; plans differ by design.
//   - `-- optional` statements (beyond the issue): a 0A000 answer is accepted.
//
// PGZ_CONFORMANCE_TARGET=postgres runs the same comparison against a throwaway PostgreSQL
// instead of pgz: everything must pass, which checks the runner and the recordings.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { caseFiles, casesDir, expectedPath } from "./cases.ts";
import { startPgz } from "./pgz-server.ts";
import { PostgresTemplate, type RunningServer } from "./postgres-cluster.ts";
import {
  compareOutcome,
  runStatements,
  splitStatements,
  type ExpectationFile,
  type Outcome,
  type Statement,
} from "./runner.ts";

const target = process.env.PGZ_CONFORMANCE_TARGET ?? "pgz";
const strict = process.env.PGZ_CONFORMANCE_STRICT === "1";
/** Failures shown in full per file; the rest are counted. */
const failuresShownMax = 25;
const statementsMin = 500;

if (target !== "pgz" && target !== "postgres") throw new Error(`PGZ_CONFORMANCE_TARGET must be pgz or postgres, not ${target}`);

let template: PostgresTemplate | null = null;
const totals = { passed: 0, soft: 0, unsupported: 0, total: 0 };

beforeAll(() => {
  if (target === "postgres") template = PostgresTemplate.create();
});

afterAll(() => {
  template?.dispose();
  if (totals.total > 0) {
    console.log(
      `conformance (${target}): ${totals.passed}/${totals.total} statements passed` +
        `, ${totals.soft} with soft mismatches, ${totals.unsupported} optional unsupported`,
    );
  }
});

function startTarget(): Promise<RunningServer> {
  return template !== null ? template.start() : startPgz();
}

function loadExpectations(file: string): ExpectationFile {
  const path = expectedPath(file);
  if (!existsSync(path)) throw new Error(`${file}: no expectations at ${path}; run bun scripts/regen-conformance.ts ${file}`);
  return JSON.parse(readFileSync(path, "utf8")) as ExpectationFile;
}

/** The recorded part of an outcome, on one line, cut to a readable length. */
function brief(outcome: Outcome): string {
  const { line: _line, sql: _sql, ...rest } = outcome;
  const text = JSON.stringify(rest);
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}

function checkStale(file: string, statements: readonly Statement[], expected: ExpectationFile): void {
  const stale = statements.length !== expected.statements.length || statements.some((s, i) => s.sql !== expected.statements[i]?.sql);
  if (stale) {
    throw new Error(`${file}: expectations are stale (statements differ from the case file); run bun scripts/regen-conformance.ts ${file}`);
  }
}

describe(`SQL conformance against ${target}`, () => {
  const files = caseFiles();

  test(`the suite has at least ${statementsMin} statements`, () => {
    let count = 0;
    for (const file of files) count += splitStatements(readFileSync(join(casesDir, file), "utf8"), file).length;
    expect(count).toBeGreaterThanOrEqual(statementsMin);
  });

  for (const file of files) {
    test(file, async () => {
      const statements = splitStatements(readFileSync(join(casesDir, file), "utf8"), file);
      const expected = loadExpectations(file);
      checkStale(file, statements, expected);

      let server: RunningServer;
      try {
        server = await startTarget();
      } catch (error) {
        totals.total += statements.length;
        console.log(`conformance (${target}) ${file}: 0/${statements.length} passed (no server)`);
        throw error;
      }
      let actual: Outcome[];
      try {
        actual = await runStatements(server, statements);
      } finally {
        await server.stop();
      }

      const failures: string[] = [];
      const softNotes: string[] = [];
      let passed = 0;
      let unsupported = 0;
      for (const statement of statements) {
        const want = expected.statements[statement.index - 1]!;
        const got = actual[statement.index - 1]!;
        const verdict = compareOutcome(statement, want, got);
        const hard = strict ? [...verdict.hard, ...verdict.soft] : verdict.hard;
        const where = `${file} #${statement.index} (line ${statement.line}): ${statement.sql}`;
        if (hard.length > 0) {
          failures.push(
            [where, `  expected: ${brief(want)}`, `  actual:   ${brief(got)}`, ...hard.map((m) => `  - ${m}`)].join("\n"),
          );
          continue;
        }
        passed++;
        if (verdict.unsupported) unsupported++;
        if (verdict.soft.length > 0) softNotes.push([where, ...verdict.soft.map((m) => `  ~ ${m}`)].join("\n"));
      }

      totals.passed += passed;
      totals.total += statements.length;
      totals.soft += softNotes.length;
      totals.unsupported += unsupported;
      console.log(
        `conformance (${target}) ${file}: ${passed}/${statements.length} passed` +
          (softNotes.length > 0 ? `, ${softNotes.length} soft mismatches` : "") +
          (unsupported > 0 ? `, ${unsupported} optional unsupported` : ""),
      );
      if (softNotes.length > 0 && process.env.PGZ_CONFORMANCE_VERBOSE === "1") console.log(softNotes.join("\n"));
      if (failures.length > 0) {
        const shown = failures.slice(0, failuresShownMax);
        const more = failures.length - shown.length;
        throw new Error(
          `${file}: ${failures.length} of ${statements.length} statements differ from PostgreSQL\n\n` +
            shown.join("\n\n") +
            (more > 0 ? `\n\n… and ${more} more` : ""),
        );
      }
    });
  }
});
