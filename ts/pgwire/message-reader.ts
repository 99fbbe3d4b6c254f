// A bounds-checked cursor over the body of one frontend message. Every read checks that the
// bytes exist inside the message, every String must end with a NUL inside the message and be
// valid UTF-8, and end() checks that nothing is left over, so a decoder built on it cannot
// read past a message or accept a message with trailing garbage.

import { ProtocolError } from "./protocol-error.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class MessageReader {
  // Set by reset(), which the constructor calls.
  private buf!: Uint8Array;
  private pos!: number;
  private limit!: number;

  constructor(buf: Uint8Array, start: number, limit: number) {
    this.reset(buf, start, limit);
  }

  /** Read another message body (a decoder reuses one reader for every message). */
  reset(buf: Uint8Array, start: number, limit: number): this {
    if (start < 0 || limit < start || limit > buf.length) throw new RangeError("MessageReader: bad bounds");
    this.buf = buf;
    this.pos = start;
    this.limit = limit;
    return this;
  }

  get remaining(): number {
    return this.limit - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** Unsigned 16-bit: PostgreSQL reads Int16 counts as 0..65535. */
  u16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  i16(): number {
    return (this.u16() << 16) >> 16;
  }

  i32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  u32(): number {
    return this.i32() >>> 0;
  }

  /** A copy of the next `n` bytes (copied so the caller may keep them after the input buffer is reused). */
  bytes(n: number): Uint8Array {
    if (n < 0) throw new ProtocolError("invalid length in message");
    this.need(n);
    // A copy, never a view: Buffer#slice (the input may be a Buffer) would alias the input.
    const out = new Uint8Array(n);
    const buf = this.buf;
    const at = this.pos;
    if (n <= 64) {
      // Short values (most Bind parameters): a loop costs less than making a view to copy from.
      for (let i = 0; i < n; i++) out[i] = buf[at + i]!;
    } else {
      out.set(buf.subarray(at, at + n), 0);
    }
    this.pos = at + n;
    return out;
  }

  /** Everything left in the message (copied). */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** A NUL-terminated UTF-8 String. */
  cstring(): string {
    if (this.pos < this.limit && this.buf[this.pos] === 0) {
      // The empty string (unnamed statements and portals).
      this.pos++;
      return "";
    }
    const nul = this.buf.indexOf(0, this.pos);
    if (nul === -1 || nul >= this.limit) throw new ProtocolError("invalid string in message");
    const s = recentName(this.buf, this.pos, nul) ?? rememberName(this.buf, this.pos, nul, decodeUtf8(this.buf, this.pos, nul));
    this.pos = nul + 1;
    return s;
  }

  /** Every message is consumed exactly: trailing bytes mean the client and server disagree on the format. */
  end(): void {
    if (this.pos !== this.limit) throw new ProtocolError("invalid message format");
  }

  private need(n: number): void {
    if (this.limit - this.pos < n) throw new ProtocolError("insufficient data left in message");
  }
}

/**
 * The last short String decoded, kept as bytes and string: a client repeats its prepared
 * statement's name in every Bind, and the same string (its hash already computed) makes the
 * statement lookup cheaper too.
 */
const recentNameBytesMax = 64;
const recentNameBytes = new Uint8Array(recentNameBytesMax);
let recentNameLength = -1;
let recentNameString = "";

function recentName(buf: Uint8Array, start: number, end: number): string | null {
  const length = end - start;
  if (length !== recentNameLength) return null;
  for (let i = 0; i < length; i++) if (buf[start + i] !== recentNameBytes[i]) return null;
  return recentNameString;
}

function rememberName(buf: Uint8Array, start: number, end: number, s: string): string {
  const length = end - start;
  if (length <= recentNameBytesMax) {
    for (let i = 0; i < length; i++) recentNameBytes[i] = buf[start + i]!;
    recentNameLength = length;
    recentNameString = s;
  }
  return s;
}

/** Strict UTF-8 decode of buf[start, end); invalid input is a protocol error naming the bad byte. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  // Short ASCII strings (names, most SQL) skip the decoder.
  if (end - start <= 64) {
    let s = "";
    let i = start;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new ProtocolError(`invalid byte sequence for encoding "UTF8": ${describeBadUtf8(buf, start, end)}`);
  }
}

/** Names the first invalid byte sequence the way PostgreSQL's report_invalid_encoding does ("0xc3 0x28"). */
function describeBadUtf8(buf: Uint8Array, start: number, end: number): string {
  let i = start;
  while (i < end) {
    const c = buf[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > end) break;
    try {
      utf8.decode(buf.subarray(i, i + len));
    } catch {
      break;
    }
    i += len;
  }
  const bytes: string[] = [];
  for (let j = i; j < Math.min(end, i + 4); j++) bytes.push(`0x${buf[j]!.toString(16).padStart(2, "0")}`);
  return bytes.join(" ");
}
