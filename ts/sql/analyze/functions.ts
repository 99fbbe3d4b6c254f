// Scalar functions by name: fixed signatures resolved like operators, and polymorphic ones
// (concat, coalesce-like, array and json builders, pg_typeof, ...) with their own resolver.

import { randomUUID } from "node:crypto";
import { SqlError, SqlState } from "../errors.ts";
import {
  arrayTypeOf,
  boolType,
  byteaType,
  dateType,
  elementTypeOf,
  float4Type,
  float8Type,
  formatType,
  int2Type,
  int4Type,
  int8Type,
  intervalType,
  Jsonb,
  jsonbType,
  jsonType,
  nameType,
  NO_TYPMOD,
  Numeric,
  numericType,
  oidType,
  PgArray,
  textType,
  timestampType,
  timestamptzType,
  typeByOid,
  uuidType,
  type Interval,
  type ScalarDatum,
  type SqlType,
  type SqlValue,
} from "../types/index.ts";
import { coerceExpr, type CoercionHost } from "./coerce.ts";
import type { EvalContext, Expr, ScalarFunction } from "./expr.ts";
import { commonType, selectCandidate } from "./resolve.ts";
import { isUnknown, pgNodeTreeType, regclassType, regtypeType, voidType } from "./pseudo-types.ts";
import * as catalog from "../catalog/describe.ts";
import * as strings from "../functions/string-ops.ts";
import * as json from "../functions/json-ops.ts";
import * as dt from "../functions/datetime-ops.ts";
import { numericCeil, numericFloor, numericFromDouble, numericPower, numericSqrtDefault, roundHalfEven, checkInt4, checkInt8, int8Ops, checkInt2 } from "../functions/numeric-ops.ts";
import { localTimestamp, timestamptzToTimestamp, UNIX_EPOCH_MICROS } from "../types/datetime/convert.ts";
import { sessionZone } from "../types/datetime/input.ts";
import { defineArrayOperators } from "./operators.ts";
import { SERVER_VERSION } from "../settings.ts";
import { formatStyled } from "../output-style.ts";

export type Volatility = "immutable" | "stable" | "volatile";

export interface FunctionDef {
  readonly args: readonly SqlType[];
  readonly result: SqlType;
  readonly fn: ScalarFunction;
  readonly strict?: boolean;
  readonly volatility?: Volatility;
}

/** A resolved call: coerced arguments and the implementation. */
export interface ResolvedCall {
  readonly args: readonly Expr[];
  readonly type: SqlType;
  readonly typmod?: number;
  readonly fn: ScalarFunction;
  readonly strict: boolean;
  readonly volatility: Volatility;
}

type Resolver = (args: readonly Expr[], host: CoercionHost) => ResolvedCall | null;

const fixed = new Map<string, FunctionDef[]>();
const custom = new Map<string, Resolver>();

function def(name: string, args: readonly SqlType[], result: SqlType, fn: ScalarFunction, options: { strict?: boolean; volatility?: Volatility } = {}): void {
  const list = fixed.get(name) ?? [];
  list.push({ args, result, fn, ...options });
  fixed.set(name, list);
}

function resolver(name: string, resolve: Resolver): void {
  custom.set(name, resolve);
}

export const textArray = arrayTypeOf(textType)!;
export const nameArray = arrayTypeOf(nameType)!;
defineArrayOperators(textArray);

const n = (v: SqlValue): number => v as number;
const b = (v: SqlValue): bigint => v as bigint;
const x = (v: SqlValue): Numeric => v as Numeric;
const s = (v: SqlValue): string => v as string;
const ts = (v: SqlValue): bigint => v as bigint;

// ------------------------------------------------------------------ math
def("abs", [int2Type], int2Type, ([a]) => checkInt2(Math.abs(n(a!))));
def("abs", [int4Type], int4Type, ([a]) => checkInt4(Math.abs(n(a!))));
def("abs", [int8Type], int8Type, ([a]) => checkInt8(b(a!) < 0n ? -b(a!) : b(a!)));
def("abs", [float4Type], float4Type, ([a]) => Math.abs(n(a!)));
def("abs", [float8Type], float8Type, ([a]) => Math.abs(n(a!)));
def("abs", [numericType], numericType, ([a]) => x(a!).abs());
def("round", [float8Type], float8Type, ([a]) => roundHalfEven(n(a!)));
def("round", [numericType], numericType, ([a]) => x(a!).round(0));
def("round", [numericType, int4Type], numericType, ([a, d]) => x(a!).round(n(d!)));
def("trunc", [float8Type], float8Type, ([a]) => Math.trunc(n(a!)));
def("trunc", [numericType], numericType, ([a]) => x(a!).trunc(0));
def("trunc", [numericType, int4Type], numericType, ([a, d]) => x(a!).trunc(n(d!)));
def("floor", [float8Type], float8Type, ([a]) => Math.floor(n(a!)));
def("floor", [numericType], numericType, ([a]) => numericFloor(x(a!)));
for (const name of ["ceil", "ceiling"]) {
  def(name, [float8Type], float8Type, ([a]) => Math.ceil(n(a!)) || 0 * n(a!));
  def(name, [numericType], numericType, ([a]) => numericCeil(x(a!)));
}
def("sign", [float8Type], float8Type, ([a]) => Math.sign(n(a!)));
def("sign", [numericType], numericType, ([a]) => Numeric.fromInteger(x(a!).sign()));
def("sqrt", [float8Type], float8Type, ([a]) => {
  if (n(a!) < 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, "cannot take square root of a negative number");
  return Math.sqrt(n(a!));
});
def("sqrt", [numericType], numericType, ([a]) => numericSqrtDefault(x(a!)));
def("cbrt", [float8Type], float8Type, ([a]) => Math.cbrt(n(a!)));
def("exp", [float8Type], float8Type, ([a]) => Math.exp(n(a!)));
def("exp", [numericType], numericType, ([a]) => numericFromDouble(Math.exp(x(a!).toNumber()), 17));
const logCheck = (v: number): void => {
  if (v === 0) throw new SqlError(SqlState.invalidArgumentForLogarithm, "cannot take logarithm of zero");
  if (v < 0) throw new SqlError(SqlState.invalidArgumentForLogarithm, "cannot take logarithm of a negative number");
};
def("ln", [float8Type], float8Type, ([a]) => (logCheck(n(a!)), Math.log(n(a!))));
def("ln", [numericType], numericType, ([a]) => (logCheck(x(a!).toNumber()), numericFromDouble(Math.log(x(a!).toNumber()), 17)));
def("log", [float8Type], float8Type, ([a]) => (logCheck(n(a!)), Math.log10(n(a!))));
def("log", [numericType], numericType, ([a]) => (logCheck(x(a!).toNumber()), numericFromDouble(Math.log10(x(a!).toNumber()), 17)));
def("log10", [float8Type], float8Type, ([a]) => (logCheck(n(a!)), Math.log10(n(a!))));
def("log", [numericType, numericType], numericType, ([base, v]) => numericFromDouble(Math.log(x(v!).toNumber()) / Math.log(x(base!).toNumber()), 17));
for (const name of ["power", "pow"]) {
  def(name, [float8Type, float8Type], float8Type, ([a, c]) => Math.pow(n(a!), n(c!)));
  def(name, [numericType, numericType], numericType, ([a, c]) => numericPower(x(a!), x(c!)));
}
def("mod", [int2Type, int2Type], int2Type, ([a, c]) => {
  if (n(c!) === 0) throw new SqlError(SqlState.divisionByZero, "division by zero");
  return n(a!) % n(c!) || 0;
});
def("mod", [int4Type, int4Type], int4Type, ([a, c]) => {
  if (n(c!) === 0) throw new SqlError(SqlState.divisionByZero, "division by zero");
  return n(a!) % n(c!) || 0;
});
def("mod", [int8Type, int8Type], int8Type, ([a, c]) => int8Ops.mod(b(a!), b(c!)));
def("mod", [numericType, numericType], numericType, ([a, c]) => x(a!).mod(x(c!)));
def("div", [numericType, numericType], numericType, ([a, c]) => x(a!).divideAtScale(x(c!), 0, false));
def("pi", [], float8Type, () => Math.PI);
def("degrees", [float8Type], float8Type, ([a]) => (n(a!) * 180) / Math.PI);
def("radians", [float8Type], float8Type, ([a]) => (n(a!) * Math.PI) / 180);
for (const name of ["sin", "cos", "tan", "asin", "acos", "atan"] as const) {
  def(name, [float8Type], float8Type, ([a]) => Math[name](n(a!)));
}
def("atan2", [float8Type, float8Type], float8Type, ([a, c]) => Math.atan2(n(a!), n(c!)));
def("random", [], float8Type, (_args, ctx) => ctx.session.random(), { volatility: "volatile" });
def("setseed", [float8Type], voidType, ([a], ctx) => (ctx.session.setSeed(n(a!)), ""), { volatility: "volatile" });
const gcd = (a: bigint, c: bigint): bigint => {
  a = a < 0n ? -a : a;
  c = c < 0n ? -c : c;
  while (c !== 0n) [a, c] = [c, a % c];
  return a;
};
def("gcd", [int4Type, int4Type], int4Type, ([a, c]) => checkInt4(Number(gcd(BigInt(n(a!)), BigInt(n(c!))))));
def("gcd", [int8Type, int8Type], int8Type, ([a, c]) => checkInt8(gcd(b(a!), b(c!))));
def("lcm", [int4Type, int4Type], int4Type, ([a, c]) => {
  const g = gcd(BigInt(n(a!)), BigInt(n(c!)));
  return g === 0n ? 0 : checkInt4(Math.abs(Number((BigInt(n(a!)) / g) * BigInt(n(c!)))));
});
def("scale", [numericType], int4Type, ([a]) => x(a!).scale);
def("width_bucket", [float8Type, float8Type, float8Type, int4Type], int4Type, ([v, lo, hi, count]) => {
  const value = n(v!);
  const low = n(lo!);
  const high = n(hi!);
  const buckets = n(count!);
  if (buckets <= 0) throw new SqlError(SqlState.invalidArgumentForPowerFunction, "count must be greater than zero");
  if (value < low) return 0;
  if (value >= high) return buckets + 1;
  return Math.floor(((value - low) / (high - low)) * buckets) + 1;
});

// ------------------------------------------------------------------ strings
for (const name of ["length", "char_length", "character_length"]) def(name, [textType], int4Type, ([a]) => strings.charLength(s(a!)));
def("length", [byteaType], int4Type, ([a]) => (a as Uint8Array).length);
def("octet_length", [textType], int4Type, ([a]) => Buffer.byteLength(s(a!)));
def("octet_length", [byteaType], int4Type, ([a]) => (a as Uint8Array).length);
def("bit_length", [textType], int4Type, ([a]) => Buffer.byteLength(s(a!)) * 8);
def("lower", [textType], textType, ([a]) => strings.lowerC(s(a!)));
def("upper", [textType], textType, ([a]) => strings.upperC(s(a!)));
def("initcap", [textType], textType, ([a]) => strings.initcap(s(a!)));
for (const name of ["substr", "substring"]) {
  def(name, [textType, int4Type], textType, ([a, from]) => strings.substring(s(a!), n(from!)));
  def(name, [textType, int4Type, int4Type], textType, ([a, from, count]) => strings.substring(s(a!), n(from!), n(count!)));
}
def("substring", [textType, textType], textType, ([a, pattern]) => {
  const match = strings.regexpMatch(s(a!), s(pattern!));
  return match ? match[0] ?? null : null;
});
def("btrim", [textType], textType, ([a]) => strings.trimChars(s(a!), " ", true, true));
def("btrim", [textType, textType], textType, ([a, c]) => strings.trimChars(s(a!), s(c!), true, true));
def("ltrim", [textType], textType, ([a]) => strings.trimChars(s(a!), " ", true, false));
def("ltrim", [textType, textType], textType, ([a, c]) => strings.trimChars(s(a!), s(c!), true, false));
def("rtrim", [textType], textType, ([a]) => strings.trimChars(s(a!), " ", false, true));
def("rtrim", [textType, textType], textType, ([a, c]) => strings.trimChars(s(a!), s(c!), false, true));
def("lpad", [textType, int4Type], textType, ([a, len]) => strings.pad(s(a!), n(len!), " ", true));
def("lpad", [textType, int4Type, textType], textType, ([a, len, fill]) => strings.pad(s(a!), n(len!), s(fill!), true));
def("rpad", [textType, int4Type], textType, ([a, len]) => strings.pad(s(a!), n(len!), " ", false));
def("rpad", [textType, int4Type, textType], textType, ([a, len, fill]) => strings.pad(s(a!), n(len!), s(fill!), false));
def("replace", [textType, textType, textType], textType, ([a, from, to]) => (s(from!) === "" ? s(a!) : s(a!).split(s(from!)).join(s(to!))));
def("position", [textType, textType], int4Type, ([haystack, needle]) => strings.position(s(needle!), s(haystack!)));
def("strpos", [textType, textType], int4Type, ([haystack, needle]) => strings.position(s(needle!), s(haystack!)));
def("left", [textType, int4Type], textType, ([a, c]) => strings.left(s(a!), n(c!)));
def("right", [textType, int4Type], textType, ([a, c]) => strings.right(s(a!), n(c!)));
def("repeat", [textType, int4Type], textType, ([a, c]) => strings.repeat(s(a!), n(c!)));
def("reverse", [textType], textType, ([a]) => strings.chars(s(a!)).reverse().join(""));
def("split_part", [textType, textType, int4Type], textType, ([a, d, f]) => strings.splitPart(s(a!), s(d!), n(f!)));
def("starts_with", [textType, textType], boolType, ([a, c]) => s(a!).startsWith(s(c!)));
def("md5", [textType], textType, ([a]) => strings.md5Hex(new TextEncoder().encode(s(a!))));
def("md5", [byteaType], textType, ([a]) => strings.md5Hex(a as Uint8Array));
def("chr", [int4Type], textType, ([a]) => {
  if (n(a!) === 0) throw new SqlError(SqlState.programLimitExceeded, "null character not permitted");
  return String.fromCodePoint(n(a!));
});
def("ascii", [textType], int4Type, ([a]) => s(a!).codePointAt(0) ?? 0);
def("to_hex", [int4Type], textType, ([a]) => strings.toHex(BigInt(n(a!))));
def("to_hex", [int8Type], textType, ([a]) => strings.toHex(b(a!)));
def("translate", [textType, textType, textType], textType, ([a, f, t]) => strings.translate(s(a!), s(f!), s(t!)));
def("quote_ident", [textType], textType, ([a]) => strings.quoteIdent(s(a!)));
def("quote_literal", [textType], textType, ([a]) => strings.quoteLiteral(s(a!)));
def("quote_nullable", [textType], textType, ([a]) => (a === null ? "NULL" : strings.quoteLiteral(s(a))), { strict: false });
def("regexp_replace", [textType, textType, textType], textType, ([a, p, r]) => strings.regexpReplace(s(a!), s(p!), s(r!)));
def("regexp_replace", [textType, textType, textType, textType], textType, ([a, p, r, f]) => strings.regexpReplace(s(a!), s(p!), s(r!), s(f!)));
def("regexp_match", [textType, textType], textArray, ([a, p]) => {
  const match = strings.regexpMatch(s(a!), s(p!));
  return match ? new PgArray<string>(match) : null;
});
def("regexp_match", [textType, textType, textType], textArray, ([a, p, f]) => {
  const match = strings.regexpMatch(s(a!), s(p!), s(f!));
  return match ? new PgArray<string>(match) : null;
});
def("regexp_like", [textType, textType], boolType, ([a, p]) => strings.posixRegExp(s(p!)).test(s(a!)));
def("like_escape", [textType, textType], textType, ([p, e]) => {
  const escape = s(e!);
  if (escape === "\\") return p;
  if (strings.charLength(escape) > 1) throw new SqlError(SqlState.invalidEscapeSequence, "invalid escape string", { hint: "Escape string must be empty or one character." });
  let out = "";
  const list = strings.chars(s(p!));
  for (let i = 0; i < list.length; i++) {
    const char = list[i]!;
    if (escape !== "" && char === escape) {
      out += "\\" + (list[++i] ?? "");
    } else if (char === "\\") out += "\\\\";
    else out += char;
  }
  return out;
});
def("similar_to_escape", [textType], textType, ([p]) => similarToRegex(s(p!)));
def("similar_to_escape", [textType, textType], textType, ([p]) => similarToRegex(s(p!)));
def("string_to_array", [textType, textType], textArray, ([a, d]) => {
  const text = s(a!);
  if (text === "") return new PgArray<string>([]);
  if (d === null) return new PgArray<string>(strings.chars(text));
  return new PgArray<string>(s(d) === "" ? [text] : text.split(s(d)));
}, { strict: false });
def("string_to_array", [textType, textType, textType], textArray, ([a, d, nullText]) => {
  if (a === null) return null;
  const text = s(a);
  if (text === "") return new PgArray<string>([]);
  const parts = d === null ? strings.chars(text) : s(d) === "" ? [text] : text.split(s(d));
  return new PgArray<string>(parts.map((part) => (nullText !== null && part === s(nullText) ? null : part)));
}, { strict: false });
def("encode", [byteaType, textType], textType, ([a, f]) => {
  const bytes = a as Uint8Array;
  const format = s(f!).toLowerCase();
  if (format === "hex") return Buffer.from(bytes).toString("hex");
  if (format === "base64") return Buffer.from(bytes).toString("base64").replace(/(.{76})/g, "$1\n");
  if (format === "escape") return Array.from(bytes, (byte) => (byte === 92 ? "\\\\" : byte < 32 || byte > 126 ? `\\${byte.toString(8).padStart(3, "0")}` : String.fromCharCode(byte))).join("");
  throw new SqlError(SqlState.invalidParameterValue, `unrecognized encoding: "${s(f!)}"`);
});
def("decode", [textType, textType], byteaType, ([a, f]) => {
  const format = s(f!).toLowerCase();
  if (format === "hex") {
    if (!/^(?:[0-9a-fA-F]{2}|\s)*$/.test(s(a!))) throw new SqlError(SqlState.invalidParameterValue, "invalid hexadecimal data: odd number of digits");
    return new Uint8Array(Buffer.from(s(a!).replace(/\s/g, ""), "hex"));
  }
  if (format === "base64") return new Uint8Array(Buffer.from(s(a!), "base64"));
  throw new SqlError(SqlState.invalidParameterValue, `unrecognized encoding: "${s(f!)}"`);
});
def("convert_from", [byteaType, nameType], textType, ([a]) => new TextDecoder().decode(a as Uint8Array));
def("convert_to", [textType, nameType], byteaType, ([a]) => new TextEncoder().encode(s(a!)));
def("overlay", [textType, textType, int4Type], textType, ([a, r, from]) => {
  const list = strings.chars(s(a!));
  const replacement = strings.chars(s(r!));
  const start = n(from!) - 1;
  return [...list.slice(0, start), ...replacement, ...list.slice(start + replacement.length)].join("");
});
def("overlay", [textType, textType, int4Type, int4Type], textType, ([a, r, from, count]) => {
  const list = strings.chars(s(a!));
  const start = n(from!) - 1;
  return [...list.slice(0, start), ...strings.chars(s(r!)), ...list.slice(start + n(count!))].join("");
});
def("gen_random_uuid", [], uuidType, () => randomUUID(), { volatility: "volatile" });
def("uuid_generate_v4", [], uuidType, () => randomUUID(), { volatility: "volatile" });

function similarToRegex(pattern: string): string {
  let out = "^(?:";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "%") out += ".*";
    else if (char === "_") out += ".";
    else if (char === "\\" && i + 1 < pattern.length) out += "\\" + pattern[++i];
    else if (char === ".") out += "\\.";
    else out += char;
  }
  return out + ")$";
}

// ------------------------------------------------------------------ date and time
const stable = { volatility: "stable" as const };
def("now", [], timestamptzType, (_a, ctx) => ctx.session.transactionTimestamp(), stable);
def("transaction_timestamp", [], timestamptzType, (_a, ctx) => ctx.session.transactionTimestamp(), stable);
def("statement_timestamp", [], timestamptzType, (_a, ctx) => ctx.session.statementTimestamp(), stable);
def("clock_timestamp", [], timestamptzType, () => BigInt(Date.now()) * 1000n + UNIX_EPOCH_MICROS, { volatility: "volatile" });
def("timeofday", [], textType, () => new Date().toString(), { volatility: "volatile" });
def("date_trunc", [textType, timestampType], timestampType, ([u, t]) => dt.truncTimestamp(s(u!), ts(t!)));
def("date_trunc", [textType, timestamptzType], timestamptzType, ([u, t], ctx) => dt.truncTimestamptz(s(u!), ts(t!), ctx.types), stable);
def("date_trunc", [textType, intervalType], intervalType, ([u, t]) => dt.truncInterval(s(u!), t as Interval));
const zoneOffset = (t: bigint, ctx: EvalContext): number => localTimestamp(t, sessionZone(ctx.types)).offset;
def("extract", [textType, timestampType], numericType, ([f, t]) => dt.extractFromTimestamp(s(f!), ts(t!), null, "timestamp without time zone"));
def("extract", [textType, timestamptzType], numericType, ([f, t], ctx) => {
  const field = s(f!).toLowerCase();
  return dt.extractFromTimestamp(field, ts(t!), field === "epoch" ? null : zoneOffset(ts(t!), ctx), "timestamp with time zone");
}, stable);
def("extract", [textType, dateType], numericType, ([f, d]) => dt.extractFromDate(s(f!), n(d!)));
def("extract", [textType, intervalType], numericType, ([f, i]) => dt.extractFromInterval(s(f!), i as Interval));
def("date_part", [textType, timestampType], float8Type, ([f, t]) => dt.extractFromTimestamp(s(f!), ts(t!), null, "timestamp without time zone").toNumber());
def("date_part", [textType, timestamptzType], float8Type, ([f, t], ctx) => {
  const field = s(f!).toLowerCase();
  return dt.extractFromTimestamp(field, ts(t!), field === "epoch" ? null : zoneOffset(ts(t!), ctx), "timestamp with time zone").toNumber();
}, stable);
def("date_part", [textType, intervalType], float8Type, ([f, i]) => dt.extractFromInterval(s(f!), i as Interval).toNumber());
def("date_part", [textType, dateType], float8Type, ([f, d]) => dt.extractFromDate(s(f!), n(d!)).toNumber());
def("age", [timestampType, timestampType], intervalType, ([a, c]) => age(ts(a!), ts(c!)));
def("age", [timestamptzType, timestamptzType], intervalType, ([a, c], ctx) => {
  const zone = sessionZone(ctx.types);
  return age(timestamptzToTimestamp(ts(a!), zone), timestamptzToTimestamp(ts(c!), zone));
}, stable);
def("age", [timestamptzType], intervalType, ([a], ctx) => {
  const zone = sessionZone(ctx.types);
  const today = dt.truncTimestamp("day", timestamptzToTimestamp(ctx.session.transactionTimestamp(), zone));
  return age(today, timestamptzToTimestamp(ts(a!), zone));
}, stable);
def("make_date", [int4Type, int4Type, int4Type], dateType, ([y, m, d]) => dt.makeDate(n(y!), n(m!), n(d!)));
def("make_timestamp", [int4Type, int4Type, int4Type, int4Type, int4Type, float8Type], timestampType, ([y, m, d, h, mi, sec]) => {
  const day = dt.makeDate(n(y!), n(m!), n(d!));
  return BigInt(day) * 86_400_000_000n + BigInt(n(h!)) * 3_600_000_000n + BigInt(n(mi!)) * 60_000_000n + BigInt(Math.round(n(sec!) * 1e6));
});
def("make_interval", [int4Type, int4Type, int4Type, int4Type, int4Type, int4Type, float8Type], intervalType, ([y, m, w, d, h, mi, sec]) => ({
  months: n(y!) * 12 + n(m!),
  days: n(w!) * 7 + n(d!),
  microseconds: BigInt(n(h!)) * 3_600_000_000n + BigInt(n(mi!)) * 60_000_000n + BigInt(Math.round(n(sec!) * 1e6)),
}));
def("to_timestamp", [float8Type], timestamptzType, ([a]) => {
  const seconds = n(a!);
  if (!Number.isFinite(seconds)) return seconds > 0 ? 2n ** 63n - 1n : -(2n ** 63n);
  return BigInt(Math.round(seconds * 1e6)) + UNIX_EPOCH_MICROS;
});
def("justify_hours", [intervalType], intervalType, ([a]) => dt.justifyHours(a as Interval));
def("justify_days", [intervalType], intervalType, ([a]) => dt.justifyDays(a as Interval));
def("justify_interval", [intervalType], intervalType, ([a]) => dt.justifyDays(dt.justifyHours(a as Interval)));
def("isfinite", [dateType], boolType, ([a]) => n(a!) !== dt.DATE_POSITIVE_INFINITY && n(a!) !== dt.DATE_NEGATIVE_INFINITY);
def("isfinite", [timestampType], boolType, ([a]) => ts(a!) !== 2n ** 63n - 1n && ts(a!) !== -(2n ** 63n));
def("isfinite", [timestamptzType], boolType, ([a]) => ts(a!) !== 2n ** 63n - 1n && ts(a!) !== -(2n ** 63n));

/** age(): the symbolic difference in years, months, days and time, as PostgreSQL computes it. */
function age(a: bigint, c: bigint): Interval {
  const sign = a < c ? -1 : 1;
  const [later, earlier] = a < c ? [c, a] : [a, c];
  const day = 86_400_000_000n;
  const split = (t: bigint) => {
    const days = Number(t / day - (t % day < 0n ? 1n : 0n));
    const micros = t - BigInt(days) * day;
    const date = new Date(Date.UTC(2000, 0, 1) + days * 86_400_000);
    return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate(), micros };
  };
  const l = split(later);
  const e = split(earlier);
  let micros = l.micros - e.micros;
  let days = l.d - e.d;
  let months = l.m - e.m;
  let years = l.y - e.y;
  if (micros < 0n) {
    micros += day;
    days--;
  }
  if (days < 0) {
    const prevMonth = l.m === 1 ? 12 : l.m - 1;
    const prevYear = l.m === 1 ? l.y - 1 : l.y;
    days += new Date(Date.UTC(prevYear, prevMonth, 0)).getUTCDate();
    months--;
  }
  if (months < 0) {
    months += 12;
    years--;
  }
  const total = years * 12 + months;
  return { months: sign * total || 0, days: sign * days || 0, microseconds: BigInt(sign) * micros };
}

// ------------------------------------------------------------------ json
def("jsonb_typeof", [jsonbType], textType, ([a]) => json.typeofJsonb(a as Jsonb));
def("json_typeof", [jsonType], textType, ([a]) => json.typeofJsonb(Jsonb.parse(s(a!))));
def("jsonb_array_length", [jsonbType], int4Type, ([a]) => json.arrayLength(a as Jsonb));
def("json_array_length", [jsonType], int4Type, ([a]) => json.arrayLength(Jsonb.parse(s(a!))));
def("jsonb_set", [jsonbType, textArray, jsonbType], jsonbType, ([t, p, v]) => json.setPath(t as Jsonb, (p as PgArray<string>).elements, v as Jsonb, true));
def("jsonb_set", [jsonbType, textArray, jsonbType, boolType], jsonbType, ([t, p, v, c]) => json.setPath(t as Jsonb, (p as PgArray<string>).elements, v as Jsonb, c as boolean));
def("jsonb_pretty", [jsonbType], textType, ([a]) => json.jsonbPretty(a as Jsonb));
def("jsonb_extract_path", [jsonbType, textArray], jsonbType, ([a, p]) => json.pathOf(a as Jsonb, (p as PgArray<string>).elements));
def("jsonb_extract_path_text", [jsonbType, textArray], textType, ([a, p]) => json.asText(json.pathOf(a as Jsonb, (p as PgArray<string>).elements)));
def("jsonb_strip_nulls", [jsonbType], jsonbType, ([a]) => Jsonb.fromJs(JSON.parse((a as Jsonb).toString(), (_k, v: unknown) => (v === null ? undefined : v))));

// ------------------------------------------------------------------ system
def("version", [], textType, () => `PostgreSQL ${SERVER_VERSION} on ${process.arch}-${process.platform}, compiled by Bun ${Bun.version}, 64-bit`);
def("current_database", [], nameType, (_a, ctx) => ctx.session.database, stable);
def("current_catalog", [], nameType, (_a, ctx) => ctx.session.database, stable);
def("current_schema", [], nameType, (_a, ctx) => ctx.session.currentSchema(), { ...stable, strict: false });
def("current_schemas", [boolType], nameArray, ([implicit], ctx) => {
  const path = ctx.session.searchPath();
  return new PgArray<string>(implicit ? ["pg_catalog", ...path.filter((p) => p !== "pg_catalog")] : path);
}, stable);
for (const name of ["current_user", "session_user", "user", "current_role"]) {
  def(name, [], nameType, (_a, ctx) => ctx.session.user, stable);
}
def("pg_backend_pid", [], int4Type, (_a, ctx) => ctx.session.processId, stable);
def("pg_sleep", [float8Type], voidType, ([a], ctx) => (ctx.session.sleepMs(n(a!) * 1000), ""), { volatility: "volatile" });
def("current_setting", [textType], textType, ([a], ctx) => ctx.session.setting(s(a!)), stable);
def("current_setting", [textType, boolType], textType, ([a, missingOk], ctx) => {
  try {
    return ctx.session.setting(s(a!));
  } catch (error) {
    if (missingOk && error instanceof SqlError && error.code === SqlState.undefinedObject) return null;
    throw error;
  }
}, stable);
def("set_config", [textType, textType, boolType], textType, ([name, value, local], ctx) => ctx.session.setSetting(s(name!), s(value!), local as boolean), { volatility: "volatile" });
def("nextval", [regclassType], int8Type, ([a], ctx) => ctx.session.nextval(n(a!)), { volatility: "volatile" });
def("currval", [regclassType], int8Type, ([a], ctx) => ctx.session.currval(n(a!)), { volatility: "volatile" });
def("setval", [regclassType, int8Type], int8Type, ([a, v], ctx) => ctx.session.setval(n(a!), b(v!), true), { volatility: "volatile" });
def("setval", [regclassType, int8Type, boolType], int8Type, ([a, v, c], ctx) => ctx.session.setval(n(a!), b(v!), c as boolean), { volatility: "volatile" });
def("lastval", [], int8Type, (_a, ctx) => ctx.session.lastval(), { volatility: "volatile" });
def("pg_is_in_recovery", [], boolType, () => false);
def("txid_current", [], int8Type, (_a, ctx) => ctx.session.transactionTimestamp(), stable);
def("pg_postmaster_start_time", [], timestamptzType, () => startTime, stable);
def("obj_description", [oidType, nameType], textType, ([oid, catalogName], ctx) => catalog.objectDescription(ctx.session.catalogAccess(), n(oid!), s(catalogName!), 0), stable);
def("obj_description", [oidType], textType, ([oid], ctx) => catalog.objectDescription(ctx.session.catalogAccess(), n(oid!), null, 0), stable);
def("col_description", [oidType, int4Type], textType, ([oid, column], ctx) => catalog.objectDescription(ctx.session.catalogAccess(), n(oid!), "pg_class", n(column!)), stable);
def("shobj_description", [oidType, nameType], textType, ([oid, catalogName], ctx) => catalog.sharedObjectDescription(ctx.session.catalogAccess(), n(oid!), s(catalogName!)), stable);
def("pg_get_userbyid", [oidType], nameType, ([oid], ctx) => catalog.roleName(ctx.session.catalogAccess().cluster, n(oid!)), stable);
def("pg_encoding_to_char", [int4Type], nameType, ([encoding]) => catalog.encodingName(n(encoding!)));
def("pg_table_is_visible", [oidType], boolType, ([oid], ctx) => ctx.session.relationVisible(n(oid!)), stable);
def("pg_type_is_visible", [oidType], boolType, () => true);
def("has_table_privilege", [textType, textType], boolType, () => true);
def("has_table_privilege", [textType, textType, textType], boolType, () => true);
def("has_schema_privilege", [textType, textType], boolType, () => true);
def("has_database_privilege", [textType, textType], boolType, () => true);
def("format_type", [oidType, int4Type], textType, ([oid, typmod]) => {
  const type = typeByOid(n(oid!));
  return type ? formatType(type, typmod === null ? NO_TYPMOD : n(typmod)) : "???";
}, { strict: false });
def("pg_get_expr", [pgNodeTreeType, oidType], textType, ([tree, relation], ctx) => catalog.expressionDefinition(ctx.session.catalogAccess(), s(tree!), n(relation!), false), stable);
def("pg_get_expr", [pgNodeTreeType, oidType, boolType], textType, ([tree, relation, pretty], ctx) => catalog.expressionDefinition(ctx.session.catalogAccess(), s(tree!), n(relation!), pretty === true), stable);
def("pg_get_indexdef", [oidType], textType, ([index], ctx) => catalog.indexDefinition(ctx.session.catalogAccess(), n(index!), 0, false), stable);
def("pg_get_indexdef", [oidType, int4Type, boolType], textType, ([index, column, pretty], ctx) => catalog.indexDefinition(ctx.session.catalogAccess(), n(index!), n(column!), pretty === true), stable);
def("pg_get_constraintdef", [oidType], textType, ([constraint], ctx) => catalog.constraintDefinition(ctx.session.catalogAccess(), n(constraint!), false), stable);
def("pg_get_constraintdef", [oidType, boolType], textType, ([constraint, pretty], ctx) => catalog.constraintDefinition(ctx.session.catalogAccess(), n(constraint!), pretty === true), stable);
def("pg_relation_is_publishable", [regclassType], boolType, ([relation], ctx) => catalog.relationIsPublishable(ctx.session.catalogAccess(), n(relation!)), stable);
// pgz has no extended statistics objects, and PostgreSQL answers NULL for an OID that names none.
def("pg_get_statisticsobjdef_columns", [oidType], textType, () => null);
def("inet_server_port", [], int4Type, () => null);
def("pg_client_encoding", [], nameType, () => "UTF8");
def("to_regclass", [textType], regclassType, ([a], ctx) => {
  try {
    return ctx.session.relationOid(s(a!));
  } catch {
    return null;
  }
});
const startTime = BigInt(Date.now()) * 1000n + UNIX_EPOCH_MICROS;

// ------------------------------------------------------------------ arrays
function arrayArgType(args: readonly Expr[], index: number): SqlType | null {
  const type = args[index]?.type;
  return type && elementTypeOf(type) ? type : null;
}

function dimension(array: PgArray, dim: number): number | null {
  return dim >= 1 && dim <= array.ndims ? array.dims[dim - 1]! : null;
}

function arrayFunction(name: string, result: SqlType, fn: ScalarFunction, extra: readonly SqlType[] = []): void {
  resolver(name, (args, host) => {
    if (args.length !== extra.length + 1) return null;
    const array = arrayArgType(args, 0);
    if (!array) return null;
    return {
      args: [args[0]!, ...extra.map((type, i) => coerceExpr(args[i + 1]!, type, NO_TYPMOD, "implicit", host))],
      type: result,
      fn,
      strict: true,
      volatility: "immutable",
    };
  });
}

arrayFunction("array_length", int4Type, ([a, d]) => dimension(a as PgArray, n(d!)), [int4Type]);
arrayFunction("array_upper", int4Type, ([a, d]) => {
  const array = a as PgArray;
  const length = dimension(array, n(d!));
  return length === null ? null : array.lowerBounds[n(d!) - 1]! + length - 1;
}, [int4Type]);
arrayFunction("array_lower", int4Type, ([a, d]) => {
  const array = a as PgArray;
  return dimension(array, n(d!)) === null ? null : array.lowerBounds[n(d!) - 1]!;
}, [int4Type]);
arrayFunction("array_ndims", int4Type, ([a]) => ((a as PgArray).ndims === 0 ? null : (a as PgArray).ndims));
arrayFunction("cardinality", int4Type, ([a]) => (a as PgArray).elements.length);
arrayFunction("array_dims", textType, ([a]) => {
  const array = a as PgArray;
  if (array.ndims === 0) return null;
  return array.dims.map((length, i) => `[${array.lowerBounds[i]}:${array.lowerBounds[i]! + length - 1}]`).join("");
});
resolver("array_to_string", (args, host) => {
  if (args.length < 2 || args.length > 3) return null;
  const array = arrayArgType(args, 0);
  if (!array) return null;
  const element = elementTypeOf(array)!;
  return {
    args: [args[0]!, ...args.slice(1).map((a) => coerceExpr(a, textType, NO_TYPMOD, "implicit", host))],
    type: textType,
    fn: ([a, d, nullText], ctx) => {
      if (a === null || d === null) return null;
      const parts: string[] = [];
      for (const item of (a as PgArray).elements) {
        if (item === null) {
          if (nullText !== undefined && nullText !== null) parts.push(s(nullText));
        } else parts.push(element.format(item, ctx.types));
      }
      return parts.join(s(d));
    },
    strict: false,
    volatility: "stable",
  };
});

function elementArgs(args: readonly Expr[], host: CoercionHost, arrayIndex: number, elementIndex: number): { array: SqlType; args: Expr[] } | null {
  const arrayArg = args[arrayIndex]!;
  const elementArg = args[elementIndex]!;
  let array = elementTypeOf(arrayArg.type) ? arrayArg.type : null;
  if (!array && !isUnknown(elementArg.type)) array = arrayTypeOf(elementArg.type) ?? null;
  if (!array) return null;
  const element = elementTypeOf(array)!;
  const out = [...args];
  out[arrayIndex] = coerceExpr(arrayArg, array, NO_TYPMOD, "implicit", host);
  out[elementIndex] = coerceExpr(elementArg, element, NO_TYPMOD, "implicit", host);
  return { array, args: out };
}

resolver("array_append", (args, host) => {
  if (args.length !== 2) return null;
  const resolved = elementArgs(args, host, 0, 1);
  if (!resolved) return null;
  return {
    args: resolved.args,
    type: resolved.array,
    fn: ([a, e]) => (a === null ? new PgArray([e as ScalarDatum | null]) : new PgArray([...(a as PgArray).elements, e as ScalarDatum | null])),
    strict: false,
    volatility: "immutable",
  };
});
resolver("array_prepend", (args, host) => {
  if (args.length !== 2) return null;
  const resolved = elementArgs(args, host, 1, 0);
  if (!resolved) return null;
  return {
    args: resolved.args,
    type: resolved.array,
    fn: ([e, a]) => (a === null ? new PgArray([e as ScalarDatum | null]) : new PgArray([e as ScalarDatum | null, ...(a as PgArray).elements])),
    strict: false,
    volatility: "immutable",
  };
});
resolver("array_cat", (args, host) => {
  if (args.length !== 2) return null;
  const type = commonType(args.map((a) => a.type), "array_cat");
  if (!elementTypeOf(type)) return null;
  return {
    args: args.map((a) => coerceExpr(a, type, NO_TYPMOD, "implicit", host)),
    type,
    fn: ([a, c]) => (a === null ? c : c === null ? a : concatArrays(a as PgArray, c as PgArray)),
    strict: false,
    volatility: "immutable",
  };
});
resolver("array_position", (args, host) => {
  if (args.length !== 2) return null;
  const resolved = elementArgs(args, host, 0, 1);
  if (!resolved) return null;
  const element = elementTypeOf(resolved.array)!;
  return {
    args: resolved.args,
    type: int4Type,
    fn: ([a, e]) => {
      if (a === null) return null;
      const index = (a as PgArray).elements.findIndex((item) => (item === null ? e === null : e !== null && element.equals(item, e)));
      return index < 0 ? null : index + 1;
    },
    strict: false,
    volatility: "immutable",
  };
});
resolver("array_remove", (args, host) => {
  if (args.length !== 2) return null;
  const resolved = elementArgs(args, host, 0, 1);
  if (!resolved) return null;
  const element = elementTypeOf(resolved.array)!;
  return {
    args: resolved.args,
    type: resolved.array,
    fn: ([a, e]) => {
      if (a === null) return null;
      return new PgArray((a as PgArray).elements.filter((item) => !(item === null ? e === null : e !== null && element.equals(item, e))));
    },
    strict: false,
    volatility: "immutable",
  };
});

export function concatArrays(a: PgArray, c: PgArray): PgArray {
  if (a.ndims === 0) return c;
  if (c.ndims === 0) return a;
  if (a.ndims === c.ndims) {
    const dims = [a.dims[0]! + c.dims[0]!, ...a.dims.slice(1)];
    return new PgArray([...a.elements, ...c.elements], dims, a.lowerBounds);
  }
  if (a.ndims === c.ndims + 1) return new PgArray([...a.elements, ...c.elements], [a.dims[0]! + 1, ...a.dims.slice(1)], a.lowerBounds);
  if (c.ndims === a.ndims + 1) return new PgArray([...a.elements, ...c.elements], [c.dims[0]! + 1, ...c.dims.slice(1)], c.lowerBounds);
  throw new SqlError(SqlState.arraySubscriptError, "cannot concatenate incompatible arrays");
}

// ------------------------------------------------------------------ polymorphic and variadic
function textOf(expr: Expr): (value: SqlValue, ctx: EvalContext) => string {
  const type = expr.type;
  if (type.oid === textType.oid || isUnknown(type)) return (v) => v as string;
  return (v, ctx) => formatStyled(type, v, ctx.types);
}

resolver("concat", (args) => {
  if (args.length === 0) return null;
  const formatters = args.map(textOf);
  return {
    args,
    type: textType,
    fn: (values, ctx) => values.map((v, i) => (v === null ? "" : formatters[i]!(v, ctx))).join(""),
    strict: false,
    volatility: "stable",
  };
});
resolver("concat_ws", (args, host) => {
  if (args.length < 1) return null;
  const formatters = args.slice(1).map(textOf);
  return {
    args: [coerceExpr(args[0]!, textType, NO_TYPMOD, "implicit", host), ...args.slice(1)],
    type: textType,
    fn: ([separator, ...values], ctx) => {
      if (separator === null) return null;
      return values.flatMap((v, i) => (v === null ? [] : [formatters[i]!(v, ctx)])).join(s(separator!));
    },
    strict: false,
    volatility: "stable",
  };
});
resolver("format", (args, host) => {
  if (args.length < 1) return null;
  const formatters = args.slice(1).map(textOf);
  return {
    args: [coerceExpr(args[0]!, textType, NO_TYPMOD, "implicit", host), ...args.slice(1)],
    type: textType,
    fn: ([fmt, ...values], ctx) => (fmt === null ? null : strings.formatString(s(fmt), values.map((v, i) => (v === null ? null : formatters[i]!(v, ctx))))),
    strict: false,
    volatility: "stable",
  };
});
for (const name of ["num_nulls", "num_nonnulls"]) {
  resolver(name, (args) => ({
    args,
    type: int4Type,
    fn: (values) => values.filter((v) => (v === null) === (name === "num_nulls")).length,
    strict: false,
    volatility: "immutable",
  }));
}
resolver("pg_typeof", (args) => {
  if (args.length !== 1) return null;
  const oid = args[0]!.type.oid;
  return { args, type: regtypeType, fn: () => oid, strict: false, volatility: "stable" };
});
for (const [name, type] of [["to_jsonb", jsonbType], ["to_json", jsonType]] as const) {
  resolver(name, (args) => {
    if (args.length !== 1) return null;
    const argType = elementTypeOf(args[0]!.type) ?? args[0]!.type;
    return {
      args,
      type,
      fn: ([v], ctx) => {
        const node = json.toJsonbNode(v!, argType, ctx.types);
        return type === jsonbType ? new Jsonb(node) : new Jsonb(node).toString();
      },
      strict: true,
      volatility: "stable",
    };
  });
}
for (const [name, type] of [["jsonb_build_object", jsonbType], ["json_build_object", jsonType]] as const) {
  resolver(name, (args) => {
    if (args.length % 2 !== 0) {
      throw new SqlError(SqlState.invalidParameterValue, "argument list must have even number of elements", {
        hint: `The arguments of ${name}() must consist of alternating keys and values.`,
      });
    }
    const types = args.map((a) => elementTypeOf(a.type) ?? a.type);
    const keyText = args.map(textOf);
    return {
      args,
      type,
      fn: (values, ctx) => {
        const pairs: [string, ReturnType<typeof json.toJsonbNode>][] = [];
        for (let i = 0; i < values.length; i += 2) {
          if (values[i] === null) throw new SqlError(SqlState.invalidParameterValue, `argument ${i + 1}: key must not be null`);
          pairs.push([keyText[i]!(values[i]!, ctx), json.toJsonbNode(values[i + 1]!, types[i + 1]!, ctx.types)]);
        }
        const built = json.buildObject(pairs);
        return type === jsonbType ? built : built.toString();
      },
      strict: false,
      volatility: "stable",
    };
  });
}
for (const [name, type] of [["jsonb_build_array", jsonbType], ["json_build_array", jsonType]] as const) {
  resolver(name, (args) => {
    const types = args.map((a) => elementTypeOf(a.type) ?? a.type);
    return {
      args,
      type,
      fn: (values, ctx) => {
        const built = new Jsonb(values.map((v, i) => json.toJsonbNode(v, types[i]!, ctx.types)));
        return type === jsonbType ? built : built.toString();
      },
      strict: false,
      volatility: "stable",
    };
  });
}

export function functionExists(name: string): boolean {
  return fixed.has(name) || custom.has(name);
}

/** Resolves a call of `name` with these arguments, or null when no function fits. */
export function resolveFunction(name: string, args: readonly Expr[], host: CoercionHost, ambiguous: () => SqlError, locations: readonly (number | undefined)[] = []): ResolvedCall | null {
  const special = custom.get(name);
  if (special) {
    const resolved = special(args, host);
    if (resolved) return resolved;
  }
  const candidates = fixed.get(name);
  if (!candidates) return null;
  const chosen = selectCandidate(candidates, args.map((a) => a.type), ambiguous);
  if (!chosen) return null;
  return {
    args: args.map((arg, i) => coerceExpr(arg, chosen.args[i]!, NO_TYPMOD, "implicit", host, locations[i] === undefined ? {} : { location: locations[i] })),
    type: chosen.result,
    fn: chosen.fn,
    strict: chosen.strict ?? true,
    volatility: chosen.volatility ?? "immutable",
  };
}

export { timestamptzType, int8Type };
