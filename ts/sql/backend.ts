// The pgwire Backend: authentication against the catalog's roles, and sessions on a
// database.

import type { AuthMethod, Backend, Session, SessionContext, StartupInfo } from "../pgwire/index.ts";
import { SqlError, SqlState } from "./errors.ts";
import type { Cluster } from "./cluster.ts";
import { SqlSession } from "./session.ts";
import type { SessionServices } from "./activity.ts";

export interface SqlBackendOptions {
  readonly auth: "trust" | "scram-sha-256";
  /** statement_timeout for new sessions (ms; 0 = none). */
  readonly statementTimeoutMs?: number;
  /** What sessions use of the server: the observer and call tracking, the job runner. */
  readonly services: SessionServices;
}

export class SqlBackend implements Backend {
  readonly sessions = new Set<SqlSession>();

  constructor(
    readonly cluster: Cluster,
    private readonly options: SqlBackendOptions,
  ) {}

  authenticate(startup: StartupInfo): AuthMethod {
    const role = this.cluster.catalog.role(startup.user);
    if (this.options.auth === "trust") {
      if (!role) throw new SqlError(SqlState.invalidAuthorizationSpecification, `role "${startup.user}" does not exist`, { severity: "FATAL" });
      return { method: "trust" };
    }
    // Unknown roles and roles without a password run the whole exchange and then fail.
    return { method: "scram-sha-256", verifier: role?.login ? role.verifier : null };
  }

  openSession(startup: StartupInfo, context: SessionContext): Session {
    const role = this.cluster.catalog.role(startup.user);
    if (!role) throw new SqlError(SqlState.invalidAuthorizationSpecification, `role "${startup.user}" does not exist`, { severity: "FATAL" });
    if (!role.login) throw new SqlError(SqlState.invalidAuthorizationSpecification, `role "${startup.user}" is not permitted to log in`, { severity: "FATAL" });
    const database = this.cluster.catalog.database(startup.database);
    if (!database) throw new SqlError(SqlState.invalidCatalogName, `database "${startup.database}" does not exist`, { severity: "FATAL" });
    if (database.allowConnections === false) {
      throw new SqlError(SqlState.objectNotInPrerequisiteState, `database "${database.name}" is not currently accepting connections`, { severity: "FATAL" });
    }
    const connected = this.cluster.connected;
    connected.set(database.oid, (connected.get(database.oid) ?? 0) + 1);
    const services = this.options.services;
    const info = {
      processId: context.processId,
      user: startup.user,
      database: startup.database,
      applicationName: startup.applicationName,
      remoteAddress: startup.remoteAddress,
    };
    const opened = performance.now();
    let session: SqlSession | null = null;
    try {
      session = new SqlSession(
        this.cluster,
        database,
        role,
        startup,
        context,
        () => {
          connected.set(database.oid, (connected.get(database.oid) ?? 1) - 1);
          if (session) this.sessions.delete(session);
          services.activity.connectionClosed(info, performance.now() - opened);
        },
        this.options.statementTimeoutMs ? { statementTimeoutMs: this.options.statementTimeoutMs } : {},
        services,
      );
    } catch (error) {
      connected.set(database.oid, (connected.get(database.oid) ?? 1) - 1);
      if (error instanceof SqlError) throw new SqlError(error.code, error.message, { severity: "FATAL" });
      throw error;
    }
    this.sessions.add(session);
    services.activity.connectionOpened(info);
    return session;
  }
}
