// The pgwire Backend: authentication against the catalog's roles, and sessions on a
// database.

import type { AuthMethod, Backend, Session, SessionContext, StartupInfo } from "../pgwire/index.ts";
import { SqlError, SqlState } from "./errors.ts";
import type { Cluster } from "./cluster.ts";
import { SqlSession } from "./session.ts";

export interface SqlBackendOptions {
  readonly auth: "trust" | "scram-sha-256";
  /** statement_timeout for new sessions (ms; 0 = none). */
  readonly statementTimeoutMs?: number;
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
    const connected = this.cluster.connected;
    connected.set(database.oid, (connected.get(database.oid) ?? 0) + 1);
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
        },
        this.options.statementTimeoutMs ? { statementTimeoutMs: this.options.statementTimeoutMs } : {},
      );
    } catch (error) {
      connected.set(database.oid, (connected.get(database.oid) ?? 1) - 1);
      if (error instanceof SqlError) throw new SqlError(error.code, error.message, { severity: "FATAL" });
      throw error;
    }
    this.sessions.add(session);
    return session;
  }
}
