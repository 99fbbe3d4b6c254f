// One client connection: the protocol state machine between the transport (bytes) and the
// Session (statements).
//
//   startup ──SSLRequest/GSSENCRequest──▶ startup (over TLS after 'S')
//      │ StartupMessage                   CancelRequest ──▶ closed (no reply)
//      ▼
//   authenticating (trust, or SCRAM-SHA-256 exchange)
//      │ AuthenticationOk, ParameterStatus*, BackendKeyData
//      ▼
//   ready ◀──ReadyForQuery── simple query | extended query (skip to Sync after an error)
//      │                      | copy-in / copy-out (inside a Session call)
//      ▼
//   closed  (Terminate, EOF, FATAL error, shutdown)
//
// A single loop reads one message at a time and awaits its handling, so Session calls never
// overlap. Every exception is caught here: an ERROR becomes an ErrorResponse, a FATAL or a
// protocol violation ends this connection only.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { SqlError, SqlState, toSqlError } from "../sql/errors.ts";
import type { Backend, ErrorFields, ExecuteResult, Field, FormatCode, Session } from "./backend.ts";
import { BackendEncoder } from "./backend-encoder.ts";
import { FrontendDecoder, decodeSaslInitialResponse, decodeSaslResponse } from "./frontend-decoder.ts";
import type { FrontendMessage, StartupMessage, TypedMessage } from "./frontend-messages.ts";
import { ProtocolError } from "./protocol-error.ts";
import { ConnectionSink, messageTypeByte } from "./result-sink.ts";
import type { ChannelBinding } from "./scram.ts";
import { ScramExchange } from "./scram.ts";
import { SocketOutput } from "./socket-output.ts";
import { fatal, readStartup, unsupportedProtocol } from "./startup.ts";

/** The byte stream under a connection (a Bun socket, plain or TLS). */
export interface Transport {
  /** Bytes accepted (fewer than offered under backpressure), or -1 when closed. */
  write(data: Uint8Array): number;
  /** Close after the bytes already accepted have been sent. */
  end(): void;
  /** Stop / restart delivering received data (input backpressure). */
  pause(): void;
  resume(): void;
  /** Whether SSLRequest can be answered 'S' on this transport. */
  readonly tlsAvailable: boolean;
  /** Start the TLS handshake (after 'S' was sent); later data and writes are encrypted. */
  startTls(): void;
  /** Close at once, dropping unsent data (when a graceful close does not complete). */
  destroy(): void;
  readonly remoteAddress: string;
  readonly unixSocket: boolean;
}

/** Structured logging, pino-compatible. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ConnectionSettings {
  readonly maxMessageBytes: number;
  /** Sinks report `congested` at and above this much unsent output. */
  readonly outputHighWaterBytes: number;
  /** drained() resolves at or below this. */
  readonly outputLowWaterBytes: number;
  /** A client that leaves more than this unread (while the backend ignores congestion) is disconnected. */
  readonly outputBufferBytesMax: number;
  /** Reading pauses while a message is being handled and this much input is buffered. */
  readonly inputHighWaterBytes: number;
  /** Startup and authentication must complete within this time. */
  readonly authenticationTimeoutMs: number;
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly backend: Backend;
  readonly settings: ConnectionSettings;
  readonly log: Logger;
  /** Random server secret for SCRAM mock salts. */
  readonly mockSecret: Uint8Array;
  /** tls-server-end-point data of the server certificate, when TLS is configured. */
  readonly channelBinding: ChannelBinding | null;
  /** Take a session slot; false when max connections are in use. */
  admit(connection: Connection): boolean;
  /** A CancelRequest arrived. */
  cancelRequest(processId: number, secretKey: Uint8Array): void;
  /** The connection ended (called once). */
  closed(connection: Connection): void;
}

type Phase = "startup" | "authenticating" | "ready" | "closed";

/** Output is written to the socket once this much is encoded, without waiting for the end of a tick. */
const flushThresholdBytes = 32 * 1024;
/** How long queued output may take to reach a client after a FATAL before the socket is cut. */
const closeLingerMs = 5000;

/** Ends the connection without a message (client left, Terminate during authentication). */
class QuietClose extends Error {}

export class Connection {
  readonly processId: number;
  readonly secretKey: Uint8Array = randomBytes(4);
  private readonly encoder = new BackendEncoder();
  private readonly decoder: FrontendDecoder;
  private readonly output: SocketOutput;
  private readonly sink: ConnectionSink;
  private phase: Phase = "startup";
  private session: Session | null = null;
  private sessionClosed = false;
  private admitted = false;
  private sslDone = false;
  private gssDone = false;
  private tls = false;
  /** After an error in an extended-query message: skip everything up to Sync. */
  private ignoreTillSync = false;
  /** A Session call is in progress (cancel targets it; close waits for it). */
  private inCall = false;
  private paused = false;
  private transportClosed = false;
  /** The socket reported its close. */
  private socketGone = false;
  private inputWaiter: (() => void) | null = null;
  private flushScheduled = false;
  /** The message loop is waiting for a handler's promise: output is flushed on a timer. */
  private awaiting = false;
  private authTimer: ReturnType<typeof setTimeout> | null = null;
  private hostNotified = false;
  /** Parameter values the client has been told (ParameterStatus), to report only changes. */
  private readonly parameterValues = new Map<string, string>();
  /** Changes reported by the session, sent with the next ReadyForQuery. */
  private readonly parameterReports = new Map<string, string>();
  /** The client broke a sub-protocol (COPY): after the current error, the connection ends. */
  private protocolSyncLost = false;

  constructor(
    private readonly transport: Transport,
    private readonly host: ConnectionHost,
    processId: number,
  ) {
    this.processId = processId;
    const settings = host.settings;
    this.decoder = new FrontendDecoder({ maxMessageBytes: settings.maxMessageBytes });
    this.output = new SocketOutput(
      transport,
      { lowWaterBytes: settings.outputLowWaterBytes, queueBytesMax: settings.outputBufferBytesMax },
      () => {
        this.host.log.warn({ pid: this.processId }, "client is not reading its results; disconnecting");
        this.terminate(null);
      },
    );
    const connection = this;
    this.sink = new ConnectionSink({
      encoder: this.encoder,
      get open() {
        return connection.phase !== "closed";
      },
      get pendingOutputBytes() {
        return connection.encoder.length + connection.output.bufferedBytes;
      },
      outputHighWaterBytes: settings.outputHighWaterBytes,
      wrote: () => this.wrote(),
      flush: () => this.flush(),
      drained: () => {
        this.flush();
        return this.output.drained();
      },
      nextMessage: () => this.nextMessage(),
      reportParameter: (name, value) => {
        this.parameterReports.set(name, value);
      },
      syncLost: () => {
        this.protocolSyncLost = true;
      },
    });
    this.authTimer = setTimeout(() => this.authenticationTimedOut(), settings.authenticationTimeoutMs);
    this.done = this.run().catch((error: unknown) => {
      this.host.log.error({ pid: this.processId, err: error }, "connection loop failed");
    });
  }

  /** Settles when the connection has ended and its session is closed. */
  readonly done: Promise<void>;

  /** Whether the connection has ended. */
  get isClosed(): boolean {
    return this.phase === "closed";
  }

  /** Whether the connection holds a session slot (counted against max connections). */
  get isAdmitted(): boolean {
    return this.admitted;
  }

  // --- transport events ------------------------------------------------------------------

  onData(chunk: Uint8Array): void {
    if (this.phase === "closed") return;
    this.decoder.push(chunk);
    const waiter = this.inputWaiter;
    if (waiter !== null) {
      this.inputWaiter = null;
      waiter();
    } else if (!this.paused && this.decoder.bufferedBytes > this.host.settings.inputHighWaterBytes) {
      // Busy with a message while the client keeps sending: stop reading until we catch up.
      this.paused = true;
      this.transport.pause();
    }
  }

  onDrain(): void {
    this.output.onDrain();
  }

  onClose(): void {
    this.socketGone = true;
    this.transportClosed = true;
    this.output.close();
    this.terminate(null);
  }

  // --- control from the server --------------------------------------------------------------

  /**
   * A CancelRequest named this connection: check the key, then cancel the running call. One
   * that arrives while the session is idle is dropped, as PostgreSQL drops it.
   */
  cancel(secretKey: Uint8Array): boolean {
    if (secretKey.length !== this.secretKey.length || !timingSafeEqual(secretKey, this.secretKey)) return false;
    if (this.phase === "ready" && this.session !== null && this.inCall) {
      try {
        this.session.cancel();
      } catch (error) {
        this.host.log.error({ pid: this.processId, err: error }, "session.cancel() threw");
      }
    }
    return true;
  }

  /** Server shutdown: tell the client why (FATAL), cancel what runs, and close. */
  shutdown(code: string, message: string): void {
    this.terminate(new SqlError(code, message, { severity: "FATAL" }));
  }

  // --- the loop ------------------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      for (;;) {
        // Messages already received are handled without a trip through the event loop; a
        // handler that completes synchronously (Bind, most Executes, Sync outside a
        // transaction) costs no promise at all.
        if (this.isClosed) break;
        const message = this.decoder.next();
        if (message === null) {
          if (this.transportClosed) break;
          // One promise per wait for input (not a nextMessage() call around it).
          await this.input();
          continue;
        }
        const pending = this.phase === "startup" ? this.handleStartupPhase(message) : this.handleReady(message as TypedMessage);
        if (pending !== undefined) {
          // Output encoded so far reaches the client even if the handler waits a long time.
          this.awaiting = true;
          if (this.encoder.length > 0) this.scheduleFlush();
          try {
            await pending;
          } finally {
            this.awaiting = false;
          }
        }
        if (this.phase === "closed") break;
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.terminate(null);
      await this.closeSession();
    }
  }

  /** The next message, waiting for input as needed; null once the connection has ended. */
  private async nextMessage(): Promise<FrontendMessage | null> {
    for (;;) {
      if (this.phase === "closed") return null;
      const message = this.decoder.next();
      if (message !== null) return message;
      if (this.transportClosed) return null;
      await this.input();
    }
  }

  /** Resolves when more input arrives (or the connection ends). */
  private input(): Promise<void> {
    if (this.paused) {
      this.paused = false;
      this.transport.resume();
    }
    // Nothing to do until the client speaks: make sure it has everything we said.
    this.flush();
    return new Promise<void>((resolve) => {
      this.inputWaiter = resolve;
    });
  }

  /** An exception escaped message handling: end the connection, saying why when we can. */
  private fail(error: unknown): void {
    if (error instanceof QuietClose) {
      this.terminate(null);
    } else if (error instanceof SqlError) {
      if (error.code !== SqlState.connectionFailure) {
        this.host.log.debug({ pid: this.processId, code: error.code, message: error.message }, "connection ended with error");
      }
      this.terminate(error);
    } else {
      this.host.log.error({ pid: this.processId, err: error }, "internal error in connection");
      this.terminate(new SqlError(SqlState.internalError, "internal error", { severity: "FATAL" }));
    }
  }

  // --- startup and authentication ------------------------------------------------------------

  private async handleStartupPhase(message: FrontendMessage): Promise<void> {
    switch (message.type) {
      case "sslRequest":
        if (this.sslDone) throw unsupportedProtocol(0x04d2162f);
        this.sslDone = true;
        if (this.transport.tlsAvailable && !this.transport.unixSocket && !this.tls) {
          // Bytes already queued behind the SSLRequest were sent in clear text and may have
          // been injected by a man in the middle (CVE-2021-23214): refuse them. (libpq reads
          // an ErrorResponse in place of the 'S'/'N' answer.)
          if (this.decoder.bufferedBytes > 0) {
            throw new ProtocolError(
              "received unencrypted data after SSL request",
              "This could be either a client-software bug or evidence of an attempted man-in-the-middle attack.",
            );
          }
          this.writeRaw(0x53 /* S */);
          if (this.output.bufferedBytes > 0) throw new QuietClose();
          this.transport.startTls();
          this.tls = true;
          this.gssDone = true;
        } else {
          this.writeRaw(0x4e /* N */);
        }
        return;
      case "gssEncRequest":
        if (this.gssDone) throw unsupportedProtocol(0x04d21630);
        this.gssDone = true;
        this.writeRaw(0x4e /* N */);
        return;
      case "cancelRequest":
        this.host.cancelRequest(message.processId, message.secretKey);
        throw new QuietClose();
      case "startup":
        await this.authenticate(message);
        return;
      default:
        throw new ProtocolError("unexpected message before startup");
    }
  }

  private async authenticate(message: StartupMessage): Promise<void> {
    const { startup, negotiate } = readStartup(message, {
      remoteAddress: this.transport.remoteAddress,
      unixSocket: this.transport.unixSocket,
      tls: this.tls,
    });
    if (negotiate !== null) this.encoder.negotiateProtocolVersion(negotiate.version, negotiate.unrecognizedOptions);
    if (!this.host.admit(this)) throw fatal(SqlState.tooManyConnections, "sorry, too many clients already");
    this.admitted = true;
    this.phase = "authenticating";

    const method = await this.host.backend.authenticate(startup);
    if (this.isClosed) throw new QuietClose();
    if (method.method === "scram-sha-256") {
      await this.scram(startup.user, method.verifier);
    } else if (method.method !== "trust") {
      throw new Error(`unknown authentication method ${String((method as { method: unknown }).method)}`);
    }
    this.encoder.authenticationOk();

    const session = await this.host.backend.openSession(startup, { processId: this.processId });
    if (this.isClosed) {
      // The client left (or the server shut down) while the session opened.
      this.session = session;
      throw new QuietClose();
    }
    this.session = session;
    for (const [name, value] of session.initialParameters()) {
      this.encoder.parameterStatus(name, value);
      this.parameterValues.set(name, value);
    }
    this.encoder.backendKeyData(this.processId, this.secretKey);
    this.clearAuthTimer();
    this.phase = "ready";
    this.readyForQuery();
  }

  private async scram(user: string, verifier: string | null): Promise<void> {
    const exchange = new ScramExchange({
      user,
      verifier,
      channelBinding: this.tls ? this.host.channelBinding : null,
      mockSecret: this.host.mockSecret,
    });
    this.encoder.authenticationSasl(exchange.mechanisms);
    const initial = decodeSaslInitialResponse(await this.authResponse());
    this.encoder.authenticationSaslContinue(exchange.initial(initial.mechanism, initial.data));
    const result = exchange.final(decodeSaslResponse(await this.authResponse()));
    if (!result.ok) {
      throw fatal(SqlState.invalidPassword, `password authentication failed for user "${user}"`);
    }
    this.encoder.authenticationSaslFinal(result.serverFinal);
  }

  private async authResponse(): Promise<Uint8Array> {
    const message = await this.nextMessage();
    // A client without a password hangs up here and asks its user (psql does): not an error.
    if (message === null || message.type === "terminate") throw new QuietClose();
    if (message.type !== "authenticationResponse") {
      throw new ProtocolError(`expected SASL response, got message type ${messageTypeByte(message)}`);
    }
    return message.data;
  }

  private authenticationTimedOut(): void {
    this.authTimer = null;
    if (this.phase === "startup" || this.phase === "authenticating") {
      this.host.log.debug({ pid: this.processId }, "authentication timeout");
      this.terminate(fatal(SqlState.queryCanceled, "canceling authentication due to timeout"));
    }
  }

  private clearAuthTimer(): void {
    if (this.authTimer !== null) {
      clearTimeout(this.authTimer);
      this.authTimer = null;
    }
  }

  // --- ready: simple and extended query ------------------------------------------------------

  /** Handles one message; returns a promise only when the work did not complete at once. */
  private handleReady(message: TypedMessage): void | Promise<void> {
    if (this.ignoreTillSync) {
      if (message.type === "terminate") {
        this.terminate(null);
        return;
      }
      if (message.type !== "sync") return;
      this.ignoreTillSync = false;
    }
    const session = this.session;
    if (session === null) throw new Error("ready without a session");
    try {
      const pending = this.dispatchReady(session, message);
      if (pending !== undefined) return pending.catch((error: unknown) => this.reportError(error, isExtendedMessage(message)));
    } catch (error) {
      // A Session call made inline (Bind, Sync) that threw is no longer in progress.
      this.inCall = false;
      this.reportError(error, isExtendedMessage(message));
    }
  }

  private dispatchReady(session: Session, message: TypedMessage): void | Promise<void> {
    switch (message.type) {
      case "query":
        return this.simpleQuery(session, message.sql);
      case "parse":
        return this.then(
          this.call(() => session.parse(message.statement, message.sql, message.paramTypes)),
          () => {
            this.encoder.parseComplete();
            this.wrote();
          },
        );
      case "bind": {
        const paramFormats = expandParamFormats(message.paramFormats, message.params.length);
        const resultFormats = checkFormats(message.resultFormats);
        // As call() does, without a closure per message on this hot path (a throw is caught,
        // and inCall cleared, by handleReady).
        this.inCall = true;
        const result = session.bind(message.portal, message.statement, message.params, paramFormats, resultFormats);
        if (result instanceof Promise) return this.settled(result).then(() => this.bindComplete());
        this.inCall = false;
        this.bindComplete();
        return;
      }
      case "describe":
        if (message.kind === "S") {
          return this.then(this.call(() => session.describeStatement(message.name)), (description) => {
            this.encoder.parameterDescription(description.paramTypes);
            this.describeFields(description.fields, true);
          });
        }
        return this.then(this.call(() => session.describePortal(message.name)), (description) => {
          this.describeFields(description.fields, false);
        });
      case "execute":
        return this.execute(session, message.portal, message.maxRows);
      case "close":
        return this.then(
          this.call(() => (message.kind === "S" ? session.closeStatement(message.name) : session.closePortal(message.name))),
          () => {
            this.encoder.closeComplete();
            this.wrote();
          },
        );
      case "flush":
        this.flush();
        return;
      case "sync": {
        // As for bind above.
        this.inCall = true;
        const result = session.sync();
        if (result instanceof Promise) return this.settled(result).then(() => this.readyForQuery());
        this.inCall = false;
        this.readyForQuery();
        return;
      }
      case "functionCall":
        throw new SqlError(SqlState.featureNotSupported, "fastpath function calls are not supported");
      case "copyData":
      case "copyDone":
      case "copyFail":
        // Left over from a COPY that failed: the client may still be sending; drop them.
        return;
      case "terminate":
        this.terminate(null);
        return;
      case "authenticationResponse":
        throw new ProtocolError(`invalid frontend message type ${messageTypeByte(message)}`);
    }
  }

  /** `next(value)` at once for a value, after settling for a promise. */
  private then<T>(result: T | Promise<T>, next: (value: T) => void): void | Promise<void> {
    if (result instanceof Promise) return result.then(next);
    next(result);
  }

  private async simpleQuery(session: Session, sql: string): Promise<void> {
    this.sink.begin("simple");
    let problem: string | null;
    try {
      await this.call(() => session.simpleQuery(sql, this.sink));
    } finally {
      problem = this.sink.end();
    }
    if (problem !== null) throw new SqlError(SqlState.internalError, `internal error: ${problem}`);
    this.readyForQuery();
  }

  private execute(session: Session, portal: string, maxRows: number): void | Promise<void> {
    this.sink.begin("execute");
    let result: ExecuteResult | Promise<ExecuteResult>;
    try {
      result = this.call(() => session.execute(portal, maxRows, this.sink));
    } catch (error) {
      this.sink.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (done) => this.executed(done.suspended),
        (error: unknown) => {
          this.sink.end();
          throw error;
        },
      );
    }
    this.executed(result.suspended);
  }

  /** After Execute: check what the portal reported, then PortalSuspended if it stopped at maxRows. */
  private executed(suspended: boolean): void {
    let problem = this.sink.end();
    if (problem === null && suspended === this.sink.completed) {
      problem = suspended ? "portal suspended after CommandComplete" : "execute returned without CommandComplete";
    }
    if (problem !== null) throw new SqlError(SqlState.internalError, `internal error: ${problem}`);
    if (suspended) {
      this.encoder.portalSuspended();
      this.wrote();
    }
  }

  private describeFields(fields: readonly Field[] | null, statement: boolean): void {
    if (fields === null) this.encoder.noData();
    // A statement's result formats are not known before Bind: PostgreSQL reports text (0).
    else this.encoder.rowDescription(statement && fields.some((f) => (f.format ?? 0) !== 0) ? fields.map(textFormat) : fields);
    this.wrote();
  }

  /** Run one Session call, marking it in progress for cancel and close. */
  private call<T>(fn: () => T | Promise<T>): T | Promise<T> {
    this.inCall = true;
    let result: T | Promise<T>;
    try {
      result = fn();
    } catch (error) {
      this.inCall = false;
      throw error;
    }
    if (result instanceof Promise) return this.settled(result);
    this.inCall = false;
    return result;
  }

  /** A Session call's promise: the call stays in progress until it settles. */
  private settled<T>(result: Promise<T>): Promise<T> {
    return result.finally(() => {
      this.inCall = false;
    });
  }

  private bindComplete(): void {
    this.encoder.bindComplete();
    this.wrote();
  }

  /** Report a failed message: ERROR keeps the connection, FATAL or a protocol violation ends it. */
  private reportError(error: unknown, extended: boolean): void {
    if (this.phase === "closed") return;
    if (!(error instanceof SqlError)) this.host.log.error({ pid: this.processId, err: error }, "backend raised a non-SQL error");
    const sqlError = toSqlError(error);
    if (sqlError.severity === "FATAL" || sqlError.severity === "PANIC") {
      this.fail(sqlError);
      return;
    }
    this.encoder.errorResponse(sqlError.severity === "ERROR" ? sqlError : withSeverity(sqlError, "ERROR"));
    if (this.protocolSyncLost) {
      this.fail(fatal(SqlState.protocolViolation, "terminating connection because protocol synchronization was lost"));
      return;
    }
    if (extended) {
      this.ignoreTillSync = true;
      this.flush();
    } else {
      this.readyForQuery();
    }
  }

  private readyForQuery(): void {
    if (this.parameterReports.size > 0) {
      for (const [name, value] of this.parameterReports) {
        if (this.parameterValues.get(name) === value) continue;
        this.encoder.parameterStatus(name, value);
        this.parameterValues.set(name, value);
      }
      this.parameterReports.clear();
    }
    const status = this.session?.transactionStatus ?? "I";
    if (status !== "I" && status !== "T" && status !== "E") throw new Error(`invalid transaction status ${String(status)}`);
    this.encoder.readyForQuery(status);
    this.flush();
  }

  // --- output --------------------------------------------------------------------------------

  /** Write all encoded output to the socket now. */
  private flush(): void {
    if (this.encoder.length === 0) return;
    const bytes = this.encoder.take();
    this.output.write(bytes);
  }

  /** After encoding: write at the threshold, otherwise at the end of this tick (batching rows). */
  private wrote(): void {
    if (this.encoder.length >= flushThresholdBytes) {
      this.flush();
    } else if (this.awaiting) {
      this.scheduleFlush();
    }
    // Otherwise the message loop is running synchronously: it flushes before it waits for
    // input, and schedules a flush before it waits for a handler.
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** A single unframed byte (answers to SSLRequest / GSSENCRequest). */
  private writeRaw(byte: number): void {
    this.flush();
    this.output.write(new Uint8Array([byte]));
  }

  // --- ending --------------------------------------------------------------------------------

  /**
   * End the connection, sending `error` as FATAL first when given and the client is still
   * there. Idempotent; the Session is closed by the loop once any call in progress settles.
   */
  private terminate(error: SqlError | null): void {
    if (this.phase === "closed") return;
    if (error !== null && !this.output.isClosed) {
      // Whatever a half-finished call encoded is sent first: messages are whole, the stream stays valid.
      this.encoder.errorResponse(withSeverity(error, error.severity === "PANIC" ? "PANIC" : "FATAL"));
      this.flush();
    }
    this.phase = "closed";
    this.clearAuthTimer();
    if (!this.hostNotified) {
      this.hostNotified = true;
      this.host.closed(this);
    }
    const waiter = this.inputWaiter;
    this.inputWaiter = null;
    waiter?.();
    if (this.inCall && this.session !== null) {
      try {
        this.session.cancel();
      } catch (cancelError) {
        this.host.log.error({ pid: this.processId, err: cancelError }, "session.cancel() threw");
      }
    }
    this.endTransport();
  }

  private endTransport(): void {
    if (this.transportClosed) return;
    const end = () => {
      if (this.transportClosed) return;
      this.transportClosed = true;
      this.output.close();
      try {
        this.transport.end();
      } catch {
        // Already closed underneath us: nothing left to do.
      }
      // A peer that never completes the close (a stalled TLS handshake) is cut off.
      const timer = setTimeout(() => {
        if (!this.socketGone) this.transport.destroy();
      }, closeLingerMs);
      timer.unref();
    };
    if (this.output.bufferedBytes === 0) {
      end();
      return;
    }
    // Let the final messages (the FATAL) reach the client, but not forever.
    const timer = setTimeout(end, closeLingerMs);
    this.output.flushed().then(
      () => {
        clearTimeout(timer);
        end();
      },
      () => {
        clearTimeout(timer);
        end();
      },
    );
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    if (session === null || this.sessionClosed) return;
    this.sessionClosed = true;
    try {
      await session.close();
    } catch (error) {
      this.host.log.error({ pid: this.processId, err: error }, "session.close() failed");
    }
  }
}

/** Messages of the extended protocol: an error in one skips everything up to Sync. */
function isExtendedMessage(message: TypedMessage): boolean {
  switch (message.type) {
    case "parse":
    case "bind":
    case "describe":
    case "execute":
    case "close":
    case "flush":
      return true;
    default:
      return false;
  }
}

/** Bind's parameter formats, one per parameter (0 entries: text; 1 entry: for all). */
function expandParamFormats(formats: readonly number[], count: number): readonly FormatCode[] {
  const checked = checkFormats(formats);
  if (checked.length === count) return checked;
  const format: FormatCode = checked.length === 0 ? 0 : checked[0]!;
  const shared = uniformFormats[format]![count];
  if (shared !== undefined) return shared;
  return new Array<FormatCode>(count).fill(format);
}

/** Shared expansions for the usual parameter counts: uniformFormats[format][count]. */
const uniformFormats: readonly (readonly (readonly FormatCode[])[])[] = [0, 1].map((format) =>
  Array.from({ length: 17 }, (_, count) => Object.freeze(new Array<FormatCode>(count).fill(format as FormatCode))),
);

function checkFormats(formats: readonly number[]): FormatCode[] {
  for (let i = 0; i < formats.length; i++) {
    const f = formats[i]!;
    if (f !== 0 && f !== 1) throw new SqlError(SqlState.invalidParameterValue, `unsupported format code: ${f}`);
  }
  return formats as FormatCode[];
}

function textFormat(field: Field): Field {
  return { ...field, format: 0 };
}

/** The error's fields with another severity (a FATAL that ends the connection, an ERROR that does not). */
function withSeverity(e: ErrorFields, severity: string): ErrorFields {
  return {
    severity,
    code: e.code,
    message: e.message,
    detail: e.detail,
    hint: e.hint,
    position: e.position,
    internalPosition: e.internalPosition,
    internalQuery: e.internalQuery,
    where: e.where,
    schema: e.schema,
    table: e.table,
    column: e.column,
    dataType: e.dataType,
    constraint: e.constraint,
    routine: e.routine,
  };
}
