// Probing a key column with a value of another type: the converted value and the side on
// which the original lies, and that range bounds built from them select the right keys.

import { describe, expect, test } from "bun:test";
import { compareKeys, encodeKey, prefixEnd } from "../../../ts/sql/encoding/key.ts";
import { probeValue } from "../../../ts/sql/encoding/probe.ts";
import { typeByName } from "../../../ts/sql/types/registry.ts";
import type { SqlType } from "../../../ts/sql/types/type.ts";
import type { Datum } from "../../../ts/sql/types/value.ts";

const ctx = { timeZone: "America/New_York" };
const t = (name: string): SqlType => typeByName(name)!;
const parse = (name: string, text: string): Datum => t(name).parse(text, -1, ctx);

function probe(fromName: string, text: string, columnName: string): { value: string; comparison: number } {
  const result = probeValue(parse(fromName, text), t(fromName), t(columnName), ctx);
  return { value: t(columnName).format(result.value, ctx), comparison: result.comparison };
}

describe("probe conversion", () => {
  test("integers of every width", () => {
    expect(probe("int4", "42", "int8")).toEqual({ value: "42", comparison: 0 });
    expect(probe("int8", "5000000000", "int4")).toEqual({ value: "2147483647", comparison: 1 });
    expect(probe("int8", "-5000000000", "int4")).toEqual({ value: "-2147483648", comparison: -1 });
    expect(probe("int8", "-7", "int2")).toEqual({ value: "-7", comparison: 0 });
  });

  test("numeric and floats into integer columns", () => {
    expect(probe("numeric", "1.5", "int4")).toEqual({ value: "1", comparison: 1 });
    expect(probe("numeric", "-1.5", "int4")).toEqual({ value: "-2", comparison: 1 });
    expect(probe("numeric", "3.000", "int4")).toEqual({ value: "3", comparison: 0 });
    expect(probe("numeric", "NaN", "int2")).toEqual({ value: "32767", comparison: 1 });
    expect(probe("float8", "-Infinity", "int8")).toEqual({ value: "-9223372036854775808", comparison: -1 });
    expect(probe("float8", "2.5", "int8")).toEqual({ value: "2", comparison: 1 });
  });

  test("into float and numeric columns", () => {
    expect(probe("float8", "0.1", "float4")).toEqual({ value: "0.1", comparison: -1 });
    expect(probe("float8", "0.5", "float4")).toEqual({ value: "0.5", comparison: 0 });
    expect(probe("int8", "16777217", "float4")).toEqual({ value: "1.6777216e+07", comparison: 1 });
    expect(probe("int4", "7", "numeric")).toEqual({ value: "7", comparison: 0 });
  });

  test("date and timestamps (session time zone)", () => {
    expect(probe("date", "2000-01-02", "timestamp")).toEqual({ value: "2000-01-02 00:00:00", comparison: 0 });
    expect(probe("timestamp", "2000-01-02 12:00", "date")).toEqual({ value: "2000-01-02", comparison: 1 });
    expect(probe("timestamp", "2000-01-02 00:00", "date")).toEqual({ value: "2000-01-02", comparison: 0 });
    expect(probe("date", "2000-01-02", "timestamptz")).toEqual({ value: "2000-01-02 00:00:00-05", comparison: 0 });
    expect(probe("timestamptz", "2000-01-02 03:00+00", "date")).toEqual({ value: "2000-01-01", comparison: 1 });
    expect(probe("timestamptz", "2000-07-01 12:00+00", "timestamp")).toEqual({ value: "2000-07-01 08:00:00", comparison: 0 });
  });

  test("text-like strings; unsupported pairs are refused", () => {
    expect(probe("text", "abc", "varchar")).toEqual({ value: "abc", comparison: 0 });
    expect(() => probe("text", "1", "int4")).toThrow("cannot probe with a text value for a integer key");
  });

  test("range bounds from a probe select exactly the matching keys", () => {
    const int4 = t("int4");
    const keys = [-3, -2, -1, 0, 1, 2, 3].map((n) => ({ n, key: encodeKey([{ type: int4 }], [n]) }));
    for (const text of ["-1.5", "0", "1.5", "2.0", "-2.000001"]) {
      const p = probeValue(parse("numeric", text), t("numeric"), int4, ctx);
      const at = encodeKey([{ type: int4 }], [p.value]);
      // col > p: after `at` when comparison >= 0, else from `at`.
      const start = p.comparison >= 0 ? prefixEnd(at)! : at;
      const selected = keys.filter(({ key }) => compareKeys(key, start) >= 0).map(({ n }) => n);
      expect({ text, selected }).toEqual({ text, selected: keys.map(({ n }) => n).filter((n) => n > Number(text)) });
    }
  });
});
