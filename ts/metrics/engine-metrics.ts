// The storage engine's figures (Db.stats()) as Prometheus metrics. One stats snapshot is
// taken per scrape (update()), so every engine series of a scrape comes from the same moment.
// Units are converted to Prometheus' base units: nanoseconds and microseconds to seconds.

import { Counter, Gauge, type Registry } from "prom-client";
import type { EngineStats } from "../engine/index.ts";
import { BucketHistogram } from "./bucket-histogram.ts";

interface Figure {
  readonly name: string;
  readonly help: string;
  readonly kind: "counter" | "gauge";
  readonly value: (stats: EngineStats) => number;
}

const ns = 1e-9;

/** Unlabelled figures, in the order of EngineStats. */
const figures: readonly Figure[] = [
  { name: "pgz_engine_memtable_bytes", help: "Bytes in the active memtable", kind: "gauge", value: (s) => s.memtable.active_bytes },
  { name: "pgz_engine_memtable_immutable_bytes", help: "Bytes in memtables waiting to be flushed", kind: "gauge", value: (s) => s.memtable.immutable_bytes },
  { name: "pgz_engine_memtable_immutable", help: "Memtables waiting to be flushed", kind: "gauge", value: (s) => s.memtable.immutable_count },
  { name: "pgz_engine_flushes_total", help: "Memtable flushes to level 0", kind: "counter", value: (s) => s.flush.count },
  { name: "pgz_engine_flush_written_bytes_total", help: "Bytes written by memtable flushes", kind: "counter", value: (s) => s.flush.bytes_written },
  { name: "pgz_engine_flush_duration_seconds_total", help: "Time spent flushing memtables", kind: "counter", value: (s) => s.flush.duration_ns * ns },
  { name: "pgz_engine_compactions_total", help: "Compactions finished", kind: "counter", value: (s) => s.compaction.count },
  { name: "pgz_engine_compaction_trivial_moves_total", help: "Compactions that moved a table to the next level without rewriting it", kind: "counter", value: (s) => s.compaction.trivial_moves },
  { name: "pgz_engine_compaction_read_bytes_total", help: "Bytes read by compactions", kind: "counter", value: (s) => s.compaction.bytes_read },
  { name: "pgz_engine_compaction_written_bytes_total", help: "Bytes written by compactions", kind: "counter", value: (s) => s.compaction.bytes_written },
  { name: "pgz_engine_compaction_duration_seconds_total", help: "Time spent compacting", kind: "counter", value: (s) => s.compaction.duration_ns * ns },
  { name: "pgz_engine_compactions_running", help: "Compactions in progress", kind: "gauge", value: (s) => s.compaction.running },
  { name: "pgz_engine_user_written_bytes_total", help: "Key and value bytes written by committed transactions", kind: "counter", value: (s) => s.user_bytes_written },
  { name: "pgz_engine_disk_written_bytes_total", help: "Bytes the engine wrote to disk (commit log, value log, tables)", kind: "counter", value: (s) => s.disk_bytes_written },
  { name: "pgz_engine_write_amplification_ratio", help: "Bytes written to disk per byte written by transactions", kind: "gauge", value: (s) => s.write_amplification },
  { name: "pgz_engine_vlog_live_bytes", help: "Value-log bytes still referenced", kind: "gauge", value: (s) => s.vlog.live_bytes },
  { name: "pgz_engine_vlog_garbage_bytes", help: "Value-log bytes no longer referenced (reclaimed by VACUUM)", kind: "gauge", value: (s) => s.vlog.garbage_bytes },
  { name: "pgz_engine_vlog_file_bytes", help: "Size of the value-log files", kind: "gauge", value: (s) => s.vlog.file_bytes },
  { name: "pgz_engine_vlog_segments", help: "Value-log segment files", kind: "gauge", value: (s) => s.vlog.segments.length },
  { name: "pgz_engine_vacuums_total", help: "Value-log garbage collections finished", kind: "counter", value: (s) => s.vlog.vacuum_count },
  { name: "pgz_engine_vlog_relocated_bytes_total", help: "Live value-log bytes rewritten by garbage collection", kind: "counter", value: (s) => s.vlog.bytes_relocated },
  { name: "pgz_engine_vlog_segments_deleted_total", help: "Value-log segments deleted by garbage collection", kind: "counter", value: (s) => s.vlog.segments_deleted },
  { name: "pgz_engine_block_cache_hits_total", help: "Table block reads served by the block cache", kind: "counter", value: (s) => s.block_cache.hits },
  { name: "pgz_engine_block_cache_misses_total", help: "Table block reads that went to disk", kind: "counter", value: (s) => s.block_cache.misses },
  { name: "pgz_engine_block_cache_bytes", help: "Bytes held by the block cache", kind: "gauge", value: (s) => s.block_cache.bytes },
  { name: "pgz_engine_block_cache_capacity_bytes", help: "Block cache capacity", kind: "gauge", value: (s) => s.block_cache.capacity_bytes },
  { name: "pgz_engine_commits_total", help: "Transactions committed", kind: "counter", value: (s) => s.commits.count },
  { name: "pgz_engine_commit_conflicts_total", help: "Commits refused by a write-write conflict", kind: "counter", value: (s) => s.commits.conflicts },
  { name: "pgz_engine_commit_batches_total", help: "Group-commit batches written", kind: "counter", value: (s) => s.commits.batches },
  { name: "pgz_engine_wal_written_bytes_total", help: "Bytes appended to the commit log", kind: "counter", value: (s) => s.commits.wal_bytes_written },
  { name: "pgz_engine_vlog_written_bytes_total", help: "Bytes appended to the value log by commits", kind: "counter", value: (s) => s.commits.vlog_bytes_written },
];

export class EngineMetrics {
  #stats: EngineStats | null = null;
  readonly #update: ((stats: EngineStats) => void)[] = [];

  constructor(registry: Registry) {
    const registers = [registry];
    for (const figure of figures) {
      if (figure.kind === "gauge") {
        const gauge = new Gauge({ name: figure.name, help: figure.help, registers });
        this.#update.push((s) => gauge.set(figure.value(s)));
      } else {
        const counter = new Counter({ name: figure.name, help: figure.help, registers });
        this.#update.push((s) => setCounter(counter, figure.value(s)));
      }
    }

    const levelFiles = new Gauge({ name: "pgz_engine_level_files", help: "Sorted tables per LSM level", labelNames: ["level"], registers });
    const levelBytes = new Gauge({ name: "pgz_engine_level_bytes", help: "Bytes of sorted tables per LSM level", labelNames: ["level"], registers });
    this.#update.push((s) => {
      for (const level of s.levels) {
        levelFiles.set({ level: level.level }, level.files);
        levelBytes.set({ level: level.level }, level.bytes);
      }
    });

    const stalls = new Counter({ name: "pgz_engine_write_stalls_total", help: "Times writers were slowed down or stopped by backpressure, by kind", labelNames: ["kind"], registers });
    const stallSeconds = new Counter({ name: "pgz_engine_write_stall_seconds_total", help: "Time writers spent slowed down or stopped by backpressure, by kind", labelNames: ["kind"], registers });
    this.#update.push((s) => {
      stalls.reset();
      stalls.inc({ kind: "stop" }, s.stalls.stop_count);
      stalls.inc({ kind: "slowdown" }, s.stalls.slowdown_count);
      stallSeconds.reset();
      stallSeconds.inc({ kind: "stop" }, s.stalls.stop_ns * ns);
      stallSeconds.inc({ kind: "slowdown" }, s.stalls.slowdown_ns * ns);
    });

    new BucketHistogram({
      name: "pgz_engine_commit_batch_size",
      help: "Transactions per group-commit batch",
      registers,
      read: () => {
        const c = this.#stats?.commits;
        return c ? { bounds: c.batch_size_buckets, counts: c.batch_size_histogram, sum: c.count } : null;
      },
    });
    new BucketHistogram({
      name: "pgz_engine_commit_sync_duration_seconds",
      help: "Duration of each commit-log and value-log fsync",
      registers,
      read: () => {
        const c = this.#stats?.commits;
        if (!c) return null;
        return { bounds: c.sync_latency_buckets_us.map((us) => us / 1e6), counts: c.sync_latency_histogram, sum: c.sync_ns * ns };
      },
    });
  }

  /**
   * Takes the figures of one stats snapshot. Null (the engine closed, as during shutdown)
   * keeps the last figures: dropping counters to zero would read as a restart.
   */
  update(stats: EngineStats | null): void {
    if (stats === null) return;
    this.#stats = stats;
    for (const update of this.#update) update(stats);
  }
}

/** Counters only go up in prom-client's API; the engine keeps the running total itself. */
function setCounter(counter: Counter, value: number): void {
  counter.reset();
  counter.inc(value);
}
