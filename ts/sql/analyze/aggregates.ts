// Aggregate functions: how each accumulates values and what it returns, with PostgreSQL's
// result types (sum(int4) is bigint, sum(int8) and avg(integer) are numeric, ...) and NULL
// handling (NULL inputs are skipped; an empty group gives NULL, count gives 0).

import { SqlError, SqlState } from "../errors.ts";
import {
  arrayTypeOf,
  boolType,
  float4Type,
  float8Type,
  int2Type,
  int4Type,
  int8Type,
  intervalType,
  Jsonb,
  jsonbType,
  jsonType,
  Numeric,
  numericType,
  PgArray,
  textType,
  byteaType,
  elementTypeOf,
  type Interval,
  type ScalarDatum,
  type SqlType,
  type SqlValue,
  type TypeContext,
  type JsonbNode,
  JsonbObject,
} from "../types/index.ts";
import { checkInt8 } from "../functions/numeric-ops.ts";
import { addIntervals, divideInterval } from "../functions/datetime-ops.ts";
import { toJsonbNode } from "../functions/json-ops.ts";
import { isUnknown } from "./pseudo-types.ts";

/** One group's running state. */
export interface Accumulator {
  add(values: readonly SqlValue[], ctx: TypeContext): void;
  result(ctx: TypeContext): SqlValue;
}

export interface AggregateSignature {
  /** Types the arguments are coerced to. */
  readonly args: readonly SqlType[];
  readonly result: SqlType;
  readonly create: () => Accumulator;
  /** Rows with a NULL argument are skipped (all but count(*)-like ones). */
  readonly strict: boolean;
}

type Resolver = (argTypes: readonly SqlType[]) => AggregateSignature | null;

const aggregates = new Map<string, Resolver>();

export function isAggregate(name: string): boolean {
  return aggregates.has(name);
}

export function resolveAggregate(name: string, argTypes: readonly SqlType[]): AggregateSignature | null {
  return aggregates.get(name)?.(argTypes) ?? null;
}

class CountAcc implements Accumulator {
  count = 0n;
  add(): void {
    this.count++;
  }
  result(): SqlValue {
    return this.count;
  }
}

aggregates.set("count", (args) => {
  if (args.length > 1) return null;
  return { args, result: int8Type, create: () => new CountAcc(), strict: true };
});

const integerFamily = (type: SqlType): boolean => type.oid === int2Type.oid || type.oid === int4Type.oid;

function numericArg(type: SqlType): SqlType | null {
  if (isUnknown(type)) return float8Type;
  if ([int2Type, int4Type, int8Type, numericType, float4Type, float8Type].some((t) => t.oid === type.oid)) return type;
  return null;
}

aggregates.set("sum", (args) => {
  if (args.length !== 1) return null;
  const type = args[0]!.oid === intervalType.oid ? intervalType : numericArg(args[0]!);
  if (!type) return null;
  if (integerFamily(type)) {
    return {
      args: [type],
      result: int8Type,
      strict: true,
      create: () => {
        let sum = 0;
        let seen = false;
        return {
          add: (values) => {
            sum += values[0] as number;
            seen = true;
          },
          result: () => (seen ? checkInt8(BigInt(sum)) : null),
        };
      },
    };
  }
  if (type.oid === int8Type.oid || type.oid === numericType.oid) {
    return {
      args: [type],
      result: numericType,
      strict: true,
      create: () => {
        let bigSum = 0n;
        let numericSum: Numeric | null = null;
        let seen = false;
        return {
          add: (values) => {
            seen = true;
            const value = values[0]!;
            if (typeof value === "bigint") bigSum += value;
            else numericSum = numericSum ? numericSum.add(value as Numeric) : (value as Numeric);
          },
          result: () => {
            if (!seen) return null;
            const base = Numeric.fromInteger(bigSum);
            return numericSum ? numericSum.add(base) : base;
          },
        };
      },
    };
  }
  if (type.oid === intervalType.oid) {
    return {
      args: [type],
      result: intervalType,
      strict: true,
      create: () => {
        let sum: Interval | null = null;
        return {
          add: (values) => {
            sum = sum ? addIntervals(sum, values[0] as Interval) : (values[0] as Interval);
          },
          result: () => sum,
        };
      },
    };
  }
  const real = type.oid === float4Type.oid;
  return {
    args: [type],
    result: type,
    strict: true,
    create: () => {
      let sum = 0;
      let seen = false;
      return {
        add: (values) => {
          sum = real ? Math.fround(sum + (values[0] as number)) : sum + (values[0] as number);
          seen = true;
        },
        result: () => (seen ? sum : null),
      };
    },
  };
});

aggregates.set("avg", (args) => {
  if (args.length !== 1) return null;
  if (args[0]!.oid === intervalType.oid) {
    return {
      args: [intervalType],
      result: intervalType,
      strict: true,
      create: () => {
        let sum: Interval | null = null;
        let count = 0;
        return {
          add: (values) => {
            sum = sum ? addIntervals(sum, values[0] as Interval) : (values[0] as Interval);
            count++;
          },
          result: () => (sum === null ? null : divideInterval(sum, count)),
        };
      },
    };
  }
  const type = numericArg(args[0]!);
  if (!type) return null;
  if (type.oid === float4Type.oid || type.oid === float8Type.oid) {
    return {
      args: [float8Type],
      result: float8Type,
      strict: true,
      create: () => {
        let sum = 0;
        let count = 0;
        return {
          add: (values) => {
            sum += values[0] as number;
            count++;
          },
          result: () => (count === 0 ? null : sum / count),
        };
      },
    };
  }
  return {
    args: [type],
    result: numericType,
    strict: true,
    create: () => {
      let bigSum = 0n;
      let numericSum: Numeric | null = null;
      let count = 0;
      return {
        add: (values) => {
          count++;
          const value = values[0]!;
          if (typeof value === "number") bigSum += BigInt(value);
          else if (typeof value === "bigint") bigSum += value;
          else numericSum = numericSum ? numericSum.add(value as Numeric) : (value as Numeric);
        },
        result: () => {
          if (count === 0) return null;
          const base = Numeric.fromInteger(bigSum);
          const sum = numericSum ? numericSum.add(base) : base;
          return sum.div(Numeric.fromInteger(count));
        },
      };
    },
  };
});

function extreme(name: "min" | "max"): Resolver {
  return (args) => {
    if (args.length !== 1) return null;
    let type = isUnknown(args[0]!) ? textType : args[0]!;
    // varchar and name use text's min/max; json and boolean have none.
    if (type.oid === 1043 || type.oid === 19) type = textType;
    if (type.oid === jsonType.oid || type.oid === boolType.oid || type.oid === 114) return null;
    const sign = name === "min" ? -1 : 1;
    return {
      args: [type],
      result: type,
      strict: true,
      create: () => {
        let best: SqlValue = null;
        return {
          add: (values) => {
            const value = values[0]!;
            if (best === null || sign * type.compare(value as never, best as never) > 0) best = value;
          },
          result: () => best,
        };
      },
    };
  };
}
aggregates.set("min", extreme("min"));
aggregates.set("max", extreme("max"));

function boolAggregate(all: boolean): Resolver {
  return (args) => {
    if (args.length !== 1) return null;
    return {
      args: [boolType],
      result: boolType,
      strict: true,
      create: () => {
        let state: boolean | null = null;
        return {
          add: (values) => {
            const value = values[0] as boolean;
            state = state === null ? value : all ? state && value : state || value;
          },
          result: () => state,
        };
      },
    };
  };
}
aggregates.set("bool_and", boolAggregate(true));
aggregates.set("every", boolAggregate(true));
aggregates.set("bool_or", boolAggregate(false));

aggregates.set("string_agg", (args) => {
  if (args.length !== 2) return null;
  const bytes = args[0]!.oid === byteaType.oid;
  const type = bytes ? byteaType : textType;
  return {
    args: [type, type],
    result: type,
    strict: false,
    create: () => {
      const parts: SqlValue[] = [];
      const separators: SqlValue[] = [];
      return {
        add: (values) => {
          if (values[0] === null) return;
          parts.push(values[0]!);
          separators.push(values[1]!);
        },
        result: () => {
          if (parts.length === 0) return null;
          if (!bytes) {
            let out = parts[0] as string;
            for (let i = 1; i < parts.length; i++) out += ((separators[i] as string | null) ?? "") + (parts[i] as string);
            return out;
          }
          const chunks: Uint8Array[] = [parts[0] as Uint8Array];
          for (let i = 1; i < parts.length; i++) {
            if (separators[i] !== null) chunks.push(separators[i] as Uint8Array);
            chunks.push(parts[i] as Uint8Array);
          }
          return new Uint8Array(Buffer.concat(chunks));
        },
      };
    },
  };
});

aggregates.set("array_agg", (args) => {
  if (args.length !== 1) return null;
  const element = isUnknown(args[0]!) ? textType : args[0]!;
  const nested = elementTypeOf(element);
  const arrayType = nested ? element : arrayTypeOf(element);
  if (!arrayType) return null;
  return {
    args: [element],
    result: arrayType,
    strict: false,
    create: () => {
      const items: SqlValue[] = [];
      return {
        add: (values) => {
          items.push(values[0]!);
        },
        result: () => {
          if (items.length === 0) return null;
          if (!nested) return new PgArray(items as (ScalarDatum | null)[]);
          const arrays = items as (PgArray | null)[];
          if (arrays.some((a) => a === null)) throw new SqlError(SqlState.nullValueNotAllowed, "cannot accumulate null arrays");
          const first = arrays[0]!;
          if (arrays.some((a) => a!.dims.join(",") !== first.dims.join(","))) {
            throw new SqlError(SqlState.arraySubscriptError, "cannot accumulate arrays of different dimensionality");
          }
          if (first.ndims === 0) throw new SqlError(SqlState.arraySubscriptError, "cannot accumulate empty arrays");
          return new PgArray(arrays.flatMap((a) => a!.elements), [arrays.length, ...first.dims]);
        },
      };
    },
  };
});

for (const [name, type] of [["jsonb_agg", jsonbType], ["json_agg", jsonType]] as const) {
  aggregates.set(name, (args) => {
    if (args.length !== 1) return null;
    const argType = isUnknown(args[0]!) ? textType : args[0]!;
    const elementType = elementTypeOf(argType) ?? argType;
    return {
      args: [argType],
      result: type,
      strict: false,
      create: () => {
        const items: JsonbNode[] = [];
        let seen = false;
        return {
          add: (values, ctx) => {
            seen = true;
            items.push(toJsonbNode(values[0]!, elementType, ctx));
          },
          result: () => {
            if (!seen) return null;
            const value = new Jsonb(items);
            return type === jsonbType ? value : value.toString();
          },
        };
      },
    };
  });
}

for (const [name, type] of [["jsonb_object_agg", jsonbType], ["json_object_agg", jsonType]] as const) {
  aggregates.set(name, (args) => {
    if (args.length !== 2) return null;
    const keyType = isUnknown(args[0]!) ? textType : args[0]!;
    const valueType = isUnknown(args[1]!) ? textType : args[1]!;
    return {
      args: [keyType, valueType],
      result: type,
      strict: false,
      create: () => {
        const pairs: [string, JsonbNode][] = [];
        let seen = false;
        return {
          add: (values, ctx) => {
            seen = true;
            if (values[0] === null) throw new SqlError(SqlState.invalidParameterValue, "field name must not be null");
            pairs.push([keyType.format(values[0] as never, ctx), toJsonbNode(values[1]!, valueType, ctx)]);
          },
          result: () => {
            if (!seen) return null;
            const made = new Jsonb(JsonbObject.from(pairs));
            return type === jsonbType ? made : made.toString();
          },
        };
      },
    };
  });
}

/** Statistics aggregates over float8 (stddev, variance) with PostgreSQL's sample/population forms. */
function statistic(kind: "var_samp" | "var_pop" | "stddev_samp" | "stddev_pop"): Resolver {
  return (args) => {
    if (args.length !== 1) return null;
    const type = numericArg(args[0]!);
    if (!type) return null;
    const floatResult = type.oid === float4Type.oid || type.oid === float8Type.oid;
    return {
      args: [floatResult ? float8Type : numericType],
      result: floatResult ? float8Type : numericType,
      strict: true,
      create: () => {
        const values: number[] = [];
        const exact: Numeric[] = [];
        return {
          add: (vals) => {
            if (floatResult) values.push(vals[0] as number);
            else exact.push(vals[0] as Numeric);
          },
          result: () => {
            const count = floatResult ? values.length : exact.length;
            const sample = kind.endsWith("samp");
            if (count === 0 || (sample && count === 1)) return null;
            if (floatResult) {
              const mean = values.reduce((a, c) => a + c, 0) / count;
              const sq = values.reduce((a, c) => a + (c - mean) * (c - mean), 0);
              const variance = sq / (sample ? count - 1 : count);
              return kind.startsWith("stddev") ? Math.sqrt(variance) : variance;
            }
            let sum = Numeric.ZERO;
            let sumSq = Numeric.ZERO;
            for (const v of exact) {
              sum = sum.add(v);
              sumSq = sumSq.add(v.mul(v));
            }
            const n = Numeric.fromInteger(count);
            const numerator = n.mul(sumSq).sub(sum.mul(sum));
            const denominator = n.mul(Numeric.fromInteger(sample ? count - 1 : count));
            const variance = numerator.div(denominator);
            if (!kind.startsWith("stddev")) return variance;
            const root = Math.sqrt(variance.toNumber());
            return Numeric.of(BigInt(Math.round(root * 1e16)), 16).round(variance.scale);
          },
        };
      },
    };
  };
}
aggregates.set("var_samp", statistic("var_samp"));
aggregates.set("variance", statistic("var_samp"));
aggregates.set("var_pop", statistic("var_pop"));
aggregates.set("stddev_samp", statistic("stddev_samp"));
aggregates.set("stddev", statistic("stddev_samp"));
aggregates.set("stddev_pop", statistic("stddev_pop"));

for (const [name, op] of [["bit_and", "and"], ["bit_or", "or"]] as const) {
  aggregates.set(name, (args) => {
    if (args.length !== 1) return null;
    const type = args[0]!;
    if (![int2Type, int4Type, int8Type].some((t) => t.oid === type.oid)) return null;
    return {
      args: [type],
      result: type,
      strict: true,
      create: () => {
        let state: number | bigint | null = null;
        return {
          add: (values) => {
            const v = values[0] as number | bigint;
            if (state === null) state = v;
            else if (typeof v === "bigint") state = op === "and" ? (state as bigint) & v : (state as bigint) | v;
            else state = op === "and" ? (state as number) & v : (state as number) | v;
          },
          result: () => state,
        };
      },
    };
  });
}
