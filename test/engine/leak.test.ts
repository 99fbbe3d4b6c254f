// Native memory is released deterministically: opening, writing, scanning and closing a
// database 10,000 times leaves resident memory flat.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../../ts/engine/index.ts";

function residentBytes(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

test("open, write, scan, close 10,000 times: resident memory stays flat", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pgz-leak-"));
  const enc = new TextEncoder();
  // Sync "off": this test is about memory, not durability (other tests cover that).
  const options = { memtableSizeBytes: 64 * 1024, blockCacheSizeBytes: 256 * 1024, sync: "off" } as const;
  const cycle = async (i: number) => {
    const db = Db.open(dir, options);
    const txn = db.begin();
    txn.put(enc.encode(`key${i % 500}`), enc.encode(`value${i}`));
    if (i % 7 === 0) txn.put(enc.encode(`big${i % 50}`), new Uint8Array(2000).fill(i & 0xff));
    await txn.commit();
    let count = 0;
    for (const _ of db.scan({ lower: enc.encode("key"), upper: enc.encode("kez") })) count++;
    if (count === 0) throw new Error("scan found nothing");
    db.get(enc.encode("key1"));
    db.close();
  };
  try {
    for (let i = 0; i < 1000; i++) await cycle(i);
    Bun.gc(true);
    const warm = residentBytes();
    for (let i = 1000; i < 10_000; i++) await cycle(i);
    Bun.gc(true);
    const after = residentBytes();
    const growth = after - warm;
    console.log(`resident memory after 1,000 cycles ${(warm / 1048576).toFixed(1)} MiB, after 10,000 ${(after / 1048576).toFixed(1)} MiB`);
    expect(growth).toBeLessThan(24 * 1024 * 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
