// What the wire protocol needs from a query engine. pgwire speaks bytes and strings only and
// knows nothing of SQL types; the SQL layer implements Backend and Session.
//
// Calling conventions (pgwire guarantees them, implementations may rely on them):
// - Session methods are never called concurrently: each call settles before the next starts,
//   in the order the client sent its messages. The one exception is cancel(), which comes
//   while a call is in progress (from another connection's CancelRequest, from shutdown, or
//   because the client went away).
// - Errors are reported by throwing SqlError (ts/sql/errors.ts). Severity ERROR ends the
//   current statement (simple query) or the extended-query batch up to Sync; FATAL or PANIC
//   also ends the connection. Anything else thrown is treated as an internal error (XX000).
// - A sink is valid only during the call it was passed to.
// - close() is called exactly once per opened session, after any call in progress has settled
//   (pgwire calls cancel() first when the client went away mid-call).

import { SqlError, SqlState } from "../sql/errors.ts";

/** ReadyForQuery status: idle, in a transaction block, in a failed transaction block. */
export type TransactionStatus = "I" | "T" | "E";

/** Wire format code: 0 text, 1 binary. */
export type FormatCode = 0 | 1;

/**
 * One result value, already encoded by the backend: a string is the text format (sent as
 * UTF-8), a Uint8Array is sent as is (binary format, or text already encoded), null is SQL NULL.
 */
export type Cell = string | Uint8Array | null;

/** One column of a RowDescription. */
export interface Field {
  readonly name: string;
  /** OID of the table the column comes from, or 0. */
  readonly tableOid?: number;
  /** Attribute number of that column, or 0. */
  readonly columnNumber?: number;
  readonly typeOid: number;
  /** pg_type.typlen: a positive size, -1 for varlena, -2 for NUL-terminated. */
  readonly typeSize: number;
  /** Type modifier (atttypmod); -1 when none. */
  readonly typeModifier?: number;
  /** Format the values will be sent in; 0 (text) when unknown, as in Describe of a statement. */
  readonly format?: FormatCode;
}

/**
 * The fields of an ErrorResponse or NoticeResponse. SqlError satisfies this interface; the
 * optional fields beyond it (where, routine, ...) are sent when present. (PostgreSQL's File
 * and Line fields name its C sources and are not part of this interface: JavaScript engines
 * put their own `line` on Error objects.)
 */
export interface ErrorFields {
  /** ERROR, FATAL, PANIC for errors; WARNING, NOTICE, DEBUG, INFO, LOG for notices. */
  readonly severity: string;
  /** SQLSTATE, five characters. */
  readonly code: string;
  readonly message: string;
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
  /** 1-based character position in the statement text. */
  readonly position?: number | undefined;
  readonly internalPosition?: number | undefined;
  readonly internalQuery?: string | undefined;
  readonly where?: string | undefined;
  readonly schema?: string | undefined;
  readonly table?: string | undefined;
  readonly column?: string | undefined;
  readonly dataType?: string | undefined;
  readonly constraint?: string | undefined;
  /** PostgreSQL reports its C function here; some drivers key retries on it. */
  readonly routine?: string | undefined;
}

/** What the client asked for in its StartupMessage, and how it is connected. */
export interface StartupInfo {
  readonly user: string;
  /** The database; the user name when the client named none (as PostgreSQL does). */
  readonly database: string;
  /** application_name, or "" when not sent. */
  readonly applicationName: string;
  /** The raw "options" parameter (command-line style, e.g. "-c search_path=app"), or "". */
  readonly options: string;
  /**
   * Every parameter the client sent, including user, database, options and application_name,
   * in order; `_pq_.` protocol options are not included. The backend applies the others as
   * session settings (and may reject unknown ones with a FATAL SqlError).
   */
  readonly parameters: ReadonlyMap<string, string>;
  /** Client address ("127.0.0.1", "::1"), or "" on a Unix socket. */
  readonly remoteAddress: string;
  /** True on a Unix-domain socket. */
  readonly unixSocket: boolean;
  /** True when the connection is encrypted with TLS. */
  readonly tls: boolean;
}

/** How the client must prove its identity. */
export type AuthMethod =
  | { readonly method: "trust" }
  /**
   * SCRAM-SHA-256 against a verifier in PostgreSQL's stored format. A null verifier (unknown
   * role, or one without a password) still runs the whole exchange and then fails with 28P01,
   * so clients cannot tell unknown roles from wrong passwords.
   */
  | { readonly method: "scram-sha-256"; readonly verifier: string | null };

/** Facts about the connection a session may need (pg_backend_pid()). */
export interface SessionContext {
  /** The process id reported in BackendKeyData. */
  readonly processId: number;
}

export interface Backend {
  /**
   * Choose the authentication method for this login. Throw a SqlError to refuse outright
   * (for example 28000 "role ... does not exist" under trust, or 3D000 for an unknown
   * database); it is sent as FATAL.
   */
  authenticate(startup: StartupInfo): AuthMethod | Promise<AuthMethod>;
  /**
   * Start a session for an authenticated client (after AuthenticationOk has been sent). Throw
   * a SqlError to refuse (3D000 unknown database, 55000, ...); it is sent as FATAL.
   */
  openSession(startup: StartupInfo, context: SessionContext): Session | Promise<Session>;
}

/** A prepared statement's description for Describe ('S'). */
export interface StatementDescription {
  /** Type OIDs of $1..$n (ParameterDescription). */
  readonly paramTypes: readonly number[];
  /** Result columns (RowDescription, formats 0), or null if the statement returns no rows (NoData). */
  readonly fields: readonly Field[] | null;
}

/** A portal's description for Describe ('P'). */
export interface PortalDescription {
  /** Result columns with the formats chosen at Bind, or null (NoData). */
  readonly fields: readonly Field[] | null;
}

export interface ExecuteResult {
  /** True when maxRows rows were sent and the portal has more: pgwire sends PortalSuspended. */
  readonly suspended: boolean;
}

export interface Session {
  /** Current ReadyForQuery status; read after every call that can change it. */
  readonly transactionStatus: TransactionStatus;

  /**
   * ParameterStatus values sent once after authentication, in order. PostgreSQL reports
   * server_version, server_encoding, client_encoding, application_name, DateStyle,
   * IntervalStyle, TimeZone, integer_datetimes, standard_conforming_strings, is_superuser,
   * session_authorization (and default_transaction_read_only, in_hot_standby since 14).
   * Drivers parse server_version's leading "major.minor".
   */
  initialParameters(): Iterable<readonly [name: string, value: string]>;

  /**
   * A Query message. The backend splits the text into statements and runs them with
   * PostgreSQL's implicit-transaction rules, reporting each statement's results through the
   * sink (rowDescription, dataRow..., commandComplete; emptyQuery when the text holds no
   * statement). An error is thrown at the failing statement; the statements before it stay
   * reported. pgwire then sends ReadyForQuery.
   */
  simpleQuery(sql: string, sink: QuerySink): Promise<void>;

  /**
   * Parse: prepare `sql` under `name` ("" is the unnamed statement, replaced by each Parse;
   * a named one that exists is 42P05). `paramTypes` are the OIDs the client fixed (0 =
   * infer); fewer may be given than the statement uses.
   */
  parse(name: string, sql: string, paramTypes: readonly number[]): void | Promise<void>;

  /**
   * Bind: create portal `portal` ("" is the unnamed portal, replaced by each Bind; a named
   * one that exists is 42P03) from statement `statement` (missing: 26000). `paramFormats`
   * has one entry per parameter (pgwire expands the message's 0/1/n form and checks the codes
   * are 0 or 1). `resultFormats` is as the client sent it: empty (all text), one code for every
   * column, or one per column (use resolveResultFormats; a count mismatch is 08P01). The
   * backend checks the parameter count against the statement (08P01 on mismatch).
   */
  bind(
    portal: string,
    statement: string,
    params: readonly (Uint8Array | null)[],
    paramFormats: readonly FormatCode[],
    resultFormats: readonly FormatCode[],
  ): void | Promise<void>;

  /** Describe 'S' (missing: 26000). */
  describeStatement(name: string): StatementDescription | Promise<StatementDescription>;

  /** Describe 'P' (missing: 34000). */
  describePortal(name: string): PortalDescription | Promise<PortalDescription>;

  /**
   * Execute: run portal `portal` (missing: 34000), sending at most `maxRows` rows (0 = all)
   * through the sink, then commandComplete (or emptyQuery for an empty statement) — unless
   * it stops at maxRows with rows left, in which case it returns { suspended: true } and a
   * later Execute continues. No RowDescription is sent here (the client used Describe).
   */
  execute(portal: string, maxRows: number, sink: ExecuteSink): ExecuteResult | Promise<ExecuteResult>;

  /** Close 'S': drop a prepared statement; a missing one is not an error. */
  closeStatement(name: string): void | Promise<void>;

  /** Close 'P': drop a portal; a missing one is not an error. */
  closePortal(name: string): void | Promise<void>;

  /**
   * Sync: the end of an extended-query batch. Commit the implicit transaction if one is open
   * (or roll it back if the batch failed); pgwire then sends ReadyForQuery. An error thrown
   * here (say a failed commit) is sent before ReadyForQuery.
   */
  sync(): void | Promise<void>;

  /**
   * Cancel the call in progress: its statement should fail with 57014 "canceling statement
   * due to user request" at its next check. Called only while a call is in progress (pgwire
   * drops cancel requests that arrive while the session is idle, as PostgreSQL does); the
   * call may finish before noticing, so clear a pending request when a statement starts.
   * Must not throw or block.
   */
  cancel(): void;

  /** The connection ended: roll back any open transaction and release everything. */
  close(): void | Promise<void>;
}

/** Flow control shared by every sink: a slow client must not make the server buffer without bound. */
export interface OutputFlow {
  /**
   * True when output waits on the client beyond the high-water mark. A backend producing
   * many rows checks it and, when set, awaits drained() before producing more.
   */
  readonly congested: boolean;
  /**
   * Resolves once buffered output has gone below the low-water mark. Rejects with SqlError
   * 08006 if the connection is lost meanwhile (so the statement unwinds).
   */
  drained(): Promise<void>;
}

export interface CopyOptions {
  /** Overall format: 0 text/CSV, 1 binary. */
  readonly format: FormatCode;
  /** One code per column (all equal to format for PostgreSQL's COPY). */
  readonly columnFormats: readonly FormatCode[];
}

/**
 * CopyData payloads of COPY FROM STDIN, in order. Iteration ends at CopyDone; CopyFail
 * throws SqlError 57014 "COPY from stdin failed: <client's message>"; any other message
 * (Flush and Sync aside, which are ignored) throws 08P01 and then ends the connection, as in
 * PostgreSQL. A backend that stops iterating early (an error in row 5) simply throws:
 * pgwire discards the client's remaining copy messages.
 */
export type CopyInStream = AsyncIterable<Uint8Array>;

/** Writer for COPY TO STDOUT. Honour the sink's congested/drained() between chunks. */
export interface CopyOutWriter {
  /** One CopyData message (PostgreSQL sends one per row; any split is valid). */
  write(chunk: Uint8Array | string): void;
  /** CopyDone; then report the command with commandComplete("COPY n"). */
  end(): void;
}

/** Results of Execute (extended query): rows and completion, no RowDescription. */
export interface ExecuteSink extends OutputFlow {
  dataRow(cells: readonly Cell[]): void;
  /** The command tag: "SELECT 3", "INSERT 0 1", "UPDATE 2", "BEGIN", "COPY 10", ... */
  commandComplete(tag: string): void;
  /** The statement was empty. */
  emptyQuery(): void;
  /** NoticeResponse (severity NOTICE, WARNING, INFO, ...); may be sent at any point of a call. */
  notice(notice: ErrorFields | SqlError): void;
  /**
   * The current value of a reported parameter after SET, RESET or a rollback (TimeZone,
   * application_name, ...). pgwire sends ParameterStatus just before ReadyForQuery, and only
   * for values that differ from what the client last saw, so reporting freely is fine.
   */
  parameterStatus(name: string, value: string): void;
  /** Start COPY FROM STDIN: sends CopyInResponse and returns the client's data. */
  copyIn(options: CopyOptions): CopyInStream;
  /** Start COPY TO STDOUT: sends CopyOutResponse and returns the writer. */
  copyOut(options: CopyOptions): CopyOutWriter;
}

/** Results of a simple Query: each row-returning statement starts with rowDescription. */
export interface QuerySink extends ExecuteSink {
  rowDescription(fields: readonly Field[]): void;
}

/** Parameter names PostgreSQL reports with ParameterStatus (GUC_REPORT), for backends to follow. */
export const reportedParameterNames: readonly string[] = [
  "application_name",
  "client_encoding",
  "DateStyle",
  "default_transaction_read_only",
  "in_hot_standby",
  "integer_datetimes",
  "IntervalStyle",
  "is_superuser",
  "scram_iterations",
  "server_encoding",
  "server_version",
  "session_authorization",
  "standard_conforming_strings",
  "TimeZone",
];

/**
 * Expand Bind's result format codes to one per column: no codes means all text, one code
 * applies to every column, otherwise there must be exactly one per column (else 08P01, as
 * PostgreSQL reports it).
 */
export function resolveResultFormats(formats: readonly FormatCode[], columnCount: number): FormatCode[] {
  if (formats.length === 0) return new Array<FormatCode>(columnCount).fill(0);
  if (formats.length === 1) return new Array<FormatCode>(columnCount).fill(formats[0]!);
  if (formats.length !== columnCount) {
    throw new SqlError(SqlState.protocolViolation, `bind message has ${formats.length} result formats but query has ${columnCount} columns`);
  }
  return formats.slice();
}
