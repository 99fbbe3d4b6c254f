// Bulk work (COPY FROM, table rewrites, index builds, long scans) produces garbage much
// faster than queries do, most of it small typed arrays whose bytes live outside the
// collector's heap (keys and row values read from the engine, write batches). The
// collector's heuristics notice that late, and meanwhile the process's resident memory grows
// by hundreds of megabytes for a table of a million rows. Asking for a collection after every
// few megabytes moved keeps the peak near what is live; for a short query the counter just
// accumulates.

/** Bytes moved between collections. */
const collectEveryBytes = 8 * 1024 * 1024;

let movedSinceCollect = 0;

/** Counts bytes read from or handed to the engine by bulk work; now and then runs the collector. */
export function bulkBytes(bytes: number): void {
  movedSinceCollect += bytes;
  if (movedSinceCollect < collectEveryBytes) return;
  movedSinceCollect = 0;
  Bun.gc(false);
}

/** The bytes of a batch of writes. */
export function batchBytes(ops: ReadonlyArray<readonly [Uint8Array, Uint8Array | null]>): number {
  let bytes = 0;
  for (const [key, value] of ops) bytes += key.length + (value === null ? 0 : value.length);
  return bytes;
}
