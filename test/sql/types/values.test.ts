// The JavaScript value classes and session settings: Jsonb, PgArray, TimeZone resolution.

import { describe, expect, test } from "bun:test";
import { SqlError } from "../../../ts/sql/errors.ts";
import { PgArray } from "../../../ts/sql/types/array.ts";
import { Jsonb, JsonbObject } from "../../../ts/sql/types/jsonb.ts";
import { JsonInputError } from "../../../ts/sql/types/json-parse.ts";
import { Numeric } from "../../../ts/sql/types/numeric.ts";
import { resolveTimeZoneSetting } from "../../../ts/sql/types/datetime/time-zone.ts";
import { timestamptzType } from "../../../ts/sql/types/timestamp.ts";
import { dateType } from "../../../ts/sql/types/date.ts";
import { int2Type, int4Type, int8Type } from "../../../ts/sql/types/int.ts";
import { float4Type, float8Type } from "../../../ts/sql/types/float.ts";
import { numericType } from "../../../ts/sql/types/numeric-type.ts";
import { intervalType } from "../../../ts/sql/types/interval.ts";

describe("Jsonb", () => {
  test("fromJs normalizes like jsonb input", () => {
    const value = Jsonb.fromJs({ b: [1, 2.5, null, "x"], a: true, aa: { z: 10n }, skip: undefined });
    expect(value.toString()).toBe('{"a": true, "b": [1, 2.5, null, "x"], "aa": {"z": 10}}');
    expect(Jsonb.fromJs(null).root).toBeNull();
    expect(() => Jsonb.fromJs(NaN)).toThrow("jsonb cannot hold NaN");
  });

  test("objects keep the last duplicate key and jsonb's key order", () => {
    const object = Jsonb.parse('{"bb":1,"a":2,"bb":3,"c":4}').root as JsonbObject;
    expect(object.keys).toEqual(["a", "c", "bb"]);
    expect(object.get("bb")).toEqual(Numeric.fromInteger(3));
    expect(object.get("zz")).toBeUndefined();
  });

  test("input errors carry PostgreSQL's detail and CONTEXT line", () => {
    try {
      Jsonb.parse('{"a": 1,\n "b" 2}');
      throw new Error("expected an error");
    } catch (error) {
      expect(error).toBeInstanceOf(JsonInputError);
      expect(error).toBeInstanceOf(SqlError);
      const e = error as JsonInputError;
      expect([e.code, e.message, e.detail, e.context]).toEqual([
        "22P02",
        "invalid input syntax for type json",
        'Expected ":", but found "2".',
        'JSON data, line 2:  "b" 2...',
      ]);
    }
  });
});

describe("PgArray", () => {
  test("nested arrays convert both ways", () => {
    const array = PgArray.fromNested([[1, 2], [3, null]], [0, 1]);
    expect(array.dims).toEqual([2, 2]);
    expect(array.lowerBounds).toEqual([0, 1]);
    expect(array.elements).toEqual([1, 2, 3, null]);
    expect(array.toNested()).toEqual([[1, 2], [3, null]]);
    expect(PgArray.fromNested([]).ndims).toBe(0);
    expect(() => PgArray.fromNested([[1], [2, 3]])).toThrow("sub-arrays must have matching dimensions");
    expect(() => new PgArray([1, 2, 3], [2, 2])).toThrow("does not match");
  });
});

describe("TimeZone setting", () => {
  const at = (zone: string, text: string): string => {
    const ctx = { timeZone: zone };
    return timestamptzType.format(timestamptzType.parse(text, -1, { timeZone: "UTC" }), ctx);
  };

  test("IANA names, case-insensitively, and legacy names", () => {
    expect(at("america/new_york", "2000-07-01 12:00")).toBe("2000-07-01 08:00:00-04");
    expect(at("EST5EDT", "2000-01-01 12:00")).toBe("2000-01-01 07:00:00-05");
    expect(resolveTimeZoneSetting("utc").name).toBe("UTC");
  });

  test("numbers are hours east; POSIX strings count west", () => {
    expect(at("5", "2000-01-01 00:00")).toBe("2000-01-01 05:00:00+05");
    expect(at("-3.5", "2000-01-01 00:00")).toBe("1999-12-31 20:30:00-03:30");
    expect(at("UTC+5", "2000-01-01 00:00")).toBe("1999-12-31 19:00:00-05");
    expect(at("<+07>-7", "2000-01-01 00:00")).toBe("2000-01-01 07:00:00+07");
  });

  test("unknown settings are rejected like PostgreSQL does", () => {
    expect(() => resolveTimeZoneSetting("Mars/Olympus")).toThrow('invalid value for parameter "TimeZone": "Mars/Olympus"');
    expect(() => resolveTimeZoneSetting("Z")).toThrow('invalid value for parameter "TimeZone": "Z"');
  });

  test("'now', 'today', 'tomorrow' and 'yesterday' read the transaction start in the session zone", () => {
    // 2000-01-01 03:00 UTC is still 1999-12-31 in New York.
    const ctx = { timeZone: "America/New_York", transactionTimestamp: 3n * 3_600_000_000n };
    expect(dateType.format(dateType.parse("today", -1, ctx), ctx)).toBe("1999-12-31");
    expect(dateType.format(dateType.parse("tomorrow", -1, ctx), ctx)).toBe("2000-01-01");
    expect(dateType.format(dateType.parse("yesterday", -1, ctx), ctx)).toBe("1999-12-30");
    expect(timestamptzType.format(timestamptzType.parse("now", -1, ctx), ctx)).toBe("1999-12-31 22:00:00-05");
  });
});

describe("hashing agrees with equality across a type family", () => {
  const ctx = { timeZone: "UTC" };
  test("int2, int4 and int8 values that are equal hash equal (cross-type hash joins)", () => {
    for (const value of [0, 1, -1, 32767, -32768]) {
      expect(int2Type.hash(value)).toBe(int4Type.hash(value));
      expect(int4Type.hash(value)).toBe(int8Type.hash(BigInt(value)));
    }
    expect(int4Type.hash(-2147483648)).toBe(int8Type.hash(-2147483648n));
  });

  test("real and double precision, -0 and NaN", () => {
    expect(float4Type.hash(0.5)).toBe(float8Type.hash(0.5));
    expect(float8Type.hash(-0)).toBe(float8Type.hash(0));
    expect(float8Type.hash(NaN)).toBe(float8Type.hash(-NaN));
  });

  test("numeric ignores display scale; interval hashes its span", () => {
    expect(numericType.hash(numericType.parse("1.0", -1, ctx))).toBe(numericType.hash(numericType.parse("1.000", -1, ctx)));
    expect(intervalType.hash(intervalType.parse("1 mon", -1, ctx))).toBe(intervalType.hash(intervalType.parse("30 days", -1, ctx)));
  });
});
