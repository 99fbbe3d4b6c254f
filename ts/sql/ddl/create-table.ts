// CREATE TABLE and CREATE TABLE AS: columns, defaults, serial/identity sequences, and
// PRIMARY KEY / UNIQUE / CHECK / NOT NULL constraints.

import type { Ast, Node } from "../ast.ts";
import { bodyOf, characterPosition, namesOf, tagOf } from "../ast.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import type { ColumnDef, IndexDef, IndexKeyDef, SequenceDef, StoredExpr, TableDef, CheckDef } from "../catalog/defs.ts";
import { duplicateRelation } from "../catalog/catalog.ts";
import { analyzers } from "../statement.ts";
import { Scope } from "../analyze/scope.ts";
import { coerceExpr } from "../analyze/coerce.ts";
import type { Expr } from "../analyze/expr.ts";
import { Layout } from "../exec/layout.ts";
import { formatType, NO_TYPMOD, typeByOid, type SqlType } from "../types/index.ts";
import { isKeyable } from "../encoding/key.ts";
import { Ddl, storedExpr, locationOf } from "./context.ts";
import { nextvalDefault, newSequence, createSequence } from "./sequences.ts";
import { ROW_ID_SEQUENCE } from "../sequences.ts";

export interface PendingConstraint {
  readonly kind: "primary" | "unique" | "check";
  readonly name?: string;
  readonly columns: string[];
  readonly expr?: StoredExpr;
  readonly location?: number;
}

/** Resolves a column type; serial kinds add a sequence. */
export function columnType(ddl: Ddl, typeName: Ast.TypeName): { type: SqlType; typmod: number; serial: boolean } {
  const { binder } = analyzers(ddl.session.currentSql, ddl.session.planEnv(), []);
  const resolved = binder.resolveType(typeName);
  if (resolved.type.oid === 114 || isKeyable(resolved.type) || resolved.type.typname.startsWith("_") || resolved.type.typlen !== -2) {
    return { type: resolved.type, typmod: resolved.typmod, serial: resolved.serial !== undefined };
  }
  throw new SqlError(SqlState.featureNotSupported, `type ${resolved.type.typname} cannot be a column type`);
}

export function bindInTable(ddl: Ddl, ast: Node, columns: readonly ColumnDef[], tableName: string, sql: string): Expr {
  const { binder, analysis } = analyzers(sql, ddl.session.planEnv(), []);
  const scope = new Scope(null);
  const live = columns.filter((c) => !c.dropped);
  scope.entries.push({
    rel: analysis.newRel(),
    alias: tableName,
    columns: live.map((c) => ({ name: c.name, type: typeByOid(c.typeOid)!, typmod: c.typmod, tableOid: 0, attnum: c.attnum })),
    table: null,
    used: new Set(),
  });
  scope.aggregates = { allowed: false, context: "check constraints", calls: [], inside: false };
  return binder.bind(ast, scope);
}

/** Checks a default expression: no column references, coercible to the column's type. */
export function checkDefault(ddl: Ddl, ast: Node, column: { name: string; typeOid: number; typmod: number }, sql: string): Expr {
  const { binder, analysis } = analyzers(sql || ddl.session.currentSql, ddl.session.planEnv(), []);
  const scope = new Scope(null);
  scope.aggregates = { allowed: false, context: "DEFAULT expressions", calls: [], inside: false };
  let expr: Expr;
  try {
    expr = binder.bind(ast, scope);
  } catch (error) {
    if (error instanceof SqlError && error.code === SqlState.undefinedColumn) {
      throw new SqlError(SqlState.featureNotSupported, "cannot use column reference in DEFAULT expression");
    }
    throw error;
  }
  try {
    return coerceExpr(expr, typeByOid(column.typeOid)!, column.typmod, "assignment", analysis, { column: column.name, location: locationOf(ast) });
  } catch (error) {
    if (error instanceof SqlError && error.code === SqlState.datatypeMismatch && error.message.startsWith(`column "${column.name}"`)) {
      // PostgreSQL reports this one without a position.
      throw new SqlError(error.code, error.message.replace("but expression", "but default expression"), error.hint ? { hint: error.hint } : {});
    }
    throw error;
  }
}

/** A column as CREATE TABLE and ALTER TABLE ... ADD COLUMN define it. */
export interface DefinedColumn {
  readonly column: ColumnDef;
  /** Its PRIMARY KEY, UNIQUE and CHECK constraints, to add once the column exists. */
  readonly constraints: PendingConstraint[];
  /** The sequences of a serial or identity column, to create with it. */
  readonly sequences: SequenceDef[];
  /** The DEFAULT expression as written (or the sequence's nextval), null without one. */
  readonly defaultAst: Node | null;
}

/**
 * A column definition: its type, a serial column's sequence, its constraints (NOT NULL,
 * DEFAULT, identity, PRIMARY KEY, UNIQUE, CHECK) and collation.
 */
export function defineColumn(
  ddl: Ddl,
  def: Ast.ColumnDef,
  table: { readonly schema: number; readonly tableName: string; readonly tableOid: number; readonly attnum: number },
  sql: string,
): DefinedColumn {
  const columnName = def.colname!;
  const { type, typmod, serial } = columnType(ddl, def.typeName!);
  const constraints: PendingConstraint[] = [];
  const sequences: SequenceDef[] = [];
  let defaultAst: Node | null = null;
  let column: ColumnDef = { attnum: table.attnum, name: columnName, typeOid: type.oid, typmod, notNull: false };
  const sequenceFor = (constraintOptions?: Node[]): SequenceDef => {
    const sequence = newSequence(
      ddl,
      ddl.freeName(table.schema, `${table.tableName}_${columnName}_seq`),
      table.schema,
      type.oid,
      { table: table.tableOid, attnum: column.attnum },
      constraintOptions,
    );
    sequences.push(sequence);
    return sequence;
  };
  if (serial) {
    const sequence = sequenceFor();
    const stored = nextvalDefault(ddl, table.schema, sequence.name);
    defaultAst = stored.ast;
    column = { ...column, notNull: true, sequence: sequence.oid, default: stored };
  }
  for (const node of def.constraints ?? []) {
    const constraint = bodyOf<Ast.Constraint>(node);
    switch (constraint.contype) {
      case "CONSTR_NOTNULL":
        column = { ...column, notNull: true };
        break;
      case "CONSTR_NULL":
        break;
      case "CONSTR_DEFAULT":
        checkDefault(ddl, constraint.raw_expr!, column, sql);
        defaultAst = constraint.raw_expr!;
        column = { ...column, default: storedExpr(constraint.raw_expr!, sql, locationOf(constraint.raw_expr)) };
        break;
      case "CONSTR_IDENTITY": {
        if (![20, 21, 23].includes(type.oid)) {
          throw new SqlError(SqlState.invalidParameterValue, `identity column type must be smallint, integer, or bigint`);
        }
        const sequence = sequenceFor(constraint.options ?? []);
        const stored = nextvalDefault(ddl, table.schema, sequence.name);
        defaultAst = stored.ast;
        column = {
          ...column,
          notNull: true,
          identity: constraint.generated_when === "a" ? "always" : "by default",
          sequence: sequence.oid,
          default: stored,
        };
        break;
      }
      case "CONSTR_PRIMARY":
        constraints.push({ kind: "primary", ...(constraint.conname ? { name: constraint.conname } : {}), columns: [columnName], location: constraint.location });
        column = { ...column, notNull: true };
        break;
      case "CONSTR_UNIQUE":
        constraints.push({ kind: "unique", ...(constraint.conname ? { name: constraint.conname } : {}), columns: [columnName], location: constraint.location });
        break;
      case "CONSTR_CHECK":
        // Named like a table constraint: after the one column the expression reads, if only one.
        constraints.push({
          kind: "check",
          ...(constraint.conname ? { name: constraint.conname } : {}),
          columns: firstColumnOf(constraint.raw_expr!),
          expr: storedExpr(constraint.raw_expr!, sql, locationOf(constraint.raw_expr)),
        });
        break;
      case "CONSTR_FOREIGN":
        throw notSupported("foreign keys (REFERENCES)", "pgz does not enforce foreign keys yet; remove the REFERENCES clause.");
      case "CONSTR_GENERATED":
        throw notSupported("generated columns (GENERATED ALWAYS AS ... STORED)");
      case "CONSTR_ATTR_DEFERRABLE":
      case "CONSTR_ATTR_DEFERRED":
        throw notSupported("deferrable constraints");
      case "CONSTR_ATTR_NOT_DEFERRABLE":
      case "CONSTR_ATTR_IMMEDIATE":
        break;
      default:
        throw notSupported(`column constraint ${constraint.contype}`);
    }
  }
  if (def.collClause) {
    const collation = namesOf(def.collClause.collname).pop();
    if (collation !== "C" && collation !== "POSIX" && collation !== "default") throw notSupported(`collation "${collation}"`);
  }
  return { column, constraints, sequences, defaultAst };
}

export async function createTable(ddl: Ddl, stmt: Ast.CreateStmt, sql: string): Promise<string> {
  const relation = stmt.relation!;
  if (stmt.inhRelations?.length) throw notSupported("table inheritance (INHERITS)");
  if (stmt.partspec || stmt.partbound) throw notSupported("partitioned tables");
  if (stmt.ofTypename) throw notSupported("typed tables (OF type)");
  const schema = ddl.schemaOf(relation);
  const name = relation.relname!;
  if (ddl.catalog().relation(schema, name)) {
    if (stmt.if_not_exists) {
      ddl.notice(`relation "${name}" already exists, skipping`, SqlState.duplicateTable);
      return "CREATE TABLE";
    }
    throw duplicateRelation(name);
  }
  const tableOid = ddl.oid();
  const columns: ColumnDef[] = [];
  const constraints: PendingConstraint[] = [];
  const sequences: SequenceDef[] = [];
  let attnum = 0;
  for (const element of stmt.tableElts ?? []) {
    const tag = tagOf(element);
    if (tag === "TableLikeClause") throw notSupported("CREATE TABLE ... (LIKE ...)");
    if (tag === "Constraint") {
      constraints.push(tableConstraint(bodyOf<Ast.Constraint>(element), sql));
      continue;
    }
    const def = bodyOf<Ast.ColumnDef>(element);
    const columnName = def.colname!;
    if (columns.some((c) => c.name === columnName)) throw new SqlError(SqlState.duplicateColumn, `column "${columnName}" specified more than once`);
    const defined = defineColumn(ddl, def, { schema, tableName: name, tableOid, attnum: ++attnum }, sql);
    sequences.push(...defined.sequences);
    constraints.push(...defined.constraints);
    columns.push(defined.column);
  }
  const rowIdSequence = constraints.some((c) => c.kind === "primary") ? undefined : newSequence(ddl, `${name}_rowid`, schema, 20, undefined);
  let def: TableDef = {
    oid: tableOid,
    name,
    schema,
    storage: ddl.oid(),
    columns,
    indexes: [{ id: 0, oid: 0, name: `${name}_rowid`, unique: true, primary: false, keys: [] }],
    checks: [],
    foreignKeys: [],
    nextAttnum: attnum + 1,
    nextIndexId: 1,
    rowTypeOid: ddl.oid(),
    ...(rowIdSequence ? { rowIdSequence: rowIdSequence.oid } : {}),
  };
  if (rowIdSequence) createSequence(ddl, { ...rowIdSequence, internal: true });
  for (const sequence of sequences) createSequence(ddl, sequence);
  const primaries = constraints.filter((c) => c.kind === "primary");
  if (primaries.length > 1) {
    const location = primaries[1]!.location;
    throw new SqlError(SqlState.invalidTableDefinition, `multiple primary keys for table "${name}" are not allowed`, location === undefined ? {} : { position: characterPosition(sql, location) });
  }
  for (const constraint of constraints) def = addConstraint(ddl, def, constraint, sql);
  ddl.overlay.putTable(ddl.dbOid, def);
  for (const option of stmt.options ?? []) {
    const name = bodyOf<Ast.DefElem>(option).defname;
    if (name !== "fillfactor" && name !== "autovacuum_enabled") throw notSupported(`storage parameter "${name}"`);
  }
  return "CREATE TABLE";
}

/** The column a table CHECK mentions, when it mentions exactly one (it then names the constraint). */
export function firstColumnOf(ast: Node): string[] {
  const names = new Set([...JSON.stringify(ast).matchAll(/"ColumnRef":\{"fields":\[\{"String":\{"sval":"([^"]*)"/g)].map((m) => m[1]!));
  return names.size === 1 ? [...names] : [];
}

export function tableConstraint(constraint: Ast.Constraint, sql: string): PendingConstraint {
  const columns = namesOf(constraint.keys);
  const name = constraint.conname ? { name: constraint.conname } : {};
  switch (constraint.contype) {
    case "CONSTR_PRIMARY":
      return { kind: "primary", ...name, columns, location: constraint.location };
    case "CONSTR_UNIQUE":
      if (constraint.nulls_not_distinct) throw notSupported("UNIQUE NULLS NOT DISTINCT");
      return { kind: "unique", ...name, columns, location: constraint.location };
    case "CONSTR_CHECK":
      return { kind: "check", ...name, columns: firstColumnOf(constraint.raw_expr!), expr: storedExpr(constraint.raw_expr!, sql, locationOf(constraint.raw_expr)), location: constraint.location };
    case "CONSTR_FOREIGN":
      throw notSupported("foreign keys (FOREIGN KEY ... REFERENCES)", "pgz does not enforce foreign keys yet; remove the constraint.");
    case "CONSTR_EXCLUSION":
      throw notSupported("exclusion constraints");
    default:
      throw notSupported(`table constraint ${constraint.contype}`);
  }
}

/** Adds a PRIMARY KEY, UNIQUE or CHECK constraint to a table definition (no data checks). */
export function addConstraint(ddl: Ddl, def: TableDef, constraint: PendingConstraint, sql: string): TableDef {
  const live = def.columns.filter((c) => !c.dropped);
  if (constraint.kind === "check") {
    const expr = bindInTable(ddl, constraint.expr!.ast, def.columns, def.name, sql);
    if (expr.type.oid !== 16 && expr.type.oid !== 705) throw new SqlError(SqlState.datatypeMismatch, `argument of CHECK must be type boolean, not type ${formatType(expr.type, NO_TYPMOD)}`);
    // PostgreSQL names it after the table and the first column the expression mentions.
    const base = constraint.name ?? (constraint.columns[0] ? `${def.name}_${constraint.columns[0]}_check` : `${def.name}_check`);
    let name = base;
    for (let n = 1; def.checks.some((c) => c.name === name); n++) name = `${base}${n}`;
    const check: CheckDef = { oid: ddl.oid(), name, expr: constraint.expr! };
    return { ...def, checks: [...def.checks, check] };
  }
  const keys: IndexKeyDef[] = constraint.columns.map((columnName) => {
    const column = live.find((c) => c.name === columnName);
    if (!column) {
      const position = constraint.location === undefined ? {} : { position: characterPosition(sql, constraint.location) };
      throw new SqlError(SqlState.undefinedColumn, `column "${columnName}" named in key does not exist`, position);
    }
    const type = typeByOid(column.typeOid)!;
    if (!isKeyable(type)) {
      throw new SqlError(SqlState.undefinedObject, `data type ${formatType(type, NO_TYPMOD)} has no default operator class for access method "btree"`);
    }
    return { attnum: column.attnum, descending: false, nullsFirst: false };
  });
  if (constraint.kind === "primary") {
    if (def.indexes[0]!.primary) throw new SqlError(SqlState.invalidTableDefinition, `multiple primary keys for table "${def.name}" are not allowed`);
    const name = constraint.name ?? ddl.freeName(def.schema, `${def.name}_pkey`);
    ddl.ensureNameFree(def.schema, name);
    const columns = def.columns.map((c) => (constraint.columns.includes(c.name) ? { ...c, notNull: true } : c));
    const index: IndexDef = { id: 0, oid: ddl.oid(), name, unique: true, primary: true, keys, constraint: name, constraintOid: ddl.oid() };
    const { rowIdSequence: _dropped, ...rest } = def;
    void _dropped;
    return { ...rest, columns, indexes: [index, ...def.indexes.filter((i) => i.id !== 0)] };
  }
  const name = constraint.name ?? ddl.freeName(def.schema, `${def.name}_${constraint.columns.join("_")}_key`);
  ddl.ensureNameFree(def.schema, name);
  const index: IndexDef = { id: def.nextIndexId, oid: ddl.oid(), name, unique: true, primary: false, keys, constraint: name, constraintOid: ddl.oid() };
  return { ...def, indexes: [...def.indexes, index], nextIndexId: def.nextIndexId + 1 };
}

export async function createTableAs(ddl: Ddl, stmt: Ast.CreateTableAsStmt, sql: string): Promise<string> {
  if (stmt.objtype !== "OBJECT_TABLE") throw notSupported("materialized views");
  const into = stmt.into!;
  const relation = into.rel!;
  const schema = ddl.schemaOf(relation);
  if (ddl.catalog().relation(schema, relation.relname!)) {
    if (stmt.if_not_exists) {
      ddl.notice(`relation "${relation.relname}" already exists, skipping`, SqlState.duplicateTable);
      return "CREATE TABLE AS";
    }
    throw duplicateRelation(relation.relname!);
  }
  const { select } = analyzers(sql, ddl.session.planEnv(), []);
  const planned = select.plan(stmt.query!, new Scope(null));
  const names = namesOf(into.colNames);
  const columns: ColumnDef[] = planned.columns.map((c, i) => ({ attnum: i + 1, name: names[i] ?? c.name, typeOid: c.type.oid, typmod: c.typmod, notNull: false }));
  const rowIdSequence = newSequence(ddl, `${relation.relname}_rowid`, schema, 20, undefined);
  createSequence(ddl, { ...rowIdSequence, internal: true });
  const def: TableDef = {
    oid: ddl.oid(),
    name: relation.relname!,
    schema,
    storage: ddl.oid(),
    columns,
    indexes: [{ id: 0, oid: 0, name: `${relation.relname}_rowid`, unique: true, primary: false, keys: [] }],
    checks: [],
    foreignKeys: [],
    nextAttnum: columns.length + 1,
    nextIndexId: 1,
    rowTypeOid: ddl.oid(),
    rowIdSequence: rowIdSequence.oid,
  };
  ddl.overlay.putTable(ddl.dbOid, def);
  let count = 0;
  if (!into.skipData) {
    const table = ddl.runtime(def);
    const op = (await import("../exec/operators.ts")).compilePlan(planned.plan, { row: new Layout([]), outer: [], param: null });
    const ctx = ddl.session.execContext(ddl.session.transaction().reader(), []);
    const writer = ddl.writer();
    const rows = op.open(ctx, null);
    try {
      for (let next = rows.next(); !next.done; next = rows.next()) {
        const row = next.value.slice(0, columns.length);
        const key = table.indexKey(table.primary, row, ddl.session.cluster.sequences.nextval(rowIdSequence.oid, ROW_ID_SEQUENCE));
        writer.put(key, table.layout.encode(row));
        count++;
      }
    } finally {
      rows.return?.();
    }
    writer.flush();
  }
  return `SELECT ${count}`;
}
