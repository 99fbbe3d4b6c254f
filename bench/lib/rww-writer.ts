// readwhilewriting's writer: a Worker that overwrites random keys in batches, as fast as the
// engine takes them, until the main thread raises the stop flag. SQLite gets its own
// connection to the same file (WAL: readers and one writer run concurrently). pgz shares
// the open database: the handle is the engine's, and the C ABI allows any thread to use it
// (pgz_txn_commit blocks this worker thread, never the main one).
import { lib } from "../../ts/engine/ffi.ts";
import { KeySpace, Rng, ValueSource, keySizeBytes } from "./data.ts";
import { openSqlite } from "./engines.ts";

export interface WriterConfig {
  engine: "pgz" | "sqlite";
  /** pgz: the database handle; sqlite: unused. */
  handle: number;
  /** sqlite: the database file. */
  path: string;
  keys: number;
  valueSize: number;
  batchRows: number;
  isolation: number;
  seed: number;
  /** Int32Array over a SharedArrayBuffer: [0] = 1 asks the writer to stop. */
  stop: SharedArrayBuffer;
  cacheSizeBytes: number;
}

export interface WriterResult {
  ops: number;
  batches: number;
  elapsedNs: number;
  error?: string;
}

declare const self: Worker;

function runPgz(config: WriterConfig, stop: Int32Array, keys: KeySpace, values: ValueSource, rng: Rng): number {
  const ffi = lib();
  const handle = config.handle;
  const recordBytes = 9 + keySizeBytes + config.valueSize;
  const batch = new Uint8Array(recordBytes * config.batchRows);
  const view = new DataView(batch.buffer);
  const out = new BigUint64Array(1);
  let ops = 0;
  while (Atomics.load(stop, 0) === 0) {
    let pos = 0;
    for (let i = 0; i < config.batchRows; i++) {
      batch[pos] = 1;
      view.setUint32(pos + 1, keySizeBytes, true);
      view.setUint32(pos + 5, config.valueSize, true);
      batch.set(keys.key(rng.below(keys.count)), pos + 9);
      batch.set(values.value(ops + i), pos + 9 + keySizeBytes);
      pos += recordBytes;
    }
    let status = ffi.pgz_txn_begin(handle as never, config.isolation, out);
    if (status !== 0) throw new Error(`pgz_txn_begin: ${status} ${ffi.pgz_last_error()}`);
    const txn = Number(out[0]);
    status = ffi.pgz_txn_write_batch(txn as never, batch, pos);
    if (status !== 0) {
      ffi.pgz_txn_abort(txn as never);
      throw new Error(`pgz_txn_write_batch: ${status} ${ffi.pgz_last_error()}`);
    }
    status = ffi.pgz_txn_commit(txn as never, null);
    if (status !== 0) throw new Error(`pgz_txn_commit: ${status} ${ffi.pgz_last_error()}`);
    ops += config.batchRows;
  }
  return ops;
}

function runSqlite(config: WriterConfig, stop: Int32Array, keys: KeySpace, values: ValueSource, rng: Rng): number {
  const db = openSqlite(config.path, "normal", config.cacheSizeBytes);
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const upsert = db.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
  let ops = 0;
  try {
    while (Atomics.load(stop, 0) === 0) {
      begin.run();
      for (let i = 0; i < config.batchRows; i++) upsert.run(keys.key(rng.below(keys.count)), values.value(ops + i));
      commit.run();
      ops += config.batchRows;
    }
  } finally {
    db.close(false);
  }
  return ops;
}

self.onmessage = (event: MessageEvent<WriterConfig>) => {
  const config = event.data;
  const stop = new Int32Array(config.stop);
  const keys = new KeySpace(config.keys);
  const values = new ValueSource(config.valueSize, config.seed);
  const rng = new Rng(config.seed);
  // Tell the reader the (slow to build) key space is ready, so it starts timing now.
  postMessage({ ready: true });
  const started = Bun.nanoseconds();
  let result: WriterResult;
  try {
    const ops = config.engine === "pgz" ? runPgz(config, stop, keys, values, rng) : runSqlite(config, stop, keys, values, rng);
    result = { ops, batches: ops / config.batchRows, elapsedNs: Bun.nanoseconds() - started };
  } catch (error) {
    result = { ops: 0, batches: 0, elapsedNs: Bun.nanoseconds() - started, error: String(error) };
  }
  postMessage(result);
};
