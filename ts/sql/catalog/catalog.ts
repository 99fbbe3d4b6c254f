// The catalog in memory: per-database maps of schemas, tables and sequences with name
// lookups, and the cluster's databases and roles. A published catalog is never changed;
// DDL works on a copy (see overlay.ts) that replaces it when its transaction commits.

import { SqlError, SqlState } from "../errors.ts";
import { systemCatalogOid, type DatabaseDef, type IndexDef, type RoleDef, type SchemaDef, type SequenceDef, type TableDef } from "./defs.ts";

/** A relation found by name: a table, a sequence or an index. */
export type Relation =
  | { readonly kind: "table"; readonly table: TableDef }
  | { readonly kind: "sequence"; readonly sequence: SequenceDef }
  | { readonly kind: "index"; readonly table: TableDef; readonly index: IndexDef };

/** A relation's OID, schema and name, whatever its kind. */
export function relationIdentity(relation: Relation): { readonly oid: number; readonly schema: number; readonly name: string } {
  switch (relation.kind) {
    case "table":
      return relation.table;
    case "sequence":
      return relation.sequence;
    case "index":
      return { oid: relation.index.oid, schema: relation.table.schema, name: relation.index.name };
  }
}

export class DatabaseCatalog {
  private relationsByName: Map<string, Relation> | null = null;
  private relationsByOid: Map<number, Relation> | null = null;
  /** Values other modules derive from the catalog (see `derived`), dropped on a change. */
  private readonly derivedValues = new Map<(catalog: DatabaseCatalog) => unknown, unknown>();
  private schemasByName: Map<string, SchemaDef> | null = null;

  constructor(
    readonly database: DatabaseDef,
    readonly schemas: Map<number, SchemaDef>,
    readonly tables: Map<number, TableDef>,
    readonly sequences: Map<number, SequenceDef>,
  ) {}

  /** A copy whose maps may be changed (the records themselves are shared). */
  clone(): DatabaseCatalog {
    return new DatabaseCatalog(this.database, new Map(this.schemas), new Map(this.tables), new Map(this.sequences));
  }

  /** Drops the name indexes after a change. */
  invalidate(): void {
    this.relationsByName = null;
    this.relationsByOid = null;
    this.schemasByName = null;
    this.derivedValues.clear();
  }

  /** `compute(this)`, computed once and kept until the catalog changes (an index, say). */
  derived<T>(compute: (catalog: DatabaseCatalog) => T): T {
    if (this.derivedValues.has(compute)) return this.derivedValues.get(compute) as T;
    const value = compute(this);
    this.derivedValues.set(compute, value);
    return value;
  }

  schemaByName(name: string): SchemaDef | undefined {
    if (!this.schemasByName) {
      this.schemasByName = new Map();
      for (const schema of this.schemas.values()) this.schemasByName.set(schema.name, schema);
    }
    return this.schemasByName.get(name);
  }

  private relations(): Map<string, Relation> {
    if (this.relationsByName) return this.relationsByName;
    const map = new Map<string, Relation>();
    for (const table of this.tables.values()) {
      map.set(`${table.schema}.${table.name}`, { kind: "table", table });
      for (const index of table.indexes) {
        if (index.oid !== 0) map.set(`${table.schema}.${index.name}`, { kind: "index", table, index });
      }
    }
    for (const sequence of this.sequences.values()) {
      if (!sequence.internal) map.set(`${sequence.schema}.${sequence.name}`, { kind: "sequence", sequence });
    }
    this.relationsByName = map;
    return map;
  }

  relation(schema: number, name: string): Relation | undefined {
    return this.relations().get(`${schema}.${name}`);
  }

  table(schema: number, name: string): TableDef | undefined {
    const relation = this.relation(schema, name);
    return relation?.kind === "table" ? relation.table : undefined;
  }

  /** A relation by OID: table, index or (non-internal) sequence. */
  relationByOid(oid: number): Relation | undefined {
    if (!this.relationsByOid) {
      this.relationsByOid = new Map();
      for (const relation of this.relations().values()) this.relationsByOid.set(relationIdentity(relation).oid, relation);
    }
    return this.relationsByOid.get(oid);
  }

  /** Every relation, for the system views. */
  allRelations(): Iterable<Relation> {
    return this.relations().values();
  }
}

export class ClusterCatalog {
  private rolesByName: Map<string, RoleDef> | null = null;
  private databasesByName: Map<string, DatabaseDef> | null = null;

  constructor(
    readonly databases: Map<number, DatabaseDef>,
    readonly roles: Map<number, RoleDef>,
  ) {}

  clone(): ClusterCatalog {
    return new ClusterCatalog(new Map(this.databases), new Map(this.roles));
  }

  invalidate(): void {
    this.rolesByName = null;
    this.databasesByName = null;
  }

  role(name: string): RoleDef | undefined {
    if (!this.rolesByName) {
      this.rolesByName = new Map();
      for (const role of this.roles.values()) this.rolesByName.set(role.name, role);
    }
    return this.rolesByName.get(name);
  }

  database(name: string): DatabaseDef | undefined {
    if (!this.databasesByName) {
      this.databasesByName = new Map();
      for (const database of this.databases.values()) this.databasesByName.set(database.name, database);
    }
    return this.databasesByName.get(name);
  }
}

/**
 * The OID regclass input gives a relation name: a number is taken as the OID itself, a name
 * (optionally schema-qualified, double quotes keeping case) is looked up through searchPath.
 */
export function relationOidByName(catalog: DatabaseCatalog, searchPath: readonly number[], name: string): number {
  if (/^\s*\d+\s*$/.test(name)) return Number(name);
  const parts = name.split(".").map((p) => p.trim().replace(/^"(.*)"$/, "$1"));
  const relation = parts[parts.length - 1]!;
  // pg_catalog comes first when search_path does not name it, as in PostgreSQL.
  const system = systemCatalogOid(name.includes('"') ? relation : relation.toLowerCase());
  if (system !== undefined && (parts.length === 1 || parts[parts.length - 2] === "pg_catalog")) return system;
  const schemas = parts.length > 1 ? [catalog.schemaByName(parts[parts.length - 2]!)?.oid ?? -1] : searchPath;
  for (const schema of schemas) {
    const found = catalog.relation(schema, name.includes('"') ? relation : relation.toLowerCase());
    if (found) return relationIdentity(found).oid;
  }
  throw undefinedTable(name);
}

/** An existing relation by (possibly schema-qualified) name, looked up through searchPath. */
export function findRelation(
  catalog: DatabaseCatalog,
  searchPath: readonly number[],
  name: { readonly schemaname?: string; readonly relname?: string },
): Relation | undefined {
  if (name.schemaname) {
    const schema = catalog.schemaByName(name.schemaname);
    if (!schema) throw new SqlError(SqlState.invalidSchemaName, `schema "${name.schemaname}" does not exist`);
    return catalog.relation(schema.oid, name.relname!);
  }
  for (const schema of searchPath) {
    const found = catalog.relation(schema, name.relname!);
    if (found) return found;
  }
  return undefined;
}

export function undefinedTable(name: string): SqlError {
  return new SqlError(SqlState.undefinedTable, `relation "${name}" does not exist`);
}

export function duplicateRelation(name: string): SqlError {
  return new SqlError(SqlState.duplicateTable, `relation "${name}" already exists`);
}
