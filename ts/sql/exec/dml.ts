// Running INSERT, UPDATE and DELETE: rows are written through the engine transaction with
// their index entries; primary and unique keys are locked before they are checked, so
// concurrent writers of one key wait for each other. Under READ COMMITTED a row that was
// locked is re-read at its newest version and the statement's conditions are checked again
// (PostgreSQL's EvalPlanQual); under REPEATABLE READ and SERIALIZABLE a newer version is a
// serialization failure (40001).

import type { Txn } from "../../engine/index.ts";
import { SqlError, SqlState } from "../errors.ts";
import { formatType, NO_TYPMOD, type SqlValue } from "../types/index.ts";
import type { Row } from "../analyze/expr.ts";
import type { DeletePlan, InsertPlan, UpdatePlan, DmlPlan } from "../plan/dml.ts";
import type { IndexRuntime, TableRuntime } from "../table-runtime.ts";
import { rowLockKey } from "../lock-manager.ts";
import type { IsolationLevel } from "../transaction.ts";
import { compileExpr, type Compiled } from "./compile-expr.ts";
import type { ExecContext } from "./context.ts";
import { Layout } from "./layout.ts";
import { compilePlan, type Operator } from "./operators.ts";
import { concatBytes } from "./keys.ts";
import { INDEX_PREFIX_BYTES } from "../keyspace.ts";

/** What writing needs beyond reading. */
export interface WriteContext {
  readonly exec: ExecContext;
  readonly txn: Txn;
  readonly isolation: IsolationLevel;
  /** Takes an exclusive row lock: true at once, or a promise. */
  lock(key: string): true | Promise<void>;
  /** The newest version of a key whose lock is held (see Transaction.latest). */
  latest(key: Uint8Array): Uint8Array | null;
  nextRowId(table: TableRuntime): bigint;
  /** Called before the first write. */
  wrote(): void;
}

export interface CompiledDml {
  run(w: WriteContext, emit: ((row: Row) => void) | null): Promise<number>;
}

function keyString(key: Uint8Array): string {
  let text = "";
  for (let i = 0; i < key.length; i++) text += String.fromCharCode(key[i]!);
  return text;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Formats "(a, b)=(1, 2)" for unique violation details. */
function keyDetail(index: IndexRuntime, row: Row, ctx: ExecContext): string {
  const names = index.parts.map((p) => p.name);
  const values = index.parts.map((p) => {
    const value = p.expr ? p.expr(row) : row[p.column]!;
    return value === null ? "null" : p.key.type.format(value as never, ctx.types);
  });
  return `(${names.join(", ")})=(${values.join(", ")})`;
}

function uniqueViolation(table: TableRuntime, index: IndexRuntime, row: Row, ctx: ExecContext): SqlError {
  const name = index.def.constraint ?? index.def.name;
  return new SqlError(SqlState.uniqueViolation, `duplicate key value violates unique constraint "${name}"`, {
    detail: `Key ${keyDetail(index, row, ctx)} already exists.`,
    schema: "public",
    table: table.def.name,
    constraint: name,
  });
}

function failingRow(table: TableRuntime, row: Row, ctx: ExecContext): string {
  return `Failing row contains (${row
    .slice(0, table.columns.length)
    .map((v, i) => (v === null ? "null" : table.types[i]!.format(v as never, ctx.types)))
    .join(", ")}).`;
}

/** NOT NULL and CHECK constraints of a row about to be written. */
function checkRow(table: TableRuntime, row: Row, checks: readonly { name: string; fn: Compiled }[], ctx: ExecContext): void {
  for (let i = 0; i < table.columns.length; i++) {
    const column = table.columns[i]!;
    if (column.notNull && row[i] === null) {
      throw new SqlError(SqlState.notNullViolation, `null value in column "${column.name}" of relation "${table.def.name}" violates not-null constraint`, {
        detail: failingRow(table, row, ctx),
        table: table.def.name,
        column: column.name,
      });
    }
  }
  for (const check of checks) {
    if (check.fn(row, ctx) === false) {
      throw new SqlError(SqlState.checkViolation, `new row for relation "${table.def.name}" violates check constraint "${check.name}"`, {
        detail: failingRow(table, row, ctx),
        table: table.def.name,
        constraint: check.name,
      });
    }
  }
}

/**
 * Index entry of a row: unique entries map their columns to the primary key; others carry
 * it in the key. Null when a partial index does not cover the row.
 */
function indexEntry(table: TableRuntime, index: IndexRuntime, row: Row, primaryKey: Uint8Array): { key: Uint8Array; value: Uint8Array; unique: boolean } | null {
  if (index.predicate && !index.predicate(row)) return null;
  const columns = table.indexKey(index, row);
  const suffix = primaryKey.subarray(INDEX_PREFIX_BYTES);
  if (index.def.unique && !table.hasNullKey(index, row)) return { key: columns, value: suffix.slice(), unique: true };
  return { key: concatBytes(columns, suffix), value: new Uint8Array(0), unique: false };
}

async function lockKey(w: WriteContext, key: string): Promise<void> {
  const granted = w.lock(key);
  if (granted !== true) await granted;
}

/** Writes a new row (keys already checked). */
function putRow(w: WriteContext, table: TableRuntime, row: Row, primaryKey: Uint8Array): void {
  const value = table.layout.encode(row.length === table.columns.length ? row : row.slice(0, table.columns.length));
  w.txn.put(primaryKey, value);
  for (const index of table.secondary) {
    const entry = indexEntry(table, index, row, primaryKey);
    if (!entry) continue;
    w.txn.put(entry.key, entry.value);
  }
}

function deleteRow(w: WriteContext, table: TableRuntime, row: Row, primaryKey: Uint8Array): void {
  w.txn.delete(primaryKey);
  for (const index of table.secondary) {
    const entry = indexEntry(table, index, row, primaryKey);
    if (!entry) continue;
    w.txn.delete(entry.key);
  }
}

/** Checks and locks a row's primary and unique keys; returns the first conflict, if any. */
async function findConflict(
  w: WriteContext,
  table: TableRuntime,
  row: Row,
  primaryKey: Uint8Array,
  skipPrimary: boolean,
): Promise<{ index: IndexRuntime; existingKey: Uint8Array } | null> {
  const oid = table.def.oid;
  if (table.hasPrimaryKey && !skipPrimary) {
    const lock = rowLockKey(oid, 0, primaryKey);
    await lockKey(w, lock);
    if (w.latest(primaryKey) !== null) return { index: table.primary, existingKey: primaryKey };
  }
  for (const index of table.secondary) {
    if (!index.def.unique || table.hasNullKey(index, row) || (index.predicate && !index.predicate(row))) continue;
    const key = table.indexKey(index, row);
    const lock = rowLockKey(oid, index.def.id, key);
    await lockKey(w, lock);
    const existing = w.latest(key);
    if (existing !== null) {
      const existingKey = concatBytes(table.primary.prefix, existing);
      if (!sameBytes(existingKey, primaryKey)) return { index, existingKey };
    }
  }
  return null;
}

function compileChecks(table: TableRuntime, checks: InsertPlan["checks"], rel: number): { name: string; fn: Compiled }[] {
  const layout = new Layout([{ rel, width: table.columns.length }]);
  return checks.map((c) => ({ name: c.name, fn: compileExpr(c.expr, { row: layout, outer: [], param: null }) }));
}

// ------------------------------------------------------------------ INSERT

function compileInsert(plan: InsertPlan): CompiledDml {
  const table = plan.table;
  const width = table.columns.length;
  const source: Operator = compilePlan(plan.source, { row: new Layout([]), outer: [], param: null });
  const empty = { row: new Layout([]), outer: [], param: null };
  const defaults = plan.defaults.map((d) => (d ? compileExpr(d, empty) : null));
  const checks = compileChecks(table, plan.checks, plan.rel);
  const rowLayout = new Layout([{ rel: plan.rel, width }]);
  const returning = plan.returning ? plan.returning.exprs.map((e) => compileExpr(e, { row: rowLayout, outer: [], param: null })) : null;
  const provided = new Array<number>(width).fill(-1);
  plan.targetColumns.forEach((column, j) => (provided[column] = j));
  const conflict = plan.onConflict;
  const conflictLayout = conflict ? new Layout([{ rel: plan.rel, width }, { rel: conflict.excludedRel, width }]) : null;
  const conflictSets = conflict?.assignments.map((a) => ({ column: a.column, fn: compileExpr(a.expr, { row: conflictLayout!, outer: [], param: null }) })) ?? [];
  const conflictWhere = conflict?.where ? compileExpr(conflict.where, { row: conflictLayout!, outer: [], param: null }) : null;
  return {
    async run(w, emit) {
      const ctx = w.exec;
      let count = 0;
      const touched = new Set<string>();
      const rows = source.open(ctx, null);
      try {
        for (let next = rows.next(); !next.done; next = rows.next()) {
          const input = next.value;
          const row: Row = new Array<SqlValue>(width);
          for (let i = 0; i < width; i++) {
            const j = provided[i]!;
            if (j >= 0) {
              row[i] = plan.overridingUserValue && table.columns[i]!.identity ? (defaults[i] ? defaults[i]!([], ctx) : null) : input[j]!;
            } else row[i] = defaults[i] ? defaults[i]!([], ctx) : null;
          }
          checkRow(table, row, checks, ctx);
          const rowId = table.hasPrimaryKey ? undefined : w.nextRowId(table);
          const primaryKey = table.indexKey(table.primary, row, rowId);
          w.wrote();
          const found = await findConflict(w, table, row, primaryKey, false);
          if (found) {
            if (!conflict || (conflict.index !== null && conflict.index !== found.index)) throw uniqueViolation(table, found.index, row, ctx);
            if (conflict.action === "nothing") continue;
            // DO UPDATE: the existing row, newest version, locked.
            const existingKey = found.existingKey;
            const existingLock = rowLockKey(table.def.oid, 0, existingKey);
            await lockKey(w, existingLock);
            const value = w.latest(existingKey);
            if (!value) continue;
            const text = keyString(existingKey);
            if (touched.has(text)) {
              throw new SqlError(SqlState.cardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time", {
                hint: "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
              });
            }
            touched.add(text);
            if (w.isolation !== "read committed") {
              const snapshot = w.txn.get(existingKey);
              if (!snapshot || !sameBytes(snapshot, value)) throw serializationFailure();
            }
            const existing = table.layout.decode(value);
            const joined = existing.concat(row);
            if (conflictWhere && conflictWhere(joined, ctx) !== true) continue;
            const updated = existing.slice();
            for (const set of conflictSets) updated[set.column] = set.fn(joined, ctx);
            checkRow(table, updated, checks, ctx);
            await writeUpdate(w, table, existing, existingKey, updated, ctx);
            count++;
            if (emit && returning) emit(returning.map((r) => r(updated, ctx)));
            continue;
          }
          touched.add(keyString(primaryKey));
          putRow(w, table, row, primaryKey);
          count++;
          if (emit && returning) emit(returning.map((r) => r(row, ctx)));
        }
      } finally {
        rows.return?.();
      }
      return count;
    },
  };
}

function serializationFailure(): SqlError {
  return new SqlError(SqlState.serializationFailure, "could not serialize access due to concurrent update");
}

/** Replaces a row: primary key moves and index entries that changed. */
async function writeUpdate(w: WriteContext, table: TableRuntime, oldRow: Row, oldKey: Uint8Array, newRow: Row, ctx: ExecContext): Promise<void> {
  const oid = table.def.oid;
  let newKey = oldKey;
  if (table.hasPrimaryKey) {
    newKey = table.indexKey(table.primary, newRow);
    if (!sameBytes(newKey, oldKey)) {
      const lock = rowLockKey(oid, 0, newKey);
      await lockKey(w, lock);
      if (w.latest(newKey) !== null) throw uniqueViolation(table, table.primary, newRow, ctx);
      w.txn.delete(oldKey);
    }
  }
  for (const index of table.secondary) {
    const before = indexEntry(table, index, oldRow, oldKey);
    const after = indexEntry(table, index, newRow, newKey);
    if (before && after && sameBytes(before.key, after.key) && sameBytes(before.value, after.value)) continue;
    if (before && (!after || !sameBytes(before.key, after.key))) {
      w.txn.delete(before.key);
    }
    if (!after) continue;
    if (!before || !sameBytes(before.key, after.key)) {
      if (after.unique) {
        const lock = rowLockKey(oid, index.def.id, after.key);
        await lockKey(w, lock);
        if (w.latest(after.key) !== null) throw uniqueViolation(table, index, newRow, ctx);
      }
    }
    w.txn.put(after.key, after.value);
  }
  const value = table.layout.encode(newRow.length === table.columns.length ? newRow : newRow.slice(0, table.columns.length));
  w.txn.put(newKey, value);
}

// ------------------------------------------------------------------ UPDATE and DELETE

interface TargetAccess {
  readonly source: Operator;
  readonly layout: Layout;
  readonly keyPosition: number;
  readonly width: number;
  readonly recheck: Compiled | null;
}

function compileTarget(plan: UpdatePlan | DeletePlan): TargetAccess {
  const layout = new Layout(plan.source.rels);
  const width = plan.table.columns.length;
  const targetLayout = new Layout([{ rel: plan.rel, width: width + 1 }]);
  return {
    source: compilePlan(plan.source, { row: new Layout([]), outer: [], param: null }),
    layout,
    keyPosition: layout.position(plan.rel, 0) + width,
    width,
    recheck: plan.recheck ? compileExpr(plan.recheck, { row: targetLayout, outer: [], param: null }) : null,
  };
}

/**
 * Locks a candidate row and returns its newest version (decoded), or null when the row is
 * gone or no longer matches; RR/SERIALIZABLE raise 40001 when it changed.
 */
async function lockCandidate(w: WriteContext, plan: UpdatePlan | DeletePlan, target: TargetAccess, key: Uint8Array): Promise<Row | null> {
  const lock = rowLockKey(plan.table.def.oid, 0, key);
  await lockKey(w, lock);
  const latest = w.latest(key);
  if (w.isolation !== "read committed") {
    const snapshot = w.txn.get(key);
    if (latest === null || snapshot === null || !sameBytes(latest, snapshot)) {
      if (snapshot === null && latest === null) return null;
      throw serializationFailure();
    }
  }
  if (latest === null) return null;
  const row = plan.table.layout.decode(latest);
  if (target.recheck) {
    const withKey = row.concat([key]);
    if (target.recheck(withKey, w.exec) !== true) return null;
  }
  return row;
}

/**
 * Visits each row an UPDATE or DELETE targets, once per key (a join may produce a target row
 * several times), locked and re-read by lockCandidate; resolves with the number visited.
 */
async function forEachTargetRow(
  w: WriteContext,
  plan: UpdatePlan | DeletePlan,
  target: TargetAccess,
  visit: (candidate: Row, key: Uint8Array, current: Row) => Promise<void> | void,
): Promise<number> {
  const done = new Set<string>();
  let count = 0;
  const rows = target.source.open(w.exec, null);
  try {
    for (let next = rows.next(); !next.done; next = rows.next()) {
      const candidate = next.value;
      const key = candidate[target.keyPosition] as Uint8Array;
      const text = keyString(key);
      if (done.has(text)) continue;
      const current = await lockCandidate(w, plan, target, key);
      if (!current) continue;
      done.add(text);
      await visit(candidate, key, current);
      count++;
    }
  } finally {
    rows.return?.();
  }
  return count;
}

function compileUpdate(plan: UpdatePlan): CompiledDml {
  const table = plan.table;
  const target = compileTarget(plan);
  const rowLayouts = { row: target.layout, outer: [], param: null };
  const sets = plan.assignments.map((a) => ({ column: a.column, fn: compileExpr(a.expr, rowLayouts) }));
  const checks = compileChecks(table, plan.checks, plan.rel);
  const returning = plan.returning ? plan.returning.exprs.map((e) => compileExpr(e, rowLayouts)) : null;
  const offset = target.layout.position(plan.rel, 0);
  return {
    async run(w, emit) {
      const ctx = w.exec;
      return forEachTargetRow(w, plan, target, async (candidate, key, current) => {
        const joined = candidate.slice();
        for (let i = 0; i < target.width; i++) joined[offset + i] = current[i]!;
        const updated = current.slice();
        for (const set of sets) updated[set.column] = set.fn(joined, ctx);
        checkRow(table, updated, checks, ctx);
        w.wrote();
        await writeUpdate(w, table, current, key, updated, ctx);
        if (emit && returning) {
          for (let i = 0; i < target.width; i++) joined[offset + i] = updated[i]!;
          emit(returning.map((r) => r(joined, ctx)));
        }
      });
    },
  };
}

function compileDelete(plan: DeletePlan): CompiledDml {
  const table = plan.table;
  const target = compileTarget(plan);
  const rowLayouts = { row: target.layout, outer: [], param: null };
  const returning = plan.returning ? plan.returning.exprs.map((e) => compileExpr(e, rowLayouts)) : null;
  const offset = target.layout.position(plan.rel, 0);
  return {
    async run(w, emit) {
      const ctx = w.exec;
      return forEachTargetRow(w, plan, target, (candidate, key, current) => {
        w.wrote();
        deleteRow(w, table, current, key);
        if (emit && returning) {
          const joined = candidate.slice();
          for (let i = 0; i < target.width; i++) joined[offset + i] = current[i]!;
          emit(returning.map((r) => r(joined, ctx)));
        }
      });
    },
  };
}

export function compileDml(plan: DmlPlan): CompiledDml {
  switch (plan.kind) {
    case "insert":
      return compileInsert(plan);
    case "update":
      return compileUpdate(plan);
    case "delete":
      return compileDelete(plan);
  }
}

export { putRow, deleteRow, indexEntry, checkRow, uniqueViolation, findConflict, formatType, NO_TYPMOD };
