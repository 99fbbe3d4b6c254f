// Graceful shutdown of `pgz serve`: SIGTERM in the middle of a write workload exits 0, clients
// are told why (57P01), the engine is closed cleanly, and every write a client saw
// acknowledged is there when the data directory is opened again. A second signal forces exit.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Db } from "../../ts/engine/index.ts";
import { psql, sourceCommand, spawnPgz, standInCommand } from "./support/pgz-process.ts";

const scratch = mkdtempSync(join(tmpdir(), "pgz-shutdown-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const workers = 8;

describe("SIGTERM with the SQL server", () => {
  test("during concurrent INSERTs: exit 0, clients get 57P01, every committed row is there after restart", async () => {
    const dataDir = join(scratch, "sql");
    const args = ["--data-dir", dataDir, "--listen-addr", "127.0.0.1:0", "--http-addr", "off"];
    const pgz = await spawnPgz(sourceCommand, args);
    expect((await psql(pgz.pgPort, ["create table rows (w int, i int, primary key (w, i))"])).code).toBe(0);
    /** Rows each worker saw committed: worker w inserted i = 0 .. committed[w] - 1. */
    const committed = new Array<number>(workers).fill(0);
    const endings: string[] = [];
    const worker = async (w: number) => {
      const client = new pg.Client({ host: "127.0.0.1", port: pgz.pgPort, user: "postgres", database: "postgres" });
      client.on("error", () => {});
      await client.connect();
      try {
        for (let i = 0; ; i++) {
          await client.query(`insert into rows values (${w}, ${i})`);
          committed[w] = i + 1;
        }
      } catch (error) {
        endings.push((error as { code?: string }).code ?? (error as Error).message);
      } finally {
        await client.end().catch(() => {});
      }
    };
    const running = Array.from({ length: workers }, (_, w) => worker(w));
    while (committed.reduce((a, b) => a + b, 0) < 200) await Bun.sleep(5);
    const code = await pgz.stop("SIGTERM");
    await Promise.all(running);
    expect(code).toBe(0);
    expect(pgz.logs.at(-1)?.msg).toBe("shut down cleanly");
    expect(pgz.logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(endings.length).toBe(workers);
    expect(endings.filter((e) => e === "57P01").length).toBeGreaterThan(0);

    const again = await spawnPgz(sourceCommand, args);
    try {
      const counts = committed.map((n, w) => `select count(*) from rows where w = ${w} and i < ${n}`);
      const result = await psql(again.pgPort, counts);
      expect(result.stderr).toBe("");
      expect(result.stdout.trim().split("\n").map(Number)).toEqual(committed);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});

describe("SIGTERM", () => {
  test("during a write workload: exit 0, clients get 57P01, every acknowledged write survives", async () => {
    const dataDir = join(scratch, "workload");
    const pgz = await spawnPgz(standInCommand, ["--data-dir", dataDir, "--listen-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"]);
    const acknowledged: string[] = [];
    const endings: string[] = [];
    const worker = async (w: number) => {
      const client = new pg.Client({ host: "127.0.0.1", port: pgz.pgPort, user: "postgres", database: "postgres" });
      client.on("error", () => {}); // the 57P01 also arrives as an 'error' event on an idle client
      await client.connect();
      try {
        for (let i = 0; ; i++) {
          const key = `w${w}-${i}`;
          await client.query(`put ${key}`);
          acknowledged.push(key);
        }
      } catch (error) {
        endings.push((error as { code?: string }).code ?? (error as Error).message);
      } finally {
        await client.end().catch(() => {});
      }
    };
    const running = Array.from({ length: workers }, (_, w) => worker(w));
    // Let the workload get going, then ask for shutdown while writes are in flight.
    while (acknowledged.length < 200) await Bun.sleep(5);
    const code = await pgz.stop("SIGTERM");
    await Promise.all(running);

    expect(code).toBe(0);
    expect(pgz.otherOutput()).toBe("");
    expect(pgz.logs.some((l) => l.msg.startsWith("shutting down") && l.signal === "SIGTERM")).toBe(true);
    expect(pgz.logs.at(-1)?.msg).toBe("shut down cleanly");
    expect(pgz.logs.filter((l) => l.level >= 50)).toEqual([]);
    // Each client learned that the administrator shut the server down (or saw its socket
    // close right after being told).
    expect(endings.length).toBe(workers);
    expect(endings.filter((e) => e === "57P01").length).toBeGreaterThan(0);

    // The directory opens without recovery complaints and holds every acknowledged write.
    using db = Db.open(dataDir);
    const missing = acknowledged.filter((key) => db.get(new TextEncoder().encode(key)) === null);
    expect(missing).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(200);
  });

  test("healthz answers 503 while shutting down, and the server still exits 0", async () => {
    const pgz = await spawnPgz(standInCommand, [
      "--data-dir", join(scratch, "health"),
      "--listen-addr", "127.0.0.1:0",
      "--http-addr", "127.0.0.1:0",
      "--shutdown-timeout", "3s",
    ]);
    // A statement that outlasts the signal keeps the server in its shutting-down state a while.
    const slow = psql(pgz.pgPort, ["sleep 1000"]);
    await pgz.waitForLog((l) => l.msg === "connection opened");
    await Bun.sleep(100);
    pgz.proc.kill("SIGTERM");
    await pgz.waitForLog((l) => l.msg.startsWith("shutting down"));
    const response = await fetch(`${pgz.httpUrl}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "shutting_down" });
    const result = await slow;
    expect(result.code).toBe(0); // the running statement was allowed to finish
    expect(await pgz.stop()).toBe(0);
  });
});

describe("a second signal", () => {
  test("forces an immediate exit", async () => {
    const pgz = await spawnPgz(standInCommand, [
      "--data-dir", join(scratch, "forced"),
      "--listen-addr", "127.0.0.1:0",
      "--http-addr", "off",
      "--shutdown-timeout", "60s",
    ]);
    expect(pgz.httpUrl).toBeNull();
    const stuck = psql(pgz.pgPort, ["sleep 30000"]);
    await pgz.waitForLog((l) => l.msg === "connection opened");
    await Bun.sleep(100);
    const started = performance.now();
    pgz.proc.kill("SIGTERM");
    await pgz.waitForLog((l) => l.msg.startsWith("shutting down"));
    const code = await pgz.stop("SIGINT");
    expect(code).toBe(1);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(pgz.logs.some((l) => l.msg === "second signal: exiting at once" && l.signal === "SIGINT")).toBe(true);
    expect((await stuck).code).not.toBe(0);
  });
});
