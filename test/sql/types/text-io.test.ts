// Text input and output of every type against PostgreSQL 15's own answers: hand-picked
// cases (fixtures/text-io.json), seeded random date/time and number inputs
// (fixtures/random-text-io.json) and float output digits (fixtures/floats.json).
// regen-fixtures.ts regenerates them from a real server.

import { describe, expect, test } from "bun:test";
import { formatFloat4, formatFloat8 } from "../../../ts/sql/types/float-format.ts";
import { loadFixture, type FloatFixture, type TextInputFixture } from "./fixture-format.ts";
import { expectPgResult, literalCast } from "./pg-expect.ts";

function groupByType(cases: readonly TextInputFixture[]): Map<string, TextInputFixture[]> {
  const groups = new Map<string, TextInputFixture[]>();
  for (const item of cases) {
    const group = `${item.type} @ ${item.zone}`;
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  return groups;
}

function checkInputs(cases: readonly TextInputFixture[]): void {
  for (const item of cases) {
    const ctx = { timeZone: item.zone, transactionTimestamp: 0n };
    const label = `'${item.input}'::${item.type} (TimeZone ${item.zone})`;
    expectPgResult(() => literalCast(item.type, item.input, ctx).format(), item.result, label);
  }
}

for (const file of ["text-io.json", "random-text-io.json"]) {
  const fixture = await loadFixture<TextInputFixture>(file);
  describe(`text input and output match PostgreSQL (${file})`, () => {
    for (const [group, cases] of groupByType(fixture.cases)) test(group, () => checkInputs(cases));
  });
}

describe("float output digits match PostgreSQL (floats.json)", async () => {
  const fixture = await loadFixture<FloatFixture>("floats.json");
  test(`${fixture.cases.length} values`, () => {
    for (const item of fixture.cases) {
      const value = Number(item.literal);
      const output = item.type === "real" ? formatFloat4(Math.fround(value)) : formatFloat8(value);
      expect({ literal: item.literal, type: item.type, output }).toEqual({ literal: item.literal, type: item.type, output: item.output });
    }
  });
});
