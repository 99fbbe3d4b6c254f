// Expressions → JavaScript closures, once per statement: a column becomes an array read at a
// fixed position, a call a direct function call, AND/OR three-valued short circuits. Nothing
// walks the expression tree per row.

import { SqlError, SqlState } from "../errors.ts";
import { PgArray, type ScalarDatum, type SqlValue } from "../types/index.ts";
import { asArgs, type Expr, type Row } from "../analyze/expr.ts";
import { PAUSE, type ExecContext } from "./context.ts";
import { Layout } from "./layout.ts";
import { compilePlan, type Operator } from "./operators.ts";

export type Compiled = (row: Row, ctx: ExecContext) => SqlValue;

/** Layouts in force: this level's row, the enclosing levels' rows (innermost last), and a join parameter row. */
export interface Layouts {
  readonly row: Layout;
  readonly outer: readonly Layout[];
  /** The left row of a parameterized nested loop (index lookups). */
  readonly param: Layout | null;
}

export function compileExpr(expr: Expr, layouts: Layouts): Compiled {
  switch (expr.kind) {
    case "const": {
      const value = expr.value;
      return () => value;
    }
    case "param": {
      const index = expr.index - 1;
      return (_row, ctx) => ctx.params[index] ?? null;
    }
    case "var":
      return compileVar(expr, layouts);
    case "call":
      return compileCall(expr, layouts);
    case "cast": {
      const arg = compileExpr(expr.arg, layouts);
      const convert = expr.convert;
      return (row, ctx) => {
        const value = arg(row, ctx);
        return value === null ? null : convert(asArgs([value]), ctx);
      };
    }
    case "and": {
      const args = expr.args.map((a) => compileExpr(a, layouts));
      if (args.length === 2) {
        const [a, b] = args as [Compiled, Compiled];
        return (row, ctx) => {
          const x = a(row, ctx);
          if (x === false) return false;
          const y = b(row, ctx);
          if (y === false) return false;
          return x === null || y === null ? null : true;
        };
      }
      return (row, ctx) => {
        let unknown = false;
        for (const arg of args) {
          const value = arg(row, ctx);
          if (value === false) return false;
          if (value === null) unknown = true;
        }
        return unknown ? null : true;
      };
    }
    case "or": {
      const args = expr.args.map((a) => compileExpr(a, layouts));
      return (row, ctx) => {
        let unknown = false;
        for (const arg of args) {
          const value = arg(row, ctx);
          if (value === true) return true;
          if (value === null) unknown = true;
        }
        return unknown ? null : false;
      };
    }
    case "not": {
      const arg = compileExpr(expr.arg, layouts);
      return (row, ctx) => {
        const value = arg(row, ctx);
        return value === null ? null : !value;
      };
    }
    case "case": {
      const whens = expr.whens.map((w) => ({ cond: compileExpr(w.cond, layouts), result: compileExpr(w.result, layouts) }));
      const otherwise = compileExpr(expr.otherwise, layouts);
      return (row, ctx) => {
        for (const when of whens) if (when.cond(row, ctx) === true) return when.result(row, ctx);
        return otherwise(row, ctx);
      };
    }
    case "coalesce": {
      const args = expr.args.map((a) => compileExpr(a, layouts));
      return (row, ctx) => {
        for (const arg of args) {
          const value = arg(row, ctx);
          if (value !== null) return value;
        }
        return null;
      };
    }
    case "minmax": {
      const args = expr.args.map((a) => compileExpr(a, layouts));
      const compare = expr.type.compare as (a: SqlValue, b: SqlValue) => number;
      const sign = expr.op === "greatest" ? 1 : -1;
      return (row, ctx) => {
        let best: SqlValue = null;
        for (const arg of args) {
          const value = arg(row, ctx);
          if (value !== null && (best === null || sign * compare(value, best) > 0)) best = value;
        }
        return best;
      };
    }
    case "nulltest": {
      const arg = compileExpr(expr.arg, layouts);
      return expr.negated ? (row, ctx) => arg(row, ctx) !== null : (row, ctx) => arg(row, ctx) === null;
    }
    case "booltest": {
      const arg = compileExpr(expr.arg, layouts);
      const target = expr.test === "true" ? true : expr.test === "false" ? false : null;
      const negated = expr.negated;
      return (row, ctx) => (arg(row, ctx) === target) !== negated;
    }
    case "inlist": {
      const arg = compileExpr(expr.arg, layouts);
      const list = expr.list.map((e) => compileExpr(e, layouts));
      const compare = expr.compare;
      const negated = expr.negated;
      return (row, ctx) => {
        const value = arg(row, ctx);
        if (value === null) return null;
        let unknown = false;
        for (const item of list) {
          const candidate = item(row, ctx);
          if (candidate === null) {
            unknown = true;
            continue;
          }
          if (compare(value, candidate, ctx) === true) return !negated;
        }
        return unknown ? null : negated;
      };
    }
    case "arraycmp": {
      const arg = compileExpr(expr.arg, layouts);
      const array = compileExpr(expr.array, layouts);
      const compare = expr.compare;
      const any = expr.any;
      return (row, ctx) => {
        const value = arg(row, ctx);
        const items = array(row, ctx) as PgArray | null;
        if (items === null) return null;
        if (items.elements.length === 0) return !any;
        if (value === null) return null;
        let unknown = false;
        for (const item of items.elements) {
          const result = item === null ? null : compare(value, item, ctx);
          if (result === null) unknown = true;
          else if (any && result === true) return true;
          else if (!any && result === false) return false;
        }
        return unknown ? null : !any;
      };
    }
    case "array": {
      const elements = expr.elements.map((e) => compileExpr(e, layouts));
      return (row, ctx) => new PgArray(elements.map((e) => e(row, ctx) as ScalarDatum | null));
    }
    case "rowcmp": {
      const left = expr.left.map((e) => compileExpr(e, layouts));
      const right = expr.right.map((e) => compileExpr(e, layouts));
      const compares = expr.compares;
      return (row, ctx) => {
        for (let i = 0; i < left.length; i++) {
          const result = compares[i]!(left[i]!(row, ctx), right[i]!(row, ctx), ctx);
          if (result === null) return null;
          if (result === "eq") continue;
          return result;
        }
        return expr.operator === "<=" || expr.operator === ">=";
      };
    }
    case "sublink":
      return compileSublink(expr, layouts);
    case "row":
      throw new SqlError(SqlState.featureNotSupported, "row values are only supported in comparisons");
    case "agg":
      throw new SqlError(SqlState.groupingError, `aggregate function calls are not allowed here`);
  }
}

function compileVar(expr: Extract<Expr, { kind: "var" }>, layouts: Layouts): Compiled {
  if (expr.levelsUp === 0) {
    if (layouts.row.has(expr.rel)) {
      const position = layouts.row.position(expr.rel, expr.col);
      return (row) => row[position]!;
    }
    return layouts.row.position(expr.rel, expr.col) as never;
  }
  const depth = expr.levelsUp;
  const layout = layouts.outer[layouts.outer.length - depth];
  if (!layout) throw new SqlError(SqlState.internalError, `no enclosing query ${depth} levels up`);
  const position = layout.position(expr.rel, expr.col);
  return (_row, ctx) => ctx.outer[ctx.outer.length - depth]![position]!;
}

function compileCall(expr: Extract<Expr, { kind: "call" }>, layouts: Layouts): Compiled {
  const fn = expr.fn;
  const args = expr.args.map((a) => compileExpr(a, layouts));
  if (!expr.strict) return (row, ctx) => fn(asArgs(args.map((a) => a(row, ctx))), ctx);
  switch (args.length) {
    case 0:
      return (_row, ctx) => fn(asArgs([]), ctx);
    case 1: {
      const a = args[0]!;
      return (row, ctx) => {
        const x = a(row, ctx);
        return x === null ? null : fn(asArgs([x]), ctx);
      };
    }
    case 2: {
      const [a, b] = args as [Compiled, Compiled];
      return (row, ctx) => {
        const x = a(row, ctx);
        if (x === null) return null;
        const y = b(row, ctx);
        return y === null ? null : fn(asArgs([x, y]), ctx);
      };
    }
    default:
      return (row, ctx) => {
        const values: SqlValue[] = new Array(args.length);
        for (let i = 0; i < args.length; i++) {
          const value = args[i]!(row, ctx);
          if (value === null) return null;
          values[i] = value;
        }
        return fn(asArgs(values), ctx);
      };
  }
}

/** Runs a subquery plan with the current row pushed as the enclosing row. */
function runSubplan(op: Operator, row: Row, ctx: ExecContext, visit: (subRow: Row) => boolean): void {
  ctx.outer.push(row);
  try {
    const iterator = op.open(ctx, null);
    try {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        if (next.value === PAUSE) continue;
        if (!visit(next.value)) break;
      }
    } finally {
      iterator.return?.();
    }
  } finally {
    ctx.outer.pop();
  }
}

function compileSublink(expr: Extract<Expr, { kind: "sublink" }>, layouts: Layouts): Compiled {
  const op = compilePlan(expr.plan, { row: layouts.row, outer: [...layouts.outer, layouts.row], param: null });
  const correlated = expr.correlated;
  const cacheKey = {};
  /** Uncorrelated subqueries run once per execution. */
  const cached = <T>(ctx: ExecContext, row: Row, compute: () => T): T => {
    if (correlated) return compute();
    if (ctx.subplanResults.has(cacheKey)) return ctx.subplanResults.get(cacheKey) as T;
    const value = compute();
    ctx.subplanResults.set(cacheKey, value);
    void row;
    return value;
  };
  switch (expr.link) {
    case "exists":
      return (row, ctx) =>
        cached(ctx, row, () => {
          let found = false;
          runSubplan(op, row, ctx, () => {
            found = true;
            return false;
          });
          return found;
        });
    case "expr":
      return (row, ctx) =>
        cached(ctx, row, () => {
          let value: SqlValue = null;
          let count = 0;
          runSubplan(op, row, ctx, (subRow) => {
            if (++count > 1) throw new SqlError(SqlState.cardinalityViolation, "more than one row returned by a subquery used as an expression");
            value = subRow[0] ?? null;
            return true;
          });
          return value;
        });
    case "array":
      return (row, ctx) =>
        cached(ctx, row, () => {
          const values: (ScalarDatum | null)[] = [];
          runSubplan(op, row, ctx, (subRow) => {
            values.push((subRow[0] ?? null) as ScalarDatum | null);
            return true;
          });
          return new PgArray(values);
        });
    case "any":
    case "all": {
      const left = expr.testLeft.map((e) => compileExpr(e, layouts));
      const compares = expr.testCompare;
      const any = expr.link === "any";
      const width = left.length;
      const primitiveEquality = any && width === 1 && expr.operator === "=" && primitiveEqualityTypes.has(expr.testLeft[0]!.type.oid);
      const evaluate = (leftValues: SqlValue[], subRow: Row, ctx: ExecContext): SqlValue => {
        let result: SqlValue = true;
        for (let i = 0; i < width; i++) {
          const l = leftValues[i]!;
          const r = subRow[i] ?? null;
          const value = l === null || r === null ? null : compares[i]!(l, r, ctx);
          if (value === false) return false;
          if (value === null) result = null;
        }
        return result;
      };
      return (row, ctx) => {
        const leftValues = left.map((l) => l(row, ctx));
        const rows = correlated
          ? null
          : (cached(ctx, row, () => {
              const all: Row[] = [];
              runSubplan(op, row, ctx, (subRow) => {
                all.push(subRow);
                return true;
              });
              return all;
            }) as Row[]);
        let unknown = false;
        let decided: boolean | null = null;
        const visit = (subRow: Row): boolean => {
          const value = evaluate(leftValues, subRow, ctx);
          if (value === null) unknown = true;
          else if (any && value === true) {
            decided = true;
            return false;
          } else if (!any && value === false) {
            decided = false;
            return false;
          }
          return true;
        };
        if (rows) {
          if (primitiveEquality && leftValues[0] !== null && rows.length > 16) {
            const index = hashIndex(ctx, cacheKey, rows);
            if (index.representation === typeof leftValues[0]) {
              const candidate = index.get(leftValues[0]);
              if (candidate !== undefined) return true;
              return index.hasNull ? null : false;
            }
          }
          for (const subRow of rows) if (!visit(subRow)) break;
        } else runSubplan(op, row, ctx, visit);
        if (decided !== null) return decided;
        return unknown ? null : !any;
      };
    }
  }
}

/** Types whose `=` is JavaScript equality of their representation. */
const primitiveEqualityTypes = new Set([16, 20, 21, 23, 25, 26, 1043, 1082, 1114, 1184, 2950]);

interface HashIndex extends Map<unknown, Row> {
  hasNull: boolean;
  /** typeof the first column's values (mixed types disable the index). */
  representation: string;
}

const indexKeys = new WeakMap<object, object>();

/** A primitive-keyed index of an uncorrelated IN subquery's rows (first column). */
function hashIndex(ctx: ExecContext, key: object, rows: readonly Row[]): HashIndex {
  let indexKey = indexKeys.get(key);
  if (!indexKey) {
    indexKey = {};
    indexKeys.set(key, indexKey);
  }
  const found = ctx.subplanResults.get(indexKey) as HashIndex | undefined;
  if (found) return found;
  const index = new Map<unknown, Row>() as HashIndex;
  index.hasNull = false;
  index.representation = "";
  for (const row of rows) {
    const value = row[0];
    if (value === null || value === undefined) {
      index.hasNull = true;
      continue;
    }
    const kind = typeof value;
    if (index.representation === "") index.representation = kind;
    else if (index.representation !== kind) index.representation = "mixed";
    if (!index.has(value)) index.set(value, row);
  }
  ctx.subplanResults.set(indexKey, index);
  return index;
}

export { Layout };
