// Big-endian readers and writers for PostgreSQL's binary send/receive formats.

import { SqlError, SqlState } from "../errors.ts";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Length of a well-formed UTF-8 sequence starting at `at` (pg_utf8_islegal), 0 if malformed. */
function legalSequenceLength(bytes: Uint8Array, at: number): number {
  const first = bytes[at]!;
  if (first === 0) return 0;
  if (first < 0x80) return 1;
  const length = first >= 0xc2 && first <= 0xdf ? 2 : first >= 0xe0 && first <= 0xef ? 3 : first >= 0xf0 && first <= 0xf4 ? 4 : 0;
  if (length === 0 || at + length > bytes.length) return 0;
  const second = bytes[at + 1]!;
  const low = first === 0xe0 ? 0xa0 : first === 0xf0 ? 0x90 : 0x80;
  const high = first === 0xed ? 0x9f : first === 0xf4 ? 0x8f : 0xbf;
  if (second < low || second > high) return 0;
  for (let i = 2; i < length; i++) {
    const next = bytes[at + i]!;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}

/** pg_utf_mblen: how many bytes the lead byte announces. */
function announcedLength(lead: number): number {
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) === 0xc0) return 2;
  if ((lead & 0xf0) === 0xe0) return 3;
  if ((lead & 0xf8) === 0xf0) return 4;
  return 1;
}

/** 22021 naming the offending bytes the way PostgreSQL's report_invalid_encoding does. */
function invalidEncoding(bytes: Uint8Array): SqlError {
  let at = 0;
  for (let length = 0; at < bytes.length; at += length) {
    length = legalSequenceLength(bytes, at);
    if (length === 0) break;
  }
  const shown = bytes.subarray(at, Math.min(bytes.length, at + announcedLength(bytes[at] ?? 0)));
  const hex = Array.from(shown, (byte) => `0x${byte.toString(16).padStart(2, "0")}`).join(" ");
  return new SqlError(SqlState.characterNotInRepertoire, `invalid byte sequence for encoding "UTF8": ${hex}`);
}

/** Decodes UTF-8, rejecting malformed input and NUL bytes as PostgreSQL does (22021). */
export function utf8Decode(bytes: Uint8Array): string {
  let text: string;
  try {
    text = textDecoder.decode(bytes);
  } catch {
    throw invalidEncoding(bytes);
  }
  if (text.includes("\0")) throw invalidEncoding(bytes);
  return text;
}

/** A growable buffer written front to back. */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(capacity = 32) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(size: number): number {
    const at = this.length;
    if (at + size > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, at + size));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = at + size;
    return at;
  }

  u8(value: number): this {
    const at = this.reserve(1);
    this.buffer[at] = value;
    return this;
  }
  i16(value: number): this {
    const at = this.reserve(2);
    this.view.setInt16(at, value);
    return this;
  }
  u16(value: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, value);
    return this;
  }
  i32(value: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, value);
    return this;
  }
  u32(value: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, value);
    return this;
  }
  i64(value: bigint): this {
    const at = this.reserve(8);
    this.view.setBigInt64(at, value);
    return this;
  }
  f32(value: number): this {
    const at = this.reserve(4);
    this.view.setFloat32(at, value);
    return this;
  }
  f64(value: number): this {
    const at = this.reserve(8);
    this.view.setFloat64(at, value);
    return this;
  }
  bytes(value: Uint8Array): this {
    // reserve() may replace the buffer, so it must run before the buffer is read.
    const at = this.reserve(value.length);
    this.buffer.set(value, at);
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Reads a buffer front to back; running past the end is a protocol violation, as in PostgreSQL. */
export class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly source: Uint8Array) {
    this.view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  }

  get remaining(): number {
    return this.source.length - this.offset;
  }

  private take(size: number): number {
    const at = this.offset;
    if (size < 0 || at + size > this.source.length) {
      throw new SqlError(SqlState.protocolViolation, "insufficient data left in message");
    }
    this.offset = at + size;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  /** One byte the way PostgreSQL's pq_getmsgbyte reads it (bool, "char"): its own message when none is left. */
  byte(): number {
    if (this.remaining < 1) throw new SqlError(SqlState.protocolViolation, "no data left in message");
    return this.u8();
  }
  i16(): number {
    return this.view.getInt16(this.take(2));
  }
  u16(): number {
    return this.view.getUint16(this.take(2));
  }
  i32(): number {
    return this.view.getInt32(this.take(4));
  }
  u32(): number {
    return this.view.getUint32(this.take(4));
  }
  i64(): bigint {
    return this.view.getBigInt64(this.take(8));
  }
  f32(): number {
    return this.view.getFloat32(this.take(4));
  }
  f64(): number {
    return this.view.getFloat64(this.take(8));
  }
  bytes(size: number): Uint8Array {
    const at = this.take(size);
    return this.source.subarray(at, at + size);
  }
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** A value must use its whole buffer; leftovers mean the client sent another format. */
  end(): void {
    if (this.remaining !== 0) {
      throw new SqlError(SqlState.invalidBinaryRepresentation, "incorrect binary data format");
    }
  }
}
