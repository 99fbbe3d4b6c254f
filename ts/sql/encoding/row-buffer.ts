// Byte-level helpers for rows: a reusable growable writer and LEB128 varints.

import { SqlError, SqlState } from "../errors.ts";

export class RowWriter {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  reserve(size: number): number {
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

  get bytes(): Uint8Array {
    return this.buffer;
  }

  get dataView(): DataView {
    return this.view;
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.buffer[at] = value;
  }

  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.u8((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    this.u8(rest);
  }

  append(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export function rowCorrupt(detail: string): SqlError {
  return new SqlError(SqlState.dataCorrupted, `row data is corrupt: ${detail}`);
}

/** Reads a varint at `offset`; returns the value and the offset after it. */
export function readVarint(row: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let at = offset; at < row.length && at < offset + 8; at++) {
    const byte = row[at]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: at + 1 };
    scale *= 128;
  }
  throw rowCorrupt("bad varint");
}

export const zigzag = (value: number): number => (value < 0 ? -2 * value - 1 : 2 * value);
export const unzigzag = (value: number): number => (value % 2 === 1 ? -(value + 1) / 2 : value / 2);
