// A server with the shape of ts/server.ts's startPgz, for testing operations without the SQL
// layer: the real pgwire listeners and a real engine Db, with pgwire's test backend (its toy
// command language) answering queries, plus two commands that write to the engine:
//
//   put <key>        commits key → "v" to the engine, tag "PUT 1"
//   vacuum           runs value-log GC through the job runner (as SQL VACUUM will)
//
// Every statement and session is reported to the configured observer, as startPgz does.

import type { ServerConfig, ServerHandle } from "../../../ts/cli.ts";
import { Db } from "../../../ts/engine/index.ts";
import { JobRunner } from "../../../ts/metrics/index.ts";
import type { Backend, QuerySink, Session, SessionContext, StartupInfo } from "../../../ts/pgwire/backend.ts";
import { startServer } from "../../../ts/pgwire/server.ts";
import { SqlError } from "../../../ts/sql/errors.ts";
import { FakeBackend } from "../../pgwire/support/fake-backend.ts";

const encoder = new TextEncoder();

export async function startStandIn(config: ServerConfig): Promise<ServerHandle> {
  const db = Db.open(config.dataDir, { sync: config.sync ?? "full" });
  const jobs = new JobRunner({ engine: db, logger: config.logger });
  const inner = new FakeBackend({ trust: true });
  const observer = config.observer;
  const running = new Set<Promise<unknown>>();

  const backend: Backend = {
    authenticate: (startup) => inner.authenticate(startup),
    async openSession(startup: StartupInfo, context: SessionContext): Promise<Session> {
      const session = await inner.openSession(startup, context);
      const info = {
        processId: context.processId,
        user: startup.user,
        database: startup.database,
        applicationName: startup.applicationName,
        remoteAddress: startup.remoteAddress,
      };
      const opened = performance.now();
      observer.connectionOpened(info);
      const simpleQuery = session.simpleQuery.bind(session);
      const close = session.close.bind(session);
      return Object.assign(session, {
        async simpleQuery(sql: string, sink: QuerySink): Promise<void> {
          const start = performance.now();
          const command = sql.trim().split(/\s+/)[0]?.toUpperCase() || "EMPTY";
          let sqlstate: string | null = null;
          let message: string | undefined;
          const work = (async () => {
            const put = /^put\s+(\S+)\s*;?$/i.exec(sql.trim());
            if (put) {
              await db.put(encoder.encode(put[1]!), encoder.encode("v"));
              sink.commandComplete("PUT 1");
            } else if (/^vacuum\s*;?$/i.test(sql.trim())) {
              const job = await jobs.run("vacuum", { source: "sql" });
              sink.commandComplete(job.state === "succeeded" ? "VACUUM" : `VACUUM ${job.state}`);
            } else {
              await simpleQuery(sql, sink);
            }
          })();
          running.add(work);
          try {
            await work;
          } catch (error) {
            sqlstate = error instanceof SqlError ? error.code : "XX000";
            message = error instanceof Error ? error.message : String(error);
            throw error;
          } finally {
            running.delete(work);
            observer.statementFinished({ processId: context.processId, command, durationMs: performance.now() - start, sqlstate, message, text: sql });
          }
        },
        async close(): Promise<void> {
          await close();
          observer.connectionClosed(info, performance.now() - opened);
        },
      });
    },
  };

  const server = await startServer({
    backend,
    host: config.host === undefined ? "127.0.0.1" : config.host,
    port: config.port ?? 5432,
    socketDir: config.socketDir ?? null,
    tls: config.tls ?? null,
    ...(config.maxConnections === undefined ? {} : { maxConnections: config.maxConnections }),
    logger: config.logger,
  });

  return {
    port: server.port,
    socketPath: server.socketPath,
    db,
    jobs,
    async close() {
      // What startPgz's close does: stop accepting, give running statements the grace
      // period, then end every session with 57P01 and close the engine.
      await server.close();
      const grace = Bun.sleep(config.shutdownTimeoutMs).then(() => "timeout" as const);
      await Promise.race([Promise.allSettled([...running]), grace]);
      await server.shutdown();
      await jobs.close();
      db.close();
    },
  };
}
