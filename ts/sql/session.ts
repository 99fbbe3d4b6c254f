// A client session: the pgwire Session interface over the SQL layer. It owns the session's
// settings, its transaction (implicit per statement, per simple Query, or until Sync in the
// extended protocol; explicit between BEGIN and COMMIT), prepared statements and portals,
// and runs statements with PostgreSQL's transaction rules.

import type { Ast, Node } from "./ast.ts";
import { bodyOf, tagOf } from "./ast.ts";
import type {
  Cell,
  ExecuteResult,
  ExecuteSink,
  FormatCode,
  PortalDescription,
  QuerySink,
  Session,
  SessionContext,
  StartupInfo,
  StatementDescription,
  TransactionStatus,
} from "../pgwire/index.ts";
import { decodeUtf8, resolveResultFormats } from "../pgwire/index.ts";
import { SqlError, SqlState } from "./errors.ts";
import { identifierTruncations, parse } from "./parser.ts";
import { Settings, parseDurationMs, parseMemoryKb, settingSpec } from "./settings.ts";
import type { Cluster } from "./cluster.ts";
import { relationIdentity, relationOidByName, type ClusterCatalog, type DatabaseCatalog } from "./catalog/catalog.ts";
import type { DatabaseDef, RoleDef, SequenceDef } from "./catalog/defs.ts";
import { systemView } from "./catalog/system-views.ts";
import { regName } from "./catalog/describe.ts";
import { parseIsolation, Transaction, type IsolationLevel } from "./transaction.ts";
import { Interrupts } from "./interrupts.ts";
import { planStatement, type PlanEnvironment, type Planned } from "./statement.ts";
import type { CatalogView } from "./analyze/analysis.ts";
import type { EvalContext, Expr, Row, SessionFunctions } from "./analyze/expr.ts";
import { coerceExpr } from "./analyze/coerce.ts";
import { PAUSE, StatementExecContext, type ExecContext, type RowReader } from "./exec/context.ts";
import type { WriteContext } from "./exec/dml.ts";
import { tableRuntime, type TableRuntime } from "./table-runtime.ts";
import { cellEncoders, fieldsOf, type CellEncoder } from "./result.ts";
import { rowLockKey } from "./lock-manager.ts";
import { typeByOid, type SqlType, type SqlValue, type TypeContext } from "./types/index.ts";
import { Oid } from "./types/oids.ts";
import { analyzers } from "./statement.ts";
import { Scope } from "./analyze/scope.ts";
import { compileExpr } from "./exec/compile-expr.ts";
import { Layout } from "./exec/layout.ts";
import type { TableDef, StoredExpr } from "./catalog/defs.ts";
import { runUtility } from "./utility.ts";
import { typeOrPseudoByOid } from "./analyze/pseudo-types.ts";
import { parseStyled, type StyledContext } from "./output-style.ts";
import { lexShape, literalsFromText, literalValues, matchLiterals, parameterize } from "./generic-plan.ts";
import type { OutputColumn, PlanNode } from "./plan/nodes.ts";
import { compilePlan } from "./exec/operators.ts";
import { ROW_ID_SEQUENCE } from "./sequences.ts";
import { TagRecordingSink, type SessionServices } from "./activity.ts";

interface PreparedStatement {
  readonly name: string;
  readonly sql: string;
  readonly ast: Node | null;
  readonly declared: readonly (SqlType | undefined)[];
  planned: Planned;
  version: number;
  key: string;
}

interface Portal {
  readonly statement: PreparedStatement;
  readonly planned: Planned;
  readonly params: readonly SqlValue[];
  readonly formats: FormatCode[];
  /** A query suspended by maxRows: where it stands. */
  rows: Iterator<Row> | null;
  context: StatementExecContext | null;
  sent: number;
  done: boolean;
  /** Rows of DML RETURNING or utility output, produced at the first Execute. */
  buffered: Row[] | null;
  tag: string | null;
}

/** The sink methods statements report through (both Query and Execute sinks). */
type AnySink = ExecuteSink & Partial<Pick<QuerySink, "rowDescription">>;


/** A seedable PRNG for random() after setseed(). */
function seededRandom(seed: number): () => number {
  let state = Math.floor(seed * 0x7fffffff) | 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

export class SqlSession implements Session {
  readonly settings: Settings;
  txn: Transaction | null = null;
  /** An explicit transaction block failed: everything but ROLLBACK is refused. */
  failed = false;
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  readonly interrupts = new Interrupts();
  private pendingWaits: Promise<void>[] = [];
  private readonly currvals = new Map<number, bigint>();
  private lastSequenceValue: bigint | null = null;
  private random: () => number = Math.random;
  /** When the statement started (performance.now()); its timestamp is made when asked for. */
  private statementStartMs = performance.now();
  private statementMicros: bigint | null = null;

  private get statementStartedAt(): bigint {
    this.statementMicros ??= BigInt(Math.round((performance.timeOrigin + this.statementStartMs) * 1000)) - 946684800000000n;
    return this.statementMicros;
  }
  /** Set while a Query message runs several statements in one implicit transaction. */
  private inMultiStatement = false;
  private recording: TagRecordingSink | null = null;
  closed = false;
  readonly functions: SessionFunctions;
  /** Text of the statement (or Query message) being run: error positions and stored expressions refer to it. */
  currentSql = "";

  constructor(
    readonly cluster: Cluster,
    readonly database: DatabaseDef,
    readonly role: RoleDef,
    readonly startup: StartupInfo,
    readonly context: SessionContext,
    private readonly onClose: () => void,
    defaults: { statementTimeoutMs?: number },
    readonly services: SessionServices,
  ) {
    const overrides = new Map<string, string>();
    overrides.set("application_name", startup.applicationName);
    overrides.set("session_authorization", role.name);
    overrides.set("is_superuser", role.superuser ? "on" : "off");
    if (defaults.statementTimeoutMs) overrides.set("statement_timeout", `${defaults.statementTimeoutMs}ms`);
    this.settings = new Settings(overrides);
    this.applyStartupParameters(startup);
    this.settings.takeChanged();
    this.functions = this.makeFunctions();
  }

  private applyStartupParameters(startup: StartupInfo): void {
    const ignored = new Set(["user", "database", "options", "replication"]);
    for (const [name, value] of startup.parameters) {
      if (ignored.has(name)) continue;
      this.settings.set(name, value, { local: false, inTransaction: false });
    }
    // "-c name=value" and "--name=value" in the options parameter.
    const options = startup.options.match(/(?:-c\s*|--)([A-Za-z_.]+)=((?:\\ |\S)+)/g) ?? [];
    for (const option of options) {
      const match = /(?:-c\s*|--)([A-Za-z_.]+)=(.*)/.exec(option)!;
      this.settings.set(match[1]!.replace(/-/g, "_"), match[2]!.replace(/\\ /g, " "), { local: false, inTransaction: false });
    }
  }

  // ---------------------------------------------------------------- state

  get transactionStatus(): TransactionStatus {
    if (this.failed) return "E";
    return this.txn?.explicit ? "T" : "I";
  }

  get inTransactionBlock(): boolean {
    return this.txn?.explicit === true;
  }

  initialParameters(): Iterable<readonly [string, string]> {
    const names = [
      "server_version", "server_encoding", "client_encoding", "application_name", "default_transaction_read_only", "in_hot_standby",
      "is_superuser", "session_authorization", "DateStyle", "IntervalStyle", "TimeZone", "integer_datetimes", "standard_conforming_strings", "scram_iterations",
    ];
    return names.map((name) => [name, this.settings.get(name)] as const);
  }

  /** Values derived from settings, recomputed only when a setting changes. */
  private derived: {
    version: number;
    style: Omit<StyledContext, "transactionTimestamp">;
    statementTimeoutMs: number;
    lockTimeoutMs: number;
    workMemBytes: number;
    planKeyPrefix: string;
    /** The type context for these settings, made when first asked for. */
    types: SessionTypeContext | null;
    /** Cell encoders per result columns, for these settings. */
    encoders: WeakMap<readonly OutputColumn[], { readonly formats: string; readonly encoders: CellEncoder[] }>;
  } | null = null;

  private settingsDerived() {
    const version = this.settings.version;
    if (this.derived?.version === version) return this.derived;
    const [dateStyle, dateOrder] = this.settings.fast("DateStyle").split(", ");
    this.derived = {
      version,
      style: {
        timeZone: this.settings.fast("TimeZone"),
        dateStyle: dateStyle!,
        dateOrder: dateOrder ?? "MDY",
        intervalStyle: this.settings.fast("IntervalStyle"),
        extraFloatDigits: Number(this.settings.fast("extra_float_digits")),
      },
      statementTimeoutMs: parseDurationMs("statement_timeout", this.settings.fast("statement_timeout")),
      lockTimeoutMs: parseDurationMs("lock_timeout", this.settings.fast("lock_timeout")),
      workMemBytes: parseMemoryKb("work_mem", this.settings.fast("work_mem")) * 1024,
      planKeyPrefix: `${this.settings.fast("search_path")}|${this.settings.fast("TimeZone")}|${this.settings.fast("DateStyle")}|${this.settings.fast("enable_indexscan")}${this.settings.fast("enable_hashjoin")}`,
      types: null,
      encoders: new WeakMap(),
    };
    return this.derived;
  }

  typeContext(): TypeContext {
    const derived = this.settingsDerived();
    return (derived.types ??= new SessionTypeContext(derived.style, this));
  }

  /** Encoders of a result's cells in the requested formats, reused while the settings stay the same. */
  private encodersFor(columns: readonly OutputColumn[], formats: readonly FormatCode[], types: TypeContext): CellEncoder[] {
    const derived = this.settingsDerived();
    const key = formats.length === 0 ? "" : formats.length === 1 ? (formats[0] === 1 ? "1" : "0") : formats.join("");
    const cached = derived.encoders.get(columns);
    if (cached !== undefined && cached.formats === key && types === derived.types) return cached.encoders;
    const encoders = cellEncoders(columns, formats.length > 0 ? formats : columns.map(() => 0 as FormatCode), types);
    if (types === derived.types) derived.encoders.set(columns, { formats: key, encoders });
    return encoders;
  }

  /** Start of the transaction (or of the statement outside one), for 'now' and now(). */
  currentTimestamp(): bigint {
    return this.txn?.startedAt ?? this.statementStartedAt;
  }

  /** The transaction, begun (implicitly) if there is none. */
  transaction(): Transaction {
    if (!this.txn) {
      const name = this.settings.get("default_transaction_isolation");
      const readOnly = this.settings.get("default_transaction_read_only") === "on";
      this.txn = new Transaction(this.cluster, this.database.oid, parseIsolation(name), readOnly, false);
      this.txn.isolationName = name;
    }
    return this.txn;
  }

  catalog(): DatabaseCatalog {
    if (this.txn) return this.txn.catalog();
    const catalog = this.cluster.database(this.database.oid);
    if (!catalog) throw new SqlError(SqlState.invalidCatalogName, `database "${this.database.name}" does not exist`, { severity: "FATAL" });
    return catalog;
  }

  /** search_path as schema names (existing ones), "$user" resolved. */
  searchPathNames(): string[] {
    const catalog = this.catalog();
    return this.settings
      .get("search_path")
      .split(",")
      .map((part) => part.trim().replace(/^"(.*)"$/, "$1"))
      .filter((part) => part !== "")
      .map((part) => (part === "$user" ? this.role.name : part))
      .filter((name) => catalog.schemaByName(name) !== undefined);
  }

  searchPath(): number[] {
    const catalog = this.catalog();
    return this.searchPathNames().map((name) => catalog.schemaByName(name)!.oid);
  }

  /** The schema new objects go to. */
  creationSchema(): number {
    const path = this.searchPath().filter((oid) => oid !== 11);
    if (path.length === 0) throw new SqlError(SqlState.invalidSchemaName, "no schema has been selected to create in");
    return path[0]!;
  }

  tableRuntime(def: TableDef): TableRuntime {
    return tableRuntime(def, (table, expr) => this.bindIndexExpr(table, expr));
  }

  /** Binds an expression over a table's columns (index keys; stored expressions for the catalog functions). */
  bindTableExpr(table: TableDef, ast: Node, sql: string, target?: { readonly type: SqlType; readonly typmod: number }): { expr: Expr; rel: number; width: number } {
    const { binder, analysis } = analyzers(sql, this.planEnv(), []);
    const scope = new Scope(null);
    const runtimeColumns = table.columns.filter((c) => !c.dropped).sort((a, b) => a.attnum - b.attnum);
    const rel = analysis.newRel();
    scope.entries.push({
      rel,
      alias: table.name,
      columns: runtimeColumns.map((c) => ({ name: c.name, type: typeByOid(c.typeOid)!, typmod: c.typmod, tableOid: table.oid, attnum: c.attnum })),
      table: null,
      used: new Set(),
    });
    const bound = binder.bind(ast, scope);
    const expr = target ? coerceExpr(bound, target.type, target.typmod, "assignment", analysis) : bound;
    return { expr, rel, width: runtimeColumns.length };
  }

  /** Binds an index expression over a table's row. */
  bindIndexExpr(table: TableDef, expr: StoredExpr): { fn: (row: Row) => SqlValue; type: SqlType } {
    const { expr: bound, rel, width } = this.bindTableExpr(table, expr.ast, expr.text);
    const fn = compileExpr(bound, { row: new Layout([{ rel, width }]), outer: [], param: null });
    const ctx = { types: { timeZone: "UTC" }, params: [], outer: [], session: this.functions, checkInterrupts: () => {} } as unknown as ExecContext;
    return { fn: (row) => fn(row, ctx), type: bound.type };
  }

  /** The cluster's catalog (databases, roles) as this session's transaction sees it. */
  clusterCatalog(): ClusterCatalog {
    return this.txn?.overlay?.cluster ?? this.cluster.catalog;
  }

  catalogView(): CatalogView {
    const catalog = this.catalog();
    return {
      catalog,
      searchPath: this.searchPath(),
      table: (def) => this.tableRuntime(def),
      systemView: (schema, name) =>
        systemView(
          { catalog: () => this.catalog(), cluster: () => this.clusterCatalog(), settings: () => this.settings.all(), catalogAccess: () => this.functions.catalogAccess() },
          schema,
          name,
        ),
    };
  }

  planEnv(simple = false): PlanEnvironment {
    return {
      simple,
      catalogView: this.catalogView(),
      types: this.typeContext(),
      planner: { indexScans: this.settings.get("enable_indexscan") === "on", hashJoins: this.settings.get("enable_hashjoin") === "on" },
    };
  }

  private planKey(sql: string, declared: readonly (SqlType | undefined)[], simple: boolean): string {
    return `${simple ? "S" : "E"}${this.database.oid}|${this.cluster.version}|${this.settingsDerived().planKeyPrefix}|${declared.map((t) => t?.oid ?? 0).join(",")}|${sql}`;
  }

  /** Plans a statement, from the shared cache when the catalog has not changed in this transaction. */
  plan(ast: Node | null, sql: string, declared: readonly (SqlType | undefined)[], simple = false, text = sql): { planned: Planned; key: string } {
    const cacheable = !this.txn?.overlay && ast !== null && isCacheable(ast);
    // Utility statements (BEGIN, COMMIT, SET, ...) are neither cached nor analyzed here.
    const key = cacheable ? this.planKey(text, declared, simple) : "";
    if (cacheable) {
      const cached = this.cluster.planCache(this.database.oid).get(key);
      if (cached) return { planned: cached, key };
    }
    const planned = planStatement(ast, sql, () => this.planEnv(simple), declared);
    if (cacheable) this.cluster.planCache(this.database.oid).set(key, planned);
    return { planned, key };
  }

  limits() {
    return this.interrupts;
  }

  execContext(reader: RowReader, params: readonly SqlValue[]): StatementExecContext {
    return new StatementExecContext(reader, params, this.typeContext(), this.functions, this.settingsDerived().workMemBytes, this.interrupts);
  }

  writeContext(txn: Transaction, exec: ExecContext): WriteContext {
    const locks = this.cluster.locks;
    const limits = this.interrupts;
    return {
      exec,
      txn: txn.engine(),
      isolation: txn.isolation,
      lock: (key) => locks.acquire(txn.owner, key, "exclusive", limits),
      latest: (key) => txn.latest(key),
      nextRowId: (table) => this.cluster.sequences.nextval(table.def.rowIdSequence!, ROW_ID_SEQUENCE),
      wrote: () => {
        if (txn.readOnly) throw new SqlError(SqlState.readOnlySqlTransaction, "cannot execute this statement in a read-only transaction");
        txn.wrote = true;
      },
    };
  }

  notice(sink: AnySink, message: string, severity: "NOTICE" | "WARNING" = "NOTICE", code: string = SqlState.successfulCompletion): void {
    // client_min_messages: debug5 … log < notice < warning < error.
    const levels = ["debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"];
    if (levels.indexOf(severity.toLowerCase()) < levels.indexOf(this.settings.fast("client_min_messages"))) return;
    sink.notice({ severity, code, message });
  }

  // ---------------------------------------------------------------- simple query

  async simpleQuery(sql: string, sink: QuerySink): Promise<void> {
    const activity = this.services.activity;
    const call = activity.enter();
    try {
      await this.queryMessage(sql, activity.observer === null ? null : this.recordingSink(sink), sink);
    } finally {
      activity.leave(call);
    }
  }

  /** A simple Query message; each of its statements is reported through `observed` (when observed). */
  private async queryMessage(sql: string, observed: TagRecordingSink | null, plain: QuerySink): Promise<void> {
    const sink = observed === null ? plain : (observed as unknown as QuerySink);
    for (const message of identifierTruncations(sql)) this.notice(sink, message, "NOTICE", SqlState.nameTooLong);
    let started = performance.now();
    let fast: boolean;
    try {
      fast = await this.fastSimple(sql, sink);
    } catch (error) {
      this.reportStatement(observed, sql, started, error);
      throw error;
    }
    if (fast) {
      this.reportStatement(observed, sql, started, undefined);
      return;
    }
    let statements;
    try {
      statements = parse(sql);
    } catch (error) {
      this.reportStatement(observed, sql, started, error, false);
      this.abortAfterError();
      throw error;
    }
    if (statements.length === 0) {
      sink.emptyQuery();
      return;
    }
    this.inMultiStatement = statements.length > 1;
    try {
      for (let i = 0; i < statements.length; i++) {
        const statement = statements[i]!;
        const last = i === statements.length - 1;
        try {
          await this.runSimple(statement.ast, statement.text, sql, sink, statements.length === 1 ? sql : null);
          // Outside BEGIN, a Query's statements share one implicit transaction that ends with it.
          if (last && this.txn && !this.txn.explicit) await this.finishImplicit(true);
        } catch (error) {
          this.reportStatement(observed, statement.text, started, error);
          throw error;
        }
        this.reportStatement(observed, statement.text, started, undefined);
        started = performance.now();
      }
    } catch (error) {
      this.abortAfterError();
      throw error;
    } finally {
      this.inMultiStatement = false;
      this.reportChangedSettings(sink);
    }
  }

  /** The connection's sink, wrapped to record command tags for the observer (made once per sink). */
  private recordingSink(sink: ExecuteSink): TagRecordingSink {
    let recording = this.recording;
    if (recording === null || recording.inner !== sink) this.recording = recording = new TagRecordingSink(sink);
    recording.tag = null;
    return recording;
  }

  /** Tells the observer (when there is one) that a statement finished; `error` undefined: it succeeded. */
  private reportStatement(observed: TagRecordingSink | null, text: string, startedMs: number, error: unknown, parsed = true): void {
    if (observed === null) return;
    this.services.activity.statementFinished(this.context.processId, text, startedMs, observed.tag, error, parsed);
    observed.tag = null;
  }

  /**
   * A statement whose shape was seen before runs its generic plan without being parsed:
   * the lexer finds its literals (generic-plan.ts). Returns false when it does not apply.
   */
  private async fastSimple(sql: string, sink: QuerySink): Promise<boolean> {
    if (this.failed || this.txn?.overlay) return false;
    const text = lexShape(sql);
    if (!text) return false;
    const known = this.cluster.planCache(this.database.oid).textShape(this.textShapeKey(text.key));
    const planned = known?.entry.planned;
    if (!known || !planned) return false;
    let params: SqlValue[];
    try {
      params = literalValues(literalsFromText(text, known.order), planned.paramTypes, this.typeContext(), (name) => this.relationOid(name));
    } catch {
      return false;
    }
    this.startStatement();
    this.currentSql = sql;
    try {
      if (planned.columns) sink.rowDescription(fieldsOf(planned.columns));
      await this.execute_(planned, params, [], sink, 0, null, true);
      if (this.txn && !this.txn.explicit) await this.finishImplicit(true);
    } catch (error) {
      this.abortAfterError();
      throw error;
    } finally {
      this.reportChangedSettings(sink);
    }
    return true;
  }

  private textShapeKey(key: string): string {
    return `T${this.database.oid}|${this.cluster.version}|${this.settingsDerived().planKeyPrefix}|${key}`;
  }

  private async runSimple(ast: Node, text: string, whole: string, sink: QuerySink, single: string | null = null): Promise<void> {
    this.checkFailed(ast);
    this.startStatement();
    this.currentSql = whole;
    const generic = this.genericPlan(ast, single);
    if (generic) {
      if (generic.planned.columns) sink.rowDescription(fieldsOf(generic.planned.columns));
      await this.execute_(generic.planned, generic.params, [], sink, 0, null, true);
      return;
    }
    const planned = this.plan(ast, whole, [], true, text).planned;
    if (planned.columns && planned.kind !== "utility") sink.rowDescription(fieldsOf(planned.columns));
    await this.execute_(planned, [], [], sink, 0, null, true);
  }

  /**
   * A shared plan for statements that differ only in literals (see generic-plan.ts): from
   * the second time a shape is seen, outside transactions that changed the catalog.
   */
  private genericPlan(ast: Node, single: string | null = null): { planned: Planned; params: SqlValue[] } | null {
    if (this.txn?.overlay) return null;
    const shape = parameterize(ast);
    if (!shape) return null;
    const cache = this.cluster.planCache(this.database.oid);
    const key = `G${this.database.oid}|${this.cluster.version}|${this.settingsDerived().planKeyPrefix}|${shape.key}`;
    const entry = cache.generic(key);
    if (entry.planned === null || entry.seen < 2) {
      entry.seen++;
      if (entry.seen < 2 || entry.failed) return null;
      try {
        entry.planned = planStatement(shape.ast, "", this.planEnv(false), shape.literals.map((l) => l.type));
      } catch {
        entry.failed = true;
        return null;
      }
    }
    const planned = entry.planned;
    if (single !== null) {
      // Remember how this statement's text maps to the shape, to skip parsing next time.
      const text = lexShape(single);
      const order = text ? matchLiterals(text, shape) : null;
      if (text && order) cache.rememberTextShape(this.textShapeKey(text.key), { entry, order });
    }
    try {
      return { planned, params: literalValues(shape.literals, planned.paramTypes, this.typeContext(), (name) => this.relationOid(name)) };
    } catch {
      // A literal that does not fit: plan with the literals for PostgreSQL's exact error.
      return null;
    }
  }

  /** A statement starts (received at `startedMs`, performance.now(), when known). */
  private startStatement(startedMs = performance.now()): void {
    this.statementStartMs = startedMs;
    this.statementMicros = null;
    const derived = this.settingsDerived();
    this.interrupts.start(derived.statementTimeoutMs, derived.lockTimeoutMs);
    this.pendingWaits = [];
  }

  /** In a failed transaction block only ROLLBACK (and COMMIT, which rolls back) is accepted. */
  private checkFailed(ast: Node | null): void {
    if (!this.failed) return;
    if (ast && tagOf(ast) === "TransactionStmt") {
      const kind = bodyOf<Ast.TransactionStmt>(ast).kind;
      if (kind === "TRANS_STMT_ROLLBACK" || kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK_TO") return;
    }
    throw new SqlError(SqlState.inFailedSqlTransaction, "current transaction is aborted, commands ignored until end of transaction block");
  }

  /** After an error: an explicit block fails, an implicit transaction rolls back. */
  private abortAfterError(): void {
    const txn = this.txn;
    if (!txn) return;
    txn.endStatement();
    if (txn.explicit) {
      this.failed = true;
      return;
    }
    txn.rollback();
    this.settings.endTransaction(false);
    this.txn = null;
  }

  private async finishImplicit(commit: boolean): Promise<void> {
    const txn = this.txn;
    if (!txn) return;
    this.txn = null;
    if (commit) {
      try {
        await txn.commit();
      } finally {
        this.settings.endTransaction(true);
      }
    } else {
      txn.rollback();
      this.settings.endTransaction(false);
    }
  }

  private reportChangedSettings(sink: AnySink): void {
    for (const name of this.settings.takeChanged()) {
      const spec = settingSpec(name);
      if (spec?.reported) sink.parameterStatus(spec.name, this.settings.get(name));
    }
  }

  // ---------------------------------------------------------------- running a statement

  /**
   * Runs a planned statement. Rows go to the sink (encoded with `formats`); returns the rows
   * left when maxRows stopped a query (extended protocol).
   */
  async execute_(
    planned: Planned,
    params: readonly SqlValue[],
    formats: readonly FormatCode[],
    sink: AnySink,
    maxRows: number,
    portal: Portal | null,
    simple: boolean,
  ): Promise<boolean> {
    switch (planned.kind) {
      case "empty":
        sink.emptyQuery();
        return false;
      case "query":
        return this.runQuery(planned, params, formats, sink, maxRows, portal);
      case "dml":
        await this.runDml(planned, params, formats, sink);
        return false;
      case "utility":
        await runUtility(this, planned, params, sink, simple);
        return false;
    }
  }

  /** The reader of single reads outside a transaction (the latest committed data), made once. */
  private directRead: { readonly db: Cluster["db"]; readonly read: { readonly reader: RowReader; readonly txn: null } } | null = null;

  private queryReader(planned: Extract<Planned, { kind: "query" }>): { readonly reader: RowReader; readonly txn: Transaction | null } {
    if (planned.singleRead && !this.txn && !this.inMultiStatement) {
      const db = this.cluster.db;
      let direct = this.directRead;
      if (direct === null || direct.db !== db) {
        const reader: RowReader = {
          get: (key) => db.get(key),
          scan: (lower, upper, reverse) => db.scan({ lower, upper, reverse }).toArray(),
        };
        this.directRead = direct = { db, read: { reader, txn: null } };
      }
      return direct.read;
    }
    const txn = this.transaction();
    txn.beginStatement();
    return { reader: txn.reader(), txn };
  }

  private async runQuery(
    planned: Extract<Planned, { kind: "query" }>,
    params: readonly SqlValue[],
    formats: readonly FormatCode[],
    sink: AnySink,
    maxRows: number,
    portal: Portal | null,
  ): Promise<boolean> {
    if (planned.single && maxRows === 0 && !portal?.rows) {
      await this.runSingle(planned, params, formats, sink, portal);
      return false;
    }
    let rows: Iterator<Row>;
    let ctx: StatementExecContext;
    let sent = 0;
    if (portal?.rows) {
      rows = portal.rows;
      ctx = portal.context!;
      sent = portal.sent;
    } else {
      const { reader, txn } = this.queryReader(planned);
      ctx = this.execContext(reader, params);
      if (planned.lock && txn) await this.lockRows(planned, txn, ctx);
      rows = planned.op.open(ctx, null);
    }
    // This loop handles PAUSE: the plan may hand the event loop a turn while it computes.
    ctx.allowPause();
    const encoders = this.encodersFor(planned.columns, formats, ctx.types);
    const width = encoders.length;
    let batch = 0;
    try {
      for (;;) {
        if (maxRows > 0 && portal && sent - portal.sent >= maxRows) {
          portal.rows = rows;
          portal.context = ctx;
          portal.sent = sent;
          return true;
        }
        const next = rows.next();
        if (next.done) break;
        if (this.pendingWaits.length > 0) await this.drainWaits();
        const row = next.value;
        if (row === PAUSE) {
          // Let cancel requests and other sessions in.
          await new Promise((resolve) => setImmediate(resolve));
          this.interrupts.check();
          ctx.allowPause();
          continue;
        }
        const cells: Cell[] = new Array(width);
        for (let i = 0; i < width; i++) cells[i] = encoders[i]!(row[i]!);
        sink.dataRow(cells);
        sent++;
        if (sink.congested) await sink.drained();
        if (++batch >= 4096) {
          batch = 0;
          this.interrupts.check();
          // Let cancel requests and other sessions in.
          await new Promise((resolve) => setImmediate(resolve));
          ctx.allowPause();
        }
      }
      if (this.pendingWaits.length > 0) await this.drainWaits();
    } catch (error) {
      rows.return?.();
      throw error;
    } finally {
      if (!this.txn) {
        // Single reads outside a transaction hold nothing.
      } else if (!portal?.rows || portal.done) this.txn.endStatement();
    }
    if (portal) {
      portal.rows = null;
      portal.done = true;
    }
    sink.commandComplete(`SELECT ${sent}`);
    return false;
  }

  /**
   * A single-row point read (planned.single): synchronous unless the query left something
   * to wait for (pg_sleep), so the common case costs no promise.
   */
  private runSingle(
    planned: Extract<Planned, { kind: "query" }>,
    params: readonly SqlValue[],
    formats: readonly FormatCode[],
    sink: AnySink,
    portal: Portal | null,
  ): void | Promise<void> {
    const { reader, txn } = this.queryReader(planned);
    let handedOff = false;
    try {
      const ctx = this.execContext(reader, params);
      const row = planned.single!(ctx);
      if (this.pendingWaits.length > 0) {
        handedOff = true;
        return this.drainWaits()
          .then(() => this.sendSingle(planned, row, formats, ctx.types, sink, portal))
          .finally(() => txn?.endStatement());
      }
      this.sendSingle(planned, row, formats, ctx.types, sink, portal);
    } finally {
      if (!handedOff) txn?.endStatement();
    }
  }

  private sendSingle(
    planned: Extract<Planned, { kind: "query" }>,
    row: Row | null,
    formats: readonly FormatCode[],
    types: TypeContext,
    sink: AnySink,
    portal: Portal | null,
  ): void {
    if (row) {
      const encoders = this.encodersFor(planned.columns, formats, types);
      const cells: Cell[] = new Array(encoders.length);
      for (let i = 0; i < encoders.length; i++) cells[i] = encoders[i]!(row[i]!);
      sink.dataRow(cells);
    }
    if (portal) portal.done = true;
    sink.commandComplete(row ? "SELECT 1" : "SELECT 0");
  }

  private async drainWaits(): Promise<void> {
    const waits = this.pendingWaits;
    this.pendingWaits = [];
    for (const wait of waits) await wait;
  }

  /** SELECT ... FOR UPDATE/SHARE: lock the rows the locked scans return, then read them afresh. */
  private async lockRows(planned: Extract<Planned, { kind: "query" }>, txn: Transaction, ctx: ExecContext): Promise<void> {
    const scans: Extract<PlanNode, { kind: "scan" }>[] = [];
    const visit = (node: PlanNode): void => {
      if (node.kind === "scan" && node.lock) scans.push(node);
      for (const key of ["input", "left", "right"] as const) {
        const child = (node as unknown as Record<string, PlanNode | undefined>)[key];
        if (child && typeof child === "object" && "kind" in child) visit(child);
      }
    };
    visit(planned.plan.plan);
    const mode = planned.lock === "update" ? "exclusive" : "share";
    for (const scan of scans) {
      if (scan.access.kind !== "seq" && scan.access.kind !== "get" && scan.access.kind !== "range") continue;
      const keyed: PlanNode = { ...scan, withKey: true, rels: [{ rel: scan.rel, width: scan.columns.length + 1, map: scan.rels[0]!.map }] };
      let op;
      try {
        op = compilePlan(keyed, { row: new Layout([]), outer: [], param: null });
      } catch {
        throw new SqlError(SqlState.featureNotSupported, "FOR UPDATE/SHARE on the inner side of a join is not supported");
      }
      const keys: Uint8Array[] = [];
      const rows = op.open(ctx, null);
      try {
        for (let next = rows.next(); !next.done; next = rows.next()) keys.push(next.value[scan.columns.length] as Uint8Array);
      } finally {
        rows.return?.();
      }
      for (const key of keys) {
        const lockKey = rowLockKey(scan.table.def.oid, 0, key);
        const granted = this.cluster.locks.acquire(txn.owner, lockKey, mode, this.interrupts);
        if (granted !== true) await granted;
        if (txn.isolation !== "read committed") {
          const engine = txn.engine();
          const latest = txn.latest(key);
          const snapshot = engine.get(key);
          if ((latest === null) !== (snapshot === null) || (latest && snapshot && Buffer.compare(latest, snapshot) !== 0)) {
            throw new SqlError(SqlState.serializationFailure, "could not serialize access due to concurrent update");
          }
        }
      }
    }
    if (txn.isolation === "read committed") txn.engine().refresh();
  }

  private async runDml(planned: Extract<Planned, { kind: "dml" }>, params: readonly SqlValue[], formats: readonly FormatCode[], sink: AnySink): Promise<void> {
    const txn = this.transaction();
    if (txn.readOnly) throw new SqlError(SqlState.readOnlySqlTransaction, `cannot execute ${planned.command} in a read-only transaction`);
    txn.beginStatement();
    const ctx = this.execContext(txn.reader(), params);
    const w = this.writeContext(txn, ctx);
    const columns = planned.columns;
    const encoders = columns ? cellEncoders(columns, formats.length > 0 ? formats : columns.map(() => 0 as FormatCode), ctx.types) : null;
    const emit = encoders ? (row: Row) => sink.dataRow(encoders.map((e, i) => e(row[i]!))) : null;
    try {
      const count = await planned.dml.run(w, emit);
      if (this.pendingWaits.length > 0) await this.drainWaits();
      sink.commandComplete(planned.command === "INSERT" ? `INSERT 0 ${count}` : `${planned.command} ${count}`);
    } finally {
      txn.endStatement();
    }
  }

  // ---------------------------------------------------------------- transaction control (used by utility.ts)

  begin(isolation: IsolationLevel | null, readOnly: boolean | null, sink: AnySink): void {
    if (this.txn?.explicit) {
      this.notice(sink, "there is already a transaction in progress", "WARNING", "25001");
      return;
    }
    const txn = this.transaction();
    txn.explicit = true;
    if (isolation) txn.isolation = isolation;
    if (readOnly !== null) txn.readOnly = readOnly;
  }

  async commit(sink: AnySink): Promise<string> {
    const txn = this.txn;
    if (!txn || !txn.explicit) {
      if (!this.inMultiStatement || !txn) this.notice(sink, "there is no transaction in progress", "WARNING", "25P01");
      if (txn) await this.finishImplicit(true);
      return "COMMIT";
    }
    if (this.failed) {
      this.rollbackNow();
      return "ROLLBACK";
    }
    this.txn = null;
    try {
      await txn.commit();
      this.settings.endTransaction(true);
    } catch (error) {
      this.settings.endTransaction(false);
      throw error;
    }
    return "COMMIT";
  }

  rollback(sink: AnySink): string {
    if (!this.txn || (!this.txn.explicit && !this.inMultiStatement)) {
      this.notice(sink, "there is no transaction in progress", "WARNING", "25P01");
    }
    this.rollbackNow();
    return "ROLLBACK";
  }

  rollbackNow(): void {
    const txn = this.txn;
    this.txn = null;
    this.failed = false;
    txn?.rollback();
    this.settings.endTransaction(false);
  }

  // ---------------------------------------------------------------- extended protocol

  parse(name: string, sql: string, paramTypes: readonly number[]): void {
    if (name !== "" && this.statements.has(name)) {
      throw new SqlError(SqlState.duplicatePreparedStatement, `prepared statement "${name}" already exists`);
    }
    const statements = parse(sql);
    if (statements.length > 1) throw new SqlError(SqlState.syntaxError, "cannot insert multiple commands into a prepared statement");
    const ast = statements[0]?.ast ?? null;
    this.checkFailed(ast);
    const declared = paramTypes.map((oid) => {
      if (oid === 0) return undefined;
      const type = typeOrPseudoByOid(oid);
      if (!type) throw new SqlError(SqlState.undefinedObject, `type with OID ${oid} does not exist`);
      return type;
    });
    const { planned, key } = this.plan(ast, sql, declared);
    this.statements.set(name, { name, sql, ast, declared, planned, version: this.cluster.version, key });
  }

  /** The statement's plan, re-made when DDL changed the catalog since it was prepared. */
  private current(statement: PreparedStatement): Planned {
    if (statement.version === this.cluster.version && !this.txn?.overlay) return statement.planned;
    const { planned } = this.plan(statement.ast, statement.sql, statement.declared);
    const before = statement.planned.columns;
    const after = planned.columns;
    if (before && after && (before.length !== after.length || before.some((c, i) => c.type.oid !== after[i]!.type.oid))) {
      throw new SqlError(SqlState.featureNotSupported, "cached plan must not change result type");
    }
    if (!this.txn?.overlay) {
      statement.planned = planned;
      statement.version = this.cluster.version;
    }
    return planned;
  }

  bind(portalName: string, statementName: string, params: readonly (Uint8Array | null)[], paramFormats: readonly FormatCode[], resultFormats: readonly FormatCode[]): void {
    const statement = this.statements.get(statementName);
    if (!statement) throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${statementName}" does not exist`);
    if (portalName !== "" && this.portals.has(portalName)) throw new SqlError(SqlState.invalidCursorName, `cursor "${portalName}" already exists`);
    this.checkFailed(statement.ast);
    const planned = this.current(statement);
    const types = planned.paramTypes;
    if (params.length !== types.length) {
      throw new SqlError(
        SqlState.protocolViolation,
        `bind message supplies ${params.length} parameters, but prepared statement "${statementName}" requires ${types.length}`,
      );
    }
    const ctx = this.typeContext();
    const values: SqlValue[] = new Array(params.length);
    for (let i = 0; i < params.length; i++) {
      const bytes = params[i]!;
      values[i] = bytes === null ? null : bindValue(types[i]!, bytes, paramFormats[i] === 1, i, ctx);
    }
    const formats = planned.columns ? resolveResultFormats(resultFormats, planned.columns.length) : [];
    this.portals.set(portalName, {
      statement,
      planned,
      params: values,
      formats,
      rows: null,
      context: null,
      sent: 0,
      done: false,
      buffered: null,
      tag: null,
    });
  }

  describeStatement(name: string): StatementDescription {
    const statement = this.statements.get(name);
    if (!statement) throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${name}" does not exist`);
    const planned = this.current(statement);
    return { paramTypes: planned.paramTypes.map((t) => t.oid), fields: planned.columns ? fieldsOf(planned.columns) : null };
  }

  describePortal(name: string): PortalDescription {
    const portal = this.portals.get(name);
    if (!portal) throw new SqlError(SqlState.invalidCursorName, `portal "${name}" does not exist`);
    return { fields: portal.planned.columns ? fieldsOf(portal.planned.columns, portal.formats) : null };
  }

  execute(portalName: string, maxRows: number, sink: ExecuteSink): ExecuteResult | Promise<ExecuteResult> {
    const activity = this.services.activity;
    const observed = activity.observer === null ? null : this.recordingSink(sink);
    const started = performance.now();
    const portal = this.portals.get(portalName);
    const text = portal?.statement.sql ?? "";
    let result: ExecuteResult | Promise<ExecuteResult>;
    try {
      result = this.executePortal(portal, portalName, maxRows, observed ?? sink, started);
    } catch (error) {
      this.reportStatement(observed, text, started, error);
      throw error;
    }
    if (!(result instanceof Promise)) {
      if (!result.suspended) this.reportStatement(observed, text, started, undefined);
      return result;
    }
    const call = activity.enter();
    return result.then(
      (done) => {
        activity.leave(call);
        if (!done.suspended) this.reportStatement(observed, text, started, undefined);
        return done;
      },
      (error: unknown) => {
        activity.leave(call);
        this.reportStatement(observed, text, started, error);
        throw error;
      },
    );
  }

  private executePortal(portal: Portal | undefined, portalName: string, maxRows: number, sink: ExecuteSink, startedMs: number): ExecuteResult | Promise<ExecuteResult> {
    if (!portal) throw new SqlError(SqlState.invalidCursorName, `portal "${portalName}" does not exist`);
    this.checkFailed(portal.statement.ast);
    if (portal.done && !portal.rows) {
      // Executing a completed portal again returns nothing more, as in PostgreSQL.
      if (portal.planned.kind === "query") {
        sink.commandComplete("SELECT 0");
        return notSuspended;
      }
    }
    if (!portal.rows) this.startStatement(startedMs);
    this.currentSql = portal.statement.sql;
    const planned = portal.planned;
    if (planned.kind === "query" && planned.single && maxRows === 0 && !portal.rows) {
      // A point read completes without waiting (see runSingle).
      let pending: void | Promise<void>;
      try {
        pending = this.runSingle(planned, portal.params, portal.formats, sink, portal);
      } catch (error) {
        this.executeFailed(portal, sink);
        throw error;
      }
      if (pending === undefined) {
        portal.done = true;
        this.reportChangedSettings(sink);
        return notSuspended;
      }
      return pending.then(
        () => {
          portal.done = true;
          this.reportChangedSettings(sink);
          return notSuspended;
        },
        (error: unknown) => {
          this.executeFailed(portal, sink);
          throw error;
        },
      );
    }
    return this.executeAsync(portal, maxRows, sink);
  }

  private executeFailed(portal: Portal, sink: ExecuteSink): void {
    portal.rows = null;
    try {
      this.abortAfterError();
    } finally {
      this.reportChangedSettings(sink);
    }
  }

  private async executeAsync(portal: Portal, maxRows: number, sink: ExecuteSink): Promise<ExecuteResult> {
    let suspended: boolean;
    try {
      suspended = await this.execute_(portal.planned, portal.params, portal.formats, sink, maxRows, portal, false);
    } catch (error) {
      this.executeFailed(portal, sink);
      throw error;
    }
    if (!suspended) portal.done = true;
    this.reportChangedSettings(sink);
    return { suspended };
  }

  closeStatement(name: string): void {
    this.statements.delete(name);
  }

  closePortal(name: string): void {
    const portal = this.portals.get(name);
    portal?.rows?.return?.();
    this.portals.delete(name);
  }

  sync(): void | Promise<void> {
    // The unnamed portal does not outlive the batch.
    const unnamed = this.portals.get("");
    if (unnamed?.rows) unnamed.rows.return?.();
    this.portals.delete("");
    if (this.txn && !this.txn.explicit) {
      const activity = this.services.activity;
      const call = activity.enter();
      return this.finishImplicit(true).finally(() => activity.leave(call));
    }
  }

  cancel(): void {
    this.interrupts.cancel();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const portal of this.portals.values()) portal.rows?.return?.();
    this.portals.clear();
    this.statements.clear();
    const txn = this.txn;
    this.txn = null;
    txn?.rollback();
    this.onClose();
  }

  // ---------------------------------------------------------------- session functions

  private sequenceByOid(oid: number): SequenceDef {
    const catalog = this.catalog();
    const sequence = catalog.sequences.get(oid);
    if (sequence) return sequence;
    const table = catalog.tables.get(oid);
    if (table) throw new SqlError(SqlState.wrongObjectType, `"${table.name}" is not a sequence`);
    throw new SqlError(SqlState.undefinedTable, `could not open relation with OID ${oid}`);
  }

  relationOid(name: string): number {
    return relationOidByName(this.catalog(), this.searchPath(), name);
  }

  relationVisible(oid: number): boolean | null {
    const catalog = this.catalog();
    const relation = catalog.relationByOid(oid);
    // Internal sequences (row ids) are not relations of the catalog's, but have OIDs.
    const found: { schema: number; name: string } | undefined = relation ? relationIdentity(relation) : catalog.sequences.get(oid);
    if (!found) return null;
    for (const schema of this.searchPath()) {
      if (catalog.relation(schema, found.name)) return schema === found.schema;
    }
    return false;
  }

  private makeFunctions(): SessionFunctions {
    const session = this;
    const options = (sequence: SequenceDef) => ({
      name: sequence.name,
      start: BigInt(sequence.start),
      increment: BigInt(sequence.increment),
      min: BigInt(sequence.min),
      max: BigInt(sequence.max),
      cycle: sequence.cycle,
    });
    const resolve = (ref: string | number): SequenceDef => {
      const oid = typeof ref === "number" ? ref : session.relationOid(ref);
      return session.sequenceByOid(oid);
    };
    return {
      get user() {
        return session.role.name;
      },
      get database() {
        return session.database.name;
      },
      get processId() {
        return session.context.processId;
      },
      transactionTimestamp: () => session.txn?.startedAt ?? session.statementStartedAt,
      statementTimestamp: () => session.statementStartedAt,
      currentSchema: () => session.searchPathNames().find((n) => n !== "pg_catalog") ?? null,
      searchPath: () => session.searchPathNames(),
      nextval(ref) {
        const sequence = resolve(ref);
        const value = session.cluster.sequences.nextval(sequence.oid, options(sequence));
        session.currvals.set(sequence.oid, value);
        session.lastSequenceValue = value;
        return value;
      },
      currval(ref) {
        const sequence = resolve(ref);
        const value = session.currvals.get(sequence.oid);
        if (value === undefined) {
          throw new SqlError(SqlState.objectNotInPrerequisiteState, `currval of sequence "${sequence.name}" is not yet defined in this session`);
        }
        return value;
      },
      setval(ref, value, called) {
        const sequence = resolve(ref);
        session.cluster.sequences.setval(sequence.oid, options(sequence), value, called);
        if (called) session.currvals.set(sequence.oid, value);
        return value;
      },
      lastval() {
        if (session.lastSequenceValue === null) {
          throw new SqlError(SqlState.objectNotInPrerequisiteState, "lastval is not yet defined in this session");
        }
        return session.lastSequenceValue;
      },
      setting: (name) => session.settings.get(name),
      setSetting(name, value, local) {
        session.settings.set(name, value, { local, inTransaction: session.txn !== null });
        return session.settings.get(name);
      },
      random: () => session.random(),
      setSeed(seed) {
        if (seed < -1 || seed > 1) throw new SqlError(SqlState.invalidParameterValue, `setseed parameter ${seed} is out of allowed range [-1,1]`);
        session.random = seededRandom(seed);
      },
      sleepMs(ms) {
        session.pendingWaits.push(session.interrupts.sleep(ms));
      },
      relationOid: (name) => session.relationOid(name),
      relationVisible: (oid) => session.relationVisible(oid),
      catalogAccess: () => ({
        database: session.catalog(),
        cluster: session.clusterCatalog(),
        types: session.typeContext(),
        relationVisible: (oid) => session.relationVisible(oid),
        relationOid: (name) => session.relationOid(name),
        bindExpr: (table, ast, target) => session.bindTableExpr(table, ast, "", target).expr,
      }),
    };
  }

  /** An EvalContext for evaluating constant expressions outside a plan (SET, defaults in DDL). */
  evalContext(): EvalContext {
    return this.execContext({ get: () => null, scan: () => [] }, []);
  }
}

const notSuspended: ExecuteResult = Object.freeze({ suspended: false });

/** A Bind parameter's value: `bytes` in the binary or text format of the parameter's type. */
function bindValue(type: SqlType, bytes: Uint8Array, binary: boolean, index: number, ctx: TypeContext): SqlValue {
  if (binary) {
    try {
      return type.decodeBinary(bytes, -1, ctx);
    } catch (error) {
      // Bytes left over after the value: PostgreSQL names the parameter.
      if (error instanceof SqlError && error.message !== "incorrect binary data format") throw error;
      throw new SqlError(SqlState.invalidBinaryRepresentation, `incorrect binary data format in bind parameter ${index + 1}`);
    }
  }
  if (type.oid === Oid.int4 || type.oid === Oid.int2) {
    // Plain decimal text (what drivers send for integers) needs no string: the type's own
    // input function handles the rest (spaces, '+', out-of-range errors).
    const value = plainDecimal(bytes);
    if (value !== null && (type.oid === Oid.int4 || (value >= -32768 && value <= 32767))) return value;
  }
  return parseStyled(type, textOf(bytes), -1, ctx);
}

/** An optionally negative run of 1 to 9 decimal digits as a number; null for anything else. */
function plainDecimal(bytes: Uint8Array): number | null {
  const n = bytes.length;
  const negative = n > 1 && bytes[0] === 0x2d;
  let i = negative ? 1 : 0;
  if (n === 0 || n - i > 9) return null;
  let value = 0;
  for (; i < n; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return negative && value !== 0 ? -value : value;
}

/** A text-format parameter as a string (strict UTF-8, as PostgreSQL checks client input). */
function textOf(bytes: Uint8Array): string {
  try {
    return decodeUtf8(bytes, 0, bytes.length);
  } catch (error) {
    // The protocol's own check; in a parameter the statement fails, not the connection.
    if (error instanceof SqlError && error.code === SqlState.protocolViolation) throw new SqlError(SqlState.characterNotInRepertoire, error.message);
    throw error;
  }
}

/** The settings values read by the value layer; the timestamp ('now') is made only when read. */
class SessionTypeContext implements StyledContext {
  readonly timeZone: string;
  readonly dateStyle: string | undefined;
  readonly dateOrder: string | undefined;
  readonly intervalStyle: string | undefined;
  readonly extraFloatDigits: number | undefined;

  constructor(
    style: Omit<StyledContext, "transactionTimestamp">,
    private readonly session: SqlSession,
  ) {
    this.timeZone = style.timeZone;
    this.dateStyle = style.dateStyle;
    this.dateOrder = style.dateOrder;
    this.intervalStyle = style.intervalStyle;
    this.extraFloatDigits = style.extraFloatDigits;
  }

  get transactionTimestamp(): bigint {
    return this.session.currentTimestamp();
  }

  regName(type: number, oid: number): string | null {
    return regName(this.session.functions.catalogAccess(), type, oid);
  }
}

/** Statements whose plans depend only on the catalog and settings (not on transaction state). */
function isCacheable(ast: Node): boolean {
  const tag = tagOf(ast);
  return tag === "SelectStmt" || tag === "InsertStmt" || tag === "UpdateStmt" || tag === "DeleteStmt";
}

