// Data maintenance for DDL: building a new index over existing rows, rewriting every row
// when a change cannot be applied lazily, and validating rows against a new constraint.
// All writes go through the DDL's own transaction.

import { SqlError, SqlState } from "../errors.ts";
import type { TableDef, CheckDef } from "../catalog/defs.ts";
import { analyzers } from "../statement.ts";
import { Scope } from "../analyze/scope.ts";
import { compileExpr } from "../exec/compile-expr.ts";
import { Layout } from "../exec/layout.ts";
import { typeByOid, type SqlValue } from "../types/index.ts";
import { TableRuntime } from "../table-runtime.ts";
import { indexEntry } from "../exec/dml.ts";
import { ByteKeySet } from "../exec/key-set.ts";
import type { Row } from "../analyze/expr.ts";
import { ROW_ID_SEQUENCE } from "../sequences.ts";
import { Ddl } from "./context.ts";

/** Builds a new secondary index over the existing rows (checking uniqueness). */
export function buildIndex(ddl: Ddl, def: TableDef, indexId: number): void {
  const table = ddl.runtime(def);
  const index = table.secondary.find((i) => i.def.id === indexId)!;
  const writer = ddl.writer();
  const seen = index.def.unique ? new ByteKeySet() : null;
  for (const { key, row } of ddl.rows(table)) {
    const entry = indexEntry(table, index, row, key);
    if (!entry) continue;
    if (seen && entry.unique) {
      if (!seen.add(entry.key)) {
        const names = index.parts.map((p) => p.name).join(", ");
        const values = index.parts.map((p) => {
          const value = p.expr ? p.expr(row) : row[p.column]!;
          return value === null ? "null" : p.key.type.format(value as never, ddl.session.typeContext());
        });
        throw new SqlError(SqlState.uniqueViolation, `could not create unique index "${index.def.name}"`, {
          detail: `Key (${names})=(${values.join(", ")}) is duplicated.`,
        });
      }
    }
    writer.put(entry.key, entry.value);
  }
  writer.flush();
}

/**
 * Rewrites a table into new storage with `transform` applied to each row (primary key
 * changes, column type changes, volatile defaults); the old storage is deleted after commit.
 */
export function rewriteTable(ddl: Ddl, before: TableDef, after: TableDef, transform: (row: Row) => Row): TableDef {
  const oldTable = ddl.runtime(before);
  const rewritten: TableDef = { ...after, storage: ddl.oid() };
  const newTable = ddl.runtime(rewritten);
  const writer = ddl.writer();
  const seen = new ByteKeySet();
  let rowId = 0n;
  const rowIdSequence = rewritten.rowIdSequence;
  for (const { row } of ddl.rows(oldTable)) {
    const next = transform(row);
    for (let i = 0; i < newTable.columns.length; i++) {
      if (newTable.columns[i]!.notNull && next[i] === null) {
        throw new SqlError(SqlState.notNullViolation, `column "${newTable.columns[i]!.name}" of relation "${rewritten.name}" contains null values`);
      }
    }
    const id = newTable.hasPrimaryKey ? undefined : rowIdSequence !== undefined ? ddl.session.cluster.sequences.nextval(rowIdSequence, ROW_ID_SEQUENCE) : ++rowId;
    const key = newTable.indexKey(newTable.primary, next, id);
    if (!seen.add(key)) {
      const names = newTable.primary.parts.map((p) => p.name).join(", ");
      const values = newTable.primary.parts.map((p) => (next[p.column] === null ? "null" : p.key.type.format(next[p.column] as never, ddl.session.typeContext())));
      throw new SqlError(SqlState.uniqueViolation, `could not create unique index "${newTable.primary.def.name}"`, { detail: `Key (${names})=(${values.join(", ")}) is duplicated.` });
    }
    writer.put(key, newTable.layout.encode(next));
    for (const index of newTable.secondary) {
      const entry = indexEntry(newTable, index, next, key);
      if (entry) writer.put(entry.key, entry.value);
    }
  }
  writer.flush();
  ddl.overlay.addGarbage(before.storage);
  return rewritten;
}

/** Checks existing rows against a new CHECK constraint or NOT NULL. */
export function validateRows(ddl: Ddl, def: TableDef, check: (row: Row, table: TableRuntime) => void): void {
  const table = ddl.runtime(def);
  for (const { row } of ddl.rows(table)) check(row, table);
}

export function compileCheck(ddl: Ddl, def: TableDef, check: CheckDef): (row: Row) => SqlValue {
  const { binder, analysis } = analyzers(check.expr.text, ddl.session.planEnv(), []);
  const scope = new Scope(null);
  const live = def.columns.filter((c) => !c.dropped).sort((a, b) => a.attnum - b.attnum);
  const rel = analysis.newRel();
  scope.entries.push({ rel, alias: def.name, columns: live.map((c) => ({ name: c.name, type: typeByOid(c.typeOid)!, typmod: c.typmod, tableOid: 0, attnum: c.attnum })), table: null, used: new Set() });
  const fn = compileExpr(binder.bind(check.expr.ast, scope), { row: new Layout([{ rel, width: live.length }]), outer: [], param: null });
  const ctx = ddl.session.execContext({ get: () => null, scan: () => [] }, []);
  return (row) => fn(row, ctx);
}
