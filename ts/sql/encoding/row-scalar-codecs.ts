// Row formats of the scalar types: fixed-width values big-endian in their natural width,
// variable-width ones as raw bytes (the row encoder adds a varint length in front).
// numeric keeps its display scale.

import { Numeric } from "../types/numeric.ts";
import { uuidFromBytes, uuidToBytes } from "../types/uuid.ts";
import type { Datum, Interval } from "../types/value.ts";
import { readVarint, RowWriter } from "./row-buffer.ts";

export interface StorageCodec {
  /** Byte width of every value, or -1 when values carry a length. */
  readonly width: number;
  write(value: Datum, out: RowWriter): void;
  /** Reads the value stored in row[offset, offset + length). */
  read(row: Uint8Array, offset: number, length: number): Datum;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A DataView over the row's underlying buffer, kept while consecutive rows share it (rows of
 * one scan batch are slices of one buffer), so reading a value does not allocate.
 */
let viewBuffer: ArrayBufferLike | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function viewOf(row: Uint8Array): DataView {
  if (row.buffer !== viewBuffer) {
    viewBuffer = row.buffer;
    view = new DataView(row.buffer);
  }
  return view;
}

function readInt32(row: Uint8Array, offset: number): number {
  return (row[offset]! << 24) | (row[offset + 1]! << 16) | (row[offset + 2]! << 8) | row[offset + 3]!;
}

export const boolCodec: StorageCodec = {
  width: 1,
  write: (v, out) => out.u8(v ? 1 : 0),
  read: (row, offset) => row[offset] === 1,
};

export const charCodec: StorageCodec = {
  width: 1,
  write: (v, out) => out.u8((v as string).length === 0 ? 0 : (v as string).charCodeAt(0)),
  read: (row, offset) => (row[offset] === 0 ? "" : String.fromCharCode(row[offset]!)),
};

export const int2Codec: StorageCodec = {
  width: 2,
  write(v, out) {
    const at = out.reserve(2);
    out.dataView.setInt16(at, v as number);
  },
  read: (row, offset) => ((row[offset]! << 24) >> 16) | row[offset + 1]!,
};

export const int4Codec: StorageCodec = {
  width: 4,
  write(v, out) {
    const at = out.reserve(4);
    out.dataView.setInt32(at, v as number);
  },
  read: (row, offset) => readInt32(row, offset),
};

export const oidCodec: StorageCodec = {
  width: 4,
  write(v, out) {
    const at = out.reserve(4);
    out.dataView.setUint32(at, v as number);
  },
  read: (row, offset) => readInt32(row, offset) >>> 0,
};

export const int8Codec: StorageCodec = {
  width: 8,
  write(v, out) {
    const at = out.reserve(8);
    out.dataView.setBigInt64(at, v as bigint);
  },
  read: (row, offset) => viewOf(row).getBigInt64(row.byteOffset + offset),
};

export const float4Codec: StorageCodec = {
  width: 4,
  write(v, out) {
    const at = out.reserve(4);
    out.dataView.setFloat32(at, v as number);
  },
  read: (row, offset) => viewOf(row).getFloat32(row.byteOffset + offset),
};

export const float8Codec: StorageCodec = {
  width: 8,
  write(v, out) {
    const at = out.reserve(8);
    out.dataView.setFloat64(at, v as number);
  },
  read: (row, offset) => viewOf(row).getFloat64(row.byteOffset + offset),
};

export const intervalCodec: StorageCodec = {
  width: 16,
  write(v, out) {
    const value = v as Interval;
    const at = out.reserve(16);
    out.dataView.setBigInt64(at, value.microseconds);
    out.dataView.setInt32(at + 8, value.days);
    out.dataView.setInt32(at + 12, value.months);
  },
  read(row, offset): Interval {
    return {
      microseconds: viewOf(row).getBigInt64(row.byteOffset + offset),
      days: readInt32(row, offset + 8),
      months: readInt32(row, offset + 12),
    };
  },
};

export const uuidCodec: StorageCodec = {
  width: 16,
  write: (v, out) => out.append(uuidToBytes(v as string)),
  read: (row, offset) => uuidFromBytes(row.subarray(offset, offset + 16)),
};

export function readUtf8(row: Uint8Array, offset: number, length: number): string {
  return length === 0 ? "" : textDecoder.decode(row.subarray(offset, offset + length));
}

export const textCodec: StorageCodec = {
  width: -1,
  write(v, out) {
    const value = v as string;
    const at = out.reserve(value.length * 3);
    const { written } = textEncoder.encodeInto(value, out.bytes.subarray(at));
    out.length = at + written;
  },
  read: readUtf8,
};

export const byteaCodec: StorageCodec = {
  width: -1,
  write: (v, out) => out.append(v as Uint8Array),
  read: (row, offset, length) => row.slice(offset, offset + length),
};

const NUMERIC_FINITE = 0;
const NUMERIC_NAN = 1;
const NUMERIC_POSITIVE_INFINITY = 2;
const NUMERIC_NEGATIVE_INFINITY = 3;
const NUMERIC_NEGATIVE = 4;

/** numeric: flags byte, varint scale, magnitude as big-endian bytes. */
export const numericCodec: StorageCodec = {
  width: -1,
  write(v, out) {
    const value = v as Numeric;
    if (!value.isFinite()) {
      out.u8(value.isNaN() ? NUMERIC_NAN : value.kind === "infinity" ? NUMERIC_POSITIVE_INFINITY : NUMERIC_NEGATIVE_INFINITY);
      return;
    }
    out.u8(value.mantissa < 0n ? NUMERIC_NEGATIVE : NUMERIC_FINITE);
    out.varint(value.scale);
    const magnitude = value.mantissa < 0n ? -value.mantissa : value.mantissa;
    if (magnitude < 2n ** 48n) {
      // Small magnitudes, the common case, without going through a hex string.
      let rest = Number(magnitude);
      let size = 0;
      for (let probe = rest; probe > 0; probe = Math.floor(probe / 256)) size++;
      const at = out.reserve(size);
      for (let i = size - 1; i >= 0; i--, rest = Math.floor(rest / 256)) out.bytes[at + i] = rest % 256;
      return;
    }
    const hex = magnitude.toString(16);
    const padded = hex.length % 2 === 0 ? hex : `0${hex}`;
    const at = out.reserve(padded.length / 2);
    for (let i = 0; i < padded.length; i += 2) out.bytes[at + i / 2] = parseInt(padded.slice(i, i + 2), 16);
  },
  read(row, offset, length) {
    const flags = row[offset];
    if (flags === NUMERIC_NAN) return Numeric.NaN;
    if (flags === NUMERIC_POSITIVE_INFINITY) return Numeric.POSITIVE_INFINITY;
    if (flags === NUMERIC_NEGATIVE_INFINITY) return Numeric.NEGATIVE_INFINITY;
    const { value: scale, next } = readVarint(row, offset + 1);
    const end = offset + length;
    let magnitude: bigint;
    if (end - next <= 6) {
      // Up to 48 bits fit a double exactly: one BigInt instead of one per byte.
      let small = 0;
      for (let at = next; at < end; at++) small = small * 256 + row[at]!;
      magnitude = BigInt(small);
    } else {
      magnitude = 0n;
      for (let at = next; at < end; at++) magnitude = (magnitude << 8n) | BigInt(row[at]!);
    }
    return Numeric.of(flags === NUMERIC_NEGATIVE ? -magnitude : magnitude, scale);
  },
};

/** Writes a variable-width value preceded by its varint length. */
export function writeLengthPrefixed(codec: StorageCodec, value: Datum, out: RowWriter): void {
  // Reserve one length byte; move the value if its length needs more.
  const lengthAt = out.reserve(1);
  codec.write(value, out);
  const length = out.length - lengthAt - 1;
  if (length < 0x80) {
    out.bytes[lengthAt] = length;
    return;
  }
  const body = out.bytes.slice(lengthAt + 1, out.length);
  out.length = lengthAt;
  out.varint(length);
  out.append(body);
}
