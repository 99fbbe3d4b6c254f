// Types the value layer does not need but SQL analysis does: `unknown` (an untyped string
// literal or parameter until context fixes its type), `void`, `record`, and the reg*
// OID alias types drivers and psql use ('t'::regclass).

import { SqlError, SqlState } from "../errors.ts";
import { hashString } from "../types/hash.ts";
import { compareText } from "../types/text-compare.ts";
import { int2Type, oidType, PgArray, typeByOid, type SqlType } from "../types/index.ts";
import { makeArrayType } from "../types/array-type.ts";

export const PseudoOid = {
  unknown: 705,
  void: 2278,
  record: 2249,
  regclass: 2205,
  regtype: 2206,
  regproc: 24,
  regnamespace: 4089,
  regrole: 4096,
  anyelement: 2283,
  anyarray: 2277,
  pgNodeTree: 194,
  int2vector: 22,
  oidvector: 30,
} as const;

const encoder = new TextEncoder();

function textLike(oid: number, typname: string, category: SqlType["category"]): SqlType<string> {
  return {
    oid,
    typname,
    sqlName: typname,
    typlen: -2,
    category,
    preferred: false,
    arrayOid: 0,
    elementOid: 0,
    typmod: null,
    parse: (text) => text,
    format: (value) => value,
    decodeBinary: (bytes) => new TextDecoder().decode(bytes),
    encodeBinary: (value) => encoder.encode(value),
    compare: compareText,
    equals: (a, b) => a === b,
    hash: (value) => hashString(value),
    accepts: (value): value is string => typeof value === "string",
  };
}

export const unknownType = textLike(PseudoOid.unknown, "unknown", "X" as SqlType["category"]);

export const voidType: SqlType<string> = { ...textLike(PseudoOid.void, "void", "P" as SqlType["category"]), typlen: 4, format: () => "" };

export const recordType: SqlType<string> = { ...textLike(PseudoOid.record, "record", "P" as SqlType["category"]) };

/** A stored expression in the catalog (pg_attrdef.adbin, ...), read with pg_get_expr. */
export const pgNodeTreeType = textLike(PseudoOid.pgNodeTree, "pg_node_tree", "Z" as SqlType["category"]);

/** regclass and friends: an OID printed as a name. The session resolves names (see functions). */
function regType(oid: number, typname: string): SqlType<number> {
  return {
    ...oidType,
    oid,
    typname,
    sqlName: typname,
    category: "N",
    preferred: false,
    arrayOid: 0,
    parse: (text) => {
      if (/^\d+$/.test(text.trim())) return Number(text.trim());
      throw new SqlError(SqlState.featureNotSupported, `${typname} input of names needs a session`);
    },
    format: (value, ctx) => ctx.regName?.(oid, value) ?? String(value),
  };
}

export const regclassType = regType(PseudoOid.regclass, "regclass");
export const regtypeType = regType(PseudoOid.regtype, "regtype");
export const regprocType = regType(PseudoOid.regproc, "regproc");
export const regnamespaceType = regType(PseudoOid.regnamespace, "regnamespace");
export const regroleType = regType(PseudoOid.regrole, "regrole");

/**
 * int2vector and oidvector (pg_index.indkey, indoption, indcollation): arrays of one dimension
 * subscripted from 0, written as space-separated numbers.
 */
function vectorType(oid: number, typname: string, element: SqlType<number>): SqlType<PgArray<number>> {
  const base = makeArrayType(element, String);
  return {
    ...base,
    oid,
    typname,
    sqlName: typname,
    category: "A",
    parse: (text, typmod, ctx) => vectorOf(text.trim() === "" ? [] : text.trim().split(/\s+/).map((item) => element.parse(item, typmod, ctx))),
    format: (value) => value.elements.map((item) => (item === null ? "" : String(item))).join(" "),
  };
}

export const int2vectorType = vectorType(PseudoOid.int2vector, "int2vector", int2Type as SqlType<number>);
export const oidvectorType = vectorType(PseudoOid.oidvector, "oidvector", oidType as SqlType<number>);

/** A vector value (indexes' key columns, ...) from its items. */
export function vectorOf(items: readonly number[]): PgArray<number> {
  return items.length === 0 ? new PgArray<number>([]) : new PgArray<number>(items, [items.length], [0]);
}

export const pseudoTypes: readonly SqlType[] = [
  unknownType,
  voidType,
  recordType,
  pgNodeTreeType,
  int2vectorType,
  oidvectorType,
  regclassType,
  regtypeType,
  regprocType,
  regnamespaceType,
  regroleType,
] as SqlType[];

/** A type by OID, the pseudo-types (regclass, void, ...) included. */
export function typeOrPseudoByOid(oid: number): SqlType | undefined {
  return typeByOid(oid) ?? pseudoTypes.find((t) => t.oid === oid);
}


export function isUnknown(type: SqlType): boolean {
  return type.oid === PseudoOid.unknown;
}

export function isRegType(type: SqlType): boolean {
  return type === (regclassType as SqlType) || type.oid === PseudoOid.regtype || type.oid === PseudoOid.regproc || type.oid === PseudoOid.regnamespace || type.oid === PseudoOid.regrole;
}

