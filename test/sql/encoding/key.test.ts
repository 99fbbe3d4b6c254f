// Key encoding properties on seeded random values of every keyable type: byte order equals
// the type's compare order, decoding gives an equal value, composite keys, NULL placement,
// descending columns and prefix ranges. A failure message names the seed and the values.

import { describe, expect, test } from "bun:test";
import {
  compareKeys,
  decodeKey,
  encodeKey,
  isKeyable,
  prefixEnd,
  prefixRange,
  type KeyColumn,
} from "../../../ts/sql/encoding/key.ts";
import { allTypes, typeByName } from "../../../ts/sql/types/registry.ts";
import { parseTypeName } from "../../../ts/sql/types/type-names.ts";
import type { SqlType } from "../../../ts/sql/types/type.ts";
import type { Datum, SqlValue } from "../../../ts/sql/types/value.ts";
import { random, randomValue, type Random } from "./random-values.ts";
import { loadFixture, type OrderingFixture } from "../types/fixture-format.ts";

const SEED = Number(process.env.PGZ_TEST_SEED ?? 1234567);
const ctx = { timeZone: "UTC" };
const keyTypes = allTypes().filter(isKeyable);

function show(type: SqlType, value: SqlValue): string {
  return value === null ? "NULL" : `'${type.format(value, ctx)}'`;
}

/** A pool with repeats so that equal values get compared too. */
function pool(type: SqlType, next: Random, size: number): Datum[] {
  const values: Datum[] = [];
  for (let i = 0; i < size; i++) values.push(i > 4 && next() < 0.2 ? values[Math.floor(next() * values.length)]! : randomValue(type, next));
  return values;
}

describe("key encoding preserves order and round-trips", () => {
  test("json is not keyable (PostgreSQL has no btree ordering for it)", () => {
    expect(isKeyable(typeByName("json")!)).toBe(false);
    expect(isKeyable(typeByName("_json")!)).toBe(false);
    expect(() => encodeKey([{ type: typeByName("json")! }], ['{"a":1}'])).toThrow('no default operator class for access method "btree"');
  });

  for (const type of keyTypes) {
    test(`${type.typname} (seed ${SEED})`, () => {
      const next = random(SEED ^ type.oid);
      const values = pool(type, next, 60);
      const ascending: KeyColumn[] = [{ type }];
      const descending: KeyColumn[] = [{ type, descending: true }];
      const keys = values.map((value) => encodeKey(ascending, [value]));
      const descKeys = values.map((value) => encodeKey(descending, [value]));
      for (let i = 0; i < values.length; i++) {
        const decoded = decodeKey(ascending, keys[i]!)[0]!;
        const label = `seed ${SEED}, ${type.typname} ${show(type, values[i]!)}`;
        expect({ label, roundTrip: type.equals(decoded, values[i]!) }).toEqual({ label, roundTrip: true });
        expect({ label, descRoundTrip: type.equals(decodeKey(descending, descKeys[i]!)[0]!, values[i]!) }).toEqual({ label, descRoundTrip: true });
        for (let j = 0; j < values.length; j++) {
          const pair = `${label} vs ${show(type, values[j]!)}`;
          const order = Math.sign(type.compare(values[i]!, values[j]!));
          expect({ pair, order: Math.sign(compareKeys(keys[i]!, keys[j]!)) }).toEqual({ pair, order });
          expect({ pair, desc: Math.sign(compareKeys(descKeys[i]!, descKeys[j]!)) }).toEqual({ pair, desc: -order || 0 });
        }
      }
    });
  }
});

describe("key order matches PostgreSQL's ORDER BY", async () => {
  const fixture = await loadFixture<OrderingFixture>("ordering.json");
  for (const item of fixture.cases) {
    test(item.type, () => {
      const { type, typmod } = parseTypeName(item.type);
      const keys = item.values.map((text) => encodeKey([{ type }], [type.parse(text, typmod, ctx)]));
      for (let i = 0; i < keys.length; i++) {
        for (let j = 0; j < keys.length; j++) {
          const pair = `${item.type}: '${item.values[i]}' vs '${item.values[j]}'`;
          expect({ pair, order: Math.sign(compareKeys(keys[i]!, keys[j]!)) }).toEqual({ pair, order: Math.sign(item.ranks[i]! - item.ranks[j]!) });
        }
      }
    });
  }
});

describe("composite keys", () => {
  const int4 = typeByName("int4")!;
  const text = typeByName("text")!;
  const numeric = typeByName("numeric")!;

  test(`lexicographic over columns, each in its own direction (seed ${SEED})`, () => {
    const next = random(SEED);
    const columns: KeyColumn[] = [{ type: text }, { type: int4, descending: true }, { type: numeric, nulls: "first" }];
    const rows: SqlValue[][] = Array.from({ length: 80 }, () => [
      next() < 0.1 ? null : Array.from(randomValue(text, next) as string).slice(0, 2).join(""),
      next() < 0.1 ? null : Math.floor(next() * 4),
      next() < 0.2 ? null : randomValue(numeric, next),
    ]);
    const compareNullable = (type: SqlType, a: SqlValue, b: SqlValue, nullsFirst: boolean): number => {
      if (a === null || b === null) return a === b ? 0 : (a === null) === nullsFirst ? -1 : 1;
      return Math.sign(type.compare(a, b));
    };
    const expected = (a: SqlValue[], b: SqlValue[]): number =>
      compareNullable(text, a[0]!, b[0]!, false) ||
      -compareNullable(int4, a[1]!, b[1]!, false) ||
      compareNullable(numeric, a[2]!, b[2]!, true);
    const keys = rows.map((row) => encodeKey(columns, row));
    for (let i = 0; i < rows.length; i++) {
      const decoded = decodeKey(columns, keys[i]!);
      expect(decoded.slice(0, 2)).toEqual(rows[i]!.slice(0, 2));
      for (let j = 0; j < rows.length; j++) {
        const label = `seed ${SEED}: ${JSON.stringify(rows[i]!.map(String))} vs ${JSON.stringify(rows[j]!.map(String))}`;
        expect({ label, order: Math.sign(compareKeys(keys[i]!, keys[j]!)) }).toEqual({ label, order: expected(rows[i]!, rows[j]!) || 0 });
      }
    }
  });

  test("NULLs sort last ascending and first descending by default, or as asked", () => {
    const asc = (value: SqlValue) => encodeKey([{ type: int4 }], [value]);
    const desc = (value: SqlValue) => encodeKey([{ type: int4, descending: true }], [value]);
    const ascFirst = (value: SqlValue) => encodeKey([{ type: int4, nulls: "first" }], [value]);
    expect(compareKeys(asc(null), asc(2147483647))).toBe(1);
    expect(compareKeys(desc(null), desc(-2147483648))).toBe(-1);
    expect(compareKeys(ascFirst(null), ascFirst(-2147483648))).toBe(-1);
    expect(decodeKey([{ type: int4 }], asc(null))).toEqual([null]);
  });

  test("a prefix range holds exactly the keys that start with the prefix", () => {
    const columns: KeyColumn[] = [{ type: int4 }, { type: text }];
    const { start, end } = prefixRange(columns, [7]);
    const inside = [encodeKey(columns, [7, ""]), encodeKey(columns, [7, "zzz"]), encodeKey(columns, [7, null]), encodeKey(columns, [7, "\u{10ffff}"])];
    const outside = [encodeKey(columns, [6, "zzz"]), encodeKey(columns, [8, ""]), encodeKey(columns, [null, "a"])];
    for (const key of inside) expect(compareKeys(key, start) >= 0 && compareKeys(key, end!) < 0).toBe(true);
    for (const key of outside) expect(compareKeys(key, start) >= 0 && compareKeys(key, end!) < 0).toBe(false);
    expect(prefixEnd(Uint8Array.of(1, 0xff, 0xff))).toEqual(Uint8Array.of(2));
    expect(prefixEnd(Uint8Array.of(0xff))).toBeNull();
  });

  test("strings are self-delimiting: a prefix string sorts first, NUL bytes survive", () => {
    const bytea = typeByName("bytea")!;
    const columns: KeyColumn[] = [{ type: bytea }, { type: int4 }];
    const a = encodeKey(columns, [Uint8Array.of(1), 5]);
    const b = encodeKey(columns, [Uint8Array.of(1, 0), 0]);
    expect(compareKeys(a, b)).toBe(-1);
    expect(decodeKey(columns, b)).toEqual([Uint8Array.of(1, 0), 0]);
  });

  test("equal values of different display scale share a key; the row keeps the scale", () => {
    const one = encodeKey([{ type: numeric }], [numeric.parse("1.0", -1, ctx)]);
    const other = encodeKey([{ type: numeric }], [numeric.parse("1.000", -1, ctx)]);
    expect(compareKeys(one, other)).toBe(0);
    const interval = typeByName("interval")!;
    const month = encodeKey([{ type: interval }], [interval.parse("1 mon", -1, ctx)]);
    expect(compareKeys(month, encodeKey([{ type: interval }], [interval.parse("30 days", -1, ctx)]))).toBe(0);
  });
});
