// uuid: values are canonical lowercase strings "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
// Input takes optional braces, upper case, and a hyphen after any group of four digits.

import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader } from "./bytes.ts";
import { hashString } from "./hash.ts";
import { invalidSyntax } from "./input-errors.ts";
import { compareText } from "./text-compare.ts";
import type { SqlType } from "./type.ts";

const UUID_INPUT = /^(\{)?((?:[0-9a-fA-F]{4}-?){7}[0-9a-fA-F]{4})(\})?$/;
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function canonical(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function parseUuidText(text: string): string {
  const match = UUID_INPUT.exec(text);
  if (!match || (match[1] === undefined) !== (match[3] === undefined)) throw invalidSyntax("uuid", text);
  return canonical(match[2]!.replaceAll("-", "").toLowerCase());
}

export function uuidToBytes(value: string): Uint8Array {
  const hex = value.replaceAll("-", "");
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

export function uuidFromBytes(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return canonical(hex);
}

export const uuidType: SqlType<string> = {
  oid: Oid.uuid,
  typname: "uuid",
  sqlName: "uuid",
  typlen: 16,
  category: "U",
  preferred: false,
  arrayOid: ArrayOid.uuid,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseUuidText(text),
  format: (value) => value,
  decodeBinary(bytes) {
    const reader = new ByteReader(bytes);
    const value = uuidFromBytes(reader.bytes(16));
    reader.end();
    return value;
  },
  encodeBinary: uuidToBytes,
  // Canonical lowercase hex sorts like the 16 bytes (memcmp), which is PostgreSQL's order.
  compare: compareText,
  equals: (a, b) => a === b,
  hash: (value) => hashString(value),
  accepts: (value): value is string => typeof value === "string" && CANONICAL.test(value),
};
