// For every type and seeded random values: text output reads back as the same value, and
// the binary format decodes to the same value.

import { describe, expect, test } from "bun:test";
import { allTypes } from "../../../ts/sql/types/registry.ts";
import type { SqlType } from "../../../ts/sql/types/type.ts";
import type { Datum } from "../../../ts/sql/types/value.ts";
import { random, randomValue } from "../encoding/random-values.ts";

const SEED = Number(process.env.PGZ_TEST_SEED ?? 424242);
const zones = ["UTC", "America/New_York", "Asia/Kolkata"];

function same(type: SqlType, a: Datum, b: Datum, ctx: { timeZone: string }): boolean {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  return type.equals(a, b) && type.format(a, ctx) === type.format(b, ctx);
}

describe("text and binary round trips", () => {
  for (const type of allTypes()) {
    test(`${type.typname} (seed ${SEED})`, () => {
      const next = random(SEED ^ type.oid);
      for (let i = 0; i < 100; i++) {
        const ctx = { timeZone: zones[i % zones.length]! };
        const value = randomValue(type, next);
        const text = type.format(value, ctx);
        const label = `seed ${SEED} ${type.typname} '${text}' in ${ctx.timeZone}`;
        expect({ label, text: same(type, type.parse(text, -1, ctx), value, ctx) }).toEqual({ label, text: true });
        const binary = type.decodeBinary(type.encodeBinary(value, ctx), -1, ctx);
        expect({ label, binary: same(type, binary, value, ctx) }).toEqual({ label, binary: true });
        expect(type.accepts(value)).toBe(true);
      }
    });
  }
});
