// Runs PostgreSQL's pgbench against a server and reads its report: `pgbench -i` (client-side
// COPY or server-side generation) and timed runs. Used by bench/server.ts and the tool tests.

import { libpqEnv, type RunningServer } from "../../test/tools/support/server-info.ts";

export type InitMode = "client" | "server";
export type QueryMode = "simple" | "extended" | "prepared";

/** pgbench -I steps: drop, create tables, generate data (client COPY / server INSERT), vacuum, primary keys. */
export const initSteps: Readonly<Record<InitMode, string>> = { client: "dtgvp", server: "dtGvp" };

export interface CommandResult {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /** Killed after its time limit. */
  readonly timedOut: boolean;
}

async function runPgbench(server: RunningServer, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  const started = performance.now();
  const proc = Bun.spawn(["pgbench", ...args], {
    env: libpqEnv(server),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { args, code, stdout, stderr, seconds: (performance.now() - started) / 1000, timedOut };
}

export interface InitOptions {
  readonly scale: number;
  readonly mode: InitMode;
  /** Default: a generous bound for the scale. */
  readonly timeoutMs?: number;
}

export interface InitResult extends CommandResult {
  readonly ok: boolean;
}

/** `pgbench -i -s <scale> -I <steps>`. */
export async function pgbenchInit(server: RunningServer, options: InitOptions): Promise<InitResult> {
  const args = ["-i", "-s", String(options.scale), "-I", initSteps[options.mode], "-q"];
  const result = await runPgbench(server, args, options.timeoutMs ?? 120_000 + options.scale * 60_000);
  return { ...result, ok: result.code === 0 && !result.timedOut };
}

export interface RunOptions {
  readonly clients: number;
  readonly threads: number;
  /** -T seconds; exclusive with transactions. */
  readonly durationSeconds?: number;
  /** -t transactions per client. */
  readonly transactions?: number;
  readonly queryMode: QueryMode;
  /** -S: the built-in select-only script instead of TPC-B. */
  readonly selectOnly: boolean;
  /** -n: skip the vacuum pgbench runs before the test. */
  readonly noVacuum?: boolean;
  /** --max-tries: retry transactions that failed with a serialization or deadlock error. */
  readonly maxTries?: number;
  /** More pgbench options (e.g. --random-seed). */
  readonly extraArgs?: readonly string[];
  readonly timeoutMs?: number;
}

export interface RunResult extends CommandResult {
  readonly tps: number | null;
  readonly latencyMs: number | null;
  readonly processed: number | null;
  /** "number of failed transactions" (serialization and deadlock failures). */
  readonly failed: number | null;
  /** "number of transactions retried" (only with --max-tries above 1). */
  readonly retried: number | null;
  /** Clients pgbench aborted (any other error ends a client: pgbench then reports "Run was aborted"). */
  readonly abortedClients: number;
  /** The first error lines pgbench printed, for the report. */
  readonly errors: readonly string[];
  /** Completed with a report, no failed transaction and no aborted client. */
  readonly ok: boolean;
}

export function runArgs(options: RunOptions): string[] {
  const threads = Math.max(1, Math.min(options.threads, options.clients));
  const args = ["-c", String(options.clients), "-j", String(threads), "-M", options.queryMode];
  if (options.durationSeconds !== undefined) args.push("-T", String(options.durationSeconds));
  else args.push("-t", String(options.transactions ?? 100));
  if (options.selectOnly) args.push("-S");
  if (options.noVacuum) args.push("-n");
  if (options.maxTries !== undefined) args.push("--max-tries", String(options.maxTries));
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** Reads pgbench's report (pgbench 15's wording). */
export function parseReport(stdout: string, stderr: string): Omit<RunResult, keyof CommandResult | "ok"> {
  const number = (pattern: RegExp): number | null => {
    const match = pattern.exec(stdout);
    return match ? Number(match[1]) : null;
  };
  const errorLines = [...new Set(stderr.split("\n").filter((line) => /error|fatal|aborted/i.test(line)))];
  const abortedClients = new Set(
    errorLines.flatMap((line) => {
      const match = /client (\d+) (?:script \d+ )?aborted/.exec(line);
      return match ? [match[1]] : [];
    }),
  ).size;
  return {
    tps: number(/^tps = ([\d.]+) \(without initial connection time\)/m),
    latencyMs: number(/^latency average = ([\d.]+) ms/m),
    processed: number(/^number of transactions actually processed: (\d+)/m),
    failed: number(/^number of failed transactions: (\d+)/m),
    retried: number(/^number of transactions retried: (\d+)/m),
    abortedClients,
    errors: errorLines.slice(0, 10),
  };
}

export async function pgbenchRun(server: RunningServer, options: RunOptions): Promise<RunResult> {
  const args = runArgs(options);
  const timeoutMs = options.timeoutMs ?? ((options.durationSeconds ?? 60) + 120) * 1000;
  const result = await runPgbench(server, args, timeoutMs);
  const report = parseReport(result.stdout, result.stderr);
  const ok = result.code === 0 && !result.timedOut && report.tps !== null && report.failed === 0 && report.abortedClients === 0;
  return { ...result, ...report, ok };
}
