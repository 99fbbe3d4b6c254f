// A small Backend for exercising pgwire with real clients. It understands a toy command
// language, enough for drivers' connection setup and for every protocol path:
//
//   select <item>, ...          items: integer literal (int4), 'text' literal, null,
//                               $n / $n::int4 / $n::text (parameters), optional "as name"
//   begin | start transaction | commit | end | rollback | abort
//   raise <sqlstate> [message]  throws SqlError(sqlstate)
//   fatal                       throws a FATAL SqlError
//   crash                       throws a TypeError (not an SqlError)
//   notice <text>               sends a NoticeResponse
//   sleep <ms>                  waits (cancellable), one pg_sleep row
//   series <n> [<ms per 1000 rows>]  n int4 rows, honouring backpressure and cancel
//   set <name> [to|=] <value>   reports ParameterStatus for reported parameters
//   flood <n>                   n rows ignoring backpressure (a misbehaving backend)
//   misuse                      sends a DataRow without RowDescription (a buggy backend)
//   copy from stdin             counts CopyData lines → COPY n
//   copy to stdout <n>          n lines → COPY n
//   show <name>                 one text row with the parameter's value
//
// Several commands separated by ';' run as PostgreSQL runs a multi-statement Query: inside
// one implicit transaction unless BEGIN/COMMIT appear.

import type {
  AuthMethod,
  Backend,
  Cell,
  ExecuteSink,
  Field,
  FormatCode,
  PortalDescription,
  QuerySink,
  Session,
  SessionContext,
  StartupInfo,
  StatementDescription,
  TransactionStatus,
} from "../../../ts/pgwire/backend.ts";
import { resolveResultFormats } from "../../../ts/pgwire/backend.ts";
import { SqlError, SqlState } from "../../../ts/sql/errors.ts";

export const Oid = { bool: 16, int4: 23, text: 25, void: 2278, unknown: 705 } as const;

export interface FakeBackendOptions {
  /** user → SCRAM verifier. Users absent here: trust when `trust` is set, else a doomed SCRAM exchange. */
  readonly verifiers?: ReadonlyMap<string, string>;
  readonly trust?: boolean;
  /** Databases that exist; any when absent. */
  readonly databases?: readonly string[];
  /** Called with every session opened (tests inspect them). */
  readonly onSession?: (session: FakeSession) => void;
}

export class FakeBackend implements Backend {
  readonly sessions: FakeSession[] = [];
  openSessions = 0;

  constructor(private readonly options: FakeBackendOptions = {}) {}

  authenticate(startup: StartupInfo): AuthMethod {
    const verifier = this.options.verifiers?.get(startup.user);
    if (verifier !== undefined) return { method: "scram-sha-256", verifier };
    if (this.options.trust) return { method: "trust" };
    return { method: "scram-sha-256", verifier: null };
  }

  async openSession(startup: StartupInfo, context: SessionContext): Promise<Session> {
    const databases = this.options.databases;
    if (databases !== undefined && !databases.includes(startup.database)) {
      throw new SqlError(SqlState.invalidCatalogName, `database "${startup.database}" does not exist`, { severity: "FATAL" });
    }
    const session = new FakeSession(startup, context, () => this.openSessions--);
    this.openSessions++;
    this.sessions.push(session);
    this.options.onSession?.(session);
    return session;
  }
}

interface Prepared {
  readonly sql: string;
  readonly paramTypes: number[];
  readonly command: Command;
}

interface Portal {
  readonly statement: Prepared;
  readonly params: readonly (Uint8Array | null)[];
  readonly paramFormats: readonly FormatCode[];
  readonly resultFormats: FormatCode[];
  /** Rows produced so far (for suspended portals). */
  offset: number;
  done: boolean;
}

type Item =
  | { readonly kind: "int"; readonly value: number; readonly name: string }
  | { readonly kind: "text"; readonly value: string; readonly name: string }
  | { readonly kind: "null"; readonly name: string }
  | { readonly kind: "param"; readonly index: number; readonly cast: number | null; readonly name: string };

type Command =
  | { readonly kind: "empty" }
  | { readonly kind: "select"; readonly items: readonly Item[] }
  | { readonly kind: "begin" | "commit" | "rollback" }
  | { readonly kind: "raise"; readonly code: string; readonly message: string }
  | { readonly kind: "fatal" | "crash" }
  | { readonly kind: "notice"; readonly text: string }
  | { readonly kind: "sleep"; readonly ms: number }
  | { readonly kind: "series"; readonly count: number; readonly msPerThousand: number }
  | { readonly kind: "flood"; readonly count: number }
  | { readonly kind: "misuse" }
  | { readonly kind: "set"; readonly name: string; readonly value: string }
  | { readonly kind: "show"; readonly name: string }
  | { readonly kind: "copyIn" }
  | { readonly kind: "copyOut"; readonly count: number };

const reported = new Set(["application_name", "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "is_superuser"]);

export class FakeSession implements Session {
  transactionStatus: TransactionStatus = "I";
  readonly statements = new Map<string, Prepared>();
  readonly portals = new Map<string, Portal>();
  readonly settings = new Map<string, string>();
  closed = false;
  cancels = 0;
  /** Rows handed to the sink by series/flood (to observe backpressure). */
  rowsProduced = 0;
  /** Result formats of the last Bind, as resolved per column. */
  lastResultFormats: FormatCode[] = [];
  /** Set by cancel() while a statement runs; the statement then fails with 57014. */
  private cancelRequested = false;
  private running = false;
  /** Extended query: an implicit transaction is open until Sync. */
  private implicitFailed = false;

  constructor(
    readonly startup: StartupInfo,
    readonly context: SessionContext,
    private readonly onClose: () => void,
  ) {
    this.settings.set("server_version", "16.0 (pgz 0.1.0)");
    this.settings.set("server_encoding", "UTF8");
    this.settings.set("client_encoding", "UTF8");
    this.settings.set("DateStyle", "ISO, MDY");
    this.settings.set("IntervalStyle", "postgres");
    this.settings.set("TimeZone", "UTC");
    this.settings.set("integer_datetimes", "on");
    this.settings.set("standard_conforming_strings", "on");
    this.settings.set("application_name", startup.applicationName);
    this.settings.set("is_superuser", "on");
    this.settings.set("session_authorization", startup.user);
  }

  initialParameters(): Iterable<readonly [string, string]> {
    const names = [
      "server_version",
      "server_encoding",
      "client_encoding",
      "DateStyle",
      "IntervalStyle",
      "TimeZone",
      "integer_datetimes",
      "standard_conforming_strings",
      "application_name",
      "is_superuser",
      "session_authorization",
    ];
    return names.map((n) => [n, this.settings.get(n) ?? ""] as const);
  }

  async simpleQuery(sql: string, sink: QuerySink): Promise<void> {
    const parts = splitStatements(sql);
    if (parts.length === 0) {
      sink.emptyQuery();
      return;
    }
    // Outside a transaction block the statements share an implicit transaction, which a
    // failure simply ends (status stays I); inside one (BEGIN ran) a failure aborts it (E).
    try {
      for (const part of parts) {
        const command = parseCommand(part);
        const fields = this.fieldsOf(command, []);
        if (fields !== null) sink.rowDescription(fields);
        await this.run(command, [], [], fields === null ? [] : fields.map(() => 0 as FormatCode), 0, sink, null);
      }
    } catch (error) {
      if (this.transactionStatus === "T") this.transactionStatus = "E";
      throw error;
    }
  }

  parse(name: string, sql: string, paramTypes: readonly number[]): void {
    if (name !== "" && this.statements.has(name)) {
      throw new SqlError(SqlState.duplicatePreparedStatement, `prepared statement "${name}" already exists`);
    }
    const parts = splitStatements(sql);
    if (parts.length > 1) throw new SqlError(SqlState.syntaxError, "cannot insert multiple commands into a prepared statement");
    const command = parts.length === 0 ? ({ kind: "empty" } as const) : parseCommand(parts[0]!);
    this.checkNotFailed(command);
    const count = Math.max(paramTypes.length, paramCount(command));
    const types: number[] = [];
    for (let i = 0; i < count; i++) types.push(paramTypes[i] || paramCast(command, i + 1) || Oid.text);
    this.statements.set(name, { sql, paramTypes: types, command });
  }

  bind(
    portal: string,
    statement: string,
    params: readonly (Uint8Array | null)[],
    paramFormats: readonly FormatCode[],
    resultFormats: readonly FormatCode[],
  ): void {
    const prepared = this.statements.get(statement);
    if (prepared === undefined) throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${statement}" does not exist`);
    if (portal !== "" && this.portals.has(portal)) throw new SqlError("42P03", `portal "${portal}" already exists`);
    if (params.length !== prepared.paramTypes.length) {
      throw new SqlError(
        SqlState.protocolViolation,
        `bind message supplies ${params.length} parameters, but prepared statement "${statement}" requires ${prepared.paramTypes.length}`,
      );
    }
    this.checkNotFailed(prepared.command);
    const fields = this.fieldsOf(prepared.command, prepared.paramTypes);
    const formats = resolveResultFormats(resultFormats, fields?.length ?? 0);
    this.lastResultFormats = formats;
    this.portals.set(portal, { statement: prepared, params, paramFormats, resultFormats: formats, offset: 0, done: false });
  }

  describeStatement(name: string): StatementDescription {
    const prepared = this.statements.get(name);
    if (prepared === undefined) throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${name}" does not exist`);
    return { paramTypes: prepared.paramTypes, fields: this.fieldsOf(prepared.command, prepared.paramTypes) };
  }

  describePortal(name: string): PortalDescription {
    const portal = this.portals.get(name);
    if (portal === undefined) throw new SqlError(SqlState.invalidCursorName, `portal "${name}" does not exist`);
    const fields = this.fieldsOf(portal.statement.command, portal.statement.paramTypes);
    return { fields: fields === null ? null : fields.map((f, i) => ({ ...f, format: portal.resultFormats[i] ?? 0 })) };
  }

  async execute(name: string, maxRows: number, sink: ExecuteSink): Promise<{ suspended: boolean }> {
    const portal = this.portals.get(name);
    if (portal === undefined) throw new SqlError(SqlState.invalidCursorName, `portal "${name}" does not exist`);
    if (this.transactionStatus === "E" && !isTransactionEnd(portal.statement.command)) {
      throw abortedError();
    }
    try {
      const suspended = await this.run(
        portal.statement.command,
        portal.params,
        portal.paramFormats,
        portal.resultFormats,
        maxRows,
        sink,
        portal,
      );
      return { suspended };
    } catch (error) {
      if (this.transactionStatus === "T") this.transactionStatus = "E";
      else this.implicitFailed = true;
      throw error;
    }
  }

  closeStatement(name: string): void {
    this.statements.delete(name);
  }

  closePortal(name: string): void {
    this.portals.delete(name);
  }

  sync(): void {
    // The implicit transaction of the batch ends here: its portals go with it.
    if (this.transactionStatus === "I") this.portals.clear();
    this.implicitFailed = false;
  }

  cancel(): void {
    this.cancels++;
    if (this.running) this.cancelRequested = true;
  }

  close(): void {
    if (this.closed) throw new Error("FakeSession closed twice");
    this.closed = true;
    this.onClose();
  }

  // --- execution -----------------------------------------------------------------------------

  private checkNotFailed(command: Command): void {
    if (this.transactionStatus === "E" && !isTransactionEnd(command)) throw abortedError();
  }

  private fieldsOf(command: Command, paramTypes: readonly number[]): Field[] | null {
    switch (command.kind) {
      case "select":
        return command.items.map((item) => {
          let typeOid: number;
          if (item.kind === "int") typeOid = Oid.int4;
          else if (item.kind === "param") typeOid = item.cast ?? paramTypes[item.index - 1] ?? Oid.text;
          else typeOid = Oid.text;
          return { name: item.name, typeOid, typeSize: typeOid === Oid.int4 ? 4 : -1 };
        });
      case "sleep":
        return [{ name: "pg_sleep", typeOid: Oid.void, typeSize: 4 }];
      case "series":
        return [{ name: "series", typeOid: Oid.int4, typeSize: 4 }];
      case "flood":
        return [{ name: "flood", typeOid: Oid.text, typeSize: -1 }];
      case "show":
        return [{ name: command.name, typeOid: Oid.text, typeSize: -1 }];
      default:
        return null;
    }
  }

  /** Run a command; true when it stopped at maxRows with rows left (Execute only). */
  private async run(
    command: Command,
    params: readonly (Uint8Array | null)[],
    paramFormats: readonly FormatCode[],
    resultFormats: readonly FormatCode[],
    maxRows: number,
    sink: ExecuteSink,
    portal: Portal | null,
  ): Promise<boolean> {
    this.checkNotFailed(command);
    this.running = true;
    this.cancelRequested = false;
    try {
      switch (command.kind) {
        case "empty":
          sink.emptyQuery();
          return false;
        case "select": {
          if (portal?.done) {
            sink.commandComplete("SELECT 0");
            return false;
          }
          const cells = command.items.map((item, i) => cellOf(item, params, paramFormats, resultFormats[i] ?? 0));
          sink.dataRow(cells);
          if (portal !== null) portal.done = true;
          sink.commandComplete("SELECT 1");
          return false;
        }
        case "begin":
          if (this.transactionStatus !== "I") {
            sink.notice({ severity: "WARNING", code: "25001", message: "there is already a transaction in progress" });
          }
          this.transactionStatus = "T";
          sink.commandComplete("BEGIN");
          return false;
        case "commit":
          sink.commandComplete(this.transactionStatus === "E" ? "ROLLBACK" : "COMMIT");
          this.transactionStatus = "I";
          return false;
        case "rollback":
          this.transactionStatus = "I";
          sink.commandComplete("ROLLBACK");
          return false;
        case "raise":
          throw new SqlError(command.code, command.message, { detail: "raised on request", hint: "this is a test" });
        case "fatal":
          throw new SqlError(SqlState.adminShutdown, "terminating connection on request", { severity: "FATAL" });
        case "crash":
          throw new TypeError("deliberate crash");
        case "notice":
          sink.notice({ severity: "NOTICE", code: "00000", message: command.text });
          sink.commandComplete("DO");
          return false;
        case "sleep": {
          const until = Date.now() + command.ms;
          while (Date.now() < until) {
            this.checkCancel();
            await Bun.sleep(Math.min(10, until - Date.now()));
          }
          this.checkCancel();
          sink.dataRow([resultFormats[0] === 1 ? new Uint8Array(0) : ""]);
          sink.commandComplete("SELECT 1");
          return false;
        }
        case "series": {
          let i = portal?.offset ?? 0;
          let sent = 0;
          const binary = resultFormats[0] === 1;
          while (i < command.count) {
            if (maxRows > 0 && sent === maxRows) {
              if (portal !== null) portal.offset = i;
              return true;
            }
            i++;
            sent++;
            sink.dataRow([binary ? int4Binary(i) : String(i)]);
            this.rowsProduced++;
            if (sink.congested) await sink.drained();
            if (i % 1000 === 0) {
              this.checkCancel();
              if (command.msPerThousand > 0) await Bun.sleep(command.msPerThousand);
            }
          }
          this.checkCancel();
          if (portal !== null) portal.offset = i;
          sink.commandComplete(`SELECT ${sent}`);
          return false;
        }
        case "flood":
          for (let i = 1; i <= command.count; i++) {
            sink.dataRow([String(i).padStart(100, "x")]);
            this.rowsProduced++;
            if (i % 10_000 === 0) await Bun.sleep(0);
          }
          sink.commandComplete(`SELECT ${command.count}`);
          return false;
        case "misuse":
          sink.dataRow(["orphan"]);
          sink.commandComplete("SELECT 1");
          return false;
        case "set":
          this.settings.set(command.name, command.value);
          if (reported.has(command.name)) sink.parameterStatus(command.name, command.value);
          sink.commandComplete("SET");
          return false;
        case "show":
          sink.dataRow([this.settings.get(command.name) ?? ""]);
          sink.commandComplete("SHOW");
          return false;
        case "copyIn": {
          const chunks: Uint8Array[] = [];
          for await (const chunk of sink.copyIn({ format: 0, columnFormats: [0] })) {
            chunks.push(chunk);
            this.checkCancel();
          }
          // Text format: one row per line; "\." alone marks the end of data.
          const text = Buffer.concat(chunks).toString("utf8");
          const lines = text.split("\n").filter((line, i, all) => !(i === all.length - 1 && line === "") && line !== "\\.").length;
          sink.commandComplete(`COPY ${lines}`);
          return false;
        }
        case "copyOut": {
          const out = sink.copyOut({ format: 0, columnFormats: [0] });
          for (let i = 1; i <= command.count; i++) {
            out.write(`${i}\n`);
            if (sink.congested) await sink.drained();
          }
          out.end();
          sink.commandComplete(`COPY ${command.count}`);
          return false;
        }
      }
    } finally {
      this.running = false;
      this.cancelRequested = false;
    }
  }

  private checkCancel(): void {
    if (this.cancelRequested) {
      this.cancelRequested = false;
      throw new SqlError(SqlState.queryCanceled, "canceling statement due to user request");
    }
  }
}

function abortedError(): SqlError {
  return new SqlError(
    SqlState.inFailedSqlTransaction,
    "current transaction is aborted, commands ignored until end of transaction block",
  );
}

function isTransactionEnd(command: Command): boolean {
  return command.kind === "commit" || command.kind === "rollback";
}

function int4Binary(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n);
  return out;
}

const textDecoder = new TextDecoder();

function cellOf(item: Item, params: readonly (Uint8Array | null)[], paramFormats: readonly FormatCode[], format: FormatCode): Cell {
  switch (item.kind) {
    case "int":
      return format === 1 ? int4Binary(item.value) : String(item.value);
    case "text":
      return item.value;
    case "null":
      return null;
    case "param": {
      const value = params[item.index - 1];
      if (value === undefined) throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${item.index}`);
      if (value === null) return null;
      const inFormat = paramFormats[item.index - 1] ?? 0;
      if (item.cast === Oid.int4) {
        if (inFormat === 1 && value.length !== 4) {
          throw new SqlError(SqlState.invalidBinaryRepresentation, `incorrect binary data format in bind parameter ${item.index}`);
        }
        const n = inFormat === 1 ? new DataView(value.buffer, value.byteOffset, value.length).getInt32(0) : Number(textDecoder.decode(value));
        if (!Number.isInteger(n)) throw new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type integer: "${textDecoder.decode(value)}"`);
        return format === 1 ? int4Binary(n) : String(n);
      }
      // Echo: same bytes whatever the formats (text in, text out).
      return inFormat === format ? value : textDecoder.decode(value);
    }
  }
}

/** Split on ';' outside single-quoted strings; drop empty statements. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    if (ch === ";" && !quoted) {
      if (current.trim() !== "") out.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  if (current.trim() !== "") out.push(current.trim());
  return out;
}

function parseCommand(text: string): Command {
  const lower = text.toLowerCase();
  const words = text.split(/\s+/);
  const first = words[0]!.toLowerCase();
  switch (first) {
    case "select":
      return { kind: "select", items: parseItems(text.slice(6)) };
    case "begin":
    case "start":
      return { kind: "begin" };
    case "commit":
    case "end":
      return { kind: "commit" };
    case "rollback":
    case "abort":
      return { kind: "rollback" };
    case "raise":
      return { kind: "raise", code: words[1] ?? "XX000", message: words.slice(2).join(" ") || "raised" };
    case "fatal":
      return { kind: "fatal" };
    case "crash":
      return { kind: "crash" };
    case "notice":
      return { kind: "notice", text: text.slice(7) };
    case "sleep":
      return { kind: "sleep", ms: Number(words[1] ?? 0) };
    case "series":
      return { kind: "series", count: Number(words[1] ?? 0), msPerThousand: Number(words[2] ?? 0) };
    case "flood":
      return { kind: "flood", count: Number(words[1] ?? 0) };
    case "misuse":
      return { kind: "misuse" };
    case "set": {
      const m = /^set\s+(?:session\s+)?(\w+)\s*(?:to|=)?\s*'?([^']*)'?$/i.exec(text);
      if (m === null) throw syntax(text);
      const name = [...reported].find((r) => r.toLowerCase() === m[1]!.toLowerCase()) ?? m[1]!;
      return { kind: "set", name, value: m[2]! };
    }
    case "show":
      return { kind: "show", name: words[1] ?? "" };
    case "copy":
      if (/from\s+stdin/.test(lower)) return { kind: "copyIn" };
      if (/to\s+stdout/.test(lower)) return { kind: "copyOut", count: Number(words.at(-1)) || 0 };
      throw syntax(text);
    default:
      throw syntax(text);
  }
}

function syntax(text: string): SqlError {
  const token = text.split(/\s+/)[0] ?? "";
  return new SqlError(SqlState.syntaxError, `syntax error at or near "${token}"`, { position: 1 });
}

function parseItems(list: string): Item[] {
  const items: Item[] = [];
  for (const raw of splitTopLevel(list)) {
    const m = /^(.*?)(?:\s+as\s+("?)(\w+)\2)?$/is.exec(raw.trim());
    const expr = m![1]!.trim();
    const alias = m![3];
    let item: Item;
    let p: RegExpExecArray | null;
    if (/^-?\d+$/.test(expr)) item = { kind: "int", value: Number(expr), name: alias ?? "?column?" };
    else if (/^'.*'$/s.test(expr)) item = { kind: "text", value: expr.slice(1, -1).replaceAll("''", "'"), name: alias ?? "?column?" };
    else if (/^null$/i.test(expr)) item = { kind: "null", name: alias ?? "?column?" };
    else if ((p = /^\$(\d+)(?:\s*::\s*(\w+))?$/.exec(expr)) !== null) {
      const cast = p[2] === undefined ? null : /^int(4|eger)?$/i.test(p[2]) ? Oid.int4 : Oid.text;
      item = { kind: "param", index: Number(p[1]), cast, name: alias ?? (p[2] ? p[2].toLowerCase() : "?column?") };
    } else throw new SqlError(SqlState.syntaxError, `syntax error at or near "${expr}"`);
    items.push(item);
  }
  if (items.length === 0) throw new SqlError(SqlState.syntaxError, "syntax error at end of input");
  return items;
}

function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of list) {
    if (ch === "'") quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") out.push(current);
  return out;
}

function paramCount(command: Command): number {
  if (command.kind !== "select") return 0;
  let max = 0;
  for (const item of command.items) if (item.kind === "param") max = Math.max(max, item.index);
  return max;
}

function paramCast(command: Command, index: number): number | null {
  if (command.kind !== "select") return null;
  for (const item of command.items) if (item.kind === "param" && item.index === index && item.cast !== null) return item.cast;
  return null;
}
