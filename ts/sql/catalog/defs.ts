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
  /** COMMENT ON ...: its description (pg_description). */
  readonly comment?: string;
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
  /** COMMENT ON ...: its description (pg_description). */
  readonly comment?: string;
  /** The comment on the constraint the index enforces (a separate object from the index). */
  readonly constraintComment?: string;
}

export interface CheckDef {
  readonly oid: number;
  readonly name: string;
  readonly expr: StoredExpr;
  /** COMMENT ON ...: its description (pg_description). */
  readonly comment?: string;
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
  /** COMMENT ON ...: its description (pg_description). */
  readonly comment?: string;
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
  /** COMMENT ON ...: its description (pg_description). */
  readonly comment?: string;
}

export interface SchemaDef {
  readonly oid: number;
  readonly name: string;
  readonly owner: number;
  /** nspacl; absent means the default privileges (NULL in pg_namespace). */
  readonly acl?: readonly AclItemDef[];
  /** COMMENT ON ...: its description (pg_description). */
  readonly comment?: string;
}

export interface DatabaseDef {
  readonly oid: number;
  readonly name: string;
  readonly owner: number;
  /** datistemplate: template0 and template1. */
  readonly template?: boolean;
  /** datallowconn; absent means true (template0 refuses connections). */
  readonly allowConnections?: boolean;
  /** datacl; absent means the default privileges (NULL in pg_database). */
  readonly acl?: readonly AclItemDef[];
  /** COMMENT ON DATABASE (pg_shdescription). */
  readonly comment?: string;
}

/** One aclitem: `grantee=privileges/grantor`, grantee 0 being PUBLIC. */
export interface AclItemDef {
  readonly grantee: number;
  readonly grantor: number;
  /** PostgreSQL's privilege letters, e.g. "CTc" (create, temporary, connect). */
  readonly privileges: string;
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
  /** COMMENT ON ROLE (pg_shdescription). */
  readonly comment?: string;
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
  template0Database: 4,
  /** The role that owns the public schema: whoever owns the current database. */
  pgDatabaseOwner: 6171,
  /** User objects get OIDs from here up (FirstNormalObjectId). */
  firstNormal: 16384,
} as const;

/** PostgreSQL 15's predefined roles (none can log in), created with the cluster. */
export const predefinedRoles: readonly { readonly oid: number; readonly name: string }[] = [
  { oid: 3373, name: "pg_monitor" },
  { oid: 3374, name: "pg_read_all_settings" },
  { oid: 3375, name: "pg_read_all_stats" },
  { oid: 3377, name: "pg_stat_scan_tables" },
  { oid: 4200, name: "pg_signal_backend" },
  { oid: 4544, name: "pg_checkpoint" },
  { oid: 4569, name: "pg_read_server_files" },
  { oid: 4570, name: "pg_write_server_files" },
  { oid: 4571, name: "pg_execute_server_program" },
  { oid: WellKnownOid.pgDatabaseOwner, name: "pg_database_owner" },
  { oid: 6181, name: "pg_read_all_data" },
  { oid: 6182, name: "pg_write_all_data" },
];

/** The OIDs of the system catalogs pgz presents (regclass names them), as in PostgreSQL. */
export const SystemCatalogOid = {
  pg_tablespace: 1213,
  pg_type: 1247,
  pg_attribute: 1249,
  pg_proc: 1255,
  pg_class: 1259,
  pg_authid: 1260,
  pg_auth_members: 1261,
  pg_database: 1262,
  pg_sequence: 2224,
  pg_shdescription: 2396,
  pg_am: 2601,
  pg_attrdef: 2604,
  pg_constraint: 2606,
  pg_depend: 2608,
  pg_description: 2609,
  pg_index: 2610,
  pg_inherits: 2611,
  pg_namespace: 2615,
  pg_extension: 3079,
  pg_policy: 3256,
  pg_partitioned_table: 3350,
  pg_statistic_ext: 3381,
  pg_collation: 3456,
  pg_publication: 6104,
  pg_publication_rel: 6106,
  pg_publication_namespace: 6237,
} as const;

/** A system catalog's OID by name, or undefined. */
export function systemCatalogOid(name: string): number | undefined {
  return (SystemCatalogOid as Readonly<Record<string, number>>)[name];
}
