// jsonb operators and functions (->, ->>, #>, #>>, @>, <@, ?, ?|, ?&, ||, -, the builders
// and to_jsonb). json values are validated text; their operators work on the parsed
// document and print it in jsonb's normalized form.

import { SqlError, SqlState } from "../errors.ts";
import { Jsonb, JsonbObject, Numeric, PgArray, type JsonbNode, type SqlType, type SqlValue, type TypeContext } from "../types/index.ts";
import { formatNode } from "../types/jsonb.ts";
import { Oid } from "../types/index.ts";
import { compareJsonb } from "../types/jsonb.ts";

export function fieldOf(value: Jsonb, key: string): Jsonb | null {
  const root = value.root;
  if (!(root instanceof JsonbObject)) return null;
  const found = root.get(key);
  return found === undefined ? null : new Jsonb(found);
}

export function elementOf(value: Jsonb, index: number): Jsonb | null {
  const root = value.root;
  if (!Array.isArray(root)) return null;
  const items = root as readonly JsonbNode[];
  const at = index < 0 ? items.length + index : index;
  const found = items[at];
  return found === undefined ? null : new Jsonb(found);
}

export function pathOf(value: Jsonb, path: readonly (string | null)[]): Jsonb | null {
  let current: Jsonb | null = value;
  for (const step of path) {
    if (current === null || step === null) return null;
    const root: JsonbNode = current.root;
    if (root instanceof JsonbObject) current = fieldOf(current, step);
    else if (Array.isArray(root)) {
      if (!/^-?\d+$/.test(step)) return null;
      current = elementOf(current, Number(step));
    } else return null;
  }
  return current;
}

/** ->> and #>>: strings unquoted, JSON null as SQL NULL. */
export function asText(value: Jsonb | null): string | null {
  if (value === null) return null;
  const root = value.root;
  if (root === null) return null;
  if (typeof root === "string") return root;
  return formatNode(root);
}

function nodeEquals(a: JsonbNode, b: JsonbNode): boolean {
  return compareJsonb(new Jsonb(a), new Jsonb(b)) === 0;
}

function containsNode(a: JsonbNode, b: JsonbNode): boolean {
  if (a instanceof JsonbObject) {
    if (!(b instanceof JsonbObject)) return false;
    for (let i = 0; i < b.keys.length; i++) {
      const found = a.get(b.keys[i]!);
      if (found === undefined || !containsNode(found, b.values[i]!)) return false;
    }
    return true;
  }
  if (Array.isArray(a)) {
    const items = a as readonly JsonbNode[];
    if (Array.isArray(b)) {
      return (b as readonly JsonbNode[]).every((needle) =>
        items.some((item) => (needle instanceof JsonbObject || Array.isArray(needle) ? containsNode(item, needle) : !(item instanceof JsonbObject) && !Array.isArray(item) && nodeEquals(item, needle))),
      );
    }
    return false;
  }
  if (b instanceof JsonbObject || Array.isArray(b)) return false;
  return nodeEquals(a, b);
}

/** a @> b. A top-level array contains a scalar it holds (PostgreSQL's special case). */
export function contains(a: Jsonb, b: Jsonb): boolean {
  const left = a.root;
  const right = b.root;
  if (Array.isArray(left) && !(right instanceof JsonbObject) && !Array.isArray(right)) {
    return (left as readonly JsonbNode[]).some((item) => !(item instanceof JsonbObject) && !Array.isArray(item) && nodeEquals(item, right));
  }
  return containsNode(left, right);
}

export function hasKey(value: Jsonb, key: string): boolean {
  const root = value.root;
  if (root instanceof JsonbObject) return root.get(key) !== undefined;
  if (Array.isArray(root)) return (root as readonly JsonbNode[]).some((item) => item === key);
  return root === key;
}

export function concat(a: Jsonb, b: Jsonb): Jsonb {
  const left = a.root;
  const right = b.root;
  if (left instanceof JsonbObject && right instanceof JsonbObject) {
    const entries: [string, JsonbNode][] = left.keys.map((k, i) => [k, left.values[i]!]);
    right.keys.forEach((k, i) => entries.push([k, right.values[i]!]));
    return new Jsonb(JsonbObject.from(entries));
  }
  const toArray = (node: JsonbNode): readonly JsonbNode[] => (Array.isArray(node) ? (node as readonly JsonbNode[]) : [node]);
  return new Jsonb([...toArray(left), ...toArray(right)]);
}

export function deleteKey(value: Jsonb, key: string): Jsonb {
  const root = value.root;
  if (root instanceof JsonbObject) {
    return new Jsonb(JsonbObject.from(root.keys.map((k, i) => [k, root.values[i]!] as const).filter(([k]) => k !== key)));
  }
  if (Array.isArray(root)) return new Jsonb((root as readonly JsonbNode[]).filter((item) => item !== key));
  throw new SqlError(SqlState.invalidParameterValue, "cannot delete from scalar");
}

export function deleteIndex(value: Jsonb, index: number): Jsonb {
  const root = value.root;
  if (!Array.isArray(root)) {
    throw new SqlError(SqlState.invalidParameterValue, root instanceof JsonbObject ? "cannot delete from object using integer index" : "cannot delete from scalar");
  }
  const items = [...(root as readonly JsonbNode[])];
  const at = index < 0 ? items.length + index : index;
  if (at >= 0 && at < items.length) items.splice(at, 1);
  return new Jsonb(items);
}

export function typeofJsonb(value: Jsonb): string {
  const root = value.root;
  if (root === null) return "null";
  if (typeof root === "string") return "string";
  if (typeof root === "boolean") return "boolean";
  if (root instanceof Numeric) return "number";
  if (root instanceof JsonbObject) return "object";
  return "array";
}

export function arrayLength(value: Jsonb): number {
  const root = value.root;
  if (!Array.isArray(root)) {
    throw new SqlError(SqlState.invalidParameterValue, root instanceof JsonbObject ? "cannot get array length of a non-array" : "cannot get array length of a scalar");
  }
  return root.length;
}

/** jsonb_set(target, path, new_value, create_missing). */
export function setPath(target: Jsonb, path: readonly (string | null)[], replacement: Jsonb, createMissing: boolean): Jsonb {
  const set = (node: JsonbNode, depth: number): JsonbNode => {
    if (depth === path.length) return replacement.root;
    const step = path[depth];
    if (step === null || step === undefined) throw new SqlError(SqlState.nullValueNotAllowed, `path element at position ${depth + 1} is null`);
    if (node instanceof JsonbObject) {
      const existing = node.get(step);
      if (existing === undefined && (!createMissing || depth < path.length - 1)) return node;
      const entries: [string, JsonbNode][] = node.keys.map((k, i) => [k, node.values[i]!]);
      const updated = set(existing ?? null, depth + 1);
      const index = entries.findIndex(([k]) => k === step);
      if (index >= 0) entries[index] = [step, updated];
      else entries.push([step, updated]);
      return JsonbObject.from(entries);
    }
    if (Array.isArray(node)) {
      const items = [...(node as readonly JsonbNode[])];
      if (!/^-?\d+$/.test(step)) {
        throw new SqlError(SqlState.invalidTextRepresentation, `path element at position ${depth + 1} is not an integer: "${step}"`);
      }
      let index = Number(step);
      if (index < 0) index += items.length;
      if (index >= 0 && index < items.length) items[index] = set(items[index]!, depth + 1);
      else if (createMissing && depth === path.length - 1) {
        if (index < 0) items.unshift(replacement.root);
        else items.push(replacement.root);
      }
      return items;
    }
    return node;
  };
  if (!(target.root instanceof JsonbObject) && !Array.isArray(target.root)) {
    throw new SqlError(SqlState.invalidParameterValue, "cannot set path in scalar");
  }
  return new Jsonb(set(target.root, 0));
}

/** to_jsonb(value of type): SQL values as JSON. */
export function toJsonbNode(value: SqlValue, type: SqlType, ctx: TypeContext): JsonbNode {
  if (value === null) return null;
  if (value instanceof Jsonb) return value.root;
  if (value instanceof PgArray) {
    const elementType = type;
    const nested = value.toNested();
    const convert = (items: readonly unknown[]): JsonbNode[] =>
      items.map((item) => (Array.isArray(item) ? convert(item) : toJsonbNode(item as SqlValue, elementType, ctx)));
    return convert(nested);
  }
  switch (type.oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.int8:
    case Oid.oid:
      return Numeric.fromInteger(value as number | bigint);
    case Oid.float4:
    case Oid.float8: {
      const number = value as number;
      if (!Number.isFinite(number)) return type.format(number, ctx);
      return Jsonb.parse(type.format(number, ctx)).root;
    }
    case Oid.numeric: {
      const number = value as Numeric;
      return number.isFinite() ? number : number.toString();
    }
    case Oid.bool:
      return value as boolean;
    case Oid.json:
      return Jsonb.parse(value as string).root;
    case Oid.timestamp:
    case Oid.timestamptz:
      return type.format(value, ctx).replace(" ", "T");
    default:
      return type.format(value, ctx);
  }
}

export function buildObject(pairs: readonly [string, JsonbNode][]): Jsonb {
  return new Jsonb(JsonbObject.from(pairs));
}

export function jsonbPretty(value: Jsonb): string {
  const render = (node: JsonbNode, indent: string): string => {
    if (node instanceof JsonbObject) {
      if (node.size === 0) return "{\n" + indent + "}";
      const inner = indent + "    ";
      return `{\n${node.keys.map((k, i) => `${inner}${JSON.stringify(k)}: ${render(node.values[i]!, inner)}`).join(",\n")}\n${indent}}`;
    }
    if (Array.isArray(node)) {
      const items = node as readonly JsonbNode[];
      if (items.length === 0) return "[\n" + indent + "]";
      const inner = indent + "    ";
      return `[\n${items.map((item) => inner + render(item, inner)).join(",\n")}\n${indent}]`;
    }
    return formatNode(node);
  };
  return render(value.root, "");
}
