// Result columns for RowDescription and encoders that turn values into cells in the
// requested format (text as PostgreSQL prints it, or its binary wire format).

import type { Cell, Field, FormatCode } from "../pgwire/index.ts";
import type { OutputColumn } from "./plan/nodes.ts";
import type { SqlValue, TypeContext } from "./types/index.ts";
import { formatStyled, needsStyle } from "./output-style.ts";

export function fieldsOf(columns: readonly OutputColumn[], formats?: readonly FormatCode[]): Field[] {
  return columns.map((c, i) => ({
    name: c.name,
    tableOid: c.tableOid,
    columnNumber: c.attnum,
    typeOid: c.type.oid,
    typeSize: c.type.typlen,
    typeModifier: c.typmod,
    format: formats?.[i] ?? 0,
  }));
}

export type CellEncoder = (value: SqlValue) => Cell;

/** One encoder per column, bound to the session's settings (TimeZone) at the time of the call. */
export function cellEncoders(columns: readonly OutputColumn[], formats: readonly FormatCode[], ctx: TypeContext): CellEncoder[] {
  return columns.map((column, i) => {
    const type = column.type;
    if (formats[i] === 1) return (value) => (value === null || value === undefined ? null : type.encodeBinary(value as never, ctx));
    if (needsStyle(ctx)) return (value) => (value === null || value === undefined ? null : formatStyled(type, value, ctx));
    return (value) => (value === null || value === undefined ? null : type.format(value as never, ctx));
  });
}
