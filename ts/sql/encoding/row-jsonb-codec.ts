// Row format of jsonb: a small tree of tagged nodes (strings and keys with varint lengths,
// numbers in numeric's row format), read back without re-parsing JSON text.

import { Jsonb, JsonbObject, type JsonbNode } from "../types/jsonb.ts";
import { Numeric } from "../types/numeric.ts";
import { readVarint, rowCorrupt, RowWriter } from "./row-buffer.ts";
import { numericCodec, readUtf8, writeLengthPrefixed, type StorageCodec } from "./row-scalar-codecs.ts";

const textEncoder = new TextEncoder();

const JSON_NULL = 0;
const JSON_FALSE = 1;
const JSON_TRUE = 2;
const JSON_STRING = 3;
const JSON_NUMBER = 4;
const JSON_ARRAY = 5;
const JSON_OBJECT = 6;

function writeString(value: string, out: RowWriter): void {
  const bytes = textEncoder.encode(value);
  out.varint(bytes.length);
  out.append(bytes);
}

function writeJsonNode(node: JsonbNode, out: RowWriter): void {
  if (node === null) return out.u8(JSON_NULL);
  if (typeof node === "boolean") return out.u8(node ? JSON_TRUE : JSON_FALSE);
  if (typeof node === "string") {
    out.u8(JSON_STRING);
    return writeString(node, out);
  }
  if (node instanceof Numeric) {
    out.u8(JSON_NUMBER);
    return writeLengthPrefixed(numericCodec, node, out);
  }
  if (node instanceof JsonbObject) {
    out.u8(JSON_OBJECT);
    out.varint(node.size);
    for (let i = 0; i < node.size; i++) {
      writeString(node.keys[i]!, out);
      writeJsonNode(node.values[i]!, out);
    }
    return;
  }
  const items = node as readonly JsonbNode[];
  out.u8(JSON_ARRAY);
  out.varint(items.length);
  for (const item of items) writeJsonNode(item, out);
}

class TreeReader {
  constructor(
    private readonly row: Uint8Array,
    public at: number,
  ) {}
  varint(): number {
    const { value, next } = readVarint(this.row, this.at);
    this.at = next;
    return value;
  }
  string(): string {
    const length = this.varint();
    const value = readUtf8(this.row, this.at, length);
    this.at += length;
    return value;
  }
  node(): JsonbNode {
    const tag = this.row[this.at++];
    switch (tag) {
      case JSON_NULL:
        return null;
      case JSON_FALSE:
        return false;
      case JSON_TRUE:
        return true;
      case JSON_STRING:
        return this.string();
      case JSON_NUMBER: {
        const length = this.varint();
        const value = numericCodec.read(this.row, this.at, length) as Numeric;
        this.at += length;
        return value;
      }
      case JSON_ARRAY: {
        const items: JsonbNode[] = [];
        for (let count = this.varint(); count > 0; count--) items.push(this.node());
        return items;
      }
      case JSON_OBJECT: {
        const entries: [string, JsonbNode][] = [];
        for (let count = this.varint(); count > 0; count--) entries.push([this.string(), this.node()]);
        return JsonbObject.from(entries);
      }
      default:
        throw rowCorrupt(`bad jsonb tag ${tag}`);
    }
  }
}

export const jsonbCodec: StorageCodec = {
  width: -1,
  write: (v, out) => writeJsonNode((v as Jsonb).root, out),
  read: (row, offset) => new Jsonb(new TreeReader(row, offset).node()),
};
