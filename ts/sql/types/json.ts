// json and jsonb type descriptors. json keeps the text exactly as written (validated);
// jsonb stores the normalized document (see jsonb.ts).

import { SqlError, SqlState } from "../errors.ts";
import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, utf8Decode, utf8Encode } from "./bytes.ts";
import { hashString } from "./hash.ts";
import { parseJson, type JsonEvent } from "./json-parse.ts";
import { compareJsonb, hashJsonb, Jsonb } from "./jsonb.ts";
import { compareText } from "./text-compare.ts";
import type { SqlType } from "./type.ts";

const validateOnly: JsonEvent<null> = { scalar: () => null, array: () => null, object: () => null };

/** json_in: validates and keeps the text as written. */
export function parseJsonText(text: string): string {
  parseJson(text, validateOnly, false);
  return text;
}

const JSONB_VERSION = 1;

export const jsonType: SqlType<string> = {
  oid: Oid.json,
  typname: "json",
  sqlName: "json",
  typlen: -1,
  category: "U",
  preferred: false,
  arrayOid: ArrayOid.json,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseJsonText(text),
  format: (value) => value,
  decodeBinary: (bytes) => parseJsonText(utf8Decode(bytes)),
  encodeBinary: (value) => utf8Encode(value),
  // PostgreSQL has no ordering or equality for json; pgz falls back to the text.
  compare: compareText,
  equals: (a, b) => a === b,
  hash: (value) => hashString(value),
  accepts: (value): value is string => typeof value === "string",
};

export const jsonbType: SqlType<Jsonb> = {
  oid: Oid.jsonb,
  typname: "jsonb",
  sqlName: "jsonb",
  typlen: -1,
  category: "U",
  preferred: false,
  arrayOid: ArrayOid.jsonb,
  elementOid: 0,
  typmod: null,
  parse: (text) => Jsonb.parse(text),
  format: (value) => value.toString(),
  decodeBinary(bytes) {
    const reader = new ByteReader(bytes);
    const version = reader.u8();
    if (version !== JSONB_VERSION) {
      throw new SqlError(SqlState.internalError, `unsupported jsonb version number ${version}`);
    }
    return Jsonb.parse(utf8Decode(reader.rest()));
  },
  encodeBinary: (value) => {
    const text = utf8Encode(value.toString());
    const out = new Uint8Array(text.length + 1);
    out[0] = JSONB_VERSION;
    out.set(text, 1);
    return out;
  },
  compare: compareJsonb,
  equals: (a, b) => compareJsonb(a, b) === 0,
  hash: hashJsonb,
  accepts: (value): value is Jsonb => value instanceof Jsonb,
};
