// The state of analyzing one statement: the text (for error positions), parameter types
// as they are inferred, the catalog as the statement's transaction sees it, and counters
// for range-table entries.

import { characterPosition } from "../ast.ts";
import { SqlError, SqlState } from "../errors.ts";
import { relationOidByName, type DatabaseCatalog } from "../catalog/catalog.ts";
import type { TableDef } from "../catalog/defs.ts";
import type { TableRuntime } from "../table-runtime.ts";
import { formatType, NO_TYPMOD, type SqlType, type TypeContext } from "../types/index.ts";
import type { CoercionHost } from "./coerce.ts";
import type { EvalContext, Row } from "./expr.ts";
import type { RangeColumn } from "./scope.ts";
import { isUnknown } from "./pseudo-types.ts";

/** A relation computed from the catalog (pg_catalog and information_schema views). */
export interface VirtualTable {
  readonly name: string;
  readonly columns: readonly RangeColumn[];
  rows(ctx: EvalContext): Iterable<Row>;
}

/** The catalog as one statement sees it. */
export interface CatalogView {
  readonly catalog: DatabaseCatalog;
  /** Schema OIDs searched for unqualified names, in order. */
  readonly searchPath: readonly number[];
  table(def: TableDef): TableRuntime;
  /** A system view by schema (null: search pg_catalog then information_schema) and name. */
  systemView(schema: string | null, name: string): VirtualTable | null;
}

export class Analysis implements CoercionHost {
  private nextRelId = 1;
  private nextCteId = 1;
  /** Parameter types: declared by the client or inferred from context. */
  readonly paramTypes: (SqlType | undefined)[];
  /** Highest $n referenced. */
  paramCount = 0;
  /** False for the simple query protocol, which has no parameters. */
  parametersAllowed = true;

  constructor(
    readonly sql: string,
    readonly types: TypeContext,
    readonly catalogView: CatalogView,
    declaredParams: readonly (SqlType | undefined)[] = [],
  ) {
    this.paramTypes = [...declaredParams];
  }

  newRel(): number {
    return this.nextRelId++;
  }

  newCte(): number {
    return this.nextCteId++;
  }

  position(location: number | undefined): number | undefined {
    return location === undefined ? undefined : characterPosition(this.sql, location);
  }

  setParamType(index: number, type: SqlType): void {
    const current = this.paramTypes[index - 1];
    if (current === undefined || isUnknown(current)) this.paramTypes[index - 1] = type;
  }

  paramType(index: number): SqlType | undefined {
    if (index > this.paramCount) this.paramCount = index;
    return this.paramTypes[index - 1];
  }

  error(code: string, message: string, location?: number, fields: { hint?: string; detail?: string } = {}): SqlError {
    const position = this.position(location);
    return new SqlError(code, message, position === undefined ? fields : { ...fields, position });
  }

  typeName(type: SqlType): string {
    return formatType(type, NO_TYPMOD);
  }

  relationOid(name: string): number {
    return relationOidByName(this.catalog, this.catalogView.searchPath, name);
  }

  get catalog(): DatabaseCatalog {
    return this.catalogView.catalog;
  }

  undefinedColumn(name: string, location?: number): SqlError {
    return this.error(SqlState.undefinedColumn, `column ${name} does not exist`, location);
  }
}
