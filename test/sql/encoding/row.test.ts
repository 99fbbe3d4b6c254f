// Row encoding: round trips of every type (seeded random values), NULLs, partial decoding,
// and schema evolution (ADD COLUMN reads the missing value, DROP COLUMN leaves a gap).

import { describe, expect, test } from "bun:test";
import { RowLayout, type RowColumn } from "../../../ts/sql/encoding/row.ts";
import { allTypes, typeByName } from "../../../ts/sql/types/registry.ts";
import { Numeric } from "../../../ts/sql/types/numeric.ts";
import type { SqlType } from "../../../ts/sql/types/type.ts";
import type { SqlValue } from "../../../ts/sql/types/value.ts";
import { random, randomValue } from "./random-values.ts";

const SEED = Number(process.env.PGZ_TEST_SEED ?? 7654321);
const ctx = { timeZone: "UTC" };
const t = (name: string): SqlType => typeByName(name)!;

/** Same value and, unlike equals(), same representation (numeric scale, interval fields, -0). */
function sameValue(type: SqlType, a: SqlValue, b: SqlValue): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b);
  return type.equals(a, b) && type.format(a, ctx) === type.format(b, ctx);
}

describe("row round trips", () => {
  test(`every type, seeded random values with NULLs (seed ${SEED})`, () => {
    const next = random(SEED);
    const types = allTypes();
    const layout = new RowLayout(types.map((type, i) => ({ attnum: i + 1, type })));
    for (let round = 0; round < 200; round++) {
      const values = types.map((type) => (next() < 0.2 ? null : randomValue(type, next)));
      const decoded = layout.decode(layout.encode(values));
      types.forEach((type, i) => {
        const label = `seed ${SEED} round ${round} ${type.typname}: ${values[i] === null ? "NULL" : type.format(values[i]!, ctx)}`;
        expect({ label, same: sameValue(type, decoded[i]!, values[i]!) }).toEqual({ label, same: true });
      });
    }
  });

  test("numeric keeps its display scale and sign", () => {
    const layout = new RowLayout([{ attnum: 1, type: t("numeric") }]);
    for (const text of ["1.50", "-0.0001", "0.000", "123456789012345678901234567890.5", "NaN", "-Infinity"]) {
      const value = t("numeric").parse(text, -1, ctx);
      expect((layout.decode(layout.encode([value]))[0] as Numeric).toString()).toBe(text);
    }
  });

  test("long values need multi-byte length prefixes", () => {
    const layout = new RowLayout([{ attnum: 1, type: t("text") }, { attnum: 2, type: t("int4") }]);
    const long = "x".repeat(100_000);
    expect(layout.decode(layout.encode([long, 5]))).toEqual([long, 5]);
  });

  test("all NULL and empty rows", () => {
    const layout = new RowLayout([{ attnum: 1, type: t("text") }, { attnum: 2, type: t("jsonb") }]);
    expect(layout.decode(layout.encode([null, null]))).toEqual([null, null]);
    expect(new RowLayout([]).decode(new RowLayout([]).encode([]))).toEqual([]);
  });
});

describe("partial decoding", () => {
  test("only the requested columns, in the requested order", () => {
    const layout = new RowLayout([
      { attnum: 1, type: t("int4") },
      { attnum: 2, type: t("text") },
      { attnum: 3, type: t("float8") },
      { attnum: 4, type: t("text") },
    ]);
    const row = layout.encode([1, "two", 3.5, null]);
    expect(layout.decoder([3, 1]).decode(row)).toEqual([null, "two"]);
    expect(layout.decoder([2]).decode(row)).toEqual([3.5]);
    expect(layout.decoder([]).decode(row)).toEqual([]);
  });
});

describe("schema evolution", () => {
  const v1: RowColumn[] = [
    { attnum: 1, type: t("int4") },
    { attnum: 2, type: t("text") },
    { attnum: 3, type: t("numeric") },
  ];

  test("ADD COLUMN: older rows read the column's missing value", () => {
    const old = new RowLayout(v1).encode([1, "a", Numeric.of(15n, 1)]);
    const v2 = new RowLayout([
      ...v1,
      { attnum: 4, type: t("bool"), missingValue: true },
      { attnum: 5, type: t("text") },
    ]);
    expect(v2.decode(old).map(String)).toEqual(["1", "a", "1.5", "true", "null"]);
    expect(v2.decoder([4, 3]).decode(old)).toEqual([null, true]);
    expect(v2.decode(v2.encode([2, "b", Numeric.ZERO, false, "new"]))[3]).toBe(false);
  });

  test("DROP COLUMN: older rows skip the dropped bytes; new rows store a gap", () => {
    const old = new RowLayout(v1).encode([1, "dropped soon", Numeric.of(-25n, 2)]);
    const dropped = new RowLayout([v1[0]!, { ...v1[1]!, dropped: true }, v1[2]!]);
    expect(dropped.live.map((column) => column.attnum)).toEqual([1, 3]);
    expect(dropped.decode(old).map(String)).toEqual(["1", "-0.25"]);
    const fresh = dropped.encode([2, Numeric.of(7n, 0)]);
    expect(dropped.decode(fresh).map(String)).toEqual(["2", "7"]);
    expect(fresh.length).toBeLessThan(old.length);
  });

  test("DROP then ADD: the new column gets a new attnum", () => {
    const old = new RowLayout(v1).encode([1, "x", Numeric.ZERO]);
    const layout = new RowLayout([v1[0]!, { ...v1[1]!, dropped: true }, v1[2]!, { attnum: 4, type: t("text"), missingValue: "d" }]);
    expect(layout.decode(old).map(String)).toEqual(["1", "0", "d"]);
  });

  test("corrupt rows are reported, not misread", () => {
    const layout = new RowLayout(v1);
    const row = layout.encode([1, "abc", Numeric.ZERO]);
    expect(() => layout.decode(row.subarray(0, row.length - 2))).toThrow("row data is corrupt");
    expect(() => layout.decode(Uint8Array.of(9, 0))).toThrow("unknown row format 9");
    expect(() => new RowLayout([v1[0]!]).decode(row)).toThrow("row has 3 attributes");
  });
});
