// CREATE INDEX (unique, multi-column, expression) and removal of an index's entries.

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf, expressionStart, namesOf } from "../ast.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import type { IndexDef, IndexKeyDef, StoredExpr, TableDef } from "../catalog/defs.ts";
import { duplicateRelation } from "../catalog/catalog.ts";
import { isVolatile } from "../analyze/expr.ts";
import { boolType, formatType, NO_TYPMOD, typeByOid } from "../types/index.ts";
import { isKeyable } from "../encoding/key.ts";
import { indexRange } from "../keyspace.ts";
import { Ddl, expressionText, storedExpr, locationOf } from "./context.ts";
import { bindInTable } from "./create-table.ts";
import { buildIndex } from "./table-data.ts";

export async function createIndex(ddl: Ddl, stmt: Ast.IndexStmt, sql: string): Promise<string> {
  if (stmt.accessMethod && stmt.accessMethod !== "btree") throw notSupported(`index access method "${stmt.accessMethod}"`);
  if (stmt.indexIncludingParams?.length) throw notSupported("INCLUDE columns in indexes");
  const def = ddl.table(stmt.relation!)!;
  const live = def.columns.filter((c) => !c.dropped);
  const keys: IndexKeyDef[] = [];
  const nameParts: string[] = [];
  for (const node of stmt.indexParams ?? []) {
    const elem = bodyOf<Ast.IndexElem>(node);
    const descending = elem.ordering === "SORTBY_DESC";
    const nullsFirst = elem.nulls_ordering === "SORTBY_NULLS_FIRST" || (elem.nulls_ordering !== "SORTBY_NULLS_LAST" && descending);
    if (elem.opclass?.length) throw notSupported("operator classes in indexes");
    if (elem.name) {
      const column = live.find((c) => c.name === elem.name);
      if (!column) throw new SqlError(SqlState.undefinedColumn, `column "${elem.name}" does not exist`);
      if (!isKeyable(typeByOid(column.typeOid)!)) {
        throw new SqlError(SqlState.undefinedObject, `data type ${formatType(typeByOid(column.typeOid)!, NO_TYPMOD)} has no default operator class for access method "btree"`);
      }
      keys.push({ attnum: column.attnum, descending, nullsFirst });
      nameParts.push(elem.name);
    } else {
      const expr = elem.expr!;
      const bound = bindInTable(ddl, expr, def.columns, def.name, sql);
      if (isVolatile(bound)) throw new SqlError(SqlState.invalidObjectDefinition, "functions in index expression must be marked IMMUTABLE");
      if (!isKeyable(bound.type)) {
        throw new SqlError(SqlState.undefinedObject, `data type ${formatType(bound.type, NO_TYPMOD)} has no default operator class for access method "btree"`);
      }
      keys.push({ expr: storedExpr(expr, sql, locationOf(expr)), descending, nullsFirst });
      const call = asNode<Ast.FuncCall>(expr, "FuncCall");
      nameParts.push(call ? (namesOf(call.funcname).pop() ?? "expr") : "expr");
    }
  }
  const name = stmt.idxname ?? ddl.freeName(def.schema, `${def.name}_${nameParts.join("_")}_${stmt.unique ? "key" : "idx"}`.replace(`_${nameParts.join("_")}_key`, `_${nameParts.join("_")}_idx`));
  if (ddl.catalog().relation(def.schema, name)) {
    if (stmt.if_not_exists) {
      ddl.notice(`relation "${name}" already exists, skipping`, SqlState.duplicateTable);
      return "CREATE INDEX";
    }
    throw duplicateRelation(name);
  }
  const predicate = stmt.whereClause ? partialIndexPredicate(ddl, def, stmt.whereClause, sql) : undefined;
  const index: IndexDef = { id: def.nextIndexId, oid: ddl.oid(), name, unique: stmt.unique === true, primary: false, keys, ...(predicate ? { predicate } : {}) };
  const updated: TableDef = { ...def, indexes: [...def.indexes, index], nextIndexId: def.nextIndexId + 1 };
  buildIndex(ddl, updated, index.id);
  ddl.overlay.putTable(ddl.dbOid, updated);
  return "CREATE INDEX";
}

/** Checks a partial index's WHERE clause (boolean, immutable, over the table's columns). */
function partialIndexPredicate(ddl: Ddl, def: TableDef, where: Node, sql: string): StoredExpr {
  const bound = bindInTable(ddl, where, def.columns, def.name, sql);
  if (bound.type.oid !== boolType.oid) {
    throw new SqlError(SqlState.datatypeMismatch, `argument of WHERE must be type boolean, not type ${formatType(bound.type, NO_TYPMOD)}`);
  }
  if (isVolatile(bound)) throw new SqlError(SqlState.invalidObjectDefinition, "functions in index predicate must be marked IMMUTABLE");
  return { ast: where, text: expressionText(sql, expressionStart(where)) };
}

export function dropIndexData(ddl: Ddl, table: TableDef, index: IndexDef): void {
  const range = indexRange(table.storage, index.id);
  const reader = ddl.session.transaction().reader();
  const writer = ddl.writer();
  for (const [key] of reader.scan(range.lower, range.upper, false)) writer.put(key, null);
  writer.flush();
}
