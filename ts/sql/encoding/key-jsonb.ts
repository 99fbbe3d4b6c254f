// Order-preserving jsonb encoding, following compareJsonbContainers: containers compare by
// size first, a top-level scalar is a one-element "raw scalar" array that sorts before a real
// one-element array, and values of different types order null < string < number < boolean
// < array < object.

import { Numeric } from "../types/numeric.ts";
import { Jsonb, JsonbObject, type JsonbNode } from "../types/jsonb.ts";
import { KeyCorrupt, type KeyReader, type KeyWriter } from "./key-buffer.ts";
import { decodeNumericKey, encodeNumericKey } from "./key-numeric.ts";
import { decodeCountKey, decodeTextKey, encodeCountKey, encodeTextKey } from "./key-scalars.ts";

const ROOT_ARRAY = 0x01;
const ROOT_OBJECT = 0x02;
const RAW_SCALAR = 0x00;
const REAL_ARRAY = 0x01;

const NULL = 0x01;
const STRING = 0x02;
const NUMBER = 0x03;
const BOOLEAN = 0x04;
const ARRAY = 0x05;
const OBJECT = 0x06;

function encodeObjectBody(object: JsonbObject, out: KeyWriter): void {
  encodeCountKey(object.size, out);
  for (let i = 0; i < object.size; i++) {
    encodeTextKey(object.keys[i]!, out);
    encodeNode(object.values[i]!, out);
  }
}

function encodeNode(node: JsonbNode, out: KeyWriter): void {
  if (node === null) return out.u8(NULL);
  if (typeof node === "string") {
    out.u8(STRING);
    return encodeTextKey(node, out);
  }
  if (node instanceof Numeric) {
    out.u8(NUMBER);
    return encodeNumericKey(node, out);
  }
  if (typeof node === "boolean") {
    out.u8(BOOLEAN);
    return out.u8(node ? 1 : 0);
  }
  if (node instanceof JsonbObject) {
    out.u8(OBJECT);
    return encodeObjectBody(node, out);
  }
  const items = node as readonly JsonbNode[];
  out.u8(ARRAY);
  encodeCountKey(items.length, out);
  for (const item of items) encodeNode(item, out);
}

export function encodeJsonbKey(value: Jsonb, out: KeyWriter): void {
  const root = value.root;
  if (root instanceof JsonbObject) {
    out.u8(ROOT_OBJECT);
    return encodeObjectBody(root, out);
  }
  const isArray = Array.isArray(root);
  const items = isArray ? (root as readonly JsonbNode[]) : [root];
  out.u8(ROOT_ARRAY);
  encodeCountKey(items.length, out);
  out.u8(isArray ? REAL_ARRAY : RAW_SCALAR);
  for (const item of items) encodeNode(item, out);
}

function decodeObjectBody(input: KeyReader): JsonbObject {
  const size = decodeCountKey(input);
  const entries: [string, JsonbNode][] = [];
  for (let i = 0; i < size; i++) entries.push([decodeTextKey(input), decodeNode(input)]);
  return JsonbObject.from(entries);
}

function decodeNode(input: KeyReader): JsonbNode {
  const tag = input.u8();
  switch (tag) {
    case NULL:
      return null;
    case STRING:
      return decodeTextKey(input);
    case NUMBER:
      return decodeNumericKey(input);
    case BOOLEAN:
      return input.u8() === 1;
    case OBJECT:
      return decodeObjectBody(input);
    case ARRAY: {
      const length = decodeCountKey(input);
      const items: JsonbNode[] = [];
      for (let i = 0; i < length; i++) items.push(decodeNode(input));
      return items;
    }
    default:
      throw new KeyCorrupt(`bad jsonb tag ${tag}`);
  }
}

export function decodeJsonbKey(input: KeyReader): Jsonb {
  const tag = input.u8();
  if (tag === ROOT_OBJECT) return new Jsonb(decodeObjectBody(input));
  if (tag !== ROOT_ARRAY) throw new KeyCorrupt(`bad jsonb root tag ${tag}`);
  const length = decodeCountKey(input);
  const raw = input.u8() === RAW_SCALAR;
  const items: JsonbNode[] = [];
  for (let i = 0; i < length; i++) items.push(decodeNode(input));
  if (raw) {
    if (items.length !== 1) throw new KeyCorrupt("raw jsonb scalar with other than one element");
    return new Jsonb(items[0]!);
  }
  return new Jsonb(items);
}
