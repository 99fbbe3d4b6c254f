// Array type descriptors, one per element type: text and binary I/O element by element,
// and btree ordering as array_cmp (element by element with NULL last, then element count,
// dimensions and lower bounds).

import { PgArray } from "./array.ts";
import { decodeArrayBinary, encodeArrayBinary } from "./array-binary.ts";
import { formatArrayText, parseArrayText } from "./array-text.ts";
import { combineHash, hashInteger } from "./hash.ts";
import type { SqlType, TypmodSupport } from "./type.ts";
import type { ScalarDatum } from "./value.ts";

function compareNumberLists(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

export function compareArrays<T extends ScalarDatum>(
  a: PgArray<T>,
  b: PgArray<T>,
  compareElements: (x: T, y: T) => number,
): number {
  const shared = Math.min(a.elements.length, b.elements.length);
  for (let i = 0; i < shared; i++) {
    const x = a.elements[i]!;
    const y = b.elements[i]!;
    if (x === null || y === null) {
      if (x === null && y === null) continue;
      return x === null ? 1 : -1;
    }
    const order = compareElements(x, y);
    if (order !== 0) return order;
  }
  if (a.elements.length !== b.elements.length) return a.elements.length < b.elements.length ? -1 : 1;
  if (a.ndims !== b.ndims) return a.ndims < b.ndims ? -1 : 1;
  return compareNumberLists(a.dims, b.dims) || compareNumberLists(a.lowerBounds, b.lowerBounds);
}

function arrayTypmod<T extends ScalarDatum>(element: TypmodSupport<T>): TypmodSupport<PgArray<T>> {
  return {
    parse: (modifiers) => element.parse(modifiers),
    format: (typmod) => element.format(typmod),
    coerce: (value, typmod, explicit) => value.map((item) => element.coerce(item, typmod, explicit)),
  };
}

/** The array type over `element`; `elementName` names OIDs in binary mismatch errors. */
export function makeArrayType<T extends ScalarDatum>(
  element: SqlType<T>,
  elementName: (oid: number) => string,
): SqlType<PgArray<T>> {
  const compare = (a: PgArray<T>, b: PgArray<T>): number => compareArrays(a, b, (x, y) => element.compare(x, y));
  return {
    oid: element.arrayOid,
    typname: `_${element.typname}`,
    sqlName: `${element.sqlName}[]`,
    typlen: -1,
    category: "A",
    preferred: false,
    arrayOid: 0,
    elementOid: element.oid,
    typmod: element.typmod ? arrayTypmod(element.typmod) : null,
    parse(text, typmod, ctx) {
      const parsed = parseArrayText(text);
      const elements = parsed.elements.map((item) => (item === null ? null : element.parse(item, typmod, ctx)));
      return elements.length === 0 ? new PgArray<T>([]) : new PgArray<T>(elements, parsed.dims, parsed.lowerBounds);
    },
    format(value, ctx) {
      const texts = value.elements.map((item) => (item === null ? null : element.format(item, ctx)));
      return formatArrayText(texts, value.dims, value.lowerBounds);
    },
    decodeBinary: (bytes, typmod, ctx) =>
      decodeArrayBinary(bytes, element.oid, (item) => element.decodeBinary(item, typmod, ctx), elementName),
    encodeBinary: (value, ctx) => encodeArrayBinary(value, element.oid, (item) => element.encodeBinary(item, ctx)),
    compare,
    equals: (a, b) => compare(a, b) === 0,
    hash(value) {
      let hash = hashInteger(value.ndims);
      for (const item of value.elements) hash = combineHash(hash, item === null ? 0 : element.hash(item));
      for (const length of value.dims) hash = combineHash(hash, length);
      return hash;
    },
    accepts: (value): value is PgArray<T> =>
      value instanceof PgArray && value.elements.every((item) => item === null || element.accepts(item)),
  };
}
