// Real processes: a child commits transactions and reports each acknowledgment; it is killed
// with SIGKILL at random moments; the database is reopened and checked against the
// acknowledged log: every acknowledged transaction is there whole, none is there in part.
// PGZ_KILLS=<n> runs more rounds (default 100).
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../../ts/engine/index.ts";

const kills = Number(process.env.PGZ_KILLS ?? 100);
const seed = Number(process.env.PGZ_SEED ?? Date.now() % 1_000_000);

function random(state: { value: number }): number {
  // A small deterministic generator so a failing run can be replayed with PGZ_SEED.
  state.value = (state.value * 1103515245 + 12345) % 2147483648;
  return state.value / 2147483648;
}

test(`SIGKILL during commits, ${kills} times: acknowledged commits survive whole (seed ${seed})`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "pgz-kill-"));
  const rng = { value: seed };
  const dec = new TextDecoder();
  const enc = new TextEncoder();
  const acked = new Set<number>();
  let next = 0;
  try {
    for (let round = 0; round < kills; round++) {
      const child = Bun.spawn(["bun", join(import.meta.dir, "support", "committer.ts"), dir, String(next)], {
        stdout: "pipe",
        stderr: "inherit",
      });
      const reader = child.stdout.getReader();
      let buffered = "";
      let ready = false;
      const killAfterMs = 5 + Math.floor(random(rng) * 120);
      let timer: ReturnType<typeof setTimeout> | undefined;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += dec.decode(value);
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line === "ready" && !ready) {
            ready = true;
            timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
          } else if (line.startsWith("ack ")) {
            acked.add(Number(line.slice(4)));
          }
          newline = buffered.indexOf("\n");
        }
      }
      clearTimeout(timer);
      await child.exited;
      expect(child.signalCode).toBe("SIGKILL");
      // Transaction numbers the child may have used: everything up to the largest seen,
      // plus what was in flight (at most 16 beyond the last acknowledgment).
      const highest = Math.max(next - 1, ...acked);
      next = highest + 64;

      const db = Db.open(dir);
      try {
        for (let id = 0; id < next; id++) {
          const a = db.get(enc.encode(`t${id}-a`));
          const b = db.get(enc.encode(`t${id}-b`));
          const c = db.get(enc.encode(`t${id}-c`));
          const present = [a, b, c].filter((v) => v !== null).length;
          if (acked.has(id)) {
            if (present !== 3) throw new Error(`seed ${seed} round ${round}: acknowledged transaction ${id} is missing`);
          }
          if (present !== 0 && present !== 3) throw new Error(`seed ${seed} round ${round}: transaction ${id} is partly visible`);
          if (present === 3) {
            expect(dec.decode(a!)).toBe(`a${id}`);
            expect(dec.decode(b!)).toBe(`b${id}`);
            expect(c!.length).toBe(3000);
            expect(c![0]).toBe(id & 0xff);
            expect(c![2999]).toBe(id & 0xff);
          }
        }
      } finally {
        db.close();
      }
    }
    expect(acked.size).toBeGreaterThan(kills);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
