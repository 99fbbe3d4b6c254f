// pg_catalog and information_schema relations generated from the catalog: what drivers read at
// connection time (pg_type), what psql's describe commands read (pg_class, pg_attribute,
// pg_attrdef, pg_index, pg_constraint, pg_database, pg_namespace, pg_roles, pg_am, ...;
// docs/CLIENT-CATALOG-QUERIES.md), and the information_schema views ORMs introspect with.
// Catalogs of features pgz does not have (policies, publications, inheritance, extended
// statistics) exist and are empty, as they are in a PostgreSQL that uses none of them.

import {
  allTypes,
  arrayTypeOf,
  boolType,
  charType,
  elementTypeOf,
  float4Type,
  formatType,
  int2Type,
  int4Type,
  int8Type,
  nameType,
  NO_TYPMOD,
  oidType,
  textType,
  timestamptzType,
  varcharType,
  PgArray,
  type SqlType,
  type SqlValue,
} from "../types/index.ts";
import { numericTypmodPrecision } from "../types/numeric-typmod.ts";
import type { VirtualTable } from "../analyze/analysis.ts";
import type { EvalContext, Expr, Row } from "../analyze/expr.ts";
import { forEachChild } from "../analyze/expr.ts";
import type { RangeColumn } from "../analyze/scope.ts";
import { int2vectorType, oidvectorType, pgNodeTreeType, pseudoTypes, regtypeType, vectorOf } from "../analyze/pseudo-types.ts";
import { typeOfColumn } from "../table-runtime.ts";
import { columnName } from "../plan/column-names.ts";
import type { DatabaseCatalog, ClusterCatalog } from "./catalog.ts";
import { SystemCatalogOid, WellKnownOid, type AclItemDef, type IndexDef, type TableDef } from "./defs.ts";
import { aclItemText, columnDefaultDefinition, descriptions, indexConstraintOid, nodeTree, roleName, sharedDescriptions, UTF8_ENCODING, type CatalogAccess } from "./describe.ts";

/** What the views read: the catalog as the statement sees it, and some session facts. */
export interface SystemViewSource {
  catalog(): DatabaseCatalog;
  cluster(): ClusterCatalog;
  settings(): { name: string; setting: string; description: string }[];
  catalogAccess(): CatalogAccess;
}

type ColumnSpec = readonly [name: string, type: SqlType];

function view(name: string, spec: readonly ColumnSpec[], rows: (ctx: EvalContext) => Iterable<Row>): VirtualTable {
  const columns: RangeColumn[] = spec.map(([columnName, type]) => ({ name: columnName, type, typmod: NO_TYPMOD, tableOid: 0, attnum: 0 }));
  return { name, columns, rows };
}

const arrayOf = (type: SqlType): SqlType => arrayTypeOf(type)!;
const oidArray = (): SqlType => arrayOf(oidType);
const textArray = (): SqlType => arrayOf(textType);
const int2Array = (): SqlType => arrayOf(int2Type);
const charArray = (): SqlType => arrayOf(charType);

const typtype = (type: SqlType): string => ((type.category as string) === "P" ? "p" : "b");

/** The collation OIDs pgz knows: the database default (which is C) and C and POSIX. */
const Collation = { default: 100, c: 950, posix: 951 } as const;

/** pg_type.typstorage: fixed-length types are plain, numeric prefers inline compression (main), other varlenas extended. */
const typeStorage = (type: SqlType): string => (type.typlen > 0 ? "p" : type.typname === "numeric" ? "m" : "x");

/** pg_type.typcollation: string types collate, others do not. */
const typeCollation = (type: SqlType): number => ((elementTypeOf(type) ?? type).category === "S" ? Collation.default : 0);

const AccessMethod = { heap: 2, btree: 403 } as const;

/** The default tablespace (pg_default) and the one of cluster-wide catalogs (pg_global). */
const DEFAULT_TABLESPACE = 1663;
const GLOBAL_TABLESPACE = 1664;

/** pg_class.relowner: relations have no owner of their own in pgz; they belong to the bootstrap superuser. */
const RELATION_OWNER = WellKnownOid.bootstrapSuperuser;

/** pg_index.indoption bits. */
const INDOPTION_DESC = 1;
const INDOPTION_NULLS_FIRST = 2;

export function systemView(source: SystemViewSource, schema: string | null, name: string): VirtualTable | null {
  const builder = (schema === null || schema === "pg_catalog" ? pgCatalog[name] : undefined) ?? (schema === null || schema === "information_schema" ? informationSchema[name] : undefined);
  return builder ? builder(source) : null;
}

/** An ACL column (datacl, nspacl): aclitem texts, NULL for the default privileges. */
const aclArray = (cluster: ClusterCatalog, acl: readonly AclItemDef[] | undefined): PgArray<string> | null =>
  acl ? new PgArray<string>(acl.map((item) => aclItemText(cluster, item))) : null;

/** Sequences that are relations (not the hidden row-id ones). */
const visibleSequences = (catalog: DatabaseCatalog) => [...catalog.sequences.values()].filter((s) => !s.internal);

const liveColumns = (t: TableDef) => t.columns.filter((c) => !c.dropped);

/**
 * An index's pg_attribute entries: a key column's name and type, or for an expression the name
 * PostgreSQL gives it (a function call's name, else "expr") and its type; a name already taken
 * gets 1, 2, ... appended.
 */
function indexColumns(access: CatalogAccess, t: TableDef, index: IndexDef): { name: string; type: SqlType; typmod: number }[] {
  const taken: string[] = [];
  return index.keys.map((key) => {
    let base: string;
    let type: SqlType;
    let typmod: number;
    if (key.attnum !== undefined) {
      const column = t.columns.find((c) => c.attnum === key.attnum)!;
      [base, type, typmod] = [column.name, typeOfColumn(column), column.typmod];
    } else {
      const figured = columnName(key.expr!.ast);
      const bound = access.bindExpr(t, key.expr!.ast);
      [base, type, typmod] = [figured === "?column?" ? "expr" : figured, bound.type, bound.typmod];
    }
    let name = base;
    for (let n = 1; taken.includes(name); n++) name = `${base}${n}`;
    taken.push(name);
    return { name, type, typmod };
  });
}

/** The attribute numbers an expression reads (pg_constraint.conkey of a CHECK), in order of first mention. */
function referencedColumns(t: TableDef, expr: Expr): number[] {
  const attnums: number[] = [];
  const visit = (e: Expr): void => {
    if (e.kind === "var") {
      const attnum = liveColumns(t).find((c) => c.name === e.name)?.attnum;
      if (attnum !== undefined && !attnums.includes(attnum)) attnums.push(attnum);
    }
    forEachChild(e, visit);
  };
  visit(expr);
  return attnums;
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
        ["typreceive", oidType], ["typsend", oidType], ["typstorage", charType],
      ],
      () =>
        [...allTypes(), ...pseudoTypes].map((t): Row => [
          t.oid, t.typname, WellKnownOid.pgCatalog, WellKnownOid.bootstrapSuperuser, t.typlen, t.typlen > 0 && t.typlen <= 8,
          typtype(t), t.category, t.preferred, true, ",", 0, t.elementOid, t.arrayOid, 0, -1, 0, false,
          typeCollation(t), null, 0, 0, 0, 0, typeStorage(t),
        ]),
    ),
  pg_namespace: (source) =>
    view("pg_namespace", [["oid", oidType], ["nspname", nameType], ["nspowner", oidType], ["nspacl", textArray()]], () => {
      const cluster = source.cluster();
      return [...source.catalog().schemas.values()].map((s): Row => [s.oid, s.name, s.owner, aclArray(cluster, s.acl)]);
    }),
  pg_class: (source) =>
    view(
      "pg_class",
      [
        ["oid", oidType], ["relname", nameType], ["relnamespace", oidType], ["reltype", oidType], ["reloftype", oidType], ["relowner", oidType],
        ["relam", oidType], ["relfilenode", oidType], ["reltablespace", oidType], ["relpages", int4Type], ["reltuples", float4Type],
        ["relallvisible", int4Type], ["reltoastrelid", oidType], ["relhasindex", boolType], ["relisshared", boolType], ["relpersistence", charType],
        ["relkind", charType], ["relnatts", int2Type], ["relchecks", int2Type], ["relhasrules", boolType], ["relhastriggers", boolType],
        ["relhassubclass", boolType], ["relrowsecurity", boolType], ["relforcerowsecurity", boolType], ["relispopulated", boolType],
        ["relreplident", charType], ["relispartition", boolType], ["relrewrite", oidType], ["relacl", textArray()], ["reloptions", textArray()],
        ["relpartbound", pgNodeTreeType],
      ],
      () => {
        const rows: Row[] = [];
        // Columns from relam on: am, filenode, tablespace, pages, tuples, allvisible, toast, hasindex,
        // isshared, persistence, kind, natts, checks, hasrules, hastriggers, hassubclass, rowsecurity,
        // forcerowsecurity, ispopulated, replident, ispartition, rewrite, acl, options, partbound.
        for (const relation of source.catalog().allRelations()) {
          if (relation.kind === "table") {
            const t = relation.table;
            rows.push([
              t.oid, t.name, t.schema, t.rowTypeOid, 0, RELATION_OWNER,
              AccessMethod.heap, t.storage, 0, 0, -1, 0, 0, t.indexes.some((i) => i.oid !== 0), false, "p", "r", liveColumns(t).length, t.checks.length,
              false, t.foreignKeys.length > 0, false, false, false, true, "d", false, 0, null, null, null,
            ]);
          } else if (relation.kind === "index") {
            const i = relation.index;
            rows.push([
              i.oid, i.name, relation.table.schema, 0, 0, RELATION_OWNER,
              AccessMethod.btree, i.oid, 0, 0, -1, 0, 0, false, false, "p", "i", i.keys.length, 0,
              false, false, false, false, false, true, "n", false, 0, null, null, null,
            ]);
          } else {
            const s = relation.sequence;
            rows.push([
              s.oid, s.name, s.schema, 0, 0, RELATION_OWNER,
              0, s.oid, 0, 0, 1, 0, 0, false, false, "p", "S", 3, 0,
              false, false, false, false, false, true, "n", false, 0, null, null, null,
            ]);
          }
        }
        return rows;
      },
    ),
  pg_attribute: (source) =>
    view(
      "pg_attribute",
      [
        ["attrelid", oidType], ["attname", nameType], ["atttypid", oidType], ["attstattarget", int4Type], ["attlen", int2Type], ["attnum", int2Type],
        ["attndims", int4Type], ["attcacheoff", int4Type], ["atttypmod", int4Type], ["attbyval", boolType], ["attstorage", charType],
        ["attcompression", charType], ["attnotnull", boolType],
        ["atthasdef", boolType], ["atthasmissing", boolType], ["attidentity", charType], ["attgenerated", charType], ["attisdropped", boolType],
        ["attislocal", boolType], ["attinhcount", int4Type], ["attcollation", oidType], ["attacl", textArray()], ["attoptions", textArray()],
      ],
      () => {
        const rows: Row[] = [];
        const attribute = (relid: number, name: string, type: SqlType | null, attnum: number, typmod: number, notNull: boolean, hasDefault: boolean, hasMissing: boolean, identity: string, dropped: boolean): Row => [
          relid, name, type?.oid ?? 0, -1, type?.typlen ?? 0, attnum, type && elementTypeOf(type) ? 1 : 0, -1, typmod, type ? type.typlen > 0 && type.typlen <= 8 : false,
          type ? typeStorage(type) : "p", "", notNull,
          hasDefault, hasMissing, identity, "", dropped, true, 0, type ? typeCollation(type) : 0, null, null,
        ];
        const catalog = source.catalog();
        const access = source.catalogAccess();
        for (const t of catalog.tables.values()) {
          for (const c of t.columns) {
            if (c.dropped) {
              rows.push(attribute(t.oid, `........pg.dropped.${c.attnum}........`, null, c.attnum, -1, false, false, false, "", true));
              continue;
            }
            const identity = c.identity === "always" ? "a" : c.identity ? "d" : "";
            // An identity column's sequence is not a default (pg_attrdef has no row for it).
            const hasDefault = c.default !== undefined && !c.identity;
            rows.push(attribute(t.oid, c.name, typeOfColumn(c), c.attnum, c.typmod, c.notNull, hasDefault, c.missing !== undefined && c.missing !== null, identity, false));
          }
          for (const index of t.indexes) {
            if (index.oid === 0) continue;
            indexColumns(access, t, index).forEach((column, i) => {
              rows.push(attribute(index.oid, column.name, column.type, i + 1, column.typmod, false, false, false, "", false));
            });
          }
        }
        return rows;
      },
    ),
  pg_attrdef: (source) =>
    view("pg_attrdef", [["adrelid", oidType], ["adnum", int2Type], ["adbin", pgNodeTreeType]], () => {
      const rows: Row[] = [];
      for (const t of source.catalog().tables.values()) {
        for (const c of t.columns) {
          if (c.dropped || c.identity || !c.default) continue;
          rows.push([t.oid, c.attnum, nodeTree([c.default.ast], c.attnum)]);
        }
      }
      return rows;
    }),
  pg_index: (source) =>
    view(
      "pg_index",
      [
        ["indexrelid", oidType], ["indrelid", oidType], ["indnatts", int2Type], ["indnkeyatts", int2Type], ["indisunique", boolType],
        ["indnullsnotdistinct", boolType], ["indisprimary", boolType], ["indisexclusion", boolType], ["indimmediate", boolType],
        ["indisclustered", boolType], ["indisvalid", boolType], ["indcheckxmin", boolType], ["indisready", boolType], ["indislive", boolType],
        ["indisreplident", boolType], ["indkey", int2vectorType], ["indcollation", oidvectorType], ["indoption", int2vectorType],
        ["indexprs", pgNodeTreeType], ["indpred", pgNodeTreeType],
      ],
      () => {
        const rows: Row[] = [];
        const access = source.catalogAccess();
        for (const t of source.catalog().tables.values()) {
          for (const i of t.indexes) {
            if (i.oid === 0) continue;
            const keys = i.keys.length;
            const collations = indexColumns(access, t, i).map((column) => typeCollation(column.type));
            const options = i.keys.map((k) => (k.descending ? INDOPTION_DESC : 0) | (k.nullsFirst ? INDOPTION_NULLS_FIRST : 0));
            const expressions = i.keys.flatMap((k) => (k.expr ? [k.expr.ast] : []));
            rows.push([
              i.oid, t.oid, keys, keys, i.unique || i.primary, false, i.primary, false, true, false, true, false, true, true, false,
              vectorOf(i.keys.map((k) => k.attnum ?? 0)), vectorOf(collations), vectorOf(options),
              expressions.length > 0 ? nodeTree(expressions) : null, i.predicate ? nodeTree([i.predicate.ast]) : null,
            ]);
          }
        }
        return rows;
      },
    ),
  pg_constraint: (source) =>
    view(
      "pg_constraint",
      [
        ["oid", oidType], ["conname", nameType], ["connamespace", oidType], ["contype", charType], ["condeferrable", boolType], ["condeferred", boolType],
        ["convalidated", boolType], ["conrelid", oidType], ["contypid", oidType], ["conindid", oidType], ["conparentid", oidType], ["confrelid", oidType],
        ["confupdtype", charType], ["confdeltype", charType], ["confmatchtype", charType], ["conislocal", boolType], ["coninhcount", int4Type],
        ["connoinherit", boolType], ["conkey", int2Array()], ["confkey", int2Array()], ["conbin", pgNodeTreeType],
      ],
      () => {
        const rows: Row[] = [];
        const access = source.catalogAccess();
        const constraint = (oid: number, name: string, t: TableDef, type: string, index: number, refTable: number, actions: [string, string, string], keys: number[], refKeys: number[] | null, bin: string | null): Row => [
          oid, name, t.schema, type, false, false, true, t.oid, 0, index, 0, refTable, ...actions, true, 0, false,
          new PgArray<number>(keys), refKeys ? new PgArray<number>(refKeys) : null, bin,
        ];
        for (const t of source.catalog().tables.values()) {
          for (const i of t.indexes) {
            if (!i.constraint) continue;
            rows.push(constraint(indexConstraintOid(i), i.constraint, t, i.primary ? "p" : "u", i.oid, 0, [" ", " ", " "], i.keys.map((k) => k.attnum ?? 0), null, null));
          }
          for (const c of t.checks) {
            rows.push(constraint(c.oid, c.name, t, "c", 0, 0, [" ", " ", " "], referencedColumns(t, access.bindExpr(t, c.expr.ast)), null, nodeTree([c.expr.ast])));
          }
          for (const fk of t.foreignKeys) {
            const index = source.catalog().tables.get(fk.refTable)?.indexes.find((i) => (i.primary || i.unique) && i.keys.length === fk.refColumns.length && i.keys.every((k, n) => k.attnum === fk.refColumns[n]));
            rows.push(constraint(fk.oid, fk.name, t, "f", index?.oid ?? 0, fk.refTable, [fk.onUpdate, fk.onDelete, "s"], [...fk.columns], [...fk.refColumns], null));
          }
        }
        return rows;
      },
    ),
  pg_database: (source) =>
    view(
      "pg_database",
      [
        ["oid", oidType], ["datname", nameType], ["datdba", oidType], ["encoding", int4Type], ["datlocprovider", charType], ["datistemplate", boolType],
        ["datallowconn", boolType], ["datconnlimit", int4Type], ["dattablespace", oidType], ["datcollate", textType], ["datctype", textType],
        ["daticulocale", textType], ["datcollversion", textType], ["datacl", textArray()],
      ],
      () => {
        const cluster = source.cluster();
        // Every pgz database is UTF8 and compares text bytewise: locale C with the libc provider.
        return [...cluster.databases.values()].map((d): Row => [
          d.oid, d.name, d.owner, UTF8_ENCODING, "c", d.template === true, d.allowConnections !== false, -1, DEFAULT_TABLESPACE, "C", "C", null, null,
          aclArray(cluster, d.acl),
        ]);
      },
    ),
  pg_roles: (source) =>
    view(
      "pg_roles",
      [
        ["rolname", nameType], ["rolsuper", boolType], ["rolinherit", boolType], ["rolcreaterole", boolType], ["rolcreatedb", boolType],
        ["rolcanlogin", boolType], ["rolreplication", boolType], ["rolconnlimit", int4Type], ["rolpassword", textType], ["rolvaliduntil", timestamptzType],
        ["rolbypassrls", boolType], ["rolconfig", textArray()], ["oid", oidType],
      ],
      () =>
        [...source.cluster().roles.values()].map((r): Row => [
          r.name, r.superuser, true, r.createrole, r.createdb, r.login, r.superuser, -1, "********", null, r.superuser, null, r.oid,
        ]),
    ),
  pg_user: (source) =>
    view(
      "pg_user",
      [
        ["usename", nameType], ["usesysid", oidType], ["usecreatedb", boolType], ["usesuper", boolType], ["userepl", boolType],
        ["usebypassrls", boolType], ["passwd", textType], ["valuntil", timestamptzType], ["useconfig", textArray()],
      ],
      () =>
        [...source.cluster().roles.values()]
          .filter((r) => r.login)
          .map((r): Row => [r.name, r.oid, r.createdb, r.superuser, r.superuser, r.superuser, "********", null, null]),
    ),
  pg_settings: (source) =>
    view("pg_settings", [["name", textType], ["setting", textType], ["short_desc", textType]], () => source.settings().map((s): Row => [s.name, s.setting, s.description])),
  pg_tables: (source) =>
    view(
      "pg_tables",
      [["schemaname", nameType], ["tablename", nameType], ["tableowner", nameType], ["tablespace", nameType], ["hasindexes", boolType], ["hasrules", boolType], ["hastriggers", boolType], ["rowsecurity", boolType]],
      () => {
        const catalog = source.catalog();
        const owner = roleName(source.cluster(), RELATION_OWNER);
        return [...catalog.tables.values()].map((t): Row => [catalog.schemas.get(t.schema)?.name ?? "", t.name, owner, null, t.indexes.some((i) => i.oid !== 0), false, t.foreignKeys.length > 0, false]);
      },
    ),
  pg_am: () =>
    view("pg_am", [["oid", oidType], ["amname", nameType], ["amtype", charType]], () => [
      [AccessMethod.heap, "heap", "t"],
      [AccessMethod.btree, "btree", "i"],
    ]),
  pg_collation: () =>
    view(
      "pg_collation",
      [["oid", oidType], ["collname", nameType], ["collnamespace", oidType], ["collowner", oidType], ["collprovider", charType], ["collisdeterministic", boolType], ["collencoding", int4Type], ["collcollate", textType], ["collctype", textType]],
      () => [
        [Collation.default, "default", WellKnownOid.pgCatalog, WellKnownOid.bootstrapSuperuser, "d", true, -1, null, null],
        [Collation.c, "C", WellKnownOid.pgCatalog, WellKnownOid.bootstrapSuperuser, "c", true, -1, "C", "C"],
        [Collation.posix, "POSIX", WellKnownOid.pgCatalog, WellKnownOid.bootstrapSuperuser, "c", true, -1, "POSIX", "POSIX"],
      ],
    ),
  pg_inherits: () => view("pg_inherits", [["inhrelid", oidType], ["inhparent", oidType], ["inhseqno", int4Type], ["inhdetachpending", boolType]], () => []),
  pg_partitioned_table: () => view("pg_partitioned_table", [["partrelid", oidType], ["partstrat", charType], ["partnatts", int2Type]], () => []),
  pg_policy: () =>
    view(
      "pg_policy",
      [["oid", oidType], ["polname", nameType], ["polrelid", oidType], ["polcmd", charType], ["polpermissive", boolType], ["polroles", oidArray()], ["polqual", pgNodeTreeType], ["polwithcheck", pgNodeTreeType]],
      () => [],
    ),
  pg_statistic_ext: () =>
    view(
      "pg_statistic_ext",
      [["oid", oidType], ["stxrelid", oidType], ["stxname", nameType], ["stxnamespace", oidType], ["stxowner", oidType], ["stxstattarget", int4Type], ["stxkeys", int2vectorType], ["stxkind", charArray()], ["stxexprs", pgNodeTreeType]],
      () => [],
    ),
  pg_publication: () =>
    view(
      "pg_publication",
      [["oid", oidType], ["pubname", nameType], ["pubowner", oidType], ["puballtables", boolType], ["pubinsert", boolType], ["pubupdate", boolType], ["pubdelete", boolType], ["pubtruncate", boolType], ["pubviaroot", boolType]],
      () => [],
    ),
  pg_publication_namespace: () => view("pg_publication_namespace", [["oid", oidType], ["pnpubid", oidType], ["pnnspid", oidType]], () => []),
  pg_publication_rel: () =>
    view("pg_publication_rel", [["oid", oidType], ["prpubid", oidType], ["prrelid", oidType], ["prqual", pgNodeTreeType], ["prattrs", int2vectorType]], () => []),
  pg_proc: () => view("pg_proc", [["oid", oidType], ["proname", nameType], ["pronamespace", oidType], ["prorettype", oidType]], () => []),
  pg_description: (source) =>
    view("pg_description", [["objoid", oidType], ["classoid", oidType], ["objsubid", int4Type], ["description", textType]], () =>
      Array.from(descriptions(source.catalog()), (d): Row => [d.objoid, d.classoid, d.objsubid, d.description]),
    ),
  pg_shdescription: (source) =>
    view("pg_shdescription", [["objoid", oidType], ["classoid", oidType], ["description", textType]], () =>
      Array.from(sharedDescriptions(source.cluster()), (d): Row => [d.objoid, d.classoid, d.description]),
    ),
  pg_extension: () => view("pg_extension", [["oid", oidType], ["extname", nameType], ["extversion", textType]], () => [[13000, "plpgsql", "1.0"]]),
  pg_stat_activity: () => view("pg_stat_activity", [["datname", nameType], ["pid", int4Type], ["usename", nameType], ["state", textType], ["query", textType]], () => []),
  pg_sequence: (source) =>
    view(
      "pg_sequence",
      [["seqrelid", oidType], ["seqtypid", oidType], ["seqstart", int8Type], ["seqincrement", int8Type], ["seqmax", int8Type], ["seqmin", int8Type], ["seqcache", int8Type], ["seqcycle", boolType]],
      () =>
        visibleSequences(source.catalog()).map((s): Row => [s.oid, s.typeOid, BigInt(s.start), BigInt(s.increment), BigInt(s.max), BigInt(s.min), BigInt(s.cache), s.cycle]),
    ),
  pg_sequences: (source) =>
    view(
      "pg_sequences",
      [
        ["schemaname", nameType], ["sequencename", nameType], ["sequenceowner", nameType], ["data_type", regtypeType], ["start_value", int8Type],
        ["min_value", int8Type], ["max_value", int8Type], ["increment_by", int8Type], ["cycle", boolType], ["cache_size", int8Type],
      ],
      () => {
        const catalog = source.catalog();
        const owner = roleName(source.cluster(), RELATION_OWNER);
        return visibleSequences(catalog).map((s): Row => [
          catalog.schemas.get(s.schema)?.name ?? "", s.name, owner, s.typeOid, BigInt(s.start), BigInt(s.min), BigInt(s.max), BigInt(s.increment), s.cycle, BigInt(s.cache),
        ]);
      },
    ),
  pg_depend: (source) =>
    view(
      "pg_depend",
      [["classid", oidType], ["objid", oidType], ["objsubid", int4Type], ["refclassid", oidType], ["refobjid", oidType], ["refobjsubid", int4Type], ["deptype", charType]],
      () => {
        const rows: Row[] = [];
        const { pg_class: relations, pg_namespace: namespaces, pg_constraint: constraints } = SystemCatalogOid;
        const depend = (classid: number, objid: number, refclassid: number, refobjid: number, refobjsubid: number, deptype: string) =>
          rows.push([classid, objid, 0, refclassid, refobjid, refobjsubid, deptype]);
        const catalog = source.catalog();
        const access = source.catalogAccess();
        for (const t of catalog.tables.values()) {
          depend(relations, t.oid, namespaces, t.schema, 0, "n");
          for (const i of t.indexes) {
            if (i.oid === 0) continue;
            const columns = i.keys.flatMap((k) => (k.attnum !== undefined ? [k.attnum] : referencedColumns(t, access.bindExpr(t, k.expr!.ast))));
            if (i.predicate) columns.push(...referencedColumns(t, access.bindExpr(t, i.predicate.ast)));
            if (i.constraint) {
              // A PRIMARY KEY or UNIQUE index belongs to its constraint, which depends on the columns.
              depend(relations, i.oid, constraints, indexConstraintOid(i), 0, "i");
              for (const attnum of new Set(columns)) depend(constraints, indexConstraintOid(i), relations, t.oid, attnum, "a");
            } else {
              if (i.keys.some((k) => k.expr) || i.predicate) depend(relations, i.oid, relations, t.oid, 0, "a");
              for (const attnum of new Set(columns)) depend(relations, i.oid, relations, t.oid, attnum, "a");
            }
          }
          for (const c of t.checks) {
            for (const attnum of referencedColumns(t, access.bindExpr(t, c.expr.ast))) {
              depend(constraints, c.oid, relations, t.oid, attnum, "n");
              depend(constraints, c.oid, relations, t.oid, attnum, "a");
            }
          }
        }
        for (const s of visibleSequences(catalog)) {
          depend(relations, s.oid, namespaces, s.schema, 0, "n");
          if (!s.ownedBy) continue;
          // A serial column's sequence is owned automatically; an identity column's internally.
          const column = catalog.tables.get(s.ownedBy.table)?.columns.find((c) => c.attnum === s.ownedBy!.attnum);
          depend(relations, s.oid, relations, s.ownedBy.table, s.ownedBy.attnum, column?.identity ? "i" : "a");
        }
        return rows;
      },
    ),
  pg_tablespace: () =>
    view("pg_tablespace", [["oid", oidType], ["spcname", nameType], ["spcowner", oidType], ["spcacl", textArray()], ["spcoptions", textArray()]], () => [
      [DEFAULT_TABLESPACE, "pg_default", WellKnownOid.bootstrapSuperuser, null, null],
      [GLOBAL_TABLESPACE, "pg_global", WellKnownOid.bootstrapSuperuser, null, null],
    ]),
  pg_auth_members: () =>
    view("pg_auth_members", [["roleid", oidType], ["member", oidType], ["grantor", oidType], ["admin_option", boolType]], () => []),
};

/** information_schema's yes_or_no. */
const yesNo = (flag: boolean): string => (flag ? "YES" : "NO");

/** information_schema.columns' numeric facts: precision, radix and scale of a numeric column. */
function numericFacts(type: SqlType, typmod: number): [SqlValue, SqlValue, SqlValue] {
  switch (type.typname) {
    case "int2":
      return [16, 2, 0];
    case "int4":
      return [32, 2, 0];
    case "int8":
      return [64, 2, 0];
    case "float4":
      return [24, 2, null];
    case "float8":
      return [53, 2, null];
    case "numeric":
      return typmod < 0 ? [null, 10, null] : [numericTypmodPrecision(typmod), 10, (typmod - 4) & 0xffff];
    default:
      return [null, null, null];
  }
}

/** character_maximum_length: varchar(n) and char(n) give n. */
function characterLength(type: SqlType, typmod: number): number | null {
  return (type.typname === "varchar" || type.typname === "bpchar") && typmod >= 4 ? typmod - 4 : null;
}

/** information_schema's character_data and yes_or_no: domains over varchar, which clients
 * see as varchar. */
const characterData = varcharType;

const informationSchema: Record<string, (source: SystemViewSource) => VirtualTable> = {
  schemata: (source) =>
    view(
      "schemata",
      [["catalog_name", nameType], ["schema_name", nameType], ["schema_owner", nameType], ["default_character_set_catalog", nameType], ["default_character_set_schema", nameType], ["default_character_set_name", nameType], ["sql_path", characterData]],
      () => {
        const catalog = source.catalog();
        const cluster = source.cluster();
        return [...catalog.schemas.values()].map((s): Row => [catalog.database.name, s.name, roleName(cluster, s.owner), null, null, null, null]);
      },
    ),
  tables: (source) =>
    view(
      "tables",
      [
        ["table_catalog", nameType], ["table_schema", nameType], ["table_name", nameType], ["table_type", characterData], ["self_referencing_column_name", nameType],
        ["reference_generation", characterData], ["user_defined_type_catalog", nameType], ["user_defined_type_schema", nameType], ["user_defined_type_name", nameType],
        ["is_insertable_into", characterData], ["is_typed", characterData], ["commit_action", characterData],
      ],
      () => {
        const catalog = source.catalog();
        return [...catalog.tables.values()].map((t): Row => [catalog.database.name, catalog.schemas.get(t.schema)?.name ?? "", t.name, "BASE TABLE", null, null, null, null, null, "YES", "NO", null]);
      },
    ),
  columns: (source) =>
    view(
      "columns",
      [
        ["table_catalog", nameType], ["table_schema", nameType], ["table_name", nameType], ["column_name", nameType], ["ordinal_position", int4Type],
        ["column_default", characterData], ["is_nullable", characterData], ["data_type", characterData], ["character_maximum_length", int4Type],
        ["numeric_precision", int4Type], ["numeric_precision_radix", int4Type], ["numeric_scale", int4Type], ["udt_catalog", nameType], ["udt_schema", nameType],
        ["udt_name", nameType], ["is_identity", characterData], ["identity_generation", characterData], ["identity_start", characterData], ["identity_increment", characterData],
        ["identity_maximum", characterData], ["identity_minimum", characterData], ["identity_cycle", characterData], ["is_generated", characterData], ["generation_expression", characterData],
        ["is_updatable", characterData],
      ],
      () => {
        const catalog = source.catalog();
        const access = source.catalogAccess();
        const rows: Row[] = [];
        for (const t of catalog.tables.values()) {
          for (const c of t.columns) {
            if (c.dropped) continue;
            const type = typeOfColumn(c);
            const dataType = elementTypeOf(type) ? "ARRAY" : formatType(type, NO_TYPMOD);
            const columnDefault = c.default && !c.identity ? columnDefaultDefinition(access, t, c, false) : null;
            const sequence = c.identity && c.sequence !== undefined ? catalog.sequences.get(c.sequence) : undefined;
            const identity = sequence ? [sequence.start, sequence.increment, sequence.max, sequence.min, yesNo(sequence.cycle)] : [null, null, null, null, "NO"];
            rows.push([
              catalog.database.name, catalog.schemas.get(t.schema)?.name ?? "", t.name, c.name, c.attnum,
              columnDefault, yesNo(!c.notNull), dataType, characterLength(type, c.typmod), ...numericFacts(type, c.typmod),
              catalog.database.name, "pg_catalog", type.typname, yesNo(c.identity !== undefined), c.identity === "always" ? "ALWAYS" : c.identity ? "BY DEFAULT" : null,
              ...identity, "NEVER", null, "YES",
            ]);
          }
        }
        return rows;
      },
    ),
  table_constraints: (source) =>
    view(
      "table_constraints",
      [
        ["constraint_catalog", nameType], ["constraint_schema", nameType], ["constraint_name", nameType], ["table_catalog", nameType], ["table_schema", nameType],
        ["table_name", nameType], ["constraint_type", characterData], ["is_deferrable", characterData], ["initially_deferred", characterData], ["enforced", characterData], ["nulls_distinct", characterData],
      ],
      () => {
        const catalog = source.catalog();
        const database = catalog.database.name;
        const rows: Row[] = [];
        for (const t of catalog.tables.values()) {
          const schema = catalog.schemas.get(t.schema)?.name ?? "";
          const row = (name: string, type: string, nullsDistinct: string | null): Row => [database, schema, name, database, schema, t.name, type, "NO", "NO", "YES", nullsDistinct];
          for (const i of t.indexes) if (i.constraint) rows.push(row(i.constraint, i.primary ? "PRIMARY KEY" : "UNIQUE", i.primary ? null : "YES"));
          for (const c of t.checks) rows.push(row(c.name, "CHECK", null));
          for (const fk of t.foreignKeys) rows.push(row(fk.name, "FOREIGN KEY", null));
          // As in PostgreSQL, each NOT NULL column is listed as a CHECK constraint with a made-up name.
          for (const c of liveColumns(t)) if (c.notNull) rows.push(row(`${t.schema}_${t.oid}_${c.attnum}_not_null`, "CHECK", null));
        }
        return rows;
      },
    ),
  constraint_column_usage: (source) =>
    view(
      "constraint_column_usage",
      [
        ["table_catalog", nameType], ["table_schema", nameType], ["table_name", nameType], ["column_name", nameType],
        ["constraint_catalog", nameType], ["constraint_schema", nameType], ["constraint_name", nameType],
      ],
      () => {
        const catalog = source.catalog();
        const access = source.catalogAccess();
        const database = catalog.database.name;
        const rows: Row[] = [];
        // The columns each constraint uses: its key columns, the columns a CHECK reads, a foreign key's referenced columns.
        const use = (t: TableDef, attnums: readonly number[], constraintSchema: string, constraintName: string) => {
          const schema = catalog.schemas.get(t.schema)?.name ?? "";
          for (const attnum of new Set(attnums)) {
            const column = t.columns.find((c) => c.attnum === attnum && !c.dropped);
            if (column) rows.push([database, schema, t.name, column.name, database, constraintSchema, constraintName]);
          }
        };
        for (const t of catalog.tables.values()) {
          const schema = catalog.schemas.get(t.schema)?.name ?? "";
          for (const i of t.indexes) if (i.constraint) use(t, i.keys.flatMap((k) => (k.attnum === undefined ? [] : [k.attnum])), schema, i.constraint);
          for (const c of t.checks) use(t, referencedColumns(t, access.bindExpr(t, c.expr.ast)), schema, c.name);
          for (const fk of t.foreignKeys) {
            const referenced = catalog.tables.get(fk.refTable);
            if (referenced) use(referenced, fk.refColumns, schema, fk.name);
          }
        }
        return rows;
      },
    ),
  key_column_usage: (source) =>
    view(
      "key_column_usage",
      [
        ["constraint_catalog", nameType], ["constraint_schema", nameType], ["constraint_name", nameType], ["table_catalog", nameType], ["table_schema", nameType],
        ["table_name", nameType], ["column_name", nameType], ["ordinal_position", int4Type], ["position_in_unique_constraint", int4Type],
      ],
      () => {
        const catalog = source.catalog();
        const database = catalog.database.name;
        const rows: Row[] = [];
        for (const t of catalog.tables.values()) {
          const schema = catalog.schemas.get(t.schema)?.name ?? "";
          const name = (attnum: number) => t.columns.find((c) => c.attnum === attnum)?.name ?? "";
          for (const i of t.indexes) {
            if (!i.constraint) continue;
            i.keys.forEach((k, n) => rows.push([database, schema, i.constraint!, database, schema, t.name, name(k.attnum ?? 0), n + 1, null]));
          }
          for (const fk of t.foreignKeys) {
            fk.columns.forEach((attnum, n) => rows.push([database, schema, fk.name, database, schema, t.name, name(attnum), n + 1, n + 1]));
          }
        }
        return rows;
      },
    ),
};

