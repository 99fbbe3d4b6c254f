// startPgz: a pgz server on a data directory — the engine, the SQL layer and the wire
// protocol listeners, the job runner its maintenance goes through — and its orderly
// shutdown.

import type { Db, DbOptions } from "./engine/index.ts";
import { startServer, type Logger, type PgServer } from "./pgwire/index.ts";
import { Cluster } from "./sql/cluster.ts";
import { SqlBackend } from "./sql/backend.ts";
import { Activity } from "./sql/activity.ts";
import { JobRunner } from "./metrics/jobs.ts";
import type { ServerObserver } from "./metrics/observer.ts";

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
  /** Told when sessions open and close and when statements finish (metrics, logs). */
  readonly observer?: ServerObserver | null;
  /** How long close() lets running statements finish before cancelling them. Default 5000. */
  readonly shutdownTimeoutMs?: number;
  /** Engine tuning. */
  readonly engineOptions?: DbOptions;
}

export interface PgzServer {
  /** The TCP port listened on (the chosen one when 0 was asked). */
  readonly port: number;
  readonly socketPath: string | null;
  readonly db: Db;
  /** Maintenance jobs (compaction, value-log GC): SQL VACUUM and COMPACT run through it. */
  readonly jobs: JobRunner;
  /**
   * Graceful shutdown: stops accepting connections, lets running statements finish for up
   * to shutdownTimeoutMs, then cancels what still runs, rolls back open transactions, tells
   * clients 57P01, cancels queued jobs (a running one finishes) and closes the engine.
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

const SHUTDOWN_TIMEOUT_MS_DEFAULT = 5000;

export async function startPgz(config: PgzConfig): Promise<PgzServer> {
  const logger = config.logger ?? quietLogger;
  const engineOptions: DbOptions = { ...config.engineOptions, ...(config.sync ? { sync: config.sync } : {}) };
  const password = config.password ?? process.env.PGZ_PASSWORD ?? null;
  const cluster = await Cluster.open(config.dataDir, engineOptions, { password }, logger);
  const jobs = new JobRunner({ engine: cluster.db, logger });
  const activity = new Activity(config.observer ?? null);
  const backend = new SqlBackend(cluster, {
    auth: config.auth ?? "trust",
    ...(config.statementTimeoutMs ? { statementTimeoutMs: config.statementTimeoutMs } : {}),
    services: { activity, jobs },
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
    await jobs.close();
    await cluster.close();
    throw error;
  }
  const shutdownTimeoutMs = config.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS_DEFAULT;
  let closing: Promise<void> | null = null;
  return {
    port: server.port,
    socketPath: server.socketPath,
    db: cluster.db,
    jobs,
    close() {
      closing ??= (async () => {
        await server.close();
        const running = activity.running;
        if (!(await activity.settle(shutdownTimeoutMs))) {
          logger.warn({ running: activity.running, shutdownTimeoutMs }, "statements still running after the shutdown timeout are cancelled");
        } else if (running > 0) {
          logger.info({ finished: running }, "running statements finished");
        }
        // A finished call's last messages (CommandComplete, ReadyForQuery) are written after
        // it returns: let them go out before the clients are told to go.
        await new Promise((resolve) => setImmediate(resolve));
        await server.shutdown();
        await jobs.close();
        await cluster.close();
      })();
      return closing;
    },
  };
}
