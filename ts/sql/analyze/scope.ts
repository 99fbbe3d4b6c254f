// Name resolution: the FROM items visible at each query level, enclosing levels for
// correlated subqueries, and the bookkeeping that tells a subquery's planner which
// outer columns it reads.

import type { SqlType } from "../types/index.ts";
import type { TableRuntime } from "../table-runtime.ts";
import type { Expr } from "./expr.ts";
import type { AggregateCall, PlanNode } from "../plan/nodes.ts";

export interface RangeColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly typmod: number;
  /** Source table OID and attnum for RowDescription (0 when computed). */
  readonly tableOid: number;
  readonly attnum: number;
}

export interface RangeEntry {
  readonly rel: number;
  /** The name it is referenced by (alias or table name); "" for unnamed joins. */
  readonly alias: string;
  readonly columns: readonly RangeColumn[];
  readonly table: TableRuntime | null;
  /** Columns referenced anywhere (scans decode only these). */
  readonly used: Set<number>;
  /** Excluded from unqualified lookups (the target of UPDATE ... FROM is not). */
  readonly hidden?: boolean;
}

/** A common table expression visible by name. */
export interface CteDef {
  readonly id: number;
  readonly name: string;
  readonly columns: readonly RangeColumn[];
  plan: PlanNode | null;
  /** For WITH RECURSIVE: the working table while the recursive term runs. */
  readonly recursive: boolean;
}

/** Aggregates found while binding one query level. */
export interface AggregateState {
  allowed: boolean;
  /** What to say when they are not ("WHERE", "GROUP BY", ...). */
  context: string;
  readonly calls: AggregateCall[];
  /** Binding an aggregate's own arguments (nested aggregates are an error). */
  inside: boolean;
}

/** Merged columns of JOIN ... USING / NATURAL JOIN, looked up before the inputs. */
export interface MergedColumn {
  readonly name: string;
  readonly expr: Expr;
  /** Entries whose same-named column it hides from `*`. */
  readonly hides: readonly number[];
}

export class Scope {
  readonly entries: RangeEntry[] = [];
  readonly merged = new Map<string, MergedColumn>();
  readonly ctes = new Map<string, CteDef>();
  /** WITH items not yet visible (forward references), for a helpful error. */
  readonly pendingCtes = new Set<string>();
  /** Something below references a level above this one. */
  correlated = false;
  /** Rels of the parent level this level (or its children) reads. */
  readonly parentRefs = new Set<number>();
  aggregates: AggregateState | null = null;
  /** Set-returning calls collected from the select list. */
  allowSetFunctions = false;

  constructor(readonly parent: Scope | null) {}

  findCte(name: string): CteDef | undefined {
    for (let scope: Scope | null = this; scope; scope = scope.parent) {
      const found = scope.ctes.get(name);
      if (found) return found;
    }
    return undefined;
  }
}
