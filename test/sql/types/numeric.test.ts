// numeric arithmetic against PostgreSQL: 500 seeded random cases of + - * / % and
// numeric(p,s) (fixtures/numeric.json), plus the Numeric class's own API.

import { describe, expect, test } from "bun:test";
import { Numeric } from "../../../ts/sql/types/numeric.ts";
import { parseNumericText } from "../../../ts/sql/types/numeric-text.ts";
import { applyNumericTypmod, makeNumericTypmod } from "../../../ts/sql/types/numeric-typmod.ts";
import { loadFixture, type NumericFixture } from "./fixture-format.ts";
import { expectPgResult } from "./pg-expect.ts";

const fixture = await loadFixture<NumericFixture>("numeric.json");

function evaluate(item: NumericFixture): string {
  const a = parseNumericText(item.a);
  if (item.op === "typmod") {
    const [precision = 0, scale = 0] = item.b.split(",").map(Number);
    return applyNumericTypmod(a, makeNumericTypmod(precision, scale)).toString();
  }
  const b = parseNumericText(item.b);
  switch (item.op) {
    case "+":
      return a.add(b).toString();
    case "-":
      return a.sub(b).toString();
    case "*":
      return a.mul(b).toString();
    case "/":
      return a.div(b).toString();
    case "%":
      return a.mod(b).toString();
  }
}

describe("numeric arithmetic matches PostgreSQL", () => {
  test(`${fixture.cases.length} random cases`, () => {
    for (const item of fixture.cases) {
      const label = item.op === "typmod" ? `'${item.a}'::numeric(${item.b})` : `${item.a} ${item.op} ${item.b}`;
      expectPgResult(() => evaluate(item), item.result, label);
    }
  });
});

describe("Numeric", () => {
  test("construction and exact values", () => {
    expect(Numeric.of(150n, 2).toString()).toBe("1.50");
    expect(Numeric.of(-5n, 3).toString()).toBe("-0.005");
    expect(Numeric.fromInteger(-7).toString()).toBe("-7");
    expect(Numeric.of(150n, 2).normalize().toString()).toBe("1.5");
    expect(Numeric.of(0n, 3).normalize().toString()).toBe("0");
    expect(() => Numeric.of(1n, 16384)).toThrow("value overflows numeric format");
  });

  test("comparison ignores display scale; NaN sorts above Infinity", () => {
    expect(parseNumericText("1.0").equals(parseNumericText("1.000"))).toBe(true);
    expect(parseNumericText("NaN").compare(parseNumericText("Infinity"))).toBe(1);
    expect(parseNumericText("-Infinity").compare(parseNumericText("-1e100"))).toBe(-1);
    expect(parseNumericText("NaN").equals(Numeric.NaN)).toBe(true);
  });

  test("round and trunc", () => {
    expect(parseNumericText("2.5").round(0).toString()).toBe("3");
    expect(parseNumericText("-2.5").round(0).toString()).toBe("-3");
    expect(parseNumericText("1234.5678").round(2).toString()).toBe("1234.57");
    expect(parseNumericText("1234.5678").round(-2).toString()).toBe("1200");
    expect(parseNumericText("1.5").round(3).toString()).toBe("1.500");
    expect(parseNumericText("-1.99").trunc(1).toString()).toBe("-1.9");
  });

  test("division by zero and special values", () => {
    expect(() => parseNumericText("1").div(Numeric.ZERO)).toThrow("division by zero");
    expect(() => parseNumericText("Infinity").div(Numeric.ZERO)).toThrow("division by zero");
    expect(() => parseNumericText("1").mod(Numeric.ZERO)).toThrow("division by zero");
    expect(parseNumericText("Infinity").mul(Numeric.ZERO).toString()).toBe("NaN");
    expect(parseNumericText("5").div(Numeric.POSITIVE_INFINITY).toString()).toBe("0");
    expect(parseNumericText("5").mod(Numeric.NEGATIVE_INFINITY).toString()).toBe("5");
    expect(parseNumericText("-3").div(Numeric.NEGATIVE_INFINITY).toString()).toBe("0");
  });

  test("toNumber rounds like float8 input", () => {
    expect(parseNumericText("0.1").toNumber()).toBe(0.1);
    expect(parseNumericText("-Infinity").toNumber()).toBe(-Infinity);
  });
});
