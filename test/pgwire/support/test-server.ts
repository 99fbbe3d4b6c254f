// Starts a pgwire server on a free port and a private socket directory, backed by the fake
// backend, and records what it logs so tests can assert nothing went wrong inside.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../../ts/pgwire/connection.ts";
import type { PgServer, ServerOptions } from "../../../ts/pgwire/server.ts";
import { startServer } from "../../../ts/pgwire/server.ts";
import { createScramVerifier } from "../../../ts/pgwire/scram.ts";
import type { FakeBackendOptions } from "./fake-backend.ts";
import { FakeBackend } from "./fake-backend.ts";

export interface LogEntry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "debug", message, fields });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "info", message, fields });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "warn", message, fields });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: "error", message, fields });
  }
  /** Errors logged (internal failures); tests expect none unless they provoke them. */
  get errors(): LogEntry[] {
    return this.entries.filter((e) => e.level === "error");
  }
}

export interface TestServer {
  readonly server: PgServer;
  readonly backend: FakeBackend;
  readonly logger: RecordingLogger;
  readonly port: number;
  readonly socketDir: string;
  stop(): Promise<void>;
}

/** Users every test server knows: alice and bob have SCRAM passwords. */
export const passwords = { alice: "alice-secret", bob: "bøb pässwörd" } as const;

let verifierCache: Map<string, string> | null = null;
export async function testVerifiers(): Promise<Map<string, string>> {
  if (verifierCache === null) {
    verifierCache = new Map();
    for (const [user, password] of Object.entries(passwords)) verifierCache.set(user, await createScramVerifier(password));
  }
  return verifierCache;
}

export async function startTestServer(
  options: Partial<Omit<ServerOptions, "backend">> & { backend?: FakeBackendOptions } = {},
): Promise<TestServer> {
  const socketDir = mkdtempSync(join(tmpdir(), "pgw-"));
  const logger = new RecordingLogger();
  const backend = new FakeBackend({ verifiers: await testVerifiers(), trust: true, ...options.backend });
  const { backend: _ignored, ...rest } = options;
  const server = await startServer({ port: 0, socketDir, logger, ...rest, backend });
  return {
    server,
    backend,
    logger,
    port: server.port,
    socketDir,
    async stop() {
      await server.shutdown();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/** Run psql; resolves with its exit code and output. */
export async function psql(
  args: readonly string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(["psql", "-X", "-v", "ON_ERROR_STOP=1", ...args], {
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PGCONNECT_TIMEOUT: "10", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Wait until `predicate` holds (polling), or fail after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}
