// Explicit casts between types against PostgreSQL: rounding rules (float → int half to even,
// numeric → int half away from zero), range errors, time zone conversions, arrays, I/O casts.

import { describe, expect, test } from "bun:test";
import { cast, castContextOf, findCastPath } from "../../../ts/sql/types/cast.ts";
import { parseTypeName } from "../../../ts/sql/types/type-names.ts";
import { typeByName } from "../../../ts/sql/types/registry.ts";
import { loadFixture, type CastFixture } from "./fixture-format.ts";
import { expectPgResult } from "./pg-expect.ts";

const fixture = await loadFixture<CastFixture>("casts.json");

describe("explicit casts match PostgreSQL", () => {
  for (const item of fixture.cases) {
    test(`'${item.input}'::${item.from}::${item.to} (TimeZone ${item.zone})`, () => {
      const ctx = { timeZone: item.zone };
      expectPgResult(
        () => {
          const from = parseTypeName(item.from);
          const to = parseTypeName(item.to);
          const value = from.type.parse(item.input, from.typmod, ctx);
          const result = cast(value, from.type, to.type, "explicit", ctx, to.typmod);
          return result === null ? null : to.type.format(result, ctx);
        },
        item.result,
        `${item.from} → ${item.to}: ${item.input}`,
      );
    });
  }
});

describe("cast contexts follow pg_cast", () => {
  const t = (name: string) => typeByName(name)!;
  test("implicit, assignment and explicit casts", () => {
    expect(castContextOf(t("int4"), t("int8"))).toBe("implicit");
    expect(castContextOf(t("int8"), t("int4"))).toBe("assignment");
    expect(castContextOf(t("int4"), t("bool"))).toBe("explicit");
    expect(castContextOf(t("numeric"), t("float8"))).toBe("implicit");
    expect(castContextOf(t("float8"), t("numeric"))).toBe("assignment");
    expect(castContextOf(t("date"), t("timestamptz"))).toBe("implicit");
    expect(castContextOf(t("timestamptz"), t("date"))).toBe("assignment");
    expect(castContextOf(t("json"), t("jsonb"))).toBe("assignment");
    expect(castContextOf(t("jsonb"), t("int4"))).toBe("explicit");
    expect(castContextOf(t("uuid"), t("int4"))).toBeNull();
    expect(castContextOf(t("bool"), t("int8"))).toBeNull();
  });

  test("strings: anything to text by assignment, text to anything explicitly", () => {
    expect(castContextOf(t("int4"), t("text"))).toBe("assignment");
    expect(castContextOf(t("text"), t("int4"))).toBe("explicit");
    expect(castContextOf(t("uuid"), t("varchar"))).toBe("assignment");
    expect(castContextOf(t("text"), t("varchar"))).toBe("implicit");
  });

  test("arrays cast element by element in the element cast's context", () => {
    expect(castContextOf(t("_int4"), t("_int8"))).toBe("implicit");
    expect(castContextOf(t("_int8"), t("_int4"))).toBe("assignment");
    expect(findCastPath(t("_uuid"), t("_int4"), "explicit")).toBeNull();
  });

  test("a missing cast raises 42846", () => {
    expect(() => cast(1, t("int4"), t("bool"), "assignment")).toThrow("cannot cast type integer to boolean");
    expect(cast(null, t("int4"), t("int8"), "implicit")).toBeNull();
  });

  test("assignment of a too-long string fails where an explicit cast truncates", () => {
    const varchar3 = parseTypeName("varchar(3)");
    expect(cast("abcd", t("text"), varchar3.type, "explicit", undefined, varchar3.typmod)).toBe("abc");
    expect(() => cast("abcd", t("text"), varchar3.type, "assignment", undefined, varchar3.typmod)).toThrow(
      "value too long for type character varying(3)",
    );
    expect(cast("abc  ", t("text"), varchar3.type, "assignment", undefined, varchar3.typmod)).toBe("abc");
  });
});
