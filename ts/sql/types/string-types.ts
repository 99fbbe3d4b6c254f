// text, character varying(n), character(n), name and "char".
//
// varchar(n) and char(n) count characters (code points). Assigning a longer value raises
// 22001 unless the excess is spaces, which are cut; an explicit cast truncates silently.
// char(n) values are stored padded with spaces to n and compare ignoring trailing spaces.

import { SqlError, SqlState } from "../errors.ts";
import { ArrayOid, Oid } from "./oids.ts";
import { ByteReader, utf8Decode, utf8Encode } from "./bytes.ts";
import { hashString } from "./hash.ts";
import { invalidParameter } from "./input-errors.ts";
import { characterLength, compareText, takeCharacters, trimTrailingSpaces } from "./text-compare.ts";
import type { SqlType, TypmodSupport } from "./type.ts";

const TYPMOD_OFFSET = 4;
/** MaxAttrSize: the largest declared length PostgreSQL accepts. */
const LENGTH_MAX = 10485760;
/** NAMEDATALEN - 1: names keep at most 63 bytes. */
const NAME_BYTES_MAX = 63;

/** Text coming from SQL may not hold NUL, which PostgreSQL cannot store in text. */
function checkNoNul(text: string): string {
  if (text.includes("\0")) {
    throw new SqlError(SqlState.characterNotInRepertoire, 'invalid byte sequence for encoding "UTF8": 0x00');
  }
  return text;
}

function lengthTypmod(typeWord: string): TypmodSupport<string>["parse"] {
  return (modifiers) => {
    if (modifiers.length !== 1) throw invalidParameter("invalid type modifier");
    const length = modifiers[0]!;
    if (length < 1) throw invalidParameter(`length for type ${typeWord} must be at least 1`);
    if (length > LENGTH_MAX) throw invalidParameter(`length for type ${typeWord} cannot exceed ${LENGTH_MAX}`);
    return length + TYPMOD_OFFSET;
  };
}

function tooLong(typeName: string, length: number): SqlError {
  return new SqlError(SqlState.stringDataRightTruncation, `value too long for type ${typeName}(${length})`);
}

/** Cuts to `length` characters; outside explicit casts only spaces may be cut. */
function fitLength(value: string, length: number, explicit: boolean, typeName: string): string {
  if (value.length <= length || characterLength(value) <= length) return value;
  const kept = takeCharacters(value, length);
  if (!explicit && trimTrailingSpaces(value.slice(kept.length)).length !== 0) throw tooLong(typeName, length);
  return kept;
}

export function coerceVarchar(value: string, typmod: number, explicit: boolean): string {
  if (typmod < TYPMOD_OFFSET) return value;
  return fitLength(value, typmod - TYPMOD_OFFSET, explicit, "character varying");
}

export function coerceBpchar(value: string, typmod: number, explicit: boolean): string {
  if (typmod < TYPMOD_OFFSET) return value;
  const length = typmod - TYPMOD_OFFSET;
  const fitted = fitLength(value, length, explicit, "character");
  const missing = length - characterLength(fitted);
  return missing > 0 ? fitted + " ".repeat(missing) : fitted;
}

const varcharTypmod: TypmodSupport<string> = {
  parse: lengthTypmod("varchar"),
  format: (typmod) => (typmod >= TYPMOD_OFFSET ? `(${typmod - TYPMOD_OFFSET})` : ""),
  coerce: coerceVarchar,
};

const bpcharTypmod: TypmodSupport<string> = {
  parse: lengthTypmod("char"),
  format: (typmod) => (typmod >= TYPMOD_OFFSET ? `(${typmod - TYPMOD_OFFSET})` : ""),
  coerce: coerceBpchar,
};

const isString = (value: unknown): value is string => typeof value === "string";

function stringType(
  identity: Pick<SqlType<string>, "oid" | "typname" | "sqlName" | "typlen" | "category" | "preferred" | "arrayOid">,
  typmod: TypmodSupport<string> | null,
  input: (text: string, typmod: number) => string,
): SqlType<string> {
  return {
    ...identity,
    elementOid: 0,
    typmod,
    parse: (text, mod) => input(checkNoNul(text), mod),
    format: (value) => value,
    decodeBinary: (bytes, mod) => input(utf8Decode(bytes), mod),
    encodeBinary: (value) => utf8Encode(value),
    compare: compareText,
    equals: (a, b) => a === b,
    hash: (value) => hashString(value),
    accepts: isString,
  };
}

export const textType = stringType(
  { oid: Oid.text, typname: "text", sqlName: "text", typlen: -1, category: "S", preferred: true, arrayOid: ArrayOid.text },
  null,
  (text) => text,
);

export const varcharType = stringType(
  {
    oid: Oid.varchar,
    typname: "varchar",
    sqlName: "character varying",
    typlen: -1,
    category: "S",
    preferred: false,
    arrayOid: ArrayOid.varchar,
  },
  varcharTypmod,
  (text, typmod) => coerceVarchar(text, typmod, false),
);

/** Truncates to 63 bytes without splitting a character, as namein does. */
export function clipName(text: string): string {
  const bytes = utf8Encode(text);
  if (bytes.length <= NAME_BYTES_MAX) return text;
  let end = NAME_BYTES_MAX;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

export const nameType: SqlType<string> = {
  ...stringType(
    { oid: Oid.name, typname: "name", sqlName: "name", typlen: 64, category: "S", preferred: false, arrayOid: ArrayOid.name },
    null,
    (text) => clipName(text),
  ),
  // namerecv refuses what namein would silently truncate.
  decodeBinary(bytes) {
    if (bytes.length > NAME_BYTES_MAX) {
      throw new SqlError(SqlState.nameTooLong, "identifier too long", { detail: "Identifier must be less than 64 characters." });
    }
    return utf8Decode(bytes);
  },
};

export const bpcharType: SqlType<string> = {
  ...stringType(
    { oid: Oid.bpchar, typname: "bpchar", sqlName: "character", typlen: -1, category: "S", preferred: false, arrayOid: ArrayOid.bpchar },
    bpcharTypmod,
    (text, typmod) => coerceBpchar(text, typmod, false),
  ),
  compare: (a, b) => compareText(trimTrailingSpaces(a), trimTrailingSpaces(b)),
  equals: (a, b) => trimTrailingSpaces(a) === trimTrailingSpaces(b),
  hash: (value) => hashString(trimTrailingSpaces(value)),
};

/** "char": one byte, held as a string of zero or one character whose code is the byte. */
export function parseCharText(text: string): string {
  if (/^\\[0-7]{3}$/.test(text)) return String.fromCharCode(parseInt(text.slice(1), 8) & 0xff);
  const first = utf8Encode(text.slice(0, 2))[0];
  return first === undefined || first === 0 ? "" : String.fromCharCode(first);
}

export function formatChar(value: string): string {
  const byte = value.length === 0 ? 0 : value.charCodeAt(0);
  if (byte === 0) return "";
  if (byte >= 128) return `\\${byte.toString(8).padStart(3, "0")}`;
  return String.fromCharCode(byte);
}

export const charType: SqlType<string> = {
  oid: Oid.char,
  typname: "char",
  sqlName: '"char"',
  typlen: 1,
  category: "Z",
  preferred: false,
  arrayOid: ArrayOid.char,
  elementOid: 0,
  typmod: null,
  parse: (text) => parseCharText(text),
  format: formatChar,
  decodeBinary(bytes) {
    const reader = new ByteReader(bytes);
    const byte = reader.byte();
    reader.end();
    return byte === 0 ? "" : String.fromCharCode(byte);
  },
  encodeBinary: (value) => Uint8Array.of(value.length === 0 ? 0 : value.charCodeAt(0)),
  compare: compareText,
  equals: (a, b) => a === b,
  hash: (value) => hashString(value),
  accepts: (value): value is string => typeof value === "string" && value.length <= 1 && (value.charCodeAt(0) || 0) < 256,
};
