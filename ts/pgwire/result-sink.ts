// The sink a Session reports results through. It encodes straight into the connection's
// output, checks that the backend emits messages in an order clients can follow (no DataRow
// before RowDescription in a simple query, nothing after completion in Execute), and carries
// COPY's sub-protocols. Misuse throws before anything is encoded, so the wire stays valid.

import { SqlError, SqlState } from "../sql/errors.ts";
import type {
  Cell,
  CopyInStream,
  CopyOptions,
  CopyOutWriter,
  ErrorFields,
  Field,
  FormatCode,
  QuerySink,
} from "./backend.ts";
import type { BackendEncoder } from "./backend-encoder.ts";
import type { FrontendMessage } from "./frontend-messages.ts";
import { connectionLost } from "./socket-output.ts";

/** What the sink needs from its connection. */
export interface SinkHost {
  readonly encoder: BackendEncoder;
  /** False once the connection is ending: producing more is pointless. */
  readonly open: boolean;
  /** Output waiting on the client (encoded but unsent, plus unaccepted by the socket). */
  readonly pendingOutputBytes: number;
  readonly outputHighWaterBytes: number;
  /** Called after each message encoded: the connection decides when to write. */
  wrote(): void;
  /** Write everything encoded now. */
  flush(): void;
  drained(): Promise<void>;
  /** The next frontend message (for COPY FROM STDIN), or null when the connection ended. */
  nextMessage(): Promise<FrontendMessage | null>;
  /** A ParameterStatus to send before the next ReadyForQuery (if the value changed). */
  reportParameter(name: string, value: string): void;
  /** The client broke the COPY sub-protocol: the connection ends after the error is sent. */
  syncLost(): void;
}

type Mode = "idle" | "simple" | "execute";

export class ConnectionSink implements QuerySink {
  private mode: Mode = "idle";
  /** Simple query: a RowDescription was sent and its CommandComplete not yet. */
  private rowsOpen = false;
  /** Execute: the portal's CommandComplete (or EmptyQueryResponse) was sent. */
  private completedFlag = false;
  /** A COPY sub-protocol is running (copy-in until CopyDone/CopyFail, copy-out until end()). */
  private copying: "none" | "in" | "out" = "none";
  /** Bumped per call so a stale COPY iterator or writer from an earlier call is refused. */
  private generation = 0;

  constructor(private readonly host: SinkHost) {}

  /** Start of a Session call that reports through this sink. */
  begin(mode: "simple" | "execute"): void {
    if (this.mode !== "idle") throw new Error("ConnectionSink: call already in progress");
    this.mode = mode;
    this.rowsOpen = false;
    this.completedFlag = false;
    this.copying = "none";
    this.generation++;
  }

  /** End of the call. Returns a description of an unfinished result, or null if all is well. */
  end(): string | null {
    const mode = this.mode;
    this.mode = "idle";
    this.generation++;
    const copying = this.copying;
    this.copying = "none";
    if (copying === "out") return "COPY TO STDOUT was not ended";
    if (mode === "simple" && this.rowsOpen) return "rows were sent without CommandComplete";
    return null;
  }

  /** Execute: whether the portal reported completion. */
  get completed(): boolean {
    return this.completedFlag;
  }

  get congested(): boolean {
    return this.host.pendingOutputBytes >= this.host.outputHighWaterBytes;
  }

  drained(): Promise<void> {
    if (!this.host.open) return Promise.reject(connectionLost());
    return this.host.drained();
  }

  rowDescription(fields: readonly Field[]): void {
    this.check("RowDescription");
    if (this.mode !== "simple") throw misuse("rowDescription is only sent in a simple query");
    if (this.rowsOpen) throw misuse("rowDescription sent twice for one statement");
    this.host.encoder.rowDescription(fields);
    this.rowsOpen = true;
    this.host.wrote();
  }

  dataRow(cells: readonly Cell[]): void {
    this.check("DataRow");
    if (this.mode === "simple" ? !this.rowsOpen : this.completedFlag) {
      throw misuse(this.mode === "simple" ? "dataRow before rowDescription" : "dataRow after commandComplete");
    }
    this.host.encoder.dataRow(cells);
    this.host.wrote();
  }

  commandComplete(tag: string): void {
    this.check("CommandComplete");
    if (this.mode === "execute" && this.completedFlag) throw misuse("commandComplete sent twice");
    this.host.encoder.commandComplete(tag);
    this.rowsOpen = false;
    this.completedFlag = true;
    this.host.wrote();
  }

  emptyQuery(): void {
    this.check("EmptyQueryResponse");
    if (this.insideResult()) throw misuse("emptyQuery inside a result");
    this.host.encoder.emptyQueryResponse();
    this.completedFlag = true;
    this.host.wrote();
  }

  notice(notice: ErrorFields): void {
    if (this.mode === "idle") throw misuse("notice outside a call");
    if (!this.host.open) return; // nobody to tell
    this.host.encoder.noticeResponse(notice);
    this.host.wrote();
  }

  parameterStatus(name: string, value: string): void {
    if (this.mode === "idle") throw misuse("parameterStatus outside a call");
    // Sent with ReadyForQuery, only if changed, as PostgreSQL (14+) reports GUC changes.
    this.host.reportParameter(name, value);
  }

  copyIn(options: CopyOptions): CopyInStream {
    this.check("CopyInResponse");
    if (this.insideResult()) throw misuse("copyIn inside a result");
    checkCopyOptions(options);
    this.host.encoder.copyInResponse(options.format, options.columnFormats);
    this.host.flush(); // the client sends nothing until it sees CopyInResponse
    this.copying = "in";
    return this.copyInStream(this.generation);
  }

  copyOut(options: CopyOptions): CopyOutWriter {
    this.check("CopyOutResponse");
    if (this.insideResult()) throw misuse("copyOut inside a result");
    checkCopyOptions(options);
    this.host.encoder.copyOutResponse(options.format, options.columnFormats);
    this.host.wrote();
    this.copying = "out";
    const generation = this.generation;
    const live = (what: string) => {
      if (generation !== this.generation || this.copying !== "out") throw misuse(`${what} after COPY TO STDOUT ended`);
      if (!this.host.open) throw connectionLost();
    };
    return {
      write: (chunk: Uint8Array | string) => {
        live("write");
        this.host.encoder.copyData(chunk);
        this.host.wrote();
      },
      end: () => {
        live("end");
        this.host.encoder.copyDone();
        this.copying = "none";
        this.host.wrote();
      },
    };
  }

  private copyInStream(generation: number): CopyInStream {
    const sink = this;
    let finished = false;
    const finish = () => {
      finished = true;
      if (sink.generation === generation) sink.copying = "none";
    };
    return {
      [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
        return {
          async next(): Promise<IteratorResult<Uint8Array>> {
            if (finished) return { done: true, value: undefined };
            if (sink.generation !== generation) throw misuse("COPY FROM STDIN stream used after its call ended");
            for (;;) {
              const message = await sink.host.nextMessage();
              if (message === null) {
                finish();
                throw connectionLost();
              }
              switch (message.type) {
                case "copyData":
                  return { done: false, value: message.data };
                case "copyDone":
                  finish();
                  return { done: true, value: undefined };
                case "copyFail":
                  finish();
                  throw new SqlError(SqlState.queryCanceled, `COPY from stdin failed: ${message.message}`);
                case "flush":
                case "sync":
                  // Ignored during copy-in, as PostgreSQL does: client libraries may send them
                  // without noticing the command was COPY.
                  continue;
                case "terminate":
                  finish();
                  throw connectionLost();
                default:
                  finish();
                  // PostgreSQL ends the connection after this error: the client is in a state
                  // neither side can recover from.
                  sink.host.syncLost();
                  throw new SqlError(
                    SqlState.protocolViolation,
                    `unexpected message type 0x${messageTypeByte(message).toString(16).toUpperCase()} during COPY from stdin`,
                  );
              }
            }
          },
          async return(): Promise<IteratorResult<Uint8Array>> {
            if (!finished) finish();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  /** A statement's result has begun (simple query) or the portal has completed (Execute). */
  private insideResult(): boolean {
    return this.rowsOpen || (this.mode === "execute" && this.completedFlag);
  }

  private check(what: string): void {
    if (this.mode === "idle") throw misuse(`${what} outside a call`);
    if (this.copying !== "none") throw misuse(`${what} during COPY`);
    if (!this.host.open) throw connectionLost();
  }
}

function checkCopyOptions(options: CopyOptions): void {
  const ok = (f: FormatCode) => f === 0 || f === 1;
  if (!ok(options.format) || !options.columnFormats.every(ok)) throw misuse("COPY format codes must be 0 or 1");
}

/** The backend used the sink out of order: an internal error, raised before anything was encoded. */
function misuse(what: string): SqlError {
  return new SqlError(SqlState.internalError, `internal error: ${what}`);
}

/** The protocol type byte of a typed frontend message (for error messages). */
export function messageTypeByte(message: FrontendMessage): number {
  switch (message.type) {
    case "query":
      return 0x51;
    case "parse":
      return 0x50;
    case "bind":
      return 0x42;
    case "describe":
      return 0x44;
    case "execute":
      return 0x45;
    case "close":
      return 0x43;
    case "sync":
      return 0x53;
    case "flush":
      return 0x48;
    case "terminate":
      return 0x58;
    case "copyData":
      return 0x64;
    case "copyDone":
      return 0x63;
    case "copyFail":
      return 0x66;
    case "authenticationResponse":
      return 0x70;
    case "functionCall":
      return 0x46;
    default:
      return 0;
  }
}
