// Typed frontend (client → server) messages of protocol 3.0, as produced by the decoder.
// Names follow the protocol documentation; byte payloads are copies the holder owns.

/** Protocol version 3.0 as sent in StartupMessage: major << 16 | minor. */
export const protocolVersion30 = (3 << 16) | 0;
/** Request codes sent in place of a protocol version (1234 in the major half). */
export const cancelRequestCode = (1234 << 16) | 5678;
export const sslRequestCode = (1234 << 16) | 5679;
export const gssEncRequestCode = (1234 << 16) | 5680;

/** Format codes of Bind parameters and results. */
export const FormatCode = { text: 0, binary: 1 } as const;

/** Startup packets: sent before any typed message, identified by their first Int32 field. */
export interface StartupMessage {
  readonly type: "startup";
  /** major << 16 | minor, as the client sent it. */
  readonly protocolVersion: number;
  /** Name/value pairs in the order sent (user, database, options, application_name, GUCs, _pq_.*). */
  readonly parameters: ReadonlyMap<string, string>;
}
export interface SslRequest {
  readonly type: "sslRequest";
}
export interface GssEncRequest {
  readonly type: "gssEncRequest";
}
export interface CancelRequest {
  readonly type: "cancelRequest";
  readonly processId: number;
  /** 4 bytes in protocol 3.0 (longer keys are accepted so they simply fail to match). */
  readonly secretKey: Uint8Array;
}

export interface Query {
  readonly type: "query";
  readonly sql: string;
}
export interface Parse {
  readonly type: "parse";
  readonly statement: string;
  readonly sql: string;
  /** Type OIDs the client fixed for $1..$n; 0 means unspecified. */
  readonly paramTypes: readonly number[];
}
export interface Bind {
  readonly type: "bind";
  readonly portal: string;
  readonly statement: string;
  /** 0 entries: all text; 1 entry: applies to every parameter; otherwise one per parameter (checked). */
  readonly paramFormats: readonly number[];
  readonly params: readonly (Uint8Array | null)[];
  /** 0 entries: all text; 1 entry: applies to every column; otherwise one per result column. */
  readonly resultFormats: readonly number[];
}
export interface Describe {
  readonly type: "describe";
  /** "S": prepared statement, "P": portal. */
  readonly kind: "S" | "P";
  readonly name: string;
}
export interface Execute {
  readonly type: "execute";
  readonly portal: string;
  /** Rows to return before suspending; 0 means no limit. */
  readonly maxRows: number;
}
export interface Close {
  readonly type: "close";
  readonly kind: "S" | "P";
  readonly name: string;
}
export interface Sync {
  readonly type: "sync";
}
export interface Flush {
  readonly type: "flush";
}
export interface Terminate {
  readonly type: "terminate";
}
export interface CopyData {
  readonly type: "copyData";
  readonly data: Uint8Array;
}
export interface CopyDone {
  readonly type: "copyDone";
}
export interface CopyFail {
  readonly type: "copyFail";
  readonly message: string;
}
/**
 * A 'p' message: PasswordMessage, SASLInitialResponse or SASLResponse. Which one it is depends
 * on the authentication exchange in progress, so the body is decoded by the authentication
 * step with the functions in frontend-decoder.ts.
 */
export interface AuthenticationResponse {
  readonly type: "authenticationResponse";
  readonly data: Uint8Array;
}
/** The fast-path FunctionCall message; pgz does not support it and answers with an error. */
export interface FunctionCall {
  readonly type: "functionCall";
}

export type StartupPhaseMessage = StartupMessage | SslRequest | GssEncRequest | CancelRequest;

export type TypedMessage =
  | Query
  | Parse
  | Bind
  | Describe
  | Execute
  | Close
  | Sync
  | Flush
  | Terminate
  | CopyData
  | CopyDone
  | CopyFail
  | AuthenticationResponse
  | FunctionCall;

export type FrontendMessage = StartupPhaseMessage | TypedMessage;

export interface SaslInitialResponse {
  readonly mechanism: string;
  /** The client-first-message, or null when the client sent none (length -1). */
  readonly data: Uint8Array | null;
}
