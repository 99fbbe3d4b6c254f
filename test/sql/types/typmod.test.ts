// Type modifiers against PostgreSQL: an explicit cast 'x'::varchar(3) truncates, an
// assignment (INSERT) of the same value fails; numeric(p,s), timestamp(p), interval fields.

import { describe, test } from "bun:test";
import { parseTypeName } from "../../../ts/sql/types/type-names.ts";
import { loadFixture, type TypmodFixture } from "./fixture-format.ts";
import { expectPgResult, literalCast } from "./pg-expect.ts";

const fixture = await loadFixture<TypmodFixture>("typmod.json");
const ctx = { timeZone: "UTC" };

describe("typmod coercion matches PostgreSQL", () => {
  for (const item of fixture.cases) {
    test(`'${item.input}'::${item.type}`, () => {
      expectPgResult(() => literalCast(item.type, item.input, ctx).format(), item.explicit, `explicit '${item.input}'::${item.type}`);
      expectPgResult(
        () => {
          const { type, typmod } = parseTypeName(item.type);
          return type.format(type.parse(item.input, typmod, ctx), ctx);
        },
        item.assignment,
        `INSERT '${item.input}' INTO ${item.type}`,
      );
    });
  }
});
