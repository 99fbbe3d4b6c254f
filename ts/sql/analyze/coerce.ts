// Coercing an analyzed expression to a type: unknown literals are read as the target type
// at analysis time (as PostgreSQL does), unknown parameters take the type, everything else
// goes through the cast PostgreSQL would apply in the context.

import { SqlError, SqlState } from "../errors.ts";
import {
  coerceToTypmod,
  findCastPath,
  formatType,
  intervalType,
  NO_TYPMOD,
  PgArray,
  type CastContext,
  type CastPath,
  type Datum,
  type ScalarDatum,
  type SqlType,
  type SqlValue,
  type TypeContext,
} from "../types/index.ts";
import { asArgs, type EvalContext, type Expr, type ScalarFunction } from "./expr.ts";
import { isRegType, isUnknown, PseudoOid } from "./pseudo-types.ts";
import { formatStyled, parseStyled } from "../output-style.ts";
import { regObjectOid } from "../catalog/describe.ts";

/** What coercion needs from the analysis in progress. */
export interface CoercionHost {
  readonly types: TypeContext;
  /** Fixes the type of parameter $index (1-based) if it is still unknown. */
  setParamType(index: number, type: SqlType): void;
  /** 1-based character position for error reports, from a parse-tree location. */
  position(location: number | undefined): number | undefined;
  /** Resolves a relation name for 'name'::regclass at analysis time (42P01 when missing). */
  relationOid?(name: string): number;
}

function applyPath(value: Datum, path: CastPath, from: SqlType, to: SqlType, ctx: TypeContext): Datum {
  switch (path.kind) {
    case "same":
      return value;
    case "function":
      return path.convert(value, ctx);
    case "io":
      return parseStyled(to, formatStyled(from, value, ctx), NO_TYPMOD, ctx)!;
    case "array": {
      const element = path.element;
      return (value as PgArray).map((item) => applyPath(item, element, path.from, path.to, ctx) as ScalarDatum);
    }
  }
}

/** A conversion function for from → to in `context`, or null when PostgreSQL has none. */
export function castFunction(from: SqlType, to: SqlType, typmod: number, context: CastContext): ScalarFunction | null {
  if (isRegType(to) && (from.category === "S" || isUnknown(from))) {
    return (args, ctx) => (args[0] === null ? null : regObjectOid(ctx.session.catalogAccess(), to.oid, args[0] as string));
  }
  if (isRegType(to) || isRegType(from)) {
    const numeric = from.category === "N" && to.category === "N";
    if (!numeric && to.category !== "S") return null;
    if (to.category === "S") return (args, ctx) => (args[0] === null ? null : from.format(args[0]!, ctx.types));
    return (args) => (args[0] === null ? null : typeof args[0] === "bigint" ? Number(args[0]) : args[0]!);
  }
  if (isUnknown(from)) {
    return (args, ctx) => (args[0] === null ? null : parseStyled(to, args[0] as string, typmod, ctx.types));
  }
  const path = findCastPath(from, to, context);
  if (!path) return null;
  const explicit = context === "explicit";
  if (path.kind === "same") {
    if (typmod < 0 || !to.typmod) return (args) => args[0]!;
    return (args) => (args[0] === null ? null : coerceToTypmod(args[0]!, to, typmod, explicit));
  }
  return (args, ctx) => {
    const value = args[0]!;
    if (value === null) return null;
    const converted = applyPath(value, path, from, to, ctx.types);
    return typmod < 0 ? converted : coerceToTypmod(converted, to, typmod, explicit);
  };
}

function typeName(type: SqlType, typmod: number): string {
  return formatType(type, typmod);
}

/** Reads an unknown literal as `to`; errors carry the literal's position. */
function readLiteral(text: string, to: SqlType, typmod: number, host: CoercionHost, location: number | undefined): SqlValue {
  try {
    if (to.oid === PseudoOid.unknown) return text;
    return parseStyled(to, text, typmod, host.types);
  } catch (error) {
    if (error instanceof SqlError && error.position === undefined) error.position = host.position(location);
    throw error;
  }
}

export interface CoerceOptions {
  /** Names the column in assignment errors. */
  readonly column?: string;
  readonly location?: number;
  /** Where a missing cast is reported (the `::` or CAST), when that differs from `location`. */
  readonly castLocation?: number;
}

/** Coerces expr to `to` (with typmod) as PostgreSQL would in `context`; throws when it cannot. */
export function coerceExpr(expr: Expr, to: SqlType, typmod: number, context: CastContext, host: CoercionHost, options: CoerceOptions = {}): Expr {
  const result = tryCoerce(expr, to, typmod, context, host, options.location);
  if (result) return result;
  const position = host.position(options.castLocation ?? options.location);
  const fields = position === undefined ? {} : { position };
  if (context === "assignment" && options.column !== undefined) {
    throw new SqlError(
      SqlState.datatypeMismatch,
      `column "${options.column}" is of type ${typeName(to, typmod)} but expression is of type ${typeName(expr.type, expr.typmod)}`,
      { ...fields, hint: "You will need to rewrite or cast the expression." },
    );
  }
  if (context === "explicit") {
    throw new SqlError(SqlState.cannotCoerce, `cannot cast type ${typeName(expr.type, NO_TYPMOD)} to ${typeName(to, typmod)}`, fields);
  }
  throw new SqlError(SqlState.datatypeMismatch, `argument of type ${typeName(expr.type, NO_TYPMOD)} cannot be converted to ${typeName(to, typmod)}`, fields);
}

/** Like coerceExpr, but null when no cast exists. */
export function tryCoerce(expr: Expr, to: SqlType, typmod: number, context: CastContext, host: CoercionHost, location?: number): Expr | null {
  if (expr.type.oid === to.oid && (typmod < 0 || typmod === expr.typmod)) return expr;
  if (isUnknown(expr.type)) {
    if (expr.kind === "const") {
      if (isRegType(to)) {
        if (to.oid === PseudoOid.regclass && host.relationOid && typeof expr.value === "string") {
          try {
            return { kind: "const", type: to, typmod: NO_TYPMOD, value: host.relationOid(expr.value) };
          } catch (error) {
            if (error instanceof SqlError && error.position === undefined) error.position = host.position(location);
            throw error;
          }
        }
        return castNode(expr, to, typmod, castFunction(expr.type, to, typmod, context)!, context);
      }
      let value: SqlValue;
      // The literal read as `to` before a separate length/precision coercion, as PostgreSQL
      // builds it (deparsing shows that coercion as a cast).
      let read: Expr | undefined;
      if (expr.value === null) value = null;
      else if (context === "explicit" && typmod >= 0) {
        // An explicit cast truncates ('abcdef'::varchar(3)) where input would raise 22001.
        const parsed = readLiteral(expr.value as string, to, NO_TYPMOD, host, location);
        read = { kind: "const", type: to, typmod: NO_TYPMOD, value: parsed };
        value = parsed === null ? null : coerceToTypmod(parsed, to, typmod, true);
      } else if (typmod >= 0 && to.oid !== intervalType.oid) {
        // As in PostgreSQL, the literal is read without the typmod (errors point at it) and
        // the length/precision check follows as a separate step (its errors have no position).
        const parsed = readLiteral(expr.value as string, to, NO_TYPMOD, host, location);
        read = { kind: "const", type: to, typmod: NO_TYPMOD, value: parsed };
        value = parsed === null ? null : coerceToTypmod(parsed, to, typmod, false);
      } else value = readLiteral(expr.value as string, to, typmod, host, location);
      const folded = read ? { folded: { from: read, explicit: context === "explicit" } } : {};
      return { kind: "const", type: to, typmod: typmod >= 0 ? typmod : expr.typmod, value, ...folded };
    }
    if (expr.kind === "param") {
      host.setParamType(expr.index, to);
      const param: Expr = { kind: "param", index: expr.index, type: to, typmod: NO_TYPMOD };
      return typmod >= 0 && to.typmod ? castNode(param, to, typmod, castFunction(to, to, typmod, context)!, context) : param;
    }
  }
  const fn = castFunction(expr.type, to, typmod, context);
  if (!fn) return null;
  // Folding a cast of a constant at analysis time is what PostgreSQL does too.
  if (expr.kind === "const" && !isRegType(to)) {
    const ctx = { types: host.types } as EvalContext;
    return { kind: "const", type: to, typmod, value: fn(asArgs([expr.value]), ctx), folded: { from: expr, explicit: context === "explicit" } };
  }
  return castNode(expr, to, typmod, fn, context);
}

function castNode(arg: Expr, to: SqlType, typmod: number, convert: ScalarFunction, context: CastContext): Expr {
  return { kind: "cast", arg, type: to, typmod, convert, display: context === "explicit" ? "explicit" : "implicit" };
}
