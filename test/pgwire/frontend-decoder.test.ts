import { describe, expect, test } from "bun:test";
import {
  FrontendDecoder,
  decodePasswordMessage,
  decodeSaslInitialResponse,
  decodeSaslResponse,
} from "../../ts/pgwire/frontend-decoder.ts";
import type { FrontendMessage } from "../../ts/pgwire/frontend-messages.ts";
import { ProtocolError } from "../../ts/pgwire/protocol-error.ts";
import { Frontend } from "./support/frontend-encoder.ts";

const startupBytes = Frontend.bytes((f) => f.startup({ user: "u" }));

function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function drain(decoder: FrontendDecoder): FrontendMessage[] {
  const out: FrontendMessage[] = [];
  for (let m = decoder.next(); m !== null; m = decoder.next()) out.push(m);
  return out;
}

/** Decode typed messages (a StartupMessage is sent first to leave the startup phase). */
function decodeTyped(bytes: Uint8Array, options: { maxMessageBytes?: number } = {}): FrontendMessage[] {
  const decoder = new FrontendDecoder(options);
  decoder.push(startupBytes);
  expect(decoder.next()?.type).toBe("startup");
  decoder.push(bytes);
  return drain(decoder);
}

function expectProtocolError(run: () => unknown, message: string | RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  const e = caught as ProtocolError;
  expect(e.code).toBe("08P01");
  expect(e.severity).toBe("FATAL");
  if (typeof message === "string") expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
}

describe("startup packets, byte by byte", () => {
  test("StartupMessage 3.0 with parameters", () => {
    // length 37, version 3.0, user=alice, database=db, NUL
    const bytes = hex("00000020 00030000 7573657200 616c69636500 646174616261736500 646200 00");
    const decoder = new FrontendDecoder();
    decoder.push(bytes);
    const m = decoder.next();
    expect(m).toEqual({
      type: "startup",
      protocolVersion: 0x30000,
      parameters: new Map([
        ["user", "alice"],
        ["database", "db"],
      ]),
    });
    expect(decoder.inStartupPhase).toBe(false);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test("StartupMessage 3.2 keeps its version and _pq_ options", () => {
    const decoder = new FrontendDecoder();
    decoder.push(Frontend.bytes((f) => f.startup({ user: "u", "_pq_.x": "1" }, (3 << 16) | 2)));
    const m = decoder.next();
    expect(m?.type).toBe("startup");
    if (m?.type !== "startup") return;
    expect(m.protocolVersion).toBe((3 << 16) | 2);
    expect([...m.parameters]).toEqual([
      ["user", "u"],
      ["_pq_.x", "1"],
    ]);
  });

  test("protocol 2.0 startup is decoded without parsing its body (the connection refuses it)", () => {
    const decoder = new FrontendDecoder();
    decoder.push(hex("00000010 00020000 0102030405060708"));
    const m = decoder.next();
    expect(m).toEqual({ type: "startup", protocolVersion: 0x20000, parameters: new Map() });
  });

  test("SSLRequest: 00000008 04d2162f", () => {
    const decoder = new FrontendDecoder();
    decoder.push(hex("00000008 04d2162f"));
    expect(decoder.next()).toEqual({ type: "sslRequest" });
    expect(decoder.inStartupPhase).toBe(true);
  });

  test("GSSENCRequest: 00000008 04d21630", () => {
    const decoder = new FrontendDecoder();
    decoder.push(hex("00000008 04d21630"));
    expect(decoder.next()).toEqual({ type: "gssEncRequest" });
  });

  test("CancelRequest: 00000010 04d2162e pid key", () => {
    const decoder = new FrontendDecoder();
    decoder.push(hex("00000010 04d2162e 00003039 deadbeef"));
    expect(decoder.next()).toEqual({ type: "cancelRequest", processId: 12345, secretKey: hex("deadbeef") });
  });

  test("SSLRequest then StartupMessage in one chunk", () => {
    const decoder = new FrontendDecoder();
    decoder.push(Frontend.bytes((f) => f.sslRequest().startup({ user: "x" })));
    expect(drain(decoder).map((m) => m.type)).toEqual(["sslRequest", "startup"]);
  });
});

describe("typed messages, byte by byte", () => {
  const cases: [string, string, FrontendMessage][] = [
    ["Query", "51 0000000d 73656c6563742031 00", { type: "query", sql: "select 1" }],
    ["Query (empty string)", "51 00000005 00", { type: "query", sql: "" }],
    ["Query (UTF-8)", "51 0000000a c3a9e282ac 00", { type: "query", sql: "é€" }],
    [
      "Parse",
      "50 00000017 733100 73656c656374202431 00 0001 00000017",
      { type: "parse", statement: "s1", sql: "select $1", paramTypes: [23] },
    ],
    [
      "Parse (unsigned OID)",
      "50 0000000d 00 7800 0001 ffffffff",
      { type: "parse", statement: "", sql: "x", paramTypes: [0xffffffff] },
    ],
    [
      "Bind",
      "42 0000001f 7000 733100 0002 0000 0001 0002 00000002 3432 ffffffff 0001 0001",
      {
        type: "bind",
        portal: "p",
        statement: "s1",
        paramFormats: [0, 1],
        params: [new TextEncoder().encode("42"), null],
        resultFormats: [1],
      },
    ],
    [
      "Bind (no formats, empty param)",
      "42 00000010 00 00 0000 0001 00000000 0000",
      { type: "bind", portal: "", statement: "", paramFormats: [], params: [new Uint8Array(0)], resultFormats: [] },
    ],
    ["Describe statement", "44 00000008 53 733100", { type: "describe", kind: "S", name: "s1" }],
    ["Describe portal", "44 00000006 50 00", { type: "describe", kind: "P", name: "" }],
    ["Execute", "45 00000009 00 0000000a", { type: "execute", portal: "", maxRows: 10 }],
    ["Execute (negative maxRows means all)", "45 00000009 00 ffffffff", { type: "execute", portal: "", maxRows: 0 }],
    ["Close statement", "43 00000008 53 733100", { type: "close", kind: "S", name: "s1" }],
    ["Close portal", "43 00000007 50 7000", { type: "close", kind: "P", name: "p" }],
    ["Sync", "53 00000004", { type: "sync" }],
    ["Flush", "48 00000004", { type: "flush" }],
    ["Terminate", "58 00000004", { type: "terminate" }],
    ["CopyData", "64 00000007 610a62", { type: "copyData", data: hex("610a62") }],
    ["CopyData (empty)", "64 00000004", { type: "copyData", data: new Uint8Array(0) }],
    ["CopyDone", "63 00000004", { type: "copyDone" }],
    ["CopyFail", "66 00000008 6f6f7000", { type: "copyFail", message: "oop" }],
    ["password/SASL ('p')", "70 00000009 7365637200", { type: "authenticationResponse", data: hex("7365637200") }],
    ["FunctionCall", "46 0000000e 00000001 0000 0000 0000", { type: "functionCall" }],
  ];
  for (const [name, bytes, expected] of cases) {
    test(name, () => {
      expect(decodeTyped(hex(bytes))).toEqual([expected]);
    });
  }

  test("byte payloads are copies even when the input is a Buffer (whose slice() does not copy)", () => {
    const d = new FrontendDecoder();
    d.push(Buffer.from(startupBytes));
    d.next();
    const input = Buffer.from(Frontend.bytes((f) => f.bind("", "", ["abc"]).copyData("xyz")));
    // Split so the decoder must buffer and later reuse its own memory.
    d.push(input.subarray(0, 20));
    const bind = d.next();
    d.push(input.subarray(20));
    const copy = d.next();
    input.fill(0);
    d.push(Buffer.from(Frontend.bytes((f) => f.copyData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"))));
    d.next();
    expect(bind).toMatchObject({ type: "bind", params: [new TextEncoder().encode("abc")] });
    expect(copy).toEqual({ type: "copyData", data: new TextEncoder().encode("xyz") });
  });

  test("byte payloads are copies, independent of the input buffer", () => {
    const input = hex("64 00000007 616263");
    const [m] = decodeTyped(input);
    input.fill(0);
    expect(m).toEqual({ type: "copyData", data: hex("616263") });
  });
});

describe("auth message bodies", () => {
  test("PasswordMessage", () => {
    expect(decodePasswordMessage(hex("70617373 00"))).toBe("pass");
    expectProtocolError(() => decodePasswordMessage(hex("7061737300 00")), "invalid password packet size");
    expectProtocolError(() => decodePasswordMessage(hex("70617373")), "invalid string in message");
  });

  test("SASLInitialResponse", () => {
    const body = hex("5343414d2d5348412d32353600 00000003 6e2c2c");
    expect(decodeSaslInitialResponse(body)).toEqual({ mechanism: "SCAM-SHA-256", data: hex("6e2c2c") });
    expect(decodeSaslInitialResponse(hex("6d00 ffffffff"))).toEqual({ mechanism: "m", data: null });
    expectProtocolError(() => decodeSaslInitialResponse(hex("6d00 00000005 6e2c")), "insufficient data left in message");
    expectProtocolError(() => decodeSaslInitialResponse(hex("6d00 00000001 6e2c")), "invalid message format");
    expectProtocolError(() => decodeSaslInitialResponse(hex("6d00 fffffffe")), "invalid SASL initial response length");
  });

  test("SASLResponse is the raw payload", () => {
    expect(decodeSaslResponse(hex("633d62"))).toEqual(hex("633d62"));
  });
});

describe("framing", () => {
  const stream = Frontend.bytes((f) =>
    f
      .startup({ user: "alice", database: "db", application_name: "tést" })
      .query("select 1; select 'ünï'")
      .parse("s", "select $1", [25])
      .bind("", "s", ["x", null, new Uint8Array([0, 1, 2])], [0, 0, 1], [1])
      .describe("P", "")
      .execute("", 5)
      .close("S", "s")
      .flush()
      .sync()
      .copyData(new Uint8Array(3000).fill(7))
      .copyDone()
      .copyFail("stop")
      .password("pw")
      .terminate(),
  );
  const expected = (() => {
    const d = new FrontendDecoder();
    d.push(stream);
    return drain(d);
  })();

  test("the whole stream in one chunk decodes to every message", () => {
    expect(expected.map((m) => m.type)).toEqual([
      "startup",
      "query",
      "parse",
      "bind",
      "describe",
      "execute",
      "close",
      "flush",
      "sync",
      "copyData",
      "copyDone",
      "copyFail",
      "authenticationResponse",
      "terminate",
    ]);
  });

  test("split in two at every byte boundary", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrontendDecoder();
      const got: FrontendMessage[] = [];
      d.push(stream.subarray(0, cut));
      got.push(...drain(d));
      d.push(stream.subarray(cut));
      got.push(...drain(d));
      if (got.length !== expected.length) throw new Error(`cut at ${cut}: ${got.length} messages`);
      expect(got).toEqual(expected);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  test("one byte at a time", () => {
    const d = new FrontendDecoder();
    const got: FrontendMessage[] = [];
    for (let i = 0; i < stream.length; i++) {
      d.push(stream.subarray(i, i + 1));
      got.push(...drain(d));
    }
    expect(got).toEqual(expected);
  });

  test("random chunk sizes (seeded)", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 200; round++) {
      const d = new FrontendDecoder();
      const got: FrontendMessage[] = [];
      let at = 0;
      while (at < stream.length) {
        const size = 1 + Math.floor(random() * 200);
        d.push(stream.subarray(at, at + size));
        at += size;
        got.push(...drain(d));
      }
      expect(got).toEqual(expected);
    }
  });

  test("many messages per chunk", () => {
    const f = new Frontend();
    for (let i = 0; i < 10_000; i++) f.query(`select ${i}`).sync();
    const messages = decodeTyped(f.take());
    expect(messages.length).toBe(20_000);
    expect(messages[19_998]).toEqual({ type: "query", sql: "select 9999" });
  });

  test("a large message across many chunks arrives intact", () => {
    const payload = new Uint8Array(1 << 20);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const bytes = Frontend.bytes((f) => f.copyData(payload).sync());
    const d = new FrontendDecoder();
    d.push(startupBytes);
    d.next();
    const got: FrontendMessage[] = [];
    for (let at = 0; at < bytes.length; at += 1000) {
      d.push(bytes.subarray(at, at + 1000));
      got.push(...drain(d));
    }
    expect(got.length).toBe(2);
    const first = got[0]!;
    expect(first.type).toBe("copyData");
    if (first.type === "copyData") expect(Buffer.from(first.data).equals(Buffer.from(payload))).toBe(true);
  });

  test("nothing is returned for an incomplete message, and the bytes are kept", () => {
    const d = new FrontendDecoder();
    d.push(startupBytes.subarray(0, 7));
    expect(d.next()).toBeNull();
    expect(d.bufferedBytes).toBe(7);
  });
});

describe("invalid input is a protocol error", () => {
  const startupCases: [string, string, string | RegExp][] = [
    ["startup length below 8", "00000007 000300", "invalid length of startup packet"],
    ["startup length above 10000", "00002711 00030000", "invalid length of startup packet"],
    ["negative startup length", "ffffffff", "invalid length of startup packet"],
    ["startup without terminator", "0000000c 00030000 7500 7800", "invalid startup packet layout: expected terminator as last byte"],
    ["startup name without value", "0000000d 00030000 757365 7200", "invalid startup packet layout: expected terminator as last byte"],
    ["startup bytes after terminator", "0000000e 00030000 7500 7800 00 00", "invalid startup packet layout: expected terminator as last byte"],
    ["startup empty body", "00000008 00030000", "invalid startup packet layout: expected terminator as last byte"],
    ["startup invalid UTF-8", "0000000d 00030000 7500 ff00 00", /^invalid byte sequence for encoding "UTF8": 0xff/],
    ["SSLRequest with a body", "0000000c 04d2162f 00000000", "invalid message format"],
    ["CancelRequest too short", "0000000c 04d2162e 00000001", "invalid length of startup packet"],
  ];
  for (const [name, bytes, message] of startupCases) {
    test(name, () => {
      const d = new FrontendDecoder();
      d.push(hex(bytes));
      expectProtocolError(() => drain(d), message);
    });
  }

  const typedCases: [string, string, string | RegExp][] = [
    ["unknown type byte", "7a 00000004", "invalid frontend message type 122"],
    ["NUL type byte", "00 00000004", "invalid frontend message type 0"],
    ["length below 4", "51 00000003", "invalid message length"],
    ["negative length", "51 ffffffff", "invalid message length"],
    ["control message above 10000 bytes", "53 00002711", "invalid message length"],
    ["Query without NUL", "51 00000006 7878", "invalid string in message"],
    ["Query with bytes after NUL", "51 00000007 7800 78", "invalid message format"],
    ["Query invalid UTF-8 (lone continuation)", "51 00000007 61 80 00 ", /^invalid byte sequence for encoding "UTF8": 0x80/],
    ["Query invalid UTF-8 (overlong)", "51 00000007 c0af 00", /^invalid byte sequence for encoding "UTF8": 0xc0/],
    ["Query invalid UTF-8 (surrogate)", "51 00000008 eda080 00", /^invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80/],
    ["Query invalid UTF-8 (truncated)", "51 00000007 e282 00", /^invalid byte sequence for encoding "UTF8": 0xe2 0x82/],
    ["Parse count exceeds types", "50 0000000d 00 7800 0002 00000017", "insufficient data left in message"],
    ["Parse trailing bytes", "50 0000000a 00 7800 0000 ff", "invalid message format"],
    ["Bind formats do not match parameters", "42 00000014 00 00 0002 0000 0000 0001 ffffffff 0000", "bind message has 2 parameter formats but 1 parameters"],
    ["Bind parameter length -2", "42 00000010 00 00 0000 0001 fffffffe 0000", "invalid length -2 of bind parameter 1"],
    ["Bind parameter longer than message", "42 00000010 00 00 0000 0001 00000010 7878", "insufficient data left in message"],
    ["Bind result formats truncated", "42 0000000e 00 00 0000 0000 0002 0001", "insufficient data left in message"],
    ["Describe invalid kind", "44 00000006 58 00", "invalid DESCRIBE message subtype 88"],
    ["Close invalid kind", "43 00000006 51 00", "invalid CLOSE message subtype 81"],
    ["Execute without maxRows", "45 00000005 00", "insufficient data left in message"],
    ["Sync with a body", "53 00000005 00", "invalid message format"],
    ["CopyFail without NUL", "66 00000006 7878", "invalid string in message"],
  ];
  for (const [name, bytes, message] of typedCases) {
    test(name, () => {
      expectProtocolError(() => decodeTyped(hex(bytes)), message);
    });
  }

  test("an oversize message is refused from its header alone, before its body arrives", () => {
    const d = new FrontendDecoder({ maxMessageBytes: 1024 });
    d.push(startupBytes);
    d.next();
    d.push(hex("51 00000401")); // 1025 > 1024
    expectProtocolError(() => d.next(), "invalid message length");
  });

  test("a message exactly at the limit is accepted", () => {
    const sql = "x".repeat(1024 - 4 - 1);
    const messages = decodeTyped(Frontend.bytes((f) => f.query(sql)), { maxMessageBytes: 1024 });
    expect(messages).toEqual([{ type: "query", sql }]);
  });

  test("the default limit is PostgreSQL's 1 GiB: a header claiming more is refused", () => {
    expectProtocolError(() => decodeTyped(hex("64 40000000")), "invalid message length");
  });

  test("after an error the decoder stays failed", () => {
    const d = new FrontendDecoder();
    d.push(startupBytes);
    d.next();
    d.push(hex("7a 00000004 53 00000004"));
    expectProtocolError(() => d.next(), "invalid frontend message type 122");
    expectProtocolError(() => d.next(), "invalid frontend message type 122");
  });

  test("invalid decoder limits are refused", () => {
    expect(() => new FrontendDecoder({ maxMessageBytes: 3 })).toThrow(RangeError);
    expect(() => new FrontendDecoder({ maxMessageBytes: 2 ** 31 })).toThrow(RangeError);
  });
});
