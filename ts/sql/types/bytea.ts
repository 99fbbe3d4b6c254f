// bytea: values are Uint8Array. Output in hex format (bytea_output = 'hex'); input takes
// hex ("\x0a0b", whitespace between bytes allowed) and the escape format ("a\000\\").

import { SqlError, SqlState } from "../errors.ts";
import { ArrayOid, Oid } from "./oids.ts";
import { utf8Encode } from "./bytes.ts";
import { hashBytes } from "./hash.ts";
import { invalidParameter } from "./input-errors.ts";
import type { SqlType } from "./type.ts";

const HEX = "0123456789abcdef";

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

function isHexSpace(char: string): boolean {
  return char === " " || char === "\n" || char === "\t" || char === "\r";
}

function invalidHexDigit(text: string, at: number): SqlError {
  const char = String.fromCodePoint(text.codePointAt(at)!);
  return invalidParameter(`invalid hexadecimal digit: "${char}"`);
}

function decodeHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >> 1);
  let length = 0;
  for (let i = 0; i < text.length; ) {
    if (isHexSpace(text[i]!)) {
      i++;
      continue;
    }
    const high = hexValue(text.charCodeAt(i));
    if (high < 0) throw invalidHexDigit(text, i);
    if (i + 1 >= text.length) throw invalidParameter("invalid hexadecimal data: odd number of digits");
    const low = hexValue(text.charCodeAt(i + 1));
    if (low < 0) throw invalidHexDigit(text, i + 1);
    out[length++] = (high << 4) | low;
    i += 2;
  }
  return out.slice(0, length);
}

function invalidBytea(): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, "invalid input syntax for type bytea");
}

function decodeEscape(text: string): Uint8Array {
  const bytes = utf8Encode(text);
  const out = new Uint8Array(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; ) {
    if (bytes[i] !== 92) {
      out[length++] = bytes[i++]!;
      continue;
    }
    const a = bytes[i + 1];
    if (a === 92) {
      out[length++] = 92;
      i += 2;
      continue;
    }
    const b = bytes[i + 2];
    const c = bytes[i + 3];
    const isOctal = (d: number | undefined, max: number): boolean => d !== undefined && d >= 48 && d <= max;
    if (!isOctal(a, 51) || !isOctal(b, 55) || !isOctal(c, 55)) throw invalidBytea();
    out[length++] = ((a! - 48) << 6) | ((b! - 48) << 3) | (c! - 48);
    i += 4;
  }
  return out.slice(0, length);
}

export function parseByteaText(text: string): Uint8Array {
  if (text.startsWith("\\x")) return decodeHex(text.slice(2));
  return decodeEscape(text);
}

export function formatByteaHex(value: Uint8Array): string {
  let out = "\\x";
  for (const byte of value) out += HEX[byte >> 4]! + HEX[byte & 15]!;
  return out;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export const byteaType: SqlType<Uint8Array> = {
  oid: Oid.bytea,
  typname: "bytea",
  sqlName: "bytea",
  typlen: -1,
  category: "U",
  preferred: false,
  arrayOid: ArrayOid.bytea,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseByteaText(text),
  format: formatByteaHex,
  decodeBinary: (bytes) => bytes.slice(),
  encodeBinary: (value) => value,
  compare: compareBytes,
  equals: (a, b) => compareBytes(a, b) === 0,
  hash: (value) => hashBytes(value),
  accepts: (value): value is Uint8Array => value instanceof Uint8Array,
};
