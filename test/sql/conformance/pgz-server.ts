// Starts a pgz server process for one conformance case file: a temporary data directory, a
// free loopback port, `bun ts/cli.ts serve`. A stand-in until test/support/pgz.ts (the shared
// helper that starts a real pgz server for integration tests) exists; then startPgz should
// delegate to it.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { RunningServer } from "./postgres-cluster.ts";

const repoRoot = join(import.meta.dir, "..", "..", "..");
const cliPath = join(repoRoot, "ts", "cli.ts");
const startupTimeoutMs = 30_000;

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export async function startPgz(): Promise<RunningServer> {
  if (!existsSync(cliPath)) throw new Error(`pgz server not available: ${cliPath} does not exist yet`);
  const dataDir = mkdtempSync(join(tmpdir(), "pgz-conformance-data-"));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      cliPath, "serve",
      "--data-dir", dataDir,
      "--listen-addr", `127.0.0.1:${port}`,
      "--http-addr", "off",
      "--sync", "off",
      "--log-level", "warn",
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const collect = (chunk: Buffer): void => {
    if (log.length < 64 * 1024) log += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const info = { host: "127.0.0.1", port, user: "postgres", database: "postgres" };
  const deadline = Date.now() + startupTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`pgz exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${log}`);
    }
    const client = new pg.Client(info);
    try {
      await client.connect();
      await client.end();
      return { ...info, stop };
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pgz did not accept connections within ${startupTimeoutMs} ms:\n${log}`);
    }
    await Bun.sleep(50);
  }
}
