// compare(), equals() and hash() against PostgreSQL's ORDER BY for every ordered type,
// including NaN above all numbers, char(n) trailing spaces and jsonb's container rules.

import { describe, expect, test } from "bun:test";
import { parseTypeName } from "../../../ts/sql/types/type-names.ts";
import { loadFixture, type OrderingFixture } from "./fixture-format.ts";

const fixture = await loadFixture<OrderingFixture>("ordering.json");
const ctx = { timeZone: "UTC" };

describe("ordering matches PostgreSQL", () => {
  for (const item of fixture.cases) {
    test(item.type, () => {
      const { type, typmod } = parseTypeName(item.type);
      const values = item.values.map((text) => type.parse(text, typmod, ctx));
      for (let i = 0; i < values.length; i++) {
        for (let j = 0; j < values.length; j++) {
          const label = `${item.type}: '${item.values[i]}' vs '${item.values[j]}'`;
          const expected = Math.sign(item.ranks[i]! - item.ranks[j]!);
          expect({ label, order: Math.sign(type.compare(values[i]!, values[j]!)) }).toEqual({ label, order: expected });
          expect({ label, equal: type.equals(values[i]!, values[j]!) }).toEqual({ label, equal: expected === 0 });
          if (expected === 0) expect({ label, hash: type.hash(values[i]!) }).toEqual({ label, hash: type.hash(values[j]!) });
        }
      }
    });
  }
});
