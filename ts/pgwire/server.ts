// Listeners: TCP (host:port) and a Unix-domain socket named <socketDir>/.s.PGSQL.<port> (the
// name psql and libpq look for), both on Bun.listen, feeding one Connection per client.
// The server owns what spans connections: the connection limit, cancel keys, shutdown.

import { randomBytes } from "node:crypto";
import { lstatSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Socket, SocketHandler, TCPSocketListener, UnixSocketListener } from "bun";
import { SqlState } from "../sql/errors.ts";
import type { Backend } from "./backend.ts";
import { tlsServerEndPoint } from "./channel-binding.ts";
import type { ConnectionHost, ConnectionSettings, Logger, Transport } from "./connection.ts";
import { Connection } from "./connection.ts";
import { defaultMaxMessageBytes } from "./frontend-decoder.ts";
import type { ChannelBinding } from "./scram.ts";

export interface TlsOptions {
  /** PEM certificate (chain), server first. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
  readonly passphrase?: string;
}

export interface ServerOptions {
  readonly backend: Backend;
  /** TCP address to listen on ("127.0.0.1", "0.0.0.0", "::"); null for no TCP. Default 127.0.0.1. */
  readonly host?: string | null;
  /** TCP port; 0 picks a free one (see PgServer.port). Also names the Unix socket. Default 5432. */
  readonly port?: number;
  /** Directory for the Unix socket .s.PGSQL.<port>; null or absent for none. */
  readonly socketDir?: string | null;
  /** Certificate and key: SSLRequest is then answered 'S' on TCP and SCRAM-SHA-256-PLUS offered. */
  readonly tls?: TlsOptions | null;
  /** Sessions allowed at once; beyond it clients get FATAL 53300. Default 100. */
  readonly maxConnections?: number;
  /** Largest frontend message accepted (its length field). Default 1 GiB - 2, as PostgreSQL. */
  readonly maxMessageBytes?: number;
  /** Unsent output at which sinks report congestion. Default 256 KiB. */
  readonly outputHighWaterBytes?: number;
  /** Unsent output below which drained() resolves. Default 64 KiB. */
  readonly outputLowWaterBytes?: number;
  /** Unsent output at which a client that stopped reading is disconnected. Default 64 MiB. */
  readonly outputBufferBytesMax?: number;
  /** Buffered input at which reading pauses while busy. Default 1 MiB. */
  readonly inputHighWaterBytes?: number;
  /** Time allowed for startup and authentication. Default 60 s, as PostgreSQL. */
  readonly authenticationTimeoutMs?: number;
  /**
   * Secret (at least 16 bytes) from which SCRAM mock salts for unknown users are derived.
   * Persist it with the data directory so those salts survive restarts like real ones do;
   * random per server by default.
   */
  readonly scramMockSecret?: Uint8Array;
  readonly logger?: Logger;
}

export interface PgServer extends AsyncDisposable {
  /** The TCP port (the one chosen when 0 was asked), or the Unix socket's port number. */
  readonly port: number;
  /** The TCP address listened on, or null. */
  readonly host: string | null;
  /** Path of the Unix socket, or null. */
  readonly socketPath: string | null;
  /** Client connections currently open (in startup, authenticating or in a session). */
  readonly connections: number;
  /** Stop accepting connections; open ones continue. Removes the Unix socket file. */
  close(): Promise<void>;
  /**
   * Stop accepting, send FATAL `code` (57P01 admin shutdown by default) to every client,
   * cancel what runs, and resolve when every session is closed.
   */
  shutdown(code?: string, message?: string): Promise<void>;
  /** `await using server = await startServer(...)`: shutdown() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The longest Unix socket path the kernel accepts (sun_path minus its NUL). */
const unixPathBytesMax = 107;

const defaultLogger: Logger = {
  debug() {},
  info() {},
  warn(fields, message) {
    console.warn(`pgwire: ${message}`, fields);
  },
  error(fields, message) {
    console.error(`pgwire: ${message}`, fields);
  },
};

/** Per-socket state; the same object follows the socket through a TLS upgrade. */
interface SocketState {
  connection: Connection | null;
  transport: BunTransport | null;
  /** Set once TLS is started: the raw socket's events then carry ciphertext and are ignored. */
  upgraded: boolean;
}

type PgSocket = Socket<SocketState>;

class BunTransport implements Transport {
  private socket: PgSocket;

  constructor(
    socket: PgSocket,
    private readonly tlsConfig: TlsOptions | null,
    private readonly tlsHandlers: SocketHandler<SocketState>,
    readonly unixSocket: boolean,
  ) {
    this.socket = socket;
    this.remoteAddress = unixSocket ? "" : (socket.remoteAddress ?? "");
  }

  readonly remoteAddress: string;

  get tlsAvailable(): boolean {
    return this.tlsConfig !== null && !this.unixSocket;
  }

  write(data: Uint8Array): number {
    return this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.terminate();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  startTls(): void {
    const config = this.tlsConfig;
    if (config === null) throw new Error("TLS is not configured");
    const state = this.socket.data;
    state.upgraded = true;
    const [, tls] = this.socket.upgradeTLS<SocketState>({
      data: state,
      tls: config.passphrase === undefined ? { cert: config.cert, key: config.key } : config,
      socket: this.tlsHandlers,
    });
    this.socket = tls;
  }
}

export async function startServer(options: ServerOptions): Promise<PgServer> {
  const host = options.host === undefined ? "127.0.0.1" : options.host;
  const portRequested = options.port ?? 5432;
  const socketDir = options.socketDir ?? null;
  if (!Number.isInteger(portRequested) || portRequested < 0 || portRequested > 65535) {
    throw new RangeError(`invalid port ${portRequested}`);
  }
  if (host === null && socketDir === null) throw new Error("nothing to listen on: give a host, a socketDir, or both");
  if (host === null && portRequested === 0) throw new Error("a Unix socket without TCP needs an explicit port to be named");

  const settings: ConnectionSettings = {
    maxMessageBytes: positiveInt(options.maxMessageBytes ?? defaultMaxMessageBytes, "maxMessageBytes"),
    outputHighWaterBytes: positiveInt(options.outputHighWaterBytes ?? 256 * 1024, "outputHighWaterBytes"),
    outputLowWaterBytes: positiveInt(options.outputLowWaterBytes ?? 64 * 1024, "outputLowWaterBytes"),
    outputBufferBytesMax: positiveInt(options.outputBufferBytesMax ?? 64 * 1024 * 1024, "outputBufferBytesMax"),
    inputHighWaterBytes: positiveInt(options.inputHighWaterBytes ?? 1024 * 1024, "inputHighWaterBytes"),
    authenticationTimeoutMs: positiveInt(options.authenticationTimeoutMs ?? 60_000, "authenticationTimeoutMs"),
  };
  if (settings.outputLowWaterBytes >= settings.outputHighWaterBytes) throw new RangeError("outputLowWaterBytes must be below outputHighWaterBytes");
  if (settings.outputHighWaterBytes >= settings.outputBufferBytesMax) throw new RangeError("outputHighWaterBytes must be below outputBufferBytesMax");
  const maxConnections = positiveInt(options.maxConnections ?? 100, "maxConnections");
  // Sockets that have not (yet) started a session: cancel requests, SSL negotiation, clients
  // about to be refused. Bounded too; each also expires with the authentication timeout.
  const maxSockets = maxConnections * 2 + 16;
  const log = options.logger ?? defaultLogger;
  const tls = options.tls ?? null;
  const channelBinding: ChannelBinding | null = tls === null ? null : tlsServerEndPoint(tls.cert);
  const mockSecret = options.scramMockSecret ?? randomBytes(32);
  if (mockSecret.length < 16) throw new RangeError("scramMockSecret must be at least 16 bytes");

  let closing = false;
  const live = new Set<Connection>();
  /** Every live connection by process id; a cancel still needs the key and a session. */
  const byProcessId = new Map<number, Connection>();
  const finished = new Set<Promise<void>>();
  let sessions = 0;
  let nextProcessId = 10_000 + Math.floor(Math.random() * 50_000);

  const host_: ConnectionHost = {
    backend: options.backend,
    settings,
    log,
    mockSecret,
    channelBinding,
    admit() {
      if (sessions >= maxConnections) return false;
      sessions++;
      return true;
    },
    cancelRequest(processId, secretKey) {
      const target = byProcessId.get(processId);
      if (target === undefined || !target.cancel(secretKey)) {
        log.debug({ pid: processId }, "cancel request matched no connection");
      }
    },
    closed(connection) {
      live.delete(connection);
      if (byProcessId.get(connection.processId) === connection) byProcessId.delete(connection.processId);
      if (connection.isAdmitted) sessions--;
      if (sessions < 0) {
        log.error({ sessions }, "session count went negative");
        sessions = 0;
      }
    },
  };

  const allocateProcessId = (): number => {
    // Unique among live connections; wraps within a positive Int32 like a PID.
    for (;;) {
      nextProcessId = nextProcessId >= 0x7ffffff0 ? 10_000 : nextProcessId + 1;
      if (!byProcessId.has(nextProcessId)) return nextProcessId;
    }
  };

  const connectionEvents = {
    data(socket: PgSocket, chunk: Uint8Array) {
      socket.data.connection?.onData(chunk);
    },
    drain(socket: PgSocket) {
      socket.data.connection?.onDrain();
    },
    close(socket: PgSocket) {
      socket.data.connection?.onClose();
    },
    error(socket: PgSocket, error: Error) {
      log.debug({ err: error }, "socket error");
      socket.data.connection?.onClose();
    },
  };

  const tlsHandlers: SocketHandler<SocketState> = {
    binaryType: "uint8array",
    data: connectionEvents.data,
    drain: connectionEvents.drain,
    close: connectionEvents.close,
    error: connectionEvents.error,
  };

  const accept = (socket: PgSocket, unixSocket: boolean) => {
    socket.data = { connection: null, transport: null, upgraded: false };
    if (live.size >= maxSockets || closing) {
      socket.end();
      return;
    }
    if (!unixSocket) socket.setNoDelay(true);
    const transport = new BunTransport(socket, tls, tlsHandlers, unixSocket);
    const connection = new Connection(transport, host_, allocateProcessId());
    socket.data.transport = transport;
    socket.data.connection = connection;
    live.add(connection);
    byProcessId.set(connection.processId, connection);
    const done = connection.done;
    finished.add(done);
    void done.finally(() => finished.delete(done));
  };

  const rawHandlers = (unixSocket: boolean): SocketHandler<SocketState> => ({
    binaryType: "uint8array",
    open(socket) {
      try {
        accept(socket, unixSocket);
      } catch (error) {
        log.error({ err: error }, "could not accept connection");
        socket.end();
      }
    },
    data(socket, chunk) {
      if (!socket.data.upgraded) connectionEvents.data(socket, chunk);
    },
    drain(socket) {
      if (!socket.data.upgraded) connectionEvents.drain(socket);
    },
    close(socket) {
      connectionEvents.close(socket);
    },
    error(socket, error) {
      connectionEvents.error(socket, error);
    },
  });

  let tcp: TCPSocketListener<SocketState> | null = null;
  let unix: UnixSocketListener<SocketState> | null = null;
  let socketPath: string | null = null;
  try {
    if (host !== null) {
      tcp = Bun.listen<SocketState>({ hostname: host, port: portRequested, socket: rawHandlers(false) });
    }
    const port = tcp?.port ?? portRequested;
    if (socketDir !== null) {
      socketPath = join(socketDir, `.s.PGSQL.${port}`);
      if (Buffer.byteLength(socketPath) > unixPathBytesMax) {
        throw new Error(`Unix socket path "${socketPath}" is longer than ${unixPathBytesMax} bytes`);
      }
      await removeStaleSocket(socketPath);
      unix = Bun.listen<SocketState>({ unix: socketPath, socket: rawHandlers(true) });
    }
  } catch (error) {
    tcp?.stop(true);
    unix?.stop(true);
    throw error;
  }
  const port = tcp?.port ?? portRequested;

  const stopListening = () => {
    if (closing) return;
    closing = true;
    tcp?.stop(false);
    unix?.stop(false);
    if (socketPath !== null) {
      try {
        unlinkSync(socketPath);
      } catch {
        // Already gone (Bun may remove it when the listener stops).
      }
    }
  };

  const shutdown = async (code: string = SqlState.adminShutdown, message?: string): Promise<void> => {
    stopListening();
    const text = message ?? shutdownMessage(code);
    for (const connection of [...live]) connection.shutdown(code, text);
    await Promise.all([...finished]);
  };

  const server: PgServer = {
    port,
    host,
    socketPath,
    get connections() {
      return live.size;
    },
    async close() {
      stopListening();
    },
    shutdown,
    [Symbol.asyncDispose]: () => shutdown(),
  };
  return server;
}

function shutdownMessage(code: string): string {
  switch (code) {
    case SqlState.adminShutdown:
      return "terminating connection due to administrator command";
    case SqlState.crashShutdown:
      return "terminating connection because of crash of another server process";
    case SqlState.cannotConnectNow:
      return "the database system is shutting down";
    default:
      return "terminating connection";
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * A socket file left by a server that died is removed; one a live server answers on is not
 * (starting a second server on the same name is an error, as with PostgreSQL).
 */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if (!lstatSync(path).isSocket()) throw new Error(`"${path}" exists and is not a socket`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const alive = await new Promise<boolean>((resolve) => {
    Bun.connect({
      unix: path,
      socket: {
        open(socket) {
          socket.end();
          resolve(true);
        },
        connectError() {
          resolve(false);
        },
        data() {},
      },
    }).catch(() => resolve(false));
  });
  if (alive) throw new Error(`another server is already listening on "${path}"`);
  unlinkSync(path);
}
