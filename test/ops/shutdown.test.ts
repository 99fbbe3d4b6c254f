// Graceful shutdown of `pgz serve`: SIGTERM in the middle of a write workload exits 0, clients
// are told why (57P01), the engine is closed cleanly, and every write a client saw
// acknowledged is there when the data directory is opened again. A second signal forces exit.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { psql, sourceCommand, spawnPgz } from "./support/pgz-process.ts";

const scratch = mkdtempSync(join(tmpdir(), "pgz-shutdown-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const workers = 8;

/**
 * SIGTERM with a short --shutdown-timeout while `stuck` (a statement of `client`) runs: the
 * server exits 0 within moments, cancels the statement and tells its client 57P01.
 */
async function expectCancelledAtShutdown(pgz: Awaited<ReturnType<typeof spawnPgz>>, client: pg.Client, stuck: Promise<string>): Promise<void> {
  const started = performance.now();
  expect(await pgz.stop("SIGTERM")).toBe(0);
  expect(performance.now() - started).toBeLessThan(5000);
  expect(await stuck).toBe("57P01");
  await client.end().catch(() => {});
  expect(pgz.logs.some((l) => l.msg === "statements still running after the shutdown timeout are cancelled")).toBe(true);
  expect(pgz.logs.at(-1)?.msg).toBe("shut down cleanly");
}

describe("SIGTERM with the SQL server", () => {
  test("during concurrent INSERTs: exit 0, clients get 57P01, every committed row is there after restart", async () => {
    const dataDir = join(scratch, "sql");
    const args = ["--data-dir", dataDir, "--listen-addr", "127.0.0.1:0", "--http-addr", "off"];
    const pgz = await spawnPgz(sourceCommand, args);
    expect((await psql(pgz.pgPort, ["create table rows (w int, i int, primary key (w, i))"])).code).toBe(0);
    /** Rows each worker saw committed: worker w inserted i = 0 .. committed[w] - 1. */
    const committed = new Array<number>(workers).fill(0);
    const endings: string[] = [];
    /** Workers told 57P01: as their query's error, or (when their last INSERT was allowed to finish) on the idle connection. */
    const told = new Set<number>();
    const worker = async (w: number) => {
      const client = new pg.Client({ host: "127.0.0.1", port: pgz.pgPort, user: "postgres", database: "postgres" });
      client.on("error", (error: Error & { code?: string }) => {
        if (error.code === "57P01") told.add(w);
      });
      await client.connect();
      try {
        for (let i = 0; ; i++) {
          await client.query(`insert into rows values (${w}, ${i})`);
          committed[w] = i + 1;
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "57P01") told.add(w);
        endings.push(code ?? (error as Error).message);
      } finally {
        await client.end().catch(() => {});
      }
    };
    const running = Array.from({ length: workers }, (_, w) => worker(w));
    while (committed.reduce((a, b) => a + b, 0) < 200) await Bun.sleep(5);
    const code = await pgz.stop("SIGTERM");
    await Promise.all(running);
    expect(code).toBe(0);
    expect(pgz.otherOutput()).toBe("");
    expect(pgz.logs.some((l) => l.msg.startsWith("shutting down") && l.signal === "SIGTERM")).toBe(true);
    expect(pgz.logs.at(-1)?.msg).toBe("shut down cleanly");
    expect(pgz.logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(endings.length).toBe(workers);
    expect(told.size).toBe(workers);

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
  test("healthz answers 503 while shutting down; a running statement may finish within the timeout", async () => {
    const pgz = await spawnPgz(sourceCommand, [
      "--data-dir", join(scratch, "health"),
      "--listen-addr", "127.0.0.1:0",
      "--http-addr", "127.0.0.1:0",
      "--shutdown-timeout", "3s",
    ]);
    // A statement that outlasts the signal keeps the server in its shutting-down state a while.
    const client = new pg.Client({ host: "127.0.0.1", port: pgz.pgPort, user: "postgres", database: "postgres" });
    const told: string[] = [];
    client.on("error", (error: Error & { code?: string }) => told.push(error.code ?? error.message));
    await client.connect();
    const slow = client.query("select pg_sleep(1) as slept, 42 as answer");
    await Bun.sleep(100);
    pgz.proc.kill("SIGTERM");
    await pgz.waitForLog((l) => l.msg.startsWith("shutting down"));
    const response = await fetch(`${pgz.httpUrl}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "shutting_down" });
    // The running statement was allowed to finish and its result delivered; then the session ended.
    expect((await slow).rows).toEqual([{ slept: "", answer: 42 }]);
    // Already shutting down: wait for the exit (a second signal would force it).
    await pgz.proc.exited;
    const code = await pgz.stop();
    expect({ code, errors: pgz.logs.filter((l) => l.level >= 50), other: pgz.otherOutput() }).toEqual({ code: 0, errors: [], other: "" });
    await client.end().catch(() => {});
    expect(told[0]).toBe("57P01");
    expect(pgz.logs.some((l) => l.msg === "running statements finished")).toBe(true);
  });

  test("past the timeout a running statement is cancelled, its transaction rolled back, its client told 57P01", async () => {
    const dataDir = join(scratch, "timeout");
    const args = ["--data-dir", dataDir, "--listen-addr", "127.0.0.1:0", "--http-addr", "off", "--shutdown-timeout", "300ms"];
    const pgz = await spawnPgz(sourceCommand, args);
    expect((await psql(pgz.pgPort, ["create table t (id int primary key)"])).code).toBe(0);
    const client = new pg.Client({ host: "127.0.0.1", port: pgz.pgPort, user: "postgres", database: "postgres" });
    client.on("error", () => {});
    await client.connect();
    await client.query("begin");
    await client.query("insert into t values (1)");
    const stuck = client.query("select pg_sleep(30)").then(
      () => "finished",
      (error: { code?: string }) => error.code ?? "no code",
    );
    await Bun.sleep(100);
    await expectCancelledAtShutdown(pgz, client, stuck);

    const again = await spawnPgz(sourceCommand, args);
    try {
      expect((await psql(again.pgPort, ["select count(*) from t"])).stdout).toBe("0\n");
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});

describe("SIGTERM during a statement that computes without sending rows", () => {
  test("past the timeout it is cancelled and the server exits within moments", async () => {
    const args = ["--data-dir", join(scratch, "computing"), "--listen-addr", "127.0.0.1:0", "--http-addr", "off", "--shutdown-timeout", "300ms"];
    const pgz = await spawnPgz(sourceCommand, args);
    const client = new pg.Client({ host: "127.0.0.1", port: pgz.pgPort, user: "postgres", database: "postgres" });
    client.on("error", () => {});
    await client.connect();
    const stuck = client.query("select sum(g) from generate_series(1, 1e11) g").then(
      () => "finished",
      (error: { code?: string }) => error.code ?? "no code",
    );
    await Bun.sleep(200);
    await expectCancelledAtShutdown(pgz, client, stuck);
  });
});

describe("a second signal", () => {
  test("forces an immediate exit", async () => {
    const pgz = await spawnPgz(sourceCommand, [
      "--data-dir", join(scratch, "forced"),
      "--listen-addr", "127.0.0.1:0",
      "--http-addr", "off",
      "--shutdown-timeout", "60s",
    ]);
    expect(pgz.httpUrl).toBeNull();
    const stuck = psql(pgz.pgPort, ["select pg_sleep(30)"]);
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
