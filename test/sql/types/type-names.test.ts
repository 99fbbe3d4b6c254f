// Type name resolution, format_type() and the catalog data of every type descriptor.

import { describe, expect, test } from "bun:test";
import { allTypes, formatType, typeByName, typeByOid } from "../../../ts/sql/types/registry.ts";
import { parseTypeName, resolveTypeName } from "../../../ts/sql/types/type-names.ts";

/** [written, format_type(), atttypmod], as PostgreSQL 15 reports them. */
const names: readonly (readonly [string, string, number])[] = [
  ["int", "integer", -1],
  ["integer", "integer", -1],
  ["int4", "integer", -1],
  ["smallint", "smallint", -1],
  ["bigint", "bigint", -1],
  ["real", "real", -1],
  ["float", "double precision", -1],
  ["float(24)", "real", -1],
  ["float(25)", "double precision", -1],
  ["double precision", "double precision", -1],
  ["decimal", "numeric", -1],
  ["numeric(10,2)", "numeric(10,2)", 655366],
  ["numeric(5)", "numeric(5,0)", 327684],
  ["numeric(5,-2)", "numeric(5,-2)", 329730],
  ["boolean", "boolean", -1],
  ["character varying", "character varying", -1],
  ["varchar(10)", "character varying(10)", 14],
  ["char", "character(1)", 5],
  ["character(5)", "character(5)", 9],
  ["bpchar", "bpchar", -1],
  ['"char"', '"char"', -1],
  ["name", "name", -1],
  ["timestamp", "timestamp without time zone", -1],
  ["timestamp(3)", "timestamp(3) without time zone", 3],
  ["timestamp with time zone", "timestamp with time zone", -1],
  ["timestamp(2) with time zone", "timestamp(2) with time zone", 2],
  ["timestamptz", "timestamp with time zone", -1],
  ["time", "time without time zone", -1],
  ["interval", "interval", -1],
  ["interval(3)", "interval(3)", 2147418115],
  ["interval day to second(3)", "interval day to second(3)", 470286339],
  ["interval year to month", "interval year to month", 458751],
  ["int[]", "integer[]", -1],
  ["int array", "integer[]", -1],
  ["integer[3][]", "integer[]", -1],
  ["varchar(10)[]", "character varying(10)[]", 14],
  ["jsonb", "jsonb", -1],
  ["uuid", "uuid", -1],
  ["bytea", "bytea", -1],
  ["pg_catalog.int8", "bigint", -1],
];

describe("type names", () => {
  for (const [written, formatted, typmod] of names) {
    test(written, () => {
      const resolved = parseTypeName(written);
      expect(formatType(resolved.type, resolved.typmod)).toBe(formatted);
      expect(resolved.typmod).toBe(typmod);
    });
  }

  test("serial pseudo-types", () => {
    expect(parseTypeName("serial")).toMatchObject({ type: typeByName("int4"), serial: "serial" });
    expect(parseTypeName("bigserial")).toMatchObject({ type: typeByName("int8"), serial: "bigserial" });
    expect(parseTypeName("smallserial")).toMatchObject({ type: typeByName("int2"), serial: "smallserial" });
    expect(resolveTypeName({ names: ["serial8"] }).serial).toBe("bigserial");
  });

  test("grammar output (libpg-query TypeName)", () => {
    expect(formatType(resolveTypeName({ names: ["pg_catalog", "bpchar"], typmods: [3] }).type, 7)).toBe("character(3)");
    expect(resolveTypeName({ names: ["pg_catalog", "varchar"], typmods: [5], arrayBounds: 1 }).type.typname).toBe("_varchar");
    expect(resolveTypeName({ names: ["char"] }).type.oid).toBe(18);
  });

  test("errors", () => {
    const error = (written: string) => {
      try {
        parseTypeName(written);
        return "no error";
      } catch (e) {
        return `${(e as { code: string }).code} ${(e as Error).message}`;
      }
    };
    expect(error("foo")).toBe('42704 type "foo" does not exist');
    expect(error("myschema.int4")).toBe('42704 type "myschema.int4" does not exist');
    expect(error('"char"(3)')).toBe('42601 type modifier is not allowed for type "char"');
    expect(error("float(0)")).toBe("22023 precision for type float must be at least 1 bit");
    expect(error("float(54)")).toBe("22023 precision for type float must be less than 54 bits");
    expect(error("varchar(0)")).toBe("22023 length for type varchar must be at least 1");
    expect(error("varchar(10485761)")).toBe("22023 length for type varchar cannot exceed 10485760");
    expect(error("char(10485761)")).toBe("22023 length for type char cannot exceed 10485760");
    expect(error("numeric(0)")).toBe("22023 NUMERIC precision 0 must be between 1 and 1000");
    expect(error("numeric(1001)")).toBe("22023 NUMERIC precision 1001 must be between 1 and 1000");
    expect(error("numeric(10,2000)")).toBe("22023 NUMERIC scale 2000 must be between -1000 and 1000");
    expect(error("numeric(1,2,3)")).toBe("22023 invalid NUMERIC type modifier");
    expect(error("timestamp(-1)")).toBe("22023 TIMESTAMP(-1) precision must not be negative");
    expect(error("time with time zone")).toBe("0A000 time with time zone is not supported");
  });
});

describe("type descriptors carry PostgreSQL's catalog data", () => {
  /** oid, typname, typlen, typcategory, typarray, typispreferred (from pg_type). */
  const catalog: readonly (readonly [number, string, number, string, number, boolean])[] = [
    [16, "bool", 1, "B", 1000, true],
    [17, "bytea", -1, "U", 1001, false],
    [18, "char", 1, "Z", 1002, false],
    [19, "name", 64, "S", 1003, false],
    [20, "int8", 8, "N", 1016, false],
    [21, "int2", 2, "N", 1005, false],
    [23, "int4", 4, "N", 1007, false],
    [25, "text", -1, "S", 1009, true],
    [26, "oid", 4, "N", 1028, true],
    [114, "json", -1, "U", 199, false],
    [700, "float4", 4, "N", 1021, false],
    [701, "float8", 8, "N", 1022, true],
    [1042, "bpchar", -1, "S", 1014, false],
    [1043, "varchar", -1, "S", 1015, false],
    [1082, "date", 4, "D", 1182, false],
    [1083, "time", 8, "D", 1183, false],
    [1114, "timestamp", 8, "D", 1115, false],
    [1184, "timestamptz", 8, "D", 1185, true],
    [1186, "interval", 16, "T", 1187, true],
    [1700, "numeric", -1, "N", 1231, false],
    [2950, "uuid", 16, "U", 2951, false],
    [3802, "jsonb", -1, "U", 3807, false],
  ];
  for (const [oid, typname, typlen, category, arrayOid, preferred] of catalog) {
    test(typname, () => {
      const type = typeByOid(oid)!;
      const actual: Record<string, unknown> = { typname: type.typname, typlen: type.typlen, category: type.category, arrayOid: type.arrayOid, preferred: type.preferred };
      expect(actual).toEqual({
        typname,
        typlen,
        category,
        arrayOid,
        preferred,
      });
      const array = typeByOid(arrayOid)!;
      const arrayActual: Record<string, unknown> = { typname: array.typname, elementOid: array.elementOid, category: array.category };
      expect(arrayActual).toEqual({
        typname: `_${typname}`,
        elementOid: oid,
        category: "A",
      });
    });
  }

  test("every type is registered by OID and by name", () => {
    expect(allTypes().length).toBe(44);
    for (const type of allTypes()) {
      expect(typeByOid(type.oid)).toBe(type);
      expect(typeByName(type.typname)).toBe(type);
    }
  });
});
