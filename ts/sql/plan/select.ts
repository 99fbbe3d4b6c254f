// SELECT planning: FROM items and joins (conditions pushed down to the scans they
// constrain, equi-joins as hash joins, index lookups as parameterized nested loops), WHERE,
// GROUP BY and aggregates, HAVING, the select list, DISTINCT, ORDER BY (skipped when an
// index scan already returns that order), LIMIT/OFFSET, set operations, VALUES and WITH.

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf, expressionStart, namesOf, stringOf, tagOf } from "../ast.ts";
import { SqlError, SqlState } from "../errors.ts";
import { boolType, int8Type, NO_TYPMOD, type SqlType } from "../types/index.ts";
import type { Analysis, VirtualTable } from "../analyze/analysis.ts";
import { boolConst, locationOf, type ExprBinder } from "../analyze/bind-expr.ts";
import { exprKey, mapExpr, relsOf, someExpr, type Expr } from "../analyze/expr.ts";
import { commonType } from "../analyze/resolve.ts";
import { coerceExpr } from "../analyze/coerce.ts";
import { isUnknown, unknownType } from "../analyze/pseudo-types.ts";
import { resolveSetFunction, isSetFunction, type ResolvedSetFunction } from "../analyze/set-functions.ts";
import { textType } from "../types/index.ts";
import { Scope, type CteDef, type RangeColumn, type RangeEntry } from "../analyze/scope.ts";
import { undefinedTable } from "../catalog/catalog.ts";
import type { TableRuntime } from "../table-runtime.ts";
import { chooseAccessPath } from "./access-path.ts";
import { columnName } from "./column-names.ts";
import type { AccessPath, JoinType, OutputColumn, PlanNode, QueryPlan, RelSlot, SortKey } from "./nodes.ts";

/** Planner switches (enable_indexscan, enable_hashjoin). */
export interface PlannerSettings {
  readonly indexScans: boolean;
  readonly hashJoins: boolean;
}

type JoinTree =
  | { readonly kind: "leaf"; readonly entry: RangeEntry; readonly build: (quals: readonly Expr[], lock: "update" | "share" | null) => PlanNode; readonly lateral: boolean }
  | {
      readonly kind: "join";
      readonly type: JoinType;
      readonly left: JoinTree;
      readonly right: JoinTree;
      readonly quals: Expr[];
    };

function relsOfTree(tree: JoinTree, out: Set<number> = new Set()): Set<number> {
  if (tree.kind === "leaf") out.add(tree.entry.rel);
  else {
    relsOfTree(tree.left, out);
    relsOfTree(tree.right, out);
  }
  return out;
}

function slotsOf(...nodes: PlanNode[]): RelSlot[] {
  return nodes.flatMap((n) => n.rels);
}

function isSubset(a: Set<number>, b: Set<number>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Splits an AND tree into its conjuncts. */
export function conjuncts(expr: Expr | null): Expr[] {
  if (!expr) return [];
  if (expr.kind === "and") return expr.args.flatMap((a) => conjuncts(a));
  return [expr];
}

export function andOf(exprs: readonly Expr[]): Expr | null {
  if (exprs.length === 0) return null;
  if (exprs.length === 1) return exprs[0]!;
  return { kind: "and", args: [...exprs], type: boolType, typmod: NO_TYPMOD };
}

interface TargetItem {
  readonly name: string;
  readonly expr: Expr | null;
  readonly srf: { fn: ResolvedSetFunction; args: readonly Expr[] } | null;
  readonly column: { tableOid: number; attnum: number };
}

export class SelectPlanner {
  constructor(
    readonly analysis: Analysis,
    readonly binder: ExprBinder,
    readonly settings: PlannerSettings,
  ) {
    binder.planSubquery = (stmt, scope) => this.plan(stmt, scope);
  }

  /** Plans any query node (SelectStmt) in `scope` (a fresh child scope of its context). */
  plan(node: Node, scope: Scope): QueryPlan {
    const select = asNode<Ast.SelectStmt>(node, "SelectStmt");
    if (!select) throw this.analysis.error(SqlState.featureNotSupported, `${tagOf(node)} is not supported as a subquery`);
    return this.planSelect(select, scope);
  }

  planSelect(stmt: Ast.SelectStmt, scope: Scope, lockOverride: "update" | "share" | null = null, keepUnknown = false): QueryPlan {
    if (stmt.withClause) this.addCtes(stmt.withClause, scope);
    if (stmt.intoClause) throw this.analysis.error(SqlState.featureNotSupported, "SELECT INTO is not supported; use CREATE TABLE AS");
    if (stmt.op && stmt.op !== "SETOP_NONE") return this.setOperation(stmt, scope);
    if (stmt.valuesLists) return this.finishValues(stmt, scope);
    return this.simpleSelect(stmt, scope, lockOverride, keepUnknown);
  }

  // ---------------------------------------------------------------- WITH

  addCtes(withClause: Ast.WithClause, scope: Scope): void {
    const names = (withClause.ctes ?? []).map((node) => bodyOf<Ast.CommonTableExpr>(node).ctename!);
    names.forEach((name) => scope.pendingCtes.add(name));
    for (const node of withClause.ctes ?? []) {
      const cte = bodyOf<Ast.CommonTableExpr>(node);
      const name = cte.ctename!;
      if (withClause.recursive) scope.pendingCtes.delete(name);
      if (scope.ctes.has(name)) {
        throw this.analysis.error(SqlState.duplicateAlias, `WITH query name "${name}" specified more than once`, cte.location);
      }
      const query = cte.ctequery!;
      if (!asNode(query, "SelectStmt")) {
        throw this.analysis.error(SqlState.featureNotSupported, "data-modifying statements in WITH are not supported", cte.location);
      }
      const select = bodyOf<Ast.SelectStmt>(query);
      const aliases = namesOf(cte.aliascolnames);
      if (withClause.recursive && select.op === "SETOP_UNION" && this.referencesName(select.rarg!, name)) {
        this.addRecursiveCte(name, select, aliases, scope, cte.location);
        continue;
      }
      const planned = this.planSelect(select, new Scope(scope));
      const columns = this.renameColumns(planned.columns, aliases, name, cte.location);
      scope.ctes.set(name, { id: this.analysis.newCte(), name, columns, plan: planned.plan, recursive: false });
      scope.pendingCtes.delete(name);
    }
  }

  private referencesName(select: Ast.SelectStmt, name: string): boolean {
    return JSON.stringify(select).includes(`"relname":"${name}"`);
  }

  private addRecursiveCte(name: string, select: Ast.SelectStmt, aliases: string[], scope: Scope, location: number | undefined): void {
    const base = this.planSelect(select.larg!, new Scope(scope));
    const columns = this.renameColumns(base.columns, aliases, name, location);
    const id = this.analysis.newCte();
    const working: CteDef = { id, name, columns, plan: null, recursive: true };
    const recursiveScope = new Scope(scope);
    recursiveScope.ctes.set(name, working);
    const step = this.planSelect(select.rarg!, recursiveScope);
    if (step.columns.length !== columns.length) {
      throw this.analysis.error(SqlState.syntaxError, "each UNION query must have the same number of columns", location);
    }
    const types = columns.map((c, i) => commonType([c.type, step.columns[i]!.type], "UNION"));
    const coerce = (planned: QueryPlan): PlanNode => this.coerceOutputs(planned, types);
    const rel = this.analysis.newRel();
    const plan: PlanNode = {
      kind: "setop",
      op: "union",
      all: select.all === true,
      left: coerce(base),
      right: coerce(step),
      types,
      rels: [{ rel, width: columns.length }],
    };
    const finalColumns = columns.map((c, i) => ({ ...c, type: types[i]! }));
    // The recursive union is run by the executor as a loop over the working table `id`.
    scope.ctes.set(name, { id, name, columns: finalColumns, plan: { kind: "cte", name, alias: name, id, source: plan, rels: plan.rels }, recursive: true });
  }

  private renameColumns(columns: readonly OutputColumn[], aliases: readonly string[], name: string, location: number | undefined): RangeColumn[] {
    if (aliases.length > columns.length) {
      throw this.analysis.error(SqlState.invalidColumnReference, `WITH query "${name}" has ${columns.length} columns available but ${aliases.length} columns specified`, location);
    }
    return columns.map((c, i) => ({ name: aliases[i] ?? c.name, type: c.type, typmod: c.typmod, tableOid: 0, attnum: 0 }));
  }

  // ---------------------------------------------------------------- set operations and VALUES

  private setOperation(stmt: Ast.SelectStmt, scope: Scope): QueryPlan {
    const left = this.planSelect(stmt.larg!, new Scope(scope), null, true);
    const right = this.planSelect(stmt.rarg!, new Scope(scope), null, true);
    const opName = stmt.op === "SETOP_UNION" ? "UNION" : stmt.op === "SETOP_INTERSECT" ? "INTERSECT" : "EXCEPT";
    if (left.columns.length !== right.columns.length) {
      const firstTarget = stmt.rarg?.targetList?.[0];
      throw this.analysis.error(SqlState.syntaxError, `each ${opName} query must have the same number of columns`, firstTarget ? locationOf(bodyOf<Ast.ResTarget>(firstTarget).val) : undefined);
    }
    const types = left.columns.map((c, i) => {
      const rightTarget = stmt.rarg?.targetList?.[i];
      const type = commonType([c.type, right.columns[i]!.type], opName, [undefined, rightTarget ? this.analysis.position(locationOf(bodyOf<Ast.ResTarget>(rightTarget).val)) : undefined]);
      return isUnknown(type) ? textType : type;
    });
    const rel = this.analysis.newRel();
    let plan: PlanNode = {
      kind: "setop",
      op: opName.toLowerCase() as "union" | "intersect" | "except",
      all: stmt.all === true,
      left: this.coerceOutputs(left, types),
      right: this.coerceOutputs(right, types, stmt.rarg?.targetList?.map((t) => locationOf(bodyOf<Ast.ResTarget>(t).val))),
      types,
      rels: [{ rel, width: types.length }],
    };
    const columns: OutputColumn[] = left.columns.map((c, i) => ({ name: c.name, type: types[i]!, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 }));
    const entry: RangeEntry = { rel, alias: "", columns: columns.map((c) => ({ ...c })), table: null, used: new Set() };
    plan = this.orderAndLimit(stmt, plan, entry, columns, scope);
    return { plan, columns };
  }

  /** Projects a planned query's columns to the given types (UNION branches, recursive CTEs). */
  /**
   * Casts a branch's output columns to the set operation's types. `locations` (of the
   * branch's select-list entries) place input errors of unknown literals ('a' in
   * `SELECT 1 UNION SELECT 'a'`), which are converted here, after the branch is planned.
   */
  private coerceOutputs(planned: QueryPlan, types: readonly SqlType[], locations?: readonly (number | undefined)[]): PlanNode {
    const slot = planned.plan.rels[planned.plan.rels.length - 1]!;
    const same = planned.columns.every((c, i) => c.type.oid === types[i]!.oid) && planned.plan.rels.length === 1 && slot.width === types.length;
    if (same) return planned.plan;
    const rel = this.analysis.newRel();
    const exprs = planned.columns.map((c, i): Expr => {
      const v: Expr = { kind: "var", rel: slot.rel, col: i, levelsUp: 0, name: c.name, type: c.type, typmod: c.typmod };
      const coerced = this.binder.coerce(v, types[i]!);
      const position = isUnknown(c.type) ? this.analysis.position(locations?.[i]) : undefined;
      if (coerced.kind !== "cast" || position === undefined) return coerced;
      const convert = coerced.convert;
      return {
        ...coerced,
        convert: (args, ctx) => {
          try {
            return convert(args, ctx);
          } catch (error) {
            if (error instanceof SqlError && error.position === undefined) error.position = position;
            throw error;
          }
        },
      };
    });
    return { kind: "project", input: planned.plan, exprs, rels: [{ rel, width: exprs.length }] };
  }

  /** A VALUES list as a plan (also the FROM-clause form). */
  valuesPlan(lists: readonly Node[], scope: Scope, targetTypes: readonly SqlType[] | null = null): { plan: PlanNode; columns: OutputColumn[]; rel: number } {
    const rows = lists.map((list) => (asNode<Ast.List>(list, "List")?.items ?? []).map((item) => this.binder.bind(item, scope)));
    const width = rows[0]?.length ?? 0;
    const uneven = rows.findIndex((r) => r.length !== width);
    if (uneven >= 0) {
      const first = asNode<Ast.List>(lists[uneven], "List")?.items?.[0];
      throw this.analysis.error(SqlState.syntaxError, "VALUES lists must all be the same length", locationOf(first));
    }
    const types = Array.from({ length: width }, (_, i) => {
      if (targetTypes?.[i]) return targetTypes[i]!;
      const type = commonType(rows.map((r) => r[i]!.type), "VALUES", lists.map((list) => this.analysis.position(locationOf(asNode<Ast.List>(list, "List")?.items?.[i]))));
      return isUnknown(type) ? textType : type;
    });
    const coerced = rows.map((r, row) => r.map((e, i) => this.binder.coerce(e, types[i]!, NO_TYPMOD, locationOf(asNode<Ast.List>(lists[row], "List")?.items?.[i]))));
    const rel = this.analysis.newRel();
    const columns = types.map((type, i) => ({ name: `column${i + 1}`, type, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 }));
    return { plan: { kind: "values", rows: coerced, rels: [{ rel, width }], alias: "*VALUES*" }, columns, rel };
  }

  private finishValues(stmt: Ast.SelectStmt, scope: Scope): QueryPlan {
    const { plan, columns, rel } = this.valuesPlan(stmt.valuesLists!, scope);
    const entry: RangeEntry = { rel, alias: "*VALUES*", columns, table: null, used: new Set() };
    return { plan: this.orderAndLimit(stmt, plan, entry, columns, scope), columns };
  }

  // ---------------------------------------------------------------- simple SELECT

  private simpleSelect(stmt: Ast.SelectStmt, scope: Scope, lockOverride: "update" | "share" | null, keepUnknown = false): QueryPlan {
    const lock = lockOverride ?? this.lockStrength(stmt);
    const trees = (stmt.fromClause ?? []).map((item) => this.fromItem(item, scope));
    let tree: JoinTree | null = null;
    for (const item of trees) tree = tree ? { kind: "join", type: "inner", left: tree, right: item, quals: [] } : item;
    const inputRels = tree ? relsOfTree(tree) : new Set<number>();

    scope.aggregates = { allowed: false, context: "WHERE", calls: [], inside: false };
    const where = stmt.whereClause ? this.binder.bindCondition(stmt.whereClause, scope, "WHERE") : null;

    // Select list (aggregates allowed), then GROUP BY, HAVING.
    scope.aggregates = { allowed: true, context: "", calls: [], inside: false };
    scope.allowSetFunctions = true;
    const targets = this.targetList(stmt.targetList ?? [], scope);
    scope.allowSetFunctions = false;
    const aggState = scope.aggregates;
    aggState.allowed = false;
    aggState.context = "GROUP BY";
    const groupKeys = (stmt.groupClause ?? []).map((node) => this.groupItem(node, targets, scope));
    aggState.allowed = true;
    aggState.context = "";
    const having = stmt.havingClause ? this.binder.bindCondition(stmt.havingClause, scope, "HAVING") : null;
    // Plain DISTINCT is a list holding one empty node; DISTINCT ON lists its expressions.
    const distinctList = stmt.distinctClause ?? null;
    const isDistinct = distinctList !== null;
    const distinctOn = distinctList && distinctList.some((node) => Object.keys(node).length > 0) ? distinctList : null;

    const grouped = groupKeys.length > 0 || aggState.calls.length > 0 || having !== null;
    const aggRel = grouped ? this.analysis.newRel() : 0;
    const postAgg = grouped ? this.postAggregate(scope, groupKeys, aggRel, inputRels) : null;
    const targetExprs = targets.map((t) => (t.expr && postAgg ? postAgg(t.expr) : t.expr));
    const havingExpr = having && postAgg ? postAgg(having) : having;

    // Output columns; ORDER BY expressions not in the select list become hidden columns.
    const outputRel = this.analysis.newRel();
    const resolve = (e: Expr | null): Expr | null => (e && isUnknown(e.type) && !keepUnknown ? this.binder.coerce(e, textType) : e);
    const finalExprs = targetExprs.map(resolve);
    const columns: OutputColumn[] = targets.map((t, i) => {
      const expr = finalExprs[i];
      const type = expr ? expr.type : t.srf!.fn.columns[0]!.type;
      return { name: t.name, type, typmod: expr ? expr.typmod : NO_TYPMOD, tableOid: t.column.tableOid, attnum: t.column.attnum };
    });
    const outputEntry: RangeEntry = { rel: outputRel, alias: "", columns: columns.map((c) => ({ ...c })), table: null, used: new Set() };
    const extra: Expr[] = [];
    const sortKeys = this.sortKeys(stmt.sortClause ?? [], outputEntry, columns, scope, targets, finalExprs, extra, postAgg, isDistinct);
    const distinctKeys = distinctOn ? distinctOn.map((node) => this.orderItemExpr(node, outputEntry, columns, scope, targets, finalExprs, extra, postAgg, false)) : null;

    // Now every column the query reads is known: plan FROM with WHERE pushed down.
    let plan: PlanNode = tree ? this.buildTree(tree, conjuncts(where), lock) : { kind: "result", rels: [] };
    if (!tree && where) plan = { kind: "filter", input: plan, predicate: where, rels: plan.rels };
    if (grouped) {
      const keys = postAgg!.keys;
      plan = { kind: "aggregate", input: plan, groupKeys: keys, aggregates: aggState.calls, rels: [{ rel: aggRel, width: keys.length + aggState.calls.length }] };
      postAgg!.freeze(keys.length);
      if (havingExpr) plan = { kind: "filter", input: plan, predicate: postAgg!.fix(havingExpr), rels: plan.rels };
    }
    const fixAgg = (e: Expr): Expr => (postAgg ? postAgg.fix(e) : e);

    const hasSrf = targets.some((t) => t.srf);
    if (hasSrf) {
      const items = targets.map((t, i) => (t.srf ? { srf: t.srf.fn, args: t.srf.args.map(fixAgg) } : { expr: fixAgg(finalExprs[i]!) }));
      const extraItems = extra.map((e) => ({ expr: fixAgg(e) }));
      plan = { kind: "project-set", input: plan, items: [...items, ...extraItems], rels: [{ rel: outputRel, width: items.length + extra.length }] };
    } else {
      const exprs = [...(finalExprs as Expr[]), ...extra].map(fixAgg);
      plan = { kind: "project", input: plan, exprs, rels: [{ rel: outputRel, width: exprs.length }] };
    }

    if (isDistinct) {
      if (distinctKeys) {
        plan = { kind: "sort", input: plan, keys: [...distinctKeys.map((e) => ({ expr: e, descending: false, nullsFirst: false })), ...sortKeys], rels: plan.rels };
        plan = { kind: "distinct", input: plan, on: distinctKeys, rels: plan.rels };
      } else {
        if (extra.length > 0) {
          const first = (stmt.sortClause ?? []).map((n) => bodyOf<Ast.SortBy>(n)).find((s) => s.node);
          throw this.analysis.error(SqlState.invalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list", locationOf(first?.node));
        }
        plan = { kind: "distinct", input: plan, on: null, rels: plan.rels };
      }
    }
    if (sortKeys.length > 0 && !(distinctKeys && isDistinct)) plan = this.sortOrIndexOrder(plan, sortKeys);
    plan = this.limitNode(stmt, plan, scope);
    if (extra.length > 0) {
      const stripRel = this.analysis.newRel();
      const exprs = columns.map((c, i): Expr => ({ kind: "var", rel: outputRel, col: i, levelsUp: 0, name: c.name, type: c.type, typmod: c.typmod }));
      plan = { kind: "project", input: plan, exprs, rels: [{ rel: stripRel, width: exprs.length }] };
    }
    return { plan, columns };
  }

  /**
   * Rewrites expressions above an aggregate to read its output: group keys and aggregate
   * results become columns of the aggregate's rel. A column of a table whose primary key is
   * grouped is allowed too (functionally dependent, as in PostgreSQL): it joins the keys.
   * Aggregate results are numbered after the final key count, so positions are fixed up by
   * fix() once freeze() has been told that count.
   */
  private postAggregate(scope: Scope, groupKeys: Expr[], aggRel: number, inputRels: Set<number>) {
    const keys = [...groupKeys];
    const keyIndex = new Map(keys.map((k, i) => [exprKey(k), i]));
    const AGG_BASE = 1_000_000;
    let frozenKeys = -1;
    const groupedPrimaryKey = (rel: number): boolean => {
      const entry = this.findEntry(scope, rel);
      const table = entry?.table;
      if (!table || !table.hasPrimaryKey) return false;
      return table.primary.parts.every((part) => part.column >= 0 && keyIndex.has(exprKey({ kind: "var", rel, col: part.column, levelsUp: 0, name: "", type: table.types[part.column]!, typmod: NO_TYPMOD })));
    };
    const rewrite = (expr: Expr): Expr => {
      const rewritten = mapExpr(expr, (node) => {
        let index = keyIndex.get(exprKey(node));
        if (index === undefined && node.kind === "var" && node.levelsUp === 0 && inputRels.has(node.rel) && frozenKeys < 0 && groupedPrimaryKey(node.rel)) {
          index = keys.length;
          keys.push(node);
          keyIndex.set(exprKey(node), index);
        }
        if (index !== undefined && node.kind !== "const") {
          return { kind: "var", rel: aggRel, col: index, levelsUp: 0, name: node.kind === "var" ? node.name : "", type: node.type, typmod: node.typmod };
        }
        if (node.kind === "agg") {
          return { kind: "var", rel: aggRel, col: AGG_BASE + node.index, levelsUp: 0, name: node.display, type: node.type, typmod: node.typmod };
        }
        return undefined;
      });
      someExpr(rewritten, (node) => {
        if (node.kind === "var" && node.levelsUp === 0 && inputRels.has(node.rel)) {
          const entry = this.findEntry(scope, node.rel);
          const qualified = entry && entry.alias ? `${entry.alias}.${node.name}` : node.name;
          throw this.analysis.error(SqlState.groupingError, `column "${qualified}" must appear in the GROUP BY clause or be used in an aggregate function`, node.location);
        }
        if (node.kind === "sublink" && node.refs.some((r) => inputRels.has(r))) {
          throw this.analysis.error(SqlState.featureNotSupported, "subqueries referencing ungrouped columns are not supported");
        }
        return false;
      });
      return rewritten;
    };
    return Object.assign(rewrite, {
      keys,
      freeze(count: number) {
        frozenKeys = count;
      },
      /** Aggregate result positions, once the key count is final. */
      fix(expr: Expr): Expr {
        return mapExpr(expr, (node) =>
          node.kind === "var" && node.rel === aggRel && node.col >= AGG_BASE ? { ...node, col: frozenKeys + node.col - AGG_BASE } : undefined,
        );
      },
    });
  }

  private lockStrength(stmt: Ast.SelectStmt): "update" | "share" | null {
    const clauses = stmt.lockingClause ?? [];
    if (clauses.length === 0) return null;
    let lock: "update" | "share" = "share";
    for (const node of clauses) {
      const clause = bodyOf<Ast.LockingClause>(node);
      if (clause.waitPolicy === "LockWaitSkip") throw this.analysis.error(SqlState.featureNotSupported, "SKIP LOCKED is not supported");
      if (clause.waitPolicy === "LockWaitError") throw this.analysis.error(SqlState.featureNotSupported, "NOWAIT is not supported");
      if (clause.strength === "LCS_FORUPDATE" || clause.strength === "LCS_FORNOKEYUPDATE") lock = "update";
    }
    return lock;
  }

  private findEntry(scope: Scope, rel: number): RangeEntry | undefined {
    return scope.entries.find((e) => e.rel === rel);
  }

  // ---------------------------------------------------------------- select list

  private targetList(items: readonly Node[], scope: Scope): TargetItem[] {
    const out: TargetItem[] = [];
    for (const node of items) {
      const target = bodyOf<Ast.ResTarget>(node);
      const val = target.val!;
      const ref = asNode<Ast.ColumnRef>(val, "ColumnRef");
      const fields = ref?.fields ?? [];
      if (ref && fields.length > 0 && asNode(fields[fields.length - 1]!, "A_Star")) {
        out.push(...this.expandStar(fields.length === 1 ? null : stringOf(fields[fields.length - 2]!), scope, ref.location));
        continue;
      }
      const name = target.name ?? columnName(val);
      const call = asNode<Ast.FuncCall>(val, "FuncCall");
      const callName = call ? namesOf(call.funcname).pop()! : "";
      if (call && isSetFunction(callName) && !call.over) {
        const args = (call.args ?? []).map((a) => this.binder.bind(a, scope));
        const fn = resolveSetFunction(callName, args, this.analysis);
        if (!fn) throw this.analysis.error(SqlState.undefinedFunction, `function ${callName}(${args.map((a) => a.type.sqlName).join(", ")}) does not exist`, call.location);
        if (fn.columns.length !== 1) {
          throw this.analysis.error(SqlState.featureNotSupported, `set-returning function ${callName}() with several columns is only supported in FROM`, call.location);
        }
        out.push({ name, expr: null, srf: { fn, args: fn.args }, column: { tableOid: 0, attnum: 0 } });
        continue;
      }
      const expr = this.binder.bind(val, scope);
      out.push({ name, expr, srf: null, column: this.sourceColumn(expr, scope) });
    }
    return out;
  }

  private sourceColumn(expr: Expr, scope: Scope): { tableOid: number; attnum: number } {
    if (expr.kind !== "var" || expr.levelsUp !== 0) return { tableOid: 0, attnum: 0 };
    const entry = this.findEntry(scope, expr.rel);
    const column = entry?.columns[expr.col];
    return column ? { tableOid: column.tableOid, attnum: column.attnum } : { tableOid: 0, attnum: 0 };
  }

  private expandStar(qualifier: string | null, scope: Scope, location: number | undefined): TargetItem[] {
    const out: TargetItem[] = [];
    if (qualifier === null) {
      const hiddenByMerge = new Map<number, Set<string>>();
      for (const merged of scope.merged.values()) {
        out.push({ name: merged.name, expr: merged.expr, srf: null, column: { tableOid: 0, attnum: 0 } });
        for (const rel of merged.hides) {
          const set = hiddenByMerge.get(rel) ?? new Set();
          set.add(merged.name);
          hiddenByMerge.set(rel, set);
        }
      }
      const visible = scope.entries.filter((e) => !e.hidden);
      if (visible.length === 0) throw this.analysis.error(SqlState.syntaxError, "SELECT * with no tables specified is not valid", location);
      for (const entry of visible) {
        const hidden = hiddenByMerge.get(entry.rel);
        entry.columns.forEach((column, i) => {
          if (hidden?.has(column.name)) return;
          out.push({ name: column.name, expr: this.binder.varOf(entry, i), srf: null, column: { tableOid: column.tableOid, attnum: column.attnum } });
        });
      }
      return out;
    }
    for (let current: Scope | null = scope, levels = 0; current; current = current.parent, levels++) {
      const entry = current.entries.find((e) => e.alias === qualifier);
      if (!entry) continue;
      if (levels > 0) throw this.analysis.error(SqlState.featureNotSupported, "outer references with * are not supported", location);
      entry.columns.forEach((column, i) => {
        out.push({ name: column.name, expr: this.binder.varOf(entry, i), srf: null, column: { tableOid: column.tableOid, attnum: column.attnum } });
      });
      return out;
    }
    throw this.analysis.error(SqlState.undefinedTable, `missing FROM-clause entry for table "${qualifier}"`, location);
  }

  /** A GROUP BY item: an output column number, an input column, an output alias, or an expression. */
  private groupItem(node: Node, targets: readonly TargetItem[], scope: Scope): Expr {
    const constant = asNode<Ast.A_Const>(node, "A_Const");
    if (constant?.ival !== undefined) {
      const index = constant.ival.ival ?? 0;
      const target = targets[index - 1];
      if (!target || !target.expr) throw this.analysis.error(SqlState.invalidColumnReference, `GROUP BY position ${index} is not in select list`, constant.location);
      if (target.expr.kind === "agg") throw this.analysis.error(SqlState.groupingError, "aggregate functions are not allowed in GROUP BY", constant.location);
      return target.expr;
    }
    const ref = asNode<Ast.ColumnRef>(node, "ColumnRef");
    if (ref && (ref.fields ?? []).length === 1) {
      const name = stringOf(ref.fields![0]!);
      try {
        return this.binder.bind(node, scope);
      } catch (error) {
        const target = targets.find((t) => t.name === name);
        if (error instanceof SqlError && error.code === SqlState.undefinedColumn && target?.expr) return target.expr;
        throw error;
      }
    }
    if (tagOf(node) === "GroupingSet") throw this.analysis.error(SqlState.featureNotSupported, "GROUPING SETS, ROLLUP and CUBE are not supported");
    return this.binder.bind(node, scope);
  }

  /** ORDER BY keys as expressions over the projection output (adding hidden columns as needed). */
  private sortKeys(
    items: readonly Node[],
    outputEntry: RangeEntry,
    columns: readonly OutputColumn[],
    scope: Scope,
    targets: readonly TargetItem[],
    finalExprs: readonly (Expr | null)[],
    extra: Expr[],
    postAgg: ((e: Expr) => Expr) | null,
    distinct: boolean,
  ): SortKey[] {
    return items.map((node) => {
      const sort = bodyOf<Ast.SortBy>(node);
      if (sort.sortby_dir === "SORTBY_USING") throw this.analysis.error(SqlState.featureNotSupported, "ORDER BY USING is not supported");
      const descending = sort.sortby_dir === "SORTBY_DESC";
      const nullsFirst = sort.sortby_nulls === "SORTBY_NULLS_FIRST" || (sort.sortby_nulls !== "SORTBY_NULLS_LAST" && descending);
      const expr = this.orderItemExpr(sort.node!, outputEntry, columns, scope, targets, finalExprs, extra, postAgg, distinct);
      return { expr, descending, nullsFirst };
    });
  }

  private orderItemExpr(
    node: Node,
    outputEntry: RangeEntry,
    columns: readonly OutputColumn[],
    scope: Scope,
    targets: readonly TargetItem[],
    finalExprs: readonly (Expr | null)[],
    extra: Expr[],
    postAgg: ((e: Expr) => Expr) | null,
    _distinct: boolean,
  ): Expr {
    const outputVar = (index: number): Expr => {
      const c = columns[index]!;
      return { kind: "var", rel: outputEntry.rel, col: index, levelsUp: 0, name: c.name, type: c.type, typmod: c.typmod };
    };
    const constant = asNode<Ast.A_Const>(node, "A_Const");
    if (constant?.ival !== undefined) {
      const index = constant.ival.ival ?? 0;
      if (index < 1 || index > columns.length) {
        throw this.analysis.error(SqlState.invalidColumnReference, `ORDER BY position ${index} is not in select list`, constant.location);
      }
      return outputVar(index - 1);
    }
    const ref = asNode<Ast.ColumnRef>(node, "ColumnRef");
    if (ref && (ref.fields ?? []).length === 1 && asNode(ref.fields![0]!, "String")) {
      const name = stringOf(ref.fields![0]!);
      const matches = targets.map((t, i) => (t.name === name ? i : -1)).filter((i) => i >= 0);
      if (matches.length > 1) {
        const distinctExprs = new Set(matches.map((i) => (finalExprs[i] ? exprKey(finalExprs[i]!) : String(i))));
        if (distinctExprs.size > 1) throw this.analysis.error(SqlState.ambiguousColumn, `ORDER BY "${name}" is ambiguous`, ref.location);
      }
      if (matches.length > 0) return outputVar(matches[0]!);
    }
    let expr = this.binder.bind(node, scope);
    if (postAgg) expr = postAgg(expr);
    const key = exprKey(expr);
    const index = finalExprs.findIndex((e) => e !== null && exprKey(e) === key);
    if (index >= 0) return outputVar(index);
    const extraIndex = extra.findIndex((e) => exprKey(e) === key);
    const position = columns.length + (extraIndex >= 0 ? extraIndex : extra.length);
    if (extraIndex < 0) extra.push(isUnknown(expr.type) ? this.binder.coerce(expr, textType) : expr);
    const type = isUnknown(expr.type) ? textType : expr.type;
    return { kind: "var", rel: outputEntry.rel, col: position, levelsUp: 0, name: "", type, typmod: expr.typmod };
  }

  /** ORDER BY on a plan; dropped when the scan below already returns rows in that order. */
  private sortOrIndexOrder(plan: PlanNode, keys: readonly SortKey[]): PlanNode {
    const ordered = this.indexOrdered(plan, keys);
    if (ordered) return ordered;
    return { kind: "sort", input: plan, keys, rels: plan.rels };
  }

  /** project → [filter] → scan whose index order matches the keys: return the plan with the scan ordered. */
  private indexOrdered(plan: PlanNode, keys: readonly SortKey[]): PlanNode | null {
    if (plan.kind !== "project") return null;
    let below = plan.input;
    const filters: Expr[] = [];
    while (below.kind === "filter") {
      filters.push(below.predicate);
      below = below.input;
    }
    if (below.kind !== "scan" || below.lock) return null;
    const scan = below;
    const access = scan.access;
    const index = access.kind === "range" ? access.index : access.kind === "seq" && scan.table.hasPrimaryKey ? scan.table.primary : null;
    if (!index) return null;
    const descending = keys[0]?.descending ?? false;
    const prefixLength = access.kind === "range" ? access.prefix.length : 0;
    // Sort keys must follow the index parts after the equality prefix; prefix columns are
    // constant and may appear anywhere.
    let next = prefixLength;
    for (const key of keys) {
      const projected = key.expr.kind === "var" ? plan.exprs[key.expr.col] : undefined;
      if (!projected || projected.kind !== "var" || projected.rel !== scan.rel) return null;
      const prefixPart = index.parts.findIndex((p, i) => i < prefixLength && p.column === projected.col);
      if (prefixPart >= 0) continue;
      const part = index.parts[next];
      if (!part || part.column !== projected.col || part.key.descending) return null;
      if (key.descending !== descending) return null;
      // NULLs: ascending keys sort them last, descending first: as the index stores them.
      if (key.nullsFirst !== descending) return null;
      next++;
    }
    const orderedAccess: AccessPath =
      access.kind === "range"
        ? { ...access, reverse: descending }
        : { kind: "range", index, prefix: [], lower: null, upper: null, cond: [], reverse: descending };
    let rebuilt: PlanNode = { ...scan, access: orderedAccess };
    for (const predicate of filters.reverse()) rebuilt = { kind: "filter", input: rebuilt, predicate, rels: rebuilt.rels };
    return { ...plan, input: rebuilt };
  }

  private limitNode(stmt: Ast.SelectStmt, plan: PlanNode, scope: Scope): PlanNode {
    if (stmt.limitOption === "LIMIT_OPTION_WITH_TIES") throw this.analysis.error(SqlState.featureNotSupported, "FETCH ... WITH TIES is not supported");
    if (!stmt.limitCount && !stmt.limitOffset) return plan;
    const noScope = new Scope(scope.parent);
    noScope.aggregates = { allowed: false, context: "LIMIT", calls: [], inside: false };
    const bindCount = (node: Node | undefined): Expr | null => {
      if (!node) return null;
      const constant = asNode<Ast.A_Const>(node, "A_Const");
      if (constant?.isnull) return null;
      const expr = this.binder.bind(node, noScope);
      return coerceExpr(expr, int8Type, NO_TYPMOD, "assignment", this.analysis, { location: locationOf(node) });
    };
    return { kind: "limit", input: plan, limit: bindCount(stmt.limitCount), offset: bindCount(stmt.limitOffset), rels: plan.rels };
  }

  /** ORDER BY and LIMIT over the output of a set operation or VALUES. */
  private orderAndLimit(stmt: Ast.SelectStmt, plan: PlanNode, entry: RangeEntry, columns: readonly OutputColumn[], scope: Scope): PlanNode {
    if (stmt.sortClause && stmt.sortClause.length > 0) {
      const outputScope = new Scope(scope);
      outputScope.entries.push({ ...entry, alias: "" });
      const keys = stmt.sortClause.map((node) => {
        const sort = bodyOf<Ast.SortBy>(node);
        const descending = sort.sortby_dir === "SORTBY_DESC";
        const nullsFirst = sort.sortby_nulls === "SORTBY_NULLS_FIRST" || (sort.sortby_nulls !== "SORTBY_NULLS_LAST" && descending);
        const constant = asNode<Ast.A_Const>(sort.node!, "A_Const");
        let expr: Expr;
        if (constant?.ival !== undefined) {
          const index = (constant.ival.ival ?? 0) - 1;
          const c = columns[index];
          if (!c) throw this.analysis.error(SqlState.invalidColumnReference, `ORDER BY position ${index + 1} is not in select list`, constant.location);
          expr = { kind: "var", rel: entry.rel, col: index, levelsUp: 0, name: c.name, type: c.type, typmod: c.typmod };
        } else {
          const ref = asNode<Ast.ColumnRef>(sort.node!, "ColumnRef");
          if (!ref && stmt.op && stmt.op !== "SETOP_NONE") {
            throw this.analysis.error(SqlState.featureNotSupported, "invalid UNION/INTERSECT/EXCEPT ORDER BY clause", expressionStart(sort.node), {
              detail: "Only result column names can be used, not expressions or functions.",
              hint: "Add the expression/function to every SELECT, or move the UNION into a FROM clause.",
            });
          }
          expr = this.binder.bind(sort.node!, outputScope);
        }
        return { expr, descending, nullsFirst };
      });
      plan = { kind: "sort", input: plan, keys, rels: plan.rels };
    }
    return this.limitNode(stmt, plan, scope);
  }

  // ---------------------------------------------------------------- FROM

  fromItem(node: Node, scope: Scope): JoinTree {
    switch (tagOf(node)) {
      case "RangeVar":
        return this.rangeVar(bodyOf<Ast.RangeVar>(node), scope);
      case "JoinExpr":
        return this.joinExpr(bodyOf<Ast.JoinExpr>(node), scope);
      case "RangeSubselect":
        return this.rangeSubselect(bodyOf<Ast.RangeSubselect>(node), scope);
      case "RangeFunction":
        return this.rangeFunction(bodyOf<Ast.RangeFunction>(node), scope);
      default:
        throw this.analysis.error(SqlState.featureNotSupported, `${tagOf(node)} in FROM is not supported`);
    }
  }

  private addEntry(scope: Scope, entry: RangeEntry): void {
    if (entry.alias !== "" && scope.entries.some((e) => e.alias === entry.alias && !e.hidden)) {
      // PostgreSQL reports this one without a position.
      throw this.analysis.error(SqlState.duplicateAlias, `table name "${entry.alias}" specified more than once`);
    }
    scope.entries.push(entry);
  }

  private aliasColumns(columns: readonly RangeColumn[], alias: Ast.Alias | undefined, name: string, location: number | undefined): RangeColumn[] {
    const names = namesOf(alias?.colnames);
    if (names.length > columns.length) {
      throw this.analysis.error(SqlState.invalidColumnReference, `table "${name}" has ${columns.length} columns available but ${names.length} columns specified`, location);
    }
    return columns.map((c, i) => ({ ...c, name: names[i] ?? c.name }));
  }

  /** Resolves a table name: CTE, table in the search path, or system view. */
  resolveTable(rangeVar: Ast.RangeVar, scope?: Scope): { kind: "table"; table: TableRuntime } | { kind: "virtual"; view: VirtualTable } | { kind: "cte"; cte: CteDef } {
    const name = rangeVar.relname!;
    const schemaName = rangeVar.schemaname;
    const catalog = this.analysis.catalog;
    if (rangeVar.catalogname && rangeVar.catalogname !== catalog.database.name) {
      throw this.analysis.error(SqlState.featureNotSupported, `cross-database references are not implemented: "${rangeVar.catalogname}.${schemaName}.${name}"`, rangeVar.location);
    }
    if (schemaName) {
      if (schemaName === "pg_catalog" || schemaName === "information_schema") {
        const view = this.analysis.catalogView.systemView(schemaName, name);
        if (view) return { kind: "virtual", view };
      }
      const schema = catalog.schemaByName(schemaName);
      if (!schema) throw this.relationError(rangeVar, `${schemaName}.${name}`);
      const table = catalog.table(schema.oid, name);
      if (!table) throw this.relationError(rangeVar, `${schemaName}.${name}`);
      return { kind: "table", table: this.analysis.catalogView.table(table) };
    }
    for (const schema of this.analysis.catalogView.searchPath) {
      const table = catalog.table(schema, name);
      if (table) return { kind: "table", table: this.analysis.catalogView.table(table) };
    }
    const view = this.analysis.catalogView.systemView(null, name);
    if (view) return { kind: "virtual", view };
    throw this.relationError(rangeVar, name, scope);
  }

  private relationError(rangeVar: Ast.RangeVar, shown: string, scope?: Scope): SqlError {
    for (let current: Scope | null = scope ?? null; current; current = current.parent) {
      if (!rangeVar.schemaname && current.pendingCtes.has(rangeVar.relname!)) {
        return this.analysis.error(SqlState.undefinedTable, `relation "${shown}" does not exist`, rangeVar.location, {
          detail: `There is a WITH item named "${rangeVar.relname}", but it cannot be referenced from this part of the query.`,
          hint: "Use WITH RECURSIVE, or re-order the WITH items to remove forward references.",
        });
      }
    }
    const error = undefinedTable(shown);
    error.position = this.analysis.position(rangeVar.location);
    return error;
  }

  private rangeVar(rangeVar: Ast.RangeVar, scope: Scope): JoinTree {
    const name = rangeVar.relname!;
    const aliasName = rangeVar.alias?.aliasname ?? name;
    const cte = rangeVar.schemaname ? undefined : scope.findCte(name);
    if (cte) {
      const rel = this.analysis.newRel();
      const columns = this.aliasColumns(cte.columns, rangeVar.alias, aliasName, rangeVar.location);
      const entry: RangeEntry = { rel, alias: aliasName, columns, table: null, used: new Set() };
      this.addEntry(scope, entry);
      return {
        kind: "leaf",
        entry,
        lateral: false,
        build: (quals) => this.withFilter({ kind: "cte", name, alias: aliasName, id: cte.id, source: cte.plan ?? ({ kind: "result", rels: [] } as PlanNode), rels: [{ rel, width: columns.length }] }, quals),
      };
    }
    const resolved = this.resolveTable(rangeVar, scope);
    const rel = this.analysis.newRel();
    if (resolved.kind === "virtual") {
      const view = resolved.view;
      const columns = this.aliasColumns(view.columns, rangeVar.alias, aliasName, rangeVar.location);
      const entry: RangeEntry = { rel, alias: aliasName, columns, table: null, used: new Set() };
      this.addEntry(scope, entry);
      return {
        kind: "leaf",
        entry,
        lateral: false,
        build: (quals) => this.withFilter({ kind: "virtual", name: view.name, alias: aliasName, rows: (ctx) => view.rows(ctx), rels: [{ rel, width: columns.length }] }, quals),
      };
    }
    if (resolved.kind === "cte") throw new SqlError(SqlState.internalError, "unexpected CTE");
    const table = resolved.table;
    const baseColumns: RangeColumn[] = table.columns.map((c, i) => ({
      name: c.name,
      type: table.types[i]!,
      typmod: c.typmod,
      tableOid: table.def.oid,
      attnum: c.attnum,
    }));
    const columns = this.aliasColumns(baseColumns, rangeVar.alias, aliasName, rangeVar.location);
    const entry: RangeEntry = { rel, alias: aliasName, columns, table, used: new Set() };
    this.addEntry(scope, entry);
    return { kind: "leaf", entry, lateral: false, build: (quals, lock) => this.scanNode(entry, table, aliasName, quals, lock) };
  }

  /** A table scan with its access path chosen from the conditions on it. */
  scanNode(entry: RangeEntry, table: TableRuntime, alias: string, quals: readonly Expr[], lock: "update" | "share" | null): PlanNode {
    const access = chooseAccessPath(table, entry.rel, quals, (index) => this.indexExprKeys(table, entry.rel, index), this.settings.indexScans);
    const used = lock ? table.columns.map((_, i) => i) : [...entry.used].sort((a, b) => a - b);
    // Columns the access path's conditions read must be decoded too.
    for (const qual of quals) {
      someExpr(qual, (node) => {
        if (node.kind === "var" && node.levelsUp === 0 && node.rel === entry.rel && !used.includes(node.col)) used.push(node.col);
        return false;
      });
    }
    used.sort((a, b) => a - b);
    const map = new Array<number>(table.columns.length).fill(-1);
    used.forEach((column, position) => (map[column] = position));
    return {
      kind: "scan",
      table,
      alias,
      rel: entry.rel,
      columns: used,
      access,
      filter: andOf(quals),
      lock,
      rels: [{ rel: entry.rel, width: used.length, map }],
    };
  }

  /** Expression keys of an index's expression parts as bound over this rel. */
  private indexExprKeys(table: TableRuntime, rel: number, index: TableRuntime["primary"]): (string | null)[] {
    return index.def.keys.map((key) => {
      if (!key.expr) return null;
      const scope = new Scope(null);
      const entry: RangeEntry = {
        rel,
        alias: table.def.name,
        columns: table.columns.map((c, i) => ({ name: c.name, type: table.types[i]!, typmod: c.typmod, tableOid: table.def.oid, attnum: c.attnum })),
        table,
        used: new Set(),
      };
      scope.entries.push(entry);
      try {
        return exprKey(this.binder.bind(key.expr.ast, scope));
      } catch {
        return null;
      }
    });
  }

  private withFilter(plan: PlanNode, quals: readonly Expr[]): PlanNode {
    const predicate = andOf(quals);
    return predicate ? { kind: "filter", input: plan, predicate, rels: plan.rels } : plan;
  }

  private rangeSubselect(body: Ast.RangeSubselect, scope: Scope): JoinTree {
    // PostgreSQL 16+ allows an unnamed subquery in FROM.
    const alias = body.alias?.aliasname;
    const child = new Scope(body.lateral ? scope : scope.parent);
    for (const [name, cte] of scope.ctes) child.ctes.set(name, cte);
    const planned = this.plan(body.subquery!, child);
    const rel = this.analysis.newRel();
    const name = alias ?? "unnamed_subquery";
    const columns = this.aliasColumns(
      planned.columns.map((c) => ({ name: c.name, type: c.type, typmod: c.typmod, tableOid: c.tableOid, attnum: c.attnum })),
      body.alias,
      name,
      undefined,
    );
    const entry: RangeEntry = { rel, alias: alias ?? "", columns, table: null, used: new Set() };
    this.addEntry(scope, entry);
    const lateral = body.lateral === true && child.correlated;
    return {
      kind: "leaf",
      entry,
      lateral,
      build: (quals) => this.withFilter({ kind: "subquery", input: planned.plan, alias: name, rels: [{ rel, width: columns.length }] }, quals),
    };
  }

  /**
   * A FROM function's argument, bound in a scope below this level, as this level evaluates
   * it: references to enclosing queries are fine (a correlated subquery re-runs it per outer
   * row); references to this level's other FROM items would need LATERAL.
   */
  private outerOnly(expr: Expr, child: Scope): Expr {
    if (!child.correlated) return expr;
    if (child.parentRefs.size > 0 || someExpr(expr, (e) => e.kind === "sublink")) {
      throw this.analysis.error(SqlState.featureNotSupported, "functions in FROM that reference other FROM items (LATERAL) are not supported");
    }
    return mapExpr(expr, (e) => (e.kind === "var" ? { ...e, levelsUp: e.levelsUp - 1 } : undefined));
  }

  private rangeFunction(body: Ast.RangeFunction, scope: Scope): JoinTree {
    if (body.is_rowsfrom || (body.functions ?? []).length !== 1) throw this.analysis.error(SqlState.featureNotSupported, "ROWS FROM is not supported");
    const pair = asNode<Ast.List>(body.functions![0]!, "List")?.items ?? [];
    const callNode = pair[0]!;
    const call = asNode<Ast.FuncCall>(callNode, "FuncCall");
    const child = new Scope(scope);
    let plan: (rel: number, width: number, alias: string) => PlanNode;
    let columns: RangeColumn[];
    const name = call ? namesOf(call.funcname).pop()! : "?column?";
    if (call && isSetFunction(name)) {
      const args = (call.args ?? []).map((a) => this.outerOnly(this.binder.bind(a, child), child));
      let fn;
      try {
        fn = resolveSetFunction(name, args, this.analysis, (call.args ?? []).map((a) => locationOf(a)));
      } catch (error) {
        if (error instanceof SqlError && error.position === undefined) error.position = this.analysis.position(call.location);
        throw error;
      }
      if (!fn) throw this.analysis.error(SqlState.undefinedFunction, `function ${name}(${args.map((a) => a.type.sqlName).join(", ")}) does not exist`, call.location, {
        hint: "No function matches the given name and argument types. You might need to add explicit type casts.",
      });
      const fnColumns = fn.columns.map((c) => ({ name: c.name, type: c.type, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 }));
      columns = body.ordinality ? [...fnColumns, { name: "ordinality", type: int8Type, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 }] : fnColumns;
      plan = (rel, width, alias) => ({ kind: "function", fn, name, alias, ordinality: body.ordinality === true, rels: [{ rel, width }] });
    } else {
      // A scalar function in FROM returns one row.
      const expr = this.outerOnly(this.binder.bind(callNode, child), child);
      columns = [{ name, type: isUnknown(expr.type) ? textType : expr.type, typmod: expr.typmod, tableOid: 0, attnum: 0 }];
      if (body.ordinality) columns.push({ name: "ordinality", type: int8Type, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 });
      const exprs = body.ordinality ? [expr, { kind: "const", type: int8Type, typmod: NO_TYPMOD, value: 1n } as Expr] : [expr];
      plan = (rel, width) => ({ kind: "project", input: { kind: "result", rels: [] }, exprs, rels: [{ rel, width }] });
    }
    const alias = body.alias?.aliasname ?? name;
    const renamed = namesOf(body.alias?.colnames);
    if (renamed.length === 0 && columns.length === 1 + (body.ordinality ? 1 : 0) && body.alias?.aliasname) {
      // A single-column function aliased as a table names its column after the alias.
      columns = columns.map((c, i) => (i === 0 ? { ...c, name: alias } : c));
    }
    columns = this.aliasColumns(columns, body.alias, alias, undefined);
    const rel = this.analysis.newRel();
    const entry: RangeEntry = { rel, alias, columns, table: null, used: new Set() };
    this.addEntry(scope, entry);
    return { kind: "leaf", entry, lateral: false, build: (quals) => this.withFilter(plan(rel, columns.length, alias), quals) };
  }

  private joinExpr(body: Ast.JoinExpr, scope: Scope): JoinTree {
    const left = this.fromItem(body.larg!, scope);
    const right = this.fromItem(body.rarg!, scope);
    const typeMap: Record<string, JoinType> = { JOIN_INNER: "inner", JOIN_LEFT: "left", JOIN_RIGHT: "right", JOIN_FULL: "full" };
    const type = typeMap[body.jointype ?? "JOIN_INNER"];
    if (!type) throw this.analysis.error(SqlState.featureNotSupported, `join type ${body.jointype} is not supported`);
    if (body.alias) throw this.analysis.error(SqlState.featureNotSupported, "aliases on JOIN expressions are not supported");
    const quals: Expr[] = [];
    const leftRels = relsOfTree(left);
    const rightRels = relsOfTree(right);
    let usingNames = namesOf(body.usingClause);
    if (body.isNatural) {
      const leftNames = scope.entries.filter((e) => leftRels.has(e.rel)).flatMap((e) => e.columns.map((c) => c.name));
      const rightNames = scope.entries.filter((e) => rightRels.has(e.rel)).flatMap((e) => e.columns.map((c) => c.name));
      usingNames = leftNames.filter((n, i) => rightNames.includes(n) && leftNames.indexOf(n) === i);
    }
    for (const name of usingNames) {
      const find = (rels: Set<number>, side: string): { entry: RangeEntry; index: number } => {
        const matches = scope.entries.filter((e) => rels.has(e.rel)).flatMap((entry) => entry.columns.map((c, index) => ({ entry, index, c })).filter((m) => m.c.name === name));
        const merged = scope.merged.get(name);
        if (matches.length === 0 && !merged) {
          throw this.analysis.error(SqlState.undefinedColumn, `column "${name}" specified in USING clause does not exist in ${side} table`);
        }
        if (matches.length > 1) throw this.analysis.error(SqlState.ambiguousColumn, `common column name "${name}" appears more than once in ${side} table`);
        return matches[0] ?? { entry: scope.entries.find((e) => rels.has(e.rel))!, index: -1 };
      };
      const l = find(leftRels, "left");
      const r = find(rightRels, "right");
      const leftVar = l.index >= 0 ? this.binder.varOf(l.entry, l.index) : scope.merged.get(name)!.expr;
      const rightVar = this.binder.varOf(r.entry, r.index);
      quals.push(this.binder.operator("=", leftVar, rightVar));
      const mergedExpr: Expr =
        type === "full"
          ? { kind: "coalesce", args: [leftVar, this.binder.coerce(rightVar, leftVar.type)], type: leftVar.type, typmod: NO_TYPMOD }
          : type === "right"
            ? rightVar
            : leftVar;
      scope.merged.set(name, { name, expr: mergedExpr, hides: [l.entry.rel, r.entry.rel] });
    }
    if (body.quals) {
      const saved = scope.aggregates;
      scope.aggregates = { allowed: false, context: "JOIN conditions", calls: [], inside: false };
      quals.push(...conjuncts(this.binder.bindCondition(body.quals, scope, "JOIN/ON")));
      scope.aggregates = saved;
    }
    return { kind: "join", type, left, right, quals };
  }

  // ---------------------------------------------------------------- building the join tree

  /** Joins two planned inputs on conditions (hash join for equalities, else nested loop). */
  joinPlans(left: PlanNode, right: PlanNode, quals: readonly Expr[]): PlanNode {
    const leftRels = new Set(left.rels.map((s) => s.rel));
    const rightRels = new Set(right.rels.map((s) => s.rel));
    const tree: JoinTree = { kind: "leaf", entry: { rel: -1, alias: "", columns: [], table: null, used: new Set() }, lateral: false, build: () => right };
    const joined = this.join(left, tree, [], "inner", quals, leftRels, rightRels, null);
    return joined;
  }

  buildTree(tree: JoinTree, quals: readonly Expr[], lock: "update" | "share" | null): PlanNode {
    if (tree.kind === "leaf") return tree.build(quals, lock);
    const leftRels = relsOfTree(tree.left);
    const rightRels = relsOfTree(tree.right);
    const all = [...quals, ...tree.quals];
    const toLeft: Expr[] = [];
    const toRight: Expr[] = [];
    const here: Expr[] = [];
    const whereCount = quals.length;
    all.forEach((qual, i) => {
      const fromWhere = i < whereCount;
      const rels = relsOf(qual);
      const volatile = someExpr(qual, (e) => (e.kind === "call" && e.volatility === "volatile") || (e.kind === "sublink" && e.correlated));
      const onlyLeft = rels.size > 0 && isSubset(rels, leftRels);
      const onlyRight = rels.size > 0 && isSubset(rels, rightRels);
      const constant = rels.size === 0 && !volatile;
      switch (tree.type) {
        case "inner":
          if ((onlyLeft || constant) && !volatile) toLeft.push(qual);
          else if (onlyRight && !volatile) toRight.push(qual);
          else here.push(qual);
          break;
        case "left":
          if (fromWhere) {
            if (onlyLeft && !volatile) toLeft.push(qual);
            else here.push(qual);
          } else if (onlyRight && !volatile) toRight.push(qual);
          else here.push(qual);
          break;
        case "right":
          if (fromWhere) {
            if (onlyRight && !volatile) toRight.push(qual);
            else here.push(qual);
          } else if (onlyLeft && !volatile) toLeft.push(qual);
          else here.push(qual);
          break;
        default:
          here.push(qual);
      }
    });
    // For outer joins, WHERE conditions that stay here filter after the join; ON conditions decide matches.
    const joinQuals = tree.type === "inner" ? here : here.filter((q) => !quals.includes(q));
    const postFilter = tree.type === "inner" ? [] : here.filter((q) => quals.includes(q));
    const left = this.buildTree(tree.left, toLeft, lock);
    const rightTree = tree.right;
    let joined: PlanNode;
    if (rightTree.kind === "leaf" && rightTree.lateral) {
      const right = rightTree.build(toRight, lock);
      joined = this.nestedLoop(left, right, tree.type, joinQuals, false, true);
    } else {
      joined = this.join(left, rightTree, toRight, tree.type, joinQuals, leftRels, rightRels, lock);
    }
    return this.withFilter(joined, postFilter);
  }

  join(
    left: PlanNode,
    rightTree: JoinTree,
    rightQuals: readonly Expr[],
    type: JoinType,
    quals: readonly Expr[],
    leftRels: Set<number>,
    rightRels: Set<number>,
    lock: "update" | "share" | null,
  ): PlanNode {
    const leftKeys: Expr[] = [];
    const rightKeys: Expr[] = [];
    const keyTypes: SqlType[] = [];
    const rest: Expr[] = [];
    for (const qual of quals) {
      if (qual.kind === "call" && qual.name === "=" && qual.display === "operator" && qual.args.length === 2) {
        const [a, b] = qual.args as [Expr, Expr];
        const aRels = relsOf(a);
        const bRels = relsOf(b);
        const sameType = a.type.oid === b.type.oid;
        if (sameType && aRels.size > 0 && bRels.size > 0) {
          if (isSubset(aRels, leftRels) && isSubset(bRels, rightRels)) {
            leftKeys.push(a);
            rightKeys.push(b);
            keyTypes.push(a.type);
            continue;
          }
          if (isSubset(aRels, rightRels) && isSubset(bRels, leftRels)) {
            leftKeys.push(b);
            rightKeys.push(a);
            keyTypes.push(a.type);
            continue;
          }
        }
      }
      rest.push(qual);
    }
    // An index on the right side's join keys: look rows up per left row.
    if (rightTree.kind === "leaf" && rightTree.entry.table && leftKeys.length > 0 && (type === "inner" || type === "left")) {
      const entry = rightTree.entry;
      const table = entry.table!;
      const probeQuals = rightKeys.map((rk, i) => this.binder.operator("=", rk, leftKeys[i]!));
      const candidate = this.scanNode(entry, table, entry.alias, [...rightQuals, ...probeQuals], lock);
      // Only lookups that find at most one row per left row (a unique key); otherwise a hash
      // join reads the right side once.
      if (candidate.kind === "scan" && candidate.access.kind === "get" && candidate.access.cond.some((c) => probeQuals.includes(c))) {
        // The scan's filter sees only its own row; the join conditions are checked on the joined row.
        const inner: PlanNode = { ...candidate, filter: andOf(rightQuals) };
        return this.nestedLoop(left, inner, type, [...probeQuals, ...rest], true);
      }
    }
    const right = this.buildTree(rightTree, rightQuals, lock);
    if (leftKeys.length > 0 && this.settings.hashJoins) {
      return { kind: "hash-join", left, right, joinType: type, leftKeys, rightKeys, keyTypes, predicate: andOf(rest), rels: slotsOf(left, right) };
    }
    return this.nestedLoop(left, right, type, quals, false);
  }

  private nestedLoop(left: PlanNode, right: PlanNode, type: JoinType, quals: readonly Expr[], parameterized: boolean, lateral = false): PlanNode {
    return { kind: "nested-loop", left, right, joinType: type, predicate: andOf(quals), parameterized, lateral, rels: slotsOf(left, right) };
  }
}

export { boolConst, unknownType };
