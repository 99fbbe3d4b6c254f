// The error for frontend input that breaks the protocol. The message framing can no longer be
// trusted, so the connection ends: severity FATAL, SQLSTATE 08P01, as PostgreSQL reports it.

import { SqlError, SqlState } from "../sql/errors.ts";

export class ProtocolError extends SqlError {
  constructor(message: string, detail?: string) {
    super(SqlState.protocolViolation, message, detail === undefined ? { severity: "FATAL" } : { severity: "FATAL", detail });
  }
}
