// Regenerates the PostgreSQL fixtures in ./fixtures by running every case against a real
// PostgreSQL 15 server. CI never runs this; it only compares with the stored answers.
//
//   PGZ_FIXTURE_PG=postgres://postgres@127.0.0.1:54329/postgres bun test/sql/types/regen-fixtures.ts
//
// A throwaway server: initdb -D /tmp/pg -U postgres -A trust --locale=C.UTF-8 -E UTF8, then
// postgres -D /tmp/pg -p 54329 -k /tmp -c listen_addresses=127.0.0.1.

import pg from "pg";
import {
  binaryCases,
  castCases,
  castZones,
  orderingCases,
  randomInputFragments,
  sessionZones,
  textInputCases,
  typmodCases,
  zoneInputCases,
} from "./fixture-cases.ts";
import {
  fixtureDir,
  type BinaryFixture,
  type CastFixture,
  type FloatFixture,
  type NumericFixture,
  type OrderingFixture,
  type PgResult,
  type TextInputFixture,
  type TypmodFixture,
} from "./fixture-format.ts";

const url = process.env.PGZ_FIXTURE_PG ?? "postgres://postgres@127.0.0.1:54329/postgres";
const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (value: string) => value } });

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

interface PgClientError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  where?: string;
}

function errorResult(error: unknown): PgResult {
  const e = error as PgClientError;
  if (typeof e.code !== "string") throw error;
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(e.detail ? { detail: e.detail } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.where ? { context: e.where } : {}),
    },
  };
}

async function scalar(sql: string): Promise<PgResult> {
  try {
    const result = await client.query({ text: sql, rowMode: "array" });
    const row = result.rows[0] as (string | null)[] | undefined;
    return { output: row?.[0] ?? null };
  } catch (error) {
    return errorResult(error);
  }
}

async function setZone(zone: string): Promise<void> {
  await client.query(`SET TimeZone = ${quote(zone)}`);
}

async function textInputs(): Promise<TextInputFixture[]> {
  const cases: TextInputFixture[] = [];
  await setZone("UTC");
  for (const [type, inputs] of textInputCases) {
    for (const input of inputs) cases.push({ type, input, zone: "UTC", result: await scalar(`SELECT ${quote(input)}::${type}`) });
  }
  for (const zone of sessionZones) {
    await setZone(zone);
    for (const input of zoneInputCases) {
      const type = "timestamp with time zone";
      cases.push({ type, input, zone, result: await scalar(`SELECT ${quote(input)}::${type}`) });
    }
  }
  return cases;
}

async function typmods(): Promise<TypmodFixture[]> {
  const cases: TypmodFixture[] = [];
  await setZone("UTC");
  for (const [type, inputs] of typmodCases) {
    await client.query(`DROP TABLE IF EXISTS pgz_fixture; CREATE TEMP TABLE pgz_fixture (v ${type})`);
    for (const input of inputs) {
      const explicit = await scalar(`SELECT ${quote(input)}::${type}`);
      const assignment = await scalar(`INSERT INTO pgz_fixture VALUES (${quote(input)}) RETURNING v`);
      cases.push({ type, input, explicit, assignment });
    }
  }
  return cases;
}

async function casts(): Promise<CastFixture[]> {
  const cases: CastFixture[] = [];
  for (const zone of castZones) {
    await setZone(zone);
    for (const [from, to, input] of castCases) {
      cases.push({ from, to, input, zone, result: await scalar(`SELECT (${quote(input)}::${from})::${to}`) });
    }
  }
  return cases;
}

async function orderings(): Promise<OrderingFixture[]> {
  await setZone("UTC");
  const cases: OrderingFixture[] = [];
  for (const [type, values] of orderingCases) {
    const rows = values.map((value, i) => `(${i}, ${quote(value)}::${type})`).join(", ");
    const result = await client.query({
      text: `SELECT rank() OVER (ORDER BY v) FROM (VALUES ${rows}) AS t(i, v) ORDER BY i`,
      rowMode: "array",
    });
    cases.push({ type, values, ranks: (result.rows as string[][]).map((row) => Number(row[0])) });
  }
  return cases;
}

const sendFunctions: Record<string, string> = {
  boolean: "boolsend",
  bytea: "byteasend",
  '"char"': "charsend",
  name: "namesend",
  bigint: "int8send",
  smallint: "int2send",
  integer: "int4send",
  text: "textsend",
  oid: "oidsend",
  json: "json_send",
  real: "float4send",
  "double precision": "float8send",
  "character(4)": "bpcharsend",
  "character varying": "varcharsend",
  date: "date_send",
  time: "time_send",
  timestamp: "timestamp_send",
  "timestamp with time zone": "timestamptz_send",
  interval: "interval_send",
  numeric: "numeric_send",
  uuid: "uuid_send",
  jsonb: "jsonb_send",
};

async function binaries(): Promise<BinaryFixture[]> {
  await setZone("UTC");
  const cases: BinaryFixture[] = [];
  for (const [type, inputs] of binaryCases) {
    const send = type.endsWith("[]") ? "array_send" : sendFunctions[type]!;
    for (const input of inputs) {
      const value = `${quote(input)}::${type}`;
      const result = await client.query({ text: `SELECT encode(${send}(${value}), 'hex'), ${value}`, rowMode: "array" });
      const [hex, text] = result.rows[0] as [string, string];
      cases.push({ type, input, hex, text });
    }
  }
  return cases;
}

/** mulberry32: a small seeded generator so the numeric cases are reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomNumeric(next: () => number): string {
  const pick = next();
  if (pick < 0.02) return "NaN";
  if (pick < 0.04) return next() < 0.5 ? "Infinity" : "-Infinity";
  if (pick < 0.08) return next() < 0.5 ? "0" : "0.000";
  const digits = 1 + Math.floor(next() * (next() < 0.2 ? 40 : 12));
  let text = "";
  for (let i = 0; i < digits; i++) text += Math.floor(next() * 10);
  const scale = Math.floor(next() * Math.min(digits + 4, 25));
  const padded = text.padStart(scale + 1, "0");
  const body = scale === 0 ? padded : `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  return (next() < 0.4 ? "-" : "") + body;
}

async function numerics(): Promise<NumericFixture[]> {
  const next = random(20240601);
  const cases: NumericFixture[] = [];
  const ops = ["+", "-", "*", "/", "%"] as const;
  for (let i = 0; i < 500; i++) {
    const a = randomNumeric(next);
    if (i % 5 === 4) {
      const precision = 1 + Math.floor(next() * 20);
      const scale = Math.floor(next() * (precision + 4)) - 3;
      const b = `${precision},${scale}`;
      cases.push({ op: "typmod", a, b, result: await scalar(`SELECT ${quote(a)}::numeric(${b})`) });
      continue;
    }
    const op = ops[Math.floor(next() * ops.length)]!;
    const b = next() < 0.05 ? "0" : randomNumeric(next);
    cases.push({ op, a, b, result: await scalar(`SELECT ${quote(a)}::numeric ${op} ${quote(b)}::numeric`) });
  }
  return cases;
}

/** Seeded random concatenations of date/time and number fragments, in three zones. */
async function randomInputs(): Promise<TextInputFixture[]> {
  const next = random(19700101);
  const cases: TextInputFixture[] = [];
  const types = Object.keys(randomInputFragments);
  for (let i = 0; i < 1500; i++) {
    const family = types[Math.floor(next() * types.length)]!;
    const fragments = randomInputFragments[family]!;
    let input = "";
    for (let n = 1 + Math.floor(next() * 6); n > 0; n--) input += fragments[Math.floor(next() * fragments.length)];
    const type = family === "timestamp" ? (next() < 0.5 ? "timestamp" : "timestamp with time zone") : family;
    const zone = sessionZones[Math.floor(next() * 4)]!;
    await setZone(zone);
    cases.push({ type, input, zone, result: await scalar(`SELECT ${quote(input)}::${type}`) });
  }
  return cases;
}

/** Seeded ISO-shaped timestamps with random (often invalid) fields: the input fast path. */
async function isoInputs(): Promise<TextInputFixture[]> {
  const next = random(20000101);
  const pad = (value: number, width: number): string => String(value).padStart(width, "0");
  const upTo = (limit: number): number => Math.floor(next() * limit);
  const cases: TextInputFixture[] = [];
  for (let i = 0; i < 600; i++) {
    const year = next() < 0.1 ? upTo(10) : next() < 0.1 ? 5874897 + upTo(3) : next() < 0.1 ? 294276 + upTo(3) : upTo(3000);
    let input = `${pad(year, 4)}-${pad(upTo(14), 2)}-${pad(upTo(33), 2)}`;
    if (next() < 0.8) input += `${next() < 0.5 ? " " : "T"}${pad(upTo(26), 2)}:${pad(upTo(61), 2)}`;
    if (next() < 0.6) input += `:${pad(upTo(62), 2)}`;
    if (next() < 0.4) input += `.${String(upTo(1e9)).slice(0, 1 + upTo(8))}`;
    if (next() < 0.4) input += next() < 0.3 ? "Z" : `${next() < 0.5 ? "+" : "-"}${pad(upTo(17), 2)}${next() < 0.5 ? `:${pad(upTo(61), 2)}` : ""}`;
    const type = ["timestamp", "timestamp with time zone", "date"][upTo(3)]!;
    const zone = sessionZones[upTo(4)]!;
    await setZone(zone);
    cases.push({ type, input, zone, result: await scalar(`SELECT ${quote(input)}::${type}`) });
  }
  return cases;
}

/** Random float bit patterns and large integers: shortest-digit output and its tie rules. */
async function floats(): Promise<FloatFixture[]> {
  const next = random(31415926);
  const view = new DataView(new ArrayBuffer(8));
  const cases: FloatFixture[] = [];
  for (let i = 0; i < 1500; i++) {
    const single = i % 2 === 0;
    let value: number;
    if (next() < 0.4) {
      value = Math.floor(next() * 2 ** (single ? 31 : 62));
    } else if (single) {
      view.setUint32(0, Math.floor(next() * 2 ** 32));
      value = view.getFloat32(0);
    } else {
      view.setUint32(0, Math.floor(next() * 2 ** 32));
      view.setUint32(4, Math.floor(next() * 2 ** 32));
      value = view.getFloat64(0);
    }
    if (!Number.isFinite(value)) continue;
    const type = single ? "real" : "double precision";
    const literal = (single ? Math.fround(value) : value).toPrecision(17);
    const result = await client.query({ text: `SELECT ${quote(literal)}::${type}`, rowMode: "array" });
    cases.push({ type, literal, output: (result.rows[0] as string[])[0]! });
  }
  return cases;
}

async function write(name: string, server: string, cases: readonly unknown[]): Promise<void> {
  await Bun.write(`${fixtureDir}/${name}`, `${JSON.stringify({ server, cases }, null, 1)}\n`);
  console.log(`${name}: ${cases.length} cases`);
}

await client.connect();
await client.query("SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1");
const server = ((await client.query({ text: "SHOW server_version", rowMode: "array" })).rows[0] as string[])[0]!;
await write("text-io.json", server, await textInputs());
await write("typmod.json", server, await typmods());
await write("casts.json", server, await casts());
await write("ordering.json", server, await orderings());
await write("binary.json", server, await binaries());
await write("numeric.json", server, await numerics());
await write("random-text-io.json", server, [...(await randomInputs()), ...(await isoInputs())]);
await write("floats.json", server, await floats());
await client.end();
