/*
 * pgz.h — the C ABI of the pgz storage engine (libpgz.so / libpgz.dylib).
 *
 * This header is the single contract between the engine and its callers (the Bun binding
 * in ts/engine uses exactly these functions). zig/capi.zig implements it.
 *
 * Conventions
 * - Every function that can fail returns an int status (enum pgz_status). PGZ_OK is 0.
 * - After a failure, pgz_last_error() describes it (file and offset for corruption, the
 *   limit that was exceeded, ...). The message is per thread and valid until the next pgz_
 *   call on the same thread.
 * - Handles (pgz_db, pgz_txn, pgz_iter) are opaque and never reused. A null, closed or
 *   made-up handle is refused with PGZ_CLOSED; the engine never dereferences it.
 * - Buffers: the caller owns every buffer it passes in. Input buffers (keys, values, paths,
 *   options, batches) are read during the call only. Output buffers are written during the
 *   call only. The only memory the engine hands out is pgz_stats' text, which the caller
 *   frees with pgz_free. Strings returned by pgz_version and pgz_last_error are owned by the
 *   engine.
 * - Byte ranges are (pointer, length). A null pointer with length 0 means "absent" where a
 *   range is optional (scan bounds); a non-null pointer with length 0 is the empty string.
 *   A value (put) of length 0 is the empty value whatever the pointer.
 * - Thread safety: a pgz_db may be used from any number of threads at once. A pgz_txn or
 *   pgz_iter must be used by one thread at a time. pgz_close waits for calls in flight on
 *   other threads; using a handle after pgz_close returns gives PGZ_CLOSED.
 *
 * Limits (enforced with PGZ_TOO_LARGE): keys 1..4096 bytes; values up to 64 MiB; one
 * transaction's writes up to 512 MiB and 4,194,304 operations.
 */
#ifndef PGZ_H
#define PGZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pgz_db pgz_db;
typedef struct pgz_txn pgz_txn;
typedef struct pgz_iter pgz_iter;

enum pgz_status {
    PGZ_OK = 0,
    PGZ_ERR = 1,                /* an error with no more specific code */
    PGZ_NOT_FOUND = 2,          /* the key has no visible value */
    PGZ_CORRUPTION = 3,         /* on-disk data failed a check; see pgz_last_error */
    PGZ_IO = 4,                 /* the operating system reported an I/O error */
    PGZ_CONFLICT = 5,           /* the transaction conflicts with a concurrent commit; retry */
    PGZ_BUSY = 6,               /* the directory is locked by another process, or the
                                   transaction has open iterators */
    PGZ_INVALID_ARGUMENT = 7,   /* a null or malformed argument, an unknown flag or option */
    PGZ_BUFFER_TOO_SMALL = 8,   /* the output buffer is too small; the size needed is reported */
    PGZ_NO_SPACE = 9,           /* the disk is full */
    PGZ_TOO_LARGE = 10,         /* a key, value or transaction exceeds its limit */
    PGZ_POISONED = 11,          /* a write or sync failed earlier: writes are refused until the
                                   database is closed and reopened (pgz_failure says why) */
    PGZ_CLOSED = 12,            /* null, closed or unknown handle; or the database is closing */
    PGZ_UNSUPPORTED = 13,       /* the data directory was written by a newer pgz */
    PGZ_NO_MEMORY = 14
};

/* The engine's version, e.g. "0.1.0". Static string. */
const char *pgz_version(void);

/* The message of the last failure on this thread ("" when none). Engine-owned, valid until
 * the next pgz_ call on this thread. */
const char *pgz_last_error(void);

/* ---------------------------------------------------------------- database */

/* Opens (creating when missing, unless told otherwise) the database in directory
 * path[0..path_len). options_json (may be null/0) is a JSON object with any of:
 *   "sync": "full" | "normal" | "off"      when commits are acknowledged:
 *       full   after fdatasync of the value log and commit log (default; nothing
 *              acknowledged is ever lost),
 *       normal after the write reaches the OS, synced every sync_interval_ms (a power
 *              loss can lose the last interval's commits; a process crash loses none),
 *       off    never synced by commits (a power loss can lose everything since the last
 *              flush).
 *   "sync_interval_ms" (200), "memtable_size_bytes" (32 MiB), "immutable_memtables_max" (2),
 *   "l0_compaction_trigger" (4), "l0_slowdown_trigger" (12), "l0_stop_trigger" (20),
 *   "level1_size_bytes" (64 MiB), "level_size_multiplier" (10), "sstable_size_bytes" (16 MiB),
 *   "block_size_bytes" (4096), "bloom_bits_per_key" (10), "block_cache_size_bytes" (64 MiB),
 *   "compaction_bytes_per_second" (0 = unlimited), "vacuum_garbage_per_mille" (500),
 *   "vlog_segment_size_bytes" (128 MiB), "value_inline_threshold_bytes" (1024),
 *   "background_threads" (true), "create_if_missing" (true), "error_if_exists" (false),
 *   "flush_on_close" (true).
 * Opening recovers from a crash. A second open of the same directory (from any process)
 * fails with PGZ_BUSY. *out receives the handle (null on failure). */
int pgz_open(const char *path, size_t path_len, const char *options_json, size_t options_len,
             pgz_db **out);

/* Aborts the database's open transactions, closes its iterators, waits for calls and jobs
 * in flight, completes queued commits, flushes the memtable (flush_on_close) and frees the
 * handle. */
int pgz_close(pgz_db *db);

/* Reads the newest committed value of key. On PGZ_OK the value is in buffer[0..*value_len).
 * When capacity is too small: PGZ_BUFFER_TOO_SMALL with *value_len = the size needed.
 * PGZ_NOT_FOUND when absent. value_len may be null. No allocation. */
int pgz_get(pgz_db *db, const uint8_t *key, size_t key_len, uint8_t *buffer, size_t capacity,
            size_t *value_len);

/* One-operation transactions, durable (per the sync mode) when they return. They block the
 * calling thread until then; event-loop callers use transactions with pgz_txn_commit_async. */
int pgz_put(pgz_db *db, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len);
int pgz_delete(pgz_db *db, const uint8_t *key, size_t key_len);

/* ---------------------------------------------------------------- transactions */

/* flags: the isolation in the low byte, OR PGZ_TXN_READ_ONLY.
 *   PGZ_ISOLATION_SNAPSHOT      writes conflicting with a commit after the snapshot fail
 *                               the later committer with PGZ_CONFLICT (first committer wins)
 *   PGZ_ISOLATION_SERIALIZABLE  also fails when anything it read (keys, scanned ranges) was
 *                               changed by a commit after its snapshot
 *   PGZ_ISOLATION_UNCHECKED     no conflict checks: the caller serializes writers (locks)
 * A read-only transaction never conflicts. */
#define PGZ_ISOLATION_SNAPSHOT 0u
#define PGZ_ISOLATION_SERIALIZABLE 1u
#define PGZ_ISOLATION_UNCHECKED 2u
#define PGZ_TXN_READ_ONLY 0x100u
int pgz_txn_begin(pgz_db *db, uint32_t flags, pgz_txn **out);

/* Reads key as the transaction sees it: its own writes, else the snapshot. With
 * PGZ_GET_LATEST, the newest committed version instead of the snapshot's (for a caller
 * holding a lock on the key). Buffer rules as pgz_get. */
#define PGZ_GET_LATEST 1u
int pgz_txn_get(pgz_txn *txn, uint32_t flags, const uint8_t *key, size_t key_len,
                uint8_t *buffer, size_t capacity, size_t *value_len);

/* Buffer a write; nothing is visible to others until commit. */
int pgz_txn_put(pgz_txn *txn, const uint8_t *key, size_t key_len, const uint8_t *value,
                size_t value_len);
int pgz_txn_delete(pgz_txn *txn, const uint8_t *key, size_t key_len);

/* Many writes in one call. batch holds records: op (uint8: 1 put, 2 delete), key_len
 * (uint32 little-endian), value_len (uint32 LE, 0 for delete), key bytes, value bytes.
 * All or nothing: if any record is malformed or too large, none is applied. */
int pgz_txn_write_batch(pgz_txn *txn, const uint8_t *batch, size_t batch_len);

/* Savepoints: pgz_txn_rollback_to undoes every write made after the savepoint. */
int pgz_txn_savepoint(pgz_txn *txn, uint64_t *out);
int pgz_txn_rollback_to(pgz_txn *txn, uint64_t savepoint);

/* Moves the transaction's snapshot to the newest commit, keeping its writes (READ
 * COMMITTED: a fresh snapshot per statement). */
int pgz_txn_refresh(pgz_txn *txn);

/* The transaction's snapshot timestamp. */
int pgz_txn_snapshot(pgz_txn *txn, uint64_t *out);

/* Commits and waits until durable (per the sync mode). The handle is consumed whatever the
 * outcome (its iterators are closed first). commit_ts may be null. PGZ_CONFLICT: nothing
 * was applied; retry the transaction. */
int pgz_txn_commit(pgz_txn *txn, uint64_t *commit_ts);

/* Starts a commit without waiting. The handle is consumed at once. The outcome arrives as a
 * pgz_completion carrying token (see pgz_set_notify and pgz_completions). */
int pgz_txn_commit_async(pgz_txn *txn, uint64_t token);

/* Discards the transaction. The handle is consumed. */
int pgz_txn_abort(pgz_txn *txn);

/* ---------------------------------------------------------------- completions */

typedef struct pgz_completion {
    uint64_t token;      /* as given to pgz_txn_commit_async or pgz_job_start */
    uint64_t commit_ts;  /* the commit timestamp (0 for jobs and failures) */
    int32_t status;      /* enum pgz_status */
    uint32_t reserved;
} pgz_completion;

/* Registers fn, called from an engine thread as fn(ctx) when completions are waiting. After
 * a call, fn is not called again until pgz_completions has been called, so one wake-up
 * settles many completions. fn must not block and must not call into pgz. Null unregisters. */
int pgz_set_notify(pgz_db *db, void (*fn)(uint64_t ctx), uint64_t ctx);

/* Moves up to capacity finished completions into out; *count says how many (0: none). */
int pgz_completions(pgz_db *db, pgz_completion *out, size_t capacity, size_t *count);

/* Why the database refuses writes (after a failed write or sync, or failed background
 * work), or else why the last background job failed; "" when neither. Buffer rules as
 * pgz_get (the text is not NUL-terminated). */
int pgz_failure(pgz_db *db, uint8_t *buffer, size_t capacity, size_t *len);

/* ---------------------------------------------------------------- scans */

/* Scans keys in [lower, upper) in key order (bytewise), or reverse order with
 * PGZ_SCAN_REVERSE. A null bound is unbounded. With txn (may be null) the scan reads the
 * transaction's snapshot plus its own writes made before this call; without, the newest
 * snapshot. The iterator keeps its snapshot until closed. Close a transaction's iterators
 * before committing it (commit and abort close them). */
#define PGZ_SCAN_REVERSE 1u
int pgz_scan(pgz_db *db, pgz_txn *txn, const uint8_t *lower, size_t lower_len,
             const uint8_t *upper, size_t upper_len, uint32_t flags, pgz_iter **out);

/* Fills buffer with as many entries as fit, each: key_len (uint32 LE), value_len (uint32
 * LE), key, value. *used = bytes written, *count = entries. PGZ_OK with *count == 0 means
 * the scan is over. If not even the next entry fits: PGZ_BUFFER_TOO_SMALL with *used = the
 * size it needs (the entry is kept for the next call). */
int pgz_iter_next(pgz_iter *it, uint8_t *buffer, size_t capacity, size_t *used, uint32_t *count);
int pgz_iter_close(pgz_iter *it);

/* ---------------------------------------------------------------- maintenance */

/* Writes the memtable to a table and waits. */
int pgz_flush(pgz_db *db);
/* Syncs commits acknowledged without a sync (sync modes normal and off). */
int pgz_sync(pgz_db *db);
/* Compacts [lower, upper] (null bounds: everything): obsolete versions are dropped and the
 * range ends up in one level. Blocks the calling thread. */
int pgz_compact(pgz_db *db, const uint8_t *lower, size_t lower_len, const uint8_t *upper,
                size_t upper_len);
/* Value-log garbage collection: compacts the range, rewrites value-log segments whose
 * garbage share passes vacuum_garbage_per_mille, deletes segments holding only garbage.
 * Blocks the calling thread. */
int pgz_vacuum(pgz_db *db, const uint8_t *lower, size_t lower_len, const uint8_t *upper,
               size_t upper_len);

/* Runs a job on an engine thread: PGZ_JOB_FLUSH, PGZ_JOB_COMPACT or PGZ_JOB_VACUUM (bounds
 * as above). The outcome arrives as a completion carrying token; a failed job's message is
 * available from pgz_failure. Progress shows in pgz_stats ("manual_jobs"). */
#define PGZ_JOB_FLUSH 1u
#define PGZ_JOB_COMPACT 2u
#define PGZ_JOB_VACUUM 3u
int pgz_job_start(pgz_db *db, uint32_t kind, const uint8_t *lower, size_t lower_len,
                  const uint8_t *upper, size_t upper_len, uint64_t token);

/* Statistics as a JSON object (levels, memtable, flush, compaction, write amplification,
 * value log per segment, block cache, stalls, commits with batch-size and sync-latency
 * histograms). *out is engine-allocated, *len bytes, not NUL-terminated: free it with
 * pgz_free. */
int pgz_stats(pgz_db *db, char **out, size_t *len);

/* Frees memory returned by pgz_stats (and nothing else). Null is ignored. */
void pgz_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* PGZ_H */
