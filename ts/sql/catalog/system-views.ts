// pg_catalog and information_schema relations generated from the catalog: enough for
// drivers' connection-time queries (pg_type), psql's and ORMs' common lookups (pg_class,
// pg_namespace, pg_attribute, pg_index, information_schema.tables/columns), and pgbench.

import {
  allTypes,
  boolType,
  charType,
  elementTypeOf,
  formatType,
  int2Type,
  int4Type,
  nameType,
  NO_TYPMOD,
  oidType,
  textType,
  PgArray,
  type SqlType,
  type SqlValue,
} from "../types/index.ts";
import type { VirtualTable } from "../analyze/analysis.ts";
import type { EvalContext, Row } from "../analyze/expr.ts";
import type { RangeColumn } from "../analyze/scope.ts";
import { pseudoTypes } from "../analyze/pseudo-types.ts";
import { typeOfColumn } from "../table-runtime.ts";
import type { DatabaseCatalog, ClusterCatalog } from "./catalog.ts";
import { WellKnownOid } from "./defs.ts";

/** What the views read: the catalog as the statement sees it, and some session facts. */
export interface SystemViewSource {
  catalog(): DatabaseCatalog;
  cluster(): ClusterCatalog;
  settings(): { name: string; setting: string; description: string }[];
}

type ColumnSpec = readonly [name: string, type: SqlType];

function view(name: string, spec: readonly ColumnSpec[], rows: (ctx: EvalContext) => Iterable<Row>): VirtualTable {
  const columns: RangeColumn[] = spec.map(([columnName, type]) => ({ name: columnName, type, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 }));
  return { name, columns, rows };
}

const oidArray = (): SqlType => allTypes().find((t) => t.typname === "_oid")!;
const textArray = (): SqlType => allTypes().find((t) => t.typname === "_text")!;
const int2Array = (): SqlType => allTypes().find((t) => t.typname === "_int2")!;

const typtype = (type: SqlType): string => ((type.category as string) === "P" ? "p" : "b");

export function systemView(source: SystemViewSource, schema: string | null, name: string): VirtualTable | null {
  const builder = (schema === null || schema === "pg_catalog" ? pgCatalog[name] : undefined) ?? (schema === null || schema === "information_schema" ? informationSchema[name] : undefined);
  return builder ? builder(source) : null;
}

const pgCatalog: Record<string, (source: SystemViewSource) => VirtualTable> = {
  pg_type: () =>
    view(
      "pg_type",
      [
        ["oid", oidType], ["typname", nameType], ["typnamespace", oidType], ["typowner", oidType], ["typlen", int2Type], ["typbyval", boolType],
        ["typtype", charType], ["typcategory", charType], ["typispreferred", boolType], ["typisdefined", boolType], ["typdelim", charType],
        ["typrelid", oidType], ["typelem", oidType], ["typarray", oidType], ["typbasetype", oidType], ["typtypmod", int4Type],
        ["typndims", int4Type], ["typnotnull", boolType], ["typcollation", oidType], ["typdefault", textType], ["typinput", oidType], ["typoutput", oidType],
        ["typreceive", oidType], ["typsend", oidType],
      ],
      () =>
        [...allTypes(), ...pseudoTypes].map((t): Row => [
          t.oid, t.typname, WellKnownOid.pgCatalog, WellKnownOid.bootstrapSuperuser, t.typlen, t.typlen > 0 && t.typlen <= 8,
          typtype(t), t.category, t.preferred, true, ",", 0, t.elementOid, t.arrayOid, 0, -1, 0, false,
          t.category === "S" ? 100 : 0, null, 0, 0, 0, 0,
        ]),
    ),
  pg_namespace: (source) =>
    view("pg_namespace", [["oid", oidType], ["nspname", nameType], ["nspowner", oidType], ["nspacl", textType]], () =>
      [...source.catalog().schemas.values()].map((s): Row => [s.oid, s.name, s.owner, null]),
    ),
  pg_class: (source) =>
    view(
      "pg_class",
      [
        ["oid", oidType], ["relname", nameType], ["relnamespace", oidType], ["reltype", oidType], ["relowner", oidType], ["relam", oidType],
        ["relfilenode", oidType], ["reltuples", int4Type], ["relhasindex", boolType], ["relisshared", boolType], ["relpersistence", charType],
        ["relkind", charType], ["relnatts", int2Type], ["relchecks", int2Type], ["relhasrules", boolType], ["relhastriggers", boolType],
        ["relrowsecurity", boolType], ["relispartition", boolType], ["reloptions", textType],
      ],
      () => {
        const rows: Row[] = [];
        for (const relation of source.catalog().allRelations()) {
          if (relation.kind === "table") {
            const t = relation.table;
            const live = t.columns.filter((c) => !c.dropped).length;
            rows.push([t.oid, t.name, t.schema, t.rowTypeOid, WellKnownOid.bootstrapSuperuser, 2, t.storage, -1, t.indexes.some((i) => i.oid !== 0), false, "p", "r", live, t.checks.length, false, false, false, false, null]);
          } else if (relation.kind === "index") {
            const i = relation.index;
            rows.push([i.oid, i.name, relation.table.schema, 0, WellKnownOid.bootstrapSuperuser, 403, i.oid, -1, false, false, "p", "i", i.keys.length, 0, false, false, false, false, null]);
          } else {
            const s = relation.sequence;
            rows.push([s.oid, s.name, s.schema, 0, WellKnownOid.bootstrapSuperuser, 0, s.oid, 1, false, false, "p", "S", 3, 0, false, false, false, false, null]);
          }
        }
        return rows;
      },
    ),
  pg_attribute: (source) =>
    view(
      "pg_attribute",
      [
        ["attrelid", oidType], ["attname", nameType], ["atttypid", oidType], ["attlen", int2Type], ["attnum", int2Type], ["atttypmod", int4Type],
        ["attnotnull", boolType], ["atthasdef", boolType], ["attisdropped", boolType], ["attidentity", charType], ["attgenerated", charType], ["attndims", int4Type],
      ],
      () => {
        const rows: Row[] = [];
        for (const t of source.catalog().tables.values()) {
          for (const c of t.columns) {
            const type = typeOfColumn(c);
            rows.push([t.oid, c.dropped ? `........pg.dropped.${c.attnum}........` : c.name, c.dropped ? 0 : c.typeOid, type.typlen, c.attnum, c.typmod, c.notNull, c.default !== undefined, c.dropped === true, c.identity === "always" ? "a" : c.identity ? "d" : "", "", elementTypeOf(type) ? 1 : 0]);
          }
        }
        return rows;
      },
    ),
  pg_index: (source) =>
    view(
      "pg_index",
      [["indexrelid", oidType], ["indrelid", oidType], ["indnatts", int2Type], ["indisunique", boolType], ["indisprimary", boolType], ["indisvalid", boolType], ["indkey", int2Array()]],
      () => {
        const rows: Row[] = [];
        for (const t of source.catalog().tables.values()) {
          for (const i of t.indexes) {
            if (i.oid === 0) continue;
            rows.push([i.oid, t.oid, i.keys.length, i.unique || i.primary, i.primary, true, new PgArray<number>(i.keys.map((k) => k.attnum ?? 0))]);
          }
        }
        return rows;
      },
    ),
  pg_database: (source) =>
    view(
      "pg_database",
      [["oid", oidType], ["datname", nameType], ["datdba", oidType], ["encoding", int4Type], ["datcollate", nameType], ["datctype", nameType], ["datistemplate", boolType], ["datallowconn", boolType]],
      () => [...source.cluster().databases.values()].map((d): Row => [d.oid, d.name, d.owner, 6, "C", "C", false, true]),
    ),
  pg_roles: (source) =>
    view(
      "pg_roles",
      [["oid", oidType], ["rolname", nameType], ["rolsuper", boolType], ["rolinherit", boolType], ["rolcreaterole", boolType], ["rolcreatedb", boolType], ["rolcanlogin", boolType], ["rolpassword", textType]],
      () => [...source.cluster().roles.values()].map((r): Row => [r.oid, r.name, r.superuser, true, r.createrole, r.createdb, r.login, "********"]),
    ),
  pg_settings: (source) =>
    view("pg_settings", [["name", textType], ["setting", textType], ["short_desc", textType]], () => source.settings().map((s): Row => [s.name, s.setting, s.description])),
  pg_tables: (source) =>
    view("pg_tables", [["schemaname", nameType], ["tablename", nameType], ["tableowner", nameType], ["hasindexes", boolType]], () => {
      const catalog = source.catalog();
      return [...catalog.tables.values()].map((t): Row => [catalog.schemas.get(t.schema)?.name ?? "", t.name, "postgres", t.indexes.some((i) => i.oid !== 0)]);
    }),
  pg_inherits: () => view("pg_inherits", [["inhrelid", oidType], ["inhparent", oidType], ["inhseqno", int4Type]], () => []),
  pg_partitioned_table: () => view("pg_partitioned_table", [["partrelid", oidType], ["partstrat", charType], ["partnatts", int2Type]], () => []),
  pg_proc: () => view("pg_proc", [["oid", oidType], ["proname", nameType], ["pronamespace", oidType], ["prorettype", oidType]], () => []),
  pg_description: () => view("pg_description", [["objoid", oidType], ["classoid", oidType], ["objsubid", int4Type], ["description", textType]], () => []),
  pg_constraint: (source) =>
    view(
      "pg_constraint",
      [["oid", oidType], ["conname", nameType], ["connamespace", oidType], ["contype", charType], ["conrelid", oidType], ["conindid", oidType], ["conkey", int2Array()]],
      () => {
        const rows: Row[] = [];
        for (const t of source.catalog().tables.values()) {
          for (const i of t.indexes) {
            if (!i.constraint) continue;
            rows.push([i.constraintOid ?? i.oid, i.constraint, t.schema, i.primary ? "p" : "u", t.oid, i.oid, new PgArray<number>(i.keys.map((k) => k.attnum ?? 0))]);
          }
          for (const c of t.checks) rows.push([c.oid, c.name, t.schema, "c", t.oid, 0, null]);
        }
        return rows;
      },
    ),
  pg_am: () => view("pg_am", [["oid", oidType], ["amname", nameType], ["amtype", charType]], () => [[403, "btree", "i"], [2, "heap", "t"]]),
  pg_extension: () => view("pg_extension", [["oid", oidType], ["extname", nameType], ["extversion", textType]], () => [[13000, "plpgsql", "1.0"]]),
  pg_stat_activity: () => view("pg_stat_activity", [["datname", nameType], ["pid", int4Type], ["usename", nameType], ["state", textType], ["query", textType]], () => []),
  pg_sequence: (source) =>
    view("pg_sequence", [["seqrelid", oidType], ["seqtypid", oidType], ["seqstart", textType], ["seqincrement", textType]], () =>
      [...source.catalog().sequences.values()].map((s): Row => [s.oid, s.typeOid, s.start, s.increment]),
    ),
};

const informationSchema: Record<string, (source: SystemViewSource) => VirtualTable> = {
  tables: (source) =>
    view(
      "tables",
      [["table_catalog", nameType], ["table_schema", nameType], ["table_name", nameType], ["table_type", textType]],
      () => {
        const catalog = source.catalog();
        return [...catalog.tables.values()].map((t): Row => [catalog.database.name, catalog.schemas.get(t.schema)?.name ?? "", t.name, "BASE TABLE"]);
      },
    ),
  columns: (source) =>
    view(
      "columns",
      [
        ["table_catalog", nameType], ["table_schema", nameType], ["table_name", nameType], ["column_name", nameType], ["ordinal_position", int4Type],
        ["column_default", textType], ["is_nullable", textType], ["data_type", textType], ["udt_name", nameType], ["is_identity", textType],
      ],
      () => {
        const catalog = source.catalog();
        const rows: Row[] = [];
        for (const t of catalog.tables.values()) {
          let position = 0;
          for (const c of t.columns) {
            if (c.dropped) continue;
            position++;
            const type = typeOfColumn(c);
            const dataType = elementTypeOf(type) ? "ARRAY" : formatType(type, NO_TYPMOD);
            rows.push([catalog.database.name, catalog.schemas.get(t.schema)?.name ?? "", t.name, c.name, position, c.default?.text ?? null, c.notNull ? "NO" : "YES", dataType, type.typname, c.identity ? "YES" : "NO"]);
          }
        }
        return rows;
      },
    ),
  schemata: (source) =>
    view("schemata", [["catalog_name", nameType], ["schema_name", nameType], ["schema_owner", nameType]], () => {
      const catalog = source.catalog();
      return [...catalog.schemas.values()].map((s): Row => [catalog.database.name, s.name, "postgres"]);
    }),
};

export { oidArray, textArray, type SqlValue };
