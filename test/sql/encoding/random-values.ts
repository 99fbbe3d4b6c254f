// Seeded random SQL values of every type, for property tests. A failing test reports the
// seed; random(seed) then reproduces the same values.

import { PgArray } from "../../../ts/sql/types/array.ts";
import { Jsonb, JsonbObject, type JsonbNode } from "../../../ts/sql/types/jsonb.ts";
import { Numeric } from "../../../ts/sql/types/numeric.ts";
import { Oid } from "../../../ts/sql/types/oids.ts";
import { elementTypeOf } from "../../../ts/sql/types/registry.ts";
import { uuidFromBytes } from "../../../ts/sql/types/uuid.ts";
import type { SqlType } from "../../../ts/sql/types/type.ts";
import type { Datum, ScalarDatum } from "../../../ts/sql/types/value.ts";

export type Random = () => number;

/** mulberry32. */
export function random(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (next: Random, low: number, high: number): number => low + Math.floor(next() * (high - low + 1));
const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

function bigInRange(next: Random, bits: number): bigint {
  let value = 0n;
  for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(int(next, 0, 0xffff));
  return BigInt.asIntN(bits, value);
}

function smallOrExtreme(next: Random, min: number, max: number): number {
  const roll = next();
  if (roll < 0.1) return pick(next, [min, max, 0, -1, 1]);
  if (roll < 0.6) return int(next, -20, 20);
  return int(next, min, max);
}

function float(next: Random, single: boolean): number {
  const roll = next();
  if (roll < 0.1) return pick(next, [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5]);
  if (roll < 0.2) return int(next, -5, 5) / 4;
  const view = new DataView(new ArrayBuffer(8));
  if (single) {
    view.setUint32(0, int(next, 0, 0xffffffff));
    return view.getFloat32(0);
  }
  view.setUint32(0, int(next, 0, 0xffffffff));
  view.setUint32(4, int(next, 0, 0xffffffff));
  return view.getFloat64(0);
}

function numeric(next: Random): Numeric {
  const roll = next();
  if (roll < 0.05) return pick(next, [Numeric.NaN, Numeric.POSITIVE_INFINITY, Numeric.NEGATIVE_INFINITY]);
  if (roll < 0.1) return Numeric.of(0n, int(next, 0, 4));
  const digits = int(next, 1, next() < 0.2 ? 40 : 6);
  let text = String(int(next, 1, 9));
  for (let i = 1; i < digits; i++) text += int(next, 0, 9);
  const trailingZeros = next() < 0.3 ? int(next, 1, 4) : 0;
  const mantissa = BigInt(text + "0".repeat(trailingZeros)) * (next() < 0.4 ? -1n : 1n);
  return Numeric.of(mantissa, int(next, 0, digits + trailingZeros + 3));
}

const alphabet = ["a", "b", "z", "A", " ", "é", "ß", "😀", "\u{10ffff}", "\ue000", "\uffff", "\u0001", "~", "0"];

function text(next: Random, maxLength = 8): string {
  let out = "";
  const length = int(next, 0, maxLength);
  for (let i = 0; i < length; i++) out += pick(next, alphabet);
  return out;
}

function bytes(next: Random): Uint8Array {
  const length = int(next, 0, 8);
  return Uint8Array.from({ length }, () => (next() < 0.3 ? pick(next, [0, 1, 0xff]) : int(next, 0, 255)));
}

function jsonNode(next: Random, depth: number): JsonbNode {
  const roll = next();
  if (depth > 2 || roll < 0.5) {
    return pick(next, [null, true, false, text(next, 3), finiteNumeric(next)]) as JsonbNode;
  }
  const size = int(next, 0, 3);
  if (roll < 0.75) return Array.from({ length: size }, () => jsonNode(next, depth + 1));
  return JsonbObject.from(Array.from({ length: size }, () => [text(next, 3), jsonNode(next, depth + 1)] as const));
}

function finiteNumeric(next: Random): Numeric {
  const value = numeric(next);
  return value.isFinite() ? value : Numeric.ZERO;
}

const USECS_PER_DAY = 86_400_000_000n;

/** A random value of a scalar type. */
export function randomScalar(type: SqlType, next: Random): ScalarDatum {
  switch (type.oid) {
    case Oid.bool:
      return next() < 0.5;
    case Oid.int2:
      return smallOrExtreme(next, -32768, 32767);
    case Oid.int4:
      return smallOrExtreme(next, -2147483648, 2147483647);
    case Oid.int8:
      return next() < 0.5 ? BigInt(int(next, -20, 20)) : bigInRange(next, 64);
    case Oid.oid:
      return next() < 0.5 ? int(next, 0, 20) : int(next, 0, 4294967295);
    case Oid.float4:
      return float(next, true);
    case Oid.float8:
      return float(next, false);
    case Oid.numeric:
      return numeric(next);
    case Oid.text:
    case Oid.varchar:
      return text(next);
    case Oid.bpchar:
      return text(next) + " ".repeat(int(next, 0, 2));
    case Oid.name:
      return text(next, 5);
    case Oid.char:
      return next() < 0.1 ? "" : String.fromCharCode(int(next, 1, 255));
    case Oid.bytea:
      return bytes(next);
    case Oid.uuid:
      return uuidFromBytes(Uint8Array.from({ length: 16 }, () => (next() < 0.5 ? 0 : int(next, 0, 255))));
    case Oid.json:
      return new Jsonb(jsonNode(next, 0)).toString();
    case Oid.jsonb:
      return new Jsonb(next() < 0.3 ? jsonNode(next, 3) : jsonNode(next, 0));
    case Oid.date:
      return next() < 0.05 ? pick(next, [-2147483648, 2147483647]) : int(next, -2451545, 2147483494 - 2451545 - 1);
    case Oid.time:
      return BigInt(int(next, 0, 86_400_000)) * 1000n + BigInt(int(next, 0, 999));
    case Oid.timestamp:
    case Oid.timestamptz:
      if (next() < 0.05) return pick(next, [-(2n ** 63n), 2n ** 63n - 1n]);
      return BigInt(int(next, -2_000_000, 2_000_000)) * USECS_PER_DAY / 10n + BigInt(int(next, -999_999, 999_999));
    case Oid.interval:
      return { months: smallOrExtreme(next, -1000, 1000), days: smallOrExtreme(next, -40, 40), microseconds: BigInt(smallOrExtreme(next, -2147483648, 2147483647)) * 1000n };
    default:
      throw new Error(`no random values for ${type.typname}`);
  }
}

function randomArray(element: SqlType, next: Random): PgArray {
  const ndims = next() < 0.15 ? 0 : int(next, 1, 3);
  if (ndims === 0) return new PgArray([]);
  const dims = Array.from({ length: ndims }, () => int(next, 1, 3));
  const lowerBounds = dims.map(() => (next() < 0.8 ? 1 : int(next, -3, 3)));
  const count = dims.reduce((product, length) => product * length, 1);
  const elements = Array.from({ length: count }, () => (next() < 0.15 ? null : randomScalar(element, next)));
  return new PgArray(elements, dims, lowerBounds);
}

/** A random non-null value of any type, arrays included. */
export function randomValue(type: SqlType, next: Random): Datum {
  const element = elementTypeOf(type);
  return element ? randomArray(element, next) : randomScalar(type, next);
}

