// What the server reports about its clients, and what operations does with it. The SQL layer
// calls a ServerObserver (given in PgzConfig.observer) at a few points; the implementation
// here turns those calls into metrics and log lines, so the SQL layer knows nothing of
// Prometheus, log levels or the slow-statement threshold.

import type { Logger } from "../log.ts";
import type { ServerMetrics } from "./server-metrics.ts";

/** Who is connected; reported when a session opens and again when it closes. */
export interface ConnectionInfo {
  /** The process id given to the client in BackendKeyData. */
  readonly processId: number;
  readonly user: string;
  readonly database: string;
  readonly applicationName: string;
  /** Client address, or "" on a Unix socket. */
  readonly remoteAddress: string;
}

/** One statement that finished, successfully or not. */
export interface StatementEvent {
  readonly processId: number;
  /**
   * The command, as the first words of its command tag: "SELECT", "INSERT", "CREATE TABLE",
   * "BEGIN", ... For a statement that failed before it was identified (a syntax error),
   * "UNKNOWN".
   */
  readonly command: string;
  /** Wall-clock time from receiving the statement to its completion or error. */
  readonly durationMs: number;
  /** The SQLSTATE of the error it raised, or null when it succeeded. */
  readonly sqlstate: string | null;
  /** The error's message, when it failed. */
  readonly message?: string;
  /** The statement's text (one statement of a multi-statement query, or the prepared text). */
  readonly text: string;
  /** Rows returned or affected, when known. */
  readonly rows?: number;
}

export interface ServerObserver {
  /** A session was opened (after authentication). */
  connectionOpened(connection: ConnectionInfo): void;
  /** That session ended, however it ended; called once per connectionOpened. */
  connectionClosed(connection: ConnectionInfo, durationMs: number): void;
  /** A statement finished. Called on the statement's own path: keep it cheap. */
  statementFinished(statement: StatementEvent): void;
}

export interface OpsObserverOptions {
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Statements slower than this are logged with their text; null logs none, 0 logs all. */
  readonly slowStatementMs: number | null;
}

/** Statement text kept in a log line; longer texts are cut (a COPY or a huge IN list). */
const loggedTextChars = 2000;

/**
 * SQLSTATE classes that mean the server failed rather than the client asking for something
 * impossible: they are logged at error level, the rest at warn.
 */
const serverErrorClasses = new Set(["53", "54", "57", "58", "F0", "P0", "XX"]);

export class OpsObserver implements ServerObserver {
  readonly #metrics: ServerMetrics;
  readonly #log: Logger;
  readonly #slowStatementMs: number | null;

  constructor(options: OpsObserverOptions) {
    this.#metrics = options.metrics;
    this.#log = options.logger;
    this.#slowStatementMs = options.slowStatementMs;
  }

  connectionOpened(connection: ConnectionInfo): void {
    this.#metrics.connectionOpened();
    this.#log.info(connectionFields(connection), "connection opened");
  }

  connectionClosed(connection: ConnectionInfo, durationMs: number): void {
    this.#metrics.connectionClosed(durationMs);
    this.#log.info({ ...connectionFields(connection), durationMs: Math.round(durationMs) }, "connection closed");
  }

  statementFinished(statement: StatementEvent): void {
    this.#metrics.statementFinished(statement.command, statement.durationMs, statement.sqlstate);
    const slow = this.#slowStatementMs !== null && statement.durationMs >= this.#slowStatementMs;
    if (statement.sqlstate === null && !slow) return;
    const fields: Record<string, unknown> = {
      backendPid: statement.processId,
      command: statement.command,
      durationMs: Math.round(statement.durationMs * 1000) / 1000,
      statement: loggableText(statement.text),
    };
    if (statement.rows !== undefined) fields.rows = statement.rows;
    if (statement.sqlstate !== null) {
      fields.sqlstate = statement.sqlstate;
      if (statement.message !== undefined) fields.error = statement.message;
      const level = serverErrorClasses.has(statement.sqlstate.slice(0, 2)) ? "error" : "warn";
      this.#log[level](fields, slow ? "slow statement failed" : "statement failed");
      return;
    }
    this.#log.info(fields, "slow statement");
  }
}

function connectionFields(connection: ConnectionInfo): Record<string, unknown> {
  return {
    backendPid: connection.processId,
    user: connection.user,
    database: connection.database,
    application: connection.applicationName || undefined,
    client: connection.remoteAddress || "local",
  };
}

/** Statement text for a log line: shortened, and passwords in role commands masked. */
export function loggableText(text: string): string {
  const masked = text.replace(/(\bpassword\s+)('(?:[^']|'')*'|\$\w*\$[\s\S]*?\$\w*\$)/gi, "$1'***'");
  return masked.length > loggedTextChars ? `${masked.slice(0, loggedTextChars)}…` : masked;
}
