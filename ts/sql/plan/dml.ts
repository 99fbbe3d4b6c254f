// Planning INSERT, UPDATE and DELETE: the rows to write (VALUES, a query, or a scan of the
// target with its WHERE and FROM), column defaults, constraints, ON CONFLICT and RETURNING.

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf, expressionStart, namesOf, stringOf, tagOf } from "../ast.ts";
import { SqlError, SqlState } from "../errors.ts";
import { elementTypeOf, int4Type, NO_TYPMOD, type PgArray, type ScalarDatum } from "../types/index.ts";
import { assignArrayElement } from "../functions/array-ops.ts";
import type { Analysis } from "../analyze/analysis.ts";
import { coerceExpr } from "../analyze/coerce.ts";
import type { ExprBinder } from "../analyze/bind-expr.ts";
import type { Expr } from "../analyze/expr.ts";
import { isUnknown } from "../analyze/pseudo-types.ts";
import { Scope, type RangeColumn, type RangeEntry } from "../analyze/scope.ts";
import type { TableRuntime, IndexRuntime } from "../table-runtime.ts";
import type { ColumnDef } from "../catalog/defs.ts";
import { andOf, conjuncts, type SelectPlanner } from "./select.ts";
import { columnName } from "./column-names.ts";
import type { OutputColumn, PlanNode } from "./nodes.ts";

/** RETURNING: expressions over the written row (or the joined row for UPDATE ... FROM). */
export interface Returning {
  readonly exprs: readonly Expr[];
  readonly columns: readonly OutputColumn[];
}

export interface ConstraintChecks {
  /** CHECK constraints over the table row (rel = the table's rel). */
  readonly checks: readonly { readonly name: string; readonly expr: Expr }[];
}

export interface InsertPlan {
  readonly kind: "insert";
  readonly table: TableRuntime;
  readonly rel: number;
  /** Rows of the provided columns, in `targetColumns` order. */
  readonly source: PlanNode;
  readonly targetColumns: readonly number[];
  /** Per table column: the default used when the column is not provided (null: NULL). */
  readonly defaults: readonly (Expr | null)[];
  readonly checks: ConstraintChecks["checks"];
  readonly onConflict: OnConflictPlan | null;
  readonly returning: Returning | null;
  /** Identity columns GENERATED ALWAYS given a value (error unless OVERRIDING SYSTEM VALUE). */
  readonly overridingSystemValue: boolean;
  readonly overridingUserValue: boolean;
}

export interface OnConflictPlan {
  readonly action: "nothing" | "update";
  /** The unique index the conflict is checked on; null = any. */
  readonly index: IndexRuntime | null;
  /** SET assignments over existing row ++ excluded row. */
  readonly assignments: readonly { readonly column: number; readonly expr: Expr }[];
  readonly where: Expr | null;
  readonly excludedRel: number;
}

export interface UpdatePlan {
  readonly kind: "update";
  readonly table: TableRuntime;
  readonly rel: number;
  /** Rows containing the target row (all columns and its key) and FROM items. */
  readonly source: PlanNode;
  readonly assignments: readonly { readonly column: number; readonly expr: Expr }[];
  readonly checks: ConstraintChecks["checks"];
  readonly returning: Returning | null;
  /** The target's own conditions, rechecked on a newer row version (READ COMMITTED). */
  readonly recheck: Expr | null;
}

export interface DeletePlan {
  readonly kind: "delete";
  readonly table: TableRuntime;
  readonly rel: number;
  readonly source: PlanNode;
  readonly returning: Returning | null;
  readonly recheck: Expr | null;
}

export type DmlPlan = InsertPlan | UpdatePlan | DeletePlan;

export class DmlPlanner {
  constructor(
    readonly analysis: Analysis,
    readonly binder: ExprBinder,
    readonly select: SelectPlanner,
  ) {}

  private targetTable(rangeVar: Ast.RangeVar): TableRuntime {
    const resolved = this.select.resolveTable(rangeVar);
    if (resolved.kind !== "table") {
      throw this.analysis.error(SqlState.wrongObjectType, `cannot change relation "${rangeVar.relname}"`, rangeVar.location);
    }
    return resolved.table;
  }

  private tableEntry(table: TableRuntime, alias: string, scope: Scope): RangeEntry {
    const rel = this.analysis.newRel();
    const columns: RangeColumn[] = table.columns.map((c, i) => ({ name: c.name, type: table.types[i]!, typmod: c.typmod, tableOid: table.def.oid, attnum: c.attnum }));
    const entry: RangeEntry = { rel, alias, columns, table, used: new Set(columns.map((_, i) => i)) };
    scope.entries.push(entry);
    return entry;
  }

  /** Binds a stored expression (default, CHECK) against the table's columns. */
  bindStored(ast: Node, table: TableRuntime, rel: number | null): Expr {
    const scope = new Scope(null);
    if (rel !== null) {
      scope.entries.push({
        rel,
        alias: table.def.name,
        columns: table.columns.map((c, i) => ({ name: c.name, type: table.types[i]!, typmod: c.typmod, tableOid: table.def.oid, attnum: c.attnum })),
        table,
        used: new Set(),
      });
    }
    return this.binder.bind(ast, scope);
  }

  columnDefault(table: TableRuntime, index: number): Expr | null {
    const column = table.columns[index]!;
    if (!column.default) return null;
    const expr = this.bindStored(column.default.ast, table, null);
    return coerceExpr(expr, table.types[index]!, column.typmod, "assignment", this.analysis, { column: column.name });
  }

  private checks(table: TableRuntime, rel: number): { name: string; expr: Expr }[] {
    return table.def.checks.map((check) => ({
      name: check.name,
      expr: this.binder.coerceBool(this.bindStored(check.expr.ast, table, rel), "CHECK", undefined),
    }));
  }

  private returning(nodes: readonly Node[] | undefined, scope: Scope): Returning | null {
    if (!nodes || nodes.length === 0) return null;
    const exprs: Expr[] = [];
    const columns: OutputColumn[] = [];
    for (const node of nodes) {
      const target = bodyOf<Ast.ResTarget>(node);
      const ref = asNode<Ast.ColumnRef>(target.val, "ColumnRef");
      const fields = ref?.fields ?? [];
      if (ref && fields.length > 0 && asNode(fields[fields.length - 1]!, "A_Star")) {
        const qualifier = fields.length > 1 ? stringOf(fields[fields.length - 2]!) : null;
        for (const entry of scope.entries) {
          if (qualifier !== null ? entry.alias !== qualifier : entry.hidden) continue;
          entry.columns.forEach((column, i) => {
            exprs.push(this.binder.varOf(entry, i));
            columns.push({ name: column.name, type: column.type, typmod: column.typmod, tableOid: column.tableOid, attnum: column.attnum });
          });
        }
        continue;
      }
      let expr = this.binder.bind(target.val!, scope);
      if (isUnknown(expr.type)) expr = this.binder.coerce(expr, textType);
      exprs.push(expr);
      let source = { tableOid: 0, attnum: 0 };
      if (expr.kind === "var") {
        const entry = scope.entries.find((e) => e.rel === expr.rel);
        const column = entry?.columns[expr.col];
        if (column) source = { tableOid: column.tableOid, attnum: column.attnum };
      }
      columns.push({ name: target.name ?? columnName(target.val!), type: expr.type, typmod: expr.typmod, ...source });
    }
    return { exprs, columns };
  }

  private columnIndex(table: TableRuntime, name: string, location: number | undefined): number {
    const index = table.columns.findIndex((c) => c.name === name);
    if (index < 0) throw this.analysis.error(SqlState.undefinedColumn, `column "${name}" of relation "${table.def.name}" does not exist`, location);
    return index;
  }

  // ---------------------------------------------------------------- INSERT

  planInsert(stmt: Ast.InsertStmt, outer: Scope): InsertPlan {
    if (stmt.withClause) this.select.addCtes(stmt.withClause, outer);
    const table = this.targetTable(stmt.relation!);
    const alias = stmt.relation!.alias?.aliasname ?? table.def.name;
    const targetColumns: number[] = [];
    for (const node of stmt.cols ?? []) {
      const target = bodyOf<Ast.ResTarget>(node);
      if (target.indirection) throw this.analysis.error(SqlState.featureNotSupported, "assigning to array elements or fields is not supported", target.location);
      const index = this.columnIndex(table, target.name!, target.location);
      if (targetColumns.includes(index)) throw this.analysis.error(SqlState.duplicateColumn, `column "${target.name}" specified more than once`, target.location);
      targetColumns.push(index);
    }
    const explicitColumns = targetColumns.length > 0;
    if (!explicitColumns) table.columns.forEach((_, i) => targetColumns.push(i));
    const defaults = table.columns.map((_, i) => this.columnDefault(table, i));
    const scope = new Scope(outer);
    let source: PlanNode;
    const select = stmt.selectStmt ? asNode<Ast.SelectStmt>(stmt.selectStmt, "SelectStmt") : undefined;
    if (!select) {
      // DEFAULT VALUES
      targetColumns.length = 0;
      source = { kind: "result", rels: [] };
    } else if (select.valuesLists && !select.sortClause && !select.limitCount && !select.withClause) {
      const rows = select.valuesLists.map((list) => asNode<Ast.List>(list, "List")?.items ?? []);
      const width = rows[0]?.length ?? 0;
      const uneven = rows.find((r) => r.length !== width);
      if (uneven) throw this.analysis.error(SqlState.syntaxError, "VALUES lists must all be the same length", locationOfNode(uneven[0]));
      if (width > targetColumns.length) throw this.analysis.error(SqlState.syntaxError, "INSERT has more expressions than target columns", locationOfNode(rows[0]![targetColumns.length]));
      if (width < targetColumns.length && explicitColumns) {
        throw this.analysis.error(SqlState.syntaxError, "INSERT has more target columns than expressions", locationOfNode(stmt.cols![width]));
      }
      if (!explicitColumns) targetColumns.length = width;
      const exprs = rows.map((row) =>
        row.map((item, i) => {
          const column = targetColumns[i]!;
          if (tagOf(item) !== "SetToDefault") this.checkIdentityInsert(table, column, stmt);
          if (tagOf(item) === "SetToDefault") return defaults[column] ?? { kind: "const", type: table.types[column]!, typmod: NO_TYPMOD, value: null } as Expr;
          const expr = this.binder.bind(item, scope);
          const def = table.columns[column]!;
          return coerceExpr(expr, table.types[column]!, def.typmod, "assignment", this.analysis, { column: def.name, location: locationOfNode(item) });
        }),
      );
      source = { kind: "values", rows: exprs, rels: [{ rel: this.analysis.newRel(), width }], alias: "*VALUES*" };
    } else {
      const planned = this.select.planSelect(select, new Scope(outer));
      if (planned.columns.length > targetColumns.length) {
        const extra = select.targetList?.[targetColumns.length];
        throw this.analysis.error(SqlState.syntaxError, "INSERT has more expressions than target columns", extra ? locationOfNode(bodyOf<Ast.ResTarget>(extra).val) : undefined);
      }
      if (planned.columns.length < targetColumns.length && explicitColumns) {
        throw this.analysis.error(SqlState.syntaxError, "INSERT has more target columns than expressions", locationOfNode(stmt.cols![planned.columns.length]));
      }
      if (!explicitColumns) targetColumns.length = planned.columns.length;
      for (const column of targetColumns) this.checkIdentityInsert(table, column, stmt);
      const slot = planned.plan.rels[planned.plan.rels.length - 1]!;
      const exprs = planned.columns.map((c, i) => {
        const column = targetColumns[i]!;
        const def = table.columns[column]!;
        const v: Expr = { kind: "var", rel: slot.rel, col: i, levelsUp: 0, name: c.name, type: c.type, typmod: c.typmod };
        const target = select.targetList?.[i];
        const location = target ? expressionStart(bodyOf<Ast.ResTarget>(target).val) : undefined;
        return coerceExpr(v, table.types[column]!, def.typmod, "assignment", this.analysis, { column: def.name, ...(location === undefined ? {} : { location }) });
      });
      source = { kind: "project", input: planned.plan, exprs, rels: [{ rel: this.analysis.newRel(), width: exprs.length }] };
    }
    const targetScope = new Scope(outer);
    const entry = this.tableEntry(table, alias, targetScope);
    const onConflict = stmt.onConflictClause ? this.onConflict(stmt.onConflictClause, table, entry, targetScope) : null;
    return {
      kind: "insert",
      table,
      rel: entry.rel,
      source,
      targetColumns,
      defaults,
      checks: this.checks(table, entry.rel),
      onConflict,
      returning: this.returning(stmt.returningClause?.exprs, targetScope),
      overridingSystemValue: stmt.override === "OVERRIDING_SYSTEM_VALUE",
      overridingUserValue: stmt.override === "OVERRIDING_USER_VALUE",
    };
  }

  /** A value for a GENERATED ALWAYS identity column needs OVERRIDING SYSTEM VALUE. */
  private checkIdentityInsert(table: TableRuntime, column: number, stmt: Ast.InsertStmt): void {
    const def = table.columns[column]!;
    if (def.identity !== "always" || stmt.override === "OVERRIDING_SYSTEM_VALUE" || stmt.override === "OVERRIDING_USER_VALUE") return;
    throw this.analysis.error(SqlState.generatedAlways, `cannot insert a non-DEFAULT value into column "${def.name}"`, undefined, {
      detail: `Column "${def.name}" is an identity column defined as GENERATED ALWAYS.`,
      hint: "Use OVERRIDING SYSTEM VALUE to override.",
    });
  }

  private onConflict(clause: Ast.OnConflictClause, table: TableRuntime, entry: RangeEntry, scope: Scope): OnConflictPlan {
    const action = clause.action === "ONCONFLICT_UPDATE" ? "update" : "nothing";
    let index: IndexRuntime | null = null;
    const infer = clause.infer;
    const indexes = table.hasPrimaryKey ? [table.primary, ...table.complete] : [...table.complete];
    if (infer?.conname) {
      index = indexes.find((i) => i.def.constraint === infer.conname || i.def.name === infer.conname) ?? null;
      if (!index) throw this.analysis.error(SqlState.undefinedObject, `constraint "${infer.conname}" for table "${table.def.name}" does not exist`);
    } else if (infer?.indexElems) {
      const names = infer.indexElems.map((node) => {
        const elem = bodyOf<Ast.IndexElem>(node);
        if (!elem.name) throw this.analysis.error(SqlState.featureNotSupported, "ON CONFLICT on expressions is not supported");
        const index = table.columns.findIndex((c) => c.name === elem.name);
        if (index < 0) throw this.analysis.error(SqlState.undefinedColumn, `column "${elem.name}" does not exist`, infer.location);
        return index;
      });
      index =
        indexes.find(
          (i) => (i.def.unique || i.def.primary) && i.parts.length === names.length && i.parts.every((p) => p.column >= 0 && names.includes(p.column)),
        ) ?? null;
      if (!index) {
        throw this.analysis.error(SqlState.invalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification");
      }
    } else if (action === "update") {
      throw this.analysis.error(SqlState.syntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name", clause.location, {
        hint: "For example, ON CONFLICT (column_name).",
      });
    }
    const excludedRel = this.analysis.newRel();
    scope.entries.push({
      rel: excludedRel,
      alias: "excluded",
      columns: entry.columns,
      table,
      used: new Set(),
    });
    const assignments = action === "update" ? this.assignments(clause.targetList ?? [], table, scope) : [];
    const where = action === "update" && clause.whereClause ? this.binder.bindCondition(clause.whereClause, scope, "WHERE") : null;
    scope.entries.pop();
    return { action, index, assignments, where, excludedRel };
  }

  private assignments(targets: readonly Node[], table: TableRuntime, scope: Scope): { column: number; expr: Expr }[] {
    const out: { column: number; expr: Expr }[] = [];
    for (const node of targets) {
      const target = bodyOf<Ast.ResTarget>(node);
      let val = target.val!;
      const multi = asNode<Ast.MultiAssignRef>(val, "MultiAssignRef");
      if (multi) {
        // SET (a, b) = (x, y): each column takes its element of the row.
        const row = asNode<Ast.RowExpr>(multi.source, "RowExpr");
        if (!row) throw this.analysis.error(SqlState.featureNotSupported, "multiple-column UPDATE from a subquery is not supported", target.location);
        const items = row.args ?? [];
        if (items.length !== multi.ncolumns) {
          throw this.analysis.error(SqlState.syntaxError, `number of columns does not match number of values`, target.location);
        }
        val = items[(multi.colno ?? 1) - 1]!;
      }
      const column = this.columnIndex(table, target.name!, target.location);
      if (out.some((a) => a.column === column)) {
        throw this.analysis.error(SqlState.syntaxError, `multiple assignments to same column "${target.name}"`, target.location);
      }
      const def = table.columns[column]!;
      if (def.identity === "always" && tagOf(val) !== "SetToDefault") {
        // PostgreSQL reports this one without a position.
        throw this.analysis.error(SqlState.generatedAlways, `column "${def.name}" can only be updated to DEFAULT`, undefined, {
          detail: `Column "${def.name}" is an identity column defined as GENERATED ALWAYS.`,
        });
      }
      let expr: Expr;
      if (target.indirection) {
        expr = this.elementAssignment(table, column, target, val, scope);
      } else if (tagOf(val) === "SetToDefault") {
        expr = this.columnDefault(table, column) ?? ({ kind: "const", type: table.types[column]!, typmod: NO_TYPMOD, value: null } as Expr);
      } else {
        expr = coerceExpr(this.binder.bind(val, scope), table.types[column]!, def.typmod, "assignment", this.analysis, {
          column: def.name,
          location: locationOfNode(val),
        });
      }
      out.push({ column, expr });
    }
    return out;
  }

  /** `SET a[i] = v`: the column's new array with element i replaced (one subscript, no slices). */
  private elementAssignment(table: TableRuntime, column: number, target: Ast.ResTarget, val: Node, scope: Scope): Expr {
    const subscript = target.indirection!.length === 1 ? asNode<Ast.A_Indices>(target.indirection![0], "A_Indices") : undefined;
    if (!subscript || subscript.is_slice || !subscript.uidx) {
      throw this.analysis.error(SqlState.featureNotSupported, "assigning to array slices, nested subscripts or fields is not supported", target.location);
    }
    const arrayType = table.types[column]!;
    const elementType = elementTypeOf(arrayType);
    if (!elementType) {
      throw this.analysis.error(SqlState.datatypeMismatch, `cannot subscript type ${arrayType.sqlName} because it does not support subscripting`, target.location);
    }
    if (tagOf(val) === "SetToDefault") throw this.analysis.error(SqlState.featureNotSupported, "DEFAULT for an array element is not supported", target.location);
    const entry = scope.entries.find((e) => e.table === table)!;
    const current = this.binder.varOf(entry, column);
    const index = coerceExpr(this.binder.bind(subscript.uidx, scope), int4Type, NO_TYPMOD, "assignment", this.analysis, { location: locationOfNode(subscript.uidx) });
    const value = coerceExpr(this.binder.bind(val, scope), elementType, NO_TYPMOD, "assignment", this.analysis, {
      column: table.columns[column]!.name,
      location: locationOfNode(val),
    });
    return {
      kind: "call",
      name: "array_assign",
      args: [current, index, value],
      fn: ([array, i, element]) => assignArrayElement(array as PgArray | null, i as number | null, element as ScalarDatum | null),
      strict: false,
      volatility: "immutable",
      display: "function",
      type: arrayType,
      typmod: NO_TYPMOD,
    };
  }

  // ---------------------------------------------------------------- UPDATE / DELETE

  /** The target scan joined with FROM/USING items, filtered by WHERE. */
  private targetRows(
    relation: Ast.RangeVar,
    from: readonly Node[] | undefined,
    where: Node | undefined,
    scope: Scope,
  ): { table: TableRuntime; entry: RangeEntry; build: () => { source: PlanNode; recheck: Expr | null } } {
    const table = this.targetTable(relation);
    const alias = relation.alias?.aliasname ?? table.def.name;
    const entry = this.tableEntry(table, alias, scope);
    scope.aggregates = { allowed: false, context: "WHERE", calls: [], inside: false };
    // FROM items are planned by the select planner in the same scope.
    const fromTrees = (from ?? []).map((item) => this.select.fromItem(item, scope));
    const condition = where ? this.binder.bindCondition(where, scope, "WHERE") : null;
    const quals = conjuncts(condition);
    const targetQuals = quals.filter((q) => !someVarOutside(q, entry.rel));
    const otherQuals = quals.filter((q) => someVarOutside(q, entry.rel));
    const build = () => {
      let source: PlanNode = withKeyColumn(this.select.scanNode(entry, table, alias, targetQuals, "update"));
      if (fromTrees.length > 0) {
        // The FROM items, joined to the target with the conditions that relate them.
        let right = this.select.buildTree(fromTrees[0]!, [], null);
        for (const tree of fromTrees.slice(1)) {
          const next = this.select.buildTree(tree, [], null);
          right = { kind: "nested-loop", left: right, right: next, joinType: "inner", predicate: null, parameterized: false, lateral: false, rels: [...right.rels, ...next.rels] };
        }
        source = this.select.joinPlans(source, right, otherQuals);
      } else {
        const rest = andOf(otherQuals);
        if (rest) source = { kind: "filter", input: source, predicate: rest, rels: source.rels };
      }
      return { source, recheck: andOf(targetQuals) };
    };
    return { table, entry, build };
  }

  planUpdate(stmt: Ast.UpdateStmt, outer: Scope): UpdatePlan {
    if (stmt.withClause) this.select.addCtes(stmt.withClause, outer);
    const scope = new Scope(outer);
    const target = this.targetRows(stmt.relation!, stmt.fromClause, stmt.whereClause, scope);
    scope.aggregates = { allowed: false, context: "UPDATE", calls: [], inside: false };
    const assignments = this.assignments(stmt.targetList ?? [], target.table, scope);
    const returning = this.returning(stmt.returningClause?.exprs, scope);
    // Planned after SET and RETURNING are bound, so the FROM scans read what they use.
    const { source, recheck } = target.build();
    return {
      kind: "update",
      table: target.table,
      rel: target.entry.rel,
      source,
      assignments,
      checks: this.checks(target.table, target.entry.rel),
      returning,
      recheck,
    };
  }

  planDelete(stmt: Ast.DeleteStmt, outer: Scope): DeletePlan {
    if (stmt.withClause) this.select.addCtes(stmt.withClause, outer);
    const scope = new Scope(outer);
    const target = this.targetRows(stmt.relation!, stmt.usingClause, stmt.whereClause, scope);
    scope.aggregates = { allowed: false, context: "RETURNING", calls: [], inside: false };
    const returning = this.returning(stmt.returningClause?.exprs, scope);
    const { source, recheck } = target.build();
    return { kind: "delete", table: target.table, rel: target.entry.rel, source, returning, recheck };
  }
}

function someVarOutside(expr: Expr, rel: number): boolean {
  let found = false;
  const visit = (node: Expr): void => {
    if (found) return;
    if (node.kind === "var" && node.levelsUp === 0 && node.rel !== rel) found = true;
    if (node.kind === "sublink" && node.refs.some((r) => r !== rel)) found = true;
  };
  const walk = (node: Expr): void => {
    visit(node);
    forEach(node, walk);
  };
  walk(expr);
  return found;
}

import { forEachChild as forEach } from "../analyze/expr.ts";
import { textType } from "../types/index.ts";

/** Marks a target scan to append each row's engine key after its columns. */
function withKeyColumn(scan: PlanNode): PlanNode {
  if (scan.kind !== "scan") throw new SqlError(SqlState.internalError, "target of UPDATE/DELETE must be a scan");
  const slot = scan.rels[0]!;
  return { ...scan, withKey: true, rels: [{ rel: slot.rel, width: slot.width + 1, map: slot.map }] };
}

function locationOfNode(node: Node | undefined): number | undefined {
  if (!node) return undefined;
  const body = bodyOf<{ location?: number }>(node);
  return body?.location;
}

export { namesOf, type ColumnDef };
