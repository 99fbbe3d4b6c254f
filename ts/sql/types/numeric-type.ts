// The numeric type descriptor.

import { ArrayOid, Oid } from "./oids.ts";
import { hashString } from "./hash.ts";
import { Numeric } from "./numeric.ts";
import { decodeNumericBinary, encodeNumericBinary } from "./numeric-binary.ts";
import { parseNumericText } from "./numeric-text.ts";
import { applyNumericTypmod, numericTypmod } from "./numeric-typmod.ts";
import type { SqlType } from "./type.ts";

export const numericType: SqlType<Numeric> = {
  oid: Oid.numeric,
  typname: "numeric",
  sqlName: "numeric",
  typlen: -1,
  category: "N",
  preferred: false,
  arrayOid: ArrayOid.numeric,
  elementOid: 0,
  typmod: numericTypmod,
  parse: (text, typmod) => applyNumericTypmod(parseNumericText(text), typmod),
  format: (value) => value.toString(),
  decodeBinary: (bytes, typmod) => applyNumericTypmod(decodeNumericBinary(bytes), typmod),
  encodeBinary: (value) => encodeNumericBinary(value),
  compare: (a, b) => a.compare(b),
  equals: (a, b) => a.equals(b),
  // 1.0 = 1.00, so hash the value without its display scale.
  hash: (value) => hashString(value.normalize().toString()),
  accepts: (value): value is Numeric => value instanceof Numeric,
};
