// The server a client test talks to: a real pgz process (default) or a throwaway PostgreSQL 15
// (PGZ_CLIENTS_TARGET=postgres: to check the tests themselves, and what regen.ts records
// expectations from). Both listen on a loopback port and on a Unix socket in a private
// directory, with the superuser `postgres`, database `postgres`, and trust or SCRAM-SHA-256.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import { startTestServer } from "../../support/pgz.ts";
import { startPostgres } from "../../tools/support/postgres.ts";

export type TargetKind = "pgz" | "postgres";

export interface TargetOptions {
  /** Default trust. */
  readonly auth?: "trust" | "scram-sha-256";
  /** The superuser's password (required with SCRAM). */
  readonly password?: string;
  /** Connections beyond this are refused (default: the server's own). */
  readonly maxConnections?: number;
}

export interface Target {
  readonly kind: TargetKind;
  readonly host: string;
  readonly port: number;
  /** Directory of the Unix socket `.s.PGSQL.<port>` (psql -h <dir>, pg's host). */
  readonly socketDir: string;
  readonly user: string;
  readonly database: string;
  readonly password: string | null;
  /** The server process id. */
  readonly pid: number;
  /** node-postgres options for `user` (default the superuser). */
  pgConfig(extra?: pg.ClientConfig): pg.ClientConfig;
  /** postgres:// URL for postgres.js and Bun.SQL. */
  url(user?: string, password?: string | null): string;
  stop(): Promise<void>;
}

export function targetKind(): TargetKind {
  const value = process.env.PGZ_CLIENTS_TARGET ?? "pgz";
  if (value !== "pgz" && value !== "postgres") throw new Error(`PGZ_CLIENTS_TARGET must be pgz or postgres, not ${value}`);
  return value;
}

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly socketDir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function describeTarget(kind: TargetKind, endpoint: Endpoint, password: string | null): Target {
  const user = "postgres";
  const database = "postgres";
  return {
    kind,
    ...endpoint,
    user,
    database,
    password,
    pgConfig(extra = {}) {
      return { host: endpoint.host, port: endpoint.port, user, database, ...(password !== null ? { password } : {}), ...extra };
    },
    url(asUser = user, asPassword = password) {
      const secret = asPassword !== null && asPassword !== undefined ? `:${encodeURIComponent(asPassword)}` : "";
      return `postgres://${encodeURIComponent(asUser)}${secret}@${endpoint.host}:${endpoint.port}/${database}`;
    },
  };
}

export async function startTarget(kind: TargetKind = targetKind(), options: TargetOptions = {}): Promise<Target> {
  const auth = options.auth ?? "trust";
  const password = options.password ?? null;
  if (auth === "scram-sha-256" && password === null) throw new Error("SCRAM needs a password");
  if (kind === "pgz") {
    const socketDir = mkdtempSync(join(tmpdir(), "pgz-clients-"));
    const server = await startTestServer({
      sync: "off",
      socketDir,
      auth,
      ...(password !== null ? { password } : {}),
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
    });
    if (server.socketPath !== join(socketDir, `.s.PGSQL.${server.port}`)) {
      throw new Error(`pgz listens on socket ${server.socketPath}, expected one in ${socketDir}`);
    }
    return describeTarget(
      kind,
      {
        host: server.host,
        port: server.port,
        socketDir,
        pid: server.pid,
        async stop() {
          await server.stop();
          rmSync(socketDir, { recursive: true, force: true });
        },
      },
      password,
    );
  }
  const server = await startPostgres({
    durable: false,
    settings: [
      "password_encryption=scram-sha-256",
      `max_connections=${options.maxConnections ?? 200}`,
    ],
  });
  const socketDir = dirname(server.dataDir);
  if (auth === "scram-sha-256") {
    const admin = new pg.Client({ host: server.host, port: server.port, user: "postgres", database: "postgres" });
    await admin.connect();
    try {
      await admin.query(`ALTER ROLE postgres PASSWORD ${pg.escapeLiteral(password!)}`);
      // Overwriting keeps the file's owner (the postgres OS user).
      writeFileSync(
        join(server.dataDir, "pg_hba.conf"),
        "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n",
      );
      await admin.query("SELECT pg_reload_conf()");
    } finally {
      await admin.end();
    }
    // The reload is asynchronous: wait until a password-less login is refused.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new pg.Client({ host: server.host, port: server.port, user: "postgres", database: "postgres" });
      const refused = await probe.connect().then(
        () => false,
        () => true,
      );
      await probe.end().catch(() => {});
      if (refused) break;
      if (Date.now() > deadline) throw new Error("PostgreSQL did not switch to SCRAM authentication");
      await Bun.sleep(20);
    }
  }
  return describeTarget(
    kind,
    { host: server.host, port: server.port, socketDir, pid: server.pid, stop: () => server.stop() },
    password,
  );
}
