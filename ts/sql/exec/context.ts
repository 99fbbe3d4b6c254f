// What running a plan needs: the statement's read view of the engine, parameters, the
// memory budget for sorts and hash tables, and per-execution caches (CTE results,
// uncorrelated subquery results).

import { SqlError, SqlState } from "../errors.ts";
import type { EvalContext, Row } from "../analyze/expr.ts";
import type { SqlValue } from "../types/index.ts";
import { Jsonb, Numeric, PgArray } from "../types/index.ts";

/** Reads rows as the statement's snapshot sees them. */
export interface RowReader {
  get(key: Uint8Array): Uint8Array | null;
  /** Keys in [lower, upper) in order (or reverse). */
  scan(lower: Uint8Array, upper: Uint8Array, reverse: boolean): Iterable<[Uint8Array, Uint8Array]>;
}

export interface ExecContext extends EvalContext {
  readonly reader: RowReader;
  readonly memory: MemoryBudget;
  readonly cteResults: Map<number, Row[]>;
  readonly subplanResults: Map<object, unknown>;
  /** True when the statement may hand the event loop a turn now (see PAUSE). */
  pauseDue(): boolean;
}

/**
 * Yielded by operators instead of a row when the statement has computed for a while without
 * giving the event loop a turn: the statement runs on the one JavaScript thread, and a cancel
 * request (or shutdown) is read only when the event loop runs. The runner of the statement
 * awaits a macrotask, checks for interrupts and goes on pulling. Operators pass it upward
 * without treating it as a row; a consumer that cannot pass it on (a subquery evaluated
 * inside an expression) skips it. Leaves yield it only when the context allows pausing, which
 * only the runner of a query's rows does (allowPause); DML, COPY and DDL never see it.
 */
export const PAUSE: Row = Object.freeze([]) as unknown as Row;

/** Wall time a statement computes before it hands the event loop a turn. */
const PAUSE_AFTER_MS = 25;

/** An ExecContext whose budget and caches are made when first used: most statements (a point read) use none of them. */
export class StatementExecContext implements ExecContext {
  readonly outer: Row[] = [];
  #pausable = false;
  #pauseAt = 0;
  #memory: MemoryBudget | null = null;
  #cteResults: Map<number, Row[]> | null = null;
  #subplanResults: Map<object, unknown> | null = null;

  constructor(
    readonly reader: RowReader,
    readonly params: readonly SqlValue[],
    readonly types: EvalContext["types"],
    readonly session: EvalContext["session"],
    private readonly workMemBytes: number,
    private readonly interrupts: { check(): void },
  ) {}

  get memory(): MemoryBudget {
    return (this.#memory ??= new MemoryBudget(this.workMemBytes));
  }

  get cteResults(): Map<number, Row[]> {
    return (this.#cteResults ??= new Map());
  }

  get subplanResults(): Map<object, unknown> {
    return (this.#subplanResults ??= new Map());
  }

  checkInterrupts(): void {
    this.interrupts.check();
  }

  /** The statement's rows are pulled by a runner that handles PAUSE; the event loop just had a turn. */
  allowPause(): void {
    this.#pausable = true;
    this.#pauseAt = Date.now() + PAUSE_AFTER_MS;
  }

  pauseDue(): boolean {
    return this.#pausable && Date.now() >= this.#pauseAt;
  }
}

/** Bounds the memory of sorts, hash tables and materialized results (work_mem). */
export class MemoryBudget {
  used = 0;
  constructor(readonly limitBytes: number) {}

  reserve(bytes: number, what: string): void {
    this.used += bytes;
    if (this.used > this.limitBytes) {
      const mb = Math.round(this.limitBytes / (1024 * 1024));
      throw new SqlError(SqlState.outOfMemory, "out of memory", {
        detail: `${what} needs more than work_mem (${mb}MB); pgz does not spill to disk.`,
        hint: "Raise work_mem, or narrow the query (WHERE, LIMIT).",
      });
    }
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** A rough size of a value in memory, for the budget. */
export function valueSize(value: SqlValue): number {
  if (value === null) return 8;
  switch (typeof value) {
    case "number":
    case "boolean":
      return 8;
    case "bigint":
      return 16;
    case "string":
      return 16 + value.length * 2;
    default:
      if (value instanceof Uint8Array) return 32 + value.length;
      if (value instanceof Numeric) return 48;
      if (value instanceof PgArray) return 64 + value.elements.reduce<number>((sum, e) => sum + valueSize(e), 0);
      if (value instanceof Jsonb) return 64 + value.toString().length * 2;
      return 64;
  }
}

export function rowSize(row: Row): number {
  let size = 32 + row.length * 8;
  for (const value of row) if (value !== null && value !== undefined && typeof value !== "number" && typeof value !== "boolean") size += valueSize(value);
  return size;
}
