// The descriptor every SQL type provides: identity (PostgreSQL's catalog data) and the
// functions the rest of the engine calls to read, print, compare and store values.

import type { TypeContext } from "./context.ts";
import type { Datum } from "./value.ts";

/** pg_type.typcategory. */
export type TypeCategory = "A" | "B" | "D" | "N" | "S" | "T" | "U" | "Z";

/** pg_cast.castcontext, spelled out: which contexts may apply a cast without being asked. */
export type CastContext = "implicit" | "assignment" | "explicit";

/** No type modifier, as in pg_attribute.atttypmod. */
export const NO_TYPMOD = -1;

/** Type modifiers (varchar(10), numeric(10,2), timestamp(3)): PostgreSQL's integer encoding. */
export interface TypmodSupport<T extends Datum> {
  /** typmodin: the integers written in parentheses → the stored typmod. */
  parse(modifiers: readonly number[]): number;
  /** typmodout: the stored typmod → its suffix, e.g. "(10,2)" or " day to second(3)". */
  format(typmod: number): string;
  /**
   * Fit a value to the typmod. `explicit` is true for an explicit cast, which truncates
   * strings where an assignment raises 22001.
   */
  coerce(value: T, typmod: number, explicit: boolean): T;
}

export interface SqlType<T extends Datum = Datum> {
  readonly oid: number;
  /** pg_type.typname, e.g. "int4". */
  readonly typname: string;
  /** format_type() without modifiers, e.g. "integer", "character varying". */
  readonly sqlName: string;
  /** pg_type.typlen: byte width, -1 for variable length. */
  readonly typlen: number;
  readonly category: TypeCategory;
  /** pg_type.typispreferred: wins ties in operator and function resolution. */
  readonly preferred: boolean;
  /** OID of the array type whose elements are this type; 0 for none. */
  readonly arrayOid: number;
  /** For an array type, the element type's OID; 0 otherwise. */
  readonly elementOid: number;
  readonly typmod: TypmodSupport<T> | null;

  /** Text input (typinput). Applies the typmod as an assignment would. */
  parse(text: string, typmod: number, ctx: TypeContext): T;
  /** Text output (typoutput), as PostgreSQL prints with DateStyle ISO and IntervalStyle postgres. */
  format(value: T, ctx: TypeContext): string;
  /** Binary input (typreceive): PostgreSQL's wire binary format. */
  decodeBinary(bytes: Uint8Array, typmod: number, ctx: TypeContext): T;
  /** Binary output (typsend). */
  encodeBinary(value: T, ctx: TypeContext): Uint8Array;
  /** Total order of the type's default btree operator class (ORDER BY, indexes). */
  compare(a: T, b: T): number;
  /** The type's `=` operator; consistent with compare() and hash(). */
  equals(a: T, b: T): boolean;
  /** A 32-bit hash: equal values hash equal (hash joins, GROUP BY). */
  hash(value: T): number;
  /** True when a JavaScript value is this type's representation. */
  accepts(value: unknown): value is T;
}
