// ALTER TABLE (columns, constraints, types) and ALTER ... RENAME. Adding, dropping and
// renaming columns changes only the catalog: rows are decoded by attribute number.

import type { Ast, Node } from "../ast.ts";
import { bodyOf } from "../ast.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import type { ColumnDef, StoredExpr, TableDef } from "../catalog/defs.ts";
import { undefinedTable } from "../catalog/catalog.ts";
import { analyzers } from "../statement.ts";
import { Scope } from "../analyze/scope.ts";
import { coerceExpr } from "../analyze/coerce.ts";
import { isVolatile } from "../analyze/expr.ts";
import { compileExpr } from "../exec/compile-expr.ts";
import { Layout } from "../exec/layout.ts";
import { typeByOid } from "../types/index.ts";
import { quoteIdent } from "../functions/string-ops.ts";
import { Ddl, storedExpr, locationOf } from "./context.ts";
import { newSequence, createSequence } from "./sequences.ts";
import { checkDefault, columnType, tableConstraint, addConstraint, defineColumn } from "./create-table.ts";
import { buildIndex, rewriteTable, validateRows, compileCheck } from "./table-data.ts";
import { dropIndexData } from "./indexes.ts";

export async function alterTable(ddl: Ddl, stmt: Ast.AlterTableStmt, sql: string): Promise<string> {
  if (stmt.objtype === "OBJECT_SEQUENCE") throw notSupported("ALTER TABLE on a sequence");
  if (stmt.objtype === "OBJECT_INDEX") throw notSupported("ALTER INDEX");
  let def = ddl.table(stmt.relation!, stmt.missing_ok === true);
  if (!def) {
    ddl.notice(`relation "${stmt.relation!.relname}" does not exist, skipping`);
    return "ALTER TABLE";
  }
  for (const node of stmt.cmds ?? []) {
    const cmd = bodyOf<Ast.AlterTableCmd>(node);
    def = await alterCommand(ddl, def, cmd, sql);
    ddl.overlay.putTable(ddl.dbOid, def);
  }
  return "ALTER TABLE";
}

function liveColumn(def: TableDef, name: string): ColumnDef {
  const column = def.columns.find((c) => !c.dropped && c.name === name);
  if (!column) throw new SqlError(SqlState.undefinedColumn, `column "${name}" of relation "${def.name}" does not exist`);
  return column;
}

function replaceColumn(def: TableDef, column: ColumnDef): TableDef {
  return { ...def, columns: def.columns.map((c) => (c.attnum === column.attnum ? column : c)) };
}

async function alterCommand(ddl: Ddl, def: TableDef, cmd: Ast.AlterTableCmd, sql: string): Promise<TableDef> {
  switch (cmd.subtype) {
    case "AT_AddColumn":
      return addColumn(ddl, def, bodyOf<Ast.ColumnDef>(cmd.def!), cmd.missing_ok === true, sql);
    case "AT_DropColumn": {
      const column = def.columns.find((c) => !c.dropped && c.name === cmd.name);
      if (!column) {
        if (cmd.missing_ok) {
          ddl.notice(`column "${cmd.name}" of relation "${def.name}" does not exist, skipping`);
          return def;
        }
        throw new SqlError(SqlState.undefinedColumn, `column "${cmd.name}" of relation "${def.name}" does not exist`);
      }
      if (def.indexes[0]!.primary && def.indexes[0]!.keys.some((k) => k.attnum === column.attnum)) {
        // The primary key goes with its column (an internal dependency, as in PostgreSQL).
        def = await alterCommand(ddl, def, { subtype: "AT_DropConstraint", name: def.indexes[0]!.constraint ?? def.indexes[0]!.name }, sql);
      }
      // Indexes over the column go with it: as a key, inside a key expression, or in a partial index's predicate.
      const mentions = (ast: unknown): boolean => JSON.stringify(ast).includes(`"sval":"${column.name}"`);
      const usedBy = def.indexes.filter((i) => i.id !== 0 && (i.keys.some((k) => k.attnum === column.attnum || (k.expr && mentions(k.expr.ast))) || (i.predicate && mentions(i.predicate.ast))));
      for (const index of usedBy) dropIndexData(ddl, def, index);
      const checks = def.checks.filter((c) => !JSON.stringify(c.expr.ast).includes(`"sval":"${column.name}"`));
      let updated: TableDef = {
        ...replaceColumn(def, { attnum: column.attnum, name: `........pg.dropped.${column.attnum}........`, typeOid: column.typeOid, typmod: column.typmod, notNull: false, dropped: true }),
        indexes: def.indexes.filter((i) => !usedBy.includes(i)),
        checks,
      };
      if (column.sequence !== undefined) {
        const sequence = ddl.catalog().sequences.get(column.sequence);
        if (sequence) ddl.overlay.deleteSequence(ddl.dbOid, sequence);
      }
      return updated;
    }
    case "AT_ColumnDefault": {
      const column = liveColumn(def, cmd.name!);
      if (!cmd.def) {
        const { default: _removed, ...rest } = column;
        void _removed;
        return replaceColumn(def, rest);
      }
      checkDefault(ddl, cmd.def, column, sql);
      return replaceColumn(def, { ...column, default: storedExpr(cmd.def, sql, locationOf(cmd.def)) });
    }
    case "AT_SetNotNull": {
      const column = liveColumn(def, cmd.name!);
      const index = def.columns.filter((c) => !c.dropped).sort((a, b) => a.attnum - b.attnum).indexOf(column);
      validateRows(ddl, def, (row) => {
        if (row[index] === null) {
          throw new SqlError(SqlState.notNullViolation, `column "${column.name}" of relation "${def.name}" contains null values`, { table: def.name, column: column.name });
        }
      });
      return replaceColumn(def, { ...column, notNull: true });
    }
    case "AT_DropNotNull": {
      const column = liveColumn(def, cmd.name!);
      if (def.indexes[0]!.primary && def.indexes[0]!.keys.some((k) => k.attnum === column.attnum)) {
        throw new SqlError(SqlState.invalidTableDefinition, `column "${column.name}" is in a primary key`);
      }
      if (column.identity) throw new SqlError(SqlState.invalidTableDefinition, `column "${column.name}" of relation "${def.name}" is an identity column`);
      return replaceColumn(def, { ...column, notNull: false });
    }
    case "AT_AddConstraint": {
      const constraint = bodyOf<Ast.Constraint>(cmd.def!);
      const pending = tableConstraint(constraint, sql);
      if (pending.kind === "check") {
        const updated = addConstraint(ddl, def, pending, sql);
        const check = updated.checks[updated.checks.length - 1]!;
        const fn = compileCheck(ddl, updated, check);
        validateRows(ddl, updated, (row) => {
          if (fn(row) === false) throw new SqlError(SqlState.checkViolation, `check constraint "${check.name}" of relation "${def.name}" is violated by some row`);
        });
        return updated;
      }
      if (pending.kind === "primary") {
        const updated = addConstraint(ddl, def, pending, sql);
        // Rows move from the hidden row id to the primary key: rewrite the table.
        for (const name of pending.columns) {
          const column = liveColumn(def, name);
          const index = def.columns.filter((c) => !c.dropped).sort((a, b) => a.attnum - b.attnum).indexOf(column);
          validateRows(ddl, def, (row) => {
            if (row[index] === null) throw new SqlError(SqlState.notNullViolation, `column "${name}" of relation "${def.name}" contains null values`);
          });
        }
        const rewritten = rewriteTable(ddl, def, updated, (row) => row);
        if (def.rowIdSequence !== undefined) {
          const sequence = ddl.catalog().sequences.get(def.rowIdSequence);
          if (sequence) ddl.overlay.deleteSequence(ddl.dbOid, sequence);
        }
        return rewritten;
      }
      const updated = addConstraint(ddl, def, pending, sql);
      buildIndex(ddl, updated, updated.indexes[updated.indexes.length - 1]!.id);
      return updated;
    }
    case "AT_DropConstraint": {
      const name = cmd.name!;
      const check = def.checks.find((c) => c.name === name);
      if (check) return { ...def, checks: def.checks.filter((c) => c !== check) };
      const index = def.indexes.find((i) => i.constraint === name);
      if (!index) {
        if (cmd.missing_ok) {
          ddl.notice(`constraint "${name}" of relation "${def.name}" does not exist, skipping`);
          return def;
        }
        throw new SqlError(SqlState.undefinedObject, `constraint "${name}" of relation "${def.name}" does not exist`);
      }
      if (index.primary) {
        // Back to a hidden row id: rewrite.
        const rowIdSequence = newSequence(ddl, `${def.name}_rowid`, def.schema, 20, undefined);
        createSequence(ddl, { ...rowIdSequence, internal: true });
        const updated: TableDef = { ...def, indexes: [{ id: 0, oid: 0, name: `${def.name}_rowid`, unique: true, primary: false, keys: [] }, ...def.indexes.filter((i) => i.id !== 0)], rowIdSequence: rowIdSequence.oid };
        return rewriteTable(ddl, def, updated, (row) => row);
      }
      dropIndexData(ddl, def, index);
      return { ...def, indexes: def.indexes.filter((i) => i !== index) };
    }
    case "AT_AlterColumnType": {
      const column = liveColumn(def, cmd.name!);
      const columnDef = bodyOf<Ast.ColumnDef>(cmd.def!);
      const { type, typmod } = columnType(ddl, columnDef.typeName!);
      if (def.indexes.some((i) => i.keys.some((k) => k.attnum === column.attnum))) {
        throw notSupported("changing the type of an indexed column");
      }
      const position = def.columns.filter((c) => !c.dropped).sort((a, b) => a.attnum - b.attnum).indexOf(column);
      const { binder, analysis } = analyzers(sql, ddl.session.planEnv(), []);
      const scope = new Scope(null);
      const live = def.columns.filter((c) => !c.dropped).sort((a, b) => a.attnum - b.attnum);
      const rel = analysis.newRel();
      scope.entries.push({ rel, alias: def.name, columns: live.map((c) => ({ name: c.name, type: typeByOid(c.typeOid)!, typmod: c.typmod, tableOid: 0, attnum: c.attnum })), table: null, used: new Set() });
      const source = columnDef.raw_default ? binder.bind(columnDef.raw_default, scope) : binder.varOf(scope.entries[0]!, position);
      const converted = coerceExpr(source, type, typmod, columnDef.raw_default ? "explicit" : "assignment", analysis, { column: column.name });
      const fn = compileExpr(converted, { row: new Layout([{ rel, width: live.length }]), outer: [], param: null });
      const ctx = ddl.session.execContext({ get: () => null, scan: () => [] }, []);
      const changed = replaceColumn(def, { ...column, typeOid: type.oid, typmod, missing: null });
      // The column keeps its attnum; its stored format changes, so every row is rewritten.
      const dropped: ColumnDef = { ...column, name: `........pg.dropped.${column.attnum}........`, dropped: true };
      const newAttnum = def.nextAttnum;
      const moved: TableDef = {
        ...changed,
        columns: [...changed.columns.map((c) => (c.attnum === column.attnum ? dropped : c)), { ...column, attnum: newAttnum, typeOid: type.oid, typmod, missing: null }].sort((a, b) => a.attnum - b.attnum),
        nextAttnum: newAttnum + 1,
      };
      // Keep the column's display position: rows are re-encoded in attnum order, so renumber.
      const reordered = renumberColumns(moved, column.attnum, newAttnum);
      return rewriteTable(ddl, def, reordered, (row) => {
        const next = row.slice();
        next[position] = fn(row, ctx);
        return next;
      });
    }
    case "AT_AddIdentity":
    case "AT_SetIdentity":
    case "AT_DropIdentity":
      throw notSupported("ALTER COLUMN ... IDENTITY");
    case "AT_SetRelOptions":
    case "AT_ResetRelOptions":
    case "AT_SetStatistics":
    case "AT_SetStorage":
    case "AT_ChangeOwner":
    case "AT_ReplicaIdentity":
    case "AT_SetLogged":
    case "AT_SetUnLogged":
      return def;
    default:
      throw notSupported(`ALTER TABLE ${String(cmd.subtype).replace("AT_", "")}`);
  }
}

/** After a type change the column gets a new attnum; swap so it keeps its place. */
function renumberColumns(def: TableDef, oldAttnum: number, newAttnum: number): TableDef {
  // Dropped placeholder takes the new attnum, the changed column the old one... but the old
  // attnum's stored bytes have the old type, so rows are rewritten anyway: simply swap.
  const columns = def.columns.map((c) => {
    if (c.attnum === oldAttnum) return { ...c, attnum: newAttnum };
    if (c.attnum === newAttnum) return { ...c, attnum: oldAttnum };
    return c;
  });
  return { ...def, columns: columns.sort((a, b) => a.attnum - b.attnum) };
}

async function addColumn(ddl: Ddl, def: TableDef, columnDef: Ast.ColumnDef, ifNotExists: boolean, sql: string): Promise<TableDef> {
  const name = columnDef.colname!;
  if (def.columns.some((c) => !c.dropped && c.name === name)) {
    if (ifNotExists) {
      ddl.notice(`column "${name}" of relation "${def.name}" already exists, skipping`, SqlState.duplicateColumn);
      return def;
    }
    throw new SqlError(SqlState.duplicateColumn, `column "${name}" of relation "${def.name}" already exists`);
  }
  const defined = defineColumn(ddl, columnDef, { schema: def.schema, tableName: def.name, tableOid: def.oid, attnum: def.nextAttnum }, sql);
  for (const sequence of defined.sequences) createSequence(ddl, sequence);
  const { constraints, defaultAst: defaultExpr } = defined;
  let column = defined.column;
  const type = typeByOid(column.typeOid)!;
  let updated: TableDef = { ...def, columns: [...def.columns, column], nextAttnum: def.nextAttnum + 1 };
  const hasRows = (() => {
    for (const _row of ddl.rows(ddl.runtime(def))) return true;
    return false;
  })();
  if (defaultExpr && hasRows) {
    const bound = checkDefault(ddl, defaultExpr, column, sql);
    const fn = compileExpr(bound, { row: new Layout([]), outer: [], param: null });
    const ctx = ddl.session.execContext({ get: () => null, scan: () => [] }, []);
    if (isVolatile(bound)) {
      // Each existing row gets its own value (nextval, random()): rewrite.
      updated = rewriteTable(ddl, def, updated, (row) => [...row, fn([], ctx)]);
    } else {
      // Evaluated once and kept as the value rows written before now read (no rewrite).
      const value = fn([], ctx);
      column = { ...column, missing: value === null ? null : type.format(value as never, { timeZone: "UTC" }) };
      updated = { ...updated, columns: [...def.columns, column] };
    }
  } else if (column.notNull && hasRows && !defaultExpr) {
    throw new SqlError(SqlState.notNullViolation, `column "${name}" of relation "${def.name}" contains null values`);
  }
  for (const constraint of constraints) {
    if (constraint.kind === "primary") updated = await alterCommand(ddl, updated, { subtype: "AT_AddConstraint", def: { Constraint: { contype: "CONSTR_PRIMARY", keys: [{ String: { sval: name } }], ...(constraint.name ? { conname: constraint.name } : {}) } } as Node }, sql);
    else {
      ddl.overlay.putTable(ddl.dbOid, updated);
      const withConstraint = addConstraint(ddl, updated, constraint, sql);
      if (constraint.kind === "unique") buildIndex(ddl, withConstraint, withConstraint.indexes[withConstraint.indexes.length - 1]!.id);
      if (constraint.kind === "check") {
        const check = withConstraint.checks[withConstraint.checks.length - 1]!;
        const fn = compileCheck(ddl, withConstraint, check);
        validateRows(ddl, withConstraint, (row) => {
          if (fn(row) === false) throw new SqlError(SqlState.checkViolation, `check constraint "${check.name}" of relation "${def.name}" is violated by some row`);
        });
      }
      updated = withConstraint;
    }
  }
  return updated;
}

/**
 * A stored expression (CHECK, index key or predicate) after a column rename: column
 * references are stored by name, so they are rewritten, and so is the display text.
 */
function renameColumnIn(expr: StoredExpr, from: string, to: string): StoredExpr {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== "object") return value;
    const ref = (value as { ColumnRef?: { fields?: { String?: { sval?: string } }[] } }).ColumnRef;
    const last = ref?.fields?.[ref.fields.length - 1]?.String;
    if (ref && last?.sval === from) {
      return { ColumnRef: { ...ref, fields: [...ref.fields!.slice(0, -1), { String: { sval: to } }] } };
    }
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, rewrite(field)]));
  };
  const pattern = new RegExp(`(?<![\\w"$])${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w"$])`, "g");
  return { ast: rewrite(expr.ast) as Node, text: expr.text.replace(pattern, quoteIdent(to)) };
}

export async function rename(ddl: Ddl, stmt: Ast.RenameStmt): Promise<string> {
  switch (stmt.renameType) {
    case "OBJECT_TABLE": {
      const def = ddl.table(stmt.relation!, stmt.missing_ok === true);
      if (!def) {
        ddl.notice(`relation "${stmt.relation!.relname}" does not exist, skipping`);
        return "ALTER TABLE";
      }
      ddl.ensureNameFree(def.schema, stmt.newname!);
      ddl.overlay.putTable(ddl.dbOid, { ...def, name: stmt.newname! });
      return "ALTER TABLE";
    }
    case "OBJECT_COLUMN": {
      const def = ddl.table(stmt.relation!)!;
      const column = def.columns.find((c) => !c.dropped && c.name === stmt.subname);
      if (!column) throw new SqlError(SqlState.undefinedColumn, `column "${stmt.subname}" does not exist`);
      if (def.columns.some((c) => !c.dropped && c.name === stmt.newname)) {
        throw new SqlError(SqlState.duplicateColumn, `column "${stmt.newname}" of relation "${def.name}" already exists`);
      }
      const renamed = replaceColumn(def, { ...column, name: stmt.newname! });
      const rewrite = (expr: StoredExpr): StoredExpr => renameColumnIn(expr, column.name, stmt.newname!);
      ddl.overlay.putTable(ddl.dbOid, {
        ...renamed,
        checks: renamed.checks.map((c) => ({ ...c, expr: rewrite(c.expr) })),
        indexes: renamed.indexes.map((i) => ({
          ...i,
          keys: i.keys.map((k) => (k.expr ? { ...k, expr: rewrite(k.expr) } : k)),
          ...(i.predicate ? { predicate: rewrite(i.predicate) } : {}),
        })),
      });
      return "ALTER TABLE";
    }
    case "OBJECT_INDEX": {
      const found = ddl.findRelation(stmt.relation!);
      if (!found || found.kind !== "index") throw undefinedTable(stmt.relation!.relname!);
      ddl.ensureNameFree(found.table.schema, stmt.newname!);
      const indexes = found.table.indexes.map((i) => (i === found.index ? { ...i, name: stmt.newname!, ...(i.constraint ? { constraint: stmt.newname! } : {}) } : i));
      ddl.overlay.putTable(ddl.dbOid, { ...found.table, indexes });
      return "ALTER INDEX";
    }
    case "OBJECT_SEQUENCE": {
      const found = ddl.findRelation(stmt.relation!);
      if (!found || found.kind !== "sequence") throw undefinedTable(stmt.relation!.relname!);
      ddl.ensureNameFree(found.sequence.schema, stmt.newname!);
      ddl.overlay.putSequence(ddl.dbOid, { ...found.sequence, name: stmt.newname! });
      return "ALTER SEQUENCE";
    }
    case "OBJECT_TABCONSTRAINT": {
      const def = ddl.table(stmt.relation!)!;
      const check = def.checks.find((c) => c.name === stmt.subname);
      if (check) {
        ddl.overlay.putTable(ddl.dbOid, { ...def, checks: def.checks.map((c) => (c === check ? { ...c, name: stmt.newname! } : c)) });
        return "ALTER TABLE";
      }
      const index = def.indexes.find((i) => i.constraint === stmt.subname);
      if (!index) throw new SqlError(SqlState.undefinedObject, `constraint "${stmt.subname}" for table "${def.name}" does not exist`);
      ddl.overlay.putTable(ddl.dbOid, { ...def, indexes: def.indexes.map((i) => (i === index ? { ...i, name: stmt.newname!, constraint: stmt.newname! } : i)) });
      return "ALTER TABLE";
    }
    case "OBJECT_SCHEMA": {
      const schema = ddl.catalog().schemaByName(stmt.subname!);
      if (!schema) throw new SqlError(SqlState.invalidSchemaName, `schema "${stmt.subname}" does not exist`);
      if (ddl.catalog().schemaByName(stmt.newname!)) throw new SqlError(SqlState.duplicateSchema, `schema "${stmt.newname}" already exists`);
      ddl.overlay.putSchema(ddl.dbOid, { ...schema, name: stmt.newname! });
      return "ALTER SCHEMA";
    }
    default:
      throw notSupported(`ALTER ... RENAME of ${String(stmt.renameType).replace("OBJECT_", "").toLowerCase()}`);
  }
}
