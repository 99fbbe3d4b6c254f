// The values every client test round-trips, per type: valid text inputs (edge values
// included), invalid text inputs, and invalid binary inputs (hex). Shared by the wire-level
// test and the driver tests; PostgreSQL's answers to them are recorded by regen.ts.

export interface TypeCase {
  /** SQL type name as written in CREATE TABLE and casts; also the case's name. */
  readonly type: string;
  /** The type's OID (what a client declares in Parse). */
  readonly oid: number;
  /** Valid inputs in text format (null: SQL NULL). */
  readonly inputs: readonly (string | null)[];
  /** Text inputs the type must reject. */
  readonly badText: readonly string[];
  /** Binary inputs (hex) the type must reject. */
  readonly badBinary: readonly string[];
}

const allBytes = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0")).join("");

export const typeCases: readonly TypeCase[] = [
  {
    type: "int2",
    oid: 21,
    inputs: ["-32768", "32767", "0", " 42 ", "+7", null],
    badText: ["32768", "-32769", "abc", "", "1.5", "1e3"],
    badBinary: ["00", "000102"],
  },
  {
    type: "int4",
    oid: 23,
    inputs: ["-2147483648", "2147483647", "0", "-1", "0012"],
    badText: ["2147483648", "-2147483649", "12abc", " ", "0x10"],
    badBinary: ["000000", "0000000000"],
  },
  {
    type: "int8",
    oid: 20,
    inputs: ["-9223372036854775808", "9223372036854775807", "0", "4294967296", "-9007199254740993"],
    badText: ["9223372036854775808", "-9223372036854775809", "1.0", "--1"],
    badBinary: ["00000000", "000000000000000001"],
  },
  {
    type: "float4",
    oid: 700,
    inputs: ["NaN", "Infinity", "-Infinity", "-0", "0.1", "3.4028235e38", "1.17549435e-38", "1e-45", "1.5", " -inf ", "123456789"],
    badText: ["3.5e38", "1e-46", "abc", "1.5x", ""],
    badBinary: ["000000", "0000000000000000"],
  },
  {
    type: "float8",
    oid: 701,
    inputs: [
      "NaN",
      "Infinity",
      "-Infinity",
      "-0",
      "0.1",
      "1.7976931348623157e308",
      "5e-324",
      "2.2250738585072014e-308",
      "123456789.123",
      "1e22",
      "9007199254740993",
    ],
    badText: ["1e309", "1e-400", "nan1", "0x1p3"],
    badBinary: ["00000000", "3ff00000000000"],
  },
  {
    type: "bool",
    oid: 16,
    inputs: ["true", "false", "t", "f", "yes", "no", "on", "off", "1", "0", " TRUE "],
    badText: ["maybe", "2", "", "tru e"],
    badBinary: ["", "0000"],
  },
  {
    type: "text",
    oid: 25,
    inputs: ["", "héllo ☃ 😀", "tab\tnewline\nreturn\r", 'back\\slash "quote" \'apostrophe\'', "NULL", "x".repeat(5000), "\u{10FFFF}\u0001"],
    badText: [],
    badBinary: ["ff", "c0af", "eda080", "00"],
  },
  {
    type: "varchar",
    oid: 1043,
    inputs: ["", "ünïcødé", "  padded  ", "日本語テキスト"],
    badText: [],
    badBinary: ["80", "f8888080"],
  },
  {
    type: "bytea",
    oid: 17,
    inputs: ["\\x", `\\x${allBytes}`, "\\xDEADbeef", "abc\\000def\\\\", "plain text", "\\x 01 02"],
    badText: ["\\x0", "\\xzz", "\\400", "abc\\"],
    badBinary: [],
  },
  {
    type: "date",
    oid: 1082,
    inputs: ["-infinity", "infinity", "4713-01-01 BC", "0001-01-01", "0001-12-31 BC", "2000-01-01", "2024-02-29", "1999-01-08", "5874897-12-31", "January 8, 1999", "20240315"],
    badText: ["2023-02-29", "4714-11-23 BC", "5874898-01-01", "2024-13-01", "tomorrowish", ""],
    badBinary: ["000000", "7fffff00", "80000000"],
  },
  {
    type: "timestamp",
    oid: 1114,
    inputs: [
      "-infinity",
      "infinity",
      "4713-01-01 00:00:00 BC",
      "0001-01-01 00:00:00",
      "2000-01-01 00:00:00",
      "1999-12-31 23:59:59.999999",
      "2024-02-29 12:34:56.5",
      "294276-12-31 23:59:59.999999",
      "1970-01-01 00:00:00.0000005",
      "2024-03-10 02:30:00",
      "2000-01-01 12:00:00+05",
      "epoch",
    ],
    badText: ["294277-01-01 00:00:00", "4714-11-23 00:00:00 BC", "2024-01-01 24:00:01", "2024-01-01 12:60:00", "now-ish"],
    badBinary: ["000000000000", "7ffffffffffffffe", "8000000000000001"],
  },
  {
    type: "timestamptz",
    oid: 1184,
    inputs: [
      "-infinity",
      "infinity",
      "4713-01-01 00:00:00+00 BC",
      "2000-06-30 12:34:56.789012+05:30",
      "2000-06-30 12:34:56.789012",
      "2024-03-10 02:30:00",
      "2024-11-03 01:30:00",
      "2024-11-03 01:30:00 EDT",
      "1999-12-31 23:59:59.5 PST",
      "2000-01-01 00:00:00 Europe/Berlin",
      "294276-12-31 23:59:59.999999+00",
      "1900-01-01 00:00:00",
      "1883-11-18 12:00:00",
    ],
    badText: ["294277-01-02 00:00:00+00", "2000-01-01 00:00:00 Mars/Base", "2024-02-30 00:00:00+00"],
    badBinary: ["00000000", "7ffffffffffffffe"],
  },
  {
    type: "uuid",
    oid: 2950,
    inputs: [
      "00000000-0000-0000-0000-000000000000",
      "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
      "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "a0eebc999c0b4ef8bb6d6bb9bd380a11",
      "a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11",
      "ffffffff-ffff-ffff-ffff-ffffffffffff",
    ],
    badText: ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11x", "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""],
    badBinary: ["00", "000102030405060708090a0b0c0d0e0f10"],
  },
  {
    type: "numeric",
    oid: 1700,
    inputs: [
      "NaN",
      "Infinity",
      "-Infinity",
      "0",
      "-0",
      "0.000",
      "123456789012345678901234567890",
      "-123456789012345678901234567890.123456789012345678901234567890",
      "0.000000000000000000000000000001",
      "1e30",
      "1.5e-20",
      "-123.4500",
      "99999999999999999999.99999999999999999999",
      "  +3.14  ",
      "1E+5",
    ],
    badText: ["abc", "1e", "1.2.3", "", "NaNx", "1e100000"],
    badBinary: ["0001", "00010000000000000000", "0001000000000000270f", "000100000000c00000000001"],
  },
  {
    type: "json",
    oid: 114,
    inputs: [
      '{"b":1,"a":2,"b":3}',
      '[1, 2.50, "x", null, {"k": [true, false]}]',
      '"str"',
      "null",
      '  {"spaces" :  [ ] }  ',
      '"\\u00e9\\n\\ud83d\\ude00"',
      "-0.0e-5",
      '{"deep": [[[[[[[[[[1]]]]]]]]]]}',
    ],
    badText: ["{", '{"a":}', "[1,]", "nul", "'single'", '"\\ud800"', ""],
    badBinary: ["ff"],
  },
  {
    type: "jsonb",
    oid: 3802,
    inputs: [
      '{"b":1,"a":2,"b":3}',
      '{"z": 1, "aa": {"c": [1, 2, {"x": null}]}, "a": 1.50, "": ""}',
      '"str"',
      "null",
      "[]",
      "{}",
      '"\\u00e9\\n\\ud83d\\ude00"',
      "1e3",
      "-0.000",
      "123456789012345678901234567890.5",
      '[1, "1", true, null, [], {}]',
      '{"long key name": 1, "k": 2, "kk": 3, "a": 4}',
    ],
    badText: ["{", '{"a" 1}', "[1 2]", '"\\u0000"', "NaN", "01"],
    badBinary: ["02227822", "", "017b"],
  },
  {
    type: "int4[]",
    oid: 1007,
    inputs: ["{}", "{1,2,NULL,-3}", "{{1,2},{3,4}}", "[0:2]={7,8,9}", "{ 1 , 2 }", "{{{1}}}"],
    badText: ["{1,2", "{a}", "{{1},{2,3}}", "1,2", "{2147483648}"],
    badBinary: ["00000001", "0000000100000000000000170000000200000001000000040000000a"],
  },
  {
    type: "text[]",
    oid: 1009,
    inputs: ['{"a b","",NULL,"q\\"uote","back\\\\slash","NULL",ünï}', "{}", "{{a,b},{c,d}}", '{"{}",","}'],
    badText: ['{"unterminated}', "{a,{b}}", "a"],
    badBinary: [],
  },
  {
    type: "numeric[]",
    oid: 1231,
    inputs: ["{1.5,NaN,-0.001,NULL}", "{Infinity,-Infinity,123456789012345678901234567890}"],
    badText: ["{1.5,x}"],
    badBinary: [],
  },
  {
    type: "float8[]",
    oid: 1022,
    inputs: ["{NaN,Infinity,-Infinity,-0,0.1,NULL}"],
    badText: ["{1e400}"],
    badBinary: [],
  },
  {
    type: "bool[]",
    oid: 1000,
    inputs: ["{t,f,NULL}"],
    badText: ["{maybe}"],
    badBinary: [],
  },
  {
    type: "bytea[]",
    oid: 1001,
    inputs: ['{"\\\\x00ff","\\\\x",NULL}'],
    badText: [],
    badBinary: [],
  },
  {
    type: "date[]",
    oid: 1182,
    inputs: ["{2024-02-29,infinity,-infinity,\"4713-01-01 BC\",NULL}"],
    badText: ["{2024-02-30}"],
    badBinary: [],
  },
  {
    type: "timestamptz[]",
    oid: 1185,
    inputs: ['{"2000-01-01 00:00:00+00",infinity,NULL,"2024-03-10 12:00:00-07"}'],
    badText: ['{"2000-13-01 00:00:00+00"}'],
    badBinary: [],
  },
  {
    type: "uuid[]",
    oid: 2951,
    inputs: ["{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL,00000000-0000-0000-0000-000000000000}"],
    badText: ["{a0eebc99}"],
    badBinary: [],
  },
  {
    type: "jsonb[]",
    oid: 3807,
    inputs: ['{"{\\"b\\": 1, \\"a\\": [1, 2]}",null,"\\"s\\""}'],
    badText: ['{"{"}'],
    badBinary: [],
  },
  {
    type: "varchar[]",
    oid: 1015,
    inputs: ['{"",x,"y z",NULL}'],
    badText: [],
    badBinary: [],
  },
];

/** Session time zones under which timestamptz (and every other type) is read back. */
export const readTimeZones = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC+3", "-08:00"] as const;

/** The time zone set while values are written (timestamptz inputs without an offset use it). */
export const writeTimeZone = "America/New_York";

/** A table name for a type: rt_int4, rt_int4_array. */
export function tableFor(type: string): string {
  return `rt_${type.replace("[]", "_array")}`;
}
