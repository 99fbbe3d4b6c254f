// Row encoding: the compact binary form of a table row stored as the engine value.
//
//   byte      format version (1)
//   varint    N: the number of attributes written (attnums 1..N)
//   bytes     null bitmap, ceil(N/8) bytes; bit (attnum-1) set means NULL
//   values    each non-null attribute in attnum order, in its type's row format
//             (fixed width, or varint length + bytes; see row-codecs.ts)
//
// Columns are identified by stable attribute numbers, never by position. A dropped column
// keeps its attnum and type in the layout so older rows can skip its bytes; new rows write
// it as NULL. A row written before ADD COLUMN has fewer attributes; the missing ones read as
// the column's missing value (the ADD COLUMN default, supplied by the catalog).
//
// Decoding walks the attributes once, skipping fixed-width values by arithmetic and
// variable-width ones by their length prefix, and builds only the columns asked for.

import type { SqlType } from "../types/type.ts";
import type { SqlValue } from "../types/value.ts";
import { RowWriter, rowCorrupt } from "./row-buffer.ts";
import { storageCodecFor, writeLengthPrefixed, type StorageCodec } from "./row-codecs.ts";

export const ROW_FORMAT_VERSION = 1;
/** PostgreSQL's MaxHeapAttributeNumber. */
export const ROW_ATTRIBUTES_MAX = 1600;

export interface RowColumn {
  /** Stable attribute number, 1-based, never reused after a drop. */
  readonly attnum: number;
  readonly type: SqlType;
  readonly dropped?: boolean;
  /** Value for rows written before the column was added (default: NULL). */
  readonly missingValue?: SqlValue;
}

interface Slot {
  readonly codec: StorageCodec;
  readonly width: number;
}

export class RowLayout {
  /** The visible columns in attnum order; encode() and decode() use this order. */
  readonly live: readonly RowColumn[];
  /** Per attnum (index attnum - 1): how to skip or read it; null for never-used attnums. */
  readonly slots: readonly (Slot | null)[];
  private readonly writer = new RowWriter();
  /** attnum - 1 → index in `live`, or -1 for dropped and unused attnums. */
  private readonly liveIndex: Int32Array;

  constructor(columns: readonly RowColumn[]) {
    const sorted = [...columns].sort((a, b) => a.attnum - b.attnum);
    const maxAttnum = sorted.length === 0 ? 0 : sorted[sorted.length - 1]!.attnum;
    if (maxAttnum > ROW_ATTRIBUTES_MAX) throw new RangeError(`tables can have at most ${ROW_ATTRIBUTES_MAX} columns`);
    const slots: (Slot | null)[] = new Array<Slot | null>(maxAttnum).fill(null);
    for (const column of sorted) {
      if (column.attnum < 1 || slots[column.attnum - 1] !== null) throw new RangeError(`bad or duplicate attnum ${column.attnum}`);
      const codec = storageCodecFor(column.type);
      slots[column.attnum - 1] = { codec, width: codec.width };
    }
    this.slots = slots;
    this.live = sorted.filter((column) => !column.dropped);
    this.liveIndex = new Int32Array(maxAttnum).fill(-1);
    this.live.forEach((column, i) => (this.liveIndex[column.attnum - 1] = i));
  }

  /** Encodes the values of the live columns (in `live` order). */
  encode(values: readonly SqlValue[]): Uint8Array {
    if (values.length !== this.live.length) throw new RangeError(`expected ${this.live.length} values, got ${values.length}`);
    const count = this.slots.length;
    const out = this.writer;
    out.reset();
    out.u8(ROW_FORMAT_VERSION);
    out.varint(count);
    const bitmapAt = out.reserve(Math.ceil(count / 8));
    out.bytes.fill(0, bitmapAt, out.length);
    for (let i = 0; i < count; i++) {
      const live = this.liveIndex[i]!;
      const value = live < 0 ? null : values[live]!;
      const slot = this.slots[i];
      if (value === null || !slot) {
        out.bytes[bitmapAt + (i >> 3)]! |= 1 << (i & 7);
        continue;
      }
      if (slot.width >= 0) slot.codec.write(value, out);
      else writeLengthPrefixed(slot.codec, value, out);
    }
    return out.finish();
  }

  /** A decoder for some live columns (indexes into `live`); decode() reads them in that order. */
  decoder(columns: readonly number[] = this.live.map((_, i) => i)): RowDecoder {
    return new RowDecoder(this, columns.map((index) => {
      const column = this.live[index];
      if (!column) throw new RangeError(`no live column ${index}`);
      return column;
    }));
  }

  /** Decodes every live column. */
  decode(row: Uint8Array): SqlValue[] {
    return (this.allColumns ??= this.decoder()).decode(row);
  }

  /** The decoder of every live column, made on first use (the layout never changes). */
  private allColumns: RowDecoder | null = null;
}

export class RowDecoder {
  /** For attnum - 1: the output position that wants it, or -1. */
  private readonly wanted: Int32Array;
  private readonly lastWanted: number;

  constructor(
    private readonly layout: RowLayout,
    private readonly columns: readonly RowColumn[],
  ) {
    this.wanted = new Int32Array(layout.slots.length).fill(-1);
    columns.forEach((column, i) => (this.wanted[column.attnum - 1] = i));
    this.lastWanted = columns.reduce((last, column) => Math.max(last, column.attnum - 1), -1);
  }

  /** Decodes the requested columns into `out` (allocated when not given). */
  decode(row: Uint8Array, out: SqlValue[] = new Array<SqlValue>(this.columns.length)): SqlValue[] {
    if (row[0] !== ROW_FORMAT_VERSION) throw rowCorrupt(`unknown row format ${row[0]}`);
    let count = 0;
    let scale = 1;
    let at = 1;
    for (;; at++) {
      const byte = row[at];
      if (byte === undefined) throw rowCorrupt("truncated header");
      count += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    at++;
    if (count > this.layout.slots.length) throw rowCorrupt(`row has ${count} attributes, the table ${this.layout.slots.length}`);
    for (let i = 0; i < this.columns.length; i++) out[i] = this.columns[i]!.missingValue ?? null;
    const bitmapAt = at;
    at += (count + 7) >> 3;
    const last = Math.min(count - 1, this.lastWanted);
    for (let i = 0; i <= last; i++) {
      const target = this.wanted[i]!;
      if (row[bitmapAt + (i >> 3)]! & (1 << (i & 7))) {
        if (target >= 0) out[target] = null;
        continue;
      }
      const slot = this.layout.slots[i];
      if (!slot) throw rowCorrupt(`value for unknown attribute ${i + 1}`);
      let length = slot.width;
      if (length < 0) {
        length = 0;
        let shift = 1;
        for (;; at++) {
          const byte = row[at];
          if (byte === undefined) throw rowCorrupt("truncated length");
          length += (byte & 0x7f) * shift;
          if (byte < 0x80) break;
          shift *= 128;
        }
        at++;
      }
      if (at + length > row.length) throw rowCorrupt(`attribute ${i + 1} runs past the end`);
      if (target >= 0) out[target] = slot.codec.read(row, at, length);
      at += length;
    }
    return out;
  }
}
