// Where the conformance suite's files live and how a case file maps to its expectations.

import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

export const conformanceDir = import.meta.dir;
export const casesDir = join(conformanceDir, "cases");
export const expectedDir = join(conformanceDir, "expected");

/** Case file names (NN-topic.sql), sorted. */
export function caseFiles(): string[] {
  return readdirSync(casesDir)
    .filter((name) => /^\d\d-[a-z0-9-]+\.sql$/.test(name))
    .sort();
}

export function expectedPath(caseFile: string): string {
  return join(expectedDir, `${basename(caseFile, ".sql")}.json`);
}
