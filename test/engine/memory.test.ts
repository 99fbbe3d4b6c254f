// Resident memory stays within memtables + block cache + a small fixed overhead, whatever
// the data size: write and read back far more data than those budgets. The workload runs in
// a process of its own (support/memory-workload.ts): the test runner's process carries
// whatever earlier test files left in its heap.
import { expect, test } from "bun:test";
import { join } from "node:path";

const MiB = 1024 * 1024;

test("memory stays within memtables + block cache + overhead while writing and reading 200 MiB", () => {
  const child = Bun.spawnSync(["bun", join(import.meta.dir, "support", "memory-workload.ts")], { stderr: "pipe" });
  expect(child.stderr.toString()).toBe("");
  expect(child.exitCode).toBe(0);
  const { written, growth, budget } = JSON.parse(child.stdout.toString().trim().split("\n").at(-1)!) as Record<string, number>;
  console.log(`wrote ${(written! / MiB).toFixed(0)} MiB; resident growth ${(growth! / MiB).toFixed(1)} MiB; engine budget ${(budget! / MiB).toFixed(0)} MiB`);
  expect(written).toBeGreaterThanOrEqual(200 * MiB);
  // The budget plus a fixed overhead (allocator slack, scan buffers, the JavaScript heap's
  // own churn) — independent of the 200 MiB written.
  expect(growth).toBeLessThan(budget! + 48 * MiB);
}, 300_000);
