// Helpers over libpg-query's parse tree (protobuf JSON: every node is a one-key object
// `{ Tag: body }`, and fields holding default values — 0, false, empty lists — are omitted).

import type { Node } from "@pgsql/types";
import { SqlError, SqlState } from "./errors.ts";

export type { Node };
export type * as Ast from "@pgsql/types";

/** The node's tag ("SelectStmt", "A_Const", ...). */
export function tagOf(node: Node): string {
  for (const key in node) return key;
  throw new SqlError(SqlState.internalError, "empty parse tree node");
}

/** The node's body, typed by the caller after checking the tag. */
export function bodyOf<T>(node: Node): T {
  for (const key in node) return (node as Record<string, unknown>)[key] as T;
  throw new SqlError(SqlState.internalError, "empty parse tree node");
}

/** The body when the node has this tag, else undefined. */
export function asNode<T>(node: Node | undefined, tag: string): T | undefined {
  if (node === undefined) return undefined;
  const value = (node as Record<string, unknown>)[tag];
  return value === undefined ? undefined : (value as T);
}

/** The text of a String node (names in lists). */
export function stringOf(node: Node): string {
  const body = asNode<{ sval?: string }>(node, "String");
  if (body) return body.sval ?? "";
  const star = asNode<object>(node, "A_Star");
  if (star) return "*";
  throw new SqlError(SqlState.internalError, `expected a name, got ${tagOf(node)}`);
}

/** Names of a list of String nodes, e.g. a qualified name. */
export function namesOf(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).map(stringOf);
}

/** 1-based character position of a 0-based byte offset into `sql` (PostgreSQL reports characters). */
export function characterPosition(sql: string, byteOffset: number): number {
  let bytes = 0;
  let chars = 0;
  for (const char of sql) {
    if (bytes >= byteOffset) break;
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    chars++;
  }
  return chars + 1;
}

/**
 * Where an expression starts: the smallest location in its tree. Like PostgreSQL's
 * exprLocation, this is the left operand of `x + 1` rather than the operator.
 */
export function expressionStart(node: Node | undefined): number | undefined {
  let start: number | undefined;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value !== null && typeof value === "object") {
      for (const [key, field] of Object.entries(value)) {
        if (key === "location" && typeof field === "number" && field >= 0) start = start === undefined ? field : Math.min(start, field);
        else visit(field);
      }
    }
  };
  visit(node);
  return start;
}
