// The JavaScript thread never waits on an fsync: while 1,000 commits are in flight, a timer
// keeps firing on schedule, and every commit settles (no lost wake-up, no hang).
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../../ts/engine/index.ts";

test("while 1,000 commits are in flight a 5 ms timer keeps firing on schedule", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pgz-liveness-"));
  const db = Db.open(dir, { sync: "full" });
  try {
    const enc = new TextEncoder();
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    const windows: [number, number][] = [];
    const value = new Uint8Array(8 * 1024).fill(7);
    for (let round = 0; round < 10; round++) {
      const commits: Promise<bigint>[] = [];
      for (let i = 0; i < 1000; i++) {
        const txn = db.begin({ isolation: "unchecked" });
        txn.put(enc.encode(`r${round}-k${i}`), value);
        commits.push(txn.commit());
      }
      // From here the JavaScript thread is free: the engine syncs on its own threads.
      const start = performance.now();
      const timestamps = await Promise.all(commits);
      windows.push([start, performance.now()]);
      expect(new Set(timestamps.map(String)).size).toBe(1000);
      await Bun.sleep(10);
    }
    clearInterval(timer);
    // The longest stretch without a tick inside the windows where commits were in flight.
    let longest = 0;
    let inFlightMs = 0;
    for (const [start, end] of windows) {
      inFlightMs += end - start;
      let previous = start;
      for (const tick of ticks) {
        if (tick <= start || tick > end) continue;
        longest = Math.max(longest, tick - previous);
        previous = tick;
      }
      longest = Math.max(longest, end - previous);
    }
    expect(inFlightMs).toBeGreaterThan(20);
    expect(longest).toBeLessThan(30);
    const stats = db.stats();
    expect(stats.commits.count).toBeGreaterThanOrEqual(10_000);
    // Group commit: far fewer syncs than commits.
    expect(stats.commits.syncs).toBeLessThan(stats.commits.count / 4);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
