// DROP TABLE / INDEX / SEQUENCE / SCHEMA and TRUNCATE. Storage of dropped or truncated
// tables is queued for deletion after commit (see cluster.ts), so a rollback keeps it.

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf, namesOf, stringOf } from "../ast.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import type { SequenceDef, TableDef } from "../catalog/defs.ts";
import type { DatabaseCatalog } from "../catalog/catalog.ts";
import { quoteIdent } from "../functions/string-ops.ts";
import { Ddl } from "./context.ts";
import { sequenceOptions } from "./sequences.ts";
import { dropIndexData } from "./indexes.ts";

function dropTable(ddl: Ddl, def: TableDef): void {
  ddl.overlay.deleteTable(ddl.dbOid, def);
  for (const sequence of [...ddl.catalog().sequences.values()]) {
    if (sequence.ownedBy?.table === def.oid || sequence.oid === def.rowIdSequence) ddl.overlay.deleteSequence(ddl.dbOid, sequence);
  }
}

export async function drop(ddl: Ddl, stmt: Ast.DropStmt): Promise<string> {
  const type = stmt.removeType;
  const tags: Record<string, string> = {
    OBJECT_TABLE: "DROP TABLE",
    OBJECT_INDEX: "DROP INDEX",
    OBJECT_SEQUENCE: "DROP SEQUENCE",
    OBJECT_SCHEMA: "DROP SCHEMA",
    OBJECT_VIEW: "DROP VIEW",
    OBJECT_EXTENSION: "DROP EXTENSION",
    OBJECT_TYPE: "DROP TYPE",
  };
  const tag = tags[type ?? ""];
  if (!tag) throw notSupported(`DROP ${(type ?? "").replace("OBJECT_", "")}`);
  const cascade = stmt.behavior === "DROP_CASCADE";
  for (const object of stmt.objects ?? []) {
    if (type === "OBJECT_SCHEMA") {
      const name = stringOf(object);
      const schema = ddl.catalog().schemaByName(name);
      if (!schema) {
        if (stmt.missing_ok) {
          ddl.notice(`schema "${name}" does not exist, skipping`);
          continue;
        }
        throw new SqlError(SqlState.invalidSchemaName, `schema "${name}" does not exist`);
      }
      const tables = [...ddl.catalog().tables.values()].filter((t) => t.schema === schema.oid);
      const sequences = [...ddl.catalog().sequences.values()].filter((s) => s.schema === schema.oid && !s.internal && !s.ownedBy);
      const schemaName = quoteIdent(name);
      const dependents = [...tables.map((t) => `table ${schemaName}.${quoteIdent(t.name)}`), ...sequences.map((s) => `sequence ${schemaName}.${quoteIdent(s.name)}`)];
      if (dependents.length > 0 && !cascade) {
        throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop schema ${schemaName} because other objects depend on it`, {
          detail: dependents.map((d) => `${d} depends on schema ${schemaName}`).join("\n"),
          hint: "Use DROP ... CASCADE to drop the dependent objects too.",
        });
      }
      if (dependents.length === 1) ddl.notice(`drop cascades to ${dependents[0]}`);
      else if (dependents.length > 1) ddl.notice(`drop cascades to ${dependents.length} other objects`);
      for (const table of tables) dropTable(ddl, table);
      for (const sequence of sequences) ddl.overlay.deleteSequence(ddl.dbOid, sequence);
      ddl.overlay.deleteSchema(ddl.dbOid, schema);
      continue;
    }
    if (type === "OBJECT_EXTENSION" || type === "OBJECT_TYPE" || type === "OBJECT_VIEW") {
      if (stmt.missing_ok) {
        ddl.notice(`${type.replace("OBJECT_", "").toLowerCase()} "${stringOfAny(object)}" does not exist, skipping`);
        continue;
      }
      throw notSupported(tag.replace("DROP ", "").toLowerCase() + "s");
    }
    const names = namesOfAny(object);
    const rangeVar: Ast.RangeVar = names.length > 1 ? { schemaname: names[names.length - 2]!, relname: names[names.length - 1]! } : { relname: names[0]! };
    const found = ddl.findRelation(rangeVar);
    const kindName = type === "OBJECT_TABLE" ? "table" : type === "OBJECT_INDEX" ? "index" : "sequence";
    if (!found) {
      if (stmt.missing_ok) {
        ddl.notice(`${kindName} "${rangeVar.relname}" does not exist, skipping`);
        continue;
      }
      throw new SqlError(kindName === "index" ? SqlState.undefinedObject : SqlState.undefinedTable, `${kindName} "${names.join(".")}" does not exist`);
    }
    if (found.kind !== kindName) {
      throw new SqlError(SqlState.wrongObjectType, `"${rangeVar.relname}" is not ${kindName === "index" ? "an index" : `a ${kindName}`}`, {
        hint: `Use DROP ${found.kind.toUpperCase()} to remove ${found.kind === "index" ? "an index" : `a ${found.kind}`}.`,
      });
    }
    if (found.kind === "table") dropTable(ddl, found.table);
    else if (found.kind === "sequence") {
      const owner = found.sequence.ownedBy;
      const user = cascade ? undefined : defaultUsingSequence(ddl.catalog(), found.sequence);
      if (user && user.table.oid !== owner?.table) {
        throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop sequence ${found.sequence.name} because other objects depend on it`, {
          detail: `default value for column ${user.column} of table ${user.table.name} depends on sequence ${found.sequence.name}`,
          hint: "Use DROP ... CASCADE to drop the dependent objects too.",
        });
      }
      if (owner && !cascade) {
        const table = ddl.catalog().tables.get(owner.table);
        const column = table?.columns.find((c) => c.attnum === owner.attnum);
        if (table && column?.default) {
          throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop sequence ${found.sequence.name} because other objects depend on it`, {
            detail: `default value for column ${column.name} of table ${table.name} depends on sequence ${found.sequence.name}`,
            hint: "Use DROP ... CASCADE to drop the dependent objects too.",
          });
        }
      }
      ddl.overlay.deleteSequence(ddl.dbOid, found.sequence);
    } else {
      const { table, index } = found;
      if (index.constraint) {
        throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop index ${index.name} because constraint ${index.constraint} on table ${table.name} requires it`, {
          hint: `You can drop constraint ${index.constraint} on table ${table.name} instead.`,
        });
      }
      dropIndexData(ddl, table, index);
      ddl.overlay.putTable(ddl.dbOid, { ...table, indexes: table.indexes.filter((i) => i !== index) });
    }
  }
  return tag;
}

/** A column whose DEFAULT calls nextval() on the sequence. */
function defaultUsingSequence(catalog: DatabaseCatalog, sequence: SequenceDef): { table: TableDef; column: string } | undefined {
  for (const table of catalog.tables.values()) {
    for (const column of table.columns) {
      if (column.dropped || !column.default) continue;
      const text = JSON.stringify(column.default.ast);
      if (text.includes('"nextval"') && new RegExp(`"sval":"(?:[^"]*\\.)?${sequence.name}"`).test(text)) return { table, column: column.name };
    }
  }
  return undefined;
}

function namesOfAny(node: Node): string[] {
  const list = asNode<Ast.List>(node, "List");
  if (list) return namesOf(list.items);
  return [stringOf(node)];
}

function stringOfAny(node: Node): string {
  return namesOfAny(node).join(".");
}

export async function truncate(ddl: Ddl, stmt: Ast.TruncateStmt): Promise<string> {
  for (const node of stmt.relations ?? []) {
    const def = ddl.table(bodyOf<Ast.RangeVar>(node))!;
    // New storage: the old rows are deleted after commit, so TRUNCATE is instant and can be rolled back.
    ddl.overlay.addGarbage(def.storage);
    ddl.overlay.putTable(ddl.dbOid, { ...def, storage: ddl.oid() });
    if (stmt.restart_seqs) {
      for (const sequence of ddl.catalog().sequences.values()) {
        if (sequence.ownedBy?.table === def.oid) ddl.session.cluster.sequences.setval(sequence.oid, sequenceOptions(sequence), BigInt(sequence.start), false);
      }
    }
  }
  return "TRUNCATE TABLE";
}
