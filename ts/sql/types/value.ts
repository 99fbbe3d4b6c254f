// The JavaScript representation of SQL values (see index.ts for the per-type table).

import type { PgArray } from "./array.ts";
import type { Jsonb } from "./jsonb.ts";
import type { Numeric } from "./numeric.ts";

/** An interval as PostgreSQL stores it: three independent fields, never normalized. */
export interface Interval {
  readonly months: number;
  readonly days: number;
  readonly microseconds: bigint;
}

/** A non-null value of a scalar (non-array) type. */
export type ScalarDatum = boolean | number | bigint | string | Uint8Array | Numeric | Interval | Jsonb;

/** A non-null SQL value. */
export type Datum = ScalarDatum | PgArray;

/** A SQL value; JavaScript null is SQL NULL. */
export type SqlValue = Datum | null;
