// The catalog's records as stored (one JSON document per object, see keyspace.ts). They
// are plain immutable values: DDL replaces a record instead of changing it, so a published
// catalog can be shared by every session.

import type { Node } from "../ast.ts";

/** An expression kept in the catalog: its parse tree (re-analyzed when used) and its text. */
export interface StoredExpr {
  readonly ast: Node;
  readonly text: string;
}

export interface ColumnDef {
  /** Stable attribute number, never reused in the table. */
  readonly attnum: number;
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  readonly notNull: boolean;
  readonly default?: StoredExpr;
  /** GENERATED ALWAYS / BY DEFAULT AS IDENTITY. */
  readonly identity?: "always" | "by default";
  /** The sequence a serial or identity column draws from. */
  readonly sequence?: number;
  readonly dropped?: boolean;
  /** Text form of the value rows written before ADD COLUMN read as (null: NULL). */
  readonly missing?: string | null;
}

export interface IndexKeyDef {
  /** A plain column... */
  readonly attnum?: number;
  /** ...or an expression over the row. */
  readonly expr?: StoredExpr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export interface IndexDef {
  /** Index number in the data keyspace: 0 is the primary key (or the hidden row id). */
  readonly id: number;
  readonly oid: number;
  readonly name: string;
  readonly unique: boolean;
  readonly primary: boolean;
  readonly keys: readonly IndexKeyDef[];
  /** Set when the index enforces a PRIMARY KEY or UNIQUE constraint of this name. */
  readonly constraint?: string;
  readonly constraintOid?: number;
  /** A partial index's WHERE clause: only rows for which it is true have entries. */
  readonly predicate?: StoredExpr;
}

export interface CheckDef {
  readonly oid: number;
  readonly name: string;
  readonly expr: StoredExpr;
}

export interface ForeignKeyDef {
  readonly oid: number;
  readonly name: string;
  readonly columns: readonly number[];
  readonly refTable: number;
  readonly refColumns: readonly number[];
  readonly onDelete: "a" | "r" | "c" | "n" | "d";
  readonly onUpdate: "a" | "r" | "c" | "n" | "d";
}

export interface TableDef {
  readonly oid: number;
  readonly name: string;
  readonly schema: number;
  /** Where the rows live (keyspace.ts); changed by TRUNCATE and table rewrites. */
  readonly storage: number;
  readonly columns: readonly ColumnDef[];
  /** indexes[0] always exists: the primary key, or the hidden row id index. */
  readonly indexes: readonly IndexDef[];
  readonly checks: readonly CheckDef[];
  readonly foreignKeys: readonly ForeignKeyDef[];
  readonly nextAttnum: number;
  readonly nextIndexId: number;
  /** The sequence of the hidden row id (tables without a primary key). */
  readonly rowIdSequence?: number;
  /** The pg_type row OID of the table's row type. */
  readonly rowTypeOid: number;
}

export interface SequenceDef {
  readonly oid: number;
  readonly name: string;
  readonly schema: number;
  readonly typeOid: number;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cycle: boolean;
  readonly cache: string;
  /** A serial/identity column's sequence is dropped with it. */
  readonly ownedBy?: { readonly table: number; readonly attnum: number };
  /** Internal sequences (hidden row ids) are not visible as relations. */
  readonly internal?: boolean;
}

export interface SchemaDef {
  readonly oid: number;
  readonly name: string;
  readonly owner: number;
}

export interface DatabaseDef {
  readonly oid: number;
  readonly name: string;
  readonly owner: number;
}

export interface RoleDef {
  readonly oid: number;
  readonly name: string;
  readonly superuser: boolean;
  readonly login: boolean;
  readonly createdb: boolean;
  readonly createrole: boolean;
  /** SCRAM-SHA-256 verifier in PostgreSQL's stored format; never the password. */
  readonly verifier: string | null;
}

/** Cluster-wide facts. */
export interface MetaDef {
  readonly format: number;
  /** Secret for SCRAM mock salts (hex), so they survive restarts. */
  readonly scramSecret: string;
}

/** A storage range to delete (a dropped or truncated table's old rows). */
export interface GarbageDef {
  readonly storage: number;
}

export const CATALOG_FORMAT = 1;

/** Well-known OIDs, as in PostgreSQL. */
export const WellKnownOid = {
  pgCatalog: 11,
  public: 2200,
  informationSchema: 13000,
  bootstrapSuperuser: 10,
  postgresDatabase: 5,
  templateDatabase: 1,
  /** User objects get OIDs from here up (FirstNormalObjectId). */
  firstNormal: 16384,
} as const;
