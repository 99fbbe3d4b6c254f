// Runs psql against a server the way psql.test.ts and regen-psql.ts both need: the setup
// script, then each describe command in its own psql (-X: no ~/.psqlrc; default aligned
// output; no pager when not on a terminal), keeping stdout and stderr apart.

import { join } from "node:path";
import { libpqEnv, type RunningServer } from "./support/server-info.ts";
import type { PsqlCase } from "./psql-commands.ts";

export const setupPath = join(import.meta.dir, "psql-setup.sql");
export const expectedDir = join(import.meta.dir, "expected");
const psqlTimeoutMs = 60_000;

export interface PsqlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function psql(server: RunningServer, args: readonly string[]): Promise<PsqlResult> {
  const proc = Bun.spawn(["psql", "-X", ...args], {
    env: { ...libpqEnv(server), PAGER: "", PSQL_PAGER: "", COLUMNS: "200", LC_ALL: "C" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), psqlTimeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export async function runSetup(server: RunningServer): Promise<PsqlResult> {
  return psql(server, ["-q", "-v", "ON_ERROR_STOP=1", "-f", setupPath]);
}

/**
 * What a case's expectation file holds: psql's exit code, its standard output exactly as
 * printed, and its standard error when there was any.
 */
export function renderResult(result: PsqlResult): string {
  let text = `-- exit ${result.code}\n${result.stdout}`;
  if (result.stderr !== "") text += `-- stderr\n${result.stderr}`;
  return text;
}

export function runCase(server: RunningServer, psqlCase: PsqlCase): Promise<PsqlResult> {
  return psql(server, ["-c", psqlCase.command]);
}

export function expectedPath(psqlCase: PsqlCase): string {
  return join(expectedDir, `${psqlCase.name}.out`);
}
