// What executing statements needs to know about a table, derived once per catalog record:
// its row layout, key columns and index prefixes, and how to build each index's key from a
// row. Cached by record identity (records are immutable; DDL replaces them).

import { NO_TYPMOD, typeByOid, type SqlType, type SqlValue } from "./types/index.ts";
import { RowLayout, type RowColumn } from "./encoding/row.ts";
import { encodeKeyColumn, KeyWriter, type KeyColumn } from "./encoding/key.ts";
import { indexPrefix, INDEX_PREFIX_BYTES } from "./keyspace.ts";
import type { ColumnDef, IndexDef, StoredExpr, TableDef } from "./catalog/defs.ts";
import { SqlError, SqlState } from "./errors.ts";
import { defaultTypeContext } from "./types/index.ts";
import type { Row } from "./analyze/expr.ts";

export const ROWID_KEY_COLUMN: KeyColumn = { type: typeByOid(20)! };

/** A key part of an index: a column's position in the row, or an expression over the row. */
export interface IndexPart {
  readonly column: number;
  readonly expr: ((row: Row) => SqlValue) | null;
  readonly key: KeyColumn;
  readonly name: string;
}

export interface IndexRuntime {
  readonly def: IndexDef;
  readonly prefix: Uint8Array;
  readonly parts: readonly IndexPart[];
  /** A partial index's predicate (rows for which it is not true have no entry), else null. */
  readonly predicate: ((row: Row) => boolean) | null;
}

/** Binds a stored index expression to a function of the row (supplied by the analyzer). */
export type IndexExprBinder = (table: TableDef, expr: StoredExpr) => { fn: (row: Row) => SqlValue; type: SqlType };

export class TableRuntime {
  readonly columns: readonly ColumnDef[];
  readonly types: readonly SqlType[];
  readonly layout: RowLayout;
  readonly primary: IndexRuntime;
  readonly hasPrimaryKey: boolean;
  /** Secondary indexes (id > 0), all maintained on writes. */
  readonly secondary: readonly IndexRuntime[];
  /**
   * The indexes that hold every row, so the planner may read through them (partial
   * indexes are maintained but never chosen for scans or ON CONFLICT inference).
   */
  readonly complete: readonly IndexRuntime[];
  readonly byAttnum: ReadonlyMap<number, number>;
  private readonly keyWriter = new KeyWriter(64);

  constructor(
    readonly def: TableDef,
    bindExpr: IndexExprBinder,
  ) {
    this.columns = def.columns.filter((c) => !c.dropped).sort((a, b) => a.attnum - b.attnum);
    this.types = this.columns.map((c) => typeOfColumn(c));
    const byAttnum = new Map<number, number>();
    this.columns.forEach((c, i) => byAttnum.set(c.attnum, i));
    this.byAttnum = byAttnum;
    const rowColumns: RowColumn[] = def.columns.map((c) => {
      const type = typeOfColumn(c);
      const missing = c.missing === undefined || c.missing === null ? null : type.parse(c.missing, c.typmod, defaultTypeContext);
      return { attnum: c.attnum, type, dropped: c.dropped === true, missingValue: missing };
    });
    this.layout = new RowLayout(rowColumns);
    const predicate = (index: IndexDef): ((row: Row) => boolean) | null => {
      if (!index.predicate) return null;
      const bound = bindExpr(def, index.predicate).fn;
      return (row) => bound(row) === true;
    };
    const runtime = (index: IndexDef): IndexRuntime => ({
      def: index,
      prefix: indexPrefix(def.storage, index.id),
      predicate: predicate(index),
      parts: index.keys.map((key) => {
        const nulls = key.nullsFirst ? "first" : "last";
        if (key.attnum !== undefined) {
          const column = byAttnum.get(key.attnum);
          if (column === undefined) throw new SqlError(SqlState.internalError, `index ${index.name} uses a dropped column`);
          return { column, expr: null, key: { type: this.types[column]!, descending: key.descending, nulls }, name: this.columns[column]!.name };
        }
        const bound = bindExpr(def, key.expr!);
        return { column: -1, expr: bound.fn, key: { type: bound.type, descending: key.descending, nulls }, name: key.expr!.text };
      }),
    });
    const primaryDef = def.indexes.find((i) => i.id === 0)!;
    this.hasPrimaryKey = primaryDef.primary;
    this.primary = this.hasPrimaryKey
      ? runtime(primaryDef)
      : { def: primaryDef, prefix: indexPrefix(def.storage, 0), parts: [{ column: -1, expr: null, key: ROWID_KEY_COLUMN, name: "ctid" }], predicate: null };
    this.secondary = def.indexes.filter((i) => i.id !== 0).map(runtime);
    this.complete = this.secondary.filter((i) => i.predicate === null);
  }

  /** The index's key bytes for a row (without the prefix); rowId for tables without a primary key. */
  indexKey(index: IndexRuntime, row: Row, rowId?: bigint): Uint8Array {
    const out = this.keyWriter;
    out.length = 0;
    out.append(index.prefix);
    for (const part of index.parts) {
      const value = part.expr ? part.expr(row) : part.column >= 0 ? row[part.column]! : rowId!;
      encodeKeyColumn(part.key, value, out);
    }
    return out.bytes.slice(0, out.length);
  }

  /** Whether the index key of this row has a NULL part (unique indexes do not enforce then). */
  hasNullKey(index: IndexRuntime, row: Row): boolean {
    for (const part of index.parts) {
      const value = part.expr ? part.expr(row) : row[part.column]!;
      if (value === null) return true;
    }
    return false;
  }

  /** Primary-key bytes without the prefix (what secondary index entries carry). */
  primarySuffix(primaryKey: Uint8Array): Uint8Array {
    return primaryKey.subarray(INDEX_PREFIX_BYTES);
  }

  column(name: string): number {
    return this.columns.findIndex((c) => c.name === name);
  }
}

export function typeOfColumn(column: ColumnDef): SqlType {
  const type = typeByOid(column.typeOid);
  if (!type) throw new SqlError(SqlState.internalError, `column ${column.name} has unknown type ${column.typeOid}`);
  return type;
}

const cache = new WeakMap<TableDef, TableRuntime>();

export function tableRuntime(def: TableDef, bindExpr: IndexExprBinder): TableRuntime {
  let runtime = cache.get(def);
  if (!runtime) {
    runtime = new TableRuntime(def, bindExpr);
    cache.set(def, runtime);
  }
  return runtime;
}

export { NO_TYPMOD };
