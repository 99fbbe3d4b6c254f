// From a parsed statement to something runnable: analysis and planning for queries and
// DML (compiled once and cached by text), and classification of utility statements.

import type { Ast, Node } from "./ast.ts";
import { asNode, bodyOf, tagOf } from "./ast.ts";
import { SqlError, SqlState } from "./errors.ts";
import { textType, NO_TYPMOD, type SqlType, type TypeContext } from "./types/index.ts";
import { Analysis, type CatalogView } from "./analyze/analysis.ts";
import { ExprBinder } from "./analyze/bind-expr.ts";
import { isUnknown } from "./analyze/pseudo-types.ts";
import { Scope } from "./analyze/scope.ts";
import { SelectPlanner, type PlannerSettings } from "./plan/select.ts";
import { DmlPlanner, type DmlPlan } from "./plan/dml.ts";
import type { OutputColumn, PlanNode, QueryPlan } from "./plan/nodes.ts";
import { compilePlan, compileSingleRow, type Operator } from "./exec/operators.ts";
import type { ExecContext } from "./exec/context.ts";
import type { Row } from "./analyze/expr.ts";
import { compileDml, type CompiledDml } from "./exec/dml.ts";
import { Layout } from "./exec/layout.ts";
import { someExpr, type Expr } from "./analyze/expr.ts";

export type Planned =
  | {
      readonly kind: "query";
      readonly columns: readonly OutputColumn[];
      readonly plan: QueryPlan;
      readonly op: Operator;
      readonly lock: "update" | "share" | null;
      /** One engine read and no subqueries: can run without a transaction. */
      readonly singleRead: boolean;
      /** A direct evaluator for single-row point reads (see compileSingleRow). */
      readonly single: ((ctx: ExecContext) => Row | null) | null;
      readonly paramTypes: readonly SqlType[];
    }
  | {
      readonly kind: "dml";
      readonly command: "INSERT" | "UPDATE" | "DELETE";
      readonly columns: readonly OutputColumn[] | null;
      readonly plan: DmlPlan;
      readonly dml: CompiledDml;
      readonly paramTypes: readonly SqlType[];
    }
  | { readonly kind: "utility"; readonly ast: Node; readonly columns: readonly OutputColumn[] | null; readonly paramTypes: readonly SqlType[] }
  | { readonly kind: "empty"; readonly columns: null; readonly paramTypes: readonly SqlType[] };

export interface PlanEnvironment {
  readonly catalogView: CatalogView;
  readonly types: TypeContext;
  readonly planner: PlannerSettings;
  /** The simple query protocol: statements have no parameters. */
  readonly simple?: boolean;
}

function textColumn(name: string): OutputColumn {
  return { name, type: textType, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 };
}

/** The analysis machinery for one statement. */
export function analyzers(sql: string, env: PlanEnvironment, declared: readonly (SqlType | undefined)[]) {
  const analysis = new Analysis(sql, env.types, env.catalogView, declared);
  analysis.parametersAllowed = env.simple !== true;
  const binder = new ExprBinder(analysis);
  const select = new SelectPlanner(analysis, binder, env.planner);
  const dml = new DmlPlanner(analysis, binder, select);
  return { analysis, binder, select, dml };
}

function finalParamTypes(analysis: Analysis, declaredCount: number): SqlType[] {
  const count = Math.max(analysis.paramCount, declaredCount);
  const out: SqlType[] = [];
  for (let i = 0; i < count; i++) {
    const type = analysis.paramTypes[i];
    if (!type || isUnknown(type)) {
      if (i < analysis.paramCount) {
        throw new SqlError(SqlState.indeterminateDatatype, `could not determine data type of parameter $${i + 1}`);
      }
      out.push(textType);
    } else out.push(type);
  }
  return out;
}

function exprReads(expr: Expr): boolean {
  return someExpr(expr, (node) => node.kind === "sublink");
}

/** A query that needs exactly one point read (SELECT ... WHERE pk = $1). */
function isSingleRead(plan: PlanNode): boolean {
  let node = plan;
  if (node.kind === "project") {
    if (node.exprs.some(exprReads)) return false;
    node = node.input;
  }
  while (node.kind === "filter") {
    if (exprReads(node.predicate)) return false;
    node = node.input;
  }
  if (node.kind === "result") return true;
  if (node.kind !== "scan" || node.access.kind !== "get" || node.access.keys.length !== 1 || node.access.index.def.id !== 0) return false;
  return !(node.filter && exprReads(node.filter)) && !node.access.keys[0]!.some(exprReads);
}

function utilityColumns(ast: Node): OutputColumn[] | null {
  switch (tagOf(ast)) {
    case "VariableShowStmt": {
      const name = bodyOf<Ast.VariableShowStmt>(ast).name ?? "";
      if (name === "all") return [textColumn("name"), textColumn("setting"), textColumn("description")];
      return [textColumn(showName(name))];
    }
    case "ExplainStmt":
      return [textColumn("QUERY PLAN")];
    default:
      return null;
  }
}

const showNames: Record<string, string> = {
  timezone: "TimeZone",
  datestyle: "DateStyle",
  intervalstyle: "IntervalStyle",
  transaction_isolation: "transaction_isolation",
  "transaction isolation level": "transaction_isolation",
  session_authorization: "session_authorization",
};

export function showName(name: string): string {
  return showNames[name.toLowerCase()] ?? name.toLowerCase();
}

/**
 * Plans one statement. The environment may be given as a function: it is then made only for
 * statements that are analyzed (queries and DML), not for utility statements.
 */
export function planStatement(
  ast: Node | null,
  sql: string,
  environment: PlanEnvironment | (() => PlanEnvironment),
  declared: readonly (SqlType | undefined)[],
): Planned {
  if (!ast) return { kind: "empty", columns: null, paramTypes: declared.map((t) => t ?? textType) };
  const tag = tagOf(ast);
  if (tag === "SelectStmt" || tag === "InsertStmt" || tag === "UpdateStmt" || tag === "DeleteStmt") {
    const env = typeof environment === "function" ? environment() : environment;
    const { analysis, select, dml } = analyzers(sql, env, declared);
    const scope = new Scope(null);
    if (tag === "SelectStmt") {
      const stmt = bodyOf<Ast.SelectStmt>(ast);
      const plan = select.planSelect(stmt, scope);
      const lock = (stmt.lockingClause ?? []).length > 0 ? lockOf(stmt) : null;
      const paramTypes = finalParamTypes(analysis, declared.length);
      return {
        kind: "query",
        columns: plan.columns,
        plan,
        op: compilePlan(plan.plan, { row: new Layout([]), outer: [], param: null }),
        lock,
        singleRead: lock === null && isSingleRead(plan.plan),
        single: lock === null && isSingleRead(plan.plan) ? compileSingleRow(plan.plan) : null,
        paramTypes,
      };
    }
    const plan =
      tag === "InsertStmt"
        ? dml.planInsert(bodyOf<Ast.InsertStmt>(ast), scope)
        : tag === "UpdateStmt"
          ? dml.planUpdate(bodyOf<Ast.UpdateStmt>(ast), scope)
          : dml.planDelete(bodyOf<Ast.DeleteStmt>(ast), scope);
    const paramTypes = finalParamTypes(analysis, declared.length);
    return {
      kind: "dml",
      command: tag === "InsertStmt" ? "INSERT" : tag === "UpdateStmt" ? "UPDATE" : "DELETE",
      columns: plan.returning ? plan.returning.columns : null,
      plan,
      dml: compileDml(plan),
      paramTypes,
    };
  }
  return { kind: "utility", ast, columns: utilityColumns(ast), paramTypes: declared.map((t) => t ?? textType) };
}

function lockOf(stmt: Ast.SelectStmt): "update" | "share" {
  for (const node of stmt.lockingClause ?? []) {
    const clause = asNode<Ast.LockingClause>(node, "LockingClause");
    if (clause?.strength === "LCS_FORUPDATE" || clause?.strength === "LCS_FORNOKEYUPDATE") return "update";
  }
  return "share";
}

/** A statement shape's generic plan (see generic-plan.ts). */
export interface GenericEntry {
  seen: number;
  failed: boolean;
  planned: Planned | null;
}

/** A lexed statement text: its generic plan and which literal is which parameter. */
export interface TextShapeEntry {
  readonly entry: GenericEntry;
  readonly order: readonly number[];
}

/** A small LRU of plans keyed by statement text and everything the plan depends on. */
export class PlanCache {
  private readonly entries = new Map<string, Planned>();
  private readonly shapes = new Map<string, GenericEntry>();
  /** Lexed statement shapes → their generic plan entry. */
  private readonly textShapes = new Map<string, TextShapeEntry>();

  textShape(key: string): TextShapeEntry | undefined {
    return this.textShapes.get(key);
  }

  rememberTextShape(key: string, entry: TextShapeEntry): void {
    if (this.textShapes.size >= this.capacity) this.textShapes.delete(this.textShapes.keys().next().value!);
    this.textShapes.set(key, entry);
  }
  constructor(private readonly capacity = 2000) {}

  /** The entry for a statement shape (created on first sight). */
  generic(key: string): GenericEntry {
    let entry = this.shapes.get(key);
    if (entry) {
      this.shapes.delete(key);
      this.shapes.set(key, entry);
      return entry;
    }
    entry = { seen: 0, failed: false, planned: null };
    if (this.shapes.size >= this.capacity) this.shapes.delete(this.shapes.keys().next().value!);
    this.shapes.set(key, entry);
    return entry;
  }

  get(key: string): Planned | undefined {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, planned: Planned): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, planned);
  }
}
