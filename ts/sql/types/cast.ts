// Casts between the built-in types: PostgreSQL's pg_cast table (which contexts may apply
// each cast), I/O conversion through text, element-wise array casts, and typmod coercion.

import { SqlError, SqlState } from "../errors.ts";
import { PgArray } from "./array.ts";
import { castFunctionKey, castFunctions, type CastFunction } from "./cast-functions.ts";
import { defaultTypeContext, type TypeContext } from "./context.ts";
import { Oid } from "./oids.ts";
import { elementTypeOf, formatType } from "./registry.ts";
import { NO_TYPMOD, type CastContext, type SqlType } from "./type.ts";
import type { Datum, ScalarDatum, SqlValue } from "./value.ts";

const i = "implicit";
const a = "assignment";
const e = "explicit";

/** pg_cast.castcontext for every cast among the built-in types, "source>target". */
const castContexts = new Map<string, CastContext>(
  (
    [
      [Oid.bool, Oid.int4, e], [Oid.bool, Oid.text, a], [Oid.bool, Oid.bpchar, a], [Oid.bool, Oid.varchar, a],
      [Oid.char, Oid.int4, e], [Oid.char, Oid.text, i], [Oid.char, Oid.bpchar, a], [Oid.char, Oid.varchar, a],
      [Oid.name, Oid.text, i], [Oid.name, Oid.bpchar, a], [Oid.name, Oid.varchar, a],
      [Oid.int8, Oid.int2, a], [Oid.int8, Oid.int4, a], [Oid.int8, Oid.oid, i], [Oid.int8, Oid.float4, i],
      [Oid.int8, Oid.float8, i], [Oid.int8, Oid.numeric, i],
      [Oid.int2, Oid.int8, i], [Oid.int2, Oid.int4, i], [Oid.int2, Oid.oid, i], [Oid.int2, Oid.float4, i],
      [Oid.int2, Oid.float8, i], [Oid.int2, Oid.numeric, i],
      [Oid.int4, Oid.bool, e], [Oid.int4, Oid.char, e], [Oid.int4, Oid.int8, i], [Oid.int4, Oid.int2, a],
      [Oid.int4, Oid.oid, i], [Oid.int4, Oid.float4, i], [Oid.int4, Oid.float8, i], [Oid.int4, Oid.numeric, i],
      [Oid.text, Oid.char, a], [Oid.text, Oid.name, i], [Oid.text, Oid.bpchar, i], [Oid.text, Oid.varchar, i],
      [Oid.oid, Oid.int8, a], [Oid.oid, Oid.int4, a],
      [Oid.json, Oid.jsonb, a],
      [Oid.float4, Oid.int8, a], [Oid.float4, Oid.int2, a], [Oid.float4, Oid.int4, a], [Oid.float4, Oid.float8, i],
      [Oid.float4, Oid.numeric, a],
      [Oid.float8, Oid.int8, a], [Oid.float8, Oid.int2, a], [Oid.float8, Oid.int4, a], [Oid.float8, Oid.float4, a],
      [Oid.float8, Oid.numeric, a],
      [Oid.bpchar, Oid.char, a], [Oid.bpchar, Oid.name, i], [Oid.bpchar, Oid.text, i], [Oid.bpchar, Oid.varchar, i],
      [Oid.varchar, Oid.char, a], [Oid.varchar, Oid.name, i], [Oid.varchar, Oid.text, i], [Oid.varchar, Oid.bpchar, i],
      [Oid.date, Oid.timestamp, i], [Oid.date, Oid.timestamptz, i],
      [Oid.time, Oid.interval, i],
      [Oid.timestamp, Oid.date, a], [Oid.timestamp, Oid.time, a], [Oid.timestamp, Oid.timestamptz, i],
      [Oid.timestamptz, Oid.date, a], [Oid.timestamptz, Oid.time, a], [Oid.timestamptz, Oid.timestamp, a],
      [Oid.interval, Oid.time, a],
      [Oid.numeric, Oid.int8, a], [Oid.numeric, Oid.int2, a], [Oid.numeric, Oid.int4, a], [Oid.numeric, Oid.float4, i],
      [Oid.numeric, Oid.float8, i],
      [Oid.jsonb, Oid.bool, e], [Oid.jsonb, Oid.int8, e], [Oid.jsonb, Oid.int2, e], [Oid.jsonb, Oid.int4, e],
      [Oid.jsonb, Oid.json, a], [Oid.jsonb, Oid.float4, e], [Oid.jsonb, Oid.float8, e], [Oid.jsonb, Oid.numeric, e],
    ] as const
  ).map(([from, to, context]) => [castFunctionKey(from, to), context]),
);

const contextRank: Record<CastContext, number> = { implicit: 0, assignment: 1, explicit: 2 };

/** How a value gets from one type to another. */
export type CastPath =
  | { readonly kind: "same" }
  | { readonly kind: "function"; readonly convert: CastFunction }
  | { readonly kind: "array"; readonly element: CastPath; readonly from: SqlType; readonly to: SqlType }
  | { readonly kind: "io" };

function isStringCategory(type: SqlType): boolean {
  return type.category === "S";
}

/**
 * find_coercion_pathway: the cast PostgreSQL would apply in `context`, or null when none
 * exists there (the caller reports 42846 or its assignment-specific 42804).
 */
export function findCastPath(from: SqlType, to: SqlType, context: CastContext): CastPath | null {
  if (from.oid === to.oid) return { kind: "same" };
  const castKey = castFunctionKey(from.oid, to.oid);
  const listed = castContexts.get(castKey);
  if (listed !== undefined) {
    if (contextRank[listed] > contextRank[context]) return null;
    return { kind: "function", convert: castFunctions.get(castKey)! };
  }
  const fromElement = elementTypeOf(from);
  const toElement = elementTypeOf(to);
  if (fromElement && toElement) {
    const element = findCastPath(fromElement, toElement, context);
    return element ? { kind: "array", element, from: fromElement, to: toElement } : null;
  }
  if (contextRank[context] >= contextRank.assignment && isStringCategory(to)) return { kind: "io" };
  if (context === "explicit" && isStringCategory(from)) return { kind: "io" };
  return null;
}

function applyPath(value: Datum, path: CastPath, from: SqlType, to: SqlType, session: TypeContext): Datum {
  switch (path.kind) {
    case "same":
      return value;
    case "function":
      return path.convert(value, session);
    case "io":
      return to.parse(from.format(value, session), NO_TYPMOD, session);
    case "array":
      return (value as PgArray).map((item) => applyPath(item, path.element, path.from, path.to, session) as ScalarDatum);
  }
}

/** Applies a typmod to a value of `type`; explicit casts truncate strings instead of failing. */
export function coerceToTypmod(value: Datum, type: SqlType, typmod: number, explicit: boolean): Datum {
  if (typmod < 0 || !type.typmod) return value;
  return type.typmod.coerce(value, typmod, explicit);
}

/**
 * cast(value, from, to, context): converts a value the way PostgreSQL's coercion does in
 * that context, then fits it to `typmod` (varchar(3), numeric(5,2), timestamp(0)...).
 * Raises 42846 when PostgreSQL has no such cast in that context.
 */
export function cast(
  value: SqlValue,
  from: SqlType,
  to: SqlType,
  context: CastContext,
  session: TypeContext = defaultTypeContext,
  typmod: number = NO_TYPMOD,
): SqlValue {
  const path = findCastPath(from, to, context);
  if (!path) {
    throw new SqlError(SqlState.cannotCoerce, `cannot cast type ${formatType(from, NO_TYPMOD)} to ${formatType(to, typmod)}`);
  }
  if (value === null) return null;
  const converted = applyPath(value, path, from, to, session);
  return coerceToTypmod(converted, to, typmod, context === "explicit");
}

/** The least permissive context in which the cast exists, or null if there is none. */
export function castContextOf(from: SqlType, to: SqlType): CastContext | null {
  for (const context of ["implicit", "assignment", "explicit"] as const) {
    if (findCastPath(from, to, context)) return context;
  }
  return null;
}
