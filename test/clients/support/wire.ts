// A byte-level PostgreSQL session for tests that need exact control of parameter and result
// formats (no driver chooses for us): startup with trust authentication, simple queries, and
// one extended-protocol round (Parse, Bind, Describe, Execute, Sync) at a time. Values come
// back as raw bytes, errors as their fields.

import { Frontend } from "../../pgwire/support/frontend-encoder.ts";
import { RawClient, dataRowBytes, errorFields, rowDescriptionFields, type BackendMessage } from "../../pgwire/support/raw-client.ts";

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly position?: string;
}

export interface WireResult {
  /** Type OID and format code of each column (from RowDescription). */
  readonly columns: { readonly name: string; readonly typeOid: number; readonly format: number }[];
  /** Cells as raw bytes (null for NULL). */
  readonly rows: (Uint8Array | null)[][];
  readonly command: string | null;
  readonly error: WireError | null;
}

/** A parameter: bytes (or a string, sent as UTF-8) in text (0) or binary (1) format. */
export interface WireParam {
  readonly format: 0 | 1;
  readonly value: Uint8Array | string | null;
}

function toError(message: BackendMessage): WireError {
  const fields = errorFields(message.body);
  return {
    code: fields.C ?? "",
    message: fields.M ?? "",
    ...(fields.D !== undefined ? { detail: fields.D } : {}),
    ...(fields.P !== undefined ? { position: fields.P } : {}),
  };
}

/** Folds the messages of one round (up to ReadyForQuery) into a result. */
function collect(messages: readonly BackendMessage[]): WireResult {
  let columns: WireResult["columns"] = [];
  const rows: (Uint8Array | null)[][] = [];
  let command: string | null = null;
  let error: WireError | null = null;
  for (const message of messages) {
    switch (message.type) {
      case "T":
        columns = rowDescriptionFields(message.body);
        break;
      case "D":
        rows.push(dataRowBytes(message.body));
        break;
      case "C":
        command = new TextDecoder().decode(message.body.subarray(0, message.body.length - 1));
        break;
      case "E":
        error ??= toError(message);
        break;
    }
  }
  return { columns, rows, command, error };
}

export class WireSession {
  private constructor(private readonly client: RawClient) {}

  static async connect(target: { host: string; port: number }, user = "postgres", database = "postgres"): Promise<WireSession> {
    const client = await RawClient.connect({ host: target.host, port: target.port });
    client.send(Frontend.bytes((f) => f.startup({ user, database, client_encoding: "UTF8" })));
    const messages = await client.readUntil("Z", 10_000);
    const failure = messages.find((m) => m.type === "E");
    if (failure !== undefined) throw new Error(`login failed: ${toError(failure).message}`);
    const auth = messages.find((m) => m.type === "R");
    if (auth === undefined || new DataView(auth.body.buffer, auth.body.byteOffset).getInt32(0) !== 0) {
      throw new Error("the wire test session expects trust authentication");
    }
    return new WireSession(client);
  }

  /** A simple query (one or more statements); the first error if any. */
  async simple(sql: string): Promise<WireResult> {
    this.client.send(Frontend.bytes((f) => f.query(sql)));
    return collect(await this.client.readUntil("Z", 30_000));
  }

  /** One unnamed statement through Parse/Bind/Describe/Execute/Sync. */
  async extended(
    sql: string,
    paramTypes: readonly number[],
    params: readonly WireParam[],
    resultFormats: readonly number[] = [],
  ): Promise<WireResult> {
    this.client.send(
      Frontend.bytes((f) =>
        f
          .parse("", sql, paramTypes)
          .bind(
            "",
            "",
            params.map((p) => p.value),
            params.map((p) => p.format),
            resultFormats,
          )
          .describe("P", "")
          .execute("", 0)
          .sync(),
      ),
    );
    return collect(await this.client.readUntil("Z", 30_000));
  }

  close(): void {
    this.client.send(Frontend.bytes((f) => f.terminate()));
    this.client.end();
  }
}
