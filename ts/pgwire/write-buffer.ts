// A growable byte buffer for building backend messages. One instance lives per connection
// and is reused for every message, so encoding a DataRow allocates nothing once the buffer
// has grown to the working size.

const initialSizeBytes = 16 * 1024;
/** A buffer larger than this is shrunk back after it has been taken, so one huge result
 * does not pin its memory for the rest of the connection. */
const retainedSizeBytesMax = 1024 * 1024;

export class WriteBuffer {
  private buf: Buffer;
  private pos = 0;
  /** Offset of the length word of the message begun but not yet ended, or -1 (messages never nest). */
  private messageStart = -1;

  constructor(initialBytes: number = initialSizeBytes) {
    if (!(initialBytes > 0)) throw new RangeError("WriteBuffer size must be positive");
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.pos;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    next.set(this.buf.subarray(0, this.pos), 0);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  i16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  i32(v: number): void {
    this.ensure(4);
    this.putI32(this.pos, v);
    this.pos += 4;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** UTF-8 text without a terminator; returns the number of bytes written. */
  text(s: string): number {
    // Buffer#write silently truncates when short of room, so reserve the worst case first.
    this.ensure(s.length * 3);
    if (s.length <= 16) {
      // Short ASCII (numbers, command tags): a loop costs less than the call into native code.
      const b = this.buf;
      const p = this.pos;
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p + i] = c;
      }
      if (i === s.length) {
        this.pos = p + i;
        return i;
      }
    }
    const n = this.buf.write(s, this.pos);
    this.pos += n;
    return n;
  }

  /** UTF-8 text followed by NUL (a protocol String). The caller guarantees `s` has no NUL. */
  cstring(s: string): void {
    this.text(s);
    this.u8(0);
  }

  /** Start a message of the given type byte; the length is filled in by end(). */
  begin(type: number): void {
    if (this.messageStart !== -1) throw new Error("WriteBuffer: message already open");
    this.ensure(5);
    this.buf[this.pos] = type;
    this.messageStart = this.pos + 1;
    this.pos += 5;
  }

  /** Finish the open message by writing its length (which counts itself, not the type byte). */
  end(): void {
    const start = this.messageStart;
    if (start === -1) throw new Error("WriteBuffer: no message open");
    const length = this.pos - start;
    if (length > 0x7fffffff) throw new RangeError("backend message too large");
    this.putI32(start, length);
    this.messageStart = -1;
  }

  /** Reserve a 4-byte slot (for a length known only later); returns its offset. */
  reserveI32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  /** Patch a slot from reserveI32(). */
  patchI32(at: number, v: number): void {
    if (at < 0 || at + 4 > this.pos) throw new RangeError("WriteBuffer: patch out of range");
    this.putI32(at, v);
  }

  /** Current write offset (to measure what a call wrote). */
  get offset(): number {
    return this.pos;
  }

  /** A copy of the bytes written from `offset` (an earlier `offset`) to now. */
  copy(offset: number): Uint8Array {
    if (offset < 0 || offset > this.pos) throw new RangeError("WriteBuffer: copy out of range");
    const out = new Uint8Array(this.pos - offset);
    out.set(this.buf.subarray(offset, this.pos), 0);
    return out;
  }

  /**
   * The bytes written so far, and reset. The returned view aliases the internal buffer and is
   * valid only until the next write: consume or copy it at once.
   */
  take(): Uint8Array {
    if (this.messageStart !== -1) throw new Error("WriteBuffer: take() inside an open message");
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    // Replacing the buffer leaves `out` intact: it keeps the old one alive until consumed.
    if (this.buf.length > retainedSizeBytesMax) this.buf = Buffer.allocUnsafe(initialSizeBytes);
    return out;
  }

  /** Drop the open message (after an encoding failure), keeping the messages before it. */
  abort(): void {
    if (this.messageStart === -1) return;
    this.pos = this.messageStart - 1;
    this.messageStart = -1;
  }

  private putI32(at: number, v: number): void {
    const b = this.buf;
    b[at] = (v >>> 24) & 0xff;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
  }
}
