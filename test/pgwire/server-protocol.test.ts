// The protocol state machine at byte level, over raw sockets: startup negotiation, message
// flows of the simple and extended protocols, COPY, malformed input, limits, cancel,
// backpressure, shutdown.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startServer } from "../../ts/pgwire/server.ts";
import { FakeBackend } from "./support/fake-backend.ts";
import { Frontend } from "./support/frontend-encoder.ts";
import type { BackendMessage } from "./support/raw-client.ts";
import { RawClient, dataRowCells, errorFields, rowDescriptionFields, text } from "./support/raw-client.ts";
import { testCertificate } from "./support/tls.ts";
import type { TestServer } from "./support/test-server.ts";
import { eventually, startTestServer } from "./support/test-server.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t.stop();
  // "crash" provokes exactly one logged internal error (the backend threw a TypeError).
  expect(t.logger.errors.map((e) => e.message)).toEqual(["backend raised a non-SQL error"]);
});

const types = (messages: readonly BackendMessage[]) => messages.map((m) => m.type).join("");

async function connect(server: { port: number } = t): Promise<RawClient> {
  return RawClient.connect({ port: server.port });
}

/** Start up as `user` (trust) and return the messages up to ReadyForQuery. */
async function login(client: RawClient, parameters: Record<string, string> = { user: "carol", database: "app" }): Promise<BackendMessage[]> {
  client.send(Frontend.bytes((f) => f.startup(parameters)));
  return client.readUntil("Z");
}

async function session(server: { port: number } = t): Promise<RawClient> {
  const client = await connect(server);
  await login(client);
  return client;
}

function fatalOf(message: BackendMessage | null): Record<string, string> {
  expect(message?.type).toBe("E");
  const fields = errorFields(message!.body);
  expect(fields.S).toBe("FATAL");
  return fields;
}

describe("startup", () => {
  test("trust login: AuthenticationOk, ParameterStatus*, BackendKeyData, ReadyForQuery", async () => {
    const client = await connect();
    const messages = await login(client, { user: "carol", database: "app", application_name: "raw-test" });
    expect(types(messages)).toBe("RSSSSSSSSSSSKZ");
    expect(Buffer.from(messages[0]!.body).toString("hex")).toBe("00000000");
    const parameters = Object.fromEntries(
      messages.filter((m) => m.type === "S").map((m) => text(m.body).split("\0").slice(0, 2) as [string, string]),
    );
    expect(parameters).toEqual({
      server_version: "16.0 (pgz 0.1.0)",
      server_encoding: "UTF8",
      client_encoding: "UTF8",
      DateStyle: "ISO, MDY",
      IntervalStyle: "postgres",
      TimeZone: "UTC",
      integer_datetimes: "on",
      standard_conforming_strings: "on",
      application_name: "raw-test",
      is_superuser: "on",
      session_authorization: "carol",
    });
    const key = messages.at(-2)!;
    expect(key.body.length).toBe(8);
    expect(text(messages.at(-1)!.body)).toBe("I");
    const session = t.backend.sessions.at(-1)!;
    expect(session.startup).toMatchObject({ user: "carol", database: "app", applicationName: "raw-test", unixSocket: false, tls: false });
    expect(session.context.processId).toBe(new DataView(key.body.buffer, key.body.byteOffset).getInt32(0));
    client.end();
  });

  test("the database defaults to the user name", async () => {
    const client = await connect();
    await login(client, { user: "dora" });
    expect(t.backend.sessions.at(-1)!.startup.database).toBe("dora");
    client.end();
  });

  test("SSLRequest without TLS configured → 'N', then a normal startup", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.sslRequest()));
    expect(String.fromCharCode(await client.readByte())).toBe("N");
    expect(types(await login(client))).toEndWith("KZ");
    client.end();
  });

  test("GSSENCRequest → 'N', then SSLRequest → 'N', then startup", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.gssEncRequest()));
    expect(String.fromCharCode(await client.readByte())).toBe("N");
    client.send(Frontend.bytes((f) => f.sslRequest()));
    expect(String.fromCharCode(await client.readByte())).toBe("N");
    expect(types(await login(client))).toEndWith("KZ");
    client.end();
  });

  test("a second GSSENCRequest is refused", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.gssEncRequest().gssEncRequest()));
    expect(String.fromCharCode(await client.readByte())).toBe("N");
    const fields = fatalOf(await client.readOrEnd());
    expect(fields).toMatchObject({ C: "0A000", M: "unsupported frontend protocol 1234.5680: server supports 3.0 to 3.0" });
    await client.closed;
  });

  test("protocol 3.2 and _pq_ options → NegotiateProtocolVersion(3.0, unrecognised options)", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.startup({ user: "carol", "_pq_.compression": "on", database: "app" }, (3 << 16) | 2)));
    const messages = await client.readUntil("Z");
    expect(messages[0]!.type).toBe("v");
    expect(Buffer.from(messages[0]!.body).toString("hex")).toBe("00030000" + "00000001" + Buffer.from("_pq_.compression\0").toString("hex"));
    expect(messages[1]!.type).toBe("R");
    expect(t.backend.sessions.at(-1)!.startup.parameters.has("_pq_.compression")).toBe(false);
    client.end();
  });

  test("protocol 2.0 → FATAL 0A000", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.raw([0, 0, 0, 9, 0, 2, 0, 0, 0])));
    expect(fatalOf(await client.readOrEnd())).toMatchObject({
      C: "0A000",
      M: "unsupported frontend protocol 2.0: server supports 3.0 to 3.0",
    });
    await client.closed;
  });

  test("no user → FATAL 28000", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.startup({ database: "app" })));
    expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "28000", M: "no PostgreSQL user name specified in startup packet" });
    await client.closed;
  });

  test("replication connections are refused", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.startup({ user: "carol", replication: "database" })));
    expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "0A000" });
    await client.closed;
  });

  test("unknown database → AuthenticationOk then FATAL 3D000", async () => {
    const strict = await startTestServer({ backend: { databases: ["app"] } });
    try {
      const client = await connect(strict);
      client.send(Frontend.bytes((f) => f.startup({ user: "carol", database: "other" })));
      expect((await client.read()).type).toBe("R");
      expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "3D000", M: 'database "other" does not exist' });
      await client.closed;
    } finally {
      await strict.stop();
    }
  });

  test("a message other than a SASL response during authentication → FATAL 08P01", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.startup({ user: "alice" })));
    const sasl = await client.read();
    expect(sasl.type).toBe("R");
    expect(text(sasl.body.subarray(4))).toBe("SCRAM-SHA-256\0\0");
    client.send(Frontend.bytes((f) => f.query("select 1")));
    expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "08P01", M: "expected SASL response, got message type 81" });
    await client.closed;
  });

  test("a cleartext password where SCRAM was asked for → FATAL", async () => {
    const client = await connect();
    client.send(Frontend.bytes((f) => f.startup({ user: "alice" })));
    await client.read();
    client.send(Frontend.bytes((f) => f.password("alice-secret")));
    expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "08P01" });
    await client.closed;
  });

  test("authentication timeout", async () => {
    const quick = await startTestServer({ authenticationTimeoutMs: 150 });
    try {
      const client = await connect(quick);
      expect(fatalOf(await client.readOrEnd(3000))).toMatchObject({ C: "57014", M: "canceling authentication due to timeout" });
      await client.closed;
      expect(quick.server.connections).toBe(0);
    } finally {
      await quick.stop();
    }
  });
});

describe("simple query", () => {
  test("RowDescription, DataRow, CommandComplete, ReadyForQuery", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("select 1, 'é' as e, null")));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("TDCZ");
    expect(dataRowCells(messages[1]!.body)).toEqual(["1", "é", null]);
    expect(text(messages[2]!.body)).toBe("SELECT 1\0");
    client.end();
  });

  test("empty query → EmptyQueryResponse", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("  ")));
    expect(types(await client.readUntil("Z"))).toBe("IZ");
    client.end();
  });

  test("an error ends the statement, then ReadyForQuery with the transaction status", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("begin; select 1; raise 22012 div; select 2")));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("CTDCEZ");
    expect(errorFields(messages[4]!.body)).toMatchObject({ S: "ERROR", V: "ERROR", C: "22012", M: "div", D: "raised on request", H: "this is a test" });
    expect(text(messages[5]!.body)).toBe("E");
    client.send(Frontend.bytes((f) => f.query("rollback")));
    const after = await client.readUntil("Z");
    expect(types(after)).toBe("CZ");
    expect(text(after[1]!.body)).toBe("I");
    client.end();
  });

  test("notices at once; parameter changes just before ReadyForQuery, last value only", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("notice hi; set TimeZone to 'Asia/Tokyo'; set TimeZone to 'Europe/Paris'")));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("NCCCSZ");
    expect(errorFields(messages[0]!.body)).toMatchObject({ S: "NOTICE", M: "hi" });
    expect(text(messages[4]!.body)).toBe("TimeZone\0Europe/Paris\0");
    // Unchanged values are not reported again.
    client.send(Frontend.bytes((f) => f.query("set TimeZone to 'Europe/Paris'; set DateStyle to 'ISO, MDY'")));
    expect(types(await client.readUntil("Z"))).toBe("CCZ");
    // In the extended protocol they come with the ReadyForQuery that answers Sync.
    client.send(Frontend.bytes((f) => f.parse("", "set TimeZone to 'UTC'").bind("", "").execute("").sync()));
    expect(types(await client.readUntil("Z"))).toBe("12CSZ");
    client.end();
  });

  test("a backend error that is not an SqlError → ERROR XX000; the connection goes on", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("crash").query("select 5")));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("EZ");
    expect(errorFields(messages[0]!.body)).toMatchObject({ S: "ERROR", C: "XX000", M: "internal error: deliberate crash" });
    expect(types(await client.readUntil("Z"))).toBe("TDCZ");
    client.end();
  });

  test("a backend that misuses the sink gets ERROR XX000 before any bad byte is sent", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("misuse")));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("EZ");
    expect(errorFields(messages[0]!.body)).toMatchObject({ C: "XX000", M: "internal error: dataRow before rowDescription" });
    client.end();
  });

  test("a FATAL from the backend ends the connection", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("fatal")));
    expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "57P01", M: "terminating connection on request" });
    await client.closed;
  });

  test("FunctionCall is refused with an ERROR and the connection goes on", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.functionCall(1598)));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("EZ");
    expect(errorFields(messages[0]!.body)).toMatchObject({ S: "ERROR", C: "0A000", M: "fastpath function calls are not supported" });
    client.end();
  });
});

describe("extended query", () => {
  test("Parse, Describe S, Bind, Describe P, Execute, Close, Sync", async () => {
    const client = await session();
    client.send(
      Frontend.bytes((f) =>
        f
          .parse("s1", "select $1::int4 as n, $2 as t", [0, 25])
          .describe("S", "s1")
          .bind("p1", "s1", ["41", "x"], [], [1, 0])
          .describe("P", "p1")
          .execute("p1", 0)
          .close("P", "p1")
          .close("S", "s1")
          .sync(),
      ),
    );
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("1tT2TDC33Z");
    const paramDescription = new DataView(messages[1]!.body.buffer, messages[1]!.body.byteOffset);
    expect([paramDescription.getInt16(0), paramDescription.getInt32(2), paramDescription.getInt32(6)]).toEqual([2, 23, 25]);
    // Describe S reports text formats; Describe P the formats chosen at Bind.
    expect(rowDescriptionFields(messages[2]!.body)).toEqual([
      { name: "n", typeOid: 23, format: 0 },
      { name: "t", typeOid: 25, format: 0 },
    ]);
    expect(rowDescriptionFields(messages[4]!.body).map((f) => f.format)).toEqual([1, 0]);
    const row = messages[5]!.body;
    expect(Buffer.from(row).toString("hex")).toBe("0002" + "00000004" + "00000029" + "00000001" + "78");
    client.end();
  });

  test("Describe of a statement without rows → ParameterDescription + NoData", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.parse("", "begin").describe("S", "").sync()));
    expect(types(await client.readUntil("Z"))).toBe("1tnZ");
    client.end();
  });

  test("Execute with a row limit → PortalSuspended, then the rest", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.parse("", "series 5").bind("", "").execute("", 2).execute("", 2).execute("", 2).sync()));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("12DDsDDsDCZ");
    expect(messages.filter((m) => m.type === "D").map((m) => dataRowCells(m.body)[0])).toEqual(["1", "2", "3", "4", "5"]);
    client.end();
  });

  test("Flush sends pending results before Sync", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.parse("", "select 1").flush()));
    expect((await client.read()).type).toBe("1");
    client.send(Frontend.bytes((f) => f.sync()));
    expect(types(await client.readUntil("Z"))).toBe("Z");
    client.end();
  });

  test("after an error, messages are skipped up to Sync", async () => {
    const client = await session();
    client.send(
      Frontend.bytes((f) =>
        f
          .parse("", "frobnicate")
          .bind("", "")
          .execute("", 0)
          .sync()
          .parse("", "select 2")
          .bind("", "")
          .execute("", 0)
          .sync(),
      ),
    );
    const first = await client.readUntil("Z");
    expect(types(first)).toBe("EZ");
    expect(errorFields(first[0]!.body)).toMatchObject({ C: "42601", P: "1" });
    expect(types(await client.readUntil("Z"))).toBe("12DCZ");
    client.end();
  });

  test("unknown statement and portal names", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.bind("", "nope").sync().describe("P", "nope").sync().execute("nope").sync()));
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const messages = await client.readUntil("Z");
      codes.push(errorFields(messages[0]!.body).C!);
    }
    expect(codes).toEqual(["26000", "34000", "34000"]);
    client.end();
  });

  test("an unsupported format code → ERROR 22023", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.parse("", "select 1").bind("", "", [], [], [2]).execute("").sync()));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("1EZ");
    expect(errorFields(messages[1]!.body)).toMatchObject({ C: "22023", M: "unsupported format code: 2" });
    client.end();
  });

  test("a result-format count that matches no column count → 08P01 from the backend", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.parse("", "select 1").bind("", "", [], [], [0, 0, 0]).sync()));
    const messages = await client.readUntil("Z");
    expect(errorFields(messages[1]!.body)).toMatchObject({ S: "ERROR", C: "08P01", M: "bind message has 3 result formats but query has 1 columns" });
    client.end();
  });
});

describe("COPY", () => {
  test("COPY FROM STDIN: CopyInResponse, CopyData..., CopyDone → CommandComplete", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("copy t from stdin")));
    const response = await client.read();
    expect(response.type).toBe("G");
    expect(Buffer.from(response.body).toString("hex")).toBe("00" + "0001" + "0000");
    client.send(Frontend.bytes((f) => f.copyData("1\n2\n").flush().copyData("3\n").sync().copyDone()));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("CZ");
    expect(text(messages[0]!.body)).toBe("COPY 3\0");
    client.end();
  });

  test("CopyFail → ERROR 57014; CopyData sent after it is ignored", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("copy t from stdin")));
    expect((await client.read()).type).toBe("G");
    client.send(Frontend.bytes((f) => f.copyData("1\n").copyFail("client gave up").copyData("late\n").copyDone().query("select 1")));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("EZ");
    expect(errorFields(messages[0]!.body)).toMatchObject({ C: "57014", M: "COPY from stdin failed: client gave up" });
    expect(types(await client.readUntil("Z"))).toBe("TDCZ");
    client.end();
  });

  test("another message during COPY FROM STDIN → ERROR 08P01, then FATAL (as PostgreSQL)", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("copy t from stdin")));
    expect((await client.read()).type).toBe("G");
    client.send(Frontend.bytes((f) => f.query("select 1")));
    const error = await client.read();
    expect(errorFields(error.body)).toMatchObject({ S: "ERROR", C: "08P01", M: "unexpected message type 0x51 during COPY from stdin" });
    expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "08P01", M: "terminating connection because protocol synchronization was lost" });
    await client.closed;
  });

  test("COPY FROM STDIN through the extended protocol (Sync during copy is ignored)", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.parse("", "copy t from stdin").bind("", "").execute("").sync()));
    const start = await client.readUntil("G");
    expect(types(start)).toBe("12G");
    client.send(Frontend.bytes((f) => f.copyData("a\nb\n").copyDone().sync()));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("CZ");
    expect(text(messages[0]!.body)).toBe("COPY 2\0");
    client.end();
  });

  test("COPY TO STDOUT: CopyOutResponse, CopyData..., CopyDone, CommandComplete", async () => {
    const client = await session();
    client.send(Frontend.bytes((f) => f.query("copy to stdout 3")));
    const messages = await client.readUntil("Z");
    expect(types(messages)).toBe("HdddcCZ");
    expect(messages.slice(1, 4).map((m) => text(m.body))).toEqual(["1\n", "2\n", "3\n"]);
    client.end();
  });
});

describe("malformed input", () => {
  const bad: [string, Uint8Array, string][] = [
    ["invalid message type", Frontend.bytes((f) => f.typed(0x7a, [])), "invalid frontend message type 122"],
    ["Query without NUL", Frontend.bytes((f) => f.typed(0x51, [0x78, 0x78])), "invalid string in message"],
    ["invalid UTF-8", Frontend.bytes((f) => f.typed(0x51, [0xff, 0])), 'invalid byte sequence for encoding "UTF8": 0xff'],
    ["bad length", Frontend.bytes((f) => f.raw([0x51, 0, 0, 0, 2])), "invalid message length"],
    ["SASL message after authentication", Frontend.bytes((f) => f.password("x")), "invalid frontend message type 112"],
    ["Bind count mismatch", Frontend.bytes((f) => f.typed(0x42, [0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 255, 255, 255, 255, 0, 0])), "bind message has 2 parameter formats but 1 parameters"],
  ];
  for (const [name, bytes, message] of bad) {
    test(`${name} → FATAL 08P01, connection closed, others unaffected`, async () => {
      const good = new pg.Client({ host: "127.0.0.1", port: t.port, user: "carol", database: "app" });
      await good.connect();
      try {
        const client = await session();
        client.send(bytes);
        expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "08P01", M: message });
        await client.closed;
        expect((await good.query("select $1::int4 as n", [1])).rows).toEqual([{ n: 1 }]);
      } finally {
        await good.end();
      }
    });
  }

  test("garbage instead of a startup packet", async () => {
    const client = await connect();
    client.send(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "08P01", M: "invalid length of startup packet" });
    await client.closed;
  });

  test("a message larger than maxMessageBytes is refused from its header", async () => {
    const small = await startTestServer({ maxMessageBytes: 4096 });
    try {
      const client = await session(small);
      client.send(Frontend.bytes((f) => f.raw([0x51, 0, 1, 0, 0])));
      expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "08P01", M: "invalid message length" });
      await client.closed;
    } finally {
      await small.stop();
    }
  });

  test("Terminate closes the connection and the session", async () => {
    const before = t.backend.openSessions;
    const client = await session();
    expect(t.backend.openSessions).toBe(before + 1);
    client.send(Frontend.bytes((f) => f.terminate()));
    await client.closed;
    await eventually(() => t.backend.openSessions === before, 2000, "session close");
  });

  test("a client vanishing mid-statement: the statement is cancelled and the session closed", async () => {
    const client = await session();
    const s = t.backend.sessions.at(-1)!;
    client.send(Frontend.bytes((f) => f.query("sleep 10000")));
    await Bun.sleep(50);
    client.end();
    await eventually(() => s.closed, 3000, "session close");
    expect(s.cancels).toBe(1);
  });
});

describe("cancel", () => {
  test("CancelRequest with the right key cancels; with a wrong key it does nothing", async () => {
    const client = await connect();
    const messages = await login(client);
    const key = messages.find((m) => m.type === "K")!.body;
    const view = new DataView(key.buffer, key.byteOffset);
    const pid = view.getInt32(0);
    const secret = key.slice(4, 8);

    client.send(Frontend.bytes((f) => f.query("sleep 300")));
    const wrong = await connect();
    wrong.send(Frontend.bytes((f) => f.cancelRequest(pid, secret.map((b) => b ^ 0xff))));
    await wrong.closed;
    expect(types(await client.readUntil("Z"))).toBe("TDCZ");

    client.send(Frontend.bytes((f) => f.query("sleep 5000")));
    await Bun.sleep(50);
    const canceller = await connect();
    canceller.send(Frontend.bytes((f) => f.cancelRequest(pid, secret)));
    expect(await canceller.readOrEnd()).toBeNull();
    const result = await client.readUntil("Z");
    expect(errorFields(result.find((m) => m.type === "E")!.body)).toMatchObject({ C: "57014" });
    client.end();
  });
});

describe("limits", () => {
  test("max connections → FATAL 53300; cancel requests still work when full", async () => {
    const limited = await startTestServer({ maxConnections: 3 });
    try {
      const clients = [await session(limited), await session(limited), await session(limited)];
      const extra = await connect(limited);
      extra.send(Frontend.bytes((f) => f.startup({ user: "carol" })));
      expect(fatalOf(await extra.readOrEnd())).toMatchObject({ C: "53300", M: "sorry, too many clients already" });
      await extra.closed;

      const first = clients[0]!;
      first.send(Frontend.bytes((f) => f.query("sleep 5000")));
      await Bun.sleep(50);
      const s = limited.backend.sessions[0]!;
      const canceller = await connect(limited);
      canceller.send(Frontend.bytes((f) => f.cancelRequest(s.context.processId, new Uint8Array(4))));
      await canceller.closed;
      expect(s.cancels).toBe(0); // wrong key: ignored, but the request was read

      clients[2]!.send(Frontend.bytes((f) => f.terminate()));
      await clients[2]!.closed;
      await eventually(() => limited.server.connections === 2, 2000, "slot release");
      const again = await session(limited);
      again.end();
      for (const c of clients) c.end();
    } finally {
      await limited.stop();
    }
  });

  test("50 concurrent connections, each with its own queries", async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => session()));
    const results = await Promise.all(
      clients.map(async (client, i) => {
        client.send(Frontend.bytes((f) => f.query(`select ${i}`).parse("", "series 50").bind("", "").execute("").sync()));
        const simple = await client.readUntil("Z");
        const extended = await client.readUntil("Z");
        return [dataRowCells(simple[1]!.body)[0], extended.filter((m) => m.type === "D").length];
      }),
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => [String(i), 50]));
    for (const c of clients) c.end();
  });

  test("a slow reader: the backend waits (backpressure) and every row arrives", async () => {
    // Over the Unix socket: its kernel buffers are small, so the server's own bound shows.
    const client = await RawClient.connect({ unix: t.server.socketPath! });
    await login(client);
    const s = t.backend.sessions.at(-1)!;
    const rows = 500_000;
    client.pause(); // reads nothing for a while
    client.send(Frontend.bytes((f) => f.query(`series ${rows}`)));
    await Bun.sleep(300);
    const producedWhileStalled = s.rowsProduced;
    // Bounded by the high-water mark plus the kernel's socket buffers, far below the result.
    expect(producedWhileStalled).toBeLessThan(rows / 5);
    await Bun.sleep(200);
    expect(s.rowsProduced - producedWhileStalled).toBeLessThan(1000);
    client.resume();
    const messages = await client.readUntil("Z", 20_000);
    const data = messages.filter((m) => m.type === "D");
    expect(data.length).toBe(rows);
    expect(dataRowCells(data.at(-1)!.body)).toEqual([String(rows)]);
    client.end();
  });

  test("a client that stops reading while the backend ignores backpressure is disconnected at the buffer limit", async () => {
    const capped = await startTestServer({ outputBufferBytesMax: 2 * 1024 * 1024 });
    try {
      const client = await session(capped);
      client.pause();
      client.send(Frontend.bytes((f) => f.query("flood 1000000")));
      await eventually(() => capped.server.connections === 0, 10_000, "the connection to be dropped");
      expect(capped.logger.entries.some((e) => e.level === "warn" && e.message.includes("not reading"))).toBe(true);
      expect(capped.backend.openSessions).toBe(0);
    } finally {
      await capped.stop();
    }
  });

  test("a burst of pipelined queries behind a slow one is answered in order (reading pauses and resumes)", async () => {
    const small = await startTestServer({ inputHighWaterBytes: 4096 });
    try {
      const client = await session(small);
      const f = new Frontend();
      f.query("sleep 200");
      for (let i = 0; i < 20_000; i++) f.query(`select ${i}`);
      client.send(f.take());
      await client.readUntil("Z");
      for (let i = 0; i < 20_000; i++) {
        const messages = await client.readUntil("Z");
        if (dataRowCells(messages[1]!.body)[0] !== String(i)) throw new Error(`answer ${i} out of order`);
      }
      client.end();
    } finally {
      await small.stop();
    }
  });
});

describe("TLS negotiation", () => {
  test("bytes sent after SSLRequest before the handshake are refused (CVE-2021-23214)", async () => {
    const secure = await startTestServer({ tls: testCertificate() });
    try {
      const client = await connect(secure);
      client.send(Frontend.bytes((f) => f.sslRequest().startup({ user: "carol" })));
      expect(fatalOf(await client.readOrEnd())).toMatchObject({ C: "08P01", M: "received unencrypted data after SSL request" });
      await client.closed;
      expect(secure.backend.sessions.length).toBe(0);
    } finally {
      await secure.stop();
    }
  });

  test("SSLRequest on the Unix socket → 'N' even with TLS configured", async () => {
    const secure = await startTestServer({ tls: testCertificate() });
    try {
      const client = await RawClient.connect({ unix: secure.server.socketPath! });
      client.send(Frontend.bytes((f) => f.sslRequest()));
      expect(String.fromCharCode(await client.readByte())).toBe("N");
      expect(types(await login(client))).toEndWith("KZ");
      expect(secure.backend.sessions[0]!.startup).toMatchObject({ unixSocket: true, remoteAddress: "" });
      client.end();
    } finally {
      await secure.stop();
    }
  });
});

describe("server lifecycle", () => {
  test("shutdown sends FATAL 57P01 to every client, idle or busy, and closes every session", async () => {
    const s = await startTestServer();
    const idle = await session(s);
    const busy = await session(s);
    busy.send(Frontend.bytes((f) => f.query("sleep 10000")));
    await Bun.sleep(50);
    const started = Date.now();
    await s.server.shutdown();
    expect(Date.now() - started).toBeLessThan(2000);
    for (const client of [idle, busy]) {
      const messages: BackendMessage[] = [];
      for (let m = await client.readOrEnd(); m !== null; m = await client.readOrEnd()) messages.push(m);
      expect(fatalOf(messages.at(-1)!)).toMatchObject({ C: "57P01", M: "terminating connection due to administrator command" });
    }
    expect(s.backend.openSessions).toBe(0);
    expect(s.server.connections).toBe(0);
    await s.stop();
  });

  test("`await using` shuts the server down at the end of the scope", async () => {
    let port = 0;
    {
      await using server = await startServer({ backend: new FakeBackend({ trust: true }), port: 0, logger: t.logger });
      port = server.port;
      const client = await connect(server);
      await login(client);
    }
    await expect(RawClient.connect({ port })).rejects.toThrow();
  });

  test("close() stops accepting while open connections continue", async () => {
    const s = await startTestServer();
    const client = await session(s);
    await s.server.close();
    await expect(RawClient.connect({ port: s.port })).rejects.toThrow();
    expect(existsSync(s.server.socketPath!)).toBe(false);
    client.send(Frontend.bytes((f) => f.query("select 1")));
    expect(types(await client.readUntil("Z"))).toBe("TDCZ");
    client.end();
    await s.stop();
  });

  test("a stale socket file is replaced; a live one is an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgw-stale-"));
    try {
      const port = 40000 + Math.floor(Math.random() * 20000);
      const path = join(dir, `.s.PGSQL.${port}`);
      // A socket file whose server is gone.
      const made = spawnSync("python3", ["-c", `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`]);
      expect(made.status).toBe(0);
      expect(existsSync(path)).toBe(true);
      const backend = new FakeBackend({ trust: true });
      const server = await startServer({ backend, host: null, port, socketDir: dir, logger: t.logger });
      expect(server.socketPath).toBe(path);
      const client = await RawClient.connect({ unix: path });
      expect(types(await login(client))).toEndWith("KZ");
      client.end();
      await expect(startServer({ backend, host: null, port, socketDir: dir })).rejects.toThrow(/another server is already listening/);
      await server.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("invalid options are refused", async () => {
    const backend = new FakeBackend();
    await expect(startServer({ backend, port: 70000 })).rejects.toThrow(RangeError);
    await expect(startServer({ backend, host: null })).rejects.toThrow(/nothing to listen on/);
    await expect(startServer({ backend, host: null, port: 0, socketDir: "/tmp" })).rejects.toThrow(/explicit port/);
    await expect(startServer({ backend, port: 0, maxConnections: 0 })).rejects.toThrow(RangeError);
    await expect(startServer({ backend, port: 0, outputLowWaterBytes: 10, outputHighWaterBytes: 5 })).rejects.toThrow(RangeError);
  });
});
