// Starts pgz as its own process, the way users run it: `bun ts/cli.ts serve` on a temporary
// data directory and a free loopback port, the log in a file beside it. The process id is the
// server's own (Bun runs cli.ts in-process), so /proc/<pid>/status measures pgz itself.
//
// PGZ_SERVER_COMMAND runs another pgz instead: a compiled binary (`bun run compile`'s output),
// or a .ts entry point run with Bun; it must accept `serve` and the same flags.

import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitUntilAccepting, type RunningServer } from "./server-info.ts";

export const repoRoot = join(import.meta.dir, "..", "..", "..");
const cliPath = join(repoRoot, "ts", "cli.ts");
const startupTimeoutMs = 60_000;
const shutdownTimeoutMs = 30_000;

export interface PgzOptions {
  /** Commit durability (`--sync`): full fsyncs before acknowledging, as PostgreSQL does. */
  readonly sync?: "full" | "normal" | "off";
  readonly logLevel?: string;
  /** More `serve` flags. */
  readonly args?: readonly string[];
}

export interface PgzServer extends RunningServer {
  readonly kind: "pgz";
  readonly pid: number;
  readonly dataDir: string;
  readonly logPath: string;
  log(): string;
}

function serverCommand(): [string, string[]] {
  const override = process.env.PGZ_SERVER_COMMAND;
  const path = override !== undefined && override !== "" ? override : cliPath;
  if (!existsSync(path)) throw new Error(`pgz is not available: ${path} does not exist`);
  return path.endsWith(".ts") ? [process.execPath, [path]] : [path, []];
}

export async function startPgz(options: PgzOptions = {}): Promise<PgzServer> {
  const [command, prefix] = serverCommand();
  const root = mkdtempSync(join(tmpdir(), "pgz-server-"));
  const dataDir = join(root, "data");
  const logPath = join(root, "server.log");
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const log = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logFd = openSync(logPath, "a");
    const child = spawn(
      command,
      [
        ...prefix, "serve",
        "--data-dir", dataDir,
        "--listen-addr", `127.0.0.1:${port}`,
        "--http-addr", "off",
        "--sync", options.sync ?? "full",
        "--log-level", options.logLevel ?? "warn",
        "--log-format", "json",
        ...(options.args ?? []),
      ],
      { cwd: repoRoot, stdio: ["ignore", logFd, logFd] },
    );
    closeSync(logFd);
    const pid = child.pid;
    if (pid === undefined) throw new Error("could not start pgz");
    const info: RunningServer = { host: "127.0.0.1", port, user: "postgres", database: "postgres", pid, stop: async () => {} };
    const ready = await waitUntilAccepting(child, info, startupTimeoutMs);
    if (!ready) {
      const exited = child.exitCode ?? child.signalCode;
      child.kill("SIGKILL");
      if (attempt < 5 && /EADDRINUSE|address already in use/i.test(log())) continue;
      const text = log();
      cleanup();
      throw new Error(
        exited !== null
          ? `pgz exited (${exited}) before accepting connections:\n${text}`
          : `pgz did not accept connections within ${startupTimeoutMs} ms:\n${text}`,
      );
    }
    let stopped = false;
    return {
      ...info,
      kind: "pgz",
      pid,
      dataDir,
      logPath,
      log,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), shutdownTimeoutMs);
          await exited;
          clearTimeout(timer);
        }
        cleanup();
      },
    };
  }
}
