// Statements that are not queries or DML: transaction control, SET/SHOW/RESET, EXPLAIN,
// and the simpler commands pgz accepts; DDL, COPY and maintenance (VACUUM, ANALYZE,
// COMPACT) are dispatched to their modules.

import type { Ast, Node } from "./ast.ts";
import { asNode, bodyOf, namesOf, tagOf } from "./ast.ts";
import type { ExecuteSink, QuerySink } from "../pgwire/index.ts";
import { SqlError, SqlState, notSupported } from "./errors.ts";
import type { SqlSession } from "./session.ts";
import type { Planned } from "./statement.ts";
import { planStatement, showName } from "./statement.ts";
import { parseIsolation, type IsolationLevel } from "./transaction.ts";
import { explainPlan } from "./plan/explain.ts";
import { fieldsOf } from "./result.ts";
import { runDdl, isDdl } from "./ddl.ts";
import { runCopy } from "./copy.ts";
import type { SqlValue } from "./types/index.ts";
import { canonicalSettingName } from "./settings.ts";
import { runCompact, runVacuum } from "./maintenance.ts";
import { COMPACT_TAG } from "./parser.ts";

type AnySink = ExecuteSink & Partial<Pick<QuerySink, "rowDescription">>;

function rowsOut(sink: AnySink, planned: Planned, rows: string[][], simple: boolean): void {
  if (simple && planned.columns && sink.rowDescription) sink.rowDescription(fieldsOf(planned.columns));
  for (const row of rows) sink.dataRow(row);
}

/** A SET value: constants joined with ", " (search_path), identifiers as written. */
function settingValue(args: readonly Node[] | undefined): string {
  return (args ?? [])
    .map((node) => {
      const constant = asNode<Ast.A_Const>(node, "A_Const");
      if (constant) {
        if (constant.sval) return constant.sval.sval ?? "";
        if (constant.ival) return String(constant.ival.ival ?? 0);
        if (constant.fval) return constant.fval.fval ?? "0";
        if (constant.boolval) return constant.boolval.boolval ? "on" : "off";
        if (constant.ival === undefined) return "0";
      }
      const cast = asNode<Ast.TypeCast>(node, "TypeCast");
      if (cast) {
        // SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE
        const inner = asNode<Ast.A_Const>(cast.arg, "A_Const");
        return inner?.sval?.sval ?? "";
      }
      throw new SqlError(SqlState.syntaxError, "SET requires a constant value");
    })
    .join(", ");
}

function transactionOptions(options: readonly Node[] | undefined): { isolation: IsolationLevel | null; isolationName: string | null; readOnly: boolean | null } {
  let isolation: IsolationLevel | null = null;
  let isolationName: string | null = null;
  let readOnly: boolean | null = null;
  for (const node of options ?? []) {
    const option = bodyOf<Ast.DefElem>(node);
    const constant = asNode<Ast.A_Const>(option.arg, "A_Const");
    if (option.defname === "transaction_isolation") {
      isolationName = (constant?.sval?.sval ?? "").toLowerCase();
      isolation = parseIsolation(isolationName);
    }
    else if (option.defname === "transaction_read_only") readOnly = constant?.ival ? constant.ival.ival === 1 : (constant?.boolval?.boolval ?? false);
    else if (option.defname === "transaction_deferrable") continue;
  }
  return { isolation, isolationName, readOnly };
}

async function transactionStatement(session: SqlSession, stmt: Ast.TransactionStmt, sink: AnySink): Promise<string> {
  switch (stmt.kind) {
    case "TRANS_STMT_BEGIN":
    case "TRANS_STMT_START": {
      const { isolation, isolationName, readOnly } = transactionOptions(stmt.options);
      session.begin(isolation, readOnly, sink);
      if (isolationName && session.txn) session.txn.isolationName = isolationName;
      return stmt.kind === "TRANS_STMT_BEGIN" ? "BEGIN" : "START TRANSACTION";
    }
    case "TRANS_STMT_COMMIT":
      if (stmt.chain) throw notSupported("COMMIT AND CHAIN");
      return session.commit(sink);
    case "TRANS_STMT_ROLLBACK":
      if (stmt.chain) throw notSupported("ROLLBACK AND CHAIN");
      return session.rollback(sink);
    case "TRANS_STMT_SAVEPOINT": {
      if (!session.inTransactionBlock) throw new SqlError(SqlState.noActiveSqlTransaction, "SAVEPOINT can only be used in transaction blocks");
      session.transaction().savepoint(stmt.savepoint_name!);
      return "SAVEPOINT";
    }
    case "TRANS_STMT_RELEASE": {
      if (!session.inTransactionBlock) throw new SqlError(SqlState.noActiveSqlTransaction, "RELEASE SAVEPOINT can only be used in transaction blocks");
      session.transaction().release(stmt.savepoint_name!);
      return "RELEASE";
    }
    case "TRANS_STMT_ROLLBACK_TO": {
      if (!session.inTransactionBlock) throw new SqlError(SqlState.noActiveSqlTransaction, "ROLLBACK TO SAVEPOINT can only be used in transaction blocks");
      session.transaction().rollbackTo(stmt.savepoint_name!);
      session.failed = false;
      return "ROLLBACK";
    }
    default:
      throw notSupported("two-phase commit (PREPARE TRANSACTION)");
  }
}

function setStatement(session: SqlSession, stmt: Ast.VariableSetStmt, sink: AnySink): string {
  const inTransaction = session.txn !== null;
  const kind = stmt.kind;
  const name = stmt.name ?? "";
  if (kind === "VAR_RESET_ALL") {
    for (const spec of session.settings.all()) {
      try {
        session.settings.reset(spec.name, { inTransaction });
      } catch {
        // read-only settings stay
      }
    }
    return "RESET";
  }
  if (kind === "VAR_SET_MULTI") {
    const { isolation, isolationName, readOnly } = transactionOptions(stmt.args);
    if (name === "TRANSACTION" || name === "TRANSACTION SNAPSHOT") {
      if (name === "TRANSACTION SNAPSHOT") throw notSupported("SET TRANSACTION SNAPSHOT");
      if (!session.inTransactionBlock) {
        session.notice(sink, "SET TRANSACTION can only be used in transaction blocks", "WARNING", SqlState.noActiveSqlTransaction);
        return "SET";
      }
      const txn = session.transaction();
      if (isolation) {
        if (txn.started && txn.hasEngineTxn) {
          throw new SqlError(SqlState.activeSqlTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query");
        }
        txn.isolation = isolation;
        txn.isolationName = isolationName ?? isolation;
      }
      if (readOnly !== null) txn.readOnly = readOnly;
      return "SET";
    }
    if (name === "SESSION CHARACTERISTICS") {
      if (isolation) session.settings.set("default_transaction_isolation", isolation, { local: false, inTransaction });
      if (readOnly !== null) session.settings.set("default_transaction_read_only", readOnly ? "on" : "off", { local: false, inTransaction });
      return "SET";
    }
    throw notSupported(`SET ${name}`);
  }
  const canonical = canonicalSettingName(name === "timezone" ? "TimeZone" : name);
  if (kind === "VAR_RESET" || kind === "VAR_SET_DEFAULT" || (canonical === "TimeZone" && (stmt.args ?? []).length === 0 && kind !== "VAR_SET_VALUE")) {
    if (canonical === "transaction_isolation") return "RESET";
    session.settings.reset(canonical, { inTransaction });
    return kind === "VAR_RESET" ? "RESET" : "SET";
  }
  if (kind === "VAR_SET_CURRENT") throw notSupported("SET ... FROM CURRENT");
  let value = settingValue(stmt.args);
  if (canonical === "TimeZone" && /^local$/i.test(value)) {
    session.settings.reset(canonical, { inTransaction });
    return "SET";
  }
  if (canonical === "transaction_isolation") {
    const level = parseIsolation(value);
    if (!session.inTransactionBlock) {
      session.notice(sink, "SET TRANSACTION can only be used in transaction blocks", "WARNING", SqlState.noActiveSqlTransaction);
      return "SET";
    }
    const txn = session.transaction();
    if (txn.started && txn.hasEngineTxn) throw new SqlError(SqlState.activeSqlTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query");
    txn.isolation = level;
    txn.isolationName = value.toLowerCase();
    return "SET";
  }
  if (canonical === "search_path") value = value.split(",").map((v) => v.trim()).map((v) => (/^[a-z_][a-z0-9_$]*$/.test(v) ? v : `"${v.replace(/^"|"$/g, "")}"`)).join(", ");
  if (stmt.is_local && !session.inTransactionBlock) {
    session.notice(sink, "SET LOCAL can only be used in transaction blocks", "WARNING", SqlState.noActiveSqlTransaction);
    return "SET";
  }
  session.settings.set(canonical, value, { local: stmt.is_local === true, inTransaction });
  return "SET";
}

function showValue(session: SqlSession, name: string): string {
  const lower = name.toLowerCase();
  if (lower === "transaction_isolation" || lower === "transaction isolation level") {
    return session.txn ? session.txn.isolationName : session.settings.get("default_transaction_isolation");
  }
  if (lower === "transaction_read_only") return session.txn?.readOnly ? "on" : session.settings.get("default_transaction_read_only");
  return session.settings.get(name);
}

export async function runUtility(session: SqlSession, planned: Extract<Planned, { kind: "utility" }>, params: readonly SqlValue[], sink: AnySink, simple: boolean): Promise<void> {
  const ast = planned.ast;
  const tag = tagOf(ast);
  switch (tag) {
    case "TransactionStmt":
      sink.commandComplete(await transactionStatement(session, bodyOf<Ast.TransactionStmt>(ast), sink));
      return;
    case "VariableSetStmt":
      sink.commandComplete(setStatement(session, bodyOf<Ast.VariableSetStmt>(ast), sink));
      return;
    case "VariableShowStmt": {
      const name = bodyOf<Ast.VariableShowStmt>(ast).name ?? "";
      if (name === "all") {
        rowsOut(sink, planned, session.settings.all().map((s) => [s.name, s.setting, s.description]), simple);
        sink.commandComplete("SHOW");
        return;
      }
      const value = showValue(session, name);
      rowsOut(sink, planned, [[value]], simple);
      sink.commandComplete("SHOW");
      return;
    }
    case "ExplainStmt": {
      const lines = explain(session, bodyOf<Ast.ExplainStmt>(ast), params);
      rowsOut(sink, planned, (await lines).map((line) => [line]), simple);
      sink.commandComplete("EXPLAIN");
      return;
    }
    case "CopyStmt":
      await runCopy(session, bodyOf<Ast.CopyStmt>(ast), sink);
      return;
    case "VacuumStmt":
      sink.commandComplete(await runVacuum(session, bodyOf<Ast.VacuumStmt>(ast), sink));
      return;
    case COMPACT_TAG:
      sink.commandComplete(await runCompact(session));
      return;
    case "CheckPointStmt":
      session.cluster.db.sync();
      sink.commandComplete("CHECKPOINT");
      return;
    case "DiscardStmt":
      if (session.inTransactionBlock) throw new SqlError(SqlState.activeSqlTransaction, "DISCARD ALL cannot run inside a transaction block");
      sink.commandComplete("DISCARD ALL");
      return;
    case "DeallocateStmt":
      sink.commandComplete("DEALLOCATE");
      return;
    case "LockStmt":
      if (!session.inTransactionBlock) throw new SqlError(SqlState.noActiveSqlTransaction, "LOCK TABLE can only be used in transaction blocks");
      sink.commandComplete("LOCK TABLE");
      return;
    case "GrantStmt":
      sink.commandComplete(bodyOf<Ast.GrantStmt>(ast).is_grant ? "GRANT" : "REVOKE");
      return;
    case "GrantRoleStmt":
      sink.commandComplete(bodyOf<Ast.GrantRoleStmt>(ast).is_grant ? "GRANT ROLE" : "REVOKE ROLE");
      return;
    case "CreateExtensionStmt": {
      const name = bodyOf<Ast.CreateExtensionStmt>(ast).extname ?? "";
      if (!["plpgsql", "uuid-ossp", "pgcrypto"].includes(name)) throw notSupported(`extension "${name}"`);
      sink.commandComplete("CREATE EXTENSION");
      return;
    }
    default:
      if (isDdl(tag)) {
        const result = await runDdl(session, ast, sink);
        sink.commandComplete(result);
        return;
      }
      throw unsupportedStatement(tag);
  }
}

function unsupportedStatement(tag: string): SqlError {
  const names: Record<string, string> = {
    ViewStmt: "views (CREATE VIEW)",
    CreateFunctionStmt: "functions (CREATE FUNCTION)",
    CreateTrigStmt: "triggers (CREATE TRIGGER)",
    DoStmt: "DO blocks",
    RuleStmt: "rules (CREATE RULE)",
    CreateEnumStmt: "enum types (CREATE TYPE ... AS ENUM)",
    CreateDomainStmt: "domains (CREATE DOMAIN)",
    CompositeTypeStmt: "composite types (CREATE TYPE)",
    ListenStmt: "LISTEN",
    NotifyStmt: "NOTIFY",
    UnlistenStmt: "UNLISTEN",
    PrepareStmt: "SQL-level PREPARE (use the extended protocol)",
    ExecuteStmt: "SQL-level EXECUTE",
    DeclareCursorStmt: "cursors (DECLARE)",
    FetchStmt: "cursors (FETCH)",
    ClosePortalStmt: "cursors (CLOSE)",
    MergeStmt: "MERGE",
    CreatePolicyStmt: "row security policies",
    CallStmt: "procedures (CALL)",
    RefreshMatViewStmt: "materialized views",
    CreateTableSpaceStmt: "tablespaces",
    ClusterStmt: "CLUSTER",
    ReindexStmt: "REINDEX",
    AlterSystemStmt: "ALTER SYSTEM",
  };
  return notSupported(names[tag] ?? tag.replace(/Stmt$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase());
}

async function explain(session: SqlSession, stmt: Ast.ExplainStmt, params: readonly SqlValue[]): Promise<string[]> {
  let analyze = false;
  for (const node of stmt.options ?? []) {
    const option = bodyOf<Ast.DefElem>(node);
    const arg = asNode<Ast.A_Const>(option.arg, "A_Const");
    const on = arg === undefined || arg.boolval?.boolval === true || arg.sval?.sval === "true" || arg.sval?.sval === "on" || arg.ival?.ival === 1;
    if (option.defname === "analyze") analyze = on;
    if (option.defname === "format") {
      const format = arg?.sval?.sval ?? "text";
      if (format !== "text") throw notSupported(`EXPLAIN (FORMAT ${format.toUpperCase()})`);
    }
  }
  const query = stmt.query!;
  const planned = planStatement(query, session.currentSql, session.planEnv(), params.map(() => undefined));
  let lines: string[];
  if (planned.kind === "query") lines = explainPlan(planned.plan.plan);
  else if (planned.kind === "dml") lines = explainPlan(planned.plan.source, planned.plan);
  else throw new SqlError(SqlState.featureNotSupported, `EXPLAIN of ${tagOf(query)} is not supported`);
  if (analyze) {
    const started = performance.now();
    const discard: ExecuteSink = {
      congested: false,
      drained: async () => {},
      dataRow: () => {},
      commandComplete: () => {},
      emptyQuery: () => {},
      notice: () => {},
      parameterStatus: () => {},
      copyIn: () => {
        throw notSupported("COPY in EXPLAIN ANALYZE");
      },
      copyOut: () => {
        throw notSupported("COPY in EXPLAIN ANALYZE");
      },
    };
    await session.execute_(planned, params, [], discard, 0, null, false);
    lines.push(`Execution Time: ${(performance.now() - started).toFixed(3)} ms`);
  }
  return lines;
}

export { namesOf, showName };
