// Byte buffers for keys: a growable writer, and a reader that can read a descending
// column's bytes inverted back to their ascending form.

export class KeyWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(capacity = 64) {
    this.buffer = new Uint8Array(capacity);
  }

  /** Makes room for `size` more bytes and returns where they start. */
  reserve(size: number): number {
    const at = this.length;
    if (at + size > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, at + size));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
    }
    this.length = at + size;
    return at;
  }

  get bytes(): Uint8Array {
    return this.buffer;
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.buffer[at] = value;
  }

  append(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }

  /** Drops bytes reserved but not written (after a variable-length encodeInto). */
  truncate(length: number): void {
    this.length = length;
  }

  /** Inverts bytes [from, length): a descending column. */
  invertFrom(from: number): void {
    for (let i = from; i < this.length; i++) this.buffer[i] = ~this.buffer[i]! & 0xff;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export class KeyCorrupt extends Error {
  constructor(detail: string) {
    super(`corrupt index key: ${detail}`);
  }
}

export class KeyReader {
  offset = 0;
  /** When set, bytes are inverted as they are read (descending columns). */
  inverted = false;

  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  u8(): number {
    if (this.offset >= this.bytes.length) throw new KeyCorrupt("unexpected end");
    const byte = this.bytes[this.offset++]!;
    return this.inverted ? ~byte & 0xff : byte;
  }

  peek(): number {
    if (this.offset >= this.bytes.length) throw new KeyCorrupt("unexpected end");
    const byte = this.bytes[this.offset]!;
    return this.inverted ? ~byte & 0xff : byte;
  }

  take(size: number): Uint8Array {
    if (this.offset + size > this.bytes.length) throw new KeyCorrupt("unexpected end");
    const slice = this.bytes.slice(this.offset, this.offset + size);
    this.offset += size;
    if (this.inverted) for (let i = 0; i < slice.length; i++) slice[i] = ~slice[i]! & 0xff;
    return slice;
  }
}
