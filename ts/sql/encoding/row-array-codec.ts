// Row format of arrays: ndims, dims, zigzag lower bounds, a null bitmap when any element
// is NULL, then the non-null elements in their own row format.

import { PgArray } from "../types/array.ts";
import type { ScalarDatum } from "../types/value.ts";
import { readVarint, unzigzag, zigzag } from "./row-buffer.ts";
import { writeLengthPrefixed, type StorageCodec } from "./row-scalar-codecs.ts";

/** Arrays: ndims, dims, zigzag lower bounds, a null bitmap when needed, then elements. */
export function arrayCodec(element: StorageCodec): StorageCodec {
  return {
    width: -1,
    write(v, out) {
      const array = v as PgArray;
      out.u8(array.ndims);
      for (const length of array.dims) out.varint(length);
      for (const bound of array.lowerBounds) out.varint(zigzag(bound));
      const hasNull = array.elements.includes(null);
      out.u8(hasNull ? 1 : 0);
      if (hasNull) {
        const at = out.reserve(Math.ceil(array.elements.length / 8));
        // The writer's buffer is reused between rows: clear the bitmap before setting bits.
        out.bytes.fill(0, at, out.length);
        array.elements.forEach((item, i) => {
          if (item === null) out.bytes[at + (i >> 3)]! |= 1 << (i & 7);
        });
      }
      for (const item of array.elements) {
        if (item === null) continue;
        if (element.width >= 0) element.write(item, out);
        else writeLengthPrefixed(element, item, out);
      }
    },
    read(row, offset) {
      let at = offset;
      const ndims = row[at++]!;
      const dims: number[] = [];
      const lowerBounds: number[] = [];
      for (let i = 0; i < ndims; i++) {
        const { value, next } = readVarint(row, at);
        dims.push(value);
        at = next;
      }
      for (let i = 0; i < ndims; i++) {
        const { value, next } = readVarint(row, at);
        lowerBounds.push(unzigzag(value));
        at = next;
      }
      const count = ndims === 0 ? 0 : dims.reduce((product, length) => product * length, 1);
      const hasNull = row[at++] === 1;
      const bitmapAt = at;
      if (hasNull) at += Math.ceil(count / 8);
      const elements: (ScalarDatum | null)[] = [];
      for (let i = 0; i < count; i++) {
        if (hasNull && row[bitmapAt + (i >> 3)]! & (1 << (i & 7))) {
          elements.push(null);
          continue;
        }
        let length = element.width;
        if (length < 0) {
          const prefix = readVarint(row, at);
          length = prefix.value;
          at = prefix.next;
        }
        elements.push(element.read(row, at, length) as ScalarDatum);
        at += length;
      }
      return count === 0 ? new PgArray([]) : new PgArray(elements, dims, lowerBounds);
    },
  };
}
