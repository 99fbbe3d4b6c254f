// Storage-engine benchmark: pgz against bun:sqlite, same process, same keys, values and
// batching. Prints ops/s, latency percentiles, the pgz/sqlite ratio, peak RSS and pgz's
// write amplification per workload; the last line is one JSON object
// { "<workload>_<size>": { pgz_ops_s, sqlite_ops_s, ratio }, ... }.
//
//   bun bench/engine.ts                 full run (see --help for sizes)
//   bun bench/engine.ts --quick         a smoke run in seconds
//
// Fairness rules (see bench/RESULTS.md): 16-byte keys; incompressible values; the fill and
// overwrite workloads write batches of --batch rows (1,000) per transaction in both engines;
// those and the read workloads run pgz with sync "normal" against SQLite synchronous=NORMAL
// (WAL): both acknowledge a commit once it is written to the OS, without an fsync per
// commit (pgz syncs every 200 ms, SQLite at each WAL checkpoint). The durable-commit
// workloads run pgz sync "full" against SQLite synchronous=FULL (WAL): both fsync before
// acknowledging. SQLite's page cache is set to pgz's block-cache size. Dirty pages are
// written back (sync) before every timed workload, outside the timing, so that neither
// engine's reads compete with write-back left over by the other engine's writes.
// Both engines run a small untimed warm-up first (JIT), and the durable-commit levels run
// in interleaved rounds, so that neither engine is measured alone in a noisier stretch.
import { mkdirSync, mkdtempSync, rmSync, statSync, readdirSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Database } from "bun:sqlite";
import { Db, type EngineStats, type Isolation } from "../ts/engine/index.ts";
import { KeySpace, Rng, ValueSource, shuffled, sizeLabel, makeKey, keySizeBytes } from "./lib/data.ts";
import { PgzEngine, SqliteEngine, type Engine, type EngineName, type Row } from "./lib/engines.ts";
import { Histogram, formatNs } from "./lib/histogram.ts";
import { formatBytes, ioCounters, peakRssBytes, resetPeakRss } from "./lib/proc.ts";
import type { WriterConfig, WriterResult } from "./lib/rww-writer.ts";

// ---------------------------------------------------------------- options

const allWorkloads = ["fillseq", "fillrandom", "overwrite", "readrandom", "readseq", "seekrandom", "readwhilewriting", "durable"] as const;
type Workload = (typeof allWorkloads)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    keys: { type: "string" },
    "large-keys": { type: "string" },
    workloads: { type: "string" },
    values: { type: "string" },
    dir: { type: "string" },
    batch: { type: "string" },
    seeks: { type: "string" },
    nexts: { type: "string" },
    "rww-seconds": { type: "string" },
    committers: { type: "string" },
    "commit-seconds": { type: "string" },
    isolation: { type: "string" },
    "cache-mib": { type: "string" },
    seed: { type: "string" },
    help: { type: "boolean", default: false },
  },
  strict: true,
});

if (flags.help) {
  console.log(`bun bench/engine.ts [flags]
  --quick               small sizes: a smoke run in seconds
  --keys N              keys for values up to 1 KiB (default 1,000,000; quick 20,000)
  --large-keys N        keys for values over 1 KiB (default 100,000; quick 2,000)
  --values a,b,...      value sizes in bytes (default 100,1024,16384)
  --workloads a,b,...   of ${allWorkloads.join(", ")} (default all)
  --dir PATH            where databases go (default a temp dir, removed after)
  --batch N             rows per transaction in fill/overwrite (default 1,000)
  --seeks N             seekrandom seeks (default keys/10, at most 100,000)
  --nexts N             entries read after each seek (default 100)
  --rww-seconds S       readwhilewriting duration per engine (default 30; quick 1)
  --committers a,b,...  concurrent durable committers (default 1,8,64)
  --commit-seconds S    duration per durable-commit level, in up to 5 interleaved rounds (default 5; quick 0.5)
  --isolation I         pgz transactions: snapshot (default) or unchecked
  --cache-mib N         pgz block cache and SQLite page cache (default 64)
  --seed N              data and order seed (default 1)`);
  process.exit(0);
}

function intFlag(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll("_", "").replaceAll(",", ""));
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${value}`);
  return Math.floor(n);
}

function listFlag(value: string | undefined): string[] | undefined {
  return value?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

const quick = flags.quick!;
const smallKeys = intFlag(flags.keys, quick ? 20_000 : 1_000_000);
const largeKeys = intFlag(flags["large-keys"], quick ? 2_000 : 100_000);
const valueSizes = (listFlag(flags.values) ?? ["100", "1024", "16384"]).map((v) => intFlag(v, 100));
const selected = new Set<Workload>((listFlag(flags.workloads) as Workload[] | undefined) ?? allWorkloads);
for (const w of selected) if (!allWorkloads.includes(w)) throw new Error(`unknown workload ${w} (known: ${allWorkloads.join(", ")})`);
const batchRows = intFlag(flags.batch, 1000);
const nexts = intFlag(flags.nexts, 100);
const rwwSeconds = Number(flags["rww-seconds"] ?? (quick ? 1 : 30));
const committerLevels = (listFlag(flags.committers) ?? ["1", "8", "64"]).map((c) => intFlag(c, 1));
const commitSeconds = Number(flags["commit-seconds"] ?? (quick ? 0.5 : 5));
const isolation = (flags.isolation ?? "snapshot") as Isolation;
if (isolation !== "snapshot" && isolation !== "unchecked") throw new Error("--isolation must be snapshot or unchecked");
const cacheBytes = intFlag(flags["cache-mib"], 64) * 1024 * 1024;
const seed = intFlag(flags.seed, 1);

const baseDir = flags.dir ?? mkdtempSync(join(tmpdir(), "pgz-bench-"));
mkdirSync(baseDir, { recursive: true });
const removeBase = flags.dir === undefined;

const pgzSettings = { isolation, options: { blockCacheSizeBytes: cacheBytes } };

// ---------------------------------------------------------------- results

interface Measurement {
  engine: EngineName;
  ops: number;
  elapsedNs: number;
  latency: Histogram;
  peakRss: number;
  /** pgz: engine bytes written / user bytes over this workload (after settling). */
  writeAmp?: number;
  /** Bytes this process sent to storage during the workload, per user byte written. */
  deviceWritesPerUserByte?: number;
  /** Time to settle background work after the timed part (not in ops/s). */
  settleNs?: number;
  notes: string[];
}

interface WorkloadResult {
  name: string;
  workload: Workload | string;
  description: string;
  latencyUnit: string;
  pgz?: Measurement;
  sqlite?: Measurement;
  extra: string[];
}

const results: WorkloadResult[] = [];
const summary: Record<string, { pgz_ops_s: number; sqlite_ops_s: number; ratio: number }> = {};
const summaryExtra: Record<string, { p99_compaction_us: number | null; p99_no_compaction_us: number | null; ratio: number | null }> = {};

const opsPerSecond = (m: Measurement) => (m.elapsedNs === 0 ? 0 : (m.ops * 1e9) / m.elapsedNs);
const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtRatio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : "n/a");

function report(result: WorkloadResult): void {
  results.push(result);
  const { pgz, sqlite } = result;
  console.log(`\n${result.name}: ${result.description}; latency ${result.latencyUnit}`);
  console.log(`  ${"engine".padEnd(7)} ${"ops/s".padStart(11)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"peak RSS".padStart(9)}  other`);
  for (const m of [pgz, sqlite]) {
    if (!m) continue;
    const other: string[] = [`mean ${formatNs(m.latency.mean)}`, `p99.9 ${formatNs(m.latency.quantile(0.999))}`];
    if (m.writeAmp !== undefined) other.push(`write amp ${m.writeAmp.toFixed(2)}`);
    if (m.deviceWritesPerUserByte !== undefined) other.push(`device writes/user byte ${m.deviceWritesPerUserByte.toFixed(2)}`);
    if (m.settleNs !== undefined) other.push(`settle ${(m.settleNs / 1e9).toFixed(1)} s`);
    other.push(...m.notes);
    console.log(
      `  ${m.engine.padEnd(7)} ${fmtInt(opsPerSecond(m)).padStart(11)} ${formatNs(m.latency.quantile(0.5)).padStart(9)} ${formatNs(m.latency.quantile(0.99)).padStart(9)} ${formatBytes(m.peakRss).padStart(9)}  ${other.join("; ")}`,
    );
  }
  for (const line of result.extra) console.log(`  ${line}`);
  if (pgz && sqlite) {
    const ratio = opsPerSecond(pgz) / opsPerSecond(sqlite);
    console.log(`  ratio pgz/sqlite: ${fmtRatio(ratio)}`);
    summary[result.name] = {
      pgz_ops_s: Math.round(opsPerSecond(pgz)),
      sqlite_ops_s: Math.round(opsPerSecond(sqlite)),
      ratio: Number(ratio.toFixed(3)),
    };
  }
}

// ---------------------------------------------------------------- helpers

function statsOf(engine: Engine): EngineStats | undefined {
  return engine instanceof PgzEngine ? engine.db.stats() : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until pgz has no flush or compaction running or due; SQLite checkpoints its WAL.
 * Untimed: the workloads' ops/s never include it, and it is reported beside them. */
async function settle(engine: Engine): Promise<number> {
  const started = Bun.nanoseconds();
  if (engine instanceof PgzEngine) {
    let idlePolls = 0;
    while (idlePolls < 3) {
      await sleep(100);
      const stats = engine.db.stats();
      const idle = stats.compaction.running === 0 && stats.memtable.immutable_count === 0 && (stats.levels[0]?.files ?? 0) < 4;
      idlePolls = idle ? idlePolls + 1 : 0;
    }
  } else if (engine instanceof SqliteEngine) {
    engine.db.run("PRAGMA wal_checkpoint(PASSIVE)");
  }
  return Bun.nanoseconds() - started;
}

interface Snapshot {
  io: ReturnType<typeof ioCounters>;
  stats: EngineStats | undefined;
}

function begin(engine: Engine): Snapshot {
  resetPeakRss();
  return { io: ioCounters(), stats: statsOf(engine) };
}

function writeFigures(engine: Engine, before: Snapshot, userBytes: number): Pick<Measurement, "writeAmp" | "deviceWritesPerUserByte"> {
  const after = ioCounters();
  const out: Pick<Measurement, "writeAmp" | "deviceWritesPerUserByte"> = {};
  if (after && before.io && userBytes > 0) out.deviceWritesPerUserByte = (after.writeBytes - before.io.writeBytes) / userBytes;
  const stats = statsOf(engine);
  if (stats && before.stats) {
    const user = stats.user_bytes_written - before.stats.user_bytes_written;
    const disk = stats.disk_bytes_written - before.stats.disk_bytes_written;
    if (user > 0) out.writeAmp = disk / user;
  }
  return out;
}

/** pgz: the flushes and compactions that ran during a read workload (they compete with
 * the reads for the cores and the caches), as a note; none for SQLite. */
function backgroundNote(engine: Engine, before: Snapshot): string[] {
  const stats = statsOf(engine);
  if (!stats || !before.stats) return [];
  const flushes = stats.flush.count - before.stats.flush.count;
  const compactions = stats.compaction.count - before.stats.compaction.count;
  return flushes || compactions ? [`background during the run: ${flushes} flushes, ${compactions} compactions`] : [];
}

function dirBytes(path: string): number {
  let total = 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  for (const name of readdirSync(path)) total += dirBytes(join(path, name));
  return total;
}

function sqliteBytes(path: string): number {
  let total = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      total += statSync(path + suffix).size;
    } catch {}
  }
  return total;
}

function engineBytes(engine: Engine): number {
  return engine instanceof PgzEngine ? dirBytes(engine.path) : sqliteBytes(engine.path);
}

function openEngine(name: EngineName, label: string, durability: "normal" | "full"): Engine {
  const path = join(baseDir, `${name}-${label}${name === "sqlite" ? ".db" : ""}`);
  rmSync(path, { recursive: true, force: true });
  for (const suffix of ["-wal", "-shm"]) rmSync(path + suffix, { force: true });
  return name === "pgz" ? new PgzEngine(path, durability, pgzSettings) : new SqliteEngine(path, durability, cacheBytes);
}

function destroyEngine(engine: Engine): void {
  engine.close();
  rmSync(engine.path, { recursive: true, force: true });
  for (const suffix of ["-wal", "-shm"]) rmSync(engine.path + suffix, { force: true });
  quiesceIo();
}

/** Writes back every dirty page (and, on file systems mounted with discard, finishes the
 * deletes' discards) before a timed workload, so that neither engine pays for write-back
 * left over by the other or by an earlier workload. Untimed. */
function quiesceIo(): void {
  Bun.spawnSync(["sync"]);
}

// ---------------------------------------------------------------- workloads

/** Writes the keys in `order` in batches of batchRows, one transaction per batch, each
 * awaited before the next (no pipelining). Latency is per batch. */
async function fill(engine: Engine, keys: KeySpace, order: Uint32Array | null, values: ValueSource, valueOffset: number): Promise<Measurement> {
  quiesceIo();
  const before = begin(engine);
  const latency = new Histogram();
  const count = order ? order.length : keys.count;
  const started = Bun.nanoseconds();
  for (let start = 0; start < count; start += batchRows) {
    const end = Math.min(count, start + batchRows);
    const rows: Row[] = new Array(end - start);
    for (let i = start; i < end; i++) rows[i - start] = [keys.key(order ? order[i]! : i), values.value(valueOffset + i)];
    const t0 = Bun.nanoseconds();
    await engine.writeBatch(rows);
    latency.record(Bun.nanoseconds() - t0);
  }
  const elapsedNs = Bun.nanoseconds() - started;
  const peakRss = peakRssBytes();
  const settleNs = await settle(engine);
  const userBytes = count * (keySizeBytes + values.size);
  return { engine: engine.name, ops: count, elapsedNs, latency, peakRss, settleNs, ...writeFigures(engine, before, userBytes), notes: [] };
}

function readRandom(engine: Engine, keys: KeySpace, order: Uint32Array, valueSize: number): Measurement {
  quiesceIo();
  const before = begin(engine);
  const latency = new Histogram();
  let missing = 0;
  let wrongSize = 0;
  const started = Bun.nanoseconds();
  for (let i = 0; i < order.length; i++) {
    const key = keys.key(order[i]!);
    const t0 = Bun.nanoseconds();
    const value = engine.get(key);
    latency.record(Bun.nanoseconds() - t0);
    if (value === null) missing++;
    else if (value.length !== valueSize) wrongSize++;
  }
  const elapsedNs = Bun.nanoseconds() - started;
  const notes = backgroundNote(engine, before);
  if (missing || wrongSize) notes.push(`ERROR: ${missing} missing, ${wrongSize} wrong size`);
  return { engine: engine.name, ops: order.length, elapsedNs, latency, peakRss: peakRssBytes(), notes };
}

const readSeqChunk = 1000;

function readSeq(engine: Engine, expected: number): Measurement {
  quiesceIo();
  const before = begin(engine);
  const latency = new Histogram();
  let count = 0;
  let chunkStart = Bun.nanoseconds();
  let previous: Uint8Array | undefined;
  let unordered = 0;
  const started = chunkStart;
  count = engine.scan(undefined, Number.MAX_SAFE_INTEGER, (key) => {
    // Check the order on a sample (cheaply): every chunk's first key follows the last one's.
    if ((count & (readSeqChunk - 1)) === 0) {
      if (previous && Buffer.compare(previous, key) >= 0) unordered++;
      previous = key;
    }
    count++;
    if (count % readSeqChunk === 0) {
      const now = Bun.nanoseconds();
      latency.record(now - chunkStart);
      chunkStart = now;
    }
  });
  const elapsedNs = Bun.nanoseconds() - started;
  const notes = backgroundNote(engine, before);
  if (count !== expected) notes.push(`ERROR: scanned ${count} of ${expected}`);
  if (unordered) notes.push(`ERROR: ${unordered} out-of-order samples`);
  return { engine: engine.name, ops: count, elapsedNs, latency, peakRss: peakRssBytes(), notes };
}

function seekRandom(engine: Engine, keys: KeySpace, seeks: number, rng: Rng): Measurement {
  quiesceIo();
  const before = begin(engine);
  const latency = new Histogram();
  let short = 0;
  const started = Bun.nanoseconds();
  for (let i = 0; i < seeks; i++) {
    // Start far enough from the end that every seek can read `nexts` entries.
    const key = keys.key(rng.below(Math.max(1, keys.count - nexts)));
    const t0 = Bun.nanoseconds();
    const got = engine.scan(key, nexts);
    latency.record(Bun.nanoseconds() - t0);
    if (got !== nexts) short++;
  }
  const elapsedNs = Bun.nanoseconds() - started;
  const notes = backgroundNote(engine, before);
  if (short) notes.push(`ERROR: ${short} seeks read fewer than ${nexts}`);
  return { engine: engine.name, ops: seeks, elapsedNs, latency, peakRss: peakRssBytes(), notes };
}

/** Runs a read workload on every engine in `rounds` parts, alternating the engines (and
 * which goes first) from part to part, and sums each engine's parts: both sample the same
 * stretches of the shared machine's load instead of one stretch each. `part(engine, i)`
 * runs part i, the same operations for every engine. */
function alternating(engines: Engine[], rounds: number, part: (engine: Engine, round: number) => Measurement): Partial<Record<EngineName, Measurement>> {
  const parts = new Map<Engine, Measurement[]>(engines.map((e) => [e, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) parts.get(engine)!.push(part(engine, round));
  }
  const out: Partial<Record<EngineName, Measurement>> = {};
  for (const [engine, ms] of parts) {
    const latency = new Histogram();
    const notes = new Set<string>();
    let ops = 0;
    let elapsedNs = 0;
    let peakRss = 0;
    for (const m of ms) {
      latency.merge(m.latency);
      ops += m.ops;
      elapsedNs += m.elapsedNs;
      peakRss = Math.max(peakRss, m.peakRss);
      for (const note of m.notes) notes.add(note);
    }
    out[engine.name] = { engine: engine.name, ops, elapsedNs, latency, peakRss, notes: [...notes] };
  }
  return out;
}

const readRounds = 4;

interface RwwMeasurement extends Measurement {
  writer: WriterResult;
  /** pgz only: read latency split by whether a compaction was running. */
  duringCompaction?: Histogram;
  noCompaction?: Histogram;
  compactionsStarted?: number;
  /** Memtable flushes the reader asked for (large values: see readWhileWriting). */
  forcedFlushes?: number;
}

/** One reader (this thread) doing random gets for rwwSeconds while a writer Worker
 * overwrites random keys in batches as fast as the engine takes them. For pgz every read
 * is classified by whether a compaction was running (stats polled every 2 ms, outside the
 * timed calls). With large values the LSM holds only 36-byte value pointers, so the
 * 32 MiB memtable would take gigabytes of writes to fill and the writer alone causes no
 * flush or compaction in the run: when none has started by a quarter of the run, the
 * reader asks for a memtable flush (an engine job) every 500 ms from then on, as a larger
 * write volume would, and the resulting L0 files trigger ordinary background compactions
 * (L0 → L1) on the engine's compaction thread. */
async function readWhileWriting(engine: Engine, keys: KeySpace, valueSize: number, rng: Rng): Promise<RwwMeasurement> {
  const stop = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(stop);
  const worker = new Worker(new URL("./lib/rww-writer.ts", import.meta.url).href);
  const writerRows = Math.max(1, Math.min(batchRows, Math.floor((100 * 1024) / valueSize)));
  const config: WriterConfig = {
    engine: engine.name,
    handle: engine instanceof PgzEngine ? (engine.db.handle() as unknown as number) : 0,
    path: engine.path,
    keys: keys.count,
    valueSize,
    batchRows: writerRows,
    isolation: isolation === "unchecked" ? 2 : 0,
    seed: seed + 77,
    stop,
    cacheSizeBytes: cacheBytes,
  };
  const messages: unknown[] = [];
  let wake: (() => void) | undefined;
  worker.onmessage = (event: MessageEvent) => {
    messages.push(event.data);
    wake?.();
  };
  const nextMessage = async () => {
    while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return messages.shift();
  };
  worker.postMessage(config);
  await nextMessage(); // ready

  const before = begin(engine);
  const latency = new Histogram();
  const during = new Histogram();
  const none = new Histogram();
  const pgz = engine instanceof PgzEngine ? engine : undefined;
  let compacting = false;
  let compactionsStarted = 0;
  let flushJob: Promise<void> | undefined;
  let forcedFlushes = 0;
  let nextFlush = 0;
  let missing = 0;
  let ops = 0;
  const started = Bun.nanoseconds();
  const deadline = started + rwwSeconds * 1e9;
  const startCount = before.stats?.compaction.count ?? 0;
  let nextPoll = started;
  let nextYield = started + 10e6;
  for (;;) {
    const now = Bun.nanoseconds();
    if (now >= deadline) break;
    if (pgz && now >= nextPoll) {
      const stats = pgz.db.stats();
      compacting = stats.compaction.running > 0;
      compactionsStarted = stats.compaction.count - startCount + (compacting ? 1 : 0);
      nextPoll = Bun.nanoseconds() + 2e6;
      const lagging = forcedFlushes > 0 || (compactionsStarted === 0 && now - started > (rwwSeconds * 1e9) / 4);
      if (lagging && !flushJob && now >= nextFlush) {
        forcedFlushes++;
        nextFlush = now + 500e6;
        flushJob = pgz.db.flush().finally(() => (flushJob = undefined));
      }
    }
    if (now >= nextYield) {
      // Let completions (the flush jobs') and the writer's messages through.
      await new Promise((resolve) => setImmediate(resolve));
      nextYield = Bun.nanoseconds() + 10e6;
    }
    for (let i = 0; i < 64; i++) {
      const key = keys.key(rng.below(keys.count));
      const t0 = Bun.nanoseconds();
      const value = engine.get(key);
      const ns = Bun.nanoseconds() - t0;
      latency.record(ns);
      if (pgz) (compacting ? during : none).record(ns);
      if (value === null) missing++;
    }
    ops += 64;
  }
  const elapsedNs = Bun.nanoseconds() - started;
  const peakRss = peakRssBytes();
  Atomics.store(stopFlag, 0, 1);
  const writer = (await nextMessage()) as WriterResult;
  worker.terminate();
  if (flushJob) await flushJob;
  if (writer.error) throw new Error(`readwhilewriting writer (${engine.name}) failed: ${writer.error}`);
  const notes = missing ? [`ERROR: ${missing} reads found nothing`] : [];
  const figures = writeFigures(engine, before, writer.ops * (keySizeBytes + valueSize));
  return {
    engine: engine.name,
    ops,
    elapsedNs,
    latency,
    peakRss,
    ...figures,
    notes,
    writer,
    ...(pgz ? { duringCompaction: during, noCompaction: none, compactionsStarted, forcedFlushes } : {}),
  };
}

/** Commit-pipeline counters of one durable-commit round (pgz only). */
interface CommitCounts {
  commits: number;
  syncs: number;
  groups: number;
  syncNs: number;
}

interface DurableRound {
  ops: number;
  elapsedNs: number;
  latency: Histogram;
  peakRss: number;
  counts?: CommitCounts;
}

/** `committers` async loops, each: begin, put one row, await the durable commit; for
 * `seconds`. Latency is per commit (begin to resolved). Key i of committer c is
 * keyBase + c + i * committers, so rounds with distinct key bases never overlap. */
async function durableRound(engine: Engine, committers: number, values: ValueSource, keyBase: number, seconds: number): Promise<DurableRound> {
  quiesceIo();
  const before = begin(engine);
  const latency = new Histogram();
  let ops = 0;
  const started = Bun.nanoseconds();
  const deadline = started + seconds * 1e9;
  const loop = async (c: number) => {
    for (let i = 0; ; i++) {
      const t0 = Bun.nanoseconds();
      if (t0 >= deadline) return;
      await engine.commitOne(makeKey(keyBase + c + i * committers), values.value(i * committers + c));
      latency.record(Bun.nanoseconds() - t0);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: committers }, (_, c) => loop(c)));
  const elapsedNs = Bun.nanoseconds() - started;
  const stats = statsOf(engine);
  const counts =
    stats && before.stats
      ? {
          commits: stats.commits.count - before.stats.commits.count,
          syncs: stats.commits.syncs - before.stats.commits.syncs,
          groups: stats.commits.batches - before.stats.commits.batches,
          syncNs: stats.commits.sync_ns - before.stats.commits.sync_ns,
        }
      : undefined;
  return { ops, elapsedNs, latency, peakRss: peakRssBytes(), counts };
}

/** Sums rounds of one engine and level into one measurement. */
function durableMeasurement(engine: Engine, rounds: DurableRound[]): Measurement {
  const latency = new Histogram();
  let ops = 0;
  let elapsedNs = 0;
  let peakRss = 0;
  const counts: CommitCounts = { commits: 0, syncs: 0, groups: 0, syncNs: 0 };
  let counted = false;
  for (const r of rounds) {
    latency.merge(r.latency);
    ops += r.ops;
    elapsedNs += r.elapsedNs;
    peakRss = Math.max(peakRss, r.peakRss);
    if (r.counts) {
      counted = true;
      counts.commits += r.counts.commits;
      counts.syncs += r.counts.syncs;
      counts.groups += r.counts.groups;
      counts.syncNs += r.counts.syncNs;
    }
  }
  const notes: string[] = [];
  if (counted) {
    notes.push(
      `fsyncs/commit ${(counts.syncs / Math.max(1, counts.commits)).toFixed(3)}`,
      `commits/group ${(counts.commits / Math.max(1, counts.groups)).toFixed(1)}`,
      `log write+fdatasync ${formatNs(counts.syncNs / Math.max(1, counts.syncs))} avg`,
    );
  } else {
    notes.push("fsyncs/commit 1 (WAL synced at every commit; see RESULTS.md)");
  }
  return { engine: engine.name, ops, elapsedNs, latency, peakRss, notes };
}

// ---------------------------------------------------------------- run

const runStarted = Bun.nanoseconds();
console.log(`pgz ${Db.version()} vs bun:sqlite (Bun ${Bun.version}, SQLite ${sqliteVersion()})`);
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${formatBytes(totalmem())} RAM, ${process.platform}; data in ${baseDir}`,
);
console.log(
  `settings: keys 16 B; values ${valueSizes.map(sizeLabel).join(", ")} (incompressible); keys: ${smallKeys.toLocaleString("en-US")} for values ≤ 1 KiB, ${largeKeys.toLocaleString("en-US")} above; ` +
    `${batchRows} rows per transaction in fill/overwrite; pgz isolation ${isolation}; cache ${formatBytes(cacheBytes)} each`,
);

function sqliteVersion(): string {
  const db = new Database(":memory:");
  const row = db.query("select sqlite_version() as v").get() as { v: string };
  db.close();
  return row.v;
}

const engines: EngineName[] = ["pgz", "sqlite"];
const needsData = ["overwrite", "readrandom", "readseq", "seekrandom", "readwhilewriting"].some((w) => selected.has(w as Workload));

/** Unmeasured warm-up of both engines before the first timed workload: the shared
 * benchmark code (key and value views, histograms, the workload loops) and each engine's
 * binding are compiled by the JIT here, so the first measured workload does not pay for it
 * (it is pgz's, as pgz runs first). Small, in its own databases, removed after. */
async function warmUp(): Promise<void> {
  const keys = new KeySpace(20_000);
  const values = new ValueSource(100, seed + 1000);
  const order = shuffled(keys.count, seed + 1001);
  for (const name of engines) {
    const engine = openEngine(name, "warmup", "normal");
    try {
      await fill(engine, keys, null, values, 0);
      await fill(engine, keys, order, values, keys.count);
      readRandom(engine, keys, order, values.size);
      readSeq(engine, keys.count);
      seekRandom(engine, keys, 200, new Rng(seed + 1002));
    } finally {
      destroyEngine(engine);
    }
  }
}

try {
  await warmUp();
  for (const valueSize of valueSizes) {
    const label = sizeLabel(valueSize);
    const keyCount = valueSize > 1024 ? largeKeys : smallKeys;
    if (!selected.has("fillseq") && !selected.has("fillrandom") && !needsData) break;
    console.log(`\n=== values ${label}: ${keyCount.toLocaleString("en-US")} keys (${formatBytes(keyCount * (valueSize + keySizeBytes))} of user data)`);
    const keys = new KeySpace(keyCount);
    const values = new ValueSource(valueSize, seed + valueSize);

    if (selected.has("fillseq")) {
      const m: Partial<Record<EngineName, Measurement>> = {};
      for (const name of engines) {
        const engine = openEngine(name, `fillseq-${label}`, "normal");
        m[name] = await fill(engine, keys, null, values, 0);
        m[name]!.notes.push(`on disk ${formatBytes(engineBytes(engine))}`);
        destroyEngine(engine);
      }
      report({ name: `fillseq_${label}`, workload: "fillseq", description: `${fmtInt(keyCount)} keys in order into an empty database, ${batchRows} per transaction`, latencyUnit: `per ${batchRows}-row transaction`, ...m, extra: [] });
    }

    if (!selected.has("fillrandom") && !needsData) continue;
    const opened: Engine[] = [];
    try {
      const order = shuffled(keyCount, seed + 1);
      const m: Partial<Record<EngineName, Measurement>> = {};
      for (const name of engines) {
        const engine = openEngine(name, `random-${label}`, "normal");
        opened.push(engine);
        m[name] = await fill(engine, keys, order, values, 0);
        m[name]!.notes.push(`on disk ${formatBytes(engineBytes(engine))}`);
      }
      if (selected.has("fillrandom")) {
        report({ name: `fillrandom_${label}`, workload: "fillrandom", description: `${fmtInt(keyCount)} keys in random order into an empty database, ${batchRows} per transaction`, latencyUnit: `per ${batchRows}-row transaction`, ...m, extra: [] });
      }

      if (selected.has("overwrite")) {
        const overwriteOrder = shuffled(keyCount, seed + 2);
        const o: Partial<Record<EngineName, Measurement>> = {};
        for (const engine of opened) {
          o[engine.name] = await fill(engine, keys, overwriteOrder, values, keyCount);
          o[engine.name]!.notes.push(`on disk ${formatBytes(engineBytes(engine))}`);
        }
        report({ name: `overwrite_${label}`, workload: "overwrite", description: `${fmtInt(keyCount)} existing keys rewritten in random order, ${batchRows} per transaction`, latencyUnit: `per ${batchRows}-row transaction`, ...o, extra: [] });
      }

      if (selected.has("readrandom")) {
        const readOrder = shuffled(keyCount, seed + 3);
        const step = Math.ceil(readOrder.length / readRounds);
        const r = alternating(opened, readRounds, (engine, i) => readRandom(engine, keys, readOrder.subarray(i * step, (i + 1) * step), valueSize));
        const stats = statsOf(opened[0]!);
        const extra = stats ? [`pgz block cache hit ratio ${(stats.block_cache.hit_ratio * 100).toFixed(1)}%, levels ${stats.levels.filter((l) => l.files > 0).map((l) => `L${l.level}:${l.files}`).join(" ")}`] : [];
        report({ name: `readrandom_${label}`, workload: "readrandom", description: `${fmtInt(keyCount)} point reads of existing keys in random order (${readRounds} parts, engines alternating)`, latencyUnit: "per read", ...r, extra });
      }

      if (selected.has("readseq")) {
        const r: Partial<Record<EngineName, Measurement>> = {};
        for (const engine of opened) r[engine.name] = readSeq(engine, keyCount);
        report({ name: `readseq_${label}`, workload: "readseq", description: `one full scan in key order (${fmtInt(keyCount)} entries; ops = entries)`, latencyUnit: `per ${readSeqChunk} entries`, ...r, extra: [] });
      }

      if (selected.has("seekrandom")) {
        const seeks = intFlag(flags.seeks, Math.min(100_000, Math.max(100, Math.floor(keyCount / 10))));
        const perRound = Math.ceil(seeks / readRounds);
        const r = alternating(opened, readRounds, (engine, i) => seekRandom(engine, keys, Math.max(0, Math.min(perRound, seeks - i * perRound)), new Rng(seed + 4 + i)));
        report({ name: `seekrandom_${label}`, workload: "seekrandom", description: `${fmtInt(seeks)} scans from a random key, ${nexts} entries each (ops = seeks; ${readRounds} parts, engines alternating)`, latencyUnit: `per seek + ${nexts} nexts`, ...r, extra: [] });
      }

      if (selected.has("readwhilewriting")) {
        const r: Partial<Record<EngineName, RwwMeasurement>> = {};
        for (const engine of opened) {
          await settle(engine);
          quiesceIo();
          r[engine.name] = await readWhileWriting(engine, keys, valueSize, new Rng(seed + 5));
        }
        const extra: string[] = [];
        for (const name of engines) {
          const w = r[name]?.writer;
          if (w) extra.push(`${name} writer: ${fmtInt((w.ops * 1e9) / w.elapsedNs)} rows/s in transactions of ${Math.max(1, Math.min(batchRows, Math.floor((100 * 1024) / valueSize)))}`);
        }
        const p = r.pgz;
        if (p?.duringCompaction && p.noCompaction) {
          const withC = p.duringCompaction;
          const withoutC = p.noCompaction;
          const ratio = withC.count > 0 && withoutC.count > 0 ? withC.quantile(0.99) / withoutC.quantile(0.99) : NaN;
          extra.push(
            `pgz read p99 with compaction running ${withC.count ? formatNs(withC.quantile(0.99)) : "n/a"} (${fmtInt(withC.count)} reads), ` +
              `with none running ${withoutC.count ? formatNs(withoutC.quantile(0.99)) : "n/a"} (${fmtInt(withoutC.count)} reads): ` +
              `${fmtRatio(ratio)} (target ≤ 2x); compactions: ${p.compactionsStarted}${p.forcedFlushes ? ` (the writer alone caused none by a quarter of the run: ${p.forcedFlushes} memtable flushes were asked for, 2 per second, to drive them)` : ""}`,
          );
          summaryExtra[`readwhilewriting_${label}`] = {
            p99_compaction_us: withC.count ? Math.round(withC.quantile(0.99) / 1e3) : null,
            p99_no_compaction_us: withoutC.count ? Math.round(withoutC.quantile(0.99) / 1e3) : null,
            ratio: Number.isFinite(ratio) ? Number(ratio.toFixed(2)) : null,
          };
        }
        report({ name: `readwhilewriting_${label}`, workload: "readwhilewriting", description: `random point reads for ${rwwSeconds} s while a writer thread overwrites random keys (ops = reads)`, latencyUnit: "per read", ...r, extra });
      }
    } finally {
      for (const engine of opened) destroyEngine(engine);
    }
  }

  if (selected.has("durable")) {
    const valueSize = 100;
    const values = new ValueSource(valueSize, seed + 9);
    console.log(`\n=== durable one-row transactions (${valueSize} B values; pgz sync "full" vs SQLite synchronous=FULL, WAL)`);
    const pgz = openEngine("pgz", "durable", "full");
    const sqlite = openEngine("sqlite", "durable", "full");
    try {
      // Unmeasured warm-up of both (JIT, files, caches), with keys the measured runs do not use.
      const warmSeconds = Math.min(1, commitSeconds / 5);
      await durableRound(sqlite, 1, values, 900_000_000, warmSeconds);
      await durableRound(pgz, 8, values, 900_000_000, warmSeconds);
      // The levels run in interleaved rounds (SQLite, then pgz at each level, repeated), so
      // that every figure samples the same periods of the shared disk's and machine's load
      // rather than one stretch each. SQLite cannot commit concurrently on one connection:
      // its figure is the durable autocommit rate, one commit at a time, and it is the peer
      // for every level.
      const roundCount = Math.max(1, Math.min(5, Math.round(commitSeconds)));
      const roundSeconds = commitSeconds / roundCount;
      const sqliteRounds: DurableRound[] = [];
      const pgzRounds = new Map<number, DurableRound[]>(committerLevels.map((c) => [c, []]));
      for (let round = 0; round < roundCount; round++) {
        sqliteRounds.push(await durableRound(sqlite, 1, values, round * 10_000_000, roundSeconds));
        for (const c of committerLevels) {
          pgzRounds.get(c)!.push(await durableRound(pgz, c, values, c * 100_000_000 + round * 10_000_000, roundSeconds));
        }
      }
      const sqliteM = durableMeasurement(sqlite, sqliteRounds);
      sqliteM.notes.push("one commit at a time (autocommit)");
      const single = committerLevels.includes(1) ? opsPerSecond(durableMeasurement(pgz, pgzRounds.get(1)!)) : undefined;
      for (const c of committerLevels) {
        const m = durableMeasurement(pgz, pgzRounds.get(c)!);
        const extra = [`bun:sqlite commits one at a time on its connection: its row is the durable autocommit rate at any concurrency`];
        if (single !== undefined && c !== 1) extra.push(`pgz ${c} committers vs pgz 1 committer: ${fmtRatio(opsPerSecond(m) / single)} (target at 64: ≥ 10x)`);
        report({ name: `durable_commit_${c}`, workload: "durable", description: `${c} concurrent committers, one-row transactions for ${commitSeconds} s (${roundCount} interleaved rounds)`, latencyUnit: "per commit", pgz: m, sqlite: sqliteM, extra });
      }
    } finally {
      destroyEngine(pgz);
      destroyEngine(sqlite);
    }
  }
} finally {
  if (removeBase) rmSync(baseDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- summary

console.log(`\nsummary (ops/s; ratio = pgz / sqlite); run took ${((Bun.nanoseconds() - runStarted) / 1e9).toFixed(0)} s; process peak RSS ${formatBytes(maxPeak())}`);
console.log(`  ${"workload".padEnd(26)} ${"pgz".padStart(11)} ${"sqlite".padStart(11)} ${"ratio".padStart(8)}`);
for (const [name, s] of Object.entries(summary)) {
  console.log(`  ${name.padEnd(26)} ${fmtInt(s.pgz_ops_s).padStart(11)} ${fmtInt(s.sqlite_ops_s).padStart(11)} ${fmtRatio(s.ratio).padStart(8)}`);
}
if (Object.keys(summaryExtra).length > 0) console.log(`read p99 under compaction: ${JSON.stringify(summaryExtra)}`);
console.log(JSON.stringify(summary));

function maxPeak(): number {
  let peak = 0;
  for (const r of results) for (const m of [r.pgz, r.sqlite]) if (m) peak = Math.max(peak, m.peakRss);
  return peak;
}
