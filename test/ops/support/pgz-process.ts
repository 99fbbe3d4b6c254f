// Runs `pgz serve` as a child process with JSON logs and ephemeral ports, and follows its
// log to learn the ports it got and to wait for events.

import type { Subprocess } from "bun";
import { join } from "node:path";

export const repoRoot = join(import.meta.dir, "..", "..", "..");

/** `pgz` from the sources: ts/cli.ts with the SQL server (ts/server.ts). */
export const sourceCommand = ["bun", join(repoRoot, "ts", "cli.ts")];

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface PgzProcess {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  readonly pgPort: number;
  /** http://127.0.0.1:port, or null with --http-addr off. */
  readonly httpUrl: string | null;
  readonly logs: LogLine[];
  /** Everything written to stdout that was not a JSON log line, and all of stderr. */
  readonly otherOutput: () => string;
  /** Resolves with the first log line (from the start) matching, or fails after timeoutMs. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly readyTimeoutMs?: number;
}

/** Starts pgz (`command serve ...args`) and waits until it is ready. */
export async function spawnPgz(command: readonly string[], args: readonly string[], options: SpawnOptions = {}): Promise<PgzProcess> {
  const proc = Bun.spawn([...command, "serve", "--log-format", "json", ...args], {
    cwd: options.cwd,
    env: options.env ?? { ...process.env, PGZ_LOG_LEVEL: process.env.PGZ_LOG_LEVEL ?? "info" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const logs: LogLine[] = [];
  let other = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  let ended = false;
  const readLines = async (stream: ReadableStream<Uint8Array>, json: boolean) => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const parsed = json ? tryJson(line) : null;
        if (parsed) logs.push(parsed);
        else other += `${line}\n`;
        notify();
      }
    }
    other += pending;
  };
  const reading = Promise.all([readLines(proc.stdout, true), readLines(proc.stderr, false)]);
  void proc.exited.then(async () => {
    await reading;
    ended = true;
    notify();
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000, what = "log line"): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
        } else if (ended) {
          cleanup();
          reject(new Error(`pgz exited (${proc.exitCode}) before ${what}; output:\n${other}\n${logs.map((l) => JSON.stringify(l)).join("\n")}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; output:\n${other}\n${logs.map((l) => JSON.stringify(l)).join("\n")}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const ready = await waitForLog((line) => line.msg.startsWith("pgz is ready"), options.readyTimeoutMs ?? 30_000, "pgz is ready");
  const pgPort = Number(String(ready.listenAddr).split(":").at(-1));
  const httpUrl = ready.http === "off" ? null : String(ready.http);

  return {
    proc,
    pgPort,
    httpUrl,
    logs,
    otherOutput: () => other,
    waitForLog,
    async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000) {
      if (proc.exitCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      const code = await proc.exited;
      clearTimeout(timer);
      await reading;
      return code;
    },
  };
}

function tryJson(line: string): LogLine | null {
  if (!line.startsWith("{")) return null;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === "object" && value !== null && "msg" in value ? (value as LogLine) : null;
  } catch {
    return null;
  }
}

/** Runs psql against 127.0.0.1:port; resolves with its exit code and output. */
export async function psql(port: number, sql: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ["psql", "-X", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-At"];
  for (const statement of sql) args.push("-c", statement);
  const proc = Bun.spawn(args, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PGCONNECT_TIMEOUT: "10", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Runs a pgz command to completion (for commands that exit on their own). */
export async function runPgz(command: readonly string[], args: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([...command, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
