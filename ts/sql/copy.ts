// COPY FROM STDIN and COPY TO STDOUT in PostgreSQL's text and CSV formats (escapes, NULL
// markers, HEADER, DELIMITER, QUOTE, ESCAPE). COPY FROM inserts in batches inside the
// statement's transaction, with defaults, constraints and unique checks as INSERT has them.

import type { Ast } from "./ast.ts";
import { asNode, bodyOf, namesOf } from "./ast.ts";
import type { ExecuteSink } from "../pgwire/index.ts";
import { SqlError, SqlState, notSupported } from "./errors.ts";
import type { SqlSession } from "./session.ts";
import { analyzers } from "./statement.ts";
import { Scope } from "./analyze/scope.ts";
import { rowLockKey } from "./lock-manager.ts";
import { compileExpr } from "./exec/compile-expr.ts";
import { Layout } from "./exec/layout.ts";
import { compilePlan } from "./exec/operators.ts";
import { checkRow, indexEntry, uniqueViolation } from "./exec/dml.ts";
import type { Row } from "./analyze/expr.ts";
import type { SqlType, SqlValue, TypeContext } from "./types/index.ts";
import type { OutputColumn } from "./plan/nodes.ts";
import { concatBytes } from "./exec/keys.ts";
import { batchBytes, bulkBytes } from "./exec/bulk.ts";
import { ROW_ID_SEQUENCE } from "./sequences.ts";
import { formatStyled, parseStyled } from "./output-style.ts";

interface CopyFormat {
  readonly csv: boolean;
  readonly delimiter: string;
  readonly nullText: string;
  readonly header: boolean;
  readonly quote: string;
  readonly escape: string;
  readonly forceQuote: readonly string[] | "*";
}

function formatOf(options: readonly Ast.DefElem[]): CopyFormat {
  let csv = false;
  let delimiter: string | null = null;
  let nullText: string | null = null;
  let header = false;
  let quote = '"';
  let escape: string | null = null;
  let forceQuote: readonly string[] | "*" = [];
  for (const option of options) {
    const text = asNode<Ast.String>(option.arg, "String")?.sval;
    const flag = asNode<Ast.Boolean>(option.arg, "Boolean")?.boolval;
    switch (option.defname) {
      case "format":
        if (text === "csv") csv = true;
        else if (text === "binary") throw notSupported("COPY binary format");
        else if (text !== "text") throw new SqlError(SqlState.invalidParameterValue, `COPY format "${text}" not recognized`);
        break;
      case "delimiter":
        delimiter = text ?? "\t";
        break;
      case "null":
        nullText = text ?? "";
        break;
      case "header":
        header = flag ?? (text === undefined ? true : ["true", "on", "1", "match"].includes(text.toLowerCase()));
        break;
      case "quote":
        quote = text ?? '"';
        break;
      case "escape":
        escape = text ?? '"';
        break;
      case "force_quote":
        forceQuote = asNode(option.arg, "A_Star") ? "*" : namesOf(asNode<Ast.List>(option.arg, "List")?.items);
        break;
      case "encoding":
        if (!/^utf-?8$/i.test(text ?? "")) throw notSupported(`COPY encoding "${text}"`);
        break;
      case "freeze":
      case "force_not_null":
      case "force_null":
        break;
      default:
        throw new SqlError(SqlState.syntaxError, `option "${option.defname}" not recognized`);
    }
  }
  const finalDelimiter = delimiter ?? (csv ? "," : "\t");
  if (finalDelimiter.length !== 1) throw new SqlError(SqlState.featureNotSupported, "COPY delimiter must be a single one-byte character");
  if (header && !csv && false) throw notSupported("COPY HEADER in text format");
  return { csv, delimiter: finalDelimiter, nullText: nullText ?? (csv ? "" : "\\N"), header, quote, escape: escape ?? quote, forceQuote };
}

// ------------------------------------------------------------------ text format

function unescapeText(field: string): string {
  if (!field.includes("\\")) return field;
  let out = "";
  for (let i = 0; i < field.length; i++) {
    const char = field[i]!;
    if (char !== "\\" || i + 1 >= field.length) {
      out += char;
      continue;
    }
    const next = field[++i]!;
    switch (next) {
      case "b": out += "\b"; break;
      case "f": out += "\f"; break;
      case "n": out += "\n"; break;
      case "r": out += "\r"; break;
      case "t": out += "\t"; break;
      case "v": out += "\v"; break;
      case "x": {
        const hex = /^[0-9a-fA-F]{1,2}/.exec(field.slice(i + 1))?.[0];
        if (hex) {
          out += String.fromCharCode(parseInt(hex, 16));
          i += hex.length;
        } else out += "x";
        break;
      }
      default:
        if (next >= "0" && next <= "7") {
          const octal = /^[0-7]{1,3}/.exec(field.slice(i))![0];
          out += String.fromCharCode(parseInt(octal, 8));
          i += octal.length - 1;
        } else out += next;
    }
  }
  return out;
}

function splitTextLine(line: string, format: CopyFormat): (string | null)[] {
  const fields: (string | null)[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === format.delimiter) {
      const raw = line.slice(start, i);
      fields.push(raw === format.nullText ? null : unescapeText(raw));
      start = i + 1;
    } else if (line[i] === "\\") i++;
  }
  return fields;
}

function escapeText(value: string, delimiter: string): string {
  let out = "";
  for (const char of value) {
    if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += delimiter === "\t" ? "\\t" : "\t";
    else if (char === delimiter) out += `\\${char}`;
    else if (char === "\b") out += "\\b";
    else if (char === "\f") out += "\\f";
    else if (char === "\v") out += "\\v";
    else out += char;
  }
  return out;
}

// ------------------------------------------------------------------ CSV

/** Parses CSV records from text; returns the records and the unconsumed tail. */
function parseCsv(text: string, format: CopyFormat, final: boolean): { records: (string | null)[][]; rest: string } {
  const records: (string | null)[][] = [];
  let fields: (string | null)[] = [];
  let field = "";
  let quoted = false;
  let inQuotes = false;
  let recordStart = 0;
  let i = 0;
  const endField = (): void => {
    fields.push(!quoted && field === format.nullText ? null : field);
    field = "";
    quoted = false;
  };
  for (; i < text.length; i++) {
    const char = text[i]!;
    if (inQuotes) {
      if (char === format.escape && text[i + 1] === format.quote && (format.escape !== format.quote || true)) {
        if (format.escape === format.quote && i + 1 >= text.length && !final) break;
        field += format.quote;
        i++;
      } else if (char === format.quote) inQuotes = false;
      else field += char;
      continue;
    }
    if (char === format.quote) {
      inQuotes = true;
      quoted = true;
    } else if (char === format.delimiter) endField();
    else if (char === "\n" || char === "\r") {
      endField();
      records.push(fields);
      fields = [];
      if (char === "\r" && text[i + 1] === "\n") i++;
      recordStart = i + 1;
    } else field += char;
  }
  if (final && (field !== "" || fields.length > 0 || quoted)) {
    if (inQuotes) throw new SqlError(SqlState.badCopyFileFormat, "unterminated CSV quoted field");
    endField();
    records.push(fields);
    return { records, rest: "" };
  }
  return { records, rest: text.slice(recordStart) };
}

function csvField(value: string, format: CopyFormat, force: boolean): string {
  const needs =
    force ||
    value === "" ||
    value === format.nullText ||
    value.includes(format.delimiter) ||
    value.includes(format.quote) ||
    value.includes("\n") ||
    value.includes("\r") ||
    value === "\\.";
  if (!needs) return value;
  let out = format.quote;
  for (const char of value) {
    if (char === format.quote || char === format.escape) out += format.escape;
    out += char;
  }
  return out + format.quote;
}

// ------------------------------------------------------------------ COPY TO

async function copyTo(session: SqlSession, stmt: Ast.CopyStmt, format: CopyFormat, sink: ExecuteSink): Promise<void> {
  const { select, analysis } = analyzers(session.currentSql, session.planEnv(), []);
  let planned;
  if (stmt.query) {
    planned = select.plan(stmt.query, new Scope(null));
  } else {
    const columns = namesOf(stmt.attlist);
    const relation = stmt.relation!;
    const query: Ast.SelectStmt = {
      targetList:
        columns.length > 0
          ? columns.map((name) => ({ ResTarget: { val: { ColumnRef: { fields: [{ String: { sval: name } }] } } } }))
          : [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } }],
      fromClause: [{ RangeVar: relation }],
      limitOption: "LIMIT_OPTION_DEFAULT",
      op: "SETOP_NONE",
    };
    planned = select.planSelect(query, new Scope(null));
  }
  void analysis;
  const txn = session.transaction();
  txn.beginStatement();
  const ctx = session.execContext(txn.reader(), []);
  const op = compilePlan(planned.plan, { row: new Layout([]), outer: [], param: null });
  const columns = planned.columns;
  const writer = sink.copyOut({ format: 0, columnFormats: columns.map(() => 0) });
  const types = ctx.types;
  const force = (name: string): boolean => format.forceQuote === "*" || format.forceQuote.includes(name);
  const line = (values: (string | null)[]): string =>
    format.csv
      ? values.map((v, i) => (v === null ? format.nullText : csvField(v, format, force(columns[i]!.name)))).join(format.delimiter) + "\n"
      : values.map((v) => (v === null ? format.nullText : escapeText(v, format.delimiter))).join(format.delimiter) + "\n";
  if (format.header) writer.write(line(columns.map((c) => c.name)));
  let count = 0;
  const rows = op.open(ctx, null);
  try {
    for (let next = rows.next(); !next.done; next = rows.next()) {
      const row = next.value;
      writer.write(line(columns.map((c, i) => formatValue(row[i]!, c, types))));
      count++;
      if (sink.congested) await sink.drained();
      if (count % 4096 === 0) session.interrupts.check();
    }
  } finally {
    rows.return?.();
    txn.endStatement();
  }
  writer.end();
  sink.commandComplete(`COPY ${count}`);
}

function formatValue(value: SqlValue, column: OutputColumn, types: TypeContext): string | null {
  return value === null ? null : formatStyled(column.type, value, types);
}

// ------------------------------------------------------------------ COPY FROM

async function copyFrom(session: SqlSession, stmt: Ast.CopyStmt, format: CopyFormat, sink: ExecuteSink): Promise<void> {
  const { select, dml } = analyzers(session.currentSql, session.planEnv(), []);
  const resolved = select.resolveTable(stmt.relation!);
  if (resolved.kind !== "table") throw new SqlError(SqlState.wrongObjectType, `cannot copy to relation "${stmt.relation!.relname}"`);
  const table = resolved.table;
  const names = namesOf(stmt.attlist);
  const targets = names.length > 0 ? names.map((name) => {
    const index = table.columns.findIndex((c) => c.name === name);
    if (index < 0) throw new SqlError(SqlState.undefinedColumn, `column "${name}" of relation "${table.def.name}" does not exist`);
    return index;
  }) : table.columns.map((_, i) => i);
  if (stmt.whereClause) throw notSupported("COPY FROM ... WHERE");
  const width = table.columns.length;
  const provided = new Array<number>(width).fill(-1);
  targets.forEach((column, j) => (provided[column] = j));
  const empty = { row: new Layout([]), outer: [], param: null };
  const defaults = table.columns.map((_, i) => (provided[i]! >= 0 ? null : dml.columnDefault(table, i))).map((d) => (d ? compileExpr(d, empty) : null));
  const rel = 1;
  const checkScope = table.def.checks.map((c) => ({ name: c.name, expr: dml.bindStored(c.expr.ast, table, rel) }));
  const checks = checkScope.map((c) => ({ name: c.name, fn: compileExpr(c.expr, { row: new Layout([{ rel, width }]), outer: [], param: null }) }));
  const txn = session.transaction();
  if (txn.readOnly) throw new SqlError(SqlState.readOnlySqlTransaction, "cannot execute COPY FROM in a read-only transaction");
  txn.beginStatement();
  txn.wrote = true;
  const engine = txn.engine();
  const ctx = session.execContext(txn.reader(), []);
  const types: SqlType[] = targets.map((i) => table.types[i]!);
  const typmods = targets.map((i) => table.columns[i]!.typmod);
  const pending = new Set<string>();
  const uniques = table.secondary.filter((i) => i.def.unique);
  let ops: [Uint8Array, Uint8Array | null][] = [];
  const flush = (): void => {
    if (ops.length > 0) {
      engine.writeBatch(ops);
      bulkBytes(batchBytes(ops));
    }
    ops = [];
    // Written keys are the transaction's own writes now, which txn.latest() sees: `pending`
    // only has to cover the batch not yet written.
    pending.clear();
  };
  let count = 0;
  let lineNumber = 0;
  const insert = async (fields: (string | null)[]): Promise<void> => {
    lineNumber++;
    if (fields.length !== targets.length) {
      throw new SqlError(SqlState.badCopyFileFormat, fields.length < targets.length ? `missing data for column "${table.columns[targets[fields.length]!]!.name}"` : "extra data after last expected column", {
        detail: `COPY ${table.def.name}, line ${lineNumber}`,
      });
    }
    const row: Row = new Array<SqlValue>(width);
    for (let i = 0; i < width; i++) {
      const j = provided[i]!;
      if (j >= 0) {
        const text = fields[j]!;
        try {
          row[i] = text === null ? null : parseStyled(types[j]!, text, typmods[j]!, ctx.types);
        } catch (error) {
          if (error instanceof SqlError) {
            throw new SqlError(error.code, error.message, { detail: `COPY ${table.def.name}, line ${lineNumber}, column ${table.columns[i]!.name}: "${text}"` });
          }
          throw error;
        }
      } else row[i] = defaults[i] ? defaults[i]!([], ctx) : null;
    }
    checkRow(table, row, checks, ctx);
    const rowId = table.hasPrimaryKey ? undefined : session.cluster.sequences.nextval(table.def.rowIdSequence!, ROW_ID_SEQUENCE);
    const primaryKey = table.indexKey(table.primary, row, rowId);
    const value = table.layout.encode(row);
    if (table.hasPrimaryKey) {
      const text = Buffer.from(primaryKey).toString("latin1");
      const lockKey = rowLockKey(table.def.oid, 0, primaryKey);
      const granted = session.cluster.locks.acquire(txn.owner, lockKey, "exclusive", session.interrupts);
      if (granted !== true) await granted;
      if (pending.has(text) || txn.latest(primaryKey) !== null) throw uniqueViolation(table, table.primary, row, ctx);
      pending.add(text);
    }
    for (const index of uniques) {
      if (table.hasNullKey(index, row) || (index.predicate && !index.predicate(row))) continue;
      const key = table.indexKey(index, row);
      const text = `${index.def.id}:${Buffer.from(key).toString("latin1")}`;
      const lockKey = rowLockKey(table.def.oid, index.def.id, key);
      const granted = session.cluster.locks.acquire(txn.owner, lockKey, "exclusive", session.interrupts);
      if (granted !== true) await granted;
      if (pending.has(text) || txn.latest(key) !== null) throw uniqueViolation(table, index, row, ctx);
      pending.add(text);
    }
    ops.push([primaryKey, value]);
    for (const index of table.secondary) {
      const entry = indexEntry(table, index, row, primaryKey);
      if (entry) ops.push([entry.key, entry.value]);
    }
    if (ops.length >= 4000) flush();
    count++;
  };
  const stream = sink.copyIn({ format: 0, columnFormats: targets.map(() => 0) });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let carry = "";
  let headerSkipped = !format.header;
  let ended = false;
  try {
    for await (const chunk of stream) {
      if (ended) continue;
      let text: string;
      try {
        text = carry + decoder.decode(chunk, { stream: true });
      } catch {
        throw new SqlError(SqlState.characterNotInRepertoire, 'invalid byte sequence for encoding "UTF8"');
      }
      if (format.csv) {
        const { records, rest } = parseCsv(text, format, false);
        carry = rest;
        for (const record of records) {
          if (!headerSkipped) {
            headerSkipped = true;
            continue;
          }
          if (record.length === 1 && record[0] === "\\.") {
            ended = true;
            break;
          }
          await insert(record);
        }
      } else {
        const lines = text.split("\n");
        carry = lines.pop()!;
        for (const rawLine of lines) {
          const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
          if (line === "\\.") {
            ended = true;
            break;
          }
          if (!headerSkipped) {
            headerSkipped = true;
            continue;
          }
          await insert(splitTextLine(line, format));
        }
      }
      session.interrupts.check();
    }
    if (!ended) {
      const tail = carry + decoder.decode();
      if (format.csv) {
        const { records } = parseCsv(tail, format, true);
        for (const record of records) {
          if (!headerSkipped) {
            headerSkipped = true;
            continue;
          }
          if (record.length === 1 && record[0] === "\\.") break;
          await insert(record);
        }
      } else if (tail !== "" && tail !== "\\.") {
        if (headerSkipped) await insert(splitTextLine(tail.endsWith("\r") ? tail.slice(0, -1) : tail, format));
      }
    }
    flush();
  } finally {
    txn.endStatement();
  }
  sink.commandComplete(`COPY ${count}`);
}

export async function runCopy(session: SqlSession, stmt: Ast.CopyStmt, sink: ExecuteSink): Promise<void> {
  if (stmt.filename !== undefined || stmt.is_program) {
    throw notSupported("COPY to or from a file or program", "Use COPY ... FROM STDIN or TO STDOUT (psql's \\copy).");
  }
  const format = formatOf((stmt.options ?? []).map((node) => bodyOf<Ast.DefElem>(node)));
  if (stmt.is_from) await copyFrom(session, stmt, format, sink);
  else await copyTo(session, stmt, format, sink);
}

export { concatBytes };
