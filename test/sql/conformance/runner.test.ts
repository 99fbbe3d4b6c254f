// The conformance runner's own logic, without a server: statement splitting, the comparison
// policy and the stable JSON format.

import { describe, expect, test } from "bun:test";
import { canonicalRows, compareOutcome, formatJson, splitStatements, type Outcome, type Statement } from "./runner.ts";

describe("splitStatements", () => {
  test("splits at top-level semicolons and records lines", () => {
    const statements = splitStatements("SELECT 1;\n\nSELECT\n  2;\nSELECT 3; SELECT 4;\n");
    expect(statements.map((s) => [s.index, s.line, s.sql])).toEqual([
      [1, 1, "SELECT 1"],
      [2, 3, "SELECT\n  2"],
      [3, 5, "SELECT 3"],
      [4, 5, "SELECT 4"],
    ]);
  });

  test("semicolons inside quotes, dollar quotes and comments do not split", () => {
    const text = [
      "SELECT 'a;b', 'it''s;', E'x\\';y', \"we;ird\" FROM t;",
      "SELECT $$a;b$$, $tag$ $$; $tag$;",
      "SELECT 1 /* ; /* nested ; */ ; */ + 1 -- ;",
      ";",
      "SELECT $1;",
    ].join("\n");
    expect(splitStatements(text).map((s) => s.sql)).toEqual([
      "SELECT 'a;b', 'it''s;', E'x\\';y', \"we;ird\" FROM t",
      "SELECT $$a;b$$, $tag$ $$; $tag$",
      "SELECT 1 /* ; /* nested ; */ ; */ + 1 -- ;",
      "SELECT $1",
    ]);
  });

  test("a backslash only escapes in E'' strings", () => {
    expect(splitStatements("SELECT 'a\\';\nSELECT e'b\\'';").map((s) => s.sql)).toEqual(["SELECT 'a\\'", "SELECT e'b\\''"]);
  });

  test("directives come from the comment lines before a statement", () => {
    const statements = splitStatements("-- what it checks\n-- unordered\nSELECT 1;\n-- optional\n-- unordered rows\nSELECT 2;\nEXPLAIN SELECT 3;\n");
    expect(statements.map((s) => [s.unordered, s.optional, s.plan])).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ]);
  });

  test("malformed files are reported with the line", () => {
    expect(() => splitStatements("SELECT 1;\nSELECT 'open;\n", "f.sql")).toThrow("f.sql:2: unterminated string literal");
    expect(() => splitStatements("SELECT 1;\nSELECT 2\n", "f.sql")).toThrow("f.sql:2: statement without a terminating ';'");
    expect(() => splitStatements("SELECT 1;\n;\n", "f.sql")).toThrow("f.sql:2: empty statement");
    expect(() => splitStatements("SELECT $x$ 1;\n", "f.sql")).toThrow("unterminated dollar-quoted string");
    expect(() => splitStatements("/* open\n", "f.sql")).toThrow("unterminated /* comment");
  });
});

const statement = (over: Partial<Statement> = {}): Statement => ({
  index: 1,
  line: 1,
  sql: "SELECT",
  unordered: false,
  optional: false,
  plan: false,
  ...over,
});
const head = { line: 1, sql: "SELECT" };
const rows = (...values: string[]): Outcome => ({
  ...head,
  command: `SELECT ${values.length}`,
  columns: [{ name: "v", typeOid: 25 }],
  rows: values.map((v) => [v]),
});
const failure = (code: string, message: string, extra: Partial<Outcome["error"] & object> = {}): Outcome => ({
  ...head,
  error: { code, message, ...extra },
});

describe("compareOutcome", () => {
  test("rows compare in order unless the statement is unordered", () => {
    expect(compareOutcome(statement(), rows("a", "b"), rows("b", "a")).hard).toHaveLength(1);
    expect(compareOutcome(statement({ unordered: true }), rows("a", "b"), rows("b", "a")).hard).toEqual([]);
    expect(compareOutcome(statement({ unordered: true }), rows("a", "a", "b"), rows("a", "b", "b")).hard).toHaveLength(1);
  });

  test("column types, names and command tags are hard", () => {
    const other = { ...rows("a"), columns: [{ name: "v", typeOid: 1043 }] };
    expect(compareOutcome(statement(), rows("a"), other).hard[0]).toStartWith("columns:");
    expect(compareOutcome(statement(), { ...head, command: "INSERT 0 1" }, { ...head, command: "INSERT 0 2" }).hard).toHaveLength(1);
  });

  test("success against error, and a different SQLSTATE, are hard", () => {
    expect(compareOutcome(statement(), rows("a"), failure("42P01", "x")).hard).toHaveLength(1);
    expect(compareOutcome(statement(), failure("42P01", "x"), rows("a")).hard).toHaveLength(1);
    expect(compareOutcome(statement(), failure("22P02", "x"), failure("22003", "x")).hard).toHaveLength(1);
  });

  test("messages, details and positions are exact for listed codes, soft for the rest", () => {
    const listed = compareOutcome(statement(), failure("42601", "syntax error", { position: 3 }), failure("42601", "syntax error", { position: 4 }));
    expect(listed.hard).toHaveLength(1);
    const other = compareOutcome(statement(), failure("22P02", "invalid input", { detail: "a" }), failure("22P02", "bad input", { detail: "b" }));
    expect(other.hard).toEqual([]);
    expect(other.soft).toHaveLength(2);
  });

  test("notices are soft, the transaction status is hard", () => {
    const notice = { severity: "NOTICE", code: "00000", message: "skipping" };
    expect(compareOutcome(statement(), { ...head, command: "DROP TABLE", notices: [notice] }, { ...head, command: "DROP TABLE" }).soft).toHaveLength(1);
    expect(compareOutcome(statement(), { ...head, command: "BEGIN", status: "T" }, { ...head, command: "BEGIN" }).hard).toHaveLength(1);
  });

  test("EXPLAIN compares success only", () => {
    const plan = statement({ plan: true });
    expect(compareOutcome(plan, rows("Seq Scan"), rows("Index Scan", "Filter")).hard).toEqual([]);
    expect(compareOutcome(plan, failure("42P01", "x"), rows("Seq Scan")).hard).toHaveLength(1);
  });

  test("optional statements accept 0A000, 42883 and 42P01 instead of a result", () => {
    const optional = statement({ optional: true });
    for (const code of ["0A000", "42883", "42P01"]) {
      const verdict = compareOutcome(optional, rows("a"), failure(code, "not supported"));
      expect(verdict.hard).toEqual([]);
      expect(verdict.unsupported).toBe(true);
    }
    expect(compareOutcome(optional, rows("a"), failure("22P02", "x")).hard).toHaveLength(1);
    expect(compareOutcome(statement(), rows("a"), failure("0A000", "x")).hard).toHaveLength(1);
  });
});

test("canonicalRows sorts rows with NULLs deterministically", () => {
  expect(canonicalRows([["b"], [null], ["a"]])).toEqual([["a"], ["b"], [null]]);
});

test("formatJson keeps rows and fields on one line each", () => {
  const text = formatJson({ file: "x.sql", statements: [{ line: 1, sql: "S", columns: [{ name: "a", typeOid: 23 }], rows: [["1", null]] }] });
  expect(text).toBe(
    [
      "{",
      '  "file": "x.sql",',
      '  "statements": [',
      "    {",
      '      "line": 1,',
      '      "sql": "S",',
      '      "columns": [',
      '        {"name": "a", "typeOid": 23}',
      "      ],",
      '      "rows": [',
      '        ["1",null]',
      "      ]",
      "    }",
      "  ]",
      "}",
    ].join("\n"),
  );
  expect(JSON.parse(text)).toEqual({ file: "x.sql", statements: [{ line: 1, sql: "S", columns: [{ name: "a", typeOid: 23 }], rows: [["1", null]] }] });
});
