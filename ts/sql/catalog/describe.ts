// The catalog as text, the way PostgreSQL's catalog functions print it: role and encoding
// names, ACLs, relation names for regclass, and the definitions pg_get_expr,
// pg_get_indexdef and pg_get_constraintdef return (deparse.ts prints the expressions).

import type { Node } from "../ast.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import type { Expr } from "../analyze/expr.ts";
import { formatType, NO_TYPMOD, parseTypeName, typeByOid, type SqlType, type TypeContext } from "../types/index.ts";
import { PseudoOid, typeOrPseudoByOid } from "../analyze/pseudo-types.ts";
import { quoteIdent } from "../functions/string-ops.ts";
import { relationIdentity, type ClusterCatalog, type DatabaseCatalog } from "./catalog.ts";
import { SystemCatalogOid, systemCatalogOid, WellKnownOid, type AclItemDef, type CheckDef, type ColumnDef, type ForeignKeyDef, type IndexDef, type TableDef } from "./defs.ts";
import { deparseExpr } from "./deparse.ts";

/** What the catalog functions read: the catalog as the statement sees it, and the session's view of names. */
export interface CatalogAccess {
  readonly database: DatabaseCatalog;
  readonly cluster: ClusterCatalog;
  readonly types: TypeContext;
  /** Whether a relation is the one its bare name finds through search_path (null: no such relation). */
  relationVisible(oid: number): boolean | null;
  /** regclass input: a relation's OID by (possibly qualified) name through search_path. */
  relationOid(name: string): number;
  /** Binds an expression over a table's columns, coerced (assignment) to `target` when given. */
  bindExpr(table: TableDef, ast: Node, target?: { readonly type: SqlType; readonly typmod: number }): Expr;
}

/** PostgreSQL's server encodings by pg_database.encoding number (pg_encoding_to_char). */
const encodingNames = [
  "SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "UTF8", "MULE_INTERNAL", "LATIN1", "LATIN2", "LATIN3",
  "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8", "LATIN9", "LATIN10", "WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R",
  "WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "WIN1250", "WIN1253", "WIN1254", "WIN1255",
  "WIN1257", "KOI8U", "SJIS", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004",
];

/** The encoding every pgz database uses (pg_database.encoding). */
export const UTF8_ENCODING = encodingNames.indexOf("UTF8");

/** pg_encoding_to_char: the name, or "" for a number that is no encoding. */
export function encodingName(encoding: number): string {
  return encodingNames[encoding] ?? "";
}

/** pg_get_userbyid: the role's name, or "unknown (OID=n)" as PostgreSQL prints a missing one. */
export function roleName(cluster: ClusterCatalog, oid: number): string {
  return cluster.roles.get(oid)?.name ?? `unknown (OID=${oid})`;
}

/** One ACL entry in aclitem's text form: `grantee=privileges/grantor` (PUBLIC: empty grantee). */
export function aclItemText(cluster: ClusterCatalog, item: AclItemDef): string {
  const name = (oid: number): string => quoteIdent(roleName(cluster, oid));
  return `${item.grantee === 0 ? "" : name(item.grantee)}=${item.privileges}/${name(item.grantor)}`;
}

const systemCatalogNames = new Map<number, string>(Object.entries(SystemCatalogOid).map(([name, oid]) => [oid, name]));

/** A relation's name as regclass prints it: qualified unless search_path finds it by its bare name. */
export function relationName(access: CatalogAccess, oid: number): string | null {
  const relation = access.database.relationByOid(oid);
  if (!relation) return systemCatalogNames.get(oid) ?? null;
  const { schema, name } = relationIdentity(relation);
  if (access.relationVisible(oid)) return quoteIdent(name);
  return `${quoteIdent(access.database.schemas.get(schema)?.name ?? String(schema))}.${quoteIdent(name)}`;
}

/** An identifier as written: double quotes keep case, else it folds to lower case. */
function identifier(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1).replace(/""/g, '"') : trimmed.toLowerCase();
}

/** Input of regclass, regtype, regnamespace and regrole: an OID as a number, or the object's name. */
export function regObjectOid(access: CatalogAccess, type: number, text: string): number {
  if (/^\s*\d+\s*$/.test(text)) return Number(text);
  switch (type) {
    case PseudoOid.regclass:
      return access.relationOid(text);
    case PseudoOid.regtype:
      return parseTypeName(text).type.oid;
    case PseudoOid.regnamespace: {
      const name = identifier(text);
      const schema = access.database.schemaByName(name);
      if (!schema) throw new SqlError(SqlState.invalidSchemaName, `schema "${name}" does not exist`);
      return schema.oid;
    }
    case PseudoOid.regrole: {
      const name = identifier(text);
      const role = access.cluster.role(name);
      if (!role) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
      return role.oid;
    }
    default:
      throw notSupported("regproc input of function names");
  }
}

/** What regclass, regtype, regnamespace and regrole print for an OID; null when nothing has it. */
export function regName(access: CatalogAccess, type: number, oid: number): string | null {
  switch (type) {
    case PseudoOid.regclass:
      return relationName(access, oid);
    case PseudoOid.regtype: {
      const named = typeOrPseudoByOid(oid);
      return named ? formatType(named, NO_TYPMOD) : null;
    }
    case PseudoOid.regnamespace: {
      const schema = access.database.schemas.get(oid);
      return schema ? quoteIdent(schema.name) : null;
    }
    case PseudoOid.regrole: {
      const role = access.cluster.roles.get(oid);
      return role ? quoteIdent(role.name) : null;
    }
    default:
      return null;
  }
}

/** The pg_constraint OID of an index-backed (PRIMARY KEY / UNIQUE) constraint. */
export function indexConstraintOid(index: IndexDef): number {
  return index.constraintOid ?? index.oid;
}

/**
 * pg_node_tree values (pg_attrdef.adbin, pg_constraint.conbin, pg_index.indexprs/indpred): the
 * expressions' parse trees, and for a column default the column, whose type the default is
 * coerced to. Only pg_get_expr reads them.
 */
export function nodeTree(expressions: readonly Node[], defaultOf?: number): string {
  return `{EXPR${defaultOf === undefined ? "" : ` :default ${defaultOf}`} :tree ${JSON.stringify(expressions)}}`;
}

function readNodeTree(tree: string): { expressions: Node[]; defaultOf?: number } {
  const match = /^\{EXPR(?: :default (\d+))? :tree (\[[\s\S]*\])\}$/.exec(tree);
  let expressions: unknown;
  try {
    expressions = match ? JSON.parse(match[2]!) : undefined;
  } catch {
    expressions = undefined;
  }
  if (!Array.isArray(expressions) || expressions.length === 0) throw new SqlError(SqlState.invalidParameterValue, "invalid expression tree");
  return match![1] === undefined ? { expressions } : { expressions, defaultOf: Number(match![1]) };
}

/**
 * pg_get_expr(tree, relation, pretty): stored expressions of the relation (a default, a CHECK,
 * index keys or predicate) as PostgreSQL deparses them.
 */
export function expressionDefinition(access: CatalogAccess, tree: string, relationOid: number, pretty: boolean): string | null {
  const relation = access.database.relationByOid(relationOid);
  if (!relation || relation.kind === "sequence") return null;
  const table = relation.table;
  const { expressions, defaultOf } = readNodeTree(tree);
  const column = defaultOf === undefined ? undefined : table.columns.find((c) => c.attnum === defaultOf && !c.dropped);
  if (column) return columnDefaultDefinition(access, table, column, pretty, expressions[0]);
  return expressions.map((ast) => deparseExpr(access.bindExpr(table, ast), access.types, { pretty })).join(", ");
}

/** A column's default as pg_get_expr prints it: coerced to the column's type, as PostgreSQL stores it. */
export function columnDefaultDefinition(access: CatalogAccess, table: TableDef, column: ColumnDef, pretty: boolean, ast: Node | undefined = column.default?.ast): string | null {
  const type = typeByOid(column.typeOid);
  if (!ast || !type) return null;
  return deparseExpr(access.bindExpr(table, ast, { type, typmod: column.typmod }), access.types, { pretty });
}

function columnName(table: TableDef, attnum: number): string {
  const column = table.columns.find((c) => c.attnum === attnum);
  return column ? quoteIdent(column.name) : `"........pg.dropped.${attnum}........"`;
}

/** One index key as pg_get_indexdef(index, n, pretty) prints it. */
function indexKeyText(access: CatalogAccess, table: TableDef, index: IndexDef, position: number, withOptions: boolean, pretty: boolean): string {
  const key = index.keys[position]!;
  let text: string;
  if (key.attnum !== undefined) text = columnName(table, key.attnum);
  else {
    const bound = access.bindExpr(table, key.expr!.ast);
    const expr = deparseExpr(bound, access.types, { pretty });
    // Function-like expressions need no parentheses of their own in an index key list.
    const functionLike = (bound.kind === "call" && bound.display === "function") || bound.kind === "coalesce" || bound.kind === "minmax";
    text = functionLike ? expr : `(${expr})`;
  }
  if (!withOptions) return text;
  if (key.descending) text += " DESC";
  if (key.descending && !key.nullsFirst) text += " NULLS LAST";
  if (!key.descending && key.nullsFirst) text += " NULLS FIRST";
  return text;
}

/** pg_get_indexdef(index, column, pretty): the CREATE INDEX statement, or one key column (column > 0). */
export function indexDefinition(access: CatalogAccess, indexOid: number, column: number, pretty: boolean): string | null {
  const relation = access.database.relationByOid(indexOid);
  if (!relation || relation.kind !== "index") return null;
  const { table, index } = relation;
  if (column > 0) return column <= index.keys.length ? indexKeyText(access, table, index, column - 1, false, pretty) : "";
  const schema = access.database.schemas.get(table.schema)?.name ?? "";
  const tableName = pretty && access.relationVisible(table.oid) ? quoteIdent(table.name) : `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
  const keys = index.keys.map((_, i) => indexKeyText(access, table, index, i, true, pretty)).join(", ");
  let text = `CREATE ${index.unique || index.primary ? "UNIQUE " : ""}INDEX ${quoteIdent(index.name)} ON ${tableName} USING btree (${keys})`;
  if (index.predicate) text += ` WHERE ${deparseExpr(access.bindExpr(table, index.predicate.ast), access.types, { pretty })}`;
  return text;
}

/** A constraint found by its pg_constraint OID. */
export type ConstraintRef =
  | { readonly kind: "index"; readonly table: TableDef; readonly index: IndexDef }
  | { readonly kind: "check"; readonly table: TableDef; readonly check: CheckDef }
  | { readonly kind: "foreign"; readonly table: TableDef; readonly foreignKey: ForeignKeyDef };

export function constraintByOid(catalog: DatabaseCatalog, oid: number): ConstraintRef | undefined {
  return catalog.derived(constraintsByOid).get(oid);
}

function constraintsByOid(catalog: DatabaseCatalog): Map<number, ConstraintRef> {
  const map = new Map<number, ConstraintRef>();
  for (const table of catalog.tables.values()) {
    for (const index of table.indexes) if (index.constraint) map.set(indexConstraintOid(index), { kind: "index", table, index });
    for (const check of table.checks) map.set(check.oid, { kind: "check", table, check });
    for (const foreignKey of table.foreignKeys) map.set(foreignKey.oid, { kind: "foreign", table, foreignKey });
  }
  return map;
}

const referentialActions: Record<ForeignKeyDef["onDelete"], string> = { a: "", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

/** pg_get_constraintdef(constraint, pretty). */
export function constraintDefinition(access: CatalogAccess, oid: number, pretty: boolean): string | null {
  const found = constraintByOid(access.database, oid);
  if (!found) return null;
  const { table } = found;
  switch (found.kind) {
    case "index": {
      const columns = found.index.keys.map((key) => (key.attnum === undefined ? "" : columnName(table, key.attnum))).join(", ");
      return `${found.index.primary ? "PRIMARY KEY" : "UNIQUE"} (${columns})`;
    }
    case "check":
      return `CHECK (${deparseExpr(access.bindExpr(table, found.check.expr.ast), access.types, { pretty })})`;
    case "foreign": {
      const fk = found.foreignKey;
      const referenced = access.database.tables.get(fk.refTable);
      const columns = fk.columns.map((attnum) => columnName(table, attnum)).join(", ");
      const refColumns = referenced ? fk.refColumns.map((attnum) => columnName(referenced, attnum)).join(", ") : "";
      let text = `FOREIGN KEY (${columns}) REFERENCES ${relationName(access, fk.refTable) ?? fk.refTable}(${refColumns})`;
      if (fk.onUpdate !== "a") text += ` ON UPDATE ${referentialActions[fk.onUpdate]}`;
      if (fk.onDelete !== "a") text += ` ON DELETE ${referentialActions[fk.onDelete]}`;
      return text;
    }
  }
}

/** pg_relation_is_publishable: a permanent user table (what a FOR ALL TABLES publication would include). */
export function relationIsPublishable(access: CatalogAccess, oid: number): boolean | null {
  const relation = access.database.relationByOid(oid);
  if (!relation) return null;
  return relation.kind === "table" && oid >= WellKnownOid.firstNormal;
}

/** One pg_description row: a comment on an object of this database. */
export interface Description {
  readonly objoid: number;
  readonly classoid: number;
  readonly objsubid: number;
  readonly description: string;
}

/** The comments on this database's objects (pg_description). */
export function* descriptions(catalog: DatabaseCatalog): Iterable<Description> {
  const { pg_class: relations, pg_namespace: namespaces, pg_constraint: constraints } = SystemCatalogOid;
  for (const schema of catalog.schemas.values()) {
    if (schema.comment !== undefined) yield { objoid: schema.oid, classoid: namespaces, objsubid: 0, description: schema.comment };
  }
  for (const table of catalog.tables.values()) {
    if (table.comment !== undefined) yield { objoid: table.oid, classoid: relations, objsubid: 0, description: table.comment };
    for (const column of table.columns) {
      if (!column.dropped && column.comment !== undefined) yield { objoid: table.oid, classoid: relations, objsubid: column.attnum, description: column.comment };
    }
    for (const index of table.indexes) {
      if (index.oid !== 0 && index.comment !== undefined) yield { objoid: index.oid, classoid: relations, objsubid: 0, description: index.comment };
      if (index.constraintComment !== undefined) yield { objoid: indexConstraintOid(index), classoid: constraints, objsubid: 0, description: index.constraintComment };
    }
    for (const check of table.checks) {
      if (check.comment !== undefined) yield { objoid: check.oid, classoid: constraints, objsubid: 0, description: check.comment };
    }
  }
  for (const sequence of catalog.sequences.values()) {
    if (!sequence.internal && sequence.comment !== undefined) yield { objoid: sequence.oid, classoid: relations, objsubid: 0, description: sequence.comment };
  }
}

/** The comments on cluster-wide objects: databases and roles (pg_shdescription). */
export function* sharedDescriptions(cluster: ClusterCatalog): Iterable<Omit<Description, "objsubid">> {
  for (const database of cluster.databases.values()) {
    if (database.comment !== undefined) yield { objoid: database.oid, classoid: SystemCatalogOid.pg_database, description: database.comment };
  }
  for (const role of cluster.roles.values()) {
    if (role.comment !== undefined) yield { objoid: role.oid, classoid: SystemCatalogOid.pg_authid, description: role.comment };
  }
}

/**
 * obj_description / col_description: the comment on an object, given the catalog it lives in
 * (by name; null: any) and the column (0: the object itself).
 */
export function objectDescription(access: CatalogAccess, objoid: number, catalogName: string | null, objsubid: number): string | null {
  const classoid = catalogName === null ? undefined : systemCatalogOid(catalogName);
  if (catalogName !== null && classoid === undefined) return null;
  for (const row of access.database.derived(descriptionsByObject).get(objoid) ?? []) {
    if (row.objsubid === objsubid && (classoid === undefined || row.classoid === classoid)) return row.description;
  }
  return null;
}

/** The descriptions by object OID (obj_description and col_description run once per row). */
function descriptionsByObject(catalog: DatabaseCatalog): Map<number, Description[]> {
  const map = new Map<number, Description[]>();
  for (const row of descriptions(catalog)) {
    const rows = map.get(row.objoid);
    if (rows) rows.push(row);
    else map.set(row.objoid, [row]);
  }
  return map;
}

/** shobj_description: the comment on a database or role. */
export function sharedObjectDescription(access: CatalogAccess, objoid: number, catalogName: string): string | null {
  const classoid = systemCatalogOid(catalogName);
  for (const row of sharedDescriptions(access.cluster)) {
    if (row.objoid === objoid && row.classoid === classoid) return row.description;
  }
  return null;
}
