// Typed API over the engine's C ABI: Db, Txn, Iter. Arguments are checked before they cross
// the boundary; native handles are released deterministically (close/abort, `using`), with
// a finalizer as a safety net for handles a caller forgot.
import { JSCallback, toArrayBuffer, type Pointer } from "bun:ffi";
import {
  ClosedError,
  ConflictError,
  EngineError,
  InvalidArgumentError,
  Status,
  TooLargeError,
  errorFromStatus,
} from "./errors.ts";
import { lib } from "./ffi.ts";

export const keySizeMax = 4096;
export const valueSizeMax = 64 * 1024 * 1024;

export type Isolation = "snapshot" | "serializable" | "unchecked";

export interface DbOptions {
  /** When commits are acknowledged: "full" (after fdatasync; default), "normal" (after the
   * write, synced every syncIntervalMs), "off" (never synced by commits). */
  sync?: "full" | "normal" | "off";
  syncIntervalMs?: number;
  memtableSizeBytes?: number;
  immutableMemtablesMax?: number;
  l0CompactionTrigger?: number;
  l0SlowdownTrigger?: number;
  l0StopTrigger?: number;
  level1SizeBytes?: number;
  levelSizeMultiplier?: number;
  sstableSizeBytes?: number;
  blockSizeBytes?: number;
  bloomBitsPerKey?: number;
  blockCacheSizeBytes?: number;
  compactionBytesPerSecond?: number;
  vacuumGarbagePerMille?: number;
  vlogSegmentSizeBytes?: number;
  valueInlineThresholdBytes?: number;
  backgroundThreads?: boolean;
  createIfMissing?: boolean;
  errorIfExists?: boolean;
  flushOnClose?: boolean;
}

export interface TxnOptions {
  isolation?: Isolation;
  readOnly?: boolean;
}

export interface ScanOptions {
  /** Inclusive lower bound. */
  lower?: Uint8Array;
  /** Exclusive upper bound. */
  upper?: Uint8Array;
  reverse?: boolean;
}

export type KeyRange = { lower?: Uint8Array; upper?: Uint8Array };

const isolationFlags: Record<Isolation, number> = { snapshot: 0, serializable: 1, unchecked: 2 };
const txnReadOnly = 0x100;
const getLatest = 1;
const scanReverse = 1;
const jobKinds = { flush: 1, compact: 2, vacuum: 3 } as const;

const encoder = new TextEncoder();

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function optionsJson(options: DbOptions): Uint8Array {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) out[snake(name)] = value;
  }
  return encoder.encode(JSON.stringify(out));
}

function lastError(): string {
  return String(lib().pgz_last_error());
}

function check(status: number): void {
  if (status !== Status.ok) throw errorFromStatus(status, lastError());
}

function checkKey(key: Uint8Array, what = "key"): void {
  if (!(key instanceof Uint8Array)) throw new InvalidArgumentError(Status.invalidArgument, `${what} must be a Uint8Array`);
  if (key.length === 0) throw new InvalidArgumentError(Status.invalidArgument, `${what} must not be empty`);
  if (key.length > keySizeMax) {
    throw new TooLargeError(Status.tooLarge, `${what} of ${key.length} bytes exceeds the maximum of ${keySizeMax}`);
  }
}

function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(Status.invalidArgument, "value must be a Uint8Array");
  if (value.length > valueSizeMax) {
    throw new TooLargeError(Status.tooLarge, `value of ${value.length} bytes exceeds the maximum of ${valueSizeMax}`);
  }
}

/** Out-parameters for calls (one call at a time on the JS thread). */
const out64 = new BigUint64Array(2);
const handleOut = new BigUint64Array(1);

function takeHandle(): number {
  const value = Number(handleOut[0]);
  handleOut[0] = 0n;
  return value;
}

/** Values come back through one growing buffer; a too-small buffer is grown and retried. */
let valueBuffer = new Uint8Array(64 * 1024);

function readValue(call: (buffer: Uint8Array) => number): Uint8Array | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    const status = call(valueBuffer);
    if (status === Status.ok) return valueBuffer.slice(0, Number(out64[0]));
    if (status === Status.notFound) return null;
    if (status !== Status.bufferTooSmall) throw errorFromStatus(status, lastError());
    valueBuffer = new Uint8Array(Math.max(Number(out64[0]), valueBuffer.length * 2));
  }
  throw new EngineError(Status.err, "value kept growing while being read");
}

// ---------------------------------------------------------------- completions

interface Waiter {
  resolve: (commitTs: bigint) => void;
  reject: (error: Error) => void;
}

const completionRecordBytes = 24;
const completionBatch = 256;
const completionBuffer = new Uint8Array(completionRecordBytes * completionBatch);
const completionView = new DataView(completionBuffer.buffer);
const completionCount = new BigUint64Array(1);

/** Open databases by their notification context. */
const openDbs = new Map<number, Db>();
let nextDbContext = 1;
let notifyCallback: JSCallback | undefined;
/** While commits are in flight a referenced timer keeps the event loop alive (the engine's
 * notification does not) and polls, so a lost wake-up can only delay, never hang. */
let keepAlive: ReturnType<typeof setInterval> | undefined;
let inFlight = 0;
const pollIntervalMs = 50;

function notifyPointer(): Pointer {
  notifyCallback ??= new JSCallback(
    (context: number | bigint) => {
      openDbs.get(Number(context))?.drainCompletions();
    },
    { args: ["u64"], returns: "void", threadsafe: true },
  );
  return notifyCallback.ptr as Pointer;
}

function trackInFlight(delta: number): void {
  inFlight += delta;
  if (inFlight > 0 && keepAlive === undefined) {
    keepAlive = setInterval(() => {
      for (const db of openDbs.values()) db.drainCompletions();
    }, pollIntervalMs);
  } else if (inFlight === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

const finalizer = new FinalizationRegistry<() => void>((release) => release());

// ---------------------------------------------------------------- database

export class Db implements Disposable {
  #handle: number;
  readonly path: string;
  readonly #context: number;
  #waiters = new Map<number, Waiter>();
  #nextToken = 1;
  #txns = new Set<Txn>();
  #iters = new Set<Iter>();

  private constructor(handle: number, path: string) {
    this.#handle = handle;
    this.path = path;
    this.#context = nextDbContext++;
    openDbs.set(this.#context, this);
    check(lib().pgz_set_notify(handle as unknown as Pointer, notifyPointer(), BigInt(this.#context)));
  }

  /** Opens (creating when missing) the database in directory `path`. */
  static open(path: string, options: DbOptions = {}): Db {
    if (typeof path !== "string" || path.length === 0) throw new InvalidArgumentError(Status.invalidArgument, "path must be a non-empty string");
    const pathBytes = encoder.encode(path);
    const json = optionsJson(options);
    check(lib().pgz_open(pathBytes, pathBytes.length, json, json.length, handleOut));
    return new Db(takeHandle(), path);
  }

  /** The engine's version string. */
  static version(): string {
    return String(lib().pgz_version());
  }

  get closed(): boolean {
    return this.#handle === 0;
  }

  /** @internal */
  handle(): Pointer {
    if (this.#handle === 0) throw new ClosedError(Status.closed, "the database is closed");
    return this.#handle as unknown as Pointer;
  }

  /** The newest committed value of `key`, or null. */
  get(key: Uint8Array): Uint8Array | null {
    checkKey(key);
    const handle = this.handle();
    // The common case inline (one call, no closure); a value larger than the buffer takes
    // the general path, which grows it and retries.
    const status = lib().pgz_get(handle, key, key.length, valueBuffer, valueBuffer.length, out64);
    if (status === Status.ok) return valueBuffer.slice(0, Number(out64[0]));
    if (status === Status.notFound) return null;
    if (status !== Status.bufferTooSmall) throw errorFromStatus(status, lastError());
    return readValue((buffer) => lib().pgz_get(handle, key, key.length, buffer, buffer.length, out64));
  }

  /** Writes one key; resolves when the write is durable (per the sync mode). */
  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    const txn = this.begin({ isolation: "unchecked" });
    try {
      txn.put(key, value);
    } catch (error) {
      txn.abort();
      throw error;
    }
    await txn.commit();
  }

  async delete(key: Uint8Array): Promise<void> {
    const txn = this.begin({ isolation: "unchecked" });
    try {
      txn.delete(key);
    } catch (error) {
      txn.abort();
      throw error;
    }
    await txn.commit();
  }

  begin(options: TxnOptions = {}): Txn {
    const isolation = options.isolation ?? "snapshot";
    const flags = isolationFlags[isolation];
    if (flags === undefined) throw new InvalidArgumentError(Status.invalidArgument, `unknown isolation ${String(isolation)}`);
    check(lib().pgz_txn_begin(this.handle(), flags | (options.readOnly ? txnReadOnly : 0), handleOut));
    const txn = new Txn(this, takeHandle());
    this.#txns.add(txn);
    return txn;
  }

  /** Scans committed data at the newest snapshot. */
  scan(options: ScanOptions = {}): Iter {
    return this.openIter(null, options);
  }

  /** @internal */
  openIter(txn: Txn | null, options: ScanOptions): Iter {
    const { lower, upper } = options;
    if (lower !== undefined) checkKey(lower, "lower bound");
    if (upper !== undefined) checkKey(upper, "upper bound");
    check(
      lib().pgz_scan(
        this.handle(),
        txn ? txn.handle() : null,
        lower ?? null,
        lower?.length ?? 0,
        upper ?? null,
        upper?.length ?? 0,
        options.reverse ? scanReverse : 0,
        handleOut,
      ),
    );
    const iter = new Iter(this, txn, takeHandle());
    this.#iters.add(iter);
    return iter;
  }

  /** @internal */
  forget(resource: Txn | Iter): void {
    if (resource instanceof Txn) this.#txns.delete(resource);
    else this.#iters.delete(resource);
  }

  /** @internal Starts an asynchronous commit or job; resolves with its commit timestamp. */
  track(start: (token: bigint) => number): Promise<bigint> {
    const token = this.#nextToken++;
    const status = start(BigInt(token));
    if (status !== Status.ok) return Promise.reject(errorFromStatus(status, lastError()));
    const { promise, resolve, reject } = Promise.withResolvers<bigint>();
    this.#waiters.set(token, { resolve, reject });
    trackInFlight(1);
    return promise;
  }

  /** @internal Settles every finished commit and job. */
  drainCompletions(): void {
    if (this.#handle === 0 || this.#waiters.size === 0) return;
    for (;;) {
      check(lib().pgz_completions(this.handle(), completionBuffer, completionBatch, completionCount));
      const count = Number(completionCount[0]);
      for (let i = 0; i < count; i++) {
        const offset = i * completionRecordBytes;
        const token = Number(completionView.getBigUint64(offset, true));
        const commitTs = completionView.getBigUint64(offset + 8, true);
        const status = completionView.getInt32(offset + 16, true);
        const waiter = this.#waiters.get(token);
        if (!waiter) continue;
        this.#waiters.delete(token);
        trackInFlight(-1);
        if (status === Status.ok) waiter.resolve(commitTs);
        else waiter.reject(this.completionError(status));
      }
      if (count < completionBatch) return;
    }
  }

  private completionError(status: number): EngineError {
    if (status === Status.conflict) {
      return new ConflictError(status, "the transaction conflicts with a concurrent commit");
    }
    return errorFromStatus(status, this.failure() || `commit failed with status ${status}`);
  }

  /** Why the database refuses writes, or why the last background job failed ("" if neither). */
  failure(): string {
    const text = readValue((buffer) => lib().pgz_failure(this.handle(), buffer, buffer.length, out64));
    return text ? new TextDecoder().decode(text) : "";
  }

  /** Writes the memtable to a table (on an engine thread). */
  flush(): Promise<void> {
    return this.job("flush").then(() => undefined);
  }

  /** Compacts a key range (all by default): obsolete versions are dropped. */
  compact(range: KeyRange = {}): Promise<void> {
    return this.job("compact", range).then(() => undefined);
  }

  /** Value-log garbage collection over a key range (all by default). */
  vacuum(range: KeyRange = {}): Promise<void> {
    return this.job("vacuum", range).then(() => undefined);
  }

  private job(kind: keyof typeof jobKinds, range: KeyRange = {}): Promise<bigint> {
    const { lower, upper } = range;
    if (lower !== undefined) checkKey(lower, "lower bound");
    if (upper !== undefined) checkKey(upper, "upper bound");
    const handle = this.handle();
    return this.track((token) =>
      lib().pgz_job_start(handle, jobKinds[kind], lower ?? null, lower?.length ?? 0, upper ?? null, upper?.length ?? 0, token),
    );
  }

  /** Syncs commits acknowledged without a sync (sync modes "normal" and "off"). */
  sync(): void {
    check(lib().pgz_sync(this.handle()));
  }

  /** Engine statistics (see include/pgz.h, pgz_stats). */
  stats(): EngineStats {
    const pointerOut = new BigUint64Array(1);
    check(lib().pgz_stats(this.handle(), pointerOut, out64));
    const address = Number(pointerOut[0]) as Pointer;
    const length = Number(out64[0]);
    try {
      const text = new TextDecoder().decode(new Uint8Array(toArrayBuffer(address, 0, length)));
      return JSON.parse(text) as EngineStats;
    } finally {
      lib().pgz_free(address);
    }
  }

  /** Closes the database: aborts open transactions, closes scans, lets commits in flight
   * finish (their promises settle), flushes and releases the directory. */
  close(): void {
    if (this.#handle === 0) return;
    for (const iter of [...this.#iters]) iter.close();
    for (const txn of [...this.#txns]) if (txn.active) txn.abort();
    const handle = this.handle();
    if (this.#waiters.size > 0) {
      // A sync request queues behind every commit submitted so far: once it returns, they
      // have all completed and their outcomes can be collected.
      lib().pgz_sync(handle);
      this.drainCompletions();
    }
    const status = lib().pgz_close(handle);
    this.#handle = 0;
    openDbs.delete(this.#context);
    for (const [token, waiter] of this.#waiters) {
      this.#waiters.delete(token);
      trackInFlight(-1);
      waiter.reject(new ClosedError(Status.closed, "the database was closed before the operation finished"));
    }
    if (status !== Status.ok) throw errorFromStatus(status, lastError());
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

// ---------------------------------------------------------------- transactions

export class Txn implements Disposable {
  #db: Db;
  #handle: number;
  #unregister = {};

  /** @internal */
  constructor(db: Db, handle: number) {
    this.#db = db;
    this.#handle = handle;
    finalizer.register(this, () => void lib().pgz_txn_abort(handle as unknown as Pointer), this.#unregister);
  }

  get active(): boolean {
    return this.#handle !== 0;
  }

  /** @internal */
  handle(): Pointer {
    if (this.#handle === 0) throw new ClosedError(Status.closed, "the transaction is finished");
    return this.#handle as unknown as Pointer;
  }

  private finish(): number {
    const handle = this.handle() as unknown as number;
    this.#handle = 0;
    finalizer.unregister(this.#unregister);
    this.#db.forget(this);
    return handle;
  }

  /** The value as this transaction sees it (its own writes, then its snapshot). With
   * `latest`, the newest committed version instead of the snapshot's. */
  get(key: Uint8Array, options: { latest?: boolean } = {}): Uint8Array | null {
    checkKey(key);
    const handle = this.handle();
    const flags = options.latest ? getLatest : 0;
    return readValue((buffer) => lib().pgz_txn_get(handle, flags, key, key.length, buffer, buffer.length, out64));
  }

  put(key: Uint8Array, value: Uint8Array): void {
    checkKey(key);
    checkValue(value);
    check(lib().pgz_txn_put(this.handle(), key, key.length, value, value.length));
  }

  delete(key: Uint8Array): void {
    checkKey(key);
    check(lib().pgz_txn_delete(this.handle(), key, key.length));
  }

  /** Many writes in one call (value null deletes). All or nothing. */
  writeBatch(ops: ReadonlyArray<readonly [Uint8Array, Uint8Array | null]>): void {
    let size = 0;
    for (const [key, value] of ops) {
      checkKey(key);
      if (value) checkValue(value);
      size += 9 + key.length + (value?.length ?? 0);
    }
    const batch = new Uint8Array(size);
    const view = new DataView(batch.buffer);
    let pos = 0;
    for (const [key, value] of ops) {
      batch[pos] = value ? 1 : 2;
      view.setUint32(pos + 1, key.length, true);
      view.setUint32(pos + 5, value?.length ?? 0, true);
      batch.set(key, pos + 9);
      if (value) batch.set(value, pos + 9 + key.length);
      pos += 9 + key.length + (value?.length ?? 0);
    }
    check(lib().pgz_txn_write_batch(this.handle(), batch, batch.length));
  }

  /** A savepoint; `rollbackTo` undoes every write made after it. */
  savepoint(): bigint {
    check(lib().pgz_txn_savepoint(this.handle(), out64));
    return out64[0]!;
  }

  rollbackTo(savepoint: bigint): void {
    check(lib().pgz_txn_rollback_to(this.handle(), savepoint));
  }

  /** A fresh snapshot for the next statement (READ COMMITTED), keeping the writes. */
  refresh(): void {
    check(lib().pgz_txn_refresh(this.handle()));
  }

  get snapshot(): bigint {
    check(lib().pgz_txn_snapshot(this.handle(), out64));
    return out64[0]!;
  }

  /** Scans this transaction's snapshot with its own writes made so far. */
  scan(options: ScanOptions = {}): Iter {
    this.handle();
    return this.#db.openIter(this, options);
  }

  /** Commits; resolves with the commit timestamp once durable. The JavaScript thread never
   * waits on a sync. Rejects with ConflictError when a concurrent commit won. */
  commit(): Promise<bigint> {
    const handle = this.finish() as unknown as Pointer;
    return this.#db.track((token) => lib().pgz_txn_commit_async(handle, token));
  }

  abort(): void {
    if (this.#handle === 0) return;
    check(lib().pgz_txn_abort(this.finish() as unknown as Pointer));
  }

  [Symbol.dispose](): void {
    this.abort();
  }
}

// ---------------------------------------------------------------- scans

// Entries arrive through one shared buffer: fill() copies them out before it returns (and
// the JavaScript thread runs one fill at a time), so a scan allocates no buffer of its own.
// A scan's first fill asks for a few entries' worth and each later one for twice as much,
// up to iterFillBytesMax: a short scan (a seek and a few nexts) does not decode and copy
// hundreds of entries it never reads, and a long one still crosses the boundary rarely.
const iterFillBytesFirst = 2 * 1024;
const iterFillBytesMax = 64 * 1024;
let iterBuffer = new Uint8Array(iterFillBytesMax);
const usedOut = new BigUint64Array(1);
const countOut = new Uint32Array(1);

export class Iter implements Disposable, IterableIterator<[Uint8Array, Uint8Array]> {
  #db: Db;
  #txn: Txn | null;
  #handle: number;
  #fillBytes = iterFillBytesFirst;
  #entries: [Uint8Array, Uint8Array][] = [];
  #next = 0;
  #done = false;
  #unregister = {};

  /** @internal */
  constructor(db: Db, txn: Txn | null, handle: number) {
    this.#db = db;
    this.#txn = txn;
    this.#handle = handle;
    finalizer.register(this, () => void lib().pgz_iter_close(handle as unknown as Pointer), this.#unregister);
  }

  private fill(): void {
    if (this.#handle === 0) throw new ClosedError(Status.closed, "the scan is closed");
    if (this.#txn && !this.#txn.active) throw new ClosedError(Status.closed, "the scan's transaction is finished");
    this.#entries = [];
    this.#next = 0;
    for (;;) {
      const capacity = Math.min(this.#fillBytes, iterBuffer.length);
      const status = lib().pgz_iter_next(this.#handle as unknown as Pointer, iterBuffer, capacity, usedOut, countOut);
      if (status === Status.bufferTooSmall) {
        // One entry is larger than this fill's size: ask for at least that much from now on.
        const needed = Number(usedOut[0]);
        if (needed > iterBuffer.length) iterBuffer = new Uint8Array(Math.max(needed, iterBuffer.length * 2));
        this.#fillBytes = Math.max(this.#fillBytes, needed);
        continue;
      }
      check(status);
      break;
    }
    this.#fillBytes = Math.max(this.#fillBytes, Math.min(this.#fillBytes * 2, iterFillBytesMax));
    const count = countOut[0]!;
    if (count === 0) {
      this.#done = true;
      return;
    }
    const buffer = iterBuffer;
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const keyLength = view.getUint32(pos, true);
      const valueLength = view.getUint32(pos + 4, true);
      pos += 8;
      const key = buffer.slice(pos, pos + keyLength);
      pos += keyLength;
      const value = buffer.slice(pos, pos + valueLength);
      pos += valueLength;
      this.#entries.push([key, value]);
    }
  }

  next(): IteratorResult<[Uint8Array, Uint8Array]> {
    if (this.#next >= this.#entries.length) {
      if (this.#done) return { done: true, value: undefined };
      this.fill();
      if (this.#done) return { done: true, value: undefined };
    }
    return { done: false, value: this.#entries[this.#next++]! };
  }

  [Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    return this;
  }

  /** Everything left, as an array (then closes). */
  toArray(): [Uint8Array, Uint8Array][] {
    const all: [Uint8Array, Uint8Array][] = [];
    for (const entry of this) all.push(entry);
    this.close();
    return all;
  }

  return(): IteratorResult<[Uint8Array, Uint8Array]> {
    this.close();
    return { done: true, value: undefined };
  }

  close(): void {
    if (this.#handle === 0) return;
    const handle = this.#handle;
    this.#handle = 0;
    this.#done = true;
    finalizer.unregister(this.#unregister);
    this.#db.forget(this);
    // The transaction may already have closed it (commit and abort close their scans).
    const status = lib().pgz_iter_close(handle as unknown as Pointer);
    if (status !== Status.ok && status !== Status.closed) throw errorFromStatus(status, lastError());
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

// ---------------------------------------------------------------- stats

export interface EngineStats {
  levels: { level: number; files: number; bytes: number }[];
  memtable: { active_bytes: number; immutable_count: number; immutable_bytes: number; reserved_bytes: number };
  flush: { count: number; bytes_written: number; duration_ns: number };
  compaction: { count: number; trivial_moves: number; bytes_read: number; bytes_written: number; duration_ns: number; running: number };
  manual_jobs: { done: number; bytes_done: number; bytes_total: number };
  write_amplification: number;
  user_bytes_written: number;
  disk_bytes_written: number;
  vlog: {
    live_bytes: number;
    garbage_bytes: number;
    file_bytes: number;
    segments: { segment: number; live_bytes: number; garbage_bytes: number; file_bytes: number }[];
    vacuum_count: number;
    bytes_relocated: number;
    segments_deleted: number;
  };
  block_cache: { hits: number; misses: number; hit_ratio: number; bytes: number; capacity_bytes: number };
  stalls: { stop_count: number; stop_ns: number; slowdown_count: number; slowdown_ns: number };
  commits: {
    count: number;
    conflicts: number;
    batches: number;
    syncs: number;
    sync_ns: number;
    wal_bytes_written: number;
    vlog_bytes_written: number;
    batch_size_buckets: number[];
    batch_size_histogram: number[];
    sync_latency_buckets_us: number[];
    sync_latency_histogram: number[];
  };
  visible_ts: number;
  /** False once a write, sync or background job failed: writes are refused until reopen. */
  writable: boolean;
}
