// Encoder of frontend messages, for tests: what a client sends, byte for byte.

const utf8 = new TextEncoder();

export class Frontend {
  private parts: number[] = [];
  private readonly chunks: Uint8Array[] = [];

  static bytes(build: (f: Frontend) => void): Uint8Array {
    const f = new Frontend();
    build(f);
    return f.take();
  }

  take(): Uint8Array {
    this.seal();
    const out = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  startup(parameters: Record<string, string>, version = 3 << 16): this {
    const body: number[] = [];
    pushI32(body, version);
    for (const [k, v] of Object.entries(parameters)) {
      pushCString(body, k);
      pushCString(body, v);
    }
    body.push(0);
    pushI32(this.parts, body.length + 4);
    this.parts.push(...body);
    return this;
  }

  sslRequest(): this {
    return this.untyped((1234 << 16) | 5679, []);
  }

  gssEncRequest(): this {
    return this.untyped((1234 << 16) | 5680, []);
  }

  cancelRequest(processId: number, secretKey: Uint8Array): this {
    const body: number[] = [];
    pushI32(body, processId);
    body.push(...secretKey);
    return this.untyped((1234 << 16) | 5678, body);
  }

  query(sql: string): this {
    const body: number[] = [];
    pushCString(body, sql);
    return this.typed(0x51, body);
  }

  parse(name: string, sql: string, paramTypes: readonly number[] = []): this {
    const body: number[] = [];
    pushCString(body, name);
    pushCString(body, sql);
    pushI16(body, paramTypes.length);
    for (const t of paramTypes) pushI32(body, t);
    return this.typed(0x50, body);
  }

  bind(
    portal: string,
    statement: string,
    params: readonly (Uint8Array | string | null)[] = [],
    paramFormats: readonly number[] = [],
    resultFormats: readonly number[] = [],
  ): this {
    const body: number[] = [];
    pushCString(body, portal);
    pushCString(body, statement);
    pushI16(body, paramFormats.length);
    for (const f of paramFormats) pushI16(body, f);
    pushI16(body, params.length);
    for (const p of params) {
      if (p === null) pushI32(body, -1);
      else {
        const bytes = typeof p === "string" ? utf8.encode(p) : p;
        pushI32(body, bytes.length);
        body.push(...bytes);
      }
    }
    pushI16(body, resultFormats.length);
    for (const f of resultFormats) pushI16(body, f);
    return this.typed(0x42, body);
  }

  describe(kind: "S" | "P", name: string): this {
    const body: number[] = [kind.charCodeAt(0)];
    pushCString(body, name);
    return this.typed(0x44, body);
  }

  execute(portal: string, maxRows = 0): this {
    const body: number[] = [];
    pushCString(body, portal);
    pushI32(body, maxRows);
    return this.typed(0x45, body);
  }

  close(kind: "S" | "P", name: string): this {
    const body: number[] = [kind.charCodeAt(0)];
    pushCString(body, name);
    return this.typed(0x43, body);
  }

  sync(): this {
    return this.typed(0x53, []);
  }

  flush(): this {
    return this.typed(0x48, []);
  }

  terminate(): this {
    return this.typed(0x58, []);
  }

  copyData(data: Uint8Array | string): this {
    const bytes = typeof data === "string" ? utf8.encode(data) : data;
    this.parts.push(0x64);
    pushI32(this.parts, bytes.length + 4);
    this.seal();
    this.chunks.push(bytes.slice());
    return this;
  }

  copyDone(): this {
    return this.typed(0x63, []);
  }

  copyFail(message: string): this {
    const body: number[] = [];
    pushCString(body, message);
    return this.typed(0x66, body);
  }

  password(password: string): this {
    const body: number[] = [];
    pushCString(body, password);
    return this.typed(0x70, body);
  }

  saslInitialResponse(mechanism: string, data: string | null): this {
    const body: number[] = [];
    pushCString(body, mechanism);
    if (data === null) pushI32(body, -1);
    else {
      const bytes = utf8.encode(data);
      pushI32(body, bytes.length);
      body.push(...bytes);
    }
    return this.typed(0x70, body);
  }

  saslResponse(data: string): this {
    return this.typed(0x70, [...utf8.encode(data)]);
  }

  functionCall(oid: number): this {
    const body: number[] = [];
    pushI32(body, oid);
    pushI16(body, 0);
    pushI16(body, 0);
    pushI16(body, 0);
    return this.typed(0x46, body);
  }

  /** Any typed message with a raw body (for malformed input). */
  typed(type: number, body: readonly number[]): this {
    this.parts.push(type);
    pushI32(this.parts, body.length + 4);
    this.parts.push(...body);
    return this;
  }

  /** Raw bytes, unframed. */
  raw(bytes: readonly number[] | Uint8Array): this {
    this.seal();
    this.chunks.push(Uint8Array.from(bytes));
    return this;
  }

  private seal(): void {
    if (this.parts.length === 0) return;
    this.chunks.push(Uint8Array.from(this.parts));
    this.parts = [];
  }

  private untyped(code: number, rest: readonly number[]): this {
    pushI32(this.parts, 8 + rest.length);
    pushI32(this.parts, code);
    this.parts.push(...rest);
    return this;
  }
}

function pushI32(out: number[], v: number): void {
  out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function pushI16(out: number[], v: number): void {
  out.push((v >>> 8) & 0xff, v & 0xff);
}

function pushCString(out: number[], s: string): void {
  out.push(...utf8.encode(s), 0);
}
