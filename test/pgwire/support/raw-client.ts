// A byte-level client for tests: sends whatever bytes a test builds (valid or not) and reads
// the server's messages back, decoded just enough to assert on.

import type { Socket } from "bun";

export interface BackendMessage {
  /** Type byte as a character ("R", "Z", "E", ...). */
  readonly type: string;
  readonly body: Uint8Array;
}

const textDecoder = new TextDecoder();

/** Splits server bytes into messages. */
export class BackendStream {
  private buf = new Uint8Array(0);

  push(chunk: Uint8Array): void {
    const next = new Uint8Array(this.buf.length + chunk.length);
    next.set(this.buf, 0);
    next.set(chunk, this.buf.length);
    this.buf = next;
  }

  /** One raw byte (SSLRequest / GSSENCRequest answer), or null. */
  byte(): number | null {
    if (this.buf.length === 0) return null;
    const b = this.buf[0]!;
    this.buf = this.buf.subarray(1);
    return b;
  }

  next(): BackendMessage | null {
    if (this.buf.length < 5) return null;
    const length = new DataView(this.buf.buffer, this.buf.byteOffset).getInt32(1);
    if (length < 4) throw new Error(`bad backend message length ${length}`);
    if (this.buf.length < 1 + length) return null;
    const message = { type: String.fromCharCode(this.buf[0]!), body: this.buf.slice(5, 1 + length) };
    this.buf = this.buf.subarray(1 + length);
    return message;
  }
}

/** ErrorResponse / NoticeResponse fields by their code letter. */
export function errorFields(body: Uint8Array): Record<string, string> {
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    fields[code] = textDecoder.decode(body.subarray(i + 1, end));
    i = end + 1;
  }
  return fields;
}

/** DataRow cells as bytes (null for NULL), copied out of the message. */
export function dataRowBytes(body: Uint8Array): (Uint8Array | null)[] {
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const count = view.getInt16(0);
  const cells: (Uint8Array | null)[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = view.getInt32(at);
    at += 4;
    if (length === -1) cells.push(null);
    else {
      cells.push(body.slice(at, at + length));
      at += length;
    }
  }
  return cells;
}

/** DataRow cells as text (null for NULL). */
export function dataRowCells(body: Uint8Array): (string | null)[] {
  return dataRowBytes(body).map((cell) => (cell === null ? null : textDecoder.decode(cell)));
}

/** RowDescription fields: name, type OID and format of each column. */
export function rowDescriptionFields(body: Uint8Array): { name: string; typeOid: number; format: number }[] {
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const count = view.getInt16(0);
  const fields: { name: string; typeOid: number; format: number }[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    const name = textDecoder.decode(body.subarray(at, end));
    at = end + 1;
    const typeOid = view.getInt32(at + 6);
    const format = view.getInt16(at + 16);
    fields.push({ name, typeOid, format });
    at += 18;
  }
  return fields;
}

export function text(body: Uint8Array): string {
  return textDecoder.decode(body);
}

export class RawClient {
  private readonly stream = new BackendStream();
  private waiter: (() => void) | null = null;
  private ended = false;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  private constructor(private socket: Socket<undefined> | null) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  static async connect(target: { port: number; host?: string } | { unix: string }): Promise<RawClient> {
    const client = new RawClient(null);
    const handlers = {
      binaryType: "uint8array" as const,
      data(_socket: Socket<undefined>, chunk: Uint8Array) {
        client.stream.push(chunk);
        client.wake();
      },
      close() {
        client.ended = true;
        client.resolveClosed();
        client.wake();
      },
      error() {
        client.ended = true;
        client.resolveClosed();
        client.wake();
      },
    };
    client.socket =
      "unix" in target
        ? await Bun.connect({ unix: target.unix, socket: handlers })
        : await Bun.connect({ hostname: target.host ?? "127.0.0.1", port: target.port, socket: handlers });
    return client;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  send(bytes: Uint8Array): void {
    if (this.socket === null) throw new Error("not connected");
    let offset = 0;
    // Tests send small amounts; loop in case the kernel takes them in pieces.
    while (offset < bytes.length) {
      const n = this.socket.write(bytes.subarray(offset));
      if (n <= 0) break;
      offset += n;
    }
  }

  /** The next message; throws if the server closes first or nothing arrives in time. */
  async read(timeoutMs = 5000): Promise<BackendMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.stream.next();
      if (message !== null) return message;
      if (this.ended) throw new Error("connection closed by server");
      await this.wait(deadline);
    }
  }

  /** The next message, or null if the server closed the connection. */
  async readOrEnd(timeoutMs = 5000): Promise<BackendMessage | null> {
    try {
      return await this.read(timeoutMs);
    } catch (error) {
      if (this.ended) return null;
      throw error;
    }
  }

  async readByte(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const b = this.stream.byte();
      if (b !== null) return b;
      if (this.ended) throw new Error("connection closed by server");
      await this.wait(deadline);
    }
  }

  /** Messages up to and including the first of type `type`. */
  async readUntil(type: string, timeoutMs = 5000): Promise<BackendMessage[]> {
    const out: BackendMessage[] = [];
    for (;;) {
      const message = await this.read(timeoutMs);
      out.push(message);
      if (message.type === type) return out;
    }
  }

  end(): void {
    this.socket?.end();
  }

  /** Stop reading from the socket (a slow client): the server's writes back up. */
  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private async wait(deadline: number): Promise<void> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error("timed out waiting for the server");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, remaining);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
