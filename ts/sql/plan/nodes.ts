// Plan nodes: what the planner produces and the executor runs. A node's rows are the
// concatenation of its `rels`' columns (a scan has one rel, a join its inputs' rels, a
// projection or aggregate a new rel of its outputs), so a column reference (rel, col)
// compiles to a fixed row position.

import type { Expr, EvalContext, Row } from "../analyze/expr.ts";
import type { ResolvedSetFunction } from "../analyze/set-functions.ts";
import type { AggregateSignature } from "../analyze/aggregates.ts";
import type { TableRuntime, IndexRuntime } from "../table-runtime.ts";
import type { SqlType, SqlValue } from "../types/index.ts";

/** One rel in a row: `width` positions; `map` turns column numbers into positions when only some are present. */
export interface RelSlot {
  readonly rel: number;
  readonly width: number;
  readonly map?: readonly number[];
}

export interface OutputColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly typmod: number;
  readonly tableOid: number;
  readonly attnum: number;
}

export interface SortKey {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** A bound on an index column, evaluated at run time. */
export interface KeyBound {
  readonly expr: Expr;
  readonly inclusive: boolean;
}

/** How a table scan finds its rows. */
export type AccessPath =
  | { readonly kind: "seq" }
  /** Equality on every key column: one point get per key (several for IN lists). */
  | { readonly kind: "get"; readonly index: IndexRuntime; readonly keys: readonly (readonly Expr[])[]; readonly cond: readonly Expr[] }
  /** Equality on a key prefix and optional bounds on the next column. */
  | {
      readonly kind: "range";
      readonly index: IndexRuntime;
      readonly prefix: readonly Expr[];
      readonly lower: KeyBound | null;
      readonly upper: KeyBound | null;
      readonly cond: readonly Expr[];
      readonly reverse: boolean;
    };

export type JoinType = "inner" | "left" | "right" | "full" | "semi" | "anti";

export type PlanNode =
  | { readonly kind: "result"; readonly rels: readonly RelSlot[] }
  | { readonly kind: "values"; readonly rows: readonly (readonly Expr[])[]; readonly rels: readonly RelSlot[]; readonly alias: string }
  | {
      readonly kind: "scan";
      readonly table: TableRuntime;
      readonly alias: string;
      readonly rel: number;
      /** Live column indexes decoded (others stay undefined). */
      readonly columns: readonly number[];
      readonly access: AccessPath;
      readonly filter: Expr | null;
      readonly lock: "update" | "share" | null;
      /** Append each row's engine key after its columns (UPDATE/DELETE targets, row locks). */
      readonly withKey?: boolean;
      readonly rels: readonly RelSlot[];
    }
  | {
      readonly kind: "function";
      readonly fn: ResolvedSetFunction;
      readonly name: string;
      readonly alias: string;
      readonly ordinality: boolean;
      readonly rels: readonly RelSlot[];
    }
  | {
      readonly kind: "virtual";
      readonly name: string;
      readonly alias: string;
      readonly rows: (ctx: EvalContext) => Iterable<Row>;
      readonly rels: readonly RelSlot[];
    }
  | { readonly kind: "subquery"; readonly input: PlanNode; readonly alias: string; readonly rels: readonly RelSlot[] }
  | { readonly kind: "cte"; readonly name: string; readonly alias: string; readonly id: number; readonly source: PlanNode; readonly rels: readonly RelSlot[] }
  | { readonly kind: "filter"; readonly input: PlanNode; readonly predicate: Expr; readonly rels: readonly RelSlot[] }
  | { readonly kind: "project"; readonly input: PlanNode; readonly exprs: readonly Expr[]; readonly rels: readonly RelSlot[] }
  | {
      readonly kind: "project-set";
      readonly input: PlanNode;
      /** Per output column: a plain expression, or a set-returning call. */
      readonly items: readonly ({ readonly expr: Expr } | { readonly srf: ResolvedSetFunction; readonly args: readonly Expr[] })[];
      readonly rels: readonly RelSlot[];
    }
  | {
      readonly kind: "nested-loop";
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly joinType: JoinType;
      readonly predicate: Expr | null;
      /** The right side's index lookup reads the left row (passed as the scan's parameter row). */
      readonly parameterized: boolean;
      /** The right side is a LATERAL subquery: it runs per left row with that row as its enclosing row. */
      readonly lateral: boolean;
      readonly rels: readonly RelSlot[];
    }
  | {
      readonly kind: "hash-join";
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly joinType: JoinType;
      readonly leftKeys: readonly Expr[];
      readonly rightKeys: readonly Expr[];
      /** Types the keys are compared as. */
      readonly keyTypes: readonly SqlType[];
      readonly predicate: Expr | null;
      readonly rels: readonly RelSlot[];
    }
  | {
      readonly kind: "aggregate";
      readonly input: PlanNode;
      readonly groupKeys: readonly Expr[];
      readonly aggregates: readonly AggregateCall[];
      readonly rels: readonly RelSlot[];
    }
  | { readonly kind: "sort"; readonly input: PlanNode; readonly keys: readonly SortKey[]; readonly rels: readonly RelSlot[] }
  | { readonly kind: "limit"; readonly input: PlanNode; readonly limit: Expr | null; readonly offset: Expr | null; readonly rels: readonly RelSlot[] }
  | { readonly kind: "distinct"; readonly input: PlanNode; readonly on: readonly Expr[] | null; readonly rels: readonly RelSlot[] }
  | {
      readonly kind: "setop";
      readonly op: "union" | "intersect" | "except";
      readonly all: boolean;
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly types: readonly SqlType[];
      readonly rels: readonly RelSlot[];
    }
  | { readonly kind: "lock-rows"; readonly input: PlanNode; readonly scans: readonly number[]; readonly rels: readonly RelSlot[] };

export interface AggregateCall {
  readonly name: string;
  readonly signature: AggregateSignature;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  readonly filter: Expr | null;
  readonly order: readonly SortKey[];
  readonly star: boolean;
  readonly display: string;
}

/** A planned query: its plan and the columns it returns. */
export interface QueryPlan {
  readonly plan: PlanNode;
  readonly columns: readonly OutputColumn[];
}

export type { SqlValue };

/** The plan nodes a node reads rows from (a CTE reference reads its own, separately planned, node). */
export function childrenOf(node: PlanNode): PlanNode[] {
  switch (node.kind) {
    case "filter":
    case "project":
    case "project-set":
    case "aggregate":
    case "sort":
    case "limit":
    case "distinct":
    case "subquery":
    case "lock-rows":
      return [node.input];
    case "nested-loop":
    case "hash-join":
    case "setop":
      return [node.left, node.right];
    default:
      return [];
  }
}
