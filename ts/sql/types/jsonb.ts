// jsonb values: a parsed, normalized document. Numbers are Numeric (jsonb keeps 2.50 as
// written but compares it equal to 2.5); object keys are unique (the last duplicate wins)
// and kept in jsonb's storage order: shorter keys first, then by bytes.

import { Numeric } from "./numeric.ts";
import { parseNumericText } from "./numeric-text.ts";
import { parseJson, type JsonEvent } from "./json-parse.ts";
import { compareText } from "./text-compare.ts";
import { combineHash, hashString } from "./hash.ts";

/** One node of a jsonb document. JSON null is `null`. */
export type JsonbNode = null | boolean | string | Numeric | readonly JsonbNode[] | JsonbObject;

/** UTF-8 length of a string without encoding it. */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

/** jsonb's key order (lengthCompareJsonbString): byte length first, then bytes. */
export function compareJsonbKeys(a: string, b: string): number {
  const lengths = utf8Length(a) - utf8Length(b);
  return lengths !== 0 ? Math.sign(lengths) : compareText(a, b);
}

/** A jsonb object: keys unique and sorted in storage order, values aligned with them. */
export class JsonbObject {
  readonly keys: readonly string[];
  readonly values: readonly JsonbNode[];

  private constructor(keys: readonly string[], values: readonly JsonbNode[]) {
    this.keys = keys;
    this.values = values;
  }

  /** Sorts and removes duplicate keys; the last value given for a key wins. */
  static from(entries: Iterable<readonly [string, JsonbNode]>): JsonbObject {
    const byKey = new Map<string, JsonbNode>();
    for (const [key, value] of entries) {
      byKey.delete(key);
      byKey.set(key, value);
    }
    const keys = [...byKey.keys()].sort(compareJsonbKeys);
    return new JsonbObject(keys, keys.map((key) => byKey.get(key)!));
  }

  get size(): number {
    return this.keys.length;
  }

  get(key: string): JsonbNode | undefined {
    const index = this.keys.indexOf(key);
    return index < 0 ? undefined : this.values[index];
  }
}

/** A jsonb value. Wrapping the root keeps JSON null apart from SQL NULL. */
export class Jsonb {
  constructor(readonly root: JsonbNode) {}

  /** jsonb_in. */
  static parse(text: string): Jsonb {
    return new Jsonb(parseJson(text, jsonbBuilder, true));
  }

  /**
   * From plain JavaScript data (JSON.parse output and the like). Numbers become Numeric via
   * their shortest decimal form; bigint is exact; undefined members are dropped.
   */
  static fromJs(value: unknown): Jsonb {
    return new Jsonb(nodeFromJs(value));
  }

  /** jsonb_out: `{"a": 1, "b": [1, 2]}`. */
  toString(): string {
    return formatNode(this.root);
  }
}

const jsonbBuilder: JsonEvent<JsonbNode> = {
  scalar(kind, text) {
    if (kind === "string") return text;
    if (kind === "number") return parseNumericText(text);
    if (kind === "null") return null;
    return kind === "true";
  },
  array: (items) => items,
  object: (keys, values) => JsonbObject.from(keys.map((key, i) => [key, values[i]!] as const)),
};

function nodeFromJs(value: unknown): JsonbNode {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (value instanceof Numeric) return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`jsonb cannot hold ${value}`);
    return parseNumericText(String(value));
  }
  if (typeof value === "bigint") return Numeric.fromInteger(value);
  if (Array.isArray(value)) return value.map((item: unknown) => nodeFromJs(item === undefined ? null : item));
  if (value instanceof JsonbObject) return value;
  if (typeof value === "object") {
    const entries: [string, JsonbNode][] = [];
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) entries.push([key, nodeFromJs(member)]);
    }
    return JsonbObject.from(entries);
  }
  throw new TypeError(`jsonb cannot hold a ${typeof value}`);
}

/** escape_json: quotes, backslash and control characters; '/' and non-ASCII as is. */
export function quoteJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const code = text.charCodeAt(i);
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (code >= 32) out += char;
    else if (char === "\b") out += "\\b";
    else if (char === "\f") out += "\\f";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else out += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

export function formatNode(node: JsonbNode): string {
  if (node === null) return "null";
  if (typeof node === "boolean") return node ? "true" : "false";
  if (typeof node === "string") return quoteJsonString(node);
  if (node instanceof Numeric) return node.toString();
  if (node instanceof JsonbObject) {
    const members = node.keys.map((key, i) => `${quoteJsonString(key)}: ${formatNode(node.values[i]!)}`);
    return `{${members.join(", ")}}`;
  }
  return `[${node.map(formatNode).join(", ")}]`;
}

/** jsonb's type order: null < string < number < boolean < array < object. */
export function jsonbNodeRank(node: JsonbNode): number {
  if (node === null) return 0;
  if (typeof node === "string") return 1;
  if (node instanceof Numeric) return 2;
  if (typeof node === "boolean") return 3;
  if (node instanceof JsonbObject) return 5;
  return 4;
}

function compareNodes(a: JsonbNode, b: JsonbNode): number {
  const rank = jsonbNodeRank(a) - jsonbNodeRank(b);
  if (rank !== 0) return Math.sign(rank);
  if (typeof a === "string") return compareText(a, b as string);
  if (a instanceof Numeric) return a.compare(b as Numeric);
  if (typeof a === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (a instanceof JsonbObject) return compareObjects(a, b as JsonbObject);
  if (a === null) return 0;
  return compareArrays(a as readonly JsonbNode[], b as readonly JsonbNode[]);
}

/** Containers compare by size first, then member by member in storage order. */
function compareArrays(a: readonly JsonbNode[], b: readonly JsonbNode[]): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < a.length; i++) {
    const order = compareNodes(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return 0;
}

function compareObjects(a: JsonbObject, b: JsonbObject): number {
  if (a.size !== b.size) return a.size < b.size ? -1 : 1;
  for (let i = 0; i < a.size; i++) {
    const keyOrder = compareText(a.keys[i]!, b.keys[i]!);
    if (keyOrder !== 0) return keyOrder;
    const valueOrder = compareNodes(a.values[i]!, b.values[i]!);
    if (valueOrder !== 0) return valueOrder;
  }
  return 0;
}

/**
 * compareJsonbContainers: a top-level scalar is a one-element "raw scalar" array, so it
 * sorts with arrays by element count (an empty array sorts below every scalar), and before
 * a real array of one element.
 */
export function compareJsonb(a: Jsonb, b: Jsonb): number {
  const aObject = a.root instanceof JsonbObject;
  const bObject = b.root instanceof JsonbObject;
  if (aObject || bObject) {
    if (aObject && bObject) return compareObjects(a.root as JsonbObject, b.root as JsonbObject);
    return aObject ? 1 : -1;
  }
  const aItems = Array.isArray(a.root) ? (a.root as readonly JsonbNode[]) : [a.root];
  const bItems = Array.isArray(b.root) ? (b.root as readonly JsonbNode[]) : [b.root];
  if (aItems.length !== bItems.length) return aItems.length < bItems.length ? -1 : 1;
  const aRaw = !Array.isArray(a.root);
  const bRaw = !Array.isArray(b.root);
  if (aRaw !== bRaw) return aRaw ? -1 : 1;
  return compareArrays(aItems, bItems);
}

function hashNode(node: JsonbNode): number {
  if (node === null) return 0x3c6ef372;
  if (typeof node === "boolean") return node ? 0x1b873593 : 0x5bd1e995;
  if (typeof node === "string") return hashString(node, 1);
  if (node instanceof Numeric) return hashString(node.normalize().toString(), 2);
  if (node instanceof JsonbObject) {
    let hash = 0x11;
    for (let i = 0; i < node.size; i++) hash = combineHash(combineHash(hash, hashString(node.keys[i]!)), hashNode(node.values[i]!));
    return hash;
  }
  let hash = 0x10;
  for (const item of node as readonly JsonbNode[]) hash = combineHash(hash, hashNode(item));
  return hash;
}

export function hashJsonb(value: Jsonb): number {
  const raw = !Array.isArray(value.root) && !(value.root instanceof JsonbObject);
  return combineHash(raw ? 1 : 0, hashNode(value.root));
}
