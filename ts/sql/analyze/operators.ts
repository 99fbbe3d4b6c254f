// The operators pgz knows, by name and argument types, with their implementations. Operator
// resolution picks among them with PostgreSQL's rules (resolve.ts); all are strict (a NULL
// operand gives NULL).

import { SqlError, SqlState } from "../errors.ts";
import {
  boolType,
  byteaType,
  charType,
  dateType,
  float4Type,
  float8Type,
  int2Type,
  int4Type,
  int8Type,
  intervalType,
  Jsonb,
  jsonbType,
  jsonType,
  nameType,
  numericType,
  Numeric,
  oidType,
  PgArray,
  textType,
  timestampType,
  timestamptzType,
  timeType,
  uuidType,
  bpcharType,
  type Interval,
  type SqlType,
  type SqlValue,
  type TypeContext,
} from "../types/index.ts";
import type { EvalContext } from "./expr.ts";
import {
  checkInt2,
  checkInt4,
  float4Ops,
  float8Ops,
  int2Ops,
  int4Ops,
  int8Ops,
  numericOps,
  numericPower,
} from "../functions/numeric-ops.ts";
import {
  addIntervals,
  dateAddDays,
  dateDiff,
  divideInterval,
  multiplyInterval,
  negateInterval,
  subIntervals,
  timestampAddInterval,
  timestampDiff,
  timestamptzAddInterval,
} from "../functions/datetime-ops.ts";
import { dateToTimestamp } from "../types/datetime/convert.ts";
import { like, posixRegExp } from "../functions/string-ops.ts";
import * as json from "../functions/json-ops.ts";

export type OperatorFunction = (left: SqlValue, right: SqlValue, ctx: EvalContext) => SqlValue;

export interface OperatorDef {
  readonly name: string;
  /** null for prefix operators. */
  readonly left: SqlType | null;
  readonly right: SqlType;
  readonly result: SqlType;
  readonly fn: OperatorFunction;
  /** Candidate.args for resolution. */
  readonly args: readonly SqlType[];
}

const table = new Map<string, OperatorDef[]>();

function def(name: string, left: SqlType | null, right: SqlType, result: SqlType, fn: OperatorFunction): void {
  const entry: OperatorDef = { name, left, right, result, fn, args: left ? [left, right] : [right] };
  const list = table.get(name);
  if (list) list.push(entry);
  else table.set(name, [entry]);
}

type N = number;
type B = bigint;

// ------------------------------------------------------------------ arithmetic
const numN = (v: SqlValue): N => v as N;
const numB = (v: SqlValue): B => v as B;
const numX = (v: SqlValue): Numeric => v as Numeric;

def("+", int2Type, int2Type, int2Type, (a, b) => int2Ops.add(numN(a), numN(b)));
def("-", int2Type, int2Type, int2Type, (a, b) => int2Ops.sub(numN(a), numN(b)));
def("*", int2Type, int2Type, int2Type, (a, b) => int2Ops.mul(numN(a), numN(b)));
def("/", int2Type, int2Type, int2Type, (a, b) => int2Ops.div(numN(a), numN(b)));
def("%", int2Type, int2Type, int2Type, (a, b) => int2Ops.mod(numN(a), numN(b)));
def("+", int4Type, int4Type, int4Type, (a, b) => int4Ops.add(numN(a), numN(b)));
def("-", int4Type, int4Type, int4Type, (a, b) => int4Ops.sub(numN(a), numN(b)));
def("*", int4Type, int4Type, int4Type, (a, b) => int4Ops.mul(numN(a), numN(b)));
def("/", int4Type, int4Type, int4Type, (a, b) => int4Ops.div(numN(a), numN(b)));
def("%", int4Type, int4Type, int4Type, (a, b) => int4Ops.mod(numN(a), numN(b)));
def("+", int8Type, int8Type, int8Type, (a, b) => int8Ops.add(numB(a), numB(b)));
def("-", int8Type, int8Type, int8Type, (a, b) => int8Ops.sub(numB(a), numB(b)));
def("*", int8Type, int8Type, int8Type, (a, b) => int8Ops.mul(numB(a), numB(b)));
def("/", int8Type, int8Type, int8Type, (a, b) => int8Ops.div(numB(a), numB(b)));
def("%", int8Type, int8Type, int8Type, (a, b) => int8Ops.mod(numB(a), numB(b)));
def("+", float4Type, float4Type, float4Type, (a, b) => float4Ops.add(numN(a), numN(b)));
def("-", float4Type, float4Type, float4Type, (a, b) => float4Ops.sub(numN(a), numN(b)));
def("*", float4Type, float4Type, float4Type, (a, b) => float4Ops.mul(numN(a), numN(b)));
def("/", float4Type, float4Type, float4Type, (a, b) => float4Ops.div(numN(a), numN(b)));
def("+", float8Type, float8Type, float8Type, (a, b) => float8Ops.add(numN(a), numN(b)));
def("-", float8Type, float8Type, float8Type, (a, b) => float8Ops.sub(numN(a), numN(b)));
def("*", float8Type, float8Type, float8Type, (a, b) => float8Ops.mul(numN(a), numN(b)));
def("/", float8Type, float8Type, float8Type, (a, b) => float8Ops.div(numN(a), numN(b)));
def("^", float8Type, float8Type, float8Type, (a, b) => {
  const x = numN(a);
  const y = numN(b);
  if (x === 0 && y < 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, "zero raised to a negative power is undefined");
  if (x < 0 && !Number.isInteger(y)) {
    throw new SqlError(SqlState.invalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result");
  }
  const result = Math.pow(x, y);
  if (!Number.isFinite(result) && Number.isFinite(x) && Number.isFinite(y)) throw new SqlError(SqlState.numericValueOutOfRange, "value out of range: overflow");
  return result;
});
def("+", numericType, numericType, numericType, (a, b) => numericOps.add(numX(a), numX(b)));
def("-", numericType, numericType, numericType, (a, b) => numericOps.sub(numX(a), numX(b)));
def("*", numericType, numericType, numericType, (a, b) => numericOps.mul(numX(a), numX(b)));
def("/", numericType, numericType, numericType, (a, b) => numericOps.div(numX(a), numX(b)));
def("%", numericType, numericType, numericType, (a, b) => numericOps.mod(numX(a), numX(b)));
def("^", numericType, numericType, numericType, (a, b) => numericPower(numX(a), numX(b)));

// prefix
def("-", null, int2Type, int2Type, (_a, b) => int2Ops.neg(numN(b)));
def("-", null, int4Type, int4Type, (_a, b) => int4Ops.neg(numN(b)));
def("-", null, int8Type, int8Type, (_a, b) => int8Ops.neg(numB(b)));
def("-", null, float4Type, float4Type, (_a, b) => -numN(b));
def("-", null, float8Type, float8Type, (_a, b) => -numN(b));
def("-", null, numericType, numericType, (_a, b) => numX(b).negate());
def("-", null, intervalType, intervalType, (_a, b) => negateInterval(b as Interval));
for (const type of [int2Type, int4Type, int8Type, float4Type, float8Type, numericType, intervalType] as SqlType[]) {
  def("+", null, type, type, (_a, b) => b);
}
def("@", null, int2Type, int2Type, (_a, b) => checkInt2(Math.abs(numN(b))));
def("@", null, int4Type, int4Type, (_a, b) => checkInt4(Math.abs(numN(b))));
def("@", null, int8Type, int8Type, (_a, b) => int8Ops.neg(numB(b) < 0n ? numB(b) : -numB(b)));
def("@", null, float8Type, float8Type, (_a, b) => Math.abs(numN(b)));
def("@", null, numericType, numericType, (_a, b) => numX(b).abs());
def("|/", null, float8Type, float8Type, (_a, b) => {
  if (numN(b) < 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, "cannot take square root of a negative number");
  return Math.sqrt(numN(b));
});

// bitwise
for (const [type, wrap] of [
  [int2Type, (v: number) => checkInt2(((v << 16) >> 16))],
  [int4Type, (v: number) => v | 0],
] as const) {
  def("&", type, type, type, (a, b) => wrap(numN(a) & numN(b)));
  def("|", type, type, type, (a, b) => wrap(numN(a) | numN(b)));
  def("#", type, type, type, (a, b) => wrap(numN(a) ^ numN(b)));
  def("~", null, type, type, (_a, b) => wrap(~numN(b)));
  def("<<", type, int4Type, type, (a, b) => wrap(numN(a) << numN(b)));
  def(">>", type, int4Type, type, (a, b) => wrap(numN(a) >> numN(b)));
}
def("&", int8Type, int8Type, int8Type, (a, b) => numB(a) & numB(b));
def("|", int8Type, int8Type, int8Type, (a, b) => numB(a) | numB(b));
def("#", int8Type, int8Type, int8Type, (a, b) => numB(a) ^ numB(b));
def("~", null, int8Type, int8Type, (_a, b) => ~numB(b));
def("<<", int8Type, int4Type, int8Type, (a, b) => BigInt.asIntN(64, numB(a) << BigInt(numN(b) & 63)));
def(">>", int8Type, int4Type, int8Type, (a, b) => numB(a) >> BigInt(numN(b) & 63));

// ------------------------------------------------------------------ comparisons
const comparable: SqlType[] = [
  boolType, byteaType, charType, nameType, int8Type, int2Type, int4Type, textType, oidType, float4Type, float8Type,
  bpcharType, dateType, timeType, timestampType, timestamptzType, intervalType, numericType, uuidType, jsonbType,
] as SqlType[];

export const comparisonOperators = new Set(["=", "<>", "<", "<=", ">", ">="]);

export function comparisonFunction(type: SqlType, op: string): OperatorFunction {
  const compare = type.compare as (a: SqlValue, b: SqlValue) => number;
  const equals = type.equals as (a: SqlValue, b: SqlValue) => boolean;
  switch (op) {
    case "=":
      return (a, b) => equals(a, b);
    case "<>":
      return (a, b) => !equals(a, b);
    case "<":
      return (a, b) => compare(a, b) < 0;
    case "<=":
      return (a, b) => compare(a, b) <= 0;
    case ">":
      return (a, b) => compare(a, b) > 0;
    default:
      return (a, b) => compare(a, b) >= 0;
  }
}

for (const type of comparable) {
  for (const op of comparisonOperators) def(op, type, type, boolType, comparisonFunction(type, op));
}
// Integer cross-type comparisons exist in PostgreSQL (int48eq...): compare numerically.
const integerTypes = [int2Type, int4Type, int8Type] as SqlType[];
for (const left of integerTypes) {
  for (const right of integerTypes) {
    if (left === right) continue;
    for (const op of comparisonOperators) {
      def(op, left, right, boolType, (a, b) => {
        const x = typeof a === "bigint" ? a : BigInt(a as number);
        const y = typeof b === "bigint" ? b : BigInt(b as number);
        const order = x < y ? -1 : x > y ? 1 : 0;
        return op === "=" ? order === 0 : op === "<>" ? order !== 0 : op === "<" ? order < 0 : op === "<=" ? order <= 0 : op === ">" ? order > 0 : order >= 0;
      });
    }
  }
}
// float4 with float8: computed in double precision (float48pl and friends).
for (const [left, right] of [[float4Type, float8Type], [float8Type, float4Type]] as const) {
  def("+", left, right, float8Type, (a, b) => float8Ops.add(numN(a), numN(b)));
  def("-", left, right, float8Type, (a, b) => float8Ops.sub(numN(a), numN(b)));
  def("*", left, right, float8Type, (a, b) => float8Ops.mul(numN(a), numN(b)));
  def("/", left, right, float8Type, (a, b) => float8Ops.div(numN(a), numN(b)));
}
for (const op of comparisonOperators) {
  const compareMixed = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1);
  const test = (order: number): boolean =>
    op === "=" ? order === 0 : op === "<>" ? order !== 0 : op === "<" ? order < 0 : op === "<=" ? order <= 0 : op === ">" ? order > 0 : order >= 0;
  def(op, float4Type, float8Type, boolType, (a, b) => test(compareMixed(numN(a), numN(b))));
  def(op, float8Type, float4Type, boolType, (a, b) => test(compareMixed(numN(a), numN(b))));
}

// ------------------------------------------------------------------ strings
const str = (v: SqlValue): string => v as string;
def("||", textType, textType, textType, (a, b) => str(a) + str(b));
def("~~", textType, textType, boolType, (a, b) => like(str(a), str(b), false));
def("!~~", textType, textType, boolType, (a, b) => !like(str(a), str(b), false));
def("~~*", textType, textType, boolType, (a, b) => like(str(a), str(b), true));
def("!~~*", textType, textType, boolType, (a, b) => !like(str(a), str(b), true));
def("~~", bpcharType, textType, boolType, (a, b) => like(str(a), str(b), false));
def("!~~", bpcharType, textType, boolType, (a, b) => !like(str(a), str(b), false));
def("~", textType, textType, boolType, (a, b) => posixRegExp(str(b)).test(str(a)));
def("!~", textType, textType, boolType, (a, b) => !posixRegExp(str(b)).test(str(a)));
def("~*", textType, textType, boolType, (a, b) => posixRegExp(str(b), "i").test(str(a)));
def("!~*", textType, textType, boolType, (a, b) => !posixRegExp(str(b), "i").test(str(a)));
def("^@", textType, textType, boolType, (a, b) => str(a).startsWith(str(b)));
def("||", byteaType, byteaType, byteaType, (a, b) => {
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  const out = new Uint8Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return out;
});

// ------------------------------------------------------------------ date and time
const day = (v: SqlValue): number => v as number;
const ts = (v: SqlValue): bigint => v as bigint;
const span = (v: SqlValue): Interval => v as Interval;
const types = (ctx: EvalContext): TypeContext => ctx.types;

def("+", dateType, int4Type, dateType, (a, b) => dateAddDays(day(a), numN(b)));
def("+", int4Type, dateType, dateType, (a, b) => dateAddDays(day(b), numN(a)));
def("-", dateType, int4Type, dateType, (a, b) => dateAddDays(day(a), -numN(b)));
def("-", dateType, dateType, int4Type, (a, b) => dateDiff(day(a), day(b)));
def("+", dateType, intervalType, timestampType, (a, b) => timestampAddInterval(dateToTimestamp(day(a)), span(b)));
def("+", intervalType, dateType, timestampType, (a, b) => timestampAddInterval(dateToTimestamp(day(b)), span(a)));
def("-", dateType, intervalType, timestampType, (a, b) => timestampAddInterval(dateToTimestamp(day(a)), negateInterval(span(b))));
def("+", dateType, timeType, timestampType, (a, b) => dateToTimestamp(day(a)) + ts(b));
def("+", timestampType, intervalType, timestampType, (a, b) => timestampAddInterval(ts(a), span(b)));
def("+", intervalType, timestampType, timestampType, (a, b) => timestampAddInterval(ts(b), span(a)));
def("-", timestampType, intervalType, timestampType, (a, b) => timestampAddInterval(ts(a), negateInterval(span(b))));
def("-", timestampType, timestampType, intervalType, (a, b) => timestampDiff(ts(a), ts(b)));
def("+", timestamptzType, intervalType, timestamptzType, (a, b, ctx) => timestamptzAddInterval(ts(a), span(b), types(ctx)));
def("+", intervalType, timestamptzType, timestamptzType, (a, b, ctx) => timestamptzAddInterval(ts(b), span(a), types(ctx)));
def("-", timestamptzType, intervalType, timestamptzType, (a, b, ctx) => timestamptzAddInterval(ts(a), negateInterval(span(b)), types(ctx)));
def("-", timestamptzType, timestamptzType, intervalType, (a, b) => timestampDiff(ts(a), ts(b)));
def("+", timeType, intervalType, timeType, (a, b) => {
  const day = 86_400_000_000n;
  return (((ts(a) + span(b).microseconds) % day) + day) % day;
});
def("-", timeType, intervalType, timeType, (a, b) => {
  const day = 86_400_000_000n;
  return (((ts(a) - span(b).microseconds) % day) + day) % day;
});
def("-", timeType, timeType, intervalType, (a, b) => ({ months: 0, days: 0, microseconds: ts(a) - ts(b) }));
def("+", intervalType, intervalType, intervalType, (a, b) => addIntervals(span(a), span(b)));
def("-", intervalType, intervalType, intervalType, (a, b) => subIntervals(span(a), span(b)));
def("*", intervalType, float8Type, intervalType, (a, b) => multiplyInterval(span(a), numN(b)));
def("*", float8Type, intervalType, intervalType, (a, b) => multiplyInterval(span(b), numN(a)));
def("/", intervalType, float8Type, intervalType, (a, b) => divideInterval(span(a), numN(b)));

// ------------------------------------------------------------------ json
const jb = (v: SqlValue): Jsonb => v as Jsonb;
const asJsonb = (v: SqlValue): Jsonb => Jsonb.parse(v as string);
const jsonOut = (v: Jsonb | null): SqlValue => (v === null ? null : v.toString());
def("->", jsonbType, textType, jsonbType, (a, b) => json.fieldOf(jb(a), str(b)));
def("->", jsonbType, int4Type, jsonbType, (a, b) => json.elementOf(jb(a), numN(b)));
def("->>", jsonbType, textType, textType, (a, b) => json.asText(json.fieldOf(jb(a), str(b))));
def("->>", jsonbType, int4Type, textType, (a, b) => json.asText(json.elementOf(jb(a), numN(b))));
def("->", jsonType, textType, jsonType, (a, b) => jsonOut(json.fieldOf(asJsonb(a), str(b))));
def("->", jsonType, int4Type, jsonType, (a, b) => jsonOut(json.elementOf(asJsonb(a), numN(b))));
def("->>", jsonType, textType, textType, (a, b) => json.asText(json.fieldOf(asJsonb(a), str(b))));
def("->>", jsonType, int4Type, textType, (a, b) => json.asText(json.elementOf(asJsonb(a), numN(b))));
def("@>", jsonbType, jsonbType, boolType, (a, b) => json.contains(jb(a), jb(b)));
def("<@", jsonbType, jsonbType, boolType, (a, b) => json.contains(jb(b), jb(a)));
def("?", jsonbType, textType, boolType, (a, b) => json.hasKey(jb(a), str(b)));
def("||", jsonbType, jsonbType, jsonbType, (a, b) => json.concat(jb(a), jb(b)));
def("-", jsonbType, textType, jsonbType, (a, b) => json.deleteKey(jb(a), str(b)));
def("-", jsonbType, int4Type, jsonbType, (a, b) => json.deleteIndex(jb(a), numN(b)));

/** Registers operators whose types need the array registry (see functions.ts). */
export function defineArrayOperators(textArray: SqlType): void {
  const path = (v: SqlValue): (string | null)[] => (v as PgArray<string>).elements.slice();
  def("#>", jsonbType, textArray, jsonbType, (a, b) => json.pathOf(jb(a), path(b)));
  def("#>>", jsonbType, textArray, textType, (a, b) => json.asText(json.pathOf(jb(a), path(b))));
  def("#>", jsonType, textArray, jsonType, (a, b) => jsonOut(json.pathOf(asJsonb(a), path(b))));
  def("#>>", jsonType, textArray, textType, (a, b) => json.asText(json.pathOf(asJsonb(a), path(b))));
  def("?|", jsonbType, textArray, boolType, (a, b) => path(b).some((k) => k !== null && json.hasKey(jb(a), k)));
  def("?&", jsonbType, textArray, boolType, (a, b) => path(b).every((k) => k !== null && json.hasKey(jb(a), k)));
  def("#-", jsonbType, textArray, jsonbType, (a, b) => {
    const keys = path(b);
    if (keys.length === 0) return a;
    const parentPath = keys.slice(0, -1);
    const parent = json.pathOf(jb(a), parentPath);
    if (parent === null) return a;
    const last = keys[keys.length - 1]!;
    const updated = Array.isArray(parent.root) && last !== null && /^-?\d+$/.test(last) ? json.deleteIndex(parent, Number(last)) : json.deleteKey(parent, last ?? "");
    return parentPath.length === 0 ? updated : json.setPath(jb(a), parentPath, updated, false);
  });
}

export function operatorCandidates(name: string): readonly OperatorDef[] {
  return table.get(name) ?? [];
}

export { table as operatorTable };
export type { N, B };
