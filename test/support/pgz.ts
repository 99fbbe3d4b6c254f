// Starts a real pgz server process for integration tests.
//
//   const server = await startTestServer();          // temporary data directory, ephemeral port
//   const client = new pg.Client(server.connection);  // or server.url for postgres.js / Bun.sql
//   ...
//   await server.stop();                              // graceful; removes the directory
//
// Options: dataDir (reuse a directory, e.g. to restart), keepDataDir, and any PgzConfig field.
// server.kill() sends SIGKILL (crash tests); restart with startTestServer({ dataDir }).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { PgzConfig } from "../../ts/server.ts";

export interface TestServerOptions extends Partial<Omit<PgzConfig, "logger">> {
  /** Keep the data directory after stop() (default: removed unless it was given). */
  readonly keepDataDir?: boolean;
}

export interface TestServer {
  readonly host: string;
  readonly port: number;
  readonly socketPath: string | null;
  readonly dataDir: string;
  /** The server process id (to watch its memory, or to kill it). */
  readonly pid: number;
  /** node-postgres style connection options. */
  readonly connection: { host: string; port: number; user: string; database: string; password?: string };
  /** postgres://postgres@127.0.0.1:port/postgres */
  readonly url: string;
  /** Graceful shutdown (SIGTERM); removes a temporary data directory. */
  stop(): Promise<void>;
  /** Crash: SIGKILL, no cleanup (the data directory stays). */
  kill(): Promise<void>;
}

const serveScript = join(import.meta.dir, "serve.ts");

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "pgz-test-"));
  const { keepDataDir, ...rest } = options;
  const config: PgzConfig = { host: "127.0.0.1", port: 0, sync: "normal", ...rest, dataDir };
  const child: Subprocess<"ignore", "pipe", "inherit"> = Bun.spawn(["bun", serveScript, JSON.stringify(config)], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`pgz server exited before it was ready (code ${await child.exited})`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const ready = JSON.parse(text.slice(0, text.indexOf("\n"))) as { port: number; socketPath: string | null };
  const host = config.host ?? "127.0.0.1";
  const cleanup = (): void => {
    if (temporary && !keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const password = config.password;
  return {
    host,
    port: ready.port,
    socketPath: ready.socketPath,
    dataDir,
    pid: child.pid,
    connection: { host, port: ready.port, user: "postgres", database: "postgres", ...(password ? { password } : {}) },
    url: `postgres://postgres${password ? `:${encodeURIComponent(password)}` : ""}@${host}:${ready.port}/postgres`,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await child.exited;
      }
      cleanup();
    },
    async kill() {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}
