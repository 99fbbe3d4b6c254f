// In-process cost of pgbench's select-only transaction under `-M prepared`: a Connection
// and the SQL backend over a fake transport (no sockets, no kernel, no pgbench), driven with
// pre-encoded Bind/Execute/Sync messages for `SELECT abalance FROM pgbench_accounts WHERE
// aid = $1`, as pgbench sends them. Prints wall and CPU time per transaction and the heap
// the runtime reports, so changes to the message path can be compared without the noise of
// a loopback benchmark.
//
//   bun bench/select-path.ts --data-dir DIR      a directory `pgbench -i` loaded (pgz, stopped)
//   bun bench/select-path.ts                     a fresh temporary table of --rows rows
//   flags: --rows N (fresh table; default 100000)  --txns N (default 200000)
//          --observer on|off (statement metrics as `pgz serve` reports them; default on)
//          --rounds N (measured rounds, default 3; the best is reported last)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { heapStats } from "bun:jsc";
import { Cluster } from "../ts/sql/cluster.ts";
import { SqlBackend } from "../ts/sql/backend.ts";
import { Activity } from "../ts/sql/activity.ts";
import { JobRunner } from "../ts/metrics/jobs.ts";
import { Metrics, OpsObserver } from "../ts/metrics/index.ts";
import { Connection, type ConnectionHost, type Transport } from "../ts/pgwire/connection.ts";

const { values: flags } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    rows: { type: "string", default: "100000" },
    txns: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
    observer: { type: "string", default: "on" },
  },
  strict: true,
});

const quiet = {
  debug() {},
  info() {},
  warn(fields: unknown, message: string) {
    console.warn(message, fields);
  },
  error(fields: unknown, message: string) {
    console.error(message, fields);
  },
};

const fresh = flags["data-dir"] === undefined;
const dataDir = flags["data-dir"] ?? mkdtempSync(join(tmpdir(), "pgz-select-path-"));
const rows = fresh ? Number(flags.rows) : 0;
const cluster = await Cluster.open(dataDir, { sync: "full" }, { password: null }, quiet as never);
const observer =
  flags.observer === "on" ? new OpsObserver({ metrics: new Metrics({ processMetrics: false }).server, logger: quiet as never, slowStatementMs: null }) : null;
const backend = new SqlBackend(cluster, {
  auth: "trust",
  services: { activity: new Activity(observer), jobs: new JobRunner({ engine: cluster.db, logger: quiet as never }) },
});

// ---------------------------------------------------------------- messages

const utf8 = new TextEncoder();
const cstr = (s: string): number[] => [...utf8.encode(s), 0];
const i16 = (v: number): number[] => [(v >> 8) & 255, v & 255];
const i32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function message(type: string, body: number[]): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- a connection on a fake transport

let readyWaiter: (() => void) | null = null;
let lastOutput = 0;
const transport: Transport = {
  write(data) {
    lastOutput = data.length;
    // ReadyForQuery ('Z', length 5, status) ends every reply the harness waits for.
    if (data.length >= 6 && data[data.length - 6] === 0x5a) {
      const waiter = readyWaiter;
      readyWaiter = null;
      waiter?.();
    }
    return data.length;
  },
  end() {},
  pause() {},
  resume() {},
  tlsAvailable: false,
  startTls() {},
  destroy() {},
  remoteAddress: "127.0.0.1",
  unixSocket: false,
};
const host: ConnectionHost = {
  backend,
  log: quiet,
  mockSecret: new Uint8Array(32),
  channelBinding: null,
  settings: {
    maxMessageBytes: 1 << 30,
    outputHighWaterBytes: 256 * 1024,
    outputLowWaterBytes: 64 * 1024,
    outputBufferBytesMax: 64 << 20,
    inputHighWaterBytes: 1 << 20,
    authenticationTimeoutMs: 60_000,
  },
  admit: () => true,
  cancelRequest() {},
  closed() {},
};
const connection = new Connection(transport, host, 4242);

/** Send bytes and wait for the ReadyForQuery that ends the reply. */
function roundTrip(bytes: Uint8Array): Promise<void> {
  const ready = new Promise<void>((resolve) => {
    readyWaiter = resolve;
  });
  connection.onData(bytes);
  return ready;
}

const startupBody = [...i32(196608), ...cstr("user"), ...cstr("postgres"), ...cstr("database"), ...cstr("postgres"), 0];
const startup = new Uint8Array(4 + startupBody.length);
new DataView(startup.buffer).setInt32(0, 4 + startupBody.length);
startup.set(startupBody, 4);
await roundTrip(startup);

const query = (sql: string) => roundTrip(message("Q", cstr(sql)));
let accounts = 1_000_000;
if (fresh) {
  await query("CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))");
  for (let from = 1; from <= rows; from += 50_000) {
    const to = Math.min(rows, from + 49_999);
    await query(`INSERT INTO pgbench_accounts SELECT g, 1 + (g - 1) / 100000, 0, '' FROM generate_series(${from}, ${to}) g`);
  }
  accounts = rows;
}

await roundTrip(concat(message("P", [...cstr("P0_1"), ...cstr("SELECT abalance FROM pgbench_accounts WHERE aid = $1;"), ...i16(0)]), message("S", [])));

// pgbench -M prepared: Bind (text parameter, text results), Execute, Sync per transaction.
const transactions: Uint8Array[] = [];
for (let i = 0; i < 1024; i++) {
  const aid = utf8.encode(String(1 + Math.floor(Math.random() * accounts)));
  transactions.push(
    concat(
      message("B", [...cstr(""), ...cstr("P0_1"), ...i16(0), ...i16(1), ...i32(aid.length), ...aid, ...i16(0)]),
      message("E", [...cstr(""), ...i32(0)]),
      message("S", []),
    ),
  );
}

async function run(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await roundTrip(transactions[i & 1023]!);
}

const txns = Number(flags.txns);
await run(Math.min(20_000, txns));
let best = Infinity;
for (let round = 0, rounds = Number(flags.rounds); round < rounds; round++) {
  Bun.gc(true);
  const heapBefore = heapStats();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await run(txns);
  const wall = ((performance.now() - t0) * 1000) / txns;
  const used = process.cpuUsage(c0);
  const cpu = (used.user + used.system) / txns;
  const heapAfter = heapStats();
  best = Math.min(best, cpu);
  console.log(
    `${txns} txns: ${wall.toFixed(2)} us/txn wall, ${cpu.toFixed(2)} us/txn cpu; heap ${(heapBefore.heapSize / 2 ** 20).toFixed(1)} -> ${(heapAfter.heapSize / 2 ** 20).toFixed(1)} MiB, ${heapAfter.objectCount} objects; reply ${lastOutput} bytes`,
  );
}
console.log(`best cpu ${best.toFixed(2)} us/txn (observer ${flags.observer}, ${fresh ? `fresh table of ${rows} rows` : dataDir})`);

await cluster.close();
if (fresh) rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
