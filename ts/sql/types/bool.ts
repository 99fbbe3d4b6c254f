// boolean: PostgreSQL's accepted spellings (unique prefixes of true/false/yes/no/on/off, 1/0).

import { Oid, ArrayOid } from "./oids.ts";
import { invalidSyntax } from "./input-errors.ts";
import { trimSpaces } from "./text-scan.ts";
import { ByteReader } from "./bytes.ts";
import type { SqlType } from "./type.ts";

/** parse_bool_with_len: a prefix must be long enough to be unambiguous ("o" is not). */
export function parseBoolText(text: string): boolean | null {
  const word = trimSpaces(text).toLowerCase();
  if (word.length === 0) return null;
  const isPrefixOf = (full: string, minimum: number): boolean =>
    word.length >= minimum && word.length <= full.length && full.startsWith(word);
  if (isPrefixOf("true", 1) || isPrefixOf("yes", 1) || isPrefixOf("on", 2) || word === "1") return true;
  if (isPrefixOf("false", 1) || isPrefixOf("no", 1) || isPrefixOf("off", 2) || word === "0") return false;
  return null;
}

export const boolType: SqlType<boolean> = {
  oid: Oid.bool,
  typname: "bool",
  sqlName: "boolean",
  typlen: 1,
  category: "B",
  preferred: true,
  arrayOid: ArrayOid.bool,
  elementOid: 0,
  typmod: null,
  parse(text) {
    const value = parseBoolText(text);
    if (value === null) throw invalidSyntax("boolean", text);
    return value;
  },
  format: (value) => (value ? "t" : "f"),
  decodeBinary(bytes) {
    const reader = new ByteReader(bytes);
    const byte = reader.byte();
    reader.end();
    // boolrecv treats any non-zero byte as true.
    return byte !== 0;
  },
  encodeBinary: (value) => Uint8Array.of(value ? 1 : 0),
  compare: (a, b) => (a === b ? 0 : a ? 1 : -1),
  equals: (a, b) => a === b,
  hash: (value) => (value ? 0x9e3779b1 : 0x7f4a7c15),
  accepts: (value): value is boolean => typeof value === "boolean",
};
