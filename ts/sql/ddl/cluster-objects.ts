// Schemas, databases and roles. Roles store SCRAM verifiers, never passwords.

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf } from "../ast.ts";
import { createScramVerifier } from "../../pgwire/scram.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import { WellKnownOid, type RoleDef } from "../catalog/defs.ts";
import { standardSchemas } from "../cluster.ts";
import { Ddl } from "./context.ts";

export async function createSchema(ddl: Ddl, stmt: Ast.CreateSchemaStmt): Promise<string> {
  const name = stmt.schemaname ?? stmt.authrole?.rolename;
  if (!name) throw new SqlError(SqlState.syntaxError, "CREATE SCHEMA needs a name");
  if (stmt.schemaElts?.length) throw notSupported("CREATE SCHEMA with schema elements");
  if (name.startsWith("pg_")) {
    throw new SqlError(SqlState.reservedName, `unacceptable schema name "${name}"`, { detail: 'The prefix "pg_" is reserved for system schemas.' });
  }
  if (ddl.catalog().schemaByName(name)) {
    if (stmt.if_not_exists) {
      ddl.notice(`schema "${name}" already exists, skipping`, SqlState.duplicateSchema);
      return "CREATE SCHEMA";
    }
    throw new SqlError(SqlState.duplicateSchema, `schema "${name}" already exists`);
  }
  ddl.overlay.putSchema(ddl.dbOid, { oid: ddl.oid(), name, owner: ddl.session.role.oid });
  return "CREATE SCHEMA";
}

export async function createDatabase(ddl: Ddl, stmt: Ast.CreatedbStmt): Promise<string> {
  const name = stmt.dbname!;
  if (ddl.overlay.cluster.database(name)) throw new SqlError(SqlState.duplicateDatabase, `database "${name}" already exists`);
  const oid = ddl.oid();
  ddl.overlay.createDatabase({ oid, name, owner: ddl.session.role.oid }, standardSchemas());
  return "CREATE DATABASE";
}

export async function dropDatabase(ddl: Ddl, stmt: Ast.DropdbStmt): Promise<string> {
  const name = stmt.dbname!;
  const def = ddl.overlay.cluster.database(name);
  if (!def) {
    if (stmt.missing_ok) {
      ddl.notice(`database "${name}" does not exist, skipping`);
      return "DROP DATABASE";
    }
    throw new SqlError(SqlState.invalidCatalogName, `database "${name}" does not exist`);
  }
  if (def.template) throw new SqlError(SqlState.wrongObjectType, "cannot drop a template database");
  if (def.oid === ddl.session.database.oid) throw new SqlError(SqlState.objectInUse, "cannot drop the currently open database");
  const sessions = ddl.session.cluster.connected.get(def.oid) ?? 0;
  if (sessions > 0) {
    throw new SqlError(SqlState.objectInUse, `database "${name}" is being accessed by other users`, {
      detail: `There ${sessions === 1 ? "is 1 other session" : `are ${sessions} other sessions`} using the database.`,
    });
  }
  ddl.overlay.dropDatabase(def);
  return "DROP DATABASE";
}

async function roleOptions(options: readonly Node[] | undefined, role: RoleDef): Promise<RoleDef> {
  let updated = role;
  for (const node of options ?? []) {
    const option = bodyOf<Ast.DefElem>(node);
    const flag = asNode<Ast.Boolean>(option.arg, "Boolean")?.boolval ?? asNode<Ast.Integer>(option.arg, "Integer")?.ival === 1;
    switch (option.defname) {
      case "password": {
        const password = asNode<Ast.String>(option.arg, "String")?.sval;
        const verifier = password === undefined ? null : password.startsWith("SCRAM-SHA-256$") ? password : await createScramVerifier(password);
        updated = { ...updated, verifier };
        break;
      }
      case "canlogin":
        updated = { ...updated, login: flag };
        break;
      case "superuser":
        updated = { ...updated, superuser: flag };
        break;
      case "createdb":
        updated = { ...updated, createdb: flag };
        break;
      case "createrole":
        updated = { ...updated, createrole: flag };
        break;
      case "inherit":
      case "replication":
      case "bypassrls":
      case "connectionlimit":
      case "validUntil":
      case "addroleto":
      case "rolemembers":
        break;
      default:
        throw notSupported(`role option ${option.defname}`);
    }
  }
  return updated;
}

export async function createRole(ddl: Ddl, stmt: Ast.CreateRoleStmt): Promise<string> {
  const name = stmt.role!;
  if (name.startsWith("pg_")) {
    throw new SqlError(SqlState.reservedName, `role name "${name}" is reserved`, { detail: 'Role names starting with "pg_" are reserved.' });
  }
  if (ddl.overlay.cluster.role(name)) throw new SqlError(SqlState.duplicateObject, `role "${name}" already exists`);
  const base: RoleDef = { oid: ddl.oid(), name, superuser: false, login: stmt.stmt_type === "ROLESTMT_USER", createdb: false, createrole: false, verifier: null };
  ddl.overlay.putRole(await roleOptions(stmt.options, base));
  return stmt.stmt_type === "ROLESTMT_USER" ? "CREATE ROLE" : "CREATE ROLE";
}

export async function alterRole(ddl: Ddl, stmt: Ast.AlterRoleStmt): Promise<string> {
  const name = stmt.role?.rolename ?? (stmt.role?.roletype === "ROLESPEC_CURRENT_USER" || stmt.role?.roletype === "ROLESPEC_SESSION_USER" ? ddl.session.role.name : "");
  const role = ddl.overlay.cluster.role(name);
  if (!role) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
  ddl.overlay.putRole(await roleOptions(stmt.options, role));
  return "ALTER ROLE";
}

export async function dropRole(ddl: Ddl, stmt: Ast.DropRoleStmt): Promise<string> {
  for (const node of stmt.roles ?? []) {
    const name = bodyOf<Ast.RoleSpec>(node).rolename ?? "";
    const role = ddl.overlay.cluster.role(name);
    if (!role) {
      if (stmt.missing_ok) {
        ddl.notice(`role "${name}" does not exist, skipping`);
        continue;
      }
      throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
    }
    if (role.name === ddl.session.role.name) throw new SqlError(SqlState.objectInUse, "current user cannot be dropped");
    if (role.oid < WellKnownOid.firstNormal) throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop role ${name} because it is required by the database system`);
    ddl.overlay.deleteRole(role);
  }
  return "DROP ROLE";
}
