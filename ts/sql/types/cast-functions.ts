// The conversion behind each pg_cast entry among the built-in types, with PostgreSQL's
// rounding and range errors. Keys are "sourceOid>targetOid".

import { SqlError, SqlState } from "../errors.ts";
import { Oid } from "./oids.ts";
import { outOfRange } from "./input-errors.ts";
import { INT2_MAX, INT2_MIN, INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN, OID_MAX } from "./int.ts";
import { decimalToFloat32, parseFloat4Text, parseFloat8Text } from "./float-parse.ts";
import { roundDoubleToDigits } from "./float-decimal.ts";
import { Numeric } from "./numeric.ts";
import { parseNumericText } from "./numeric-text.ts";
import { Jsonb, JsonbObject, type JsonbNode } from "./jsonb.ts";
import { clipName, formatChar } from "./string-types.ts";
import { trimTrailingSpaces } from "./text-compare.ts";
import { utf8Encode } from "./bytes.ts";
import { roundHalfEven } from "./datetime/field-masks.ts";
import {
  dateToTimestamp,
  dateToTimestamptz,
  localTimestamp,
  timeOfTimestamp,
  timestampToDate,
  timestamptzToDate,
  timestamptzToTimestamp,
  timestampToTimestamptz,
  isFiniteTimestamp,
} from "./datetime/convert.ts";
import { sessionZone } from "./datetime/input.ts";
import { USECS_PER_DAY } from "./datetime/calendar.ts";
import type { TypeContext } from "./context.ts";
import type { Datum, Interval } from "./value.ts";

export type CastFunction = (value: Datum, ctx: TypeContext) => Datum;

/** Integer range names used in PostgreSQL's messages. */
const integerTargets = {
  [Oid.int2]: { name: "smallint", min: INT2_MIN, max: INT2_MAX },
  [Oid.int4]: { name: "integer", min: INT4_MIN, max: INT4_MAX },
} as const;

function toSmallInteger(value: number, target: Oid2or4): number {
  const range = integerTargets[target];
  if (!(value >= range.min && value <= range.max)) throw outOfRange(`${range.name} out of range`);
  return value === 0 ? 0 : value;
}

type Oid2or4 = typeof Oid.int2 | typeof Oid.int4;

function bigintToInt8(value: bigint): bigint {
  if (value < INT8_MIN || value > INT8_MAX) throw outOfRange("bigint out of range");
  return value;
}

/** float → integer: rint() (half to even), then the range check. */
function floatToInteger(value: number, target: Oid2or4): number {
  return toSmallInteger(Number.isNaN(value) ? NaN : roundHalfEven(value), target);
}

function floatToInt8(value: number): bigint {
  const rounded = roundHalfEven(value);
  // 2^63 itself is out of range; every double below it converts exactly.
  if (!Number.isFinite(rounded) || rounded < -9223372036854775808 || rounded >= 9223372036854775808) {
    throw outOfRange("bigint out of range");
  }
  return BigInt(rounded);
}

function numericNotFinite(value: Numeric, typeName: string): SqlError | null {
  if (value.isNaN()) return new SqlError(SqlState.featureNotSupported, `cannot convert NaN to ${typeName}`);
  if (value.isInfinite()) return new SqlError(SqlState.featureNotSupported, `cannot convert infinity to ${typeName}`);
  return null;
}

/** numeric → integer: rounds half away from zero. */
function numericToBigint(value: Numeric, typeName: string): bigint {
  const error = numericNotFinite(value, typeName);
  if (error) throw error;
  return value.round(0).mantissa;
}

function numericToInteger(value: Numeric, target: Oid2or4): number {
  const name = integerTargets[target].name;
  const whole = numericToBigint(value, name);
  const range = integerTargets[target];
  if (whole < BigInt(range.min) || whole > BigInt(range.max)) throw outOfRange(`${name} out of range`);
  return Number(whole);
}

/** float → numeric as PostgreSQL does it: through %.15g (double) or %.6g (real) text. */
function floatToNumeric(value: number, digits: number): Numeric {
  if (Number.isNaN(value)) return Numeric.NaN;
  if (value === Infinity) return Numeric.POSITIVE_INFINITY;
  if (value === -Infinity) return Numeric.NEGATIVE_INFINITY;
  if (value === 0) return Numeric.ZERO;
  return parseNumericText(roundDoubleToDigits(value, digits));
}

function float8ToFloat4(value: number): number {
  const result = Math.fround(value);
  if (!Number.isFinite(result) && Number.isFinite(value)) throw outOfRange("value out of range: overflow");
  if (result === 0 && value !== 0) throw outOfRange("value out of range: underflow");
  return result;
}

function int8ToFloat4(value: bigint): number {
  return decimalToFloat32(value.toString(), Number(value));
}

/** The signed byte a "char" holds. */
function charToInt(value: string): number {
  const byte = value.length === 0 ? 0 : value.charCodeAt(0);
  return byte >= 128 ? byte - 256 : byte;
}

function intToChar(value: number): string {
  if (value < -128 || value > 127) throw outOfRange('"char" out of range');
  const byte = value & 0xff;
  return byte === 0 ? "" : String.fromCharCode(byte);
}

function textToChar(value: string): string {
  const first = utf8Encode(value.slice(0, 2))[0];
  return first === undefined || first === 0 ? "" : String.fromCharCode(first);
}

/** The jsonb type name PostgreSQL's cast errors use. */
function jsonbScalarName(value: Jsonb): string {
  const root = value.root;
  if (root instanceof JsonbObject) return "object";
  if (Array.isArray(root)) return "array";
  if (root === null) return "null";
  if (typeof root === "string") return "string";
  if (root instanceof Numeric) return "number";
  return "boolean";
}

function jsonbCastError(value: Jsonb, target: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, `cannot cast jsonb ${jsonbScalarName(value)} to type ${target}`);
}

function jsonbToNumeric(value: Jsonb, target: string): Numeric {
  const root: JsonbNode = value.root;
  if (!(root instanceof Numeric)) throw jsonbCastError(value, target);
  return root;
}

function jsonbToBool(value: Jsonb): boolean {
  if (typeof value.root !== "boolean") throw jsonbCastError(value, "boolean");
  return value.root;
}

/** interval → time: the time part, wrapped into one day. */
function intervalToTime(value: Interval): bigint {
  const rest = value.microseconds % USECS_PER_DAY;
  return rest < 0n ? rest + USECS_PER_DAY : rest;
}

const int = (value: Datum): number => value as number;
const big = (value: Datum): bigint => value as bigint;
const num = (value: Datum): Numeric => value as Numeric;
const str = (value: Datum): string => value as string;
const jsonb = (value: Datum): Jsonb => value as Jsonb;
const key = (from: number, to: number): string => `${from}>${to}`;

/** Conversions for pg_cast entries with castmethod 'f' or 'b' (binary coercible). */
export const castFunctions = new Map<string, CastFunction>([
  [key(Oid.bool, Oid.int4), (v) => (v ? 1 : 0)],
  [key(Oid.bool, Oid.text), (v) => (v ? "true" : "false")],
  [key(Oid.bool, Oid.bpchar), (v) => (v ? "true" : "false")],
  [key(Oid.bool, Oid.varchar), (v) => (v ? "true" : "false")],
  [key(Oid.char, Oid.int4), (v) => charToInt(str(v))],
  [key(Oid.char, Oid.text), (v) => formatChar(str(v))],
  [key(Oid.char, Oid.bpchar), (v) => formatChar(str(v))],
  [key(Oid.char, Oid.varchar), (v) => formatChar(str(v))],
  [key(Oid.name, Oid.text), (v) => v],
  [key(Oid.name, Oid.bpchar), (v) => v],
  [key(Oid.name, Oid.varchar), (v) => v],
  [key(Oid.int8, Oid.int2), (v) => toSmallInteger(Number(bigintToInt8(big(v))), Oid.int2)],
  [key(Oid.int8, Oid.int4), (v) => toSmallInteger(Number(big(v)), Oid.int4)],
  [key(Oid.int8, Oid.oid), (v) => {
    if (big(v) < 0n || big(v) > BigInt(OID_MAX)) throw outOfRange("OID out of range");
    return Number(v);
  }],
  [key(Oid.int8, Oid.float4), (v) => int8ToFloat4(big(v))],
  [key(Oid.int8, Oid.float8), (v) => Number(big(v))],
  [key(Oid.int8, Oid.numeric), (v) => Numeric.fromInteger(big(v))],
  [key(Oid.int2, Oid.int8), (v) => BigInt(int(v))],
  [key(Oid.int2, Oid.int4), (v) => v],
  [key(Oid.int2, Oid.oid), (v) => int(v) >>> 0],
  [key(Oid.int2, Oid.float4), (v) => v],
  [key(Oid.int2, Oid.float8), (v) => v],
  [key(Oid.int2, Oid.numeric), (v) => Numeric.fromInteger(int(v))],
  [key(Oid.int4, Oid.bool), (v) => int(v) !== 0],
  [key(Oid.int4, Oid.char), (v) => intToChar(int(v))],
  [key(Oid.int4, Oid.int8), (v) => BigInt(int(v))],
  [key(Oid.int4, Oid.int2), (v) => toSmallInteger(int(v), Oid.int2)],
  [key(Oid.int4, Oid.oid), (v) => int(v) >>> 0],
  [key(Oid.int4, Oid.float4), (v) => Math.fround(int(v))],
  [key(Oid.int4, Oid.float8), (v) => v],
  [key(Oid.int4, Oid.numeric), (v) => Numeric.fromInteger(int(v))],
  [key(Oid.text, Oid.char), (v) => textToChar(str(v))],
  [key(Oid.text, Oid.name), (v) => clipName(str(v))],
  [key(Oid.text, Oid.bpchar), (v) => v],
  [key(Oid.text, Oid.varchar), (v) => v],
  [key(Oid.oid, Oid.int8), (v) => BigInt(int(v))],
  [key(Oid.oid, Oid.int4), (v) => int(v) | 0],
  [key(Oid.json, Oid.jsonb), (v) => Jsonb.parse(str(v))],
  [key(Oid.float4, Oid.int8), (v) => floatToInt8(int(v))],
  [key(Oid.float4, Oid.int2), (v) => floatToInteger(int(v), Oid.int2)],
  [key(Oid.float4, Oid.int4), (v) => floatToInteger(int(v), Oid.int4)],
  [key(Oid.float4, Oid.float8), (v) => v],
  [key(Oid.float4, Oid.numeric), (v) => floatToNumeric(int(v), 6)],
  [key(Oid.float8, Oid.int8), (v) => floatToInt8(int(v))],
  [key(Oid.float8, Oid.int2), (v) => floatToInteger(int(v), Oid.int2)],
  [key(Oid.float8, Oid.int4), (v) => floatToInteger(int(v), Oid.int4)],
  [key(Oid.float8, Oid.float4), (v) => float8ToFloat4(int(v))],
  [key(Oid.float8, Oid.numeric), (v) => floatToNumeric(int(v), 15)],
  [key(Oid.bpchar, Oid.char), (v) => textToChar(str(v))],
  [key(Oid.bpchar, Oid.name), (v) => clipName(trimTrailingSpaces(str(v)))],
  [key(Oid.bpchar, Oid.text), (v) => trimTrailingSpaces(str(v))],
  [key(Oid.bpchar, Oid.varchar), (v) => trimTrailingSpaces(str(v))],
  [key(Oid.varchar, Oid.char), (v) => textToChar(str(v))],
  [key(Oid.varchar, Oid.name), (v) => clipName(str(v))],
  [key(Oid.varchar, Oid.text), (v) => v],
  [key(Oid.varchar, Oid.bpchar), (v) => v],
  [key(Oid.date, Oid.timestamp), (v) => dateToTimestamp(int(v))],
  [key(Oid.date, Oid.timestamptz), (v, ctx) => dateToTimestamptz(int(v), sessionZone(ctx))],
  [key(Oid.time, Oid.interval), (v): Interval => ({ months: 0, days: 0, microseconds: big(v) })],
  [key(Oid.timestamp, Oid.date), (v) => timestampToDate(big(v))],
  [key(Oid.timestamp, Oid.time), (v) => {
    if (!isFiniteTimestamp(big(v))) throw new SqlError(SqlState.datetimeFieldOverflow, "timestamp out of range");
    return timeOfTimestamp(big(v));
  }],
  [key(Oid.timestamp, Oid.timestamptz), (v, ctx) => timestampToTimestamptz(big(v), sessionZone(ctx))],
  [key(Oid.timestamptz, Oid.date), (v, ctx) => timestamptzToDate(big(v), sessionZone(ctx))],
  [key(Oid.timestamptz, Oid.time), (v, ctx) => {
    if (!isFiniteTimestamp(big(v))) throw new SqlError(SqlState.datetimeFieldOverflow, "timestamp out of range");
    return timeOfTimestamp(localTimestamp(big(v), sessionZone(ctx)).local);
  }],
  [key(Oid.timestamptz, Oid.timestamp), (v, ctx) => timestamptzToTimestamp(big(v), sessionZone(ctx))],
  [key(Oid.interval, Oid.time), (v) => intervalToTime(v as Interval)],
  [key(Oid.numeric, Oid.int8), (v) => bigintToInt8(numericToBigint(num(v), "bigint"))],
  [key(Oid.numeric, Oid.int2), (v) => numericToInteger(num(v), Oid.int2)],
  [key(Oid.numeric, Oid.int4), (v) => numericToInteger(num(v), Oid.int4)],
  [key(Oid.numeric, Oid.float4), (v) => (num(v).isFinite() ? parseFloat4Text(num(v).toString()) : Math.fround(num(v).toNumber()))],
  [key(Oid.numeric, Oid.float8), (v) => (num(v).isFinite() ? parseFloat8Text(num(v).toString()) : num(v).toNumber())],
  [key(Oid.jsonb, Oid.bool), (v) => jsonbToBool(jsonb(v))],
  [key(Oid.jsonb, Oid.int8), (v) => bigintToInt8(numericToBigint(jsonbToNumeric(jsonb(v), "bigint"), "bigint"))],
  [key(Oid.jsonb, Oid.int2), (v) => numericToInteger(jsonbToNumeric(jsonb(v), "smallint"), Oid.int2)],
  [key(Oid.jsonb, Oid.int4), (v) => numericToInteger(jsonbToNumeric(jsonb(v), "integer"), Oid.int4)],
  [key(Oid.jsonb, Oid.json), (v) => jsonb(v).toString()],
  [key(Oid.jsonb, Oid.float4), (v) => parseFloat4Text(jsonbToNumeric(jsonb(v), "real").toString())],
  [key(Oid.jsonb, Oid.float8), (v) => parseFloat8Text(jsonbToNumeric(jsonb(v), "double precision").toString())],
  [key(Oid.jsonb, Oid.numeric), (v) => jsonbToNumeric(jsonb(v), "numeric")],
]);

export function castFunctionKey(from: number, to: number): string {
  return key(from, to);
}
