// numeric(precision, scale): PostgreSQL's typmod encoding and apply_typmod.

import { SqlError, SqlState } from "../errors.ts";
import { invalidParameter } from "./input-errors.ts";
import { Numeric } from "./numeric.ts";
import { NO_TYPMOD, type TypmodSupport } from "./type.ts";

/** The typmod header every varlena typmod carries (VARHDRSZ). */
const TYPMOD_OFFSET = 4;
const PRECISION_MAX = 1000;
const SCALE_MIN = -1000;
const SCALE_MAX = 1000;

export function makeNumericTypmod(precision: number, scale: number): number {
  return ((precision << 16) | (scale & 0x7ff)) + TYPMOD_OFFSET;
}

/** A typmod is valid when it carries the header; -1 and smaller mean "unconstrained". */
export function isNumericTypmod(typmod: number): boolean {
  return typmod >= TYPMOD_OFFSET;
}

export function numericTypmodPrecision(typmod: number): number {
  return ((typmod - TYPMOD_OFFSET) >> 16) & 0xffff;
}

/** The scale is an 11-bit two's complement field (scales may be negative since PostgreSQL 15). */
export function numericTypmodScale(typmod: number): number {
  return (((typmod - TYPMOD_OFFSET) & 0x7ff) ^ 1024) - 1024;
}

function parseNumericTypmod(modifiers: readonly number[]): number {
  if (modifiers.length === 0 || modifiers.length > 2) throw invalidParameter("invalid NUMERIC type modifier");
  const precision = modifiers[0]!;
  const scale = modifiers[1] ?? 0;
  if (precision < 1 || precision > PRECISION_MAX) {
    throw invalidParameter(`NUMERIC precision ${precision} must be between 1 and ${PRECISION_MAX}`);
  }
  if (scale < SCALE_MIN || scale > SCALE_MAX) {
    throw invalidParameter(`NUMERIC scale ${scale} must be between ${SCALE_MIN} and ${SCALE_MAX}`);
  }
  return makeNumericTypmod(precision, scale);
}

function fieldOverflow(detail: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, "numeric field overflow", { detail });
}

/** Rounds to the typmod's scale and checks the digits before the point fit (22003 otherwise). */
export function applyNumericTypmod(value: Numeric, typmod: number): Numeric {
  if (!isNumericTypmod(typmod) || value.isNaN()) return value;
  const precision = numericTypmodPrecision(typmod);
  const scale = numericTypmodScale(typmod);
  if (value.isInfinite()) {
    throw fieldOverflow(`A field with precision ${precision}, scale ${scale} cannot hold an infinite value.`);
  }
  const rounded = value.round(scale);
  const maxDigits = precision - scale;
  const exponent = rounded.leadingExponent();
  if (exponent !== undefined && exponent + 1 > maxDigits) {
    const limit = maxDigits === 0 ? "1" : `10^${maxDigits}`;
    throw fieldOverflow(`A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${limit}.`);
  }
  return rounded;
}

export const numericTypmod: TypmodSupport<Numeric> = {
  parse: parseNumericTypmod,
  format(typmod) {
    if (!isNumericTypmod(typmod)) return "";
    return `(${numericTypmodPrecision(typmod)},${numericTypmodScale(typmod)})`;
  },
  coerce: (value, typmod) => (typmod === NO_TYPMOD ? value : applyNumericTypmod(value, typmod)),
};
