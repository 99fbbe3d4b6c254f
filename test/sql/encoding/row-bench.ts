// Row decoding speed: `bun test/sql/encoding/row-bench.ts`. Compares pgz's row format with
// JSON.parse of the same row (the obvious alternative) in the same run; prints ratios.

import { RowLayout } from "../../../ts/sql/encoding/row.ts";
import { Numeric } from "../../../ts/sql/types/numeric.ts";
import { typeByName } from "../../../ts/sql/types/registry.ts";
import type { SqlValue } from "../../../ts/sql/types/value.ts";

const t = (name: string) => typeByName(name)!;
const layout = new RowLayout(
  ["int8", "text", "text", "int4", "numeric", "timestamptz", "bool", "float8", "text", "int4"].map((name, i) => ({
    attnum: i + 1,
    type: t(name),
  })),
);

const ROWS = 20_000;
const rows: Uint8Array[] = [];
const json: string[] = [];
for (let i = 0; i < ROWS; i++) {
  const values: SqlValue[] = [
    BigInt(i),
    `user-${i}`,
    `user${i}@example.com`,
    20 + (i % 50),
    Numeric.of(BigInt(i * 137), 2),
    BigInt(i) * 1_000_000n + 700_000_000_000_000n,
    i % 2 === 0,
    i / 7,
    i % 3 === 0 ? null : "a somewhat longer description text for the row",
    i,
  ];
  rows.push(layout.encode(values));
  json.push(JSON.stringify(values.map((value) => (typeof value === "bigint" || value instanceof Numeric ? String(value) : value))));
}

function measure(name: string, run: () => void): number {
  for (let i = 0; i < 3; i++) run();
  const rounds = 10;
  const started = Bun.nanoseconds();
  for (let i = 0; i < rounds; i++) run();
  const nsPerRow = (Bun.nanoseconds() - started) / rounds / ROWS;
  console.log(`${name.padEnd(40)} ${(nsPerRow / 1000).toFixed(3)} µs/row  ${(1e9 / nsPerRow / 1e6).toFixed(2)} M rows/s`);
  return nsPerRow;
}

let sink = 0;
const all = layout.decoder();
const out: SqlValue[] = new Array<SqlValue>(10);
const full = measure("pgz decode all 10 columns", () => {
  for (const row of rows) sink += all.decode(row, out).length;
});
const two = layout.decoder([3, 9]);
const partialOut: SqlValue[] = new Array<SqlValue>(2);
const partial = measure("pgz decode 2 columns (int4, int4)", () => {
  for (const row of rows) sink += two.decode(row, partialOut).length;
});
const jsonTime = measure("JSON.parse of the same row (peer)", () => {
  for (const text of json) sink += (JSON.parse(text) as unknown[]).length;
});
const sample = all.decode(rows[1]!);
const encode = measure("pgz encode all 10 columns", () => {
  for (let i = 0; i < ROWS; i++) sink += layout.encode(sample).length;
});
const plain = JSON.parse(json[1]!) as unknown[];
const stringify = measure("JSON.stringify of the same row (peer)", () => {
  for (let i = 0; i < ROWS; i++) sink += JSON.stringify(plain).length;
});
const bytes = rows.reduce((total, row) => total + row.length, 0) / ROWS;
const jsonBytes = json.reduce((total, text) => total + text.length, 0) / ROWS;
console.log(`row size: ${bytes.toFixed(1)} bytes (JSON ${jsonBytes.toFixed(1)})`);
console.log(
  `ratios vs JSON: full decode ${(jsonTime / full).toFixed(2)}x, 2-column decode ${(jsonTime / partial).toFixed(2)}x, encode ${(stringify / encode).toFixed(2)}x`,
);
if (sink < 0) console.log(sink);
