// COMMENT ON: descriptions of tables, columns, indexes, sequences, constraints, schemas,
// databases and roles, kept in their catalog records (pg_description / pg_shdescription show
// them). An empty comment, like NULL, removes it.

import type { Ast } from "../ast.ts";
import { asNode, namesOf, stringOf } from "../ast.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import { relationIdentity, undefinedTable, type Relation } from "../catalog/catalog.ts";
import type { TableDef } from "../catalog/defs.ts";
import { Ddl } from "./context.ts";

const relationKinds: Partial<Record<string, { kind: Relation["kind"]; noun: string }>> = {
  OBJECT_TABLE: { kind: "table", noun: "a table" },
  OBJECT_INDEX: { kind: "index", noun: "an index" },
  OBJECT_SEQUENCE: { kind: "sequence", noun: "a sequence" },
};

export async function comment(ddl: Ddl, stmt: Ast.CommentStmt): Promise<string> {
  const text = stmt.comment === undefined || stmt.comment === "" ? undefined : stmt.comment;
  const objtype = stmt.objtype ?? "";
  const object = stmt.object!;
  const relationKind = relationKinds[objtype];
  if (relationKind) {
    const relation = findRelation(ddl, namesOf(asNode<Ast.List>(object, "List")?.items));
    if (relation.kind !== relationKind.kind) {
      throw new SqlError(SqlState.wrongObjectType, `"${relationIdentity(relation).name}" is not ${relationKind.noun}`);
    }
    switch (relation.kind) {
      case "table":
        ddl.overlay.putTable(ddl.dbOid, withComment(relation.table, text));
        break;
      case "index":
        ddl.overlay.putTable(ddl.dbOid, {
          ...relation.table,
          indexes: relation.table.indexes.map((i) => (i === relation.index ? withComment(i, text) : i)),
        });
        break;
      case "sequence":
        ddl.overlay.putSequence(ddl.dbOid, withComment(relation.sequence, text));
        break;
    }
    return "COMMENT";
  }
  switch (objtype) {
    case "OBJECT_COLUMN": {
      const names = namesOf(asNode<Ast.List>(object, "List")?.items);
      const columnName = names.pop()!;
      const table = tableOf(ddl, names);
      const column = table.columns.find((c) => !c.dropped && c.name === columnName);
      if (!column) throw new SqlError(SqlState.undefinedColumn, `column "${columnName}" of relation "${table.name}" does not exist`);
      ddl.overlay.putTable(ddl.dbOid, { ...table, columns: table.columns.map((c) => (c === column ? withComment(c, text) : c)) });
      return "COMMENT";
    }
    case "OBJECT_TABCONSTRAINT": {
      const names = namesOf(asNode<Ast.List>(object, "List")?.items);
      const constraintName = names.pop()!;
      const table = tableOf(ddl, names);
      const index = table.indexes.find((i) => i.constraint === constraintName);
      const check = table.checks.find((c) => c.name === constraintName);
      if (index) {
        const { constraintComment: _previous, ...rest } = index;
        const updated = text === undefined ? rest : { ...rest, constraintComment: text };
        ddl.overlay.putTable(ddl.dbOid, { ...table, indexes: table.indexes.map((i) => (i === index ? updated : i)) });
      } else if (check) {
        ddl.overlay.putTable(ddl.dbOid, { ...table, checks: table.checks.map((c) => (c === check ? withComment(c, text) : c)) });
      } else {
        throw new SqlError(SqlState.undefinedObject, `constraint "${constraintName}" for table "${table.name}" does not exist`);
      }
      return "COMMENT";
    }
    case "OBJECT_SCHEMA": {
      const name = stringOf(object);
      const schema = ddl.catalog().schemaByName(name);
      if (!schema) throw new SqlError(SqlState.invalidSchemaName, `schema "${name}" does not exist`);
      ddl.overlay.putSchema(ddl.dbOid, withComment(schema, text));
      return "COMMENT";
    }
    case "OBJECT_DATABASE": {
      const name = stringOf(object);
      const database = ddl.overlay.cluster.database(name);
      if (!database) throw new SqlError(SqlState.invalidCatalogName, `database "${name}" does not exist`);
      ddl.overlay.putDatabase(withComment(database, text));
      return "COMMENT";
    }
    case "OBJECT_ROLE": {
      const name = stringOf(object);
      const role = ddl.overlay.cluster.role(name);
      if (!role) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
      ddl.overlay.putRole(withComment(role, text));
      return "COMMENT";
    }
    default:
      throw notSupported(`COMMENT ON ${objtype.replace(/^OBJECT_/, "").toLowerCase().replace(/_/g, " ")}`);
  }
}

function withComment<T extends { readonly comment?: string }>(def: T, text: string | undefined): T {
  if (text !== undefined) return { ...def, comment: text };
  const { comment: _removed, ...rest } = def;
  return rest as T;
}

/** A relation's (possibly schema-qualified) name as a RangeVar. */
function rangeVarOf(names: string[]): Ast.RangeVar {
  const relname = names[names.length - 1]!;
  return names.length > 1 ? { schemaname: names[names.length - 2]!, relname } : { relname };
}

/** A relation by its (possibly schema-qualified) name. */
function findRelation(ddl: Ddl, names: string[]): Relation {
  const found = ddl.findRelation(rangeVarOf(names));
  if (!found) throw undefinedTable(names.join("."));
  return found;
}

function tableOf(ddl: Ddl, names: string[]): TableDef {
  return ddl.table(rangeVarOf(names))!;
}
