import { describe, expect, test } from "bun:test";
// node-postgres' own protocol parser (installed with pg) checks the bytes independently.
import { Parser } from "pg-protocol/dist/parser.js";
import { BackendEncoder } from "../../ts/pgwire/backend-encoder.ts";
import { SqlError } from "../../ts/sql/errors.ts";

function hex(s: string): string {
  return s.replace(/\s+/g, "");
}

function encode(build: (e: BackendEncoder) => void): string {
  const e = new BackendEncoder();
  build(e);
  return Buffer.from(e.take()).toString("hex");
}

/** Parse with node-postgres' client-side parser. */
function pgParse(build: (e: BackendEncoder) => void): Record<string, unknown>[] {
  const e = new BackendEncoder();
  build(e);
  const out: Record<string, unknown>[] = [];
  new Parser().parse(Buffer.from(e.take()), (m) => out.push(m as unknown as Record<string, unknown>));
  return out;
}

describe("backend messages, byte by byte", () => {
  const cases: [string, (e: BackendEncoder) => void, string][] = [
    ["AuthenticationOk", (e) => e.authenticationOk(), "52 00000008 00000000"],
    ["AuthenticationCleartextPassword", (e) => e.authenticationCleartextPassword(), "52 00000008 00000003"],
    ["AuthenticationMD5Password", (e) => e.authenticationMd5Password(new Uint8Array([1, 2, 3, 4])), "52 0000000c 00000005 01020304"],
    [
      "AuthenticationSASL",
      (e) => e.authenticationSasl(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]),
      "52 0000002a 0000000a 534352414d2d5348412d3235362d504c555300 534352414d2d5348412d32353600 00",
    ],
    ["AuthenticationSASLContinue", (e) => e.authenticationSaslContinue("r=ab"), "52 0000000c 0000000b 723d6162"],
    ["AuthenticationSASLFinal", (e) => e.authenticationSaslFinal(new TextEncoder().encode("v=x")), "52 0000000b 0000000c 763d78"],
    ["ParameterStatus", (e) => e.parameterStatus("TimeZone", "UTC"), "53 00000011 54696d655a6f6e6500 55544300"],
    ["BackendKeyData", (e) => e.backendKeyData(1234, new Uint8Array([0xde, 0xad, 0xbe, 0xef])), "4b 0000000c 000004d2 deadbeef"],
    ["NegotiateProtocolVersion", (e) => e.negotiateProtocolVersion(0x30000, ["_pq_.a"]), "76 00000013 00030000 00000001 5f70715f2e6100"],
    ["ReadyForQuery idle", (e) => e.readyForQuery("I"), "5a 00000005 49"],
    ["ReadyForQuery in transaction", (e) => e.readyForQuery("T"), "5a 00000005 54"],
    ["ReadyForQuery failed", (e) => e.readyForQuery("E"), "5a 00000005 45"],
    [
      "RowDescription",
      (e) => e.rowDescription([{ name: "a", tableOid: 16384, columnNumber: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 1 }]),
      "54 0000001a 0001 6100 00004000 0001 00000017 0004 ffffffff 0001",
    ],
    ["RowDescription defaults", (e) => e.rowDescription([{ name: "x", typeOid: 25, typeSize: -1 }]), "54 0000001a 0001 7800 00000000 0000 00000019 ffff ffffffff 0000"],
    ["RowDescription empty", (e) => e.rowDescription([]), "54 00000006 0000"],
    ["ParameterDescription", (e) => e.parameterDescription([23, 25]), "74 0000000e 0002 00000017 00000019"],
    ["NoData", (e) => e.noData(), "6e 00000004"],
    [
      "DataRow",
      (e) => e.dataRow(["1", null, new Uint8Array([0, 255]), "é", ""]),
      "44 0000001f 0005 00000001 31 ffffffff 00000002 00ff 00000002 c3a9 00000000",
    ],
    ["DataRow empty", (e) => e.dataRow([]), "44 00000006 0000"],
    ["CommandComplete", (e) => e.commandComplete("SELECT 1"), "43 0000000d 53454c4543542031 00"],
    ["EmptyQueryResponse", (e) => e.emptyQueryResponse(), "49 00000004"],
    [
      "ErrorResponse",
      (e) => e.errorResponse(new SqlError("42601", "bad", { position: 7 })),
      "45 00000022 534552524f5200 564552524f5200 43343236303100 4d62616400 503700 00",
    ],
    ["NoticeResponse", (e) => e.noticeResponse({ severity: "NOTICE", code: "00000", message: "hi" }), "4e 00000020 534e4f5449434500 564e4f5449434500 43303030303000 4d686900 00"],
    ["NotificationResponse", (e) => e.notificationResponse(7, "ch", "p"), "41 0000000d 00000007 636800 7000"],
    ["ParseComplete", (e) => e.parseComplete(), "31 00000004"],
    ["BindComplete", (e) => e.bindComplete(), "32 00000004"],
    ["CloseComplete", (e) => e.closeComplete(), "33 00000004"],
    ["PortalSuspended", (e) => e.portalSuspended(), "73 00000004"],
    ["CopyInResponse", (e) => e.copyInResponse(0, [0, 0]), "47 0000000b 00 0002 0000 0000"],
    ["CopyOutResponse binary", (e) => e.copyOutResponse(1, [1]), "48 00000009 01 0001 0001"],
    ["CopyBothResponse", (e) => e.copyBothResponse(0, []), "57 00000007 00 0000"],
    ["CopyData bytes", (e) => e.copyData(new Uint8Array([1, 2])), "64 00000006 0102"],
    ["CopyData text", (e) => e.copyData("a\tb\n"), "64 00000008 6109620a"],
    ["CopyDone", (e) => e.copyDone(), "63 00000004"],
  ];
  for (const [name, build, expected] of cases) {
    test(name, () => {
      expect(encode(build)).toBe(hex(expected));
    });
  }

  test("ErrorResponse carries the fields PostgreSQL defines", () => {
    const fields = pgParse((e) =>
      e.errorResponse({
        severity: "ERROR",
        code: "23505",
        message: "duplicate key value violates unique constraint \"t_pkey\"",
        detail: "Key (id)=(1) already exists.",
        hint: "h",
        position: 3,
        internalPosition: 4,
        internalQuery: "iq",
        where: "w",
        schema: "public",
        table: "t",
        column: "id",
        dataType: "int4",
        constraint: "t_pkey",
        routine: "_bt_check_unique",
      }),
    )[0]!;
    expect(fields).toMatchObject({
      name: "error",
      severity: "ERROR",
      code: "23505",
      detail: "Key (id)=(1) already exists.",
      hint: "h",
      position: "3",
      internalPosition: "4",
      internalQuery: "iq",
      where: "w",
      schema: "public",
      table: "t",
      column: "id",
      dataType: "int4",
      constraint: "t_pkey",
      routine: "_bt_check_unique",
    });
  });

  test("strings holding NUL are sent without it (a NUL would cut the field short)", () => {
    expect(encode((e) => e.commandComplete("A\0B"))).toBe(hex("43 00000007 4142 00"));
  });
});

describe("node-postgres' parser reads what we encode", () => {
  test("a whole result cycle", () => {
    const messages = pgParse((e) => {
      e.parseComplete();
      e.bindComplete();
      e.rowDescription([
        { name: "id", typeOid: 23, typeSize: 4 },
        { name: "name", typeOid: 25, typeSize: -1 },
      ]);
      e.dataRow(["1", "ünïcödé"]);
      e.dataRow(["2", null]);
      e.commandComplete("SELECT 2");
      e.readyForQuery("T");
    });
    expect(messages.map((m) => m.name)).toEqual([
      "parseComplete",
      "bindComplete",
      "rowDescription",
      "dataRow",
      "dataRow",
      "commandComplete",
      "readyForQuery",
    ]);
    expect(messages[3]!.fields).toEqual(["1", "ünïcödé"]);
    expect(messages[4]!.fields).toEqual(["2", null]);
    expect(messages[5]!.text).toBe("SELECT 2");
    expect(messages[6]!.status).toBe("T");
  });

  test("authentication and startup messages", () => {
    const messages = pgParse((e) => {
      e.authenticationSasl(["SCRAM-SHA-256"]);
      e.authenticationSaslContinue("r=x,s=y,i=4096");
      e.authenticationSaslFinal("v=z");
      e.authenticationOk();
      e.parameterStatus("server_version", "16.0 (pgz 0.1.0)");
      e.backendKeyData(42, new Uint8Array([0, 0, 0, 7]));
    });
    expect(messages.map((m) => m.name)).toEqual([
      "authenticationSASL",
      "authenticationSASLContinue",
      "authenticationSASLFinal",
      "authenticationOk",
      "parameterStatus",
      "backendKeyData",
    ]);
    expect(messages[0]!.mechanisms).toEqual(["SCRAM-SHA-256"]);
    expect(messages[1]!.data).toBe("r=x,s=y,i=4096");
    expect(messages[2]!.data).toBe("v=z");
    expect(messages[4]).toMatchObject({ parameterName: "server_version", parameterValue: "16.0 (pgz 0.1.0)" });
    expect(messages[5]).toMatchObject({ processID: 42, secretKey: 7 });
  });
});

describe("encoder behaviour", () => {
  test("a bad cell leaves the messages before it intact", () => {
    const e = new BackendEncoder();
    e.commandComplete("X");
    expect(() => e.dataRow(["ok", 5 as unknown as string])).toThrow(TypeError);
    e.readyForQuery("I");
    expect(Buffer.from(e.take()).toString("hex")).toBe(hex("43 00000006 5800 5a 00000005 49"));
  });

  test("the buffer grows for large rows and the bytes stay right", () => {
    const e = new BackendEncoder();
    const big = "x".repeat(100_000) + "é";
    e.dataRow([big, big]);
    const bytes = e.take();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    expect(view.getInt32(1)).toBe(bytes.length - 1);
    expect(view.getInt32(7)).toBe(100_002);
    expect(new TextDecoder().decode(bytes.subarray(11, 11 + 100_002))).toBe(big);
  });

  test("take() resets; the next message starts at offset 0", () => {
    const e = new BackendEncoder();
    e.noData();
    expect(e.take().length).toBe(5);
    expect(e.length).toBe(0);
    e.bindComplete();
    expect(Buffer.from(e.take()).toString("hex")).toBe("3200000004");
  });

  test("limits are checked", () => {
    const e = new BackendEncoder();
    expect(() => e.backendKeyData(1, new Uint8Array(3))).toThrow(RangeError);
    expect(() => e.authenticationSasl([])).toThrow(RangeError);
    expect(() => e.dataRow(new Array(70_000).fill(null))).toThrow(RangeError);
  });

  test("DataRow encoding is fast enough for the hot path", () => {
    const e = new BackendEncoder();
    const row = ["12345", "some text value", null, "2024-01-01 00:00:00+00"];
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) {
      e.dataRow(row);
      if (e.length > 1 << 16) e.take();
    }
    const ms = performance.now() - started;
    // About 0.1 µs per row here; the bound only catches a pathological regression.
    expect(ms).toBeLessThan(2000);
  });
});
