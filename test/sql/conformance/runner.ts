// The SQL conformance runner, shared by the test (against pgz) and by
// scripts/regen-conformance.ts (against PostgreSQL): split a case file into statements, run
// them one by one on one connection in the simple query protocol, record what came back, and
// compare a recording with an expectation.

import pg from "pg";

// ---------------------------------------------------------------------------------------------
// Case files

/** One statement of a case file, with the directives written in the comments above it. */
export interface Statement {
  /** 1-based position in the file. */
  readonly index: number;
  /** 1-based line of the statement's first character. */
  readonly line: number;
  /** The text sent to the server: from the first token up to, not including, the `;`. */
  readonly sql: string;
  /** `-- unordered`: rows are compared as a multiset. */
  readonly unordered: boolean;
  /**
   * `-- optional`: beyond what pgz has to support (DISTINCT ON, functions the issue does not
   * list, catalog views, ...); a 0A000 (feature not supported), 42883 (undefined function) or
   * 42P01 (undefined table) answer is accepted in place of PostgreSQL's result.
   */
  readonly optional: boolean;
  /** EXPLAIN: plans differ by design, so only success (or the error's code) is compared. */
  readonly plan: boolean;
}

const directives = new Set(["unordered", "optional"]);

/**
 * Splits SQL text into statements at every `;` outside quotes ('...', E'...', "...",
 * $tag$...$tag$) and comments (-- and nested /* *\/). Comment lines (`-- ...`) before a
 * statement may hold directives; a comment line that is exactly `-- unordered` or
 * `-- optional` sets it. Text after the last `;` must be blank or comments.
 */
export function splitStatements(text: string, fileName = "<sql>"): Statement[] {
  const statements: Statement[] = [];
  let start = -1; // index of the current statement's first character, -1 before it starts
  let pending = new Set<string>();
  let i = 0;
  const lineAt = (offset: number): number => {
    let line = 1;
    for (let k = 0; k < offset; k++) if (text.charCodeAt(k) === 10) line++;
    return line;
  };
  const fail = (offset: number, what: string): never => {
    throw new Error(`${fileName}:${lineAt(offset)}: ${what}`);
  };
  const isIdent = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);

  while (i < text.length) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      if (start === -1) {
        const body = text.slice(i + 2, stop).trim();
        if (directives.has(body)) pending.add(body);
      }
      i = stop;
      continue;
    }
    if (ch === "/" && next === "*") {
      let depth = 0;
      let k = i;
      while (k < text.length) {
        if (text[k] === "/" && text[k + 1] === "*") {
          depth++;
          k += 2;
        } else if (text[k] === "*" && text[k + 1] === "/") {
          depth--;
          k += 2;
          if (depth === 0) break;
        } else k++;
      }
      if (depth !== 0) fail(i, "unterminated /* comment");
      i = k;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === ";") {
      if (start === -1) fail(i, "empty statement");
      const sql = text.slice(start, i).trimEnd();
      statements.push({
        index: statements.length + 1,
        line: lineAt(start),
        sql,
        unordered: pending.has("unordered"),
        optional: pending.has("optional"),
        plan: /^explain\b/i.test(sql),
      });
      start = -1;
      pending = new Set();
      i++;
      continue;
    }
    if (start === -1) start = i;
    if (ch === "'") {
      // E'...' strings take backslash escapes; standard strings only double the quote.
      const prefix = text[i - 1];
      const escapes = (prefix === "E" || prefix === "e") && !isIdent(text[i - 2]);
      let k = i + 1;
      for (;;) {
        if (k >= text.length) fail(i, "unterminated string literal");
        if (escapes && text[k] === "\\") k += 2;
        else if (text[k] === "'" && text[k + 1] === "'") k += 2;
        else if (text[k] === "'") break;
        else k++;
      }
      i = k + 1;
      continue;
    }
    if (ch === '"') {
      let k = i + 1;
      for (;;) {
        if (k >= text.length) fail(i, "unterminated quoted identifier");
        if (text[k] === '"' && text[k + 1] === '"') k += 2;
        else if (text[k] === '"') break;
        else k++;
      }
      i = k + 1;
      continue;
    }
    if (ch === "$" && !isIdent(text[i - 1])) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i));
      if (tag !== null) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        if (close === -1) fail(i, `unterminated dollar-quoted string ${tag[0]}`);
        i = close + tag[0].length;
        continue;
      }
    }
    i++;
  }
  if (start !== -1) fail(start, "statement without a terminating ';'");
  return statements;
}

// ---------------------------------------------------------------------------------------------
// Recordings

export interface Column {
  readonly name: string;
  readonly typeOid: number;
}

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  /** 1-based character position in the statement, as the server reports it. */
  readonly position?: number;
}

export interface Notice {
  readonly severity: string;
  readonly code: string;
  readonly message: string;
}

/** What one statement did. Exactly one of `command` (success) and `error` is present. */
export interface Outcome {
  readonly line: number;
  readonly sql: string;
  /** The command tag as sent by the server: "SELECT 3", "INSERT 0 1", "CREATE TABLE". */
  readonly command?: string;
  /** Present when the server sent a row description (queries, RETURNING). */
  readonly columns?: readonly Column[];
  /** Text-format values; null for SQL NULL. Present together with `columns`. */
  readonly rows?: readonly (readonly (string | null)[])[];
  readonly error?: ErrorInfo;
  readonly notices?: readonly Notice[];
  /** Transaction status after the statement when not idle: "T" in a block, "E" in a failed one. */
  readonly status?: "T" | "E";
}

export interface ExpectationFile {
  readonly file: string;
  /** The PostgreSQL version the expectations were recorded with. */
  readonly recordedWith: string;
  readonly statements: readonly Outcome[];
}

export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;
}

/** A statement taking longer than this ends the run: the server is taken to be stuck. */
const statementTimeoutMs = 20_000;

/** The code recorded when the connection itself failed (not an SQL error). */
export const connectionLostCode = "connection-lost";

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
  severity?: unknown;
}

function isServerError(error: unknown): error is DriverError & { code: string } {
  return typeof error === "object" && error !== null && typeof (error as DriverError).code === "string" && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}

function errorInfo(error: DriverError & { code: string }): ErrorInfo {
  return {
    code: error.code,
    message: String(error.message ?? ""),
    ...(typeof error.detail === "string" ? { detail: error.detail } : {}),
    ...(typeof error.hint === "string" ? { hint: error.hint } : {}),
    ...(typeof error.position === "string" ? { position: Number(error.position) } : {}),
  };
}

/** Sorts rows into a canonical order, for statements whose row order is unspecified. */
export function canonicalRows(rows: readonly (readonly (string | null)[])[]): (readonly (string | null)[])[] {
  return rows
    .map((row) => ({ row, key: JSON.stringify(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.row);
}

/**
 * Runs the statements in order on one new connection. Values stay in text format (every type
 * parser returns the server's text). If the connection fails, the remaining statements are
 * recorded as not run, with the code `connection-lost`.
 */
export async function runStatements(target: ConnectionInfo, statements: readonly Statement[]): Promise<Outcome[]> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    ...(target.password !== undefined ? { password: target.password } : {}),
    types: { getTypeParser: () => (value: string) => value },
    query_timeout: statementTimeoutMs,
  });
  let tag: string | null = null;
  let columns: Column[] | null = null;
  let notices: Notice[] = [];
  let lost: string | null = null;
  client.on("notice", (notice) => {
    notices.push({ severity: notice.severity ?? "", code: notice.code ?? "", message: notice.message ?? "" });
  });
  client.on("error", (error) => {
    lost ??= error.message;
  });
  client.connection.on("commandComplete", (message: { text: string }) => {
    tag = message.text;
  });
  // pg settles a failed query at the ErrorResponse, before ReadyForQuery brings the
  // transaction status, so each statement also waits for its own ReadyForQuery.
  let onReady: ((status: string) => void) | null = null;
  client.connection.on("readyForQuery", (message: { status: string }) => {
    const settle = onReady;
    onReady = null;
    settle?.(message.status);
  });
  client.connection.on("rowDescription", (message: { fields: { name: string; dataTypeID: number }[] }) => {
    columns = message.fields.map((field) => ({ name: field.name, typeOid: field.dataTypeID }));
  });

  const outcomes: Outcome[] = [];
  try {
    await client.connect();
  } catch (error) {
    lost = isServerError(error) ? `${error.code}: ${String(error.message)}` : String(error);
  }
  for (const statement of statements) {
    const head = { line: statement.line, sql: statement.sql };
    if (lost !== null) {
      outcomes.push({ ...head, error: { code: connectionLostCode, message: `not run: ${lost}` } });
      continue;
    }
    tag = null;
    columns = null;
    notices = [];
    const ready = new Promise<string>((resolve) => {
      onReady = resolve;
    });
    let outcome: Outcome;
    try {
      const result = await client.query({ text: statement.sql, rowMode: "array" });
      const rows = result.rows as (string | null)[][];
      const recorded: (string | null)[][] = statement.unordered ? canonicalRows(rows).map((row) => [...row]) : rows;
      const cols = columns as Column[] | null;
      outcome = {
        ...head,
        command: tag ?? "",
        ...(cols !== null ? { columns: cols, rows: recorded } : {}),
      };
    } catch (error) {
      if (!isServerError(error)) {
        lost = String(error instanceof Error ? error.message : error);
        outcomes.push({ ...head, error: { code: connectionLostCode, message: lost } });
        continue;
      }
      if (error.severity === "FATAL" || error.severity === "PANIC") lost = `${error.code}: ${String(error.message)}`;
      outcome = { ...head, error: errorInfo(error) };
    }
    let timer: Timer | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), statementTimeoutMs);
    });
    const status = await Promise.race([ready, timeout]);
    clearTimeout(timer);
    if (status === null) lost = "no ReadyForQuery after the statement";
    outcomes.push({
      ...outcome,
      ...(notices.length > 0 ? { notices } : {}),
      ...(status === "T" || status === "E" ? { status } : {}),
    });
  }
  await client.end().catch(() => {});
  return outcomes;
}

// ---------------------------------------------------------------------------------------------
// Comparison

/**
 * SQLSTATEs whose message, detail and position pgz must reproduce exactly. For every other
 * code only the code must match; a different message, detail or position is a soft mismatch:
 * reported, not failed (PGZ_CONFORMANCE_STRICT=1 fails them too).
 */
export const exactMessageCodes: ReadonlySet<string> = new Set([
  "42601", // syntax_error (with the position)
  "42P01", // undefined_table
  "42703", // undefined_column
  "42P07", // duplicate_table
  "23502", // not_null_violation
  "23505", // unique_violation
  "23514", // check_violation
  "22012", // division_by_zero
  "22003", // numeric_value_out_of_range
  "25P02", // in_failed_sql_transaction
]);

/** What an `-- optional` statement may answer instead: not supported, no such function or relation. */
const optionalAnswers: ReadonlySet<string> = new Set(["0A000", "42883", "42P01"]);

export interface Verdict {
  /** Mismatches that fail the statement. */
  readonly hard: readonly string[];
  /** Mismatches that are reported only (messages outside the list above, notices, hints). */
  readonly soft: readonly string[];
  /** An optional statement answered with one of optionalAnswers. */
  readonly unsupported: boolean;
}

const show = (value: unknown): string => JSON.stringify(value);

function compareErrors(expected: ErrorInfo, actual: ErrorInfo, hard: string[], soft: string[]): void {
  if (expected.code !== actual.code) {
    hard.push(`error code: expected ${expected.code}, got ${actual.code} (${show(actual.message)})`);
    return;
  }
  const into = exactMessageCodes.has(expected.code) ? hard : soft;
  if (expected.message !== actual.message) into.push(`error message: expected ${show(expected.message)}, got ${show(actual.message)}`);
  if (expected.detail !== actual.detail) into.push(`error detail: expected ${show(expected.detail)}, got ${show(actual.detail)}`);
  if (expected.position !== actual.position) into.push(`error position: expected ${show(expected.position)}, got ${show(actual.position)}`);
  if (expected.hint !== actual.hint) soft.push(`error hint: expected ${show(expected.hint)}, got ${show(actual.hint)}`);
}

/** Compares what pgz did with what PostgreSQL did for one statement. */
export function compareOutcome(statement: Statement, expected: Outcome, actual: Outcome): Verdict {
  const hard: string[] = [];
  const soft: string[] = [];
  if (statement.optional && actual.error !== undefined && optionalAnswers.has(actual.error.code) && expected.error?.code !== actual.error.code) {
    return { hard, soft: [`not supported (optional): ${actual.error.message}`], unsupported: true };
  }
  if (expected.error !== undefined) {
    if (actual.error === undefined) hard.push(`expected error ${expected.error.code} (${show(expected.error.message)}), got success: ${actual.command}`);
    else compareErrors(expected.error, actual.error, hard, soft);
  } else if (actual.error !== undefined) {
    hard.push(`expected success (${expected.command}), got error ${actual.error.code}: ${show(actual.error.message)}`);
  } else if (!statement.plan) {
    if (expected.command !== actual.command) hard.push(`command tag: expected ${show(expected.command)}, got ${show(actual.command)}`);
    if (show(expected.columns) !== show(actual.columns)) {
      hard.push(`columns: expected ${show(expected.columns)}, got ${show(actual.columns)}`);
    } else if (expected.rows !== undefined && actual.rows !== undefined) {
      const want = statement.unordered ? canonicalRows(expected.rows) : expected.rows;
      const got = statement.unordered ? canonicalRows(actual.rows) : actual.rows;
      if (show(want) !== show(got)) hard.push(`rows${statement.unordered ? " (unordered)" : ""}: expected ${show(want)}, got ${show(got)}`);
    }
  }
  if (expected.status !== actual.status) hard.push(`transaction status: expected ${expected.status ?? "idle"}, got ${actual.status ?? "idle"}`);
  if (show(expected.notices ?? []) !== show(actual.notices ?? [])) {
    soft.push(`notices: expected ${show(expected.notices ?? [])}, got ${show(actual.notices ?? [])}`);
  }
  return { hard, soft, unsupported: false };
}

// ---------------------------------------------------------------------------------------------
// Stable JSON

/**
 * JSON with two-space indentation where a value that holds only primitives (a row, a column,
 * an error) stays on one line, so an expectation file diffs one row or field per line.
 */
export function formatJson(value: unknown, indent = ""): string {
  const flat = (v: unknown): boolean => v === null || typeof v !== "object";
  if (flat(value)) return JSON.stringify(value);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every(flat)) return JSON.stringify(value);
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  if (entries.every(([, v]) => flat(v))) {
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}}`;
  }
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(",\n")}\n${indent}}`;
}
