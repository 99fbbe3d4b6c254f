// Array element assignment (UPDATE t SET a[i] = v) with PostgreSQL's rules for one-dimensional
// arrays: a NULL or empty array becomes a one-element array starting at i, and assigning
// outside the bounds extends the array, filling the gap with NULLs.

import { SqlError, SqlState } from "../errors.ts";
import { PgArray, type ScalarDatum } from "../types/index.ts";

export function assignArrayElement(array: PgArray | null, index: number | null, value: ScalarDatum | null): PgArray {
  if (index === null) throw new SqlError(SqlState.nullValueNotAllowed, "array subscript in assignment must not be null");
  if (array === null || array.dims.length === 0) return new PgArray([value], [1], [index]);
  if (array.dims.length > 1) throw new SqlError(SqlState.featureNotSupported, "assigning to elements of multidimensional arrays is not supported");
  const lower = array.lowerBounds[0]!;
  const upper = lower + array.elements.length - 1;
  if (index >= lower && index <= upper) {
    const elements = [...array.elements];
    elements[index - lower] = value;
    return new PgArray(elements, [elements.length], [lower]);
  }
  if (index > upper) {
    const elements = [...array.elements, ...new Array<null>(index - upper - 1).fill(null), value];
    return new PgArray(elements, [elements.length], [lower]);
  }
  const elements = [value, ...new Array<null>(lower - index - 1).fill(null), ...array.elements];
  return new PgArray(elements, [elements.length], [index]);
}
