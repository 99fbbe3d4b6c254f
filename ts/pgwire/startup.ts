// What a StartupMessage asks for, checked as PostgreSQL checks it: the protocol version, the
// `_pq_.` protocol options (none are supported, so all are reported back), the user, the
// replication flag. Pure: the connection sends what this decides.

import { SqlError, SqlState } from "../sql/errors.ts";
import type { StartupInfo } from "./backend.ts";
import type { StartupMessage } from "./frontend-messages.ts";
import { protocolVersion30 } from "./frontend-messages.ts";

export interface StartupDecision {
  readonly startup: StartupInfo;
  /** Send NegotiateProtocolVersion first: the client asked for a newer minor version or for options. */
  readonly negotiate: { readonly version: number; readonly unrecognizedOptions: readonly string[] } | null;
}

/** How the client is connected (not part of the packet). */
export interface ConnectionFacts {
  readonly remoteAddress: string;
  readonly unixSocket: boolean;
  readonly tls: boolean;
}

/** Interpret a StartupMessage; throws a FATAL SqlError when the connection cannot go on. */
export function readStartup(message: StartupMessage, facts: ConnectionFacts): StartupDecision {
  const major = message.protocolVersion >>> 16;
  const minor = message.protocolVersion & 0xffff;
  if (major !== 3) throw unsupportedProtocol(message.protocolVersion);

  const parameters = new Map<string, string>();
  const unrecognizedOptions: string[] = [];
  for (const [name, value] of message.parameters) {
    if (name.startsWith("_pq_.")) unrecognizedOptions.push(name);
    else parameters.set(name, value);
  }

  const user = parameters.get("user") ?? "";
  if (user === "") {
    throw fatal(SqlState.invalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet");
  }
  const replication = parameters.get("replication");
  if (replication !== undefined && !["false", "off", "no", "0"].includes(replication.toLowerCase())) {
    throw fatal(SqlState.featureNotSupported, "replication connections are not supported");
  }

  return {
    startup: {
      user,
      database: parameters.get("database") || user,
      applicationName: parameters.get("application_name") ?? "",
      options: parameters.get("options") ?? "",
      parameters,
      remoteAddress: facts.remoteAddress,
      unixSocket: facts.unixSocket,
      tls: facts.tls,
    },
    negotiate: minor > 0 || unrecognizedOptions.length > 0 ? { version: protocolVersion30, unrecognizedOptions } : null,
  };
}

/** FATAL 0A000 for a protocol version (or a repeated request code) this server does not speak. */
export function unsupportedProtocol(version: number): SqlError {
  return fatal(
    SqlState.featureNotSupported,
    `unsupported frontend protocol ${version >>> 16}.${version & 0xffff}: server supports 3.0 to 3.0`,
  );
}

export function fatal(code: string, message: string): SqlError {
  return new SqlError(code, message, { severity: "FATAL" });
}
