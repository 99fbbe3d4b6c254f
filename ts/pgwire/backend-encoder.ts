// Encoder of backend (server → client) messages of protocol 3.0. Messages are appended to one
// reusable WriteBuffer; take() hands the accumulated bytes to the socket writer. Pure: no I/O.

import type { Cell, ErrorFields, Field, TransactionStatus } from "./backend.ts";
import { WriteBuffer } from "./write-buffer.ts";

/** Authentication request codes ('R' messages). */
export const AuthCode = {
  ok: 0,
  cleartextPassword: 3,
  md5Password: 5,
  sasl: 10,
  saslContinue: 11,
  saslFinal: 12,
} as const;

const encoder = new TextEncoder();

export class BackendEncoder {
  private readonly w: WriteBuffer;
  /** The last CommandComplete encoded: its tag and the whole message. */
  private lastTag: string | null = null;
  private lastTagMessage: Uint8Array = new Uint8Array(0);

  constructor(buffer: WriteBuffer = new WriteBuffer()) {
    this.w = buffer;
  }

  /** Bytes encoded and not yet taken. */
  get length(): number {
    return this.w.length;
  }

  /** The encoded bytes, and reset. The view is valid only until the next encode call. */
  take(): Uint8Array {
    return this.w.take();
  }

  authenticationOk(): void {
    this.auth(AuthCode.ok);
  }

  authenticationCleartextPassword(): void {
    this.auth(AuthCode.cleartextPassword);
  }

  authenticationMd5Password(salt: Uint8Array): void {
    if (salt.length !== 4) throw new RangeError("MD5 salt must be 4 bytes");
    const w = this.w;
    w.begin(0x52);
    w.i32(AuthCode.md5Password);
    w.bytes(salt);
    w.end();
  }

  /** AuthenticationSASL: the mechanisms offered, in order of preference. */
  authenticationSasl(mechanisms: readonly string[]): void {
    if (mechanisms.length === 0) throw new RangeError("at least one SASL mechanism is required");
    const w = this.w;
    w.begin(0x52);
    w.i32(AuthCode.sasl);
    for (const m of mechanisms) {
      if (m.length === 0) throw new RangeError("empty SASL mechanism name");
      cstring(w, m);
    }
    w.u8(0);
    w.end();
  }

  authenticationSaslContinue(data: Uint8Array | string): void {
    this.authData(AuthCode.saslContinue, data);
  }

  authenticationSaslFinal(data: Uint8Array | string): void {
    this.authData(AuthCode.saslFinal, data);
  }

  parameterStatus(name: string, value: string): void {
    const w = this.w;
    w.begin(0x53);
    cstring(w, name);
    cstring(w, value);
    w.end();
  }

  /** BackendKeyData: the (process id, secret key) pair a CancelRequest must present. */
  backendKeyData(processId: number, secretKey: Uint8Array): void {
    if (secretKey.length < 4 || secretKey.length > 256) throw new RangeError("secret key must be 4..256 bytes");
    const w = this.w;
    w.begin(0x4b);
    w.i32(processId);
    w.bytes(secretKey);
    w.end();
  }

  /** NegotiateProtocolVersion: the newest version supported (major << 16 | minor) and the options not recognised. */
  negotiateProtocolVersion(version: number, unrecognizedOptions: readonly string[]): void {
    const w = this.w;
    w.begin(0x76);
    w.i32(version);
    w.i32(unrecognizedOptions.length);
    for (const option of unrecognizedOptions) cstring(w, option);
    w.end();
  }

  readyForQuery(status: TransactionStatus): void {
    const w = this.w;
    w.begin(0x5a);
    w.u8(status.charCodeAt(0));
    w.end();
  }

  rowDescription(fields: readonly Field[]): void {
    if (fields.length > 0xffff) throw new RangeError("too many columns for RowDescription");
    const w = this.w;
    w.begin(0x54);
    w.i16(fields.length);
    for (const f of fields) {
      cstring(w, f.name);
      w.i32(f.tableOid ?? 0);
      w.i16(f.columnNumber ?? 0);
      w.i32(f.typeOid);
      w.i16(f.typeSize);
      w.i32(f.typeModifier ?? -1);
      w.i16(f.format ?? 0);
    }
    w.end();
  }

  parameterDescription(typeOids: readonly number[]): void {
    if (typeOids.length > 0xffff) throw new RangeError("too many parameters for ParameterDescription");
    const w = this.w;
    w.begin(0x74);
    w.i16(typeOids.length);
    for (const oid of typeOids) w.i32(oid);
    w.end();
  }

  noData(): void {
    this.empty(0x6e);
  }

  /** DataRow, the hot path: cells go straight into the reused buffer. */
  dataRow(cells: readonly Cell[]): void {
    const count = cells.length;
    if (count > 0xffff) throw new RangeError("too many columns for DataRow");
    const w = this.w;
    w.begin(0x44);
    w.i16(count);
    try {
      for (let i = 0; i < count; i++) {
        const cell = cells[i];
        if (cell === null) {
          w.i32(-1);
        } else if (typeof cell === "string") {
          const at = w.reserveI32();
          w.patchI32(at, w.text(cell));
        } else if (cell instanceof Uint8Array) {
          w.i32(cell.length);
          w.bytes(cell);
        } else {
          throw new TypeError(`DataRow cell ${i} is ${typeof cell}; expected string, Uint8Array or null`);
        }
      }
    } catch (error) {
      w.abort();
      throw error;
    }
    w.end();
  }

  commandComplete(tag: string): void {
    const w = this.w;
    if (tag === this.lastTag) {
      w.bytes(this.lastTagMessage);
      return;
    }
    const start = w.offset;
    w.begin(0x43);
    cstring(w, tag);
    w.end();
    // Statements mostly repeat the previous tag ("SELECT 1"): keep the whole message.
    this.lastTag = tag;
    this.lastTagMessage = w.copy(start);
  }

  emptyQueryResponse(): void {
    this.empty(0x49);
  }

  errorResponse(error: ErrorFields): void {
    this.errorOrNotice(0x45, error);
  }

  noticeResponse(notice: ErrorFields): void {
    this.errorOrNotice(0x4e, notice);
  }

  /** NotificationResponse (LISTEN/NOTIFY). */
  notificationResponse(processId: number, channel: string, payload: string): void {
    const w = this.w;
    w.begin(0x41);
    w.i32(processId);
    cstring(w, channel);
    cstring(w, payload);
    w.end();
  }

  parseComplete(): void {
    this.empty(0x31);
  }

  bindComplete(): void {
    this.empty(0x32);
  }

  closeComplete(): void {
    this.empty(0x33);
  }

  portalSuspended(): void {
    this.empty(0x73);
  }

  copyInResponse(format: 0 | 1, columnFormats: readonly number[]): void {
    this.copyResponse(0x47, format, columnFormats);
  }

  copyOutResponse(format: 0 | 1, columnFormats: readonly number[]): void {
    this.copyResponse(0x48, format, columnFormats);
  }

  copyBothResponse(format: 0 | 1, columnFormats: readonly number[]): void {
    this.copyResponse(0x57, format, columnFormats);
  }

  copyData(data: Uint8Array | string): void {
    const w = this.w;
    w.begin(0x64);
    if (typeof data === "string") w.text(data);
    else w.bytes(data);
    w.end();
  }

  copyDone(): void {
    this.empty(0x63);
  }

  private auth(code: number): void {
    const w = this.w;
    w.begin(0x52);
    w.i32(code);
    w.end();
  }

  private authData(code: number, data: Uint8Array | string): void {
    const w = this.w;
    w.begin(0x52);
    w.i32(code);
    w.bytes(typeof data === "string" ? encoder.encode(data) : data);
    w.end();
  }

  private empty(type: number): void {
    const w = this.w;
    w.begin(type);
    w.end();
  }

  private copyResponse(type: number, format: 0 | 1, columnFormats: readonly number[]): void {
    if (columnFormats.length > 0xffff) throw new RangeError("too many columns for a COPY response");
    const w = this.w;
    w.begin(type);
    w.u8(format);
    w.i16(columnFormats.length);
    for (const f of columnFormats) w.i16(f);
    w.end();
  }

  private errorOrNotice(type: number, e: ErrorFields): void {
    const w = this.w;
    w.begin(type);
    field(w, 0x53 /* S */, e.severity);
    field(w, 0x56 /* V */, e.severity);
    field(w, 0x43 /* C */, e.code);
    field(w, 0x4d /* M */, e.message);
    if (e.detail !== undefined) field(w, 0x44 /* D */, e.detail);
    if (e.hint !== undefined) field(w, 0x48 /* H */, e.hint);
    if (e.position !== undefined) field(w, 0x50 /* P */, String(e.position));
    if (e.internalPosition !== undefined) field(w, 0x70 /* p */, String(e.internalPosition));
    if (e.internalQuery !== undefined) field(w, 0x71 /* q */, e.internalQuery);
    if (e.where !== undefined) field(w, 0x57 /* W */, e.where);
    if (e.schema !== undefined) field(w, 0x73 /* s */, e.schema);
    if (e.table !== undefined) field(w, 0x74 /* t */, e.table);
    if (e.column !== undefined) field(w, 0x63 /* c */, e.column);
    if (e.dataType !== undefined) field(w, 0x64 /* d */, e.dataType);
    if (e.constraint !== undefined) field(w, 0x6e /* n */, e.constraint);
    if (e.routine !== undefined) field(w, 0x52 /* R */, e.routine);
    w.u8(0);
    w.end();
  }
}

function field(w: WriteBuffer, code: number, value: string): void {
  w.u8(code);
  cstring(w, value);
}

/** A protocol String. A NUL inside would end the string early and desynchronise the client, so it is dropped. */
function cstring(w: WriteBuffer, s: string): void {
  w.cstring(s.indexOf("\0") === -1 ? s : s.replaceAll("\0", ""));
}
