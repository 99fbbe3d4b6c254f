// Incremental decoder of frontend messages: bytes go in as they arrive from the socket (any
// split: partial messages, many messages per chunk) and typed messages come out, one per
// next() call. Pure: no I/O, no timers.
//
// Before the StartupMessage the stream carries untyped startup packets (Int32 length, Int32
// code); after it, typed messages (Byte1 type, Int32 length). The decoder switches by itself
// when it returns a StartupMessage.
//
// Lengths are checked as soon as the header arrives, before the body is buffered, so a bogus
// length cannot make the server buffer a gigabyte: control messages are limited to 10000
// bytes as in PostgreSQL, the others to the configured maximum message size.

import type {
  AuthenticationResponse,
  FrontendMessage,
  SaslInitialResponse,
  StartupMessage,
  TypedMessage,
} from "./frontend-messages.ts";
import { cancelRequestCode, gssEncRequestCode, sslRequestCode } from "./frontend-messages.ts";
import { MessageReader, decodeUtf8 } from "./message-reader.ts";
import { ProtocolError } from "./protocol-error.ts";

/** PostgreSQL's PQ_LARGE_MESSAGE_LIMIT (MaxAllocSize - 1): the default largest frontend message. */
export const defaultMaxMessageBytes = 0x3fffffff - 1;
/** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: control messages (Sync, Execute, Describe, ...) never need more. */
export const smallMessageBytesMax = 10000;
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
export const startupPacketBytesMax = 10000;
/** PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: the largest password / SASL message. */
export const authMessageBytesMax = 65535;
/** A 3.2 CancelRequest may carry a secret key of up to 256 bytes. */
const cancelSecretBytesMax = 256;

export interface DecoderOptions {
  /** Largest accepted value of a typed message's length field (which counts itself). */
  readonly maxMessageBytes?: number;
}

const emptyBuffer = new Uint8Array(0);

export class FrontendDecoder {
  readonly maxMessageBytes: number;
  private buf: Uint8Array = emptyBuffer;
  private start = 0;
  private end = 0;
  /** Whether `buf` is ours to write into (a chunk adopted from the socket is not). */
  private owned = false;
  private startupPhase = true;
  private failure: ProtocolError | null = null;

  constructor(options: DecoderOptions = {}) {
    const max = options.maxMessageBytes ?? defaultMaxMessageBytes;
    if (!Number.isInteger(max) || max < 4 || max > 0x7fffffff) {
      throw new RangeError(`maxMessageBytes must be an integer in [4, 2^31-1], got ${max}`);
    }
    this.maxMessageBytes = max;
  }

  /** Bytes received but not yet returned as messages. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** True until a StartupMessage has been decoded. */
  get inStartupPhase(): boolean {
    return this.startupPhase;
  }

  /** Append bytes received from the client. The decoder never writes into `chunk`. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.start === this.end) {
      // Common case: nothing pending, so decode straight from the chunk without copying.
      this.buf = chunk;
      this.owned = false;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      this.buf.set(chunk, this.end);
      this.end += chunk.length;
      return;
    }
    this.regrow(this.end - this.start + chunk.length);
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /**
   * The next complete message, or null when more bytes are needed. Throws ProtocolError on
   * malformed input; after that the decoder is unusable (the stream has lost its framing).
   */
  next(): FrontendMessage | null {
    if (this.failure !== null) throw this.failure;
    try {
      const message = this.startupPhase ? this.nextStartup() : this.nextTyped();
      if (this.start === this.end) this.release();
      return message;
    } catch (error) {
      if (error instanceof ProtocolError) this.failure = error;
      throw error;
    }
  }

  private nextStartup(): FrontendMessage | null {
    const available = this.end - this.start;
    if (available < 4) return null;
    const length = readI32(this.buf, this.start);
    if (length < 8 || length > startupPacketBytesMax) throw new ProtocolError("invalid length of startup packet");
    if (available < length) {
      this.reserve(length);
      return null;
    }
    const message = decodeStartupPacket(this.buf, this.start + 4, this.start + length);
    this.start += length;
    if (message.type === "startup") this.startupPhase = false;
    return message;
  }

  private nextTyped(): TypedMessage | null {
    const available = this.end - this.start;
    if (available < 1) return null;
    const type = this.buf[this.start]!;
    // Check the type before trusting the length: garbage is "invalid type", not a huge allocation.
    const limit = this.lengthLimit(type);
    if (available < 5) return null;
    const length = readI32(this.buf, this.start + 1);
    if (length < 4 || length > limit) throw new ProtocolError("invalid message length");
    const total = 1 + length;
    if (available < total) {
      this.reserve(total);
      return null;
    }
    const bodyStart = this.start + 5;
    const bodyEnd = this.start + total;
    const message = decodeTypedBody(type, this.buf, bodyStart, bodyEnd);
    this.start += total;
    return message;
  }

  private lengthLimit(type: number): number {
    switch (type) {
      case 0x51 /* Q Query */:
      case 0x50 /* P Parse */:
      case 0x42 /* B Bind */:
      case 0x46 /* F FunctionCall */:
      case 0x64 /* d CopyData */:
        return this.maxMessageBytes;
      case 0x70 /* p password / SASL */:
        return Math.min(authMessageBytesMax, this.maxMessageBytes);
      case 0x43 /* C Close */:
      case 0x44 /* D Describe */:
      case 0x45 /* E Execute */:
      case 0x48 /* H Flush */:
      case 0x53 /* S Sync */:
      case 0x58 /* X Terminate */:
      case 0x63 /* c CopyDone */:
      case 0x66 /* f CopyFail */:
        return Math.min(smallMessageBytesMax, this.maxMessageBytes);
      default:
        throw new ProtocolError(`invalid frontend message type ${type}`);
    }
  }

  /** Make sure a message of `total` bytes starting at `start` fits without further copying. */
  private reserve(total: number): void {
    if (this.owned && this.buf.length - this.start >= total) return;
    this.regrow(total);
  }

  /** Move the pending bytes to the front of an owned buffer of at least `capacity` bytes. */
  private regrow(capacity: number): void {
    const pending = this.end - this.start;
    if (capacity < pending) throw new Error("FrontendDecoder: capacity below pending bytes");
    let next: Uint8Array;
    if (this.owned && this.buf.length >= capacity) {
      next = this.buf;
      next.copyWithin(0, this.start, this.end);
    } else {
      // Grow geometrically while receiving a stream of small messages; exactly for one large one.
      next = new Uint8Array(Math.max(capacity, Math.min(2 * pending, 64 * 1024), 4096));
      next.set(this.buf.subarray(this.start, this.end), 0);
    }
    this.buf = next;
    this.owned = true;
    this.start = 0;
    this.end = pending;
  }

  /** Everything was consumed: drop the buffer (the next chunk is adopted without copying). */
  private release(): void {
    this.start = 0;
    this.end = 0;
    this.buf = emptyBuffer;
    this.owned = false;
  }
}

function readI32(buf: Uint8Array, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
}

/** Decode a startup packet body (after its length word). */
export function decodeStartupPacket(buf: Uint8Array, start: number, end: number): FrontendMessage {
  const reader = new MessageReader(buf, start, end);
  const code = reader.i32();
  if (code === cancelRequestCode) {
    const secretBytes = reader.remaining - 4;
    if (secretBytes < 4 || secretBytes > cancelSecretBytesMax) throw new ProtocolError("invalid length of startup packet");
    const processId = reader.i32();
    return { type: "cancelRequest", processId, secretKey: reader.rest() };
  }
  if (code === sslRequestCode || code === gssEncRequestCode) {
    reader.end(); // exactly 8 bytes
    return code === sslRequestCode ? { type: "sslRequest" } : { type: "gssEncRequest" };
  }
  const parameters = new Map<string, string>();
  // Only protocol 3 has this layout; other versions are rejected by the caller from the version alone.
  if (code >>> 16 === 3) readStartupParameters(buf, start + 4, end, parameters);
  const message: StartupMessage = { type: "startup", protocolVersion: code >>> 0, parameters };
  return message;
}

/** Name/value String pairs ending with a single NUL that must be the packet's last byte. */
function readStartupParameters(buf: Uint8Array, start: number, end: number, into: Map<string, string>): void {
  const layoutError = () => new ProtocolError("invalid startup packet layout: expected terminator as last byte");
  let pos = start;
  for (;;) {
    if (pos >= end) throw layoutError();
    if (buf[pos] === 0) {
      if (pos !== end - 1) throw layoutError();
      return;
    }
    const nameEnd = buf.indexOf(0, pos);
    if (nameEnd === -1 || nameEnd >= end - 1) throw layoutError();
    const valueEnd = buf.indexOf(0, nameEnd + 1);
    if (valueEnd === -1 || valueEnd >= end) throw layoutError();
    into.set(decodeUtf8(buf, pos, nameEnd), decodeUtf8(buf, nameEnd + 1, valueEnd));
    pos = valueEnd + 1;
  }
}

/** The reader of typed message bodies: decoding is synchronous, so one serves every message. */
const typedReader = new MessageReader(emptyBuffer, 0, 0);
/** A Bind or Parse without format codes or parameter types (the usual case) shares this. */
const noCodes: readonly number[] = Object.freeze([]);

/** Decode the body of a typed message whose type byte has already been validated. */
export function decodeTypedBody(type: number, buf: Uint8Array, start: number, end: number): TypedMessage {
  const r = typedReader.reset(buf, start, end);
  switch (type) {
    case 0x51: {
      const sql = r.cstring();
      r.end();
      return { type: "query", sql };
    }
    case 0x50: {
      const statement = r.cstring();
      const sql = r.cstring();
      const count = r.u16();
      const paramTypes: number[] = new Array<number>(count);
      for (let i = 0; i < count; i++) paramTypes[i] = r.u32();
      r.end();
      return { type: "parse", statement, sql, paramTypes };
    }
    case 0x42: {
      const portal = r.cstring();
      const statement = r.cstring();
      const formatCount = r.u16();
      const paramFormats = formatCount === 0 ? noCodes : new Array<number>(formatCount);
      for (let i = 0; i < formatCount; i++) (paramFormats as number[])[i] = r.i16();
      const paramCount = r.u16();
      if (formatCount > 1 && formatCount !== paramCount) {
        throw new ProtocolError(`bind message has ${formatCount} parameter formats but ${paramCount} parameters`);
      }
      const params: (Uint8Array | null)[] = new Array<Uint8Array | null>(paramCount);
      for (let i = 0; i < paramCount; i++) {
        const length = r.i32();
        if (length === -1) params[i] = null;
        else if (length < 0) throw new ProtocolError(`invalid length ${length} of bind parameter ${i + 1}`);
        else params[i] = r.bytes(length);
      }
      const resultCount = r.u16();
      const resultFormats = resultCount === 0 ? noCodes : new Array<number>(resultCount);
      for (let i = 0; i < resultCount; i++) (resultFormats as number[])[i] = r.i16();
      r.end();
      return { type: "bind", portal, statement, paramFormats, params, resultFormats };
    }
    case 0x44:
    case 0x43: {
      const what = type === 0x44 ? "DESCRIBE" : "CLOSE";
      const kind = r.u8();
      if (kind !== 0x53 && kind !== 0x50) throw new ProtocolError(`invalid ${what} message subtype ${kind}`);
      const name = r.cstring();
      r.end();
      return { type: type === 0x44 ? "describe" : "close", kind: kind === 0x53 ? "S" : "P", name };
    }
    case 0x45: {
      const portal = r.cstring();
      const maxRows = r.i32();
      r.end();
      return { type: "execute", portal, maxRows: maxRows > 0 ? maxRows : 0 };
    }
    case 0x53:
      r.end();
      return { type: "sync" };
    case 0x48:
      r.end();
      return { type: "flush" };
    case 0x58:
      r.end();
      return { type: "terminate" };
    case 0x64:
      return { type: "copyData", data: r.rest() };
    case 0x63:
      r.end();
      return { type: "copyDone" };
    case 0x66: {
      const message = r.cstring();
      r.end();
      return { type: "copyFail", message };
    }
    case 0x70: {
      const message: AuthenticationResponse = { type: "authenticationResponse", data: r.rest() };
      return message;
    }
    case 0x46:
      return { type: "functionCall" };
    default:
      throw new ProtocolError(`invalid frontend message type ${type}`);
  }
}

/** The body of a PasswordMessage: one String. */
export function decodePasswordMessage(data: Uint8Array): string {
  const r = new MessageReader(data, 0, data.length);
  const password = r.cstring();
  if (r.remaining !== 0) throw new ProtocolError("invalid password packet size");
  return password;
}

/** The body of a SASLInitialResponse: mechanism String, Int32 length (-1: none), bytes. */
export function decodeSaslInitialResponse(data: Uint8Array): SaslInitialResponse {
  const r = new MessageReader(data, 0, data.length);
  const mechanism = r.cstring();
  const length = r.i32();
  let initial: Uint8Array | null = null;
  if (length !== -1) {
    if (length < 0) throw new ProtocolError("invalid SASL initial response length");
    initial = r.bytes(length);
  }
  r.end();
  return { mechanism, data: initial };
}

/** The body of a SASLResponse: the mechanism's bytes, unframed. */
export function decodeSaslResponse(data: Uint8Array): Uint8Array {
  return data;
}
