// Runs psql 15 (libpq) against a target over TCP or its Unix socket, with an environment of
// its own (no PG* variable of the caller, no ~/.psqlrc, no pager, C.UTF-8), from a private
// working directory so that -f scripts are named by their file name alone in messages.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Target } from "./target.ts";

export type Transport = "tcp" | "unix";
export const transports: readonly Transport[] = ["tcp", "unix"];

export interface PsqlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface PsqlOptions {
  readonly transport?: Transport;
  /** Files written to the working directory first (name → content), for -f. */
  readonly files?: Readonly<Record<string, string>>;
  /** The password (PGPASSWORD); none by default. */
  readonly password?: string;
  readonly user?: string;
  readonly database?: string;
  readonly timeoutMs?: number;
}

/** The connection details in psql's messages that change from run to run. */
export function normalizePsql(text: string, target: Target): string {
  return text
    .replaceAll(`${target.socketDir}/.s.PGSQL.${target.port}`, "<socket>")
    .replaceAll(`"${target.host}", port ${target.port}`, `"${target.host}", port <port>`);
}

/** psql's environment: the caller's without PG* and locale variables, plus the target's. */
export function psqlEnv(target: Target, options: PsqlOptions = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("PG") && !name.startsWith("LC_") && name !== "LANG") env[name] = value;
  }
  return {
    ...env,
    PGHOST: (options.transport ?? "tcp") === "tcp" ? target.host : target.socketDir,
    PGPORT: String(target.port),
    PGUSER: options.user ?? target.user,
    PGDATABASE: options.database ?? target.database,
    PGSSLMODE: "disable",
    PGCONNECT_TIMEOUT: "10",
    PGTZ: "UTC",
    PAGER: "",
    PSQL_PAGER: "",
    COLUMNS: "120",
    LC_ALL: "C.UTF-8",
    ...(options.password !== undefined ? { PGPASSWORD: options.password } : {}),
  };
}

export async function psql(target: Target, args: readonly string[], options: PsqlOptions = {}): Promise<PsqlRun> {
  const cwd = mkdtempSync(join(tmpdir(), "pgz-psql-"));
  try {
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(cwd, name), content);
    const proc = Bun.spawn(["psql", "-X", ...args], {
      cwd,
      env: psqlEnv(target, options),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    return { code, stdout: normalizePsql(stdout, target), stderr: normalizePsql(stderr, target) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** A run as the expectation file shows it: exit code, stdout, then stderr if any. */
export function renderPsql(run: PsqlRun): string {
  let text = `-- exit ${run.code}\n${run.stdout}`;
  if (run.stderr !== "") text += `-- stderr\n${run.stderr}`;
  return text;
}
