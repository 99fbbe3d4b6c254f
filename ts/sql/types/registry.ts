// Every built-in type by OID and by pg_type name, and format_type().

import { makeArrayType } from "./array-type.ts";
import { boolType } from "./bool.ts";
import { byteaType } from "./bytea.ts";
import { dateType } from "./date.ts";
import { float4Type, float8Type } from "./float.ts";
import { int2Type, int4Type, int8Type, oidType } from "./int.ts";
import { intervalType } from "./interval.ts";
import { jsonbType, jsonType } from "./json.ts";
import { numericType } from "./numeric-type.ts";
import { bpcharType, charType, nameType, textType, varcharType } from "./string-types.ts";
import { timeType } from "./time.ts";
import { timestampType, timestamptzType } from "./timestamp.ts";
import { uuidType } from "./uuid.ts";
import { Oid } from "./oids.ts";
import type { SqlType } from "./type.ts";
import type { ScalarDatum } from "./value.ts";

/** The scalar types, in OID order. */
export const scalarTypes: readonly SqlType<ScalarDatum>[] = [
  boolType,
  byteaType,
  charType,
  nameType,
  int8Type,
  int2Type,
  int4Type,
  textType,
  oidType,
  jsonType,
  float4Type,
  float8Type,
  bpcharType,
  varcharType,
  dateType,
  timeType,
  timestampType,
  timestamptzType,
  intervalType,
  numericType,
  uuidType,
  jsonbType,
] as SqlType<ScalarDatum>[];

const byOid = new Map<number, SqlType>();
const byName = new Map<string, SqlType>();

function register(type: SqlType): void {
  byOid.set(type.oid, type);
  byName.set(type.typname, type);
}

function typeNameOf(oid: number): string {
  return byOid.get(oid)?.typname ?? String(oid);
}

for (const type of scalarTypes) register(type);
for (const type of scalarTypes) register(makeArrayType(type, typeNameOf) as SqlType);

/** The type with this OID, or undefined. */
export function typeByOid(oid: number): SqlType | undefined {
  return byOid.get(oid);
}

/** The type with this pg_type.typname ("int4", "_text"), or undefined. */
export function typeByName(typname: string): SqlType | undefined {
  return byName.get(typname);
}

/** The array type over a scalar type. */
export function arrayTypeOf(element: SqlType): SqlType | undefined {
  return element.arrayOid === 0 ? undefined : byOid.get(element.arrayOid);
}

/** The element type of an array type. */
export function elementTypeOf(array: SqlType): SqlType | undefined {
  return array.elementOid === 0 ? undefined : byOid.get(array.elementOid);
}

export function allTypes(): SqlType[] {
  return [...byOid.values()];
}

/** format_type(oid, typmod): "character varying(10)", "timestamp(3) with time zone", "integer[]". */
export function formatType(type: SqlType, typmod: number): string {
  const element = elementTypeOf(type);
  if (element) return `${formatType(element, typmod)}[]`;
  const modifier = typmod >= 0 && type.typmod ? type.typmod.format(typmod) : "";
  switch (type.oid) {
    case Oid.timestamp:
      return `timestamp${modifier} without time zone`;
    case Oid.timestamptz:
      return `timestamp${modifier} with time zone`;
    case Oid.time:
      return `time${modifier} without time zone`;
    case Oid.bpchar:
      return typmod >= 0 ? `character${modifier}` : "bpchar";
    default:
      return `${type.sqlName}${modifier}`;
  }
}

