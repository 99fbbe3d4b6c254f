// Helpers for SQL tests over the wire: a pg client on a test server and SQLSTATE assertions.

import pg from "pg";
import type { TestServer } from "../../support/pgz.ts";

export async function connect(server: TestServer, extra: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...server.connection, ...extra });
  await client.connect();
  // Errors of pending queries are asserted by the tests; a dropped connection must not crash them.
  client.on("error", () => {});
  return client;
}

/** The SQLSTATE a promise rejects with (throws if it resolves). */
export async function sqlState(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? "no code";
  }
  throw new Error("expected the statement to fail");
}

/** The error (with code, message, detail, position) a promise rejects with. */
export async function sqlError(promise: Promise<unknown>): Promise<{ code: string; message: string; detail?: string; position?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; detail?: string; position?: string };
  }
  throw new Error("expected the statement to fail");
}

/** Rows of a query as plain arrays of text values. */
export async function rows(client: pg.Client, sql: string, params: unknown[] = []): Promise<unknown[][]> {
  const result = await client.query({ text: sql, values: params, rowMode: "array", types: { getTypeParser: () => (value: string) => value } });
  return result.rows as unknown[][];
}

/** Sends a CancelRequest for backend `pid` the way libpq does (pg exposes its secret key on the client). */
export async function sendCancel(server: TestServer, client: pg.Client, pid: number): Promise<void> {
  const secret = (client as unknown as { secretKey: number }).secretKey;
  const socket = await Bun.connect({ hostname: server.host, port: server.port, socket: { data() {} } });
  const message = new Uint8Array(16);
  const view = new DataView(message.buffer);
  view.setInt32(0, 16);
  view.setInt32(4, 80877102);
  view.setInt32(8, pid);
  view.setInt32(12, secret);
  socket.write(message);
  socket.end();
}
