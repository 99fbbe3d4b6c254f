// The PostgreSQL v3 wire protocol server: what the rest of pgz imports.
//
//   startServer({ backend, host, port, socketDir, tls, ... }) → PgServer
//
// The SQL layer implements Backend and Session (backend.ts); SCRAM verifiers for stored
// passwords come from createScramVerifier (scram.ts).

export type {
  AuthMethod,
  Backend,
  Cell,
  CopyInStream,
  CopyOptions,
  CopyOutWriter,
  ErrorFields,
  ExecuteResult,
  ExecuteSink,
  Field,
  FormatCode,
  OutputFlow,
  PortalDescription,
  QuerySink,
  Session,
  SessionContext,
  StartupInfo,
  StatementDescription,
  TransactionStatus,
} from "./backend.ts";
export { reportedParameterNames, resolveResultFormats } from "./backend.ts";
export { decodeUtf8 } from "./message-reader.ts";
export type { Logger } from "./connection.ts";
export type { PgServer, ServerOptions, TlsOptions } from "./server.ts";
export { startServer } from "./server.ts";
export { createScramVerifier, parseScramVerifier, verifyScramPassword } from "./scram.ts";
