// Choosing how a table scan finds its rows from the conditions on it: equality on every
// column of the primary key (or of a unique index) → point gets; equality on a key prefix
// and/or a range on the next column → a range scan of the primary key or a secondary
// index; otherwise a full scan with a filter. Every condition is still checked on each
// row found, so the choice only decides how much is read.

import { Oid, elementTypeOf, type SqlType } from "../types/index.ts";
import type { Expr } from "../analyze/expr.ts";
import { exprKey, isVolatile, someExpr } from "../analyze/expr.ts";
import type { IndexRuntime, TableRuntime } from "../table-runtime.ts";
import type { AccessPath, KeyBound } from "./nodes.ts";

/** An expression that does not depend on the scanned row (constants, parameters, outer rows). */
export function isPseudoConstant(expr: Expr, rel: number): boolean {
  if (isVolatile(expr)) return false;
  return !someExpr(expr, (node) => node.kind === "var" && node.levelsUp === 0 && node.rel === rel);
}

const integerOids = new Set<number>([Oid.int2, Oid.int4, Oid.int8]);
const numericFamily = new Set<number>([Oid.int2, Oid.int4, Oid.int8, Oid.numeric, Oid.float4, Oid.float8]);
const floatOids = new Set<number>([Oid.float4, Oid.float8]);
const datetimeOids = new Set<number>([Oid.date, Oid.timestamp, Oid.timestamptz]);
const textLike = new Set<number>([Oid.text, Oid.varchar, Oid.name]);

/** Whether encoding/probe.ts can turn a `from` value into a key of a `column` column. */
export function probeSupported(from: SqlType, column: SqlType): boolean {
  if (from.oid === column.oid) return !elementTypeOf(column) || true;
  if (integerOids.has(column.oid) && numericFamily.has(from.oid)) return true;
  if (column.oid === Oid.numeric && integerOids.has(from.oid)) return true;
  if (floatOids.has(column.oid) && numericFamily.has(from.oid)) return true;
  if (datetimeOids.has(column.oid) && datetimeOids.has(from.oid)) return true;
  if (textLike.has(column.oid) && textLike.has(from.oid)) return true;
  return false;
}

type Op = "=" | "<" | "<=" | ">" | ">=";

interface Condition {
  /** Index part it constrains: a column position or an expression key. */
  readonly column: number;
  readonly exprKey: string | null;
  readonly op: Op | "in";
  readonly values: readonly Expr[];
  readonly source: Expr;
}

const flipped: Record<Op, Op> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** Strips implicit casts on the column side that do not change order (varchar → text). */
function columnOf(expr: Expr, rel: number): { column: number; key: string } | null {
  let current = expr;
  while (current.kind === "cast" && current.display === "implicit" && textLike.has(current.type.oid) && textLike.has(current.arg.type.oid)) {
    current = current.arg;
  }
  if (current.kind === "var" && current.levelsUp === 0 && current.rel === rel) return { column: current.col, key: exprKey(current) };
  return null;
}

function valueOf(expr: Expr): Expr {
  return expr;
}

/** Recognizes `column op value` (either way round), `column IN (...)` and `column = ANY(array)`. */
function conditionOf(qual: Expr, rel: number): Condition | null {
  if (qual.kind === "call" && qual.display === "operator" && qual.args.length === 2 && qual.name in flipped) {
    const op = qual.name as Op;
    const [left, right] = qual.args as [Expr, Expr];
    const leftColumn = columnOf(left, rel);
    if (leftColumn && isPseudoConstant(right, rel)) {
      return { column: leftColumn.column, exprKey: null, op, values: [valueOf(right)], source: qual };
    }
    const rightColumn = columnOf(right, rel);
    if (rightColumn && isPseudoConstant(left, rel)) {
      return { column: rightColumn.column, exprKey: null, op: flipped[op], values: [valueOf(left)], source: qual };
    }
    // An expression index part: `expr op value`.
    if (isPseudoConstant(right, rel) && !isPseudoConstant(left, rel)) {
      return { column: -1, exprKey: exprKey(left), op, values: [right], source: qual };
    }
    return null;
  }
  if (qual.kind === "inlist" && !qual.negated && qual.list.every((e) => isPseudoConstant(e, rel))) {
    const column = columnOf(qual.arg, rel);
    if (column) return { column: column.column, exprKey: null, op: "in", values: qual.list, source: qual };
  }
  return null;
}

interface Candidate {
  readonly access: AccessPath;
  readonly score: number;
}

function partMatches(index: IndexRuntime, part: number, condition: Condition, table: TableRuntime, indexExprKeys: readonly (string | null)[]): boolean {
  const indexPart = index.parts[part]!;
  if (indexPart.column >= 0) {
    if (condition.column !== indexPart.column) return false;
  } else if (condition.exprKey === null || condition.exprKey !== indexExprKeys[part]) return false;
  const columnType = indexPart.key.type;
  void table;
  return condition.values.every((value) => probeSupported(value.type, columnType));
}

/**
 * Picks the access path. `indexExprs` gives, per secondary index, the bound expression key of
 * each expression part (so `lower(name) = $1` can use an index on lower(name)).
 */
export function chooseAccessPath(
  table: TableRuntime,
  rel: number,
  quals: readonly Expr[],
  indexExprKeys: (index: IndexRuntime) => readonly (string | null)[],
  enableIndexScans: boolean,
): AccessPath {
  const conditions = quals.map((q) => conditionOf(q, rel)).filter((c): c is Condition => c !== null);
  if (conditions.length === 0 || !enableIndexScans) return { kind: "seq" };
  const indexes: IndexRuntime[] = table.hasPrimaryKey ? [table.primary, ...table.complete] : [...table.complete];
  let best: Candidate | null = null;
  for (const index of indexes) {
    const exprKeys = indexExprKeys(index);
    const prefix: Expr[][] = [];
    const used: Expr[] = [];
    let part = 0;
    let hasIn = false;
    for (; part < index.parts.length; part++) {
      const equality = conditions.find((c) => (c.op === "=" || c.op === "in") && partMatches(index, part, c, table, exprKeys));
      if (!equality) break;
      if (equality.op === "in") hasIn = true;
      prefix.push([...equality.values]);
      used.push(equality.source);
    }
    const unique = index.def.unique || index.def.primary;
    if (part === index.parts.length) {
      const combinations = prefix.reduce((count, values) => count * values.length, 1);
      if (combinations <= 1000) {
        const keys = cartesian(prefix);
        const score = (unique ? 1000 : 500) + part * 10 - (hasIn ? 1 : 0);
        const access: AccessPath = unique
          ? { kind: "get", index, keys, cond: used }
          : { kind: "range", index, prefix: keys.length === 1 ? keys[0]! : [], lower: null, upper: null, cond: used, reverse: false };
        if (!unique && keys.length !== 1) continue;
        if (!best || score > best.score) best = { access, score };
        continue;
      }
    }
    if (hasIn) {
      // IN lists only drive point gets; use the equality prefix before the first IN.
      continue;
    }
    let lower: KeyBound | null = null;
    let upper: KeyBound | null = null;
    if (part < index.parts.length && !index.parts[part]!.key.descending) {
      for (const condition of conditions) {
        if (condition.op === "=" || condition.op === "in" || !partMatches(index, part, condition, table, exprKeys)) continue;
        const bound = { expr: condition.values[0]!, inclusive: condition.op === ">=" || condition.op === "<=" };
        if (condition.op === ">" || condition.op === ">=") {
          if (!lower) {
            lower = bound;
            used.push(condition.source);
          }
        } else if (!upper) {
          upper = bound;
          used.push(condition.source);
        }
      }
    }
    if (part === 0 && !lower && !upper) continue;
    const score = (part > 0 ? 100 + part * 10 : 50) + (lower ? 5 : 0) + (upper ? 5 : 0) + (index.def.primary ? 1 : 0);
    const access: AccessPath = { kind: "range", index, prefix: prefix.map((values) => values[0]!), lower, upper, cond: used, reverse: false };
    if (!best || score > best.score) best = { access, score };
  }
  return best?.access ?? { kind: "seq" };
}

function cartesian(lists: readonly (readonly Expr[])[]): Expr[][] {
  let out: Expr[][] = [[]];
  for (const list of lists) {
    const next: Expr[][] = [];
    for (const prefix of out) for (const value of list) next.push([...prefix, value]);
    out = next;
  }
  return out;
}
