// What the tool tests, the ORM test and the server benchmark know of a running server, pgz or
// PostgreSQL: where to connect, the process to measure, and how to stop it.

import type { ChildProcess } from "node:child_process";
import pg from "pg";

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** The server's (postmaster's) process id, when known. */
  readonly pid?: number;
  /** Stops the server and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The environment for a libpq client (psql, pgbench) of this server: the caller's environment
 * without any PG* variable it had (they would change what the client does), plus the server's.
 */
export function libpqEnv(server: RunningServer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("PG")) env[name] = value;
  }
  return {
    ...env,
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: server.user,
    PGDATABASE: server.database,
    PGSSLMODE: "disable",
    PGCONNECT_TIMEOUT: "10",
  };
}

/** A connection URL (postgres.js, drizzle-kit). */
export function connectionUrl(server: RunningServer): string {
  return `postgres://${encodeURIComponent(server.user)}@${server.host}:${server.port}/${encodeURIComponent(server.database)}`;
}

/** A loopback port that was free a moment ago (callers retry on a bind failure). */
export async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Whether a client can connect to the server now. */
async function acceptsConnections(info: RunningServer): Promise<boolean> {
  const client = new pg.Client({ host: info.host, port: info.port, user: info.user, database: info.database });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    await client.end().catch(() => {});
    return false;
  }
}

/** Polls until the server accepts connections (true), its process exits or the time runs out (false). */
export async function waitUntilAccepting(child: ChildProcess, info: RunningServer, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await acceptsConnections(info)) return true;
    if (Date.now() > deadline) return false;
    await Bun.sleep(50);
  }
}
