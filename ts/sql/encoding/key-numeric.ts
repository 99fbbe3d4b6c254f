// Order-preserving numeric encoding. The key holds the value, not the display scale:
// 1.0 and 1.00 encode alike (PostgreSQL treats them as equal, so a unique index must too).
//
// tag: 0x00 -Infinity, 0x01 negative, 0x02 zero, 0x03 positive, 0x04 Infinity, 0x05 NaN.
// positive: value = 0.d1d2d3... × 10^E; E as an order-preserving int32, then the digits in
// base-100 pairs, each byte 2p+1 except the last, which is 2p (so it ends the number, and a
// number that is a digit-prefix of another sorts first). Negative: the positive form of the
// magnitude, inverted.

import { Numeric } from "../types/numeric.ts";
import { KeyCorrupt, type KeyReader, type KeyWriter } from "./key-buffer.ts";
import { decodeInt4Key, encodeInt4Key } from "./key-scalars.ts";

const NEGATIVE_INFINITY = 0x00;
const NEGATIVE = 0x01;
const ZERO = 0x02;
const POSITIVE = 0x03;
const POSITIVE_INFINITY = 0x04;
const NAN = 0x05;

/** Significant digits without leading or trailing zeros, and E with value = 0.digits × 10^E. */
function significantDigits(value: Numeric): { digits: string; exponent: number } {
  const magnitude = (value.mantissa < 0n ? -value.mantissa : value.mantissa).toString();
  const trimmed = magnitude.replace(/0+$/, "");
  return { digits: trimmed, exponent: magnitude.length - value.scale };
}

function encodeMagnitude(value: Numeric, out: KeyWriter): void {
  const { digits, exponent } = significantDigits(value);
  encodeInt4Key(exponent, out);
  const padded = digits.length % 2 === 0 ? digits : `${digits}0`;
  const at = out.reserve(padded.length / 2);
  for (let i = 0; i < padded.length; i += 2) {
    const pair = (padded.charCodeAt(i) - 48) * 10 + (padded.charCodeAt(i + 1) - 48);
    const last = i + 2 === padded.length;
    out.bytes[at + i / 2] = last ? pair * 2 : pair * 2 + 1;
  }
}

export function encodeNumericKey(value: Numeric, out: KeyWriter): void {
  switch (value.kind) {
    case "nan":
      return out.u8(NAN);
    case "infinity":
      return out.u8(POSITIVE_INFINITY);
    case "-infinity":
      return out.u8(NEGATIVE_INFINITY);
  }
  if (value.mantissa === 0n) return out.u8(ZERO);
  if (value.mantissa > 0n) {
    out.u8(POSITIVE);
    encodeMagnitude(value, out);
    return;
  }
  out.u8(NEGATIVE);
  const start = out.length;
  encodeMagnitude(value, out);
  out.invertFrom(start);
}

function decodeMagnitude(input: KeyReader): { mantissa: bigint; scale: number } {
  const exponent = decodeInt4Key(input);
  let digits = "";
  for (;;) {
    const byte = input.u8();
    const pair = byte >> 1;
    if (pair > 99) throw new KeyCorrupt("bad numeric digit pair");
    digits += pair < 10 ? `0${pair}` : String(pair);
    if ((byte & 1) === 0) break;
  }
  digits = digits.replace(/0+$/, "");
  // value = 0.digits × 10^exponent = digits × 10^(exponent - length)
  const shift = exponent - digits.length;
  return shift >= 0
    ? { mantissa: BigInt(digits) * 10n ** BigInt(shift), scale: 0 }
    : { mantissa: BigInt(digits), scale: -shift };
}

export function decodeNumericKey(input: KeyReader): Numeric {
  const tag = input.u8();
  switch (tag) {
    case NAN:
      return Numeric.NaN;
    case POSITIVE_INFINITY:
      return Numeric.POSITIVE_INFINITY;
    case NEGATIVE_INFINITY:
      return Numeric.NEGATIVE_INFINITY;
    case ZERO:
      return Numeric.ZERO;
    case POSITIVE: {
      const { mantissa, scale } = decodeMagnitude(input);
      return Numeric.of(mantissa, scale);
    }
    case NEGATIVE: {
      const wasInverted = input.inverted;
      input.inverted = !wasInverted;
      const { mantissa, scale } = decodeMagnitude(input);
      input.inverted = wasInverted;
      return Numeric.of(-mantissa, scale);
    }
    default:
      throw new KeyCorrupt(`bad numeric tag ${tag}`);
  }
}
