// CREATE / ALTER SEQUENCE and the sequences behind serial and identity columns. Sequence
// definitions are catalog records; their counters live in sequences.ts (non-transactional).

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf, namesOf } from "../ast.ts";
import { SqlError, SqlState, notSupported } from "../errors.ts";
import { WellKnownOid, type SequenceDef } from "../catalog/defs.ts";
import { quoteIdent } from "../functions/string-ops.ts";
import { duplicateRelation, undefinedTable } from "../catalog/catalog.ts";
import { Ddl } from "./context.ts";

function nextvalAst(sequenceName: string): Node {
  return {
    FuncCall: {
      funcname: [{ String: { sval: "nextval" } }],
      args: [{ TypeCast: { arg: { A_Const: { sval: { sval: sequenceName } } }, typeName: { names: [{ String: { sval: "regclass" } }], typemod: -1 } } }],
      funcformat: "COERCE_EXPLICIT_CALL",
    },
  } as Node;
}

/**
 * The default of a serial or identity column: nextval() of its sequence, named with its
 * schema so that it resolves whatever the search path (PostgreSQL stores the sequence's
 * OID). The text names the schema unless it is public, as PostgreSQL prints it.
 */
export function nextvalDefault(ddl: Ddl, schema: number, sequenceName: string): { ast: Node; text: string } {
  const qualified = `${quoteIdent(ddl.catalog().schemas.get(schema)!.name)}.${quoteIdent(sequenceName)}`;
  const shown = schema === WellKnownOid.public ? quoteIdent(sequenceName) : qualified;
  return { ast: nextvalAst(qualified), text: `nextval('${shown.replace(/'/g, "''")}'::regclass)` };
}

function sequenceLimits(typeOid: number): { min: bigint; max: bigint } {
  if (typeOid === 21) return { min: 1n, max: 32767n };
  if (typeOid === 23) return { min: 1n, max: 2147483647n };
  return { min: 1n, max: 9223372036854775807n };
}

export function newSequence(ddl: Ddl, name: string, schema: number, typeOid: number, ownedBy: { table: number; attnum: number } | undefined, options: readonly Node[] = []): SequenceDef {
  const limits = sequenceLimits(typeOid);
  let def: SequenceDef = {
    oid: ddl.oid(),
    name,
    schema,
    typeOid,
    start: "1",
    increment: "1",
    min: String(limits.min),
    max: String(limits.max),
    cycle: false,
    cache: "1",
    ...(ownedBy ? { ownedBy } : {}),
  };
  def = applySequenceOptions(def, options, true);
  return def;
}

function optionNumber(node: Ast.DefElem): bigint | null {
  if (!node.arg) return null;
  const constant = asNode<Ast.A_Const>(node.arg, "A_Const");
  if (constant?.ival) return BigInt(constant.ival.ival ?? 0);
  if (constant?.fval) return BigInt(constant.fval.fval ?? "0");
  const integer = asNode<Ast.Integer>(node.arg, "Integer");
  if (integer) return BigInt(integer.ival ?? 0);
  const float = asNode<Ast.Float>(node.arg, "Float");
  if (float) return BigInt(float.fval ?? "0");
  return null;
}

function applySequenceOptions(def: SequenceDef, options: readonly Node[], creating: boolean): SequenceDef {
  let { start, increment, min, max, cycle, cache } = def;
  let typeOid = def.typeOid;
  let startSet = false;
  for (const node of options) {
    const option = bodyOf<Ast.DefElem>(node);
    const value = optionNumber(option);
    switch (option.defname) {
      case "as": {
        const typeName = asNode<Ast.TypeName>(option.arg, "TypeName");
        const name = namesOf(typeName?.names).pop();
        typeOid = name === "int2" ? 21 : name === "int4" ? 23 : 20;
        const limits = sequenceLimits(typeOid);
        min = String(limits.min);
        max = String(limits.max);
        break;
      }
      case "increment":
        if (value === 0n) throw new SqlError(SqlState.invalidParameterValue, "INCREMENT must not be zero");
        increment = String(value ?? 1n);
        break;
      case "minvalue":
        min = value === null ? (BigInt(increment) > 0n ? "1" : String(-sequenceLimits(typeOid).max)) : String(value);
        break;
      case "maxvalue":
        max = value === null ? (BigInt(increment) > 0n ? String(sequenceLimits(typeOid).max) : "-1") : String(value);
        break;
      case "start":
        start = String(value ?? 1n);
        startSet = true;
        break;
      case "restart":
        break;
      case "cache":
        cache = String(value ?? 1n);
        break;
      case "cycle":
        cycle = asNode<Ast.Boolean>(option.arg, "Boolean")?.boolval ?? true;
        break;
      case "owned_by":
      case "sequence_name":
        break;
      default:
        throw notSupported(`sequence option ${option.defname}`);
    }
  }
  if (BigInt(increment) < 0n && creating) {
    if (!options.some((n) => bodyOf<Ast.DefElem>(n).defname === "maxvalue")) max = "-1";
    if (!options.some((n) => bodyOf<Ast.DefElem>(n).defname === "minvalue")) min = String(-sequenceLimits(typeOid).max - (typeOid === 20 ? 0n : 1n) + 1n);
  }
  if (!startSet && creating) start = BigInt(increment) > 0n ? min : max;
  if (BigInt(min) >= BigInt(max)) throw new SqlError(SqlState.invalidParameterValue, `MINVALUE (${min}) must be less than MAXVALUE (${max})`);
  if (BigInt(start) < BigInt(min)) throw new SqlError(SqlState.invalidParameterValue, `START value (${start}) cannot be less than MINVALUE (${min})`);
  if (BigInt(start) > BigInt(max)) throw new SqlError(SqlState.invalidParameterValue, `START value (${start}) cannot be greater than MAXVALUE (${max})`);
  return { ...def, typeOid, start, increment, min, max, cycle, cache };
}

export function sequenceOptions(def: SequenceDef) {
  return { name: def.name, start: BigInt(def.start), increment: BigInt(def.increment), min: BigInt(def.min), max: BigInt(def.max), cycle: def.cycle };
}

export function createSequence(ddl: Ddl, def: SequenceDef): void {
  ddl.overlay.putSequence(ddl.dbOid, def);
  ddl.session.cluster.sequences.create(def.oid, sequenceOptions(def));
}

export async function createSequenceStmt(ddl: Ddl, stmt: Ast.CreateSeqStmt): Promise<string> {
  const relation = stmt.sequence!;
  const schema = ddl.schemaOf(relation);
  if (ddl.catalog().relation(schema, relation.relname!)) {
    if (stmt.if_not_exists) {
      ddl.notice(`relation "${relation.relname}" already exists, skipping`, SqlState.duplicateTable);
      return "CREATE SEQUENCE";
    }
    throw duplicateRelation(relation.relname!);
  }
  createSequence(ddl, newSequence(ddl, relation.relname!, schema, 20, undefined, stmt.options ?? []));
  return "CREATE SEQUENCE";
}

export async function alterSequence(ddl: Ddl, stmt: Ast.AlterSeqStmt): Promise<string> {
  const found = ddl.findRelation(stmt.sequence!);
  if (!found || found.kind !== "sequence") {
    if (stmt.missing_ok) {
      ddl.notice(`relation "${stmt.sequence!.relname}" does not exist, skipping`);
      return "ALTER SEQUENCE";
    }
    throw undefinedTable(stmt.sequence!.relname!);
  }
  const updated = applySequenceOptions(found.sequence, stmt.options ?? [], false);
  ddl.overlay.putSequence(ddl.dbOid, updated);
  for (const node of stmt.options ?? []) {
    const option = bodyOf<Ast.DefElem>(node);
    if (option.defname === "restart") {
      const value = optionNumber(option) ?? BigInt(updated.start);
      ddl.session.cluster.sequences.setval(updated.oid, sequenceOptions(updated), value, false);
    }
  }
  return "ALTER SEQUENCE";
}
