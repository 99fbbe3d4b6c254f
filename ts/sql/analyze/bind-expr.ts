// Expression analysis: parse-tree expressions → typed Expr with names resolved against the
// scope, operators and functions bound, and unknown literals and parameters typed by their
// context, following PostgreSQL's parse_expr.c / parse_oper.c / parse_func.c.

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf, namesOf, stringOf, tagOf } from "../ast.ts";
import { missingColumnHint } from "./column-hint.ts";
import { SqlError, SqlState } from "../errors.ts";
import {
  arrayTypeOf,
  boolType,
  dateType,
  elementTypeOf,
  formatType,
  int4Type,
  int8Type,
  nameType,
  NO_TYPMOD,
  Numeric,
  numericType,
  PgArray,
  resolveTypeName,
  textType,
  timestampType,
  timestamptzType,
  timeType,
  type ScalarDatum,
  type SqlType,
  type SqlValue,
  type ResolvedType,
} from "../types/index.ts";
import { applyTimestampTypmod } from "../types/timestamp.ts";
import { timestamptzToDate, timestamptzToTimestamp, timeOfTimestamp, localTimestamp } from "../types/datetime/convert.ts";
import { sessionZone } from "../types/datetime/input.ts";
import { parseNumericText } from "../types/numeric-text.ts";
import type { Analysis } from "./analysis.ts";
import { coerceExpr, tryCoerce } from "./coerce.ts";
import { asArgs, type EvalContext, type Expr, type ScalarFunction } from "./expr.ts";
import { operatorCandidates, comparisonOperators, comparisonFunction, type OperatorFunction } from "./operators.ts";
import { resolveFunction, concatArrays, functionExists } from "./functions.ts";
import { isAggregate, resolveAggregate } from "./aggregates.ts";
import { isSetFunction } from "./set-functions.ts";
import { canCoerceImplicitly, commonType, selectCandidate } from "./resolve.ts";
import { isUnknown, pseudoTypes, regclassType, unknownType } from "./pseudo-types.ts";
import type { RangeEntry, Scope } from "./scope.ts";
import type { QueryPlan, SortKey } from "../plan/nodes.ts";

/** Plans a subquery in a child scope (provided by the SELECT planner). */
export type SubqueryPlanner = (stmt: Node, scope: Scope) => QueryPlan;

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

function constant(type: SqlType, value: SqlValue, typmod = NO_TYPMOD): Expr {
  return { kind: "const", type, typmod, value };
}

export function boolConst(value: boolean | null): Expr {
  return constant(boolType, value);
}

export class ExprBinder {
  planSubquery: SubqueryPlanner = () => {
    throw new SqlError(SqlState.internalError, "no subquery planner");
  };

  constructor(readonly analysis: Analysis) {}

  // ---------------------------------------------------------------- entry points

  /** Binds an expression; `scope` resolves column names. */
  bind(node: Node, scope: Scope): Expr {
    const tag = tagOf(node);
    switch (tag) {
      case "A_Const":
        return this.constant(bodyOf<Ast.A_Const>(node));
      case "ColumnRef":
        return this.columnRef(bodyOf<Ast.ColumnRef>(node), scope);
      case "ParamRef":
        return this.param(bodyOf<Ast.ParamRef>(node));
      case "A_Expr":
        return this.aExpr(bodyOf<Ast.A_Expr>(node), scope);
      case "BoolExpr":
        return this.boolExpr(bodyOf<Ast.BoolExpr>(node), scope);
      case "TypeCast":
        return this.typeCast(bodyOf<Ast.TypeCast>(node), scope);
      case "FuncCall":
        return this.funcCall(bodyOf<Ast.FuncCall>(node), scope);
      case "NullTest": {
        const test = bodyOf<Ast.NullTest>(node);
        const arg = this.bind(test.arg!, scope);
        if (arg.kind === "row") {
          // ROW(...) IS NULL: every field null; IS NOT NULL: every field not null.
          const parts = arg.args.map((a): Expr => ({ kind: "nulltest", arg: a, negated: test.nulltesttype === "IS_NOT_NULL", type: boolType, typmod: NO_TYPMOD }));
          return { kind: "and", args: parts, type: boolType, typmod: NO_TYPMOD };
        }
        return { kind: "nulltest", arg, negated: test.nulltesttype === "IS_NOT_NULL", type: boolType, typmod: NO_TYPMOD };
      }
      case "BooleanTest": {
        const test = bodyOf<Ast.BooleanTest>(node);
        const arg = this.coerceBool(this.bind(test.arg!, scope), "IS TRUE", undefined);
        const kind = test.booltesttype!;
        const which = kind.includes("TRUE") ? "true" : kind.includes("FALSE") ? "false" : "unknown";
        return { kind: "booltest", arg, test: which, negated: kind.includes("NOT"), type: boolType, typmod: NO_TYPMOD };
      }
      case "CaseExpr":
        return this.caseExpr(bodyOf<Ast.CaseExpr>(node), scope);
      case "CoalesceExpr": {
        const nodes = bodyOf<Ast.CoalesceExpr>(node).args ?? [];
        const args = nodes.map((a) => this.bind(a, scope));
        const type = this.common(args, "COALESCE", nodes);
        return { kind: "coalesce", args: args.map((a, i) => this.coerce(a, type, NO_TYPMOD, locationOf(nodes[i]))), type, typmod: NO_TYPMOD };
      }
      case "MinMaxExpr": {
        const body = bodyOf<Ast.MinMaxExpr>(node);
        const op = body.op === "IS_GREATEST" ? "greatest" : "least";
        const args = (body.args ?? []).map((a) => this.bind(a, scope));
        const type = this.common(args, op.toUpperCase(), body.args);
        return { kind: "minmax", op, args: args.map((a, i) => this.coerce(a, type, NO_TYPMOD, locationOf(body.args?.[i]))), type, typmod: NO_TYPMOD };
      }
      case "SQLValueFunction":
        return this.sqlValueFunction(bodyOf<Ast.SQLValueFunction>(node));
      case "SubLink":
        return this.subLink(bodyOf<Ast.SubLink>(node), scope);
      case "A_ArrayExpr":
        return this.arrayExpr(bodyOf<Ast.A_ArrayExpr>(node), scope, null);
      case "A_Indirection":
        return this.indirection(bodyOf<Ast.A_Indirection>(node), scope);
      case "RowExpr": {
        const args = (bodyOf<Ast.RowExpr>(node).args ?? []).map((a) => this.bind(a, scope));
        return { kind: "row", args, type: unknownType, typmod: NO_TYPMOD };
      }
      case "CollateClause": {
        const body = bodyOf<Ast.CollateClause>(node);
        const name = namesOf(body.collname).pop() ?? "";
        if (!["C", "POSIX", "default", "ucs_basic"].includes(name)) {
          throw this.analysis.error(SqlState.featureNotSupported, `collation "${name}" is not supported; pgz compares text bytewise (collation "C")`, body.location);
        }
        return this.bind(body.arg!, scope);
      }
      case "GroupingFunc":
        throw this.analysis.error(SqlState.featureNotSupported, "GROUPING is not supported");
      case "SetToDefault":
        throw this.analysis.error(SqlState.featureNotSupported, "DEFAULT is not allowed in this context");
      case "A_Star":
        throw this.analysis.error(SqlState.syntaxError, "row expansion via \"*\" is not supported here");
      default:
        throw this.analysis.error(SqlState.featureNotSupported, `expression ${tag} is not supported`);
    }
  }

  /** Binds and coerces to boolean (WHERE, HAVING, ON, CHECK). */
  bindCondition(node: Node, scope: Scope, context: string): Expr {
    return this.coerceBool(this.bind(node, scope), context, locationOf(node));
  }

  coerceBool(expr: Expr, context: string, location: number | undefined): Expr {
    if (expr.type.oid === boolType.oid) return expr;
    if (isUnknown(expr.type)) return this.coerce(expr, boolType);
    throw this.analysis.error(SqlState.datatypeMismatch, `argument of ${context} must be type boolean, not type ${formatType(expr.type, NO_TYPMOD)}`, location);
  }

  coerce(expr: Expr, type: SqlType, typmod = NO_TYPMOD, location?: number): Expr {
    return coerceExpr(expr, type, typmod, "implicit", this.analysis, location === undefined ? {} : { location });
  }

  /** The common type of `args`; `nodes` (their parse nodes) place a mismatch error. */
  common(args: readonly Expr[], context: string, nodes?: readonly (Node | undefined)[]): SqlType {
    return commonType(args.map((a) => a.type), context, nodes?.map((node) => this.analysis.position(locationOf(node))));
  }

  // ---------------------------------------------------------------- leaves

  constant(body: Ast.A_Const): Expr {
    if (body.isnull) return constant(unknownType, null);
    if (body.ival !== undefined) {
      const value = body.ival.ival ?? 0;
      return constant(int4Type, value);
    }
    if (body.fval !== undefined) {
      const text = body.fval.fval ?? "0";
      if (/^-?[0-9]+$/.test(text)) {
        const big = BigInt(text);
        if (big >= INT4_MIN && big <= INT4_MAX) return constant(int4Type, Number(big));
        if (big >= -9223372036854775808n && big <= 9223372036854775807n) return constant(int8Type, big);
      }
      if (/^0[xob]/i.test(text) || text.includes("_")) {
        const cleaned = text.replace(/_/g, "");
        const big = BigInt(cleaned);
        if (big >= INT4_MIN && big <= INT4_MAX) return constant(int4Type, Number(big));
        if (big <= 9223372036854775807n) return constant(int8Type, big);
        return constant(numericType, Numeric.fromInteger(big));
      }
      return constant(numericType, parseNumericText(text));
    }
    if (body.boolval !== undefined) return constant(boolType, body.boolval.boolval ?? false);
    if (body.sval !== undefined) return constant(unknownType, body.sval.sval ?? "");
    if (body.bsval !== undefined) throw this.analysis.error(SqlState.featureNotSupported, "bit string literals are not supported", body.location);
    return constant(int4Type, 0);
  }

  param(body: Ast.ParamRef): Expr {
    const index = body.number ?? 0;
    if (index < 1 || index > 65535 || !this.analysis.parametersAllowed) {
      throw this.analysis.error(SqlState.undefinedParameter, `there is no parameter $${index}`, body.location);
    }
    const type = this.analysis.paramType(index);
    return { kind: "param", index, type: type ?? unknownType, typmod: NO_TYPMOD };
  }

  columnRef(body: Ast.ColumnRef, scope: Scope): Expr {
    const fields = body.fields ?? [];
    const names = fields.map((f) => (asNode(f, "A_Star") ? "*" : stringOf(f)));
    if (names[names.length - 1] === "*") {
      throw this.analysis.error(SqlState.featureNotSupported, "row expansion via \"*\" is not supported here", body.location);
    }
    if (names.length === 1) return this.resolveColumn(null, names[0]!, scope, body.location);
    if (names.length === 2) return this.resolveColumn(names[0]!, names[1]!, scope, body.location);
    if (names.length === 3) return this.resolveColumn(names[1]!, names[2]!, scope, body.location);
    throw this.analysis.error(SqlState.syntaxError, `improper qualified name (too many dotted names): ${names.join(".")}`, body.location);
  }

  /** Finds a column by optional qualifier and name, searching enclosing levels. */
  resolveColumn(qualifier: string | null, name: string, scope: Scope, location: number | undefined): Expr {
    let levelsUp = 0;
    for (let current: Scope | null = scope; current; current = current.parent, levelsUp++) {
      const found = this.findInScope(current, qualifier, name, location);
      if (found) {
        const expr = this.markReference(found, scope, levelsUp);
        return expr.kind === "var" && location !== undefined ? { ...expr, location } : expr;
      }
      if (qualifier !== null && current.entries.some((e) => e.alias === qualifier && !e.hidden)) {
        const hint = missingColumnHint(scope, qualifier, name);
        throw this.analysis.error(SqlState.undefinedColumn, `column ${qualifier}.${name} does not exist`, location, hint ? { hint } : {});
      }
    }
    if (qualifier !== null) {
      for (let current: Scope | null = scope; current; current = current.parent) {
        const aliased = current.entries.find((e) => e.table?.def.name === qualifier && e.alias !== qualifier);
        if (aliased) {
          throw this.analysis.error(SqlState.undefinedTable, `invalid reference to FROM-clause entry for table "${qualifier}"`, location, {
            hint: `Perhaps you meant to reference the table alias "${aliased.alias}".`,
          });
        }
      }
      throw this.analysis.error(SqlState.undefinedTable, `missing FROM-clause entry for table "${qualifier}"`, location);
    }
    const hint = missingColumnHint(scope, null, name);
    throw this.analysis.error(SqlState.undefinedColumn, `column "${name}" does not exist`, location, hint ? { hint } : {});
  }

  private findInScope(scope: Scope, qualifier: string | null, name: string, location: number | undefined): Expr | null {
    if (qualifier === null) {
      const merged = scope.merged.get(name);
      if (merged) return merged.expr;
    }
    let found: Expr | null = null;
    for (const entry of scope.entries) {
      if (qualifier !== null ? entry.alias !== qualifier : entry.hidden) continue;
      const index = entry.columns.findIndex((c) => c.name === name);
      if (index < 0) continue;
      if (found) {
        throw this.analysis.error(SqlState.ambiguousColumn, `column reference "${name}" is ambiguous`, location);
      }
      found = this.varOf(entry, index);
      if (qualifier !== null) break;
    }
    return found;
  }

  varOf(entry: RangeEntry, index: number): Expr {
    entry.used.add(index);
    const column = entry.columns[index]!;
    return { kind: "var", rel: entry.rel, col: index, levelsUp: 0, name: column.name, type: column.type, typmod: column.typmod };
  }

  /** Records an outer reference for the subquery levels in between. */
  private markReference(expr: Expr, from: Scope, levelsUp: number): Expr {
    if (levelsUp === 0) return expr;
    let current: Scope = from;
    for (let i = 0; i < levelsUp; i++) {
      current.correlated = true;
      if (i === levelsUp - 1) {
        const rels = new Set<number>();
        collectVars(expr, rels);
        for (const rel of rels) current.parentRefs.add(rel);
      }
      current = current.parent!;
    }
    return shiftLevels(expr, levelsUp);
  }

  // ---------------------------------------------------------------- operators

  aExpr(body: Ast.A_Expr, scope: Scope): Expr {
    const name = namesOf(body.name).pop() ?? "";
    const location = body.location;
    switch (body.kind) {
      case "AEXPR_OP": {
        if (!body.lexpr) return this.operator(name, null, this.bind(body.rexpr!, scope), location, true, [undefined, locationOf(body.rexpr)]);
        const lnode = body.lexpr;
        const rnode = body.rexpr!;
        if (asNode(lnode, "RowExpr") && asNode(rnode, "RowExpr") && comparisonOperators.has(name)) {
          return this.rowCompare(name, bodyOf<Ast.RowExpr>(lnode), bodyOf<Ast.RowExpr>(rnode), scope, location);
        }
        return this.operator(name, this.bind(lnode, scope), this.bind(rnode, scope), location, true, [locationOf(lnode), locationOf(rnode)]);
      }
      case "AEXPR_OP_ANY":
      case "AEXPR_OP_ALL":
        return this.arrayCompare(name, this.bind(body.lexpr!, scope), body.rexpr!, scope, body.kind === "AEXPR_OP_ANY", location);
      case "AEXPR_DISTINCT":
      case "AEXPR_NOT_DISTINCT": {
        const left = this.bind(body.lexpr!, scope);
        const right = this.bind(body.rexpr!, scope);
        const eq = this.operator("=", left, right, location, false) as Extract<Expr, { kind: "call" }>;
        const distinct = body.kind === "AEXPR_DISTINCT";
        const compare = eq.fn;
        const [l, r] = eq.args;
        return {
          kind: "call",
          name: distinct ? "is distinct from" : "is not distinct from",
          args: [l!, r!],
          fn: ([a, c], ctx) => {
            if (a === null || c === null) return distinct ? (a === null) !== (c === null) : (a === null) === (c === null);
            const equal = compare(asArgs([a, c]), ctx) === true;
            return distinct ? !equal : equal;
          },
          strict: false,
          volatility: "immutable",
          display: "operator",
          type: boolType,
          typmod: NO_TYPMOD,
        };
      }
      case "AEXPR_NULLIF": {
        const left = this.bind(body.lexpr!, scope);
        const right = this.bind(body.rexpr!, scope);
        const eq = this.operator("=", left, right, location, false) as Extract<Expr, { kind: "call" }>;
        const compare = eq.fn;
        const [l, r] = eq.args;
        return {
          kind: "call",
          name: "nullif",
          args: [l!, r!],
          fn: ([a, c], ctx) => (a !== null && c !== null && compare(asArgs([a, c]), ctx) === true ? null : a!),
          strict: false,
          volatility: "immutable",
          display: "function",
          type: l!.type,
          typmod: l!.typmod,
        };
      }
      case "AEXPR_IN":
        return this.inList(name, body.lexpr!, asNode<Ast.List>(body.rexpr, "List")?.items ?? [], scope, location);
      case "AEXPR_LIKE":
      case "AEXPR_ILIKE":
      case "AEXPR_SIMILAR":
        return this.operator(name, this.bind(body.lexpr!, scope), this.bind(body.rexpr!, scope), location);
      case "AEXPR_BETWEEN":
      case "AEXPR_NOT_BETWEEN":
      case "AEXPR_BETWEEN_SYM":
      case "AEXPR_NOT_BETWEEN_SYM": {
        const items = asNode<Ast.List>(body.rexpr, "List")?.items ?? [];
        const value = this.bind(body.lexpr!, scope);
        const low = this.bind(items[0]!, scope);
        const high = this.bind(items[1]!, scope);
        const between = (lo: Expr, hi: Expr): Expr => ({
          kind: "and",
          args: [this.operator(">=", value, lo, location), this.operator("<=", value, hi, location)],
          type: boolType,
          typmod: NO_TYPMOD,
        });
        let result = between(low, high);
        if (body.kind.endsWith("_SYM")) result = { kind: "or", args: [result, between(high, low)], type: boolType, typmod: NO_TYPMOD };
        if (body.kind.includes("NOT")) result = { kind: "not", arg: result, type: boolType, typmod: NO_TYPMOD };
        return result;
      }
      default:
        throw this.analysis.error(SqlState.featureNotSupported, `operator form ${body.kind} is not supported`, location);
    }
  }

  /** Resolves `left name right` (left null for prefix operators) and coerces the operands. */
  operator(name: string, left: Expr | null, right: Expr, location?: number, fold = true, argLocations: readonly (number | undefined)[] = []): Expr {
    if (left && (left.kind === "row" || right.kind === "row")) {
      throw this.analysis.error(SqlState.featureNotSupported, "row values are only supported in comparisons", location);
    }
    const generic = left ? this.genericOperator(name, left, right, location) : null;
    if (generic) return generic;
    const candidates = operatorCandidates(name).filter((c) => (c.left === null) === (left === null));
    const argTypes = left ? [left.type, right.type] : [right.type];
    const chosen = selectCandidate(candidates, argTypes, () =>
      this.analysis.error(SqlState.ambiguousFunction, `operator is not unique: ${this.operatorSignature(name, left, right)}`, location, {
        hint: "Could not choose a best candidate operator. You might need to add explicit type casts.",
      }),
    );
    if (!chosen) {
      throw this.analysis.error(SqlState.undefinedFunction, `operator does not exist: ${this.operatorSignature(name, left, right)}`, location, {
        hint: "No operator matches the given name and argument types. You might need to add explicit type casts.",
      });
    }
    const args = left
      ? [this.coerce(left, chosen.left!, NO_TYPMOD, argLocations[0]), this.coerce(right, chosen.right, NO_TYPMOD, argLocations[1])]
      : [this.coerce(right, chosen.right, NO_TYPMOD, argLocations[1])];
    const fn = chosen.fn;
    const call: Expr = {
      kind: "call",
      name,
      args,
      fn: left ? (values, ctx) => fn(values[0]!, values[1]!, ctx) : (values, ctx) => fn(null, values[0]!, ctx),
      strict: true,
      volatility: chosen.result.oid === timestamptzType.oid || chosen.left?.oid === timestamptzType.oid ? "stable" : "immutable",
      display: "operator",
      type: chosen.result,
      typmod: NO_TYPMOD,
    };
    return fold ? this.fold(call) : call;
  }

  private operatorSignature(name: string, left: Expr | null, right: Expr): string {
    const show = (e: Expr): string => formatType(e.type, NO_TYPMOD);
    return left ? `${show(left)} ${name} ${show(right)}` : `${name} ${show(right)}`;
  }

  /** Operators over arrays and `anynonarray || text`, which the table does not list. */
  private genericOperator(name: string, left: Expr, right: Expr, location?: number): Expr | null {
    const leftArray = elementTypeOf(left.type) !== undefined;
    const rightArray = elementTypeOf(right.type) !== undefined;
    if (comparisonOperators.has(name) && (leftArray || rightArray)) {
      const type = leftArray ? left.type : right.type;
      const l = this.coerce(left, type, NO_TYPMOD, location);
      const r = this.coerce(right, type, NO_TYPMOD, location);
      const fn = comparisonFunction(type, name);
      return this.callOf(name, [l, r], (values, ctx) => fn(values[0]!, values[1]!, ctx), boolType);
    }
    if (name === "||" && (leftArray || rightArray)) {
      if (leftArray && rightArray) {
        const type = this.common([left, right], "ARRAY");
        return this.callOf(name, [this.coerce(left, type), this.coerce(right, type)], ([a, c]) => concatArrays(a as PgArray, c as PgArray), type);
      }
      const arrayType = leftArray ? left.type : right.type;
      const element = elementTypeOf(arrayType)!;
      if (leftArray) {
        if (isUnknown(right.type) && right.kind === "const" && typeof right.value === "string" && right.value.startsWith("{")) {
          return this.callOf(name, [left, this.coerce(right, arrayType)], ([a, c]) => concatArrays(a as PgArray, c as PgArray), arrayType);
        }
        return this.callOf(name, [left, this.coerce(right, element)], ([a, c]) => new PgArray([...(a as PgArray).elements, c as ScalarDatum]), arrayType, false);
      }
      return this.callOf(name, [this.coerce(left, element), right], ([c, a]) => new PgArray([c as ScalarDatum, ...(a as PgArray).elements]), arrayType, false);
    }
    if (name === "||") {
      const leftText = left.type.category === "S" || isUnknown(left.type);
      const rightText = right.type.category === "S" || isUnknown(right.type);
      if (leftText && rightText) return null;
      if (leftText !== rightText && !(isUnknown(left.type) && isUnknown(right.type))) {
        const other = leftText ? right : left;
        if (other.type.category === "U" && other.type.typname === "jsonb") return null;
        if (other.type.oid === 17) return null;
        // anynonarray || text is `$1::text || $2`: the cast to text (true → 'true').
        const toText = (e: Expr): Expr => (e === other ? coerceExpr(e, textType, NO_TYPMOD, "explicit", this.analysis) : this.coerce(e, textType));
        return this.callOf(name, [toText(left), toText(right)], ([a, c]) => (a as string) + (c as string), textType);
      }
    }
    return null;
  }

  private callOf(name: string, args: Expr[], fn: ScalarFunction, type: SqlType, strict = true): Expr {
    return this.fold({ kind: "call", name, args, fn, strict, volatility: "immutable", display: "operator", type, typmod: NO_TYPMOD });
  }

  /** Evaluates immutable calls on constants now, as PostgreSQL's planner does. */
  fold(expr: Expr): Expr {
    if (expr.kind !== "call" || expr.volatility !== "immutable") return expr;
    if (!expr.args.every((a) => a.kind === "const")) return expr;
    const values = expr.args.map((a) => (a as { value: SqlValue }).value);
    if (expr.strict && values.some((v) => v === null)) return constant(expr.type, null, expr.typmod);
    // Errors (division by zero) are left for execution, where PostgreSQL would also raise them.
    try {
      const value = expr.fn(asArgs(values), { types: this.analysis.types } as EvalContext);
      return constant(expr.type, value, expr.typmod);
    } catch {
      return expr;
    }
  }

  private rowCompare(name: string, leftRow: Ast.RowExpr, rightRow: Ast.RowExpr, scope: Scope, location?: number): Expr {
    const left = (leftRow.args ?? []).map((a) => this.bind(a, scope));
    const right = (rightRow.args ?? []).map((a) => this.bind(a, scope));
    if (left.length !== right.length) throw this.analysis.error(SqlState.syntaxError, "unequal number of entries in row expressions", location);
    const calls = left.map((l, i) => this.operator(name, l, right[i]!, location, false) as Extract<Expr, { kind: "call" }>);
    if (name === "=" || name === "<>") {
      const eqs = left.map((l, i) => this.operator("=", l, right[i]!, location));
      const all: Expr = { kind: "and", args: eqs, type: boolType, typmod: NO_TYPMOD };
      return name === "=" ? all : { kind: "not", arg: all, type: boolType, typmod: NO_TYPMOD };
    }
    const eqCalls = left.map((l, i) => this.operator("=", l, right[i]!, location, false) as Extract<Expr, { kind: "call" }>);
    return {
      kind: "rowcmp",
      left: calls.map((c) => c.args[0]!),
      right: calls.map((c) => c.args[1]!),
      compares: calls.map((c, i) => (a: SqlValue, b: SqlValue, ctx: EvalContext) => {
        if (a === null || b === null) return null;
        if (eqCalls[i]!.fn(asArgs([a, b]), ctx) === true) return "eq";
        return c.fn(asArgs([a, b]), ctx);
      }),
      operator: name,
      type: boolType,
      typmod: NO_TYPMOD,
    };
  }

  /** x op ANY (array) / x op ALL (array). */
  private arrayCompare(name: string, left: Expr, rnode: Node, scope: Scope, any: boolean, location?: number): Expr {
    if (asNode(rnode, "SubLink")) throw this.analysis.error(SqlState.internalError, "unexpected sublink");
    let array = this.bind(rnode, scope);
    if (isUnknown(array.type)) {
      const arrayType = arrayTypeOf(isUnknown(left.type) ? textType : left.type);
      if (!arrayType) throw this.analysis.error(SqlState.undefinedFunction, `could not find array type for data type ${formatType(left.type, NO_TYPMOD)}`, location);
      array = this.coerce(array, arrayType);
    }
    const element = elementTypeOf(array.type);
    if (!element) {
      throw this.analysis.error(SqlState.wrongObjectType, `op ANY/ALL (array) requires array on right side`, location);
    }
    const probe: Expr = { kind: "param", index: 0, type: element, typmod: NO_TYPMOD };
    const call = this.operator(name, left, probe, location, false) as Extract<Expr, { kind: "call" }>;
    if (call.type.oid !== boolType.oid) throw this.analysis.error(SqlState.wrongObjectType, `op ANY/ALL (array) requires operator to yield boolean`, location);
    const coercedLeft = call.args[0]!;
    const rightConverter = call.args[1]!;
    let convertElement: ((v: SqlValue, ctx: EvalContext) => SqlValue) | null = null;
    if (rightConverter.kind === "cast") {
      const convert = rightConverter.convert;
      convertElement = (v, ctx) => convert(asArgs([v]), ctx);
    }
    const fn = call.fn;
    const compare = convertElement
      ? (a: SqlValue, b: SqlValue, ctx: EvalContext) => fn(asArgs([a, convertElement!(b, ctx)]), ctx)
      : (a: SqlValue, b: SqlValue, ctx: EvalContext) => fn(asArgs([a, b]), ctx);
    return { kind: "arraycmp", arg: coercedLeft, array, compare, any, operator: name, type: boolType, typmod: NO_TYPMOD };
  }

  private inList(name: string, lnode: Node, items: readonly Node[], scope: Scope, location?: number): Expr {
    const negated = name === "<>";
    if (asNode(lnode, "RowExpr")) {
      const leftRow = bodyOf<Ast.RowExpr>(lnode);
      const alternatives = items.map((item) => {
        const rightRow = asNode<Ast.RowExpr>(item, "RowExpr");
        if (!rightRow) throw this.analysis.error(SqlState.syntaxError, "unequal number of entries in row expressions", location);
        return this.rowCompare("=", leftRow, rightRow, scope, location);
      });
      const any: Expr = { kind: "or", args: alternatives, type: boolType, typmod: NO_TYPMOD };
      return negated ? { kind: "not", arg: any, type: boolType, typmod: NO_TYPMOD } : any;
    }
    const left = this.bind(lnode, scope);
    const list = items.map((item) => this.bind(item, scope));
    let type: SqlType | null = null;
    try {
      type = this.common([left, ...list], "IN");
    } catch {
      type = null;
    }
    if (type && !elementTypeOf(type) && comparisonOperators.has("=") && operatorCandidates("=").some((c) => c.left?.oid === type!.oid)) {
      const coercedLeft = this.coerce(left, type, NO_TYPMOD, locationOf(lnode));
      const coercedList = list.map((e, i) => this.coerce(e, type!, NO_TYPMOD, locationOf(items[i])));
      const equals = type.equals as (a: SqlValue, b: SqlValue) => boolean;
      return { kind: "inlist", arg: coercedLeft, list: coercedList, compare: (a, b) => equals(a, b), negated, type: boolType, typmod: NO_TYPMOD };
    }
    const alternatives = list.map((item, i) => this.operator(negated ? "<>" : "=", left, item, location, true, [locationOf(lnode), locationOf(items[i])]));
    return { kind: negated ? "and" : "or", args: alternatives, type: boolType, typmod: NO_TYPMOD };
  }

  boolExpr(body: Ast.BoolExpr, scope: Scope): Expr {
    const op = body.boolop === "AND_EXPR" ? "AND" : body.boolop === "OR_EXPR" ? "OR" : "NOT";
    const args = (body.args ?? []).map((a) => this.coerceBool(this.bind(a, scope), op, locationOf(a)));
    if (op === "NOT") return { kind: "not", arg: args[0]!, type: boolType, typmod: NO_TYPMOD };
    return { kind: op === "AND" ? "and" : "or", args, type: boolType, typmod: NO_TYPMOD };
  }

  private caseExpr(body: Ast.CaseExpr, scope: Scope): Expr {
    const subject = body.arg ? this.bind(body.arg, scope) : null;
    const whens = (body.args ?? []).map((node) => {
      const when = bodyOf<Ast.CaseWhen>(node);
      const condition = subject
        ? this.operator("=", subject, this.bind(when.expr!, scope), when.location)
        : this.bindCondition(when.expr!, scope, "CASE/WHEN");
      return { cond: condition, result: this.bind(when.result!, scope) };
    });
    const otherwise = body.defresult ? this.bind(body.defresult, scope) : constant(unknownType, null);
    // The ELSE result comes first, as in PostgreSQL (it decides the order types are named in).
    const type = this.common([otherwise, ...whens.map((w) => w.result)], "CASE", [body.defresult, ...(body.args ?? []).map((n) => bodyOf<Ast.CaseWhen>(n).result)]);
    return {
      kind: "case",
      whens: whens.map((w, i) => ({ cond: w.cond, result: this.coerce(w.result, type, NO_TYPMOD, locationOf(bodyOf<Ast.CaseWhen>(body.args![i]!).result)) })),
      otherwise: this.coerce(otherwise, type, NO_TYPMOD, locationOf(body.defresult)),
      type,
      typmod: NO_TYPMOD,
    };
  }

  // ---------------------------------------------------------------- casts and types

  resolveType(typeName: Ast.TypeName): ResolvedType {
    const names = namesOf(typeName.names);
    const last = names[names.length - 1] ?? "";
    if (typeName.pct_type) throw this.analysis.error(SqlState.featureNotSupported, "%TYPE references are not supported", typeName.location);
    if (typeName.setof) throw this.analysis.error(SqlState.featureNotSupported, "SETOF types are not supported", typeName.location);
    const pseudo = pseudoTypes.find((t) => t.typname === last);
    if (pseudo && (names.length === 1 || names[0] === "pg_catalog")) return { type: pseudo, typmod: NO_TYPMOD };
    const typmods = (typeName.typmods ?? []).map((node) => {
      const constant = asNode<Ast.A_Const>(node, "A_Const");
      if (constant?.ival !== undefined) return constant.ival.ival ?? 0;
      if (constant?.sval !== undefined || constant?.fval !== undefined) {
        throw this.analysis.error(SqlState.syntaxError, "type modifiers must be simple constants or identifiers", typeName.location);
      }
      throw this.analysis.error(SqlState.syntaxError, "type modifiers must be simple constants or identifiers", typeName.location);
    });
    try {
      return resolveTypeName({ names, typmods, arrayBounds: (typeName.arrayBounds ?? []).length });
    } catch (error) {
      if (error instanceof SqlError && error.position === undefined) error.position = this.analysis.position(typeName.location);
      throw error;
    }
  }

  private typeCast(body: Ast.TypeCast, scope: Scope): Expr {
    const target = this.resolveType(body.typeName!);
    if (target.serial) throw this.analysis.error(SqlState.undefinedObject, `type "${namesOf(body.typeName!.names).pop()}" does not exist`, body.typeName!.location);
    const argNode = body.arg!;
    const array = asNode<Ast.A_ArrayExpr>(argNode, "A_ArrayExpr");
    const arg = array && elementTypeOf(target.type) ? this.arrayExpr(array, scope, target.type) : this.bind(argNode, scope);
    // Errors reading a literal point at the literal, as PostgreSQL's do.
    const location = asNode(argNode, "A_Const") ? locationOf(argNode) : body.location;
    return coerceExpr(arg, target.type, target.typmod, "explicit", this.analysis, { location, castLocation: body.location });
  }

  private arrayExpr(body: Ast.A_ArrayExpr, scope: Scope, target: SqlType | null): Expr {
    const elements = (body.elements ?? []).map((node) => {
      const nested = asNode<Ast.A_ArrayExpr>(node, "A_ArrayExpr");
      return nested ? this.arrayExpr(nested, scope, target) : this.bind(node, scope);
    });
    if (elements.length === 0) {
      if (!target) throw this.analysis.error(SqlState.indeterminateDatatype, "cannot determine type of empty array", body.location, {
        hint: "Explicitly cast to the desired type, for example ARRAY[]::integer[].",
      });
      return constant(target, new PgArray([]));
    }
    const nestedArrays = elements.every((e) => elementTypeOf(e.type) !== undefined);
    if (nestedArrays) {
      const type = target ?? this.common(elements, "ARRAY", body.elements);
      const coerced = elements.map((e, i) => {
        const location = locationOf(body.elements?.[i]);
        return target ? coerceExpr(e, type, NO_TYPMOD, "explicit", this.analysis, { location }) : this.coerce(e, type, NO_TYPMOD, location);
      });
      return {
        kind: "call",
        name: "array",
        args: coerced,
        fn: (values) => {
          const arrays = values as unknown as (PgArray | null)[];
          if (arrays.some((a) => a === null)) return null;
          const first = arrays[0]!;
          if (arrays.some((a) => a!.dims.join(",") !== first.dims.join(","))) {
            throw new SqlError(SqlState.arraySubscriptError, "multidimensional arrays must have array expressions with matching dimensions");
          }
          if (first.ndims === 0) return new PgArray([]);
          return new PgArray(arrays.flatMap((a) => a!.elements), [arrays.length, ...first.dims]);
        },
        strict: false,
        volatility: "immutable",
        display: "function",
        type,
        typmod: NO_TYPMOD,
      };
    }
    const elementType = target ? elementTypeOf(target)! : this.common(elements, "ARRAY", body.elements);
    const arrayType = target ?? arrayTypeOf(elementType);
    if (!arrayType) throw this.analysis.error(SqlState.undefinedObject, `could not find array type for data type ${formatType(elementType, NO_TYPMOD)}`, body.location);
    // Under a cast (ARRAY[1.6]::int[]) the elements are cast explicitly, as PostgreSQL does.
    const coerced = elements.map((e, i) => {
      const location = locationOf(body.elements?.[i]);
      return target ? coerceExpr(e, elementType, NO_TYPMOD, "explicit", this.analysis, { location }) : this.coerce(e, elementType, NO_TYPMOD, location);
    });
    return { kind: "array", elements: coerced, elementType, type: arrayType, typmod: NO_TYPMOD };
  }

  private indirection(body: Ast.A_Indirection, scope: Scope): Expr {
    let expr = this.bind(body.arg!, scope);
    const steps = body.indirection ?? [];
    for (const step of steps) {
      if (!asNode<Ast.A_Indices>(step, "A_Indices")) throw this.analysis.error(SqlState.featureNotSupported, "field selection from composite values is not supported");
    }
    const indices = steps.map((step) => bodyOf<Ast.A_Indices>(step));
    if (isUnknown(expr.type)) expr = this.coerce(expr, arrayTypeOf(textType)!);
    const arrayType = expr.type;
    const element = elementTypeOf(arrayType);
    if (!element) {
      throw this.analysis.error(SqlState.datatypeMismatch, `cannot subscript type ${formatType(arrayType, NO_TYPMOD)} because it does not support subscripting`);
    }
    const slice = indices.some((i) => i.is_slice);
    const bounds = indices.map((i) => ({
      lower: i.lidx ? this.coerce(this.bind(i.lidx, scope), int4Type) : null,
      upper: i.uidx ? this.coerce(this.bind(i.uidx, scope), int4Type) : null,
      slice: i.is_slice === true,
    }));
    const args: Expr[] = [expr];
    for (const bound of bounds) {
      args.push(bound.lower ?? constant(int4Type, null), bound.upper ?? constant(int4Type, null));
    }
    const count = bounds.length;
    const hasLower = bounds.map((b) => b.lower !== null);
    const hasUpper = bounds.map((b) => b.upper !== null);
    if (!slice) {
      return {
        kind: "call",
        name: "subscript",
        args,
        fn: (values) => {
          const array = values[0] as PgArray | null;
          if (array === null || array.ndims !== count) return null;
          let offset = 0;
          for (let d = 0; d < count; d++) {
            const index = values[2 + 2 * d] as number | null;
            if (index === null) return null;
            const position = index - array.lowerBounds[d]!;
            if (position < 0 || position >= array.dims[d]!) return null;
            offset = offset * array.dims[d]! + position;
          }
          return array.elements[offset] ?? null;
        },
        strict: false,
        volatility: "immutable",
        display: "function",
        type: element,
        typmod: NO_TYPMOD,
      };
    }
    return {
      kind: "call",
      name: "slice",
      args,
      fn: (values) => {
        const array = values[0] as PgArray | null;
        if (array === null) return null;
        if (array.ndims === 0) return new PgArray([]);
        const dims = array.ndims;
        const ranges: [number, number][] = [];
        for (let d = 0; d < dims; d++) {
          const lowerBound = array.lowerBounds[d]!;
          const upperBound = lowerBound + array.dims[d]! - 1;
          if (d >= count) {
            ranges.push([lowerBound, upperBound]);
            continue;
          }
          const lo = hasLower[d] ? (values[1 + 2 * d] as number | null) : lowerBound;
          const hi = hasUpper[d] ? (values[2 + 2 * d] as number | null) : upperBound;
          if (lo === null || hi === null) return null;
          // A plain subscript in a slice means 1..n.
          const from = bounds[d]!.slice ? Math.max(lo, lowerBound) : lowerBound;
          const to = bounds[d]!.slice ? Math.min(hi, upperBound) : Math.min(hi, upperBound);
          if (to < from) return new PgArray([]);
          ranges.push([from, to]);
        }
        const out: (ScalarDatum | null)[] = [];
        const walk = (d: number, offset: number): void => {
          const [from, to] = ranges[d]!;
          for (let i = from; i <= to; i++) {
            const next = offset * array.dims[d]! + (i - array.lowerBounds[d]!);
            if (d + 1 === dims) out.push(array.elements[next] ?? null);
            else walk(d + 1, next);
          }
        };
        walk(0, 0);
        const shape = ranges.map(([from, to]) => to - from + 1);
        return out.length === 0 ? new PgArray([]) : new PgArray(out, shape);
      },
      strict: false,
      volatility: "immutable",
      display: "function",
      type: arrayType,
      typmod: NO_TYPMOD,
    };
  }

  // ---------------------------------------------------------------- functions

  private sqlValueFunction(body: Ast.SQLValueFunction): Expr {
    const op = body.op!;
    const typmod = body.typmod ?? NO_TYPMOD;
    const call = (name: string, type: SqlType, fn: ScalarFunction): Expr => ({
      kind: "call",
      name,
      args: [],
      fn,
      strict: false,
      volatility: "stable",
      display: "function",
      type,
      typmod: NO_TYPMOD,
    });
    switch (op) {
      case "SVFOP_CURRENT_DATE":
        return call("CURRENT_DATE", dateType, (_v, ctx) => timestamptzToDate(ctx.session.transactionTimestamp(), sessionZone(ctx.types)));
      case "SVFOP_CURRENT_TIMESTAMP":
      case "SVFOP_CURRENT_TIMESTAMP_N":
        return call("CURRENT_TIMESTAMP", timestamptzType, (_v, ctx) => applyTimestampTypmod(ctx.session.transactionTimestamp(), typmod));
      case "SVFOP_LOCALTIMESTAMP":
      case "SVFOP_LOCALTIMESTAMP_N":
        return call("LOCALTIMESTAMP", timestampType, (_v, ctx) =>
          applyTimestampTypmod(timestamptzToTimestamp(ctx.session.transactionTimestamp(), sessionZone(ctx.types)), typmod),
        );
      case "SVFOP_LOCALTIME":
      case "SVFOP_LOCALTIME_N":
      case "SVFOP_CURRENT_TIME":
      case "SVFOP_CURRENT_TIME_N":
        if (op.startsWith("SVFOP_CURRENT_TIME")) {
          throw this.analysis.error(SqlState.featureNotSupported, "CURRENT_TIME (time with time zone) is not supported; use LOCALTIME", body.location);
        }
        return call("LOCALTIME", timeType, (_v, ctx) =>
          timeOfTimestamp(localTimestamp(ctx.session.transactionTimestamp(), sessionZone(ctx.types)).local),
        );
      case "SVFOP_CURRENT_ROLE":
      case "SVFOP_CURRENT_USER":
      case "SVFOP_USER":
      case "SVFOP_SESSION_USER":
        return call(op.slice(6).toLowerCase(), nameType, (_v, ctx) => ctx.session.user);
      case "SVFOP_CURRENT_CATALOG":
        return call("current_catalog", nameType, (_v, ctx) => ctx.session.database);
      case "SVFOP_CURRENT_SCHEMA":
        return call("current_schema", nameType, (_v, ctx) => ctx.session.currentSchema());
    }
    throw this.analysis.error(SqlState.featureNotSupported, `${op} is not supported`, body.location);
  }

  funcCall(body: Ast.FuncCall, scope: Scope): Expr {
    const names = namesOf(body.funcname);
    const name = names[names.length - 1]!;
    if (names.length > 1 && names[0] !== "pg_catalog" && names[0] !== "public") {
      throw this.analysis.error(SqlState.undefinedFunction, `function ${names.join(".")} does not exist`, body.location);
    }
    if (body.over) throw this.analysis.error(SqlState.featureNotSupported, "window functions are not supported", body.location);
    if (body.agg_within_group) throw this.analysis.error(SqlState.featureNotSupported, "WITHIN GROUP aggregates are not supported", body.location);
    if (isAggregate(name)) return this.aggregate(name, body, scope);
    if (body.agg_star || body.agg_distinct || body.agg_order || body.agg_filter) {
      throw this.analysis.error(SqlState.wrongObjectType, `${body.agg_star ? `${name}(*)` : "DISTINCT"} specified, but ${name} is not an aggregate function`, body.location);
    }
    if (isSetFunction(name)) {
      throw this.analysis.error(SqlState.featureNotSupported, `set-returning function ${name}() is only supported in FROM and at the top of the select list`, body.location);
    }
    const args = (body.args ?? []).map((a) => this.bind(a, scope));
    if (body.func_variadic) throw this.analysis.error(SqlState.featureNotSupported, "VARIADIC arguments are not supported", body.location);
    const resolved = resolveFunction(
      name,
      args,
      this.analysis,
      () =>
        this.analysis.error(SqlState.ambiguousFunction, `function ${name}(${args.map((a) => formatType(a.type, NO_TYPMOD)).join(", ")}) is not unique`, body.location, {
          hint: "Could not choose a best candidate function. You might need to add explicit type casts.",
        }),
      (body.args ?? []).map((a) => locationOf(a)),
    );
    if (!resolved) {
      const signature = `${name}(${args.map((a) => formatType(a.type, NO_TYPMOD)).join(", ")})`;
      throw this.analysis.error(SqlState.undefinedFunction, `function ${signature} does not exist`, body.location, {
        hint: functionExists(name)
          ? "No function matches the given name and argument types. You might need to add explicit type casts."
          : "No function matches the given name and argument types. You might need to add explicit type casts.",
      });
    }
    return this.fold({
      kind: "call",
      name,
      args: resolved.args,
      fn: resolved.fn,
      strict: resolved.strict,
      volatility: resolved.volatility,
      display: "function",
      type: resolved.type,
      typmod: resolved.typmod ?? NO_TYPMOD,
    });
  }

  private aggregate(name: string, body: Ast.FuncCall, scope: Scope): Expr {
    const state = scope.aggregates;
    if (!state || !state.allowed) {
      const context = state?.context ?? "this context";
      throw this.analysis.error(SqlState.groupingError, `aggregate functions are not allowed in ${context}`, body.location);
    }
    if (state.inside) throw this.analysis.error(SqlState.groupingError, "aggregate function calls cannot be nested", body.location);
    state.inside = true;
    try {
      const star = body.agg_star === true;
      const args = star ? [] : (body.args ?? []).map((a) => this.bind(a, scope));
      if (name === "count" && star) {
        // count(*)
      } else if (args.length === 0 && name !== "count") {
        throw this.analysis.error(SqlState.undefinedFunction, `function ${name}() does not exist`, body.location);
      }
      const signature = resolveAggregate(name, args.map((a) => a.type));
      if (!signature || (name === "count" && !star && args.length !== 1)) {
        const shown = `${name}(${star ? "*" : args.map((a) => formatType(a.type, NO_TYPMOD)).join(", ")})`;
        throw this.analysis.error(SqlState.undefinedFunction, `function ${shown} does not exist`, body.location, {
          hint: "No function matches the given name and argument types. You might need to add explicit type casts.",
        });
      }
      if (!args.every((a, i) => !signature.args[i] || canCoerceImplicitly(a.type, signature.args[i]!))) {
        throw this.analysis.error(SqlState.undefinedFunction, `function ${name}(${args.map((a) => formatType(a.type, NO_TYPMOD)).join(", ")}) does not exist`, body.location, {
          hint: "No function matches the given name and argument types. You might need to add explicit type casts.",
        });
      }
      const coerced = args.map((a, i) => (signature.args[i] && !isUnknown(signature.args[i]!) ? this.coerce(a, signature.args[i]!) : a));
      const filter = body.agg_filter ? this.bindCondition(body.agg_filter, scope, "FILTER") : null;
      const order: SortKey[] = (body.agg_order ?? []).map((node) => {
        const sort = bodyOf<Ast.SortBy>(node);
        const descending = sort.sortby_dir === "SORTBY_DESC";
        const nullsFirst = sort.sortby_nulls === "SORTBY_NULLS_FIRST" || (sort.sortby_nulls !== "SORTBY_NULLS_LAST" && descending);
        return { expr: this.bind(sort.node!, scope), descending, nullsFirst };
      });
      const index = state.calls.length;
      state.calls.push({
        name,
        signature,
        args: coerced,
        distinct: body.agg_distinct === true,
        filter,
        order,
        star,
        display: name,
      });
      return { kind: "agg", index, display: name, type: signature.result, typmod: NO_TYPMOD };
    } finally {
      state.inside = false;
    }
  }

  // ---------------------------------------------------------------- subqueries

  private subLink(body: Ast.SubLink, scope: Scope): Expr {
    const kind = body.subLinkType!;
    const child = new (scope.constructor as new (parent: Scope) => Scope)(scope);
    const planned = this.planSubquery(body.subselect!, child);
    const correlated = child.correlated;
    const refs = [...child.parentRefs];
    const base = { plan: planned.plan, correlated, refs, testLeft: [] as Expr[], testCompare: [], operator: "" };
    switch (kind) {
      case "EXISTS_SUBLINK":
        return { kind: "sublink", link: "exists", ...base, type: boolType, typmod: NO_TYPMOD };
      case "EXPR_SUBLINK":
      case "ARRAY_SUBLINK": {
        if (planned.columns.length !== 1) {
          throw this.analysis.error(SqlState.syntaxError, "subquery must return only one column", body.location);
        }
        const column = planned.columns[0]!;
        if (kind === "EXPR_SUBLINK") return { kind: "sublink", link: "expr", ...base, type: column.type, typmod: column.typmod };
        const arrayType = arrayTypeOf(column.type);
        if (!arrayType) throw this.analysis.error(SqlState.undefinedObject, `could not find array type for data type ${formatType(column.type, NO_TYPMOD)}`);
        return { kind: "sublink", link: "array", ...base, type: arrayType, typmod: NO_TYPMOD };
      }
      case "ANY_SUBLINK":
      case "ALL_SUBLINK": {
        const opName = namesOf(body.operName).pop() ?? "=";
        const testNode = body.testexpr!;
        const row = asNode<Ast.RowExpr>(testNode, "RowExpr");
        const lefts = row ? (row.args ?? []).map((a) => this.bind(a, scope)) : [this.bind(testNode, scope)];
        if (lefts.length !== planned.columns.length) {
          throw this.analysis.error(SqlState.syntaxError, lefts.length < planned.columns.length ? "subquery has too many columns" : "subquery has too few columns", body.location);
        }
        const testLeft: Expr[] = [];
        const testCompare: ((l: SqlValue, r: SqlValue, ctx: EvalContext) => SqlValue)[] = [];
        lefts.forEach((left, i) => {
          const column = planned.columns[i]!;
          // A placeholder for the subquery's value (a parameter, so nothing is folded).
          const probe: Expr = { kind: "param", index: 0, type: column.type, typmod: NO_TYPMOD };
          const call = this.operator(opName, left, probe, body.location, false) as Extract<Expr, { kind: "call" }>;
          testLeft.push(call.args[0]!);
          const rightArg = call.args[1]!;
          const fn = call.fn;
          if (rightArg.kind === "cast") {
            const convert = rightArg.convert;
            testCompare.push((l, r, ctx) => fn(asArgs([l, convert(asArgs([r]), ctx)]), ctx));
          } else testCompare.push((l, r, ctx) => fn(asArgs([l, r]), ctx));
        });
        return {
          kind: "sublink",
          link: kind === "ANY_SUBLINK" ? "any" : "all",
          ...base,
          testLeft,
          testCompare,
          operator: opName,
          type: boolType,
          typmod: NO_TYPMOD,
        };
      }
      default:
        throw this.analysis.error(SqlState.featureNotSupported, `subquery form ${kind} is not supported`, body.location);
    }
  }
}

/** A parse-tree node's location, when it has one. */
export function locationOf(node: Node | undefined): number | undefined {
  if (!node) return undefined;
  const body = bodyOf<{ location?: number }>(node);
  return typeof body === "object" && body !== null ? body.location : undefined;
}

function collectVars(expr: Expr, out: Set<number>): void {
  if (expr.kind === "var") out.add(expr.rel);
}

function shiftLevels(expr: Expr, levels: number): Expr {
  if (expr.kind === "var") return { ...expr, levelsUp: expr.levelsUp + levels };
  if (expr.kind === "coalesce") return { ...expr, args: expr.args.map((a) => shiftLevels(a, levels)) };
  return expr;
}

export { canCoerceImplicitly, tryCoerce, regclassType };
export type { OperatorFunction };
