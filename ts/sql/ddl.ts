// DDL entry point: runs CREATE / ALTER / DROP of tables, indexes, sequences, schemas,
// databases and roles, and COMMENT ON (the statements themselves live in ddl/). Every change goes through
// the transaction's catalog overlay (catalog/overlay.ts), so it is visible to that
// transaction at once, to others after commit, and gone after rollback. Index builds and
// table rewrites write their rows in the same transaction.

import type { Ast, Node } from "./ast.ts";
import { bodyOf, tagOf } from "./ast.ts";
import { SqlError, SqlState, notSupported } from "./errors.ts";
import type { SqlSession } from "./session.ts";
import { Ddl, type Sink } from "./ddl/context.ts";
import { createSequenceStmt, alterSequence } from "./ddl/sequences.ts";
import { createTable, createTableAs } from "./ddl/create-table.ts";
import { createIndex } from "./ddl/indexes.ts";
import { drop, truncate } from "./ddl/drop.ts";
import { alterTable, rename } from "./ddl/alter-table.ts";
import { createSchema, createDatabase, dropDatabase, createRole, alterRole, dropRole } from "./ddl/cluster-objects.ts";
import { comment } from "./ddl/comments.ts";

const DDL_TAGS = new Set([
  "CreateStmt", "DropStmt", "AlterTableStmt", "IndexStmt", "RenameStmt", "TruncateStmt", "CreateSeqStmt", "AlterSeqStmt",
  "CreateSchemaStmt", "CreatedbStmt", "DropdbStmt", "CreateRoleStmt", "AlterRoleStmt", "DropRoleStmt", "CreateTableAsStmt", "CommentStmt",
]);

export function isDdl(tag: string): boolean {
  return DDL_TAGS.has(tag);
}

const outsideTransactionBlock = new Set(["CreatedbStmt", "DropdbStmt"]);

export async function runDdl(session: SqlSession, ast: Node, sink: Sink): Promise<string> {
  const tag = tagOf(ast);
  if (outsideTransactionBlock.has(tag) && (session.inTransactionBlock || (session.txn && session.txn.started && session.txn.hasEngineTxn))) {
    const what = tag === "CreatedbStmt" ? "CREATE DATABASE" : "DROP DATABASE";
    throw new SqlError(SqlState.activeSqlTransaction, `${what} cannot run inside a transaction block`);
  }
  const txn = session.transaction();
  if (txn.readOnly) throw new SqlError(SqlState.readOnlySqlTransaction, `cannot execute ${commandName(tag)} in a read-only transaction`);
  txn.beginStatement();
  const overlay = await txn.beginDdl(session.interrupts);
  const ddl = new Ddl(session, overlay, sink);
  const sql = sqlOf(ast, session);
  switch (tag) {
    case "CreateStmt":
      return createTable(ddl, bodyOf<Ast.CreateStmt>(ast), sql);
    case "IndexStmt":
      return createIndex(ddl, bodyOf<Ast.IndexStmt>(ast), sql);
    case "DropStmt":
      return drop(ddl, bodyOf<Ast.DropStmt>(ast));
    case "AlterTableStmt":
      return alterTable(ddl, bodyOf<Ast.AlterTableStmt>(ast), sql);
    case "RenameStmt":
      return rename(ddl, bodyOf<Ast.RenameStmt>(ast));
    case "TruncateStmt":
      return truncate(ddl, bodyOf<Ast.TruncateStmt>(ast));
    case "CreateSeqStmt":
      return createSequenceStmt(ddl, bodyOf<Ast.CreateSeqStmt>(ast));
    case "AlterSeqStmt":
      return alterSequence(ddl, bodyOf<Ast.AlterSeqStmt>(ast));
    case "CreateSchemaStmt":
      return createSchema(ddl, bodyOf<Ast.CreateSchemaStmt>(ast));
    case "CreatedbStmt":
      return createDatabase(ddl, bodyOf<Ast.CreatedbStmt>(ast));
    case "DropdbStmt":
      return dropDatabase(ddl, bodyOf<Ast.DropdbStmt>(ast));
    case "CreateRoleStmt":
      return createRole(ddl, bodyOf<Ast.CreateRoleStmt>(ast));
    case "AlterRoleStmt":
      return alterRole(ddl, bodyOf<Ast.AlterRoleStmt>(ast));
    case "DropRoleStmt":
      return dropRole(ddl, bodyOf<Ast.DropRoleStmt>(ast));
    case "CreateTableAsStmt":
      return createTableAs(ddl, bodyOf<Ast.CreateTableAsStmt>(ast), sql);
    case "CommentStmt":
      return comment(ddl, bodyOf<Ast.CommentStmt>(ast));
    default:
      throw notSupported(tag);
  }
}

/** The command's name as PostgreSQL prints it (CREATE TABLE, DROP INDEX, ...). */
function commandName(tag: string): string {
  const names: Record<string, string> = {
    CreateStmt: "CREATE TABLE", IndexStmt: "CREATE INDEX", AlterTableStmt: "ALTER TABLE", RenameStmt: "ALTER TABLE", TruncateStmt: "TRUNCATE TABLE",
    CreateSeqStmt: "CREATE SEQUENCE", AlterSeqStmt: "ALTER SEQUENCE", CreateSchemaStmt: "CREATE SCHEMA", CreatedbStmt: "CREATE DATABASE",
    DropdbStmt: "DROP DATABASE", CreateRoleStmt: "CREATE ROLE", AlterRoleStmt: "ALTER ROLE", DropRoleStmt: "DROP ROLE", CreateTableAsStmt: "CREATE TABLE AS", DropStmt: "DROP", CommentStmt: "COMMENT",
  };
  return names[tag] ?? tag;
}

/** The statement text being run (for expression texts and error positions). */
function sqlOf(_ast: Node, session: SqlSession): string {
  return session.currentSql;
}

