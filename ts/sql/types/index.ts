// The SQL value layer: types, their text and binary I/O, ordering, casts and type names.
//
// Values in JavaScript (a column's values are always of its type's representation):
//
//   SQL NULL                     null
//   boolean                      boolean
//   smallint, integer, oid       number (integral, in range)
//   bigint                       bigint
//   real                         number, always float32-representable (Math.fround)
//   double precision             number; NaN, ±Infinity and -0 as in JavaScript
//   numeric                      Numeric (bigint mantissa / 10^scale, NaN, ±Infinity); the
//                                scale is the display scale: 1.50 prints "1.50", equals 1.5
//   text, varchar(n), name       string
//   char(n)                      string padded with spaces to n; trailing spaces do not count
//   "char"                       string of zero or one character (code = the byte)
//   bytea                        Uint8Array
//   uuid                         string, canonical lower-case "8-4-4-4-12"
//   json                         string, validated and kept exactly as written
//   jsonb                        Jsonb (root: JsonbNode; JSON null is null inside it, numbers
//                                are Numeric, objects JsonbObject with unique sorted keys)
//   date                         number: days since 2000-01-01; ±infinity = int32 max/min
//                                (DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY)
//   time                         bigint: microseconds since midnight
//   timestamp                    bigint: microseconds since 2000-01-01 00:00:00 (wall clock)
//   timestamptz                  bigint: microseconds since 2000-01-01 00:00:00 UTC
//                                ±infinity for both = int64 max/min (TIMESTAMP_*_INFINITY)
//   interval                     Interval {months, days, microseconds: bigint}
//   arrays of all of the above   PgArray: row-major elements (null for NULL), dims and
//                                lowerBounds; '{}' has no dimensions. toNested() and
//                                PgArray.fromNested() convert to and from nested JS arrays.
//
// These are PostgreSQL's internal representations, so binary I/O and comparisons are
// direct. Text output is PostgreSQL's with DateStyle ISO, MDY, IntervalStyle postgres,
// extra_float_digits 1 and bytea_output hex; timestamptz input and output use the session
// TimeZone (TypeContext.timeZone: 'UTC', IANA names, POSIX-style offsets). Text sorts by
// UTF-8 bytes, PostgreSQL's "C" collation.
//
// Errors are SqlError with PostgreSQL's SQLSTATE and message. JSON input errors are
// JsonInputError, which adds PostgreSQL's CONTEXT line.

export type { Datum, Interval, ScalarDatum, SqlValue } from "./value.ts";
export type { CastContext, SqlType, TypeCategory, TypmodSupport } from "./type.ts";
export { NO_TYPMOD } from "./type.ts";
export { defaultTypeContext, type TypeContext } from "./context.ts";
export { ArrayOid, Oid } from "./oids.ts";

export { Numeric, type NumericKind } from "./numeric.ts";
export { applyNumericTypmod, makeNumericTypmod } from "./numeric-typmod.ts";
export { Jsonb, JsonbObject, type JsonbNode } from "./jsonb.ts";
export { JsonInputError } from "./json-parse.ts";
export { PgArray, type NestedArray } from "./array.ts";
export { compareIntervals, intervalSpan } from "./interval.ts";
export {
  DATE_NEGATIVE_INFINITY,
  DATE_POSITIVE_INFINITY,
  TIMESTAMP_NEGATIVE_INFINITY,
  TIMESTAMP_POSITIVE_INFINITY,
  dateToTimestamp,
  dateToTimestamptz,
  timestampToDate,
  timestamptzToDate,
  timestampToTimestamptz,
  timestamptzToTimestamp,
} from "./datetime/convert.ts";
export { resolveTimeZoneSetting, type TimeZone } from "./datetime/time-zone.ts";
export { compareText } from "./text-compare.ts";

export { allTypes, arrayTypeOf, elementTypeOf, formatType, scalarTypes, typeByName, typeByOid } from "./registry.ts";
export { cast, castContextOf, coerceToTypmod, findCastPath, type CastPath } from "./cast.ts";
export { parseTypeName, resolveTypeName, type ResolvedType, type SerialKind, type TypeNameSpec } from "./type-names.ts";

export { boolType } from "./bool.ts";
export { byteaType } from "./bytea.ts";
export { dateType } from "./date.ts";
export { float4Type, float8Type } from "./float.ts";
export { int2Type, int4Type, int8Type, oidType } from "./int.ts";
export { intervalType } from "./interval.ts";
export { jsonbType, jsonType } from "./json.ts";
export { numericType } from "./numeric-type.ts";
export { bpcharType, charType, nameType, textType, varcharType } from "./string-types.ts";
export { timeType } from "./time.ts";
export { timestampType, timestamptzType } from "./timestamp.ts";
export { uuidType } from "./uuid.ts";
