// SQL scaling benchmark: point lookups and range scans on a primary key and on secondary
// indexes take the same time on a small and a 20x larger table, because they read only the
// rows they return. Both tables live in one pgz server (`bun ts/cli.ts serve`, as users run
// it) and are measured in the same run, interleaved, so the machine's drift affects both.
//
//   bun bench/sql-scale.ts                          20k and 400k rows, 2000 runs per query
//   bun bench/sql-scale.ts --small 10000 --big 200000 --runs 500
//
// Each table: id int PRIMARY KEY, code int UNIQUE (3 * id), grp int (id / 10, indexed:
// ten rows per value), label text. Every query returns the same number of rows at both
// sizes. Prints EXPLAIN for each query on the big table (the access path), the median and
// mean time per query for each size, and the big/small ratio; a ratio near 1.0 means the
// time does not grow with the table. The last line is one JSON object with the numbers.

import { parseArgs } from "node:util";
import pg from "pg";
import { startPgz } from "../test/tools/support/pgz.ts";

const { values: flags } = parseArgs({
  options: {
    small: { type: "string", default: "20000" },
    big: { type: "string", default: "400000" },
    runs: { type: "string", default: "2000" },
    help: { type: "boolean", default: false },
  },
  strict: true,
});

if (flags.help) {
  console.log("bun bench/sql-scale.ts [--small ROWS] [--big ROWS] [--runs N]");
  process.exit(0);
}

const smallRows = Number(flags.small);
const bigRows = Number(flags.big);
const runs = Number(flags.runs);
for (const [name, n] of [["small", smallRows], ["big", bigRows], ["runs", runs]] as const) {
  if (!Number.isInteger(n) || n < 100) {
    console.error(`bench/sql-scale.ts: --${name} must be an integer >= 100`);
    process.exit(2);
  }
}

interface QuerySpec {
  readonly name: string;
  readonly what: string;
  /** $T is replaced by the table name. */
  readonly sql: string;
  /** The parameter for run i on a table of `rows` rows. */
  readonly param: (i: number, rows: number) => number;
  readonly rowsReturned: number;
}

/** A spread-out sequence of row numbers in [1, rows - margin]. */
const spread = (i: number, rows: number, margin = 0): number => 1 + ((i * 7919 + 104_729) % (rows - margin));

const queries: readonly QuerySpec[] = [
  { name: "pk_point", what: "primary key, point", sql: "SELECT label FROM $T WHERE id = $1", param: (i, n) => spread(i, n), rowsReturned: 1 },
  { name: "pk_range", what: "primary key, range of 20", sql: "SELECT id, label FROM $T WHERE id BETWEEN $1 AND $1 + 19", param: (i, n) => spread(i, n, 20), rowsReturned: 20 },
  { name: "unique_point", what: "unique secondary index, point", sql: "SELECT id, label FROM $T WHERE code = $1", param: (i, n) => 3 * spread(i, n), rowsReturned: 1 },
  { name: "unique_range", what: "unique secondary index, range of 20", sql: "SELECT id, label FROM $T WHERE code BETWEEN $1 AND $1 + 59", param: (i, n) => 3 * spread(i, n, 20), rowsReturned: 20 },
  { name: "index_eq", what: "non-unique secondary index, 10 rows", sql: "SELECT id, label FROM $T WHERE grp = $1", param: (i, n) => 1 + (spread(i, n) % (Math.floor(n / 10) - 2)), rowsReturned: 10 },
];

const server = await startPgz({ sync: "full" });
const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: server.database });

async function load(table: string, rows: number): Promise<number> {
  const started = performance.now();
  await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, code int UNIQUE, grp int, label text)`);
  for (let start = 1; start <= rows; start += 50_000) {
    const end = Math.min(rows, start + 49_999);
    await client.query(`INSERT INTO ${table} SELECT g, 3 * g, g / 10, 'row ' || g FROM generate_series(${start}, ${end}) g`);
  }
  await client.query(`CREATE INDEX ${table}_grp ON ${table} (grp)`);
  return (performance.now() - started) / 1000;
}

function stats(samples: number[]): { median: number; mean: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { median: sorted[Math.floor(sorted.length / 2)]!, mean, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

type Result = { small: ReturnType<typeof stats>; big: ReturnType<typeof stats>; ratio: number };
const results: Record<string, Result> = {};

try {
  await client.connect();
  const loadSmall = await load("t_small", smallRows);
  const loadBig = await load("t_big", bigRows);
  console.log(`pgz sql-scale: tables of ${smallRows} and ${bigRows} rows (loaded in ${loadSmall.toFixed(1)} s and ${loadBig.toFixed(1)} s), ${runs} runs per query and size, prepared statements over TCP, times in microseconds`);
  console.log("");

  for (const query of queries) {
    const sql = { small: query.sql.replaceAll("$T", "t_small"), big: query.sql.replaceAll("$T", "t_big") };
    const plan = (await client.query(`EXPLAIN ${sql.big.replaceAll("$1", String(query.param(1, bigRows)))}`)).rows.map((r) => r["QUERY PLAN"]).join(" / ");
    // Warm up: both statements prepared, the code paths compiled.
    for (let i = 0; i < 200; i++) {
      await client.query({ name: `${query.name}_small`, text: sql.small, values: [query.param(i, smallRows)] });
      await client.query({ name: `${query.name}_big`, text: sql.big, values: [query.param(i, bigRows)] });
    }
    const times = { small: [] as number[], big: [] as number[] };
    for (let i = 0; i < runs; i++) {
      // Interleaved, alternating which goes first.
      for (const size of i % 2 === 0 ? (["small", "big"] as const) : (["big", "small"] as const)) {
        const rows = size === "small" ? smallRows : bigRows;
        const started = performance.now();
        const result = await client.query({ name: `${query.name}_${size}`, text: sql[size], values: [query.param(i, rows)] });
        times[size].push((performance.now() - started) * 1000);
        if (result.rows.length !== query.rowsReturned) {
          throw new Error(`${query.name} on ${size} returned ${result.rows.length} rows, expected ${query.rowsReturned}`);
        }
      }
    }
    const small = stats(times.small);
    const big = stats(times.big);
    results[query.name] = { small, big, ratio: big.median / small.median };
    console.log(`${query.name.padEnd(13)} ${query.what}`);
    console.log(`  plan (big): ${plan}`);
    console.log(
      `  ${String(smallRows).padStart(7)} rows: median ${small.median.toFixed(0).padStart(5)} us  mean ${small.mean.toFixed(0).padStart(5)} us  p99 ${small.p99.toFixed(0).padStart(5)} us`,
    );
    console.log(
      `  ${String(bigRows).padStart(7)} rows: median ${big.median.toFixed(0).padStart(5)} us  mean ${big.mean.toFixed(0).padStart(5)} us  p99 ${big.p99.toFixed(0).padStart(5)} us   big/small ${(big.median / small.median).toFixed(2)}x`,
    );
  }

  // For scale: a full scan of the big table, which a lookup must not resemble.
  const scanStarted = performance.now();
  await client.query("SELECT count(*) FROM t_big WHERE label = 'row 5'");
  const fullScanUs = (performance.now() - scanStarted) * 1000;
  console.log("");
  console.log(`full scan of ${bigRows} rows (for comparison): ${(fullScanUs / 1000).toFixed(1)} ms`);
  console.log(JSON.stringify({ small_rows: smallRows, big_rows: bigRows, runs, full_scan_us: Math.round(fullScanUs), queries: results }));
} finally {
  await client.end().catch(() => {});
  await server.stop();
}
