// startPgz: a pgz server on a data directory — the engine, the SQL layer and the wire
// protocol listeners — and its orderly shutdown.

import type { Db, DbOptions } from "./engine/index.ts";
import { startServer, type Logger, type PgServer } from "./pgwire/index.ts";
import { Cluster } from "./sql/cluster.ts";
import { SqlBackend } from "./sql/backend.ts";

export interface PgzConfig {
  /** Directory holding the database (created on first start). */
  readonly dataDir: string;
  /** TCP address; null for none. Default 127.0.0.1. */
  readonly host?: string | null;
  /** TCP port (0 picks a free one). Default 5432. */
  readonly port?: number;
  /** Directory for the Unix socket .s.PGSQL.<port>; null or absent for none. */
  readonly socketDir?: string | null;
  /** "trust" (default) or "scram-sha-256". */
  readonly auth?: "trust" | "scram-sha-256";
  /** Password of the bootstrap superuser "postgres", set on first start (default: $PGZ_PASSWORD). */
  readonly password?: string;
  readonly tls?: { readonly cert: string; readonly key: string } | null;
  readonly maxConnections?: number;
  /** Default statement_timeout of new sessions in milliseconds (0 = none). */
  readonly statementTimeoutMs?: number;
  /** When commits are acknowledged (see DbOptions.sync). Default "full". */
  readonly sync?: "full" | "normal" | "off";
  /** pino-compatible logger. */
  readonly logger?: Logger;
  /** Engine tuning. */
  readonly engineOptions?: DbOptions;
}

export interface PgzServer {
  /** The TCP port listened on (the chosen one when 0 was asked). */
  readonly port: number;
  readonly socketPath: string | null;
  readonly db: Db;
  /**
   * Stops accepting connections, cancels running statements, rolls back open transactions,
   * tells clients 57P01, then closes the engine.
   */
  close(): Promise<void>;
}

const quietLogger: Logger = {
  debug() {},
  info() {},
  warn(fields, message) {
    console.warn(`pgz: ${message}`, fields);
  },
  error(fields, message) {
    console.error(`pgz: ${message}`, fields);
  },
};

export async function startPgz(config: PgzConfig): Promise<PgzServer> {
  const logger = config.logger ?? quietLogger;
  const engineOptions: DbOptions = { ...config.engineOptions, ...(config.sync ? { sync: config.sync } : {}) };
  const password = config.password ?? process.env.PGZ_PASSWORD ?? null;
  const cluster = await Cluster.open(config.dataDir, engineOptions, { password }, logger);
  const backend = new SqlBackend(cluster, {
    auth: config.auth ?? "trust",
    ...(config.statementTimeoutMs ? { statementTimeoutMs: config.statementTimeoutMs } : {}),
  });
  let server: PgServer;
  try {
    server = await startServer({
      backend,
      host: config.host === undefined ? "127.0.0.1" : config.host,
      port: config.port ?? 5432,
      socketDir: config.socketDir ?? null,
      tls: config.tls ?? null,
      ...(config.maxConnections ? { maxConnections: config.maxConnections } : {}),
      ...(cluster.scramSecret.length >= 16 ? { scramMockSecret: cluster.scramSecret } : {}),
      logger,
    });
  } catch (error) {
    await cluster.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    port: server.port,
    socketPath: server.socketPath,
    db: cluster.db,
    close() {
      closing ??= (async () => {
        await server.shutdown();
        await cluster.close();
      })();
      return closing;
    },
  };
}
