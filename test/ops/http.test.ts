// The operations HTTP app in process, over a real engine: every route's status codes and
// bodies, admin authentication, metrics that parse as Prometheus text and move with work.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { Db } from "../../ts/engine/index.ts";
import { createHttpApp, type Health } from "../../ts/http/app.ts";
import { startHttpServer } from "../../ts/http/server.ts";
import { silentLogger } from "../../ts/log.ts";
import { JobRunner, Metrics, OpsObserver, type JobInfo } from "../../ts/metrics/index.ts";
import { parsePrometheusText, sampleValue } from "./support/prometheus-text.ts";

const token = "test-admin-token-0123456789";
const auth = { Authorization: `Bearer ${token}` };
const encoder = new TextEncoder();

let dir: string;
let db: Db;
let jobs: JobRunner;
let metrics: Metrics;
let observer: OpsObserver;
let health: Health = { status: "ok" };
let app: Hono;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pgz-http-"));
  db = Db.open(dir);
  const logger = silentLogger();
  jobs = new JobRunner({ engine: db, logger });
  metrics = new Metrics();
  metrics.attachEngine(() => (db.closed ? null : db.stats()));
  metrics.attachJobs(jobs);
  observer = new OpsObserver({ metrics: metrics.server, logger, slowStatementMs: null });
  app = createHttpApp({ metrics, jobs: () => jobs, health: () => health, adminToken: token, logger });
});

afterAll(async () => {
  await jobs.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape() {
  const response = await app.request("/metrics");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  return parsePrometheusText(await response.text());
}

async function waitForJob(id: string): Promise<JobInfo> {
  for (;;) {
    const response = await app.request(`/admin/jobs/${id}`, { headers: auth });
    expect(response.status).toBe(200);
    const job = (await response.json()) as JobInfo;
    if (job.state !== "queued" && job.state !== "running") return job;
    await Bun.sleep(5);
  }
}

describe("GET /metrics", () => {
  test("parses as Prometheus text and names every figure the issue lists", async () => {
    const families = await scrape();
    const required = [
      "pgz_statements_total",
      "pgz_statement_errors_total",
      "pgz_statement_duration_seconds",
      "pgz_connections",
      "pgz_connections_total",
      "pgz_engine_memtable_bytes",
      "pgz_engine_level_files",
      "pgz_engine_level_bytes",
      "pgz_engine_flushes_total",
      "pgz_engine_compactions_total",
      "pgz_engine_compaction_duration_seconds_total",
      "pgz_engine_compaction_read_bytes_total",
      "pgz_engine_compaction_written_bytes_total",
      "pgz_engine_disk_written_bytes_total",
      "pgz_engine_write_amplification_ratio",
      "pgz_engine_vlog_live_bytes",
      "pgz_engine_vlog_garbage_bytes",
      "pgz_engine_commit_batch_size",
      "pgz_engine_commit_sync_duration_seconds",
      "pgz_engine_write_stalls_total",
      "pgz_jobs_total",
      "pgz_job_progress_ratio",
      "process_resident_memory_bytes",
    ];
    for (const name of required) expect(families.has(name), name).toBe(true);
    expect(families.get("pgz_engine_commit_batch_size")!.type).toBe("histogram");
    expect(families.get("pgz_statement_duration_seconds")!.type).toBe("histogram");
    expect(sampleValue(families, "pgz_engine_level_files", { level: "0" })).toBeNumber();
  });

  test("statement metrics move when statements run, errors by SQLSTATE", async () => {
    const before = await scrape();
    const selects = sampleValue(before, "pgz_statements_total", { command: "SELECT" }) ?? 0;
    observer.statementFinished({ processId: 1, command: "SELECT", durationMs: 3, sqlstate: null, text: "select 1" });
    observer.statementFinished({ processId: 1, command: "select", durationMs: 2500, sqlstate: "22012", message: "division by zero", text: "select 1/0" });
    observer.connectionOpened({ processId: 1, user: "u", database: "d", applicationName: "", remoteAddress: "" });
    const after = await scrape();
    expect(sampleValue(after, "pgz_statements_total", { command: "SELECT" })).toBe(selects + 2);
    expect(sampleValue(after, "pgz_statement_errors_total", { sqlstate: "22012" })).toBe(1);
    expect(sampleValue(after, "pgz_statement_duration_seconds_bucket", { command: "SELECT", le: "0.005" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, "pgz_statement_duration_seconds_bucket", { command: "SELECT", le: "2.5" })).toBe(selects + 2);
    expect(sampleValue(after, "pgz_connections")).toBe(1);
    observer.connectionClosed({ processId: 1, user: "u", database: "d", applicationName: "", remoteAddress: "" }, 10);
    expect(sampleValue(await scrape(), "pgz_connections")).toBe(0);
  });

  test("command labels are bounded: odd or too many commands count as OTHER", async () => {
    for (let i = 0; i < 100; i++) observer.statementFinished({ processId: 1, command: `CMD${"X".repeat(i % 26)}`, durationMs: 1, sqlstate: null, text: "" });
    observer.statementFinished({ processId: 1, command: 'evil"} 1\nnew_metric 2', durationMs: 1, sqlstate: "bad", text: "" });
    const families = await scrape();
    const commands = new Set(families.get("pgz_statements_total")!.samples.map((s) => s.labels.command));
    expect(commands.size).toBeLessThanOrEqual(65);
    expect(commands.has("OTHER")).toBe(true);
    expect(sampleValue(families, "pgz_statement_errors_total", { sqlstate: "XX000" })).toBe(1);
  });

  test("engine figures move when data is written and compacted", async () => {
    const before = await scrape();
    for (let i = 0; i < 200; i++) await db.put(encoder.encode(`key-${i}`), new Uint8Array(3000).fill(i));
    await db.flush();
    const after = await scrape();
    expect(sampleValue(after, "pgz_engine_commits_total")).toBe((sampleValue(before, "pgz_engine_commits_total") ?? 0) + 200);
    expect(sampleValue(after, "pgz_engine_flush_written_bytes_total")).toBeGreaterThan(sampleValue(before, "pgz_engine_flush_written_bytes_total") ?? 0);
    expect(sampleValue(after, "pgz_engine_vlog_live_bytes")).toBeGreaterThan(200 * 3000);
    expect(sampleValue(after, "pgz_engine_commit_batch_size_count")).toBe(sampleValue(after, "pgz_engine_commit_batches_total"));
    expect(sampleValue(after, "pgz_engine_commit_sync_duration_seconds_count")).toBeGreaterThan(0);
    const levelFiles = after.get("pgz_engine_level_files")!.samples.reduce((sum, s) => sum + s.value, 0);
    expect(levelFiles).toBeGreaterThan(0);
  });

  test("a scrape after the engine closed succeeds and keeps the last engine figures", async () => {
    const closedDir = mkdtempSync(join(tmpdir(), "pgz-http-closed-"));
    const closedDb = Db.open(closedDir);
    const own = new Metrics({ processMetrics: false });
    own.attachEngine(() => (closedDb.closed ? null : closedDb.stats()));
    await closedDb.put(encoder.encode("k"), encoder.encode("v"));
    expect(sampleValue(parsePrometheusText(await own.render()), "pgz_engine_commits_total")).toBe(1);
    closedDb.close();
    const families = parsePrometheusText(await own.render());
    expect(sampleValue(families, "pgz_engine_commits_total")).toBe(1);
    expect(families.has("pgz_statements_total")).toBe(true);
    rmSync(closedDir, { recursive: true, force: true });
  });
});

describe("GET /healthz", () => {
  test("200 while serving, 503 with the reason otherwise", async () => {
    health = { status: "ok" };
    const ok = await app.request("/healthz");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ok" });
    health = { status: "shutting_down" };
    const down = await app.request("/healthz");
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: "shutting_down" });
    health = { status: "ok" };
  });
});

describe("admin endpoints", () => {
  test("401 without a token, with a wrong one; 400 for a malformed header", async () => {
    for (const path of ["/admin/compact", "/admin/vacuum"]) {
      const missing = await app.request(path, { method: "POST" });
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toStartWith("Bearer");
      expect(((await missing.json()) as { error: string }).error).toContain("Authorization");
      const wrong = await app.request(path, { method: "POST", headers: { Authorization: "Bearer not-the-token" } });
      expect(wrong.status).toBe(401);
      const basic = await app.request(path, { method: "POST", headers: { Authorization: `Basic ${btoa("a:b")}` } });
      expect(basic.status).toBe(400);
    }
    expect((await app.request("/admin/jobs/1")).status).toBe(401);
    expect((await app.request("/admin/jobs")).status).toBe(401);
  });

  test("POST /admin/compact starts a job; GET /admin/jobs/:id follows it to the end", async () => {
    const response = await app.request("/admin/compact", { method: "POST", headers: auth });
    expect(response.status).toBe(202);
    const job = (await response.json()) as JobInfo;
    expect(job.kind).toBe("compact");
    expect(job.source).toBe("http");
    expect(["queued", "running"]).toContain(job.state);
    expect(response.headers.get("location")).toBe(`/admin/jobs/${job.id}`);
    const done = await waitForJob(job.id);
    expect(done.state).toBe("succeeded");
    expect(done.progress.ratio).toBe(1);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(done.finishedAt).not.toBeNull();
  });

  test("POST /admin/vacuum runs value-log GC; jobs show in metrics", async () => {
    // Overwrite every key so the first versions' value-log bytes become garbage once compacted.
    for (let i = 0; i < 200; i++) await db.put(encoder.encode(`key-${i}`), new Uint8Array(3000).fill(255 - i));
    await db.flush();
    const before = await scrape();
    const response = await app.request("/admin/vacuum", { method: "POST", headers: auth });
    expect(response.status).toBe(202);
    const done = await waitForJob(((await response.json()) as JobInfo).id);
    expect(done.state).toBe("succeeded");
    const after = await scrape();
    expect(sampleValue(after, "pgz_jobs_total", { kind: "vacuum", outcome: "succeeded" })).toBe(
      (sampleValue(before, "pgz_jobs_total", { kind: "vacuum", outcome: "succeeded" }) ?? 0) + 1,
    );
    expect(sampleValue(after, "pgz_engine_vacuums_total")).toBeGreaterThan(sampleValue(before, "pgz_engine_vacuums_total") ?? 0);
    expect(sampleValue(after, "pgz_job_duration_seconds_count", { kind: "vacuum" })).toBeGreaterThanOrEqual(1);
  });

  test("GET /admin/jobs lists jobs newest first; unknown ids are 404", async () => {
    const list = await app.request("/admin/jobs", { headers: auth });
    expect(list.status).toBe(200);
    const { jobs: listed } = (await list.json()) as { jobs: JobInfo[] };
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(Number(listed[0]!.id)).toBeGreaterThan(Number(listed[1]!.id));
    const missing = await app.request("/admin/jobs/999999", { headers: auth });
    expect(missing.status).toBe(404);
  });

  test("a full queue answers 503 with Retry-After", async () => {
    const small = new JobRunner({ engine: db, logger: silentLogger(), queuedMax: 1 });
    const smallApp = createHttpApp({ metrics, jobs: () => small, health: () => health, adminToken: token, logger: silentLogger() });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const response = await smallApp.request("/admin/compact", { method: "POST", headers: auth });
      statuses.push(response.status);
      if (response.status === 503) retryAfter = response.headers.get("retry-after");
    }
    // One runs, one waits, the rest are refused.
    expect(statuses.slice(0, 2)).toEqual([202, 202]);
    expect(statuses.slice(2)).toEqual([503, 503]);
    expect(retryAfter).not.toBeNull();
    await small.close();
  });

  test("with no token configured the admin endpoints are disabled (403)", async () => {
    const open = createHttpApp({ metrics, jobs: () => jobs, health: () => health, adminToken: null, logger: silentLogger() });
    const response = await open.request("/admin/vacuum", { method: "POST", headers: auth });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toContain("--admin-token");
    expect((await open.request("/admin/jobs/1")).status).toBe(403);
    expect((await open.request("/metrics")).status).toBe(200);
  });

  test("a token outside RFC 6750's characters is refused at start", () => {
    expect(() => createHttpApp({ metrics, jobs: () => jobs, health: () => health, adminToken: "has space", logger: silentLogger() })).toThrow(RangeError);
  });
});

describe("routing and listening", () => {
  test("unknown routes and wrong methods are 404 JSON", async () => {
    const response = await app.request("/nope");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain("/nope");
    expect((await app.request("/admin/compact", { headers: auth })).status).toBe(404);
  });

  test("served over HTTP on 127.0.0.1 by default", async () => {
    const server = startHttpServer({ app, port: 0 });
    try {
      expect(server.host).toBe("127.0.0.1");
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
