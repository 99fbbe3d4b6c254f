// Which server a tool or ORM test runs against: pgz by default, a throwaway PostgreSQL 15 when
// the test's environment variable says `postgres` (to check the test itself, and to record
// expectations).
//
// PGZ_CAPTURE_STATEMENTS=<file> (PostgreSQL target only) logs every statement the test's
// clients send (log_statement = all) and appends the server log to <file> when the server
// stops; test/tools/capture-client-queries.ts uses it to record what Drizzle sends.

import { appendFileSync } from "node:fs";
import { startTestServer } from "../../support/pgz.ts";
import { startPgz } from "./pgz.ts";
import { startPostgres } from "./postgres.ts";
import type { RunningServer } from "./server-info.ts";

export type TargetName = "pgz" | "postgres";

export function targetFrom(variable: string): TargetName {
  const value = process.env[variable] ?? "pgz";
  if (value !== "pgz" && value !== "postgres") throw new Error(`${variable} must be pgz or postgres, not ${value}`);
  return value;
}

/**
 * Starts the target. Tests do not need durable commits: PostgreSQL runs with fsync off and pgz
 * with sync off, unless `durable` is set. pgz is started by the shared test helper
 * (test/support/pgz.ts), or through its command line when PGZ_SERVER_COMMAND names one (see
 * support/pgz.ts).
 */
export async function startTarget(target: TargetName, options: { durable?: boolean } = {}): Promise<RunningServer> {
  const durable = options.durable ?? false;
  const sync = durable ? "full" : "off";
  if (target === "pgz") {
    if (process.env.PGZ_SERVER_COMMAND) return startPgz({ sync });
    const server = await startTestServer({ sync });
    return { ...server.connection, stop: () => server.stop() };
  }
  const captureFile = process.env.PGZ_CAPTURE_STATEMENTS;
  const server = await startPostgres({ durable, logStatements: captureFile !== undefined && captureFile !== "" });
  if (captureFile === undefined || captureFile === "") return server;
  let captured = false;
  return {
    ...server,
    async stop() {
      if (!captured) appendFileSync(captureFile, server.log());
      captured = true;
      await server.stop();
    },
  };
}
