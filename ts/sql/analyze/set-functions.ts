// Set-returning functions (generate_series, unnest, jsonb_array_elements, ...): in FROM and
// in the select list. Each yields rows of one or more columns.

import { SqlError, SqlState } from "../errors.ts";
import {
  elementTypeOf,
  int4Type,
  int8Type,
  intervalType,
  Jsonb,
  JsonbObject,
  jsonbType,
  jsonType,
  NO_TYPMOD,
  Numeric,
  numericType,
  PgArray,
  textType,
  timestampType,
  timestamptzType,
  type Interval,
  type JsonbNode,
  type SqlType,
  type SqlValue,
} from "../types/index.ts";
import { coerceExpr, type CoercionHost } from "./coerce.ts";
import type { Args, EvalContext, Expr } from "./expr.ts";
import { selectCandidate } from "./resolve.ts";
import { asText } from "../functions/json-ops.ts";
import { timestampAddInterval, timestamptzAddInterval } from "../functions/datetime-ops.ts";
import { compareIntervals } from "../types/index.ts";
import { posixRegExp } from "../functions/string-ops.ts";
import { textArray } from "./functions.ts";

export interface SetFunctionColumn {
  readonly name: string;
  readonly type: SqlType;
}

export interface ResolvedSetFunction {
  readonly args: readonly Expr[];
  readonly columns: readonly SetFunctionColumn[];
  readonly fn: (args: Args, ctx: EvalContext) => Iterable<SqlValue[]>;
  /** Column names come from the function name when there is one column. */
  readonly singleColumn: boolean;
}

/** `locations` are the arguments' parse-tree locations, for errors converting them. */
type Resolver = (name: string, args: readonly Expr[], host: CoercionHost, locations: readonly (number | undefined)[]) => ResolvedSetFunction | null;

const functions = new Map<string, Resolver>();

export function isSetFunction(name: string): boolean {
  return functions.has(name);
}

export function resolveSetFunction(name: string, args: readonly Expr[], host: CoercionHost, locations: readonly (number | undefined)[] = []): ResolvedSetFunction | null {
  return functions.get(name)?.(name, args, host, locations) ?? null;
}

function* seriesNumber(start: number, stop: number, step: number, ctx: EvalContext): Iterable<SqlValue[]> {
  if (step === 0) throw new SqlError(SqlState.invalidParameterValue, "step size cannot equal zero");
  let count = 0;
  for (let value = start; step > 0 ? value <= stop : value >= stop; value += step) {
    if ((++count & 4095) === 0) ctx.checkInterrupts();
    yield [value];
  }
}

function* seriesBigint(start: bigint, stop: bigint, step: bigint, ctx: EvalContext): Iterable<SqlValue[]> {
  if (step === 0n) throw new SqlError(SqlState.invalidParameterValue, "step size cannot equal zero");
  let count = 0;
  for (let value = start; step > 0n ? value <= stop : value >= stop; value += step) {
    if ((++count & 4095) === 0) ctx.checkInterrupts();
    yield [value];
  }
}

function* seriesNumeric(start: Numeric, stop: Numeric, step: Numeric, ctx: EvalContext): Iterable<SqlValue[]> {
  if (step.sign() === 0) throw new SqlError(SqlState.invalidParameterValue, "step size cannot equal zero");
  if (!start.isFinite() || !stop.isFinite() || !step.isFinite()) {
    throw new SqlError(SqlState.invalidParameterValue, "start value cannot be NaN");
  }
  const ascending = step.sign() > 0;
  let count = 0;
  for (let value = start; ascending ? value.compare(stop) <= 0 : value.compare(stop) >= 0; value = value.add(step)) {
    if ((++count & 4095) === 0) ctx.checkInterrupts();
    yield [value];
  }
}

const seriesSignatures = [
  { args: [int4Type, int4Type], type: int4Type },
  { args: [int4Type, int4Type, int4Type], type: int4Type },
  { args: [int8Type, int8Type], type: int8Type },
  { args: [int8Type, int8Type, int8Type], type: int8Type },
  { args: [numericType, numericType], type: numericType },
  { args: [numericType, numericType, numericType], type: numericType },
  { args: [timestampType, timestampType, intervalType], type: timestampType },
  { args: [timestamptzType, timestamptzType, intervalType], type: timestamptzType },
] as const;

functions.set("generate_series", (name, args, host, locations) => {
  const chosen = selectCandidate(seriesSignatures as unknown as { args: SqlType[]; type: SqlType }[], args.map((a) => a.type), () =>
    new SqlError(SqlState.ambiguousFunction, `function generate_series(${args.map((a) => a.type.sqlName).join(", ")}) is not unique`, {
      hint: "Could not choose a best candidate function. You might need to add explicit type casts.",
    }),
  );
  if (!chosen) return null;
  const coerced = args.map((arg, i) => {
    const location = locations[i];
    return coerceExpr(arg, chosen.args[i]!, NO_TYPMOD, "implicit", host, location === undefined ? {} : { location });
  });
  const type = chosen.type;
  return {
    args: coerced,
    columns: [{ name, type }],
    singleColumn: true,
    fn: (values, ctx) => {
      if (values.some((v) => v === null)) return [];
      if (type.oid === int4Type.oid) return seriesNumber(values[0] as number, values[1] as number, (values[2] as number | undefined) ?? 1, ctx);
      if (type.oid === int8Type.oid) return seriesBigint(values[0] as bigint, values[1] as bigint, (values[2] as bigint | undefined) ?? 1n, ctx);
      if (type.oid === numericType.oid) {
        return seriesNumeric(values[0] as Numeric, values[1] as Numeric, (values[2] as Numeric | undefined) ?? Numeric.fromInteger(1), ctx);
      }
      const step = values[2] as Interval;
      const zero: Interval = { months: 0, days: 0, microseconds: 0n };
      const direction = compareIntervals(step, zero);
      if (direction === 0) throw new SqlError(SqlState.invalidParameterValue, "step size cannot equal zero");
      const add = type.oid === timestampType.oid ? (t: bigint) => timestampAddInterval(t, step) : (t: bigint) => timestamptzAddInterval(t, step, ctx.types);
      return (function* () {
        const stop = values[1] as bigint;
        let count = 0;
        for (let t = values[0] as bigint; direction > 0 ? t <= stop : t >= stop; t = add(t)) {
          if ((++count & 4095) === 0) ctx.checkInterrupts();
          yield [t];
        }
      })();
    },
  };
});

functions.set("generate_subscripts", (name, args, host) => {
  if (args.length !== 2 || !elementTypeOf(args[0]!.type)) return null;
  return {
    args: [args[0]!, coerceExpr(args[1]!, int4Type, NO_TYPMOD, "implicit", host)],
    columns: [{ name, type: int4Type }],
    singleColumn: true,
    fn: ([array, dim]) => {
      if (array === null || dim === null) return [];
      const a = array as PgArray;
      const d = dim as number;
      if (d < 1 || d > a.ndims) return [];
      const lower = a.lowerBounds[d - 1]!;
      return Array.from({ length: a.dims[d - 1]! }, (_, i) => [lower + i]);
    },
  };
});

functions.set("unnest", (name, args) => {
  if (args.length < 1) return null;
  const elementTypes = args.map((a) => elementTypeOf(a.type));
  if (elementTypes.some((t) => !t)) return null;
  return {
    args,
    columns: elementTypes.map((type) => ({ name, type: type! })),
    singleColumn: args.length === 1,
    fn: (values) => {
      const arrays = values.map((v) => (v === null ? [] : (v as PgArray).elements));
      const length = Math.max(0, ...arrays.map((a) => a.length));
      return Array.from({ length }, (_, i) => arrays.map((a) => (a[i] === undefined ? null : a[i]!)));
    },
  };
});

function jsonArg(args: readonly Expr[], host: CoercionHost): { arg: Expr; json: boolean } | null {
  if (args.length !== 1) return null;
  const arg = args[0]!;
  if (arg.type.oid === jsonType.oid) return { arg, json: true };
  return { arg: coerceExpr(arg, jsonbType, NO_TYPMOD, "implicit", host), json: false };
}

function jsonValue(value: SqlValue, isJson: boolean): Jsonb {
  return isJson ? Jsonb.parse(value as string) : (value as Jsonb);
}

function jsonOut(node: JsonbNode, isJson: boolean): SqlValue {
  const value = new Jsonb(node);
  return isJson ? value.toString() : value;
}

for (const prefix of ["jsonb", "json"]) {
  functions.set(`${prefix}_array_elements`, (_name, args, host) => {
    const resolved = jsonArg(args, host);
    if (!resolved) return null;
    return {
      args: [resolved.arg],
      columns: [{ name: "value", type: resolved.json ? jsonType : jsonbType }],
      singleColumn: false,
      fn: ([v]) => {
        if (v === null) return [];
        const root = jsonValue(v, resolved.json).root;
        if (!Array.isArray(root)) throw new SqlError(SqlState.invalidParameterValue, "cannot extract elements from an object");
        return (root as readonly JsonbNode[]).map((item) => [jsonOut(item, resolved.json)]);
      },
    };
  });
  functions.set(`${prefix}_array_elements_text`, (_name, args, host) => {
    const resolved = jsonArg(args, host);
    if (!resolved) return null;
    return {
      args: [resolved.arg],
      columns: [{ name: "value", type: textType }],
      singleColumn: false,
      fn: ([v]) => {
        if (v === null) return [];
        const root = jsonValue(v, resolved.json).root;
        if (!Array.isArray(root)) throw new SqlError(SqlState.invalidParameterValue, "cannot extract elements from an object");
        return (root as readonly JsonbNode[]).map((item) => [asText(new Jsonb(item))]);
      },
    };
  });
  for (const suffix of ["", "_text"]) {
    functions.set(`${prefix}_each${suffix}`, (name, args, host) => {
      const resolved = jsonArg(args, host);
      if (!resolved) return null;
      return {
        args: [resolved.arg],
        columns: [
          { name: "key", type: textType },
          { name: "value", type: suffix ? textType : resolved.json ? jsonType : jsonbType },
        ],
        singleColumn: false,
        fn: ([v]) => {
          if (v === null) return [];
          const root = jsonValue(v, resolved.json).root;
          if (!(root instanceof JsonbObject)) throw new SqlError(SqlState.invalidParameterValue, `cannot call ${name} on a non-object`);
          return root.keys.map((key, i) => [key, suffix ? asText(new Jsonb(root.values[i]!)) : jsonOut(root.values[i]!, resolved.json)]);
        },
      };
    });
  }
  functions.set(`${prefix}_object_keys`, (name, args, host) => {
    const resolved = jsonArg(args, host);
    if (!resolved) return null;
    return {
      args: [resolved.arg],
      columns: [{ name, type: textType }],
      singleColumn: true,
      fn: ([v]) => {
        if (v === null) return [];
        const root = jsonValue(v, resolved.json).root;
        if (!(root instanceof JsonbObject)) throw new SqlError(SqlState.invalidParameterValue, `cannot call ${name} on a non-object`);
        return root.keys.map((key) => [key]);
      },
    };
  });
}

functions.set("regexp_matches", (name, args, host) => {
  if (args.length < 2 || args.length > 3) return null;
  const coerced = args.map((a) => coerceExpr(a, textType, NO_TYPMOD, "implicit", host));
  return {
    args: coerced,
    columns: [{ name, type: textArray }],
    singleColumn: true,
    fn: ([text, pattern, flags]) => {
      if (text === null || pattern === null) return [];
      const flagText = (flags as string | undefined) ?? "";
      const regexp = posixRegExp(pattern as string, flagText.includes("g") ? flagText : flagText + "g");
      const out: SqlValue[][] = [];
      regexp.lastIndex = 0;
      for (const match of (text as string).matchAll(regexp)) {
        out.push([new PgArray<string>(match.length === 1 ? [match[0]] : match.slice(1).map((g) => g ?? null))]);
        if (!flagText.includes("g")) break;
      }
      return out;
    },
  };
});

functions.set("string_to_table", (name, args, host) => {
  if (args.length !== 2) return null;
  const coerced = args.map((a) => coerceExpr(a, textType, NO_TYPMOD, "implicit", host));
  return {
    args: coerced,
    columns: [{ name, type: textType }],
    singleColumn: true,
    fn: ([text, delimiter]) => {
      if (text === null) return [];
      if (delimiter === null) return Array.from(text as string, (c) => [c]);
      return (text as string).split(delimiter as string).map((part) => [part]);
    },
  };
});
