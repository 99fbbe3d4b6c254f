// The quick lexer that recognises a simple-protocol statement seen before by its text: which
// texts share a shape, the literals it takes out, and the texts it leaves to the parser.

import { describe, expect, test } from "bun:test";
import { lexShape } from "../../ts/sql/generic-plan.ts";

function keyOf(sql: string): string {
  const shape = lexShape(sql);
  if (shape === null) throw new Error(`no shape for ${sql}`);
  return shape.key;
}

describe("lexShape", () => {
  test("statements differing only in literals and whitespace share a key", () => {
    const a = keyOf("UPDATE pgbench_accounts SET abalance = abalance + -4711 WHERE aid = 12345;");
    expect(keyOf("UPDATE pgbench_accounts SET abalance = abalance + 17 WHERE aid = 1")).toBe(a);
    expect(keyOf("UPDATE  pgbench_accounts\n\tSET abalance = abalance + 3\r\nWHERE aid = 999999999;  ")).toBe(a);
    expect(a).toBe("UPDATE pgbench_accounts SET abalance = abalance + #int4 WHERE aid = #int4");
  });

  test("names, keywords' case, operators and literal kinds are part of the key", () => {
    const base = keyOf("SELECT a FROM t WHERE b = 1");
    expect(keyOf("SELECT a FROM u WHERE b = 1")).not.toBe(base);
    expect(keyOf("select a from t where b = 1")).not.toBe(base);
    expect(keyOf("SELECT a FROM t WHERE b < 1")).not.toBe(base);
    expect(keyOf("SELECT a FROM t WHERE b = '1'")).not.toBe(base);
    expect(keyOf("SELECT a FROM t WHERE b = 1.5")).not.toBe(base);
    expect(keyOf("SELECT a FROM t WHERE b = 3000000000")).not.toBe(base);
    expect(keyOf('SELECT a FROM "T" WHERE b = 1')).toBe('SELECT a FROM "T" WHERE b = #int4');
  });

  test("literals: values, types by size, positions, quotes doubled", () => {
    const shape = lexShape("SELECT 1, -2147483648, 2147483648, 12345678901234567890, 0.5, 'it''s', -999999999 FROM t")!;
    expect(shape.literals.map((l) => [l.value, l.type?.typname ?? "unknown"])).toEqual([
      ["1", "int4"],
      ["-2147483648", "int4"],
      ["2147483648", "int8"],
      ["12345678901234567890", "numeric"],
      ["0.5", "numeric"],
      ["it's", "unknown"],
      ["-999999999", "int4"],
    ]);
    expect(shape.literals[0]!.start).toBe(7);
    expect(shape.key).toBe("SELECT #int4, #int4, #int8, #numeric, #numeric, '?', #int4 FROM t");
  });

  test("a minus after a keyword or operator is a sign, after a name an operator", () => {
    expect(keyOf("SELECT x FROM t WHERE -1 < x")).toBe("SELECT x FROM t WHERE #int4 < x");
    expect(keyOf("SELECT x FROM t where -1 < x")).toBe("SELECT x FROM t where #int4 < x");
    expect(keyOf("SELECT x -1 FROM t")).toBe("SELECT x -#int4 FROM t");
    expect(keyOf("SELECT f(-1, -2)")).toBe("SELECT f(#int4, #int4)");
    expect(keyOf("SELECT x FROM t WHERE x IN (1,-3) RETURNING -1")).toBe("SELECT x FROM t WHERE x IN (#int4,#int4) RETURNING #int4");
    expect(keyOf("SELECT where_ -1 FROM t")).toBe("SELECT where_ -#int4 FROM t");
  });

  test("texts it does not handle go to the parser", () => {
    for (const sql of [
      "SELECT 1; SELECT 2",
      "SELECT 1 -- comment",
      "SELECT /* c */ 1",
      "SELECT $1",
      "SELECT $$x$$",
      "SELECT é, 1",
      "SELECT E'a', 1",
      "SELECT 'unterminated",
      "SELECT 1abc",
      "SELECT a FROM t",
    ]) {
      expect(lexShape(sql)).toBeNull();
    }
  });
});
