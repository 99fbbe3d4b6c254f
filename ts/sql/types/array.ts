// Array values: elements in row-major order with PostgreSQL's dimensions and lower bounds.
// '{{1,2},{3,NULL}}' is elements [1, 2, 3, null], dims [2, 2], lowerBounds [1, 1];
// the empty array '{}' has no dimensions.

import { SqlError, SqlState } from "../errors.ts";
import type { ScalarDatum } from "./value.ts";

/** PostgreSQL's MAXDIM. */
export const ARRAY_DIMENSIONS_MAX = 6;

/** Nested JavaScript arrays, one level per dimension. */
export type NestedArray = readonly (ScalarDatum | null | NestedArray)[];

export function tooManyDimensions(count: number): SqlError {
  return new SqlError(
    SqlState.programLimitExceeded,
    `number of array dimensions (${count}) exceeds the maximum allowed (${ARRAY_DIMENSIONS_MAX})`,
  );
}

export class PgArray<T extends ScalarDatum = ScalarDatum> {
  readonly elements: readonly (T | null)[];
  readonly dims: readonly number[];
  readonly lowerBounds: readonly number[];

  /** A one-dimensional array by default; dims must multiply to the element count. */
  constructor(elements: readonly (T | null)[], dims?: readonly number[], lowerBounds?: readonly number[]) {
    const shape = dims ?? (elements.length === 0 ? [] : [elements.length]);
    const bounds = lowerBounds ?? shape.map(() => 1);
    if (shape.length > ARRAY_DIMENSIONS_MAX) throw tooManyDimensions(shape.length);
    const count = shape.length === 0 ? 0 : shape.reduce((product, length) => product * length, 1);
    if (count !== elements.length || bounds.length !== shape.length || shape.some((length) => length < 0)) {
      throw new RangeError(`array shape [${shape.join(",")}] does not match ${elements.length} elements`);
    }
    // A zero-length dimension means the empty array, which PostgreSQL stores without dimensions.
    const empty = count === 0;
    this.elements = elements;
    this.dims = empty ? [] : shape;
    this.lowerBounds = empty ? [] : bounds;
  }

  /** From nested JavaScript arrays; all sub-arrays at one level must have the same length. */
  static fromNested<T extends ScalarDatum>(nested: NestedArray, lowerBounds?: readonly number[]): PgArray<T> {
    const dims: number[] = [];
    for (let level: unknown = nested; Array.isArray(level); level = level[0]) dims.push(level.length);
    const elements: (T | null)[] = [];
    const walk = (node: NestedArray, depth: number): void => {
      if (node.length !== dims[depth]) throw new RangeError("sub-arrays must have matching dimensions");
      for (const item of node) {
        if (depth + 1 < dims.length) {
          if (!Array.isArray(item)) throw new RangeError("sub-arrays must have matching dimensions");
          walk(item as NestedArray, depth + 1);
        } else {
          if (Array.isArray(item)) throw new RangeError("sub-arrays must have matching dimensions");
          elements.push(item as T | null);
        }
      }
    };
    walk(nested, 0);
    if (elements.length === 0) return new PgArray<T>([]);
    return new PgArray<T>(elements, dims, lowerBounds);
  }

  get ndims(): number {
    return this.dims.length;
  }

  /** Nested JavaScript arrays (lower bounds are not represented). */
  toNested(): NestedArray {
    if (this.dims.length === 0) return [];
    let offset = 0;
    const build = (depth: number): NestedArray => {
      const length = this.dims[depth]!;
      const out: (T | null | NestedArray)[] = [];
      for (let i = 0; i < length; i++) out.push(depth + 1 < this.dims.length ? build(depth + 1) : this.elements[offset++]!);
      return out;
    };
    return build(0);
  }

  /** Same shape, elements mapped (casts between array types). */
  map<U extends ScalarDatum>(convert: (element: T) => U): PgArray<U> {
    return new PgArray<U>(
      this.elements.map((element) => (element === null ? null : convert(element))),
      this.dims,
      this.lowerBounds,
    );
  }
}
