// Parsing with libpg-query (PostgreSQL's own grammar compiled to WebAssembly). Parse trees
// are cached by statement text; callers must treat them as immutable.

import { loadModule, parseSync, scanSync } from "libpg-query";
import type { Node } from "./ast.ts";
import { SqlError, SqlState } from "./errors.ts";

/** One statement of a query string. */
export interface ParsedStatement {
  readonly ast: Node;
  /** The statement's own text (for plan caching and error positions). */
  readonly text: string;
  /** Byte offset of the statement in the whole string. */
  readonly offset: number;
}

let loaded: Promise<void> | null = null;

/** Loads the parser's WebAssembly module; call once before parse(). */
export function initParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

const CACHE_ENTRIES_MAX = 2000;
const cache = new Map<string, readonly ParsedStatement[]>();

interface ParseError {
  message?: string;
  sqlDetails?: { message?: string; cursorPosition?: number };
}

interface RawStatement {
  stmt?: Node;
  stmt_location?: number;
  stmt_len?: number;
}

function byteSlice(bytes: Uint8Array, start: number, end: number): string {
  return new TextDecoder().decode(bytes.subarray(start, end));
}

/**
 * COMPACT (pgz's own statement, not PostgreSQL grammar): a query string holding only the
 * word COMPACT, in any case, with an optional semicolon. It parses to a node of its own.
 */
const COMPACT_TEXT = /^\s*compact\s*;?\s*$/i;
export const COMPACT_TAG = "PgzCompactStmt";
const compactStatement = { [COMPACT_TAG]: {} } as unknown as Node;

/** Parses `sql` into statements; a syntax error is 42601 with its position. */
export function parse(sql: string): readonly ParsedStatement[] {
  const cached = cache.get(sql);
  if (cached) return cached;
  if (COMPACT_TEXT.test(sql)) return [{ ast: compactStatement, text: sql, offset: 0 }];
  let result: { stmts?: RawStatement[] };
  try {
    result = parseSync(sql) as { stmts?: RawStatement[] };
  } catch (error) {
    const failure = error as ParseError;
    const message = failure.sqlDetails?.message ?? failure.message ?? "syntax error";
    if (message === "Query cannot be empty") return [];
    const cursor = failure.sqlDetails?.cursorPosition;
    // The scanner's cursor counts characters (parse-tree locations count bytes).
    const fields = cursor === undefined ? {} : { position: cursor + 1 };
    throw new SqlError(SqlState.syntaxError, message, fields);
  }
  const raw = result.stmts ?? [];
  const ascii = !/[^\x00-\x7f]/.test(sql);
  const bytes = ascii ? null : new TextEncoder().encode(sql);
  const total = bytes ? bytes.length : sql.length;
  const statements: ParsedStatement[] = [];
  for (const entry of raw) {
    if (!entry.stmt) continue;
    const start = entry.stmt_location ?? 0;
    const end = entry.stmt_len === undefined || entry.stmt_len === 0 ? total : start + entry.stmt_len;
    const text = bytes ? byteSlice(bytes, start, end) : sql.slice(start, end);
    statements.push({ ast: entry.stmt, text: raw.length === 1 ? sql : text, offset: raw.length === 1 ? 0 : start });
  }
  if (cache.size >= CACHE_ENTRIES_MAX) cache.delete(cache.keys().next().value!);
  cache.set(sql, statements);
  return statements;
}

/** PostgreSQL's NAMEDATALEN - 1: identifiers longer than this many bytes are truncated. */
const IDENTIFIER_BYTES_MAX = 63;

interface ScanToken {
  readonly text: string;
  readonly tokenName: string;
}

/**
 * The notices PostgreSQL's scanner gives for identifiers it truncates ("identifier ... will
 * be truncated to ..."). Most statements have no word that long, so the scan is skipped.
 */
export function identifierTruncations(sql: string): string[] {
  if (!/[^\s,;().]{64,}/.test(sql)) return [];
  let tokens: readonly ScanToken[];
  try {
    tokens = (scanSync(sql) as { tokens?: ScanToken[] }).tokens ?? [];
  } catch {
    return [];
  }
  const messages: string[] = [];
  const encoder = new TextEncoder();
  for (const token of tokens) {
    if (token.tokenName !== "IDENT") continue;
    const quoted = token.text.startsWith('"');
    const name = quoted ? token.text.slice(1, -1).replaceAll('""', '"') : token.text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
    if (encoder.encode(name).length <= IDENTIFIER_BYTES_MAX) continue;
    let truncated = "";
    let bytes = 0;
    for (const char of name) {
      const size = encoder.encode(char).length;
      if (bytes + size > IDENTIFIER_BYTES_MAX) break;
      truncated += char;
      bytes += size;
    }
    messages.push(`identifier "${name}" will be truncated to "${truncated}"`);
  }
  return messages;
}
