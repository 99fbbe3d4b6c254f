// numeric's binary send/receive format: base-10000 digits with weight, sign and dscale.

import { ByteReader, ByteWriter } from "./bytes.ts";
import { invalidBinary } from "./input-errors.ts";
import { Numeric, pow10 } from "./numeric.ts";

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;
const NBASE = 10000n;

function specialSign(value: Numeric): number {
  return value.kind === "nan" ? NUMERIC_NAN : value.kind === "infinity" ? NUMERIC_PINF : NUMERIC_NINF;
}

/** Base-10000 digits, most significant first, with the weight of the first; zeros stripped. */
function toBase10000(value: Numeric): { digits: number[]; weight: number } {
  const fractionGroups = Math.ceil(value.scale / 4);
  let magnitude = value.mantissa < 0n ? -value.mantissa : value.mantissa;
  magnitude *= pow10(fractionGroups * 4 - value.scale);
  const reversed: number[] = [];
  while (magnitude > 0n) {
    reversed.push(Number(magnitude % NBASE));
    magnitude /= NBASE;
  }
  // reversed[i] has weight i - fractionGroups.
  let low = 0;
  while (low < reversed.length && reversed[low] === 0) low++;
  const digits = reversed.slice(low).reverse();
  if (digits.length === 0) return { digits, weight: 0 };
  return { digits, weight: reversed.length - 1 - fractionGroups };
}

export function encodeNumericBinary(value: Numeric): Uint8Array {
  const writer = new ByteWriter(8);
  if (!value.isFinite()) {
    // PostgreSQL reads dscale out of the special value's header bits: 32 for ±Infinity.
    const dscale = value.isNaN() ? 0 : 32;
    return writer.u16(0).i16(0).u16(specialSign(value)).u16(dscale).finish();
  }
  const { digits, weight } = toBase10000(value);
  writer.u16(digits.length).i16(weight).u16(value.mantissa < 0n ? NUMERIC_NEG : NUMERIC_POS).u16(value.scale);
  for (const digit of digits) writer.i16(digit);
  return writer.finish();
}

function fromBase10000(digits: readonly number[], weight: number, negative: boolean, scale: number): Numeric {
  let magnitude = 0n;
  for (const digit of digits) magnitude = magnitude * NBASE + BigInt(digit);
  // The last digit has weight (weight - ndigits + 1); express as mantissa / 10^scale.
  const exponent = 4 * (weight - digits.length + 1) + scale;
  if (exponent >= 0) magnitude *= pow10(exponent);
  else magnitude /= pow10(-exponent); // digits hidden by dscale are truncated, as numeric_recv does
  return Numeric.of(negative ? -magnitude : magnitude, scale);
}

/** numeric_recv, before the typmod is applied. */
export function decodeNumericBinary(bytes: Uint8Array): Numeric {
  const reader = new ByteReader(bytes);
  const count = reader.u16();
  const weight = reader.i16();
  const sign = reader.u16();
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG && sign !== NUMERIC_NAN && sign !== NUMERIC_PINF && sign !== NUMERIC_NINF) {
    throw invalidBinary('invalid sign in external "numeric" value');
  }
  const scale = reader.u16();
  if ((scale & 0x3fff) !== scale) throw invalidBinary('invalid scale in external "numeric" value');
  const digits: number[] = [];
  for (let i = 0; i < count; i++) {
    const digit = reader.i16();
    if (digit < 0 || digit >= 10000) throw invalidBinary('invalid digit in external "numeric" value');
    digits.push(digit);
  }
  reader.end();
  if (sign === NUMERIC_NAN) return Numeric.NaN;
  if (sign === NUMERIC_PINF) return Numeric.POSITIVE_INFINITY;
  if (sign === NUMERIC_NINF) return Numeric.NEGATIVE_INFINITY;
  return fromBase10000(digits, weight, sign === NUMERIC_NEG, scale);
}
