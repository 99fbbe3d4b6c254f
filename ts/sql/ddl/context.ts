// Per-statement DDL state shared by the DDL modules: the transaction's catalog overlay,
// name lookup through search_path, batched writes and row iteration.

import type { Ast, Node } from "../ast.ts";
import { bodyOf, characterPosition } from "../ast.ts";
import type { ExecuteSink } from "../../pgwire/index.ts";
import { SqlError, SqlState } from "../errors.ts";
import type { SqlSession } from "../session.ts";
import type { CatalogOverlay } from "../catalog/overlay.ts";
import type { StoredExpr, TableDef } from "../catalog/defs.ts";
import { duplicateRelation, findRelation, undefinedTable, type DatabaseCatalog, type Relation } from "../catalog/catalog.ts";
import { indexRange } from "../keyspace.ts";
import { TableRuntime } from "../table-runtime.ts";
import type { Row } from "../analyze/expr.ts";
import { batchBytes, bulkBytes } from "../exec/bulk.ts";

export type Sink = ExecuteSink;

const BATCH_OPS = 2000;

/** Per-statement DDL state. */
export class Ddl {
  constructor(
    readonly session: SqlSession,
    readonly overlay: CatalogOverlay,
    readonly sink: Sink,
  ) {}

  get dbOid(): number {
    return this.session.database.oid;
  }

  catalog(): DatabaseCatalog {
    return this.overlay.database(this.dbOid)!;
  }

  oid(): number {
    return this.session.cluster.allocateOid();
  }

  notice(message: string, code: string = SqlState.successfulCompletion): void {
    this.session.notice(this.sink, message, "NOTICE", code);
  }

  /** The schema a new relation goes to; errors point at its name. */
  schemaOf(rangeVar: Ast.RangeVar): number {
    const at = rangeVar.location === undefined ? {} : { position: characterPosition(this.session.currentSql, rangeVar.location) };
    if (rangeVar.schemaname) {
      const schema = this.catalog().schemaByName(rangeVar.schemaname);
      if (!schema) throw new SqlError(SqlState.invalidSchemaName, `schema "${rangeVar.schemaname}" does not exist`, at);
      return schema.oid;
    }
    try {
      return this.session.creationSchema();
    } catch (error) {
      if (error instanceof SqlError && error.position === undefined && at.position !== undefined) error.position = at.position;
      throw error;
    }
  }

  /** Finds an existing relation by (possibly qualified) name. */
  findRelation(rangeVar: Ast.RangeVar): Relation | undefined {
    return findRelation(this.catalog(), this.session.searchPath(), rangeVar);
  }

  table(rangeVar: Ast.RangeVar, missingOk = false): TableDef | null {
    const found = this.findRelation(rangeVar);
    if (!found) {
      if (missingOk) return null;
      throw undefinedTable(rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : rangeVar.relname!);
    }
    if (found.kind !== "table") throw new SqlError(SqlState.wrongObjectType, `"${rangeVar.relname}" is not a table`);
    return found.table;
  }

  ensureNameFree(schema: number, name: string): void {
    if (this.catalog().relation(schema, name)) throw duplicateRelation(name);
  }

  /** A relation name not yet used: base, base1, base2... */
  freeName(schema: number, base: string): string {
    let name = base;
    for (let n = 1; this.catalog().relation(schema, name); n++) name = `${base}${n}`;
    return name;
  }

  runtime(def: TableDef): TableRuntime {
    return new TableRuntime(def, (table, expr) => this.session.bindIndexExpr(table, expr));
  }

  /** Writes in batches through the engine transaction. */
  writer(): { put(key: Uint8Array, value: Uint8Array | null): void; flush(): void } {
    const txn = this.session.transaction().engine();
    let ops: [Uint8Array, Uint8Array | null][] = [];
    return {
      put(key, value) {
        ops.push([key, value]);
        if (ops.length >= BATCH_OPS) {
          txn.writeBatch(ops);
          bulkBytes(batchBytes(ops));
          ops = [];
        }
      },
      flush() {
        if (ops.length > 0) {
          txn.writeBatch(ops);
          bulkBytes(batchBytes(ops));
        }
        ops = [];
      },
    };
  }

  /** Every row of a table as this transaction sees it. */
  *rows(table: TableRuntime): Iterable<{ key: Uint8Array; row: Row }> {
    const range = indexRange(table.def.storage, 0);
    const reader = this.session.transaction().reader();
    let count = 0;
    let bytes = 0;
    for (const [key, value] of reader.scan(range.lower, range.upper, false)) {
      bytes += key.length + value.length;
      if (++count % 1024 === 0) {
        this.session.interrupts.check();
        bulkBytes(bytes);
        bytes = 0;
      }
      yield { key, row: table.layout.decode(value) };
    }
  }
}

/** Text of an expression in the statement, from its location to where it ends. */
export function expressionText(sql: string, location: number | undefined): string {
  if (location === undefined) return "";
  const bytes = new TextEncoder().encode(sql);
  const text = new TextDecoder().decode(bytes.subarray(location));
  let depth = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const char = text[i]!;
    if (char === "'" || char === '"') {
      const quote = char;
      for (i++; i < text.length; i++) {
        if (text[i] === quote) {
          if (text[i + 1] === quote) i++;
          else break;
        }
      }
      continue;
    }
    if (char === "(") depth++;
    else if (char === ")") {
      if (depth === 0) break;
      depth--;
    } else if ((char === "," || char === ";") && depth === 0) break;
    else if (depth === 0 && /\s/.test(char)) {
      const rest = text.slice(i + 1).toLowerCase();
      if (/^(not\s+null|null|primary|unique|check|references|constraint|default|generated|collate)\b/.test(rest)) break;
    }
  }
  return text.slice(0, i).trim();
}

export function storedExpr(ast: Node, sql: string, location: number | undefined): StoredExpr {
  return { ast, text: expressionText(sql, location) };
}

export function locationOf(node: Node | undefined): number | undefined {
  if (!node) return undefined;
  return bodyOf<{ location?: number }>(node)?.location;
}
