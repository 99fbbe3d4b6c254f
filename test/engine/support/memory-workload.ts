// The workload of memory.test.ts, run in a process of its own so that nothing else the test
// runner did before (other files' heaps, servers, engines) moves its resident memory.
// Prints one JSON line: { written, growth, budget } in bytes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../../../ts/engine/index.ts";

function residentBytes(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

const MiB = 1024 * 1024;
const memtable = 4 * MiB;
const immutables = 2;
const cache = 8 * MiB;

const dir = mkdtempSync(join(tmpdir(), "pgz-memory-"));
const db = Db.open(dir, {
  memtableSizeBytes: memtable,
  immutableMemtablesMax: immutables,
  blockCacheSizeBytes: cache,
  sync: "off",
});
try {
  Bun.gc(true);
  const baseline = residentBytes();
  let peak = baseline;
  const enc = new TextEncoder();
  const small = new Uint8Array(100).fill(1);
  const large = new Uint8Array(16 * 1024).fill(2);
  let written = 0;
  let batch = 0;
  while (written < 200 * MiB) {
    const txn = db.begin({ isolation: "unchecked" });
    const ops: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 500; i++) {
      const n = batch * 500 + i;
      const value = n % 50 === 0 ? large : small;
      ops.push([enc.encode(`key${String(n).padStart(9, "0")}`), value]);
      written += value.length + 12;
    }
    txn.writeBatch(ops);
    await txn.commit();
    batch++;
    if (batch % 50 === 0) {
      Bun.gc(true);
      peak = Math.max(peak, residentBytes());
    }
  }
  // Read everything back in a scan and at random.
  let count = 0;
  for (const _ of db.scan()) {
    if (++count % 100_000 === 0) peak = Math.max(peak, residentBytes());
  }
  if (count !== batch * 500) throw new Error(`scan returned ${count} keys, expected ${batch * 500}`);
  for (let i = 0; i < 50_000; i++) {
    const n = Math.floor(Math.random() * batch * 500);
    if (db.get(enc.encode(`key${String(n).padStart(9, "0")}`)) === null) throw new Error(`key ${n} missing`);
  }
  Bun.gc(true);
  peak = Math.max(peak, residentBytes());
  console.log(JSON.stringify({ written, growth: peak - baseline, budget: memtable * (1 + immutables) + cache }));
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
