// Plan nodes → operators. Each operator opens a JavaScript iterator of rows; rows stream
// from scans through filters and joins without being collected, except where the operation
// needs them all (sort, hash tables, aggregates), which count against work_mem.
// Leaves (and loops that compute long per input row) yield PAUSE now and then; every
// operator passes it on to its consumer (see PAUSE in context.ts).

import { SqlError, SqlState } from "../errors.ts";
import { Numeric, type SqlType, type SqlValue, PgArray, type ScalarDatum } from "../types/index.ts";
import { asArgs, type Row } from "../analyze/expr.ts";
import { childrenOf, type AccessPath, type AggregateCall, type PlanNode, type SortKey } from "../plan/nodes.ts";
import { indexRange } from "../keyspace.ts";
import type { IndexRuntime, TableRuntime } from "../table-runtime.ts";
import { compileExpr, type Layouts } from "./compile-expr.ts";
import { PAUSE, rowSize, type ExecContext } from "./context.ts";
import { Layout } from "./layout.ts";
import { boundKey, concatBytes, primaryKeyOfEntry, probeKey } from "./keys.ts";
import { prefixEnd } from "../encoding/key.ts";
import { bulkBytes } from "./bulk.ts";

export interface Operator {
  /** Starts producing rows; `param` is the left row of a parameterized nested loop. */
  open(ctx: ExecContext, param: Row | null): Iterator<Row>;
}

const INTERRUPT_CHECK_ROWS = 1024;

export function compilePlan(node: PlanNode, layouts: Layouts): Operator {
  switch (node.kind) {
    case "result":
      return { open: () => [[] as Row][Symbol.iterator]() };
    case "values": {
      const rowLayouts = { ...layouts, row: new Layout([]) };
      const rows = node.rows.map((r) => r.map((e) => compileExpr(e, rowLayouts)));
      return {
        open: (ctx) =>
          (function* () {
            for (const row of rows) yield row.map((e) => e([], ctx));
          })(),
      };
    }
    case "scan":
      return compileScan(node, layouts);
    case "function": {
      const argLayouts = { ...layouts, row: new Layout([]) };
      const args = node.fn.args.map((a) => compileExpr(a, argLayouts));
      const fn = node.fn.fn;
      const ordinality = node.ordinality;
      return {
        open: (ctx) =>
          (function* () {
            const values = args.map((a) => a([], ctx));
            let n = 0n;
            let count = 0;
            for (const row of fn(asArgs(values), ctx)) {
              if (++count % INTERRUPT_CHECK_ROWS === 0 && ctx.pauseDue()) yield PAUSE;
              n++;
              yield ordinality ? [...row, n] : row;
            }
          })(),
      };
    }
    case "virtual":
      return { open: (ctx) => node.rows(ctx)[Symbol.iterator]() };
    case "subquery": {
      const input = compilePlan(node.input, { ...layouts, param: null });
      return { open: (ctx) => input.open(ctx, null) };
    }
    case "cte":
      return compileCte(node, layouts);
    case "filter": {
      const input = compilePlan(node.input, layouts);
      const predicate = compileExpr(node.predicate, { ...layouts, row: new Layout(node.input.rels) });
      return {
        open: (ctx, param) =>
          (function* () {
            const rows = input.open(ctx, param);
            try {
              for (let next = rows.next(); !next.done; next = rows.next()) {
                if (next.value === PAUSE || predicate(next.value, ctx) === true) yield next.value;
              }
            } finally {
              rows.return?.();
            }
          })(),
      };
    }
    case "project": {
      const input = compilePlan(node.input, layouts);
      const rowLayouts = { ...layouts, row: new Layout(node.input.rels) };
      const exprs = node.exprs.map((e) => compileExpr(e, rowLayouts));
      const width = exprs.length;
      return {
        open: (ctx, param) =>
          (function* () {
            const rows = input.open(ctx, param);
            try {
              for (let next = rows.next(); !next.done; next = rows.next()) {
                const row = next.value;
                if (row === PAUSE) {
                  yield PAUSE;
                  continue;
                }
                const out: Row = new Array(width);
                for (let i = 0; i < width; i++) out[i] = exprs[i]!(row, ctx);
                yield out;
              }
            } finally {
              rows.return?.();
            }
          })(),
      };
    }
    case "project-set":
      return compileProjectSet(node, layouts);
    case "nested-loop":
      return compileNestedLoop(node, layouts);
    case "hash-join":
      return compileHashJoin(node, layouts);
    case "aggregate":
      return compileAggregate(node, layouts);
    case "sort": {
      const input = compilePlan(node.input, layouts);
      const compare = sortComparator(node.keys, { ...layouts, row: new Layout(node.input.rels) });
      return {
        open: (ctx, param) =>
          (function* () {
            const rows = yield* gather(input.open(ctx, param), ctx, "A sort");
            const sorted = compare.sort(rows, ctx);
            try {
              yield* sorted;
            } finally {
              ctx.memory.release(rows.bytes);
            }
          })(),
      };
    }
    case "limit": {
      const input = compilePlan(node.input, layouts);
      const noRow = { ...layouts, row: new Layout([]) };
      const limit = node.limit ? compileExpr(node.limit, noRow) : null;
      const offset = node.offset ? compileExpr(node.offset, noRow) : null;
      return {
        open: (ctx, param) =>
          (function* () {
            const count = limit ? (limit([], ctx) as bigint | null) : null;
            const skip = offset ? ((offset([], ctx) as bigint | null) ?? 0n) : 0n;
            if (count !== null && count < 0n) throw new SqlError(SqlState.invalidRowCountInLimitClause, "LIMIT must not be negative");
            if (skip < 0n) throw new SqlError(SqlState.invalidRowCountInResultOffsetClause, "OFFSET must not be negative");
            if (count === 0n) return;
            let skipped = 0n;
            let produced = 0n;
            const rows = input.open(ctx, param);
            try {
              for (let next = rows.next(); !next.done; next = rows.next()) {
                if (next.value === PAUSE) {
                  yield PAUSE;
                  continue;
                }
                if (skipped < skip) {
                  skipped++;
                  continue;
                }
                yield next.value;
                if (count !== null && ++produced >= count) return;
              }
            } finally {
              rows.return?.();
            }
          })(),
      };
    }
    case "distinct":
      return compileDistinct(node, layouts);
    case "setop":
      return compileSetop(node, layouts);
    case "lock-rows":
      throw new SqlError(SqlState.internalError, "row locks are taken by the statement runner");
  }
}

// ------------------------------------------------------------------ collecting rows

interface Collected extends Array<Row> {
  bytes: number;
}

/** Collects all rows, passing PAUSE on; returns them. */
function* gather(rows: Iterator<Row>, ctx: ExecContext, what: string): Generator<Row, Collected> {
  const out = [] as unknown as Collected;
  out.bytes = 0;
  let pending = 0;
  try {
    for (let next = rows.next(); !next.done; next = rows.next()) {
      if (next.value === PAUSE) {
        yield PAUSE;
        continue;
      }
      out.push(next.value);
      pending += rowSize(next.value);
      if (pending > 65536) {
        ctx.memory.reserve(pending, what);
        out.bytes += pending;
        pending = 0;
        ctx.checkInterrupts();
      }
    }
  } finally {
    rows.return?.();
  }
  ctx.memory.reserve(pending, what);
  out.bytes += pending;
  return out;
}

// ------------------------------------------------------------------ scans

function compileScan(node: Extract<PlanNode, { kind: "scan" }>, layouts: Layouts): Operator {
  const table = node.table;
  const decoder = table.layout.decoder(node.columns);
  const rowLayouts = { ...layouts, row: new Layout(node.rels) };
  const filter = node.filter ? compileExpr(node.filter, rowLayouts) : null;
  // Key expressions see the parameter row (index nested loops) but not the scanned row.
  const keyLayouts: Layouts = { ...layouts, row: layouts.param ?? new Layout([]) };
  const source = compileAccess(node.access, table, keyLayouts, layouts.param !== null);
  const width = node.columns.length;
  const withKey = node.withKey === true;
  return {
    open: (ctx, param) =>
      (function* () {
        let count = 0;
        let bytes = 0;
        for (const [key, value] of source(ctx, param)) {
          bytes += key.length + value.length;
          if (++count % INTERRUPT_CHECK_ROWS === 0) {
            ctx.checkInterrupts();
            bulkBytes(bytes);
            bytes = 0;
            if (ctx.pauseDue()) yield PAUSE;
          }
          const row = decoder.decode(value, new Array<SqlValue>(withKey ? width + 1 : width));
          if (withKey) row[width] = key;
          if (filter && filter(row, ctx) !== true) continue;
          yield row;
        }
      })(),
  };
}

/** Engine entries of a table's rows: [primary key, row value]. */
type RowSource = (ctx: ExecContext, param: Row | null) => Iterable<readonly [Uint8Array, Uint8Array]>;

function compileAccess(access: AccessPath, table: TableRuntime, layouts: Layouts, fromParam: boolean): RowSource {
  const storage = table.def.storage;
  if (access.kind === "seq") {
    const range = indexRange(storage, 0);
    return (ctx) => ctx.reader.scan(range.lower, range.upper, false);
  }
  const index = access.index;
  const primary = index.def.id === 0;
  const evalRow = (param: Row | null): Row => (fromParam && param ? param : []);
  if (access.kind === "get") {
    const keys = access.keys.map((key) => ({ exprs: key.map((e) => compileExpr(e, layouts)), types: key.map((e) => e.type) }));
    const single = keys.length === 1 ? keys[0]! : null;
    if (single && primary) {
      // The hot path: one point get.
      return (ctx, param) => {
        const row = evalRow(param);
        const values = single.exprs.map((e) => e(row, ctx));
        const key = probeKey(index, values, single.types, ctx.types);
        if (!key) return [];
        const found = ctx.reader.get(key);
        return found ? [[key, found] as const] : [];
      };
    }
    return (ctx, param) =>
      (function* () {
        const row = evalRow(param);
        const seen = new Set<string>();
        for (const key of keys) {
          const values = key.exprs.map((e) => e(row, ctx));
          const encoded = probeKey(index, values, key.types, ctx.types);
          if (!encoded) continue;
          const text = encoded.join(",");
          if (seen.has(text)) continue;
          seen.add(text);
          const found = ctx.reader.get(encoded);
          if (!found) continue;
          if (primary) yield [encoded, found] as const;
          else {
            const rowKey = concatBytes(table.primary.prefix, found);
            const rowValue = ctx.reader.get(rowKey);
            if (rowValue) yield [rowKey, rowValue] as const;
          }
        }
      })();
  }
  const prefixExprs = access.prefix.map((e) => compileExpr(e, layouts));
  const prefixTypes = access.prefix.map((e) => e.type);
  const lower = access.lower ? { expr: compileExpr(access.lower.expr, layouts), type: access.lower.expr.type, inclusive: access.lower.inclusive } : null;
  const upper = access.upper ? { expr: compileExpr(access.upper.expr, layouts), type: access.upper.expr.type, inclusive: access.upper.inclusive } : null;
  const reverse = access.reverse;
  const at = access.prefix.length;
  return (ctx, param) =>
    (function* () {
      const row = evalRow(param);
      const prefixValues = prefixExprs.map((e) => e(row, ctx));
      const lowerValue = lower ? lower.expr(row, ctx) : null;
      const upperValue = upper ? upper.expr(row, ctx) : null;
      const prefix = probeKey(index, prefixValues, prefixTypes, ctx.types);
      if (!prefix) return;
      let start: Uint8Array = prefix;
      let end: Uint8Array | null = prefixEnd(prefix);
      if (lower) {
        const bound = boundKey(index, prefix, at, lowerValue, lower.type, "lower", lower.inclusive, ctx.types);
        if (bound === "empty") return;
        if (bound !== "none") start = bound;
      }
      if (upper) {
        const bound = boundKey(index, prefix, at, upperValue, upper.type, "upper", upper.inclusive, ctx.types);
        if (bound === "empty") return;
        if (bound !== "none") end = bound;
      }
      const stop = end ?? indexRange(table.def.storage, index.def.id).upper;
      if (compareBytes(start, stop) >= 0) return;
      for (const [key, value] of ctx.reader.scan(start, stop, reverse)) {
        if (primary) yield [key, value] as const;
        else {
          const rowKey = concatBytes(table.primary.prefix, primaryKeyOfEntry(index, key, value));
          const rowValue = ctx.reader.get(rowKey);
          if (rowValue) yield [rowKey, rowValue] as const;
        }
      }
    })();
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export { compileAccess, type IndexRuntime };

// ------------------------------------------------------------------ CTEs

function compileCte(node: Extract<PlanNode, { kind: "cte" }>, layouts: Layouts): Operator {
  const source = node.source;
  if (source.kind === "setop" && source.op === "union") {
    // Possibly a recursive CTE: the right side reads the working table through a cte node with the same id.
    const recursive = referencesCte(source.right, node.id);
    if (recursive) {
      const base = compilePlan(source.left, { ...layouts, param: null });
      const step = compilePlan(source.right, { ...layouts, param: null });
      const all = source.all;
      const types = source.types;
      return {
        open: (ctx) =>
          (function* () {
            const seen = all ? null : new RowSet(types);
            let working: Row[] = [];
            const take = (row: Row): boolean => !seen || seen.add(row);
            for (const row of iterate(base.open(ctx, null))) {
              if (row === PAUSE) {
                yield PAUSE;
                continue;
              }
              if (take(row)) {
                working.push(row);
                yield row;
              }
            }
            let iterations = 0;
            while (working.length > 0) {
              if (++iterations > 1_000_000) throw new SqlError(SqlState.programLimitExceeded, "recursive query did not finish");
              ctx.cteResults.set(node.id, working);
              const next: Row[] = [];
              for (const row of iterate(step.open(ctx, null))) {
                if (row === PAUSE) {
                  yield PAUSE;
                  continue;
                }
                if (take(row)) {
                  next.push(row);
                  yield row;
                }
              }
              ctx.checkInterrupts();
              working = next;
            }
          })(),
      };
    }
  }
  if (node.source.kind === "result" && node.source.rels.length === 0) {
    // A reference to the working table of a recursive CTE.
    return {
      open: (ctx) => {
        const rows = ctx.cteResults.get(node.id);
        if (!rows) throw new SqlError(SqlState.internalError, `working table of ${node.name} is not set`);
        return rows[Symbol.iterator]();
      },
    };
  }
  const input = compilePlan(source, { ...layouts, param: null });
  return {
    open: (ctx) => {
      const rows = ctx.cteResults.get(node.id);
      if (rows) return rows[Symbol.iterator]();
      return (function* () {
        let collected = ctx.cteResults.get(node.id);
        if (!collected) {
          collected = yield* gather(input.open(ctx, null), ctx, "A WITH query");
          ctx.cteResults.set(node.id, collected);
        }
        yield* collected;
      })();
    },
  };
}

function referencesCte(node: PlanNode, id: number): boolean {
  if (node.kind === "cte") return node.id === id;
  for (const child of childrenOf(node)) if (referencesCte(child, id)) return true;
  return false;
}

function* iterate(rows: Iterator<Row>): Iterable<Row> {
  try {
    for (let next = rows.next(); !next.done; next = rows.next()) yield next.value;
  } finally {
    rows.return?.();
  }
}

// ------------------------------------------------------------------ project-set

function compileProjectSet(node: Extract<PlanNode, { kind: "project-set" }>, layouts: Layouts): Operator {
  const input = compilePlan(node.input, layouts);
  const rowLayouts = { ...layouts, row: new Layout(node.input.rels) };
  const items = node.items.map((item) =>
    "expr" in item
      ? { kind: "expr" as const, fn: compileExpr(item.expr, rowLayouts) }
      : { kind: "srf" as const, args: item.args.map((a) => compileExpr(a, rowLayouts)), srf: item.srf },
  );
  return {
    open: (ctx, param) =>
      (function* () {
        let count = 0;
        for (const row of iterate(input.open(ctx, param))) {
          if (row === PAUSE) {
            yield PAUSE;
            continue;
          }
          // The set functions run in lockstep, one value at a time (never materialized: a
          // huge series must stream); one that ends early gives NULL until all have ended.
          const series = items.map((item) => (item.kind === "srf" ? item.srf.fn(asArgs(item.args.map((a) => a(row, ctx))), ctx)[Symbol.iterator]() : null));
          const live = series.map((s) => s !== null);
          try {
            for (;;) {
              if (++count % INTERRUPT_CHECK_ROWS === 0 && ctx.pauseDue()) yield PAUSE;
              const values = series.map((s, j) => {
                if (s === null || !live[j]) return null;
                const next = s.next();
                if (next.done) {
                  live[j] = false;
                  return null;
                }
                return next.value[0] ?? null;
              });
              if (!live.includes(true)) break;
              yield items.map((item, j) => (item.kind === "srf" ? values[j]! : item.fn(row, ctx)));
            }
          } finally {
            for (const s of series) s?.return?.();
          }
        }
      })(),
  };
}

// ------------------------------------------------------------------ joins

function nullRow(width: number): Row {
  return new Array<SqlValue>(width).fill(null);
}

function compileNestedLoop(node: Extract<PlanNode, { kind: "nested-loop" }>, layouts: Layouts): Operator {
  const leftLayout = new Layout(node.left.rels);
  const left = compilePlan(node.left, layouts);
  const right = node.lateral
    ? compilePlan(node.right, { row: layouts.row, outer: [...layouts.outer, leftLayout], param: null })
    : node.parameterized
      ? compilePlan(node.right, { ...layouts, param: leftLayout })
      : compilePlan(node.right, layouts);
  const joined = new Layout(node.rels);
  const predicate = node.predicate ? compileExpr(node.predicate, { ...layouts, row: joined }) : null;
  const rightWidth = new Layout(node.right.rels).width;
  const leftWidth = leftLayout.width;
  const type = node.joinType;
  const perLeftRow = node.parameterized || node.lateral;
  const lateral = node.lateral;
  return {
    open: (ctx, param) =>
      (function* () {
        const materialized = perLeftRow ? null : yield* gather(right.open(ctx, param), ctx, "A nested loop join");
        const matchedRight = type === "right" || type === "full" ? new Uint8Array(materialized?.length ?? 0) : null;
        try {
          let count = 0;
          for (const leftRow of iterate(left.open(ctx, param))) {
            if (leftRow === PAUSE) {
              yield PAUSE;
              continue;
            }
            let matched = false;
            const candidates = materialized ?? (lateral ? lateralRows(right, ctx, leftRow) : iterate(right.open(ctx, leftRow)));
            let index = 0;
            for (const rightRow of candidates) {
              if (rightRow === PAUSE) {
                yield PAUSE;
                continue;
              }
              if (++count % INTERRUPT_CHECK_ROWS === 0) {
                ctx.checkInterrupts();
                if (ctx.pauseDue()) yield PAUSE;
              }
              const row = leftRow.concat(rightRow);
              if (!predicate || predicate(row, ctx) === true) {
                matched = true;
                if (matchedRight) matchedRight[index] = 1;
                if (type === "semi") break;
                if (type !== "anti") yield row;
              }
              index++;
            }
            if (!matched && (type === "left" || type === "full")) yield leftRow.concat(nullRow(rightWidth));
            if (type === "semi" && matched) yield leftRow;
            if (type === "anti" && !matched) yield leftRow;
          }
          if (matchedRight && materialized) {
            for (let i = 0; i < materialized.length; i++) {
              if (!matchedRight[i]) yield nullRow(leftWidth).concat(materialized[i]!);
            }
          }
        } finally {
          if (materialized) ctx.memory.release(materialized.bytes);
        }
      })(),
  };
}

/** A LATERAL right side: each step runs with the left row as the enclosing row. */
function* lateralRows(right: Operator, ctx: ExecContext, leftRow: Row): Iterable<Row> {
  ctx.outer.push(leftRow);
  let rows: Iterator<Row>;
  try {
    rows = right.open(ctx, null);
  } finally {
    ctx.outer.pop();
  }
  try {
    for (;;) {
      ctx.outer.push(leftRow);
      let next: IteratorResult<Row>;
      try {
        next = rows.next();
      } finally {
        ctx.outer.pop();
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    rows.return?.();
  }
}

/** Values that compare equal map to the same key (1.0 and 1.00, 'a ' and 'a' for char(n)). */
export function hashKeyOf(values: readonly SqlValue[], types: readonly SqlType[]): unknown {
  if (values.length === 1) return singleKey(values[0]!, types[0]!);
  let key = "";
  for (let i = 0; i < values.length; i++) {
    const part = singleKey(values[i]!, types[i]!);
    key += `${typeof part}:${String(part).length}:${String(part)}|`;
  }
  return key;
}

function singleKey(value: SqlValue, type: SqlType): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case "number":
      return Object.is(value, -0) ? 0 : value;
    case "boolean":
    case "bigint":
      return value;
    case "string":
      return type.oid === 1042 ? value.replace(/ +$/, "") : value;
    default:
      if (value instanceof Numeric) return `n:${value.normalize().toString()}`;
      if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString("hex")}`;
      return `h:${type.hash(value as never)}:${type.format(value as never, { timeZone: "UTC" })}`;
  }
}

function compileHashJoin(node: Extract<PlanNode, { kind: "hash-join" }>, layouts: Layouts): Operator {
  const left = compilePlan(node.left, layouts);
  const right = compilePlan(node.right, layouts);
  const leftKeys = node.leftKeys.map((e) => compileExpr(e, { ...layouts, row: new Layout(node.left.rels) }));
  const rightKeys = node.rightKeys.map((e) => compileExpr(e, { ...layouts, row: new Layout(node.right.rels) }));
  const types = node.keyTypes;
  const predicate = node.predicate ? compileExpr(node.predicate, { ...layouts, row: new Layout(node.rels) }) : null;
  const leftWidth = new Layout(node.left.rels).width;
  const rightWidth = new Layout(node.right.rels).width;
  const type = node.joinType;
  return {
    open: (ctx, param) =>
      (function* () {
        const table = new Map<unknown, Row[]>();
        const all: Row[] = [];
        let bytes = 0;
        try {
          for (const row of iterate(right.open(ctx, param))) {
            if (row === PAUSE) {
              yield PAUSE;
              continue;
            }
            const size = rowSize(row);
            bytes += size;
            ctx.memory.reserve(size, "A hash join");
            all.push(row);
            const keys = rightKeys.map((k) => k(row, ctx));
            if (keys.some((k) => k === null)) continue;
            const key = hashKeyOf(keys, types);
            const bucket = table.get(key);
            if (bucket) bucket.push(row);
            else table.set(key, [row]);
          }
          const matched = type === "right" || type === "full" ? new Set<Row>() : null;
          for (const leftRow of iterate(left.open(ctx, param))) {
            if (leftRow === PAUSE) {
              yield PAUSE;
              continue;
            }
            const keys = leftKeys.map((k) => k(leftRow, ctx));
            const bucket = keys.some((k) => k === null) ? undefined : table.get(hashKeyOf(keys, types));
            let found = false;
            if (bucket) {
              for (const rightRow of bucket) {
                const row = leftRow.concat(rightRow);
                if (predicate && predicate(row, ctx) !== true) continue;
                found = true;
                matched?.add(rightRow);
                yield row;
              }
            }
            if (!found && (type === "left" || type === "full")) yield leftRow.concat(nullRow(rightWidth));
          }
          if (matched) for (const rightRow of all) if (!matched.has(rightRow)) yield nullRow(leftWidth).concat(rightRow);
        } finally {
          ctx.memory.release(bytes);
        }
      })(),
  };
}

// ------------------------------------------------------------------ aggregates

interface Group {
  readonly keys: SqlValue[];
  readonly states: AggregateState[];
}

interface AggregateState {
  readonly accumulator: ReturnType<AggregateCall["signature"]["create"]>;
  readonly seen: Set<unknown> | null;
  readonly buffered: { values: SqlValue[]; sort: SqlValue[] }[] | null;
}

function compileAggregate(node: Extract<PlanNode, { kind: "aggregate" }>, layouts: Layouts): Operator {
  const input = compilePlan(node.input, layouts);
  const rowLayouts = { ...layouts, row: new Layout(node.input.rels) };
  const keyExprs = node.groupKeys.map((e) => compileExpr(e, rowLayouts));
  const keyTypes = node.groupKeys.map((e) => e.type);
  const calls = node.aggregates.map((call) => ({
    call,
    args: call.args.map((a) => compileExpr(a, rowLayouts)),
    argTypes: call.args.map((a) => a.type),
    filter: call.filter ? compileExpr(call.filter, rowLayouts) : null,
    order: call.order.map((k) => ({ fn: compileExpr(k.expr, rowLayouts), key: k })),
  }));
  const newStates = (): AggregateState[] =>
    calls.map(({ call }) => ({
      accumulator: call.signature.create(),
      seen: call.distinct ? new Set<unknown>() : null,
      buffered: call.order.length > 0 ? [] : null,
    }));
  const plain = keyExprs.length === 0;
  return {
    open: (ctx, param) =>
      (function* () {
        const groups = new Map<unknown, Group>();
        let bytes = 0;
        let count = 0;
        try {
          for (const row of iterate(input.open(ctx, param))) {
            if (row === PAUSE) {
              yield PAUSE;
              continue;
            }
            if (++count % INTERRUPT_CHECK_ROWS === 0) ctx.checkInterrupts();
            const keys = keyExprs.map((k) => k(row, ctx));
            const hash = plain ? 0 : hashKeyOf(keys, keyTypes);
            let group = groups.get(hash);
            if (!group) {
              group = { keys, states: newStates() };
              groups.set(hash, group);
              const size = rowSize(keys) + 64 * calls.length;
              bytes += size;
              ctx.memory.reserve(size, "A hash aggregate");
            }
            for (let i = 0; i < calls.length; i++) {
              const { call, args, filter, order, argTypes } = calls[i]!;
              if (filter && filter(row, ctx) !== true) continue;
              const values = args.map((a) => a(row, ctx));
              if (call.signature.strict && values.some((v) => v === null)) continue;
              const state = group.states[i]!;
              if (state.seen) {
                const key = hashKeyOf(values, argTypes);
                if (state.seen.has(key)) continue;
                state.seen.add(key);
                const size = rowSize(values);
                bytes += size;
                ctx.memory.reserve(size, "A DISTINCT aggregate");
              }
              if (state.buffered) {
                state.buffered.push({ values, sort: order.map((o) => o.fn(row, ctx)) });
                const size = rowSize(values);
                bytes += size;
                ctx.memory.reserve(size, "An ordered aggregate");
                continue;
              }
              state.accumulator.add(values, ctx.types);
            }
          }
          if (plain && groups.size === 0) groups.set(0, { keys: [], states: newStates() });
          for (const group of groups.values()) {
            const out: Row = [...group.keys];
            group.states.forEach((state, i) => {
              if (state.buffered) {
                const order = calls[i]!.order;
                state.buffered.sort((a, b) => {
                  for (let k = 0; k < order.length; k++) {
                    const c = compareValues(a.sort[k]!, b.sort[k]!, order[k]!.key);
                    if (c !== 0) return c;
                  }
                  return 0;
                });
                for (const item of state.buffered) state.accumulator.add(item.values, ctx.types);
              }
              out.push(state.accumulator.result(ctx.types));
            });
            yield out;
          }
        } finally {
          ctx.memory.release(bytes);
        }
      })(),
  };
}

// ------------------------------------------------------------------ sort, distinct, set operations

export function compareValues(a: SqlValue, b: SqlValue, key: SortKey): number {
  if (a === null || b === null) {
    if (a === null && b === null) return 0;
    return (a === null) === key.nullsFirst ? -1 : 1;
  }
  const order = (key.expr.type.compare as (x: SqlValue, y: SqlValue) => number)(a, b);
  return key.descending ? -order : order;
}

function sortComparator(keys: readonly SortKey[], layouts: Layouts) {
  const exprs = keys.map((k) => compileExpr(k.expr, layouts));
  const compares = keys.map((k) => {
    const compare = k.expr.type.compare as (x: SqlValue, y: SqlValue) => number;
    const sign = k.descending ? -1 : 1;
    const nullsFirst = k.nullsFirst;
    return (a: SqlValue, b: SqlValue): number => {
      if (a === null || b === null) {
        if (a === null && b === null) return 0;
        return (a === null) === nullsFirst ? -1 : 1;
      }
      return sign * compare(a, b);
    };
  });
  return {
    sort(rows: Row[], ctx: ExecContext): Row[] {
      const decorated = rows.map((row) => ({ row, keys: exprs.map((e) => e(row, ctx)) }));
      decorated.sort((x, y) => {
        for (let i = 0; i < compares.length; i++) {
          const c = compares[i]!(x.keys[i]!, y.keys[i]!);
          if (c !== 0) return c;
        }
        return 0;
      });
      return decorated.map((d) => d.row);
    },
  };
}

/** A set of rows by value (DISTINCT, UNION). */
export class RowSet {
  private readonly seen = new Set<unknown>();
  constructor(private readonly types: readonly SqlType[]) {}
  /** True when the row was not there yet. */
  add(row: Row): boolean {
    const key = hashKeyOf(row.slice(0, this.types.length), this.types);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
  get size(): number {
    return this.seen.size;
  }
}

function outputTypes(node: PlanNode): SqlType[] {
  if (node.kind === "project") return node.exprs.map((e) => e.type);
  if (node.kind === "setop") return [...node.types];
  if (node.kind === "values") return node.rows[0]?.map((e) => e.type) ?? [];
  const input = childrenOf(node)[0];
  return input ? outputTypes(input) : [];
}

function compileDistinct(node: Extract<PlanNode, { kind: "distinct" }>, layouts: Layouts): Operator {
  const input = compilePlan(node.input, layouts);
  const rowLayouts = { ...layouts, row: new Layout(node.input.rels) };
  if (node.on) {
    const keys = node.on.map((e) => compileExpr(e, rowLayouts));
    const types = node.on.map((e) => e.type);
    return {
      open: (ctx, param) =>
        (function* () {
          let previous: unknown = undefined;
          let first = true;
          for (const row of iterate(input.open(ctx, param))) {
            if (row === PAUSE) {
              yield PAUSE;
              continue;
            }
            const key = hashKeyOf(keys.map((k) => k(row, ctx)), types);
            if (!first && key === previous) continue;
            first = false;
            previous = key;
            yield row;
          }
        })(),
    };
  }
  const types = outputTypes(node.input);
  return {
    open: (ctx, param) =>
      (function* () {
        const set = new RowSet(types);
        let bytes = 0;
        try {
          for (const row of iterate(input.open(ctx, param))) {
            if (row === PAUSE) {
              yield PAUSE;
              continue;
            }
            if (!set.add(row)) continue;
            const size = rowSize(row);
            bytes += size;
            ctx.memory.reserve(size, "A DISTINCT");
            yield row;
          }
        } finally {
          ctx.memory.release(bytes);
        }
      })(),
  };
}

function compileSetop(node: Extract<PlanNode, { kind: "setop" }>, layouts: Layouts): Operator {
  const left = compilePlan(node.left, { ...layouts, param: null });
  const right = compilePlan(node.right, { ...layouts, param: null });
  const types = node.types;
  const width = types.length;
  return {
    open: (ctx) =>
      (function* () {
        const trim = (row: Row): Row => (row.length === width ? row : row.slice(0, width));
        if (node.op === "union") {
          if (node.all) {
            for (const row of iterate(left.open(ctx, null))) yield row === PAUSE ? PAUSE : trim(row);
            for (const row of iterate(right.open(ctx, null))) yield row === PAUSE ? PAUSE : trim(row);
            return;
          }
          const set = new RowSet(types);
          let bytes = 0;
          try {
            for (const source of [left, right]) {
              for (const row of iterate(source.open(ctx, null))) {
                if (row === PAUSE) {
                  yield PAUSE;
                  continue;
                }
                if (!set.add(row)) continue;
                const size = rowSize(row);
                bytes += size;
                ctx.memory.reserve(size, "A UNION");
                yield trim(row);
              }
            }
          } finally {
            ctx.memory.release(bytes);
          }
          return;
        }
        // INTERSECT / EXCEPT: count the right side's rows by value.
        const counts = new Map<unknown, number>();
        let bytes = 0;
        try {
          for (const row of iterate(right.open(ctx, null))) {
            if (row === PAUSE) {
              yield PAUSE;
              continue;
            }
            const key = hashKeyOf(row.slice(0, width), types);
            counts.set(key, (counts.get(key) ?? 0) + 1);
            const size = rowSize(row);
            bytes += size;
            ctx.memory.reserve(size, `An ${node.op.toUpperCase()}`);
          }
          const emitted = new Set<unknown>();
          for (const row of iterate(left.open(ctx, null))) {
            if (row === PAUSE) {
              yield PAUSE;
              continue;
            }
            const key = hashKeyOf(row.slice(0, width), types);
            const available = counts.get(key) ?? 0;
            if (node.op === "intersect") {
              if (available === 0) continue;
              if (node.all) counts.set(key, available - 1);
              else {
                if (emitted.has(key)) continue;
                emitted.add(key);
              }
              yield trim(row);
            } else {
              if (node.all) {
                if (available > 0) {
                  counts.set(key, available - 1);
                  continue;
                }
                yield trim(row);
              } else {
                if (available > 0 || emitted.has(key)) continue;
                emitted.add(key);
                yield trim(row);
              }
            }
          }
        } finally {
          ctx.memory.release(bytes);
        }
      })(),
  };
}

export { PgArray, type ScalarDatum };

/**
 * A direct evaluator for queries that produce at most one row from at most one point get
 * (SELECT ... WHERE pk = $1): no iterators on the hottest path. Null for other plans.
 */
export function compileSingleRow(node: PlanNode): ((ctx: ExecContext) => Row | null) | null {
  if (node.kind !== "project") return null;
  const filters: Extract<PlanNode, { kind: "filter" }>[] = [];
  let input = node.input;
  while (input.kind === "filter") {
    filters.push(input);
    input = input.input;
  }
  const base: Layouts = { row: new Layout([]), outer: [], param: null };
  const inputLayouts: Layouts = { ...base, row: new Layout(input.rels) };
  const exprs = node.exprs.map((e) => compileExpr(e, inputLayouts));
  const predicates = filters.map((f) => compileExpr(f.predicate, inputLayouts));
  const width = exprs.length;
  const finish = (row: Row, ctx: ExecContext): Row | null => {
    for (const predicate of predicates) if (predicate(row, ctx) !== true) return null;
    const out: Row = new Array(width);
    for (let i = 0; i < width; i++) out[i] = exprs[i]!(row, ctx);
    return out;
  };
  if (input.kind === "result") return (ctx) => finish([], ctx);
  if (input.kind !== "scan" || input.access.kind !== "get" || input.access.keys.length !== 1 || input.access.index.def.id !== 0 || input.withKey) return null;
  const scan = input;
  const index = input.access.index;
  const keyExprs = input.access.keys[0]!.map((e) => compileExpr(e, base));
  const keyTypes = input.access.keys[0]!.map((e) => e.type);
  const decoder = scan.table.layout.decoder(scan.columns);
  const filter = scan.filter ? compileExpr(scan.filter, inputLayouts) : null;
  const columns = scan.columns.length;
  const empty: Row = [];
  return (ctx) => {
    const values: SqlValue[] = new Array(keyExprs.length);
    for (let i = 0; i < keyExprs.length; i++) values[i] = keyExprs[i]!(empty, ctx);
    const key = probeKey(index, values, keyTypes, ctx.types);
    if (!key) return null;
    const value = ctx.reader.get(key);
    if (!value) return null;
    const row = decoder.decode(value, new Array<SqlValue>(columns));
    if (filter && filter(row, ctx) !== true) return null;
    return finish(row, ctx);
  };
}
