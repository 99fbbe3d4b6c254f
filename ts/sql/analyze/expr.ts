// The analyzed expression tree: names resolved, types fixed (PostgreSQL's rules), each
// operator and function bound to its implementation. exec/compile-expr.ts turns it into
// closures once per statement.

import type { SqlType } from "../types/index.ts";
import type { SqlValue } from "../types/index.ts";
import type { TypeContext } from "../types/index.ts";
import type { PlanNode } from "../plan/nodes.ts";
import type { CatalogAccess } from "../catalog/describe.ts";

export type Row = SqlValue[];

/** What functions see at run time. */
export interface EvalContext {
  readonly params: readonly SqlValue[];
  /** Rows of enclosing queries (correlated subqueries), innermost last. */
  readonly outer: Row[];
  readonly types: TypeContext;
  readonly session: SessionFunctions;
  /** Raises 57014 when the statement was canceled or timed out. */
  checkInterrupts(): void;
}

/** Session facts and side effects functions need (now(), nextval(), current_user...). */
export interface SessionFunctions {
  readonly user: string;
  readonly database: string;
  readonly processId: number;
  /** Start of the transaction / statement, microseconds since 2000-01-01 UTC. */
  transactionTimestamp(): bigint;
  statementTimestamp(): bigint;
  currentSchema(): string | null;
  searchPath(): string[];
  nextval(sequence: string | number): bigint;
  currval(sequence: string | number): bigint;
  setval(sequence: string | number, value: bigint, called: boolean): bigint;
  lastval(): bigint;
  setting(name: string): string;
  setSetting(name: string, value: string, local: boolean): string;
  random(): number;
  setSeed(seed: number): void;
  /** Cancellable sleep (pg_sleep). */
  sleepMs(ms: number): void;
  relationOid(name: string): number;
  /** Whether the relation is the one its bare name finds through search_path; null if no such relation. */
  relationVisible(oid: number): boolean | null;
  /** The catalog as this statement sees it, for the catalog functions (pg_get_indexdef, ...). */
  catalogAccess(): CatalogAccess;
}

/**
 * Arguments as a function receives them. Typed as a long tuple so implementations can
 * destructure `([a, b]) => ...` (callers pass plain arrays: see `asArgs`).
 */
export type Args = readonly [SqlValue, SqlValue, SqlValue, SqlValue, SqlValue, SqlValue, SqlValue, SqlValue, ...SqlValue[]];

export type ScalarFunction = (args: Args, ctx: EvalContext) => SqlValue;

export function asArgs(values: readonly SqlValue[]): Args {
  return values as unknown as Args;
}

interface Typed {
  readonly type: SqlType;
  readonly typmod: number;
}

export type Expr =
  | (Typed & {
      readonly kind: "const";
      readonly value: SqlValue;
      /** The constant a cast was folded from at analysis time (deparsing shows the cast). */
      readonly folded?: { readonly from: Expr; readonly explicit: boolean };
    })
  | (Typed & { readonly kind: "param"; readonly index: number })
  | (Typed & {
      readonly kind: "var";
      /** Range-table entry the column belongs to (unique within a statement). */
      readonly rel: number;
      readonly col: number;
      /** 0: this query level; n: the n-th enclosing query. */
      readonly levelsUp: number;
      readonly name: string;
      /** Where the statement names the column (for error positions); not part of its identity. */
      readonly location?: number;
    })
  | (Typed & {
      readonly kind: "call";
      readonly name: string;
      readonly args: readonly Expr[];
      readonly fn: ScalarFunction;
      /** NULL in any argument gives NULL without calling fn. */
      readonly strict: boolean;
      /** Must not be evaluated once and folded (random(), nextval(), now() is stable). */
      readonly volatility: "immutable" | "stable" | "volatile";
      /** How EXPLAIN prints it: an operator between its arguments, or a call. */
      readonly display: "operator" | "function";
    })
  | (Typed & { readonly kind: "cast"; readonly arg: Expr; readonly convert: ScalarFunction; readonly display: string })
  | (Typed & { readonly kind: "and" | "or"; readonly args: readonly Expr[] })
  | (Typed & { readonly kind: "not"; readonly arg: Expr })
  | (Typed & { readonly kind: "case"; readonly whens: readonly { readonly cond: Expr; readonly result: Expr }[]; readonly otherwise: Expr })
  | (Typed & { readonly kind: "coalesce"; readonly args: readonly Expr[] })
  | (Typed & { readonly kind: "minmax"; readonly op: "greatest" | "least"; readonly args: readonly Expr[] })
  | (Typed & { readonly kind: "nulltest"; readonly arg: Expr; readonly negated: boolean })
  | (Typed & { readonly kind: "booltest"; readonly arg: Expr; readonly test: "true" | "false" | "unknown"; readonly negated: boolean })
  | (Typed & {
      readonly kind: "sublink";
      readonly link: "exists" | "any" | "all" | "expr" | "array";
      readonly plan: PlanNode;
      /** For ANY/ALL: compares the left values with a subquery row. */
      readonly testLeft: readonly Expr[];
      readonly testCompare: ((left: SqlValue, right: SqlValue, ctx: EvalContext) => SqlValue)[];
      readonly operator: string;
      /** References an enclosing query's columns: re-run per row. */
      readonly correlated: boolean;
      /** Range-table entries of the level holding the sublink that the subquery reads. */
      readonly refs: readonly number[];
    })
  | (Typed & {
      readonly kind: "inlist";
      readonly arg: Expr;
      readonly list: readonly Expr[];
      readonly compare: (left: SqlValue, right: SqlValue, ctx: EvalContext) => SqlValue;
      readonly negated: boolean;
    })
  | (Typed & {
      readonly kind: "arraycmp";
      readonly arg: Expr;
      readonly array: Expr;
      readonly compare: (left: SqlValue, right: SqlValue, ctx: EvalContext) => SqlValue;
      readonly any: boolean;
      readonly operator: string;
    })
  | (Typed & { readonly kind: "array"; readonly elements: readonly Expr[]; readonly elementType: SqlType })
  | (Typed & { readonly kind: "row"; readonly args: readonly Expr[] })
  | (Typed & {
      readonly kind: "rowcmp";
      readonly left: readonly Expr[];
      readonly right: readonly Expr[];
      readonly compares: readonly ((left: SqlValue, right: SqlValue, ctx: EvalContext) => SqlValue)[];
      readonly operator: string;
    })
  | (Typed & { readonly kind: "agg"; readonly index: number; readonly display: string });

export type ExprKind = Expr["kind"];

/** A string identifying an expression's structure (GROUP BY matching, deduplication). */
export function exprKey(expr: Expr): string {
  switch (expr.kind) {
    case "const":
      return `c:${expr.type.oid}:${expr.value === null ? "null" : typeof expr.value === "object" ? JSON.stringify(String(expr.value)) : String(expr.value)}`;
    case "param":
      return `p:${expr.index}`;
    case "var":
      return `v:${expr.levelsUp}:${expr.rel}:${expr.col}`;
    case "call":
      return `f:${expr.name}:${expr.type.oid}(${expr.args.map(exprKey).join(",")})`;
    case "cast":
      return `x:${expr.type.oid}:${expr.typmod}(${exprKey(expr.arg)})`;
    case "and":
    case "or":
      return `${expr.kind}(${expr.args.map(exprKey).join(",")})`;
    case "not":
      return `not(${exprKey(expr.arg)})`;
    case "case":
      return `case(${expr.whens.map((w) => `${exprKey(w.cond)}=>${exprKey(w.result)}`).join(",")};${exprKey(expr.otherwise)})`;
    case "coalesce":
      return `coalesce(${expr.args.map(exprKey).join(",")})`;
    case "minmax":
      return `${expr.op}(${expr.args.map(exprKey).join(",")})`;
    case "nulltest":
      return `isnull:${expr.negated}(${exprKey(expr.arg)})`;
    case "booltest":
      return `is:${expr.test}:${expr.negated}(${exprKey(expr.arg)})`;
    case "inlist":
      return `in:${expr.negated}(${exprKey(expr.arg)};${expr.list.map(exprKey).join(",")})`;
    case "arraycmp":
      return `arr:${expr.operator}:${expr.any}(${exprKey(expr.arg)};${exprKey(expr.array)})`;
    case "array":
      return `array(${expr.elements.map(exprKey).join(",")})`;
    case "row":
      return `row(${expr.args.map(exprKey).join(",")})`;
    case "rowcmp":
      return `rowcmp:${expr.operator}(${expr.left.map(exprKey).join(",")};${expr.right.map(exprKey).join(",")})`;
    case "agg":
      return `agg:${expr.index}`;
    case "sublink":
      return `sublink:${Math.random()}`;
  }
}

/** Calls fn on every direct child expression (not into subquery plans). */
export function forEachChild(expr: Expr, fn: (child: Expr) => void): void {
  switch (expr.kind) {
    case "call":
    case "and":
    case "or":
    case "coalesce":
    case "minmax":
    case "row":
      expr.args.forEach(fn);
      break;
    case "cast":
    case "not":
    case "nulltest":
    case "booltest":
      fn(expr.arg);
      break;
    case "case":
      for (const when of expr.whens) {
        fn(when.cond);
        fn(when.result);
      }
      fn(expr.otherwise);
      break;
    case "sublink":
      expr.testLeft.forEach(fn);
      break;
    case "inlist":
      fn(expr.arg);
      expr.list.forEach(fn);
      break;
    case "arraycmp":
      fn(expr.arg);
      fn(expr.array);
      break;
    case "array":
      expr.elements.forEach(fn);
      break;
    case "rowcmp":
      expr.left.forEach(fn);
      expr.right.forEach(fn);
      break;
    default:
      break;
  }
}

/** Rebuilds an expression bottom-up; `fn` may replace any node (return undefined to recurse). */
export function mapExpr(expr: Expr, fn: (node: Expr) => Expr | undefined): Expr {
  const replaced = fn(expr);
  if (replaced !== undefined) return replaced;
  const map = (child: Expr): Expr => mapExpr(child, fn);
  switch (expr.kind) {
    case "call":
      return { ...expr, args: expr.args.map(map) };
    case "and":
    case "or":
      return { ...expr, args: expr.args.map(map) };
    case "coalesce":
      return { ...expr, args: expr.args.map(map) };
    case "minmax":
      return { ...expr, args: expr.args.map(map) };
    case "row":
      return { ...expr, args: expr.args.map(map) };
    case "cast":
      return { ...expr, arg: map(expr.arg) };
    case "not":
      return { ...expr, arg: map(expr.arg) };
    case "nulltest":
      return { ...expr, arg: map(expr.arg) };
    case "booltest":
      return { ...expr, arg: map(expr.arg) };
    case "case":
      return { ...expr, whens: expr.whens.map((w) => ({ cond: map(w.cond), result: map(w.result) })), otherwise: map(expr.otherwise) };
    case "sublink":
      return { ...expr, testLeft: expr.testLeft.map(map) };
    case "inlist":
      return { ...expr, arg: map(expr.arg), list: expr.list.map(map) };
    case "arraycmp":
      return { ...expr, arg: map(expr.arg), array: map(expr.array) };
    case "array":
      return { ...expr, elements: expr.elements.map(map) };
    case "rowcmp":
      return { ...expr, left: expr.left.map(map), right: expr.right.map(map) };
    default:
      return expr;
  }
}

/** Whether any node satisfies the predicate (not looking into subquery plans). */
export function someExpr(expr: Expr, predicate: (node: Expr) => boolean): boolean {
  if (predicate(expr)) return true;
  let found = false;
  forEachChild(expr, (child) => {
    if (!found && someExpr(child, predicate)) found = true;
  });
  return found;
}

/** Range-table entries referenced at this query level. */
export function relsOf(expr: Expr, out: Set<number> = new Set()): Set<number> {
  someExpr(expr, (node) => {
    if (node.kind === "var" && node.levelsUp === 0) out.add(node.rel);
    if (node.kind === "sublink") for (const rel of node.refs) out.add(rel);
    return false;
  });
  return out;
}

export function isVolatile(expr: Expr): boolean {
  return someExpr(expr, (node) => (node.kind === "call" && node.volatility === "volatile") || node.kind === "sublink");
}
