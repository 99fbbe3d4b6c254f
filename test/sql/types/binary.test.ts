// Binary send/receive formats against PostgreSQL's typsend() output, and receive errors.

import { describe, expect, test } from "bun:test";
import { parseTypeName } from "../../../ts/sql/types/type-names.ts";
import { typeByName } from "../../../ts/sql/types/registry.ts";
import { loadFixture, type BinaryFixture } from "./fixture-format.ts";

const fixture = await loadFixture<BinaryFixture>("binary.json");
const ctx = { timeZone: "UTC" };
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, "hex"));

describe("binary format matches PostgreSQL", () => {
  for (const item of fixture.cases) {
    test(`${item.type} '${item.input}'`, () => {
      const { type, typmod } = parseTypeName(item.type);
      const value = type.parse(item.input, typmod, ctx);
      expect(hex(type.encodeBinary(value, ctx))).toBe(item.hex);
      const received = type.decodeBinary(fromHex(item.hex), typmod, ctx);
      expect(type.format(received, ctx)).toBe(item.text);
    });
  }
});

describe("binary receive rejects malformed input", () => {
  const t = (name: string) => typeByName(name)!;
  const decodeError = (name: string, bytes: string): unknown => {
    try {
      t(name).decodeBinary(fromHex(bytes), -1, ctx);
    } catch (error) {
      const e = error as { code: string; message: string };
      return { code: e.code, message: e.message };
    }
    return "no error";
  };

  test("wrong lengths", () => {
    expect(decodeError("int4", "000000")).toEqual({ code: "08P01", message: "insufficient data left in message" });
    expect(decodeError("int4", "0000000000")).toEqual({ code: "22P03", message: "incorrect binary data format" });
    expect(decodeError("uuid", "00")).toEqual({ code: "08P01", message: "insufficient data left in message" });
  });

  test("numeric header fields", () => {
    expect(decodeError("numeric", "0000000012340000")).toEqual({ code: "22P03", message: 'invalid sign in external "numeric" value' });
    expect(decodeError("numeric", "000000000000ffff")).toEqual({ code: "22P03", message: 'invalid scale in external "numeric" value' });
    expect(decodeError("numeric", "0001000000000000" + "2710")).toEqual({ code: "22P03", message: 'invalid digit in external "numeric" value' });
  });

  test("numeric digits hidden by dscale are truncated, as numeric_recv does", () => {
    // 1.2345 sent with dscale 2 → 1.23
    expect(t("numeric").format(t("numeric").decodeBinary(fromHex("00020000000000020001092a"), -1, ctx), ctx)).toBe("1.23");
  });

  test("arrays", () => {
    expect(decodeError("_int4", "ffffffff0000000000000017")).toEqual({ code: "22P03", message: "invalid number of dimensions: -1" });
    expect(decodeError("_int4", "000000070000000000000017")).toEqual({
      code: "54000",
      message: "number of array dimensions (7) exceeds the maximum allowed (6)",
    });
    expect(decodeError("_int4", "000000000000000200000017")).toEqual({ code: "22P03", message: "invalid array flags" });
    expect(decodeError("_int4", "000000010000000000000019000000010000000100000001ff")).toEqual({
      code: "42804",
      message: "binary data has array element type 25 (text) instead of expected 23 (int4)",
    });
    expect(decodeError("_int4", "00000001000000000000001700000001000000010000000500000000ff")).toEqual({
      code: "22P03",
      message: "improper binary format in array element 1",
    });
  });

  test("jsonb version and timestamp range", () => {
    expect(decodeError("jsonb", "027b7d")).toEqual({ code: "XX000", message: "unsupported jsonb version number 2" });
    expect(decodeError("timestamp", "7ffffffffffffff0")).toEqual({ code: "22008", message: "timestamp out of range" });
    expect(decodeError("date", "7ffffff0")).toEqual({ code: "22008", message: "date out of range" });
  });
});
