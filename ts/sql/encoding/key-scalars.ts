// Order-preserving encodings of the fixed-width types and of strings, one pair of
// functions per type: the bytes compare (memcmp) in the type's sort order.

import { KeyCorrupt, type KeyReader, type KeyWriter } from "./key-buffer.ts";

const scratch = new DataView(new ArrayBuffer(16));

export function encodeBoolKey(value: boolean, out: KeyWriter): void {
  out.u8(value ? 1 : 0);
}
export function decodeBoolKey(input: KeyReader): boolean {
  return input.u8() === 1;
}

/** Signed integers: big-endian two's complement with the sign bit flipped. */
function encodeSigned(value: number, width: 1 | 2 | 4, out: KeyWriter): void {
  const at = out.reserve(width);
  const bias = 2 ** (width * 8 - 1);
  const unsigned = value + bias;
  for (let i = width - 1; i >= 0; i--) out.bytes[at + (width - 1 - i)] = Math.floor(unsigned / 2 ** (8 * i)) & 0xff;
}

function decodeSigned(input: KeyReader, width: 2 | 4): number {
  let unsigned = 0;
  for (let i = 0; i < width; i++) unsigned = unsigned * 256 + input.u8();
  return unsigned - 2 ** (width * 8 - 1);
}

export const encodeInt2Key = (value: number, out: KeyWriter): void => encodeSigned(value, 2, out);
export const decodeInt2Key = (input: KeyReader): number => decodeSigned(input, 2);
export const encodeInt4Key = (value: number, out: KeyWriter): void => encodeSigned(value, 4, out);
export const decodeInt4Key = (input: KeyReader): number => decodeSigned(input, 4);

export function encodeUint32Key(value: number, out: KeyWriter): void {
  const at = out.reserve(4);
  scratch.setUint32(0, value);
  for (let i = 0; i < 4; i++) out.bytes[at + i] = scratch.getUint8(i);
}
export function decodeUint32Key(input: KeyReader): number {
  const bytes = input.take(4);
  return new DataView(bytes.buffer).getUint32(0);
}

export function encodeInt8Key(value: bigint, out: KeyWriter): void {
  const at = out.reserve(8);
  scratch.setBigUint64(0, BigInt.asUintN(64, value) ^ 0x8000000000000000n);
  for (let i = 0; i < 8; i++) out.bytes[at + i] = scratch.getUint8(i);
}
export function decodeInt8Key(input: KeyReader): bigint {
  const bytes = input.take(8);
  return BigInt.asIntN(64, new DataView(bytes.buffer).getBigUint64(0) ^ 0x8000000000000000n);
}

/**
 * IEEE floats: flip the sign bit of positives, all bits of negatives. -0 is written as 0 and
 * every NaN as one NaN, which sorts above +Infinity, matching PostgreSQL's float ordering.
 */
export function encodeFloat8Key(value: number, out: KeyWriter): void {
  scratch.setFloat64(0, value === 0 ? 0 : Number.isNaN(value) ? NaN : value);
  const bits = scratch.getBigUint64(0);
  const ordered = bits & 0x8000000000000000n ? ~bits & 0xffffffffffffffffn : bits | 0x8000000000000000n;
  scratch.setBigUint64(0, ordered);
  const at = out.reserve(8);
  for (let i = 0; i < 8; i++) out.bytes[at + i] = scratch.getUint8(i);
}
export function decodeFloat8Key(input: KeyReader): number {
  const bytes = input.take(8);
  const ordered = new DataView(bytes.buffer).getBigUint64(0);
  const bits = ordered & 0x8000000000000000n ? ordered & 0x7fffffffffffffffn : ~ordered & 0xffffffffffffffffn;
  scratch.setBigUint64(0, bits);
  return scratch.getFloat64(0);
}

export function encodeFloat4Key(value: number, out: KeyWriter): void {
  scratch.setFloat32(0, value === 0 ? 0 : Number.isNaN(value) ? NaN : value);
  const bits = scratch.getUint32(0);
  const ordered = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
  scratch.setUint32(0, ordered);
  const at = out.reserve(4);
  for (let i = 0; i < 4; i++) out.bytes[at + i] = scratch.getUint8(i);
}
export function decodeFloat4Key(input: KeyReader): number {
  const bytes = input.take(4);
  const ordered = new DataView(bytes.buffer).getUint32(0);
  const bits = ordered & 0x80000000 ? (ordered & 0x7fffffff) >>> 0 : ~ordered >>> 0;
  scratch.setUint32(0, bits);
  return scratch.getFloat32(0);
}

/** 128-bit signed integers (interval spans), big-endian with the sign bit flipped. */
export function encodeInt128Key(value: bigint, out: KeyWriter): void {
  let unsigned = BigInt.asUintN(128, value) ^ (1n << 127n);
  const at = out.reserve(16);
  for (let i = 15; i >= 0; i--) {
    out.bytes[at + i] = Number(unsigned & 0xffn);
    unsigned >>= 8n;
  }
}
export function decodeInt128Key(input: KeyReader): bigint {
  let unsigned = 0n;
  for (const byte of input.take(16)) unsigned = (unsigned << 8n) | BigInt(byte);
  return BigInt.asIntN(128, unsigned ^ (1n << 127n));
}

/** Order-preserving unsigned 32-bit counts (array and object sizes). */
export const encodeCountKey = encodeUint32Key;
export const decodeCountKey = decodeUint32Key;

const ESCAPE = 0x00;
const ESCAPED_ZERO = 0xff;
const TERMINATOR = 0x01;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Byte strings: 0x00 is written 0x00 0xFF and the string ends with 0x00 0x01, so a string
 * sorts before every longer string it is a prefix of and the encoding is self-delimiting.
 */
export function encodeBytesKey(value: Uint8Array, out: KeyWriter): void {
  const at = out.reserve(value.length);
  out.bytes.set(value, at);
  escapeZeros(out, at);
  out.u8(ESCAPE);
  out.u8(TERMINATOR);
}

function escapeZeros(out: KeyWriter, from: number): void {
  const end = out.length;
  let zeros = 0;
  for (let i = from; i < end; i++) if (out.bytes[i] === 0) zeros++;
  if (zeros === 0) return;
  const raw = out.bytes.slice(from, end);
  out.truncate(from);
  for (const byte of raw) {
    out.u8(byte);
    if (byte === ESCAPE) out.u8(ESCAPED_ZERO);
  }
}

export function decodeBytesKey(input: KeyReader): Uint8Array {
  const out: number[] = [];
  for (;;) {
    const byte = input.u8();
    if (byte !== ESCAPE) {
      out.push(byte);
      continue;
    }
    const next = input.u8();
    if (next === TERMINATOR) return Uint8Array.from(out);
    if (next !== ESCAPED_ZERO) throw new KeyCorrupt("bad escape in string");
    out.push(0);
  }
}

/** Text in UTF-8 byte order, which is PostgreSQL's "C" collation. */
export function encodeTextKey(value: string, out: KeyWriter): void {
  const at = out.reserve(value.length * 3);
  const { written } = textEncoder.encodeInto(value, out.bytes.subarray(at));
  out.truncate(at + written);
  escapeZeros(out, at);
  out.u8(ESCAPE);
  out.u8(TERMINATOR);
}

export function decodeTextKey(input: KeyReader): string {
  return textDecoder.decode(decodeBytesKey(input));
}
