// A running `pgz serve` (child process, JSON logs, the SQL server): metrics and logs move when clients
// connect and run statements; maintenance jobs started over HTTP and from SQL share one
// runner, with progress in GET /admin/jobs/:id, the logs and the metrics.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobInfo } from "../../ts/metrics/index.ts";
import { parsePrometheusText, sampleValue, type Family } from "./support/prometheus-text.ts";
import { psql, sourceCommand, spawnPgz, type PgzProcess } from "./support/pgz-process.ts";

const token = "ops-test-token";
let dir: string;
let pgz: PgzProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pgz-ops-"));
  pgz = await spawnPgz(sourceCommand, [
    "--data-dir", join(dir, "data"),
    "--listen-addr", "127.0.0.1:0",
    "--http-addr", "127.0.0.1:0",
    "--admin-token", token,
    "--slow-statement-ms", "200",
  ]);
  expect((await psql(pgz.pgPort, ["create table kv (k text primary key, v text)"])).code).toBe(0);
});

afterAll(async () => {
  const code = await pgz.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

async function scrape(): Promise<Map<string, Family>> {
  const response = await fetch(`${pgz.httpUrl}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

describe("metrics follow the clients", () => {
  test("statements by command, errors by SQLSTATE, latency, connections", async () => {
    const before = await scrape();
    const count = (families: Map<string, Family>, command: string) => sampleValue(families, "pgz_statements_total", { command }) ?? 0;
    const ok = await psql(pgz.pgPort, ["select 1", "select 2", "insert into kv values ('metrics-key', 'v')"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("1\n2\nINSERT 0 1\n");
    const failed = await psql(pgz.pgPort, ["select 1 / 0"]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("division by zero");

    const after = await scrape();
    // Failed statements count too (by the command they were).
    expect(count(after, "SELECT")).toBe(count(before, "SELECT") + 3);
    expect(count(after, "INSERT")).toBe(count(before, "INSERT") + 1);
    expect(sampleValue(after, "pgz_statement_errors_total", { sqlstate: "22012" })).toBe((sampleValue(before, "pgz_statement_errors_total", { sqlstate: "22012" }) ?? 0) + 1);
    expect(sampleValue(after, "pgz_statement_duration_seconds_count", { command: "SELECT" })).toBe(count(after, "SELECT"));
    expect(sampleValue(after, "pgz_connections_total")).toBe((sampleValue(before, "pgz_connections_total") ?? 0) + 2);
    expect(sampleValue(after, "pgz_connections")).toBe(0);
    expect(sampleValue(after, "pgz_engine_commits_total")).toBeGreaterThan(sampleValue(before, "pgz_engine_commits_total") ?? 0);
    expect(sampleValue(after, "pgz_engine_commit_sync_duration_seconds_count")).toBeGreaterThan(0);
  });

  test("an open session shows in pgz_connections", async () => {
    const holder = Bun.spawn(["psql", "-X", "-h", "127.0.0.1", "-p", String(pgz.pgPort), "-U", "postgres", "-c", "select pg_sleep(0.8)"], { stdout: "ignore", stderr: "ignore" });
    const deadline = Date.now() + 5000;
    let open = 0;
    while (Date.now() < deadline && open === 0) {
      open = sampleValue(await scrape(), "pgz_connections") ?? 0;
      await Bun.sleep(20);
    }
    expect(open).toBe(1);
    expect(await holder.exited).toBe(0);
  });
});

describe("logs", () => {
  test("connections opened and closed with their duration", async () => {
    expect((await psql(pgz.pgPort, ["select 1"], { PGAPPNAME: "log-test" })).code).toBe(0);
    const opened = await pgz.waitForLog((l) => l.msg === "connection opened" && l.application === "log-test");
    expect(opened).toMatchObject({ user: "postgres", database: "postgres", client: "127.0.0.1" });
    const closed = await pgz.waitForLog((l) => l.msg === "connection closed" && l.application === "log-test");
    expect(closed.backendPid).toBe(opened.backendPid);
    expect(closed.durationMs).toBeNumber();
  });

  test("errors with their SQLSTATE, slow statements with their text and duration", async () => {
    await psql(pgz.pgPort, ["insert into kv values ('dup', 'a')"]);
    await psql(pgz.pgPort, ["insert into kv values ('dup', 'b')"]);
    const error = await pgz.waitForLog((l) => l.msg === "statement failed" && l.sqlstate === "23505");
    expect(error).toMatchObject({ level: 40, command: "INSERT", statement: "insert into kv values ('dup', 'b')", error: 'duplicate key value violates unique constraint "kv_pkey"' });
    await psql(pgz.pgPort, ["select pg_sleep(0.25)"]);
    const slow = await pgz.waitForLog((l) => l.msg === "slow statement" && l.statement === "select pg_sleep(0.25)");
    expect(slow.durationMs as number).toBeGreaterThanOrEqual(200);
    expect(pgz.logs.some((l) => l.msg === "slow statement" && l.statement === "select 1")).toBe(false);
  });
});

describe("maintenance jobs", () => {
  const auth = { Authorization: `Bearer ${token}` };

  test("POST /admin/compact and /admin/vacuum: 202, progress, logs, metrics", async () => {
    for (let i = 0; i < 50; i++) expect((await psql(pgz.pgPort, [`insert into kv values ('job-key-${i}', 'v')`])).code).toBe(0);
    const unauthorized = await fetch(`${pgz.httpUrl}/admin/compact`, { method: "POST" });
    expect(unauthorized.status).toBe(401);
    const ids: string[] = [];
    for (const kind of ["compact", "vacuum"]) {
      const response = await fetch(`${pgz.httpUrl}/admin/${kind}`, { method: "POST", headers: auth });
      expect(response.status).toBe(202);
      const job = (await response.json()) as JobInfo;
      expect(job.kind).toBe(kind as JobInfo["kind"]);
      ids.push(job.id);
    }
    for (const id of ids) {
      let job: JobInfo;
      do {
        const response = await fetch(`${pgz.httpUrl}/admin/jobs/${id}`, { headers: auth });
        expect(response.status).toBe(200);
        job = (await response.json()) as JobInfo;
      } while (job.state === "queued" || job.state === "running");
      expect(job.state).toBe("succeeded");
      expect(job.progress.ratio).toBe(1);
      await pgz.waitForLog((l) => l.msg === "job finished" && l.job === id);
    }
    const families = await scrape();
    expect(sampleValue(families, "pgz_jobs_total", { kind: "compact", outcome: "succeeded" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "pgz_jobs_total", { kind: "vacuum", outcome: "succeeded" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "pgz_engine_compactions_total")).toBeGreaterThan(0);
  });

  test("SQL VACUUM goes through the same runner: listed by /admin/jobs, counted in metrics", async () => {
    const before = sampleValue(await scrape(), "pgz_jobs_total", { kind: "vacuum", outcome: "succeeded" }) ?? 0;
    const result = await psql(pgz.pgPort, ["vacuum"]);
    expect(result.code).toBe(0);
    const response = await fetch(`${pgz.httpUrl}/admin/jobs`, { headers: auth });
    const { jobs } = (await response.json()) as { jobs: JobInfo[] };
    expect(jobs[0]).toMatchObject({ kind: "vacuum", source: "sql", state: "succeeded" });
    expect(sampleValue(await scrape(), "pgz_jobs_total", { kind: "vacuum", outcome: "succeeded" })).toBe(before + 1);
  });

  test("SQL COMPACT too: the job is listed and the engine's compaction count moves", async () => {
    const families = await scrape();
    const compactions = sampleValue(families, "pgz_engine_compactions_total") ?? 0;
    const jobsBefore = sampleValue(families, "pgz_jobs_total", { kind: "compact", outcome: "succeeded" }) ?? 0;
    expect((await psql(pgz.pgPort, ["insert into kv values ('compact-key', 'v')", "Compact;"])).code).toBe(0);
    const { jobs } = (await (await fetch(`${pgz.httpUrl}/admin/jobs`, { headers: auth })).json()) as { jobs: JobInfo[] };
    expect(jobs[0]).toMatchObject({ kind: "compact", source: "sql", state: "succeeded" });
    const after = await scrape();
    expect(sampleValue(after, "pgz_jobs_total", { kind: "compact", outcome: "succeeded" })).toBe(jobsBefore + 1);
    expect(sampleValue(after, "pgz_engine_compactions_total")).toBeGreaterThan(compactions);
  });
});

test("GET /healthz is 200 while serving", async () => {
  const response = await fetch(`${pgz.httpUrl}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
});
