// The job runner against an engine stand-in whose jobs finish when the test says: one job at
// a time in order, progress from the engine's figures, failures, cancellation at shutdown,
// a bounded queue and history, and the log lines operators read.

import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import type { EngineStats, KeyRange } from "../../ts/engine/index.ts";
import { createLogger } from "../../ts/log.ts";
import { JobQueueFullError, JobRunner, JobRunnerClosedError, type JobEngine, type JobInfo } from "../../ts/metrics/index.ts";

interface Pending {
  readonly kind: "compact" | "vacuum";
  readonly range: KeyRange | undefined;
  readonly done: PromiseWithResolvers<void>;
}

class ControlledEngine implements JobEngine {
  readonly started: Pending[] = [];
  progress = { done: 0, bytes_done: 0, bytes_total: 0 };
  compact(range?: KeyRange): Promise<void> {
    return this.#start("compact", range);
  }
  vacuum(range?: KeyRange): Promise<void> {
    return this.#start("vacuum", range);
  }
  stats(): Pick<EngineStats, "manual_jobs"> {
    return { manual_jobs: { ...this.progress } };
  }
  #start(kind: Pending["kind"], range: KeyRange | undefined): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.started.push({ kind, range, done });
    return done.promise;
  }
}

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: "info", stream }), lines };
}

const settle = () => Bun.sleep(0);

describe("JobRunner", () => {
  test("runs jobs one at a time, in order, and reports progress from the engine", async () => {
    const engine = new ControlledEngine();
    const { logger, lines } = recordingLogger();
    const runner = new JobRunner({ engine, logger });
    const first = runner.start("compact", { source: "http" });
    const second = runner.start("vacuum", { source: "sql", range: { lower: new Uint8Array([1]) } });
    expect(first.state).toBe("running");
    expect(second.state).toBe("queued");
    expect(engine.started.map((p) => p.kind)).toEqual(["compact"]);
    expect(runner.queued).toBe(1);

    engine.progress = { done: 0, bytes_done: 250, bytes_total: 1000 };
    expect(runner.get(first.id)!.progress).toEqual({ bytesDone: 250, bytesTotal: 1000, ratio: 0.25 });
    expect(runner.running?.id).toBe(first.id);

    engine.started[0]!.done.resolve();
    const finished = await runner.wait(first.id);
    expect(finished).toMatchObject({ state: "succeeded", progress: { ratio: 1 }, error: null });
    expect(finished.durationMs).toBeGreaterThanOrEqual(0);
    await settle();
    expect(engine.started.map((p) => p.kind)).toEqual(["compact", "vacuum"]);
    expect(engine.started[1]!.range?.lower).toEqual(new Uint8Array([1]));
    engine.started[1]!.done.resolve();
    expect((await runner.wait(second.id)).state).toBe("succeeded");
    expect(runner.running).toBeNull();

    const messages = lines.map((l) => `${l.msg} ${l.job}`);
    expect(messages).toEqual(["job queued 1", "job started 1", "job queued 2", "job finished 1", "job started 2", "job finished 2"]);
    expect(lines.find((l) => l.msg === "job started" && l.job === "2")).toMatchObject({ kind: "vacuum", source: "sql" });
  });

  test("logs progress while a job runs", async () => {
    const engine = new ControlledEngine();
    const { logger, lines } = recordingLogger();
    const runner = new JobRunner({ engine, logger, progressLogIntervalMs: 10 });
    const job = runner.start("vacuum");
    engine.progress = { done: 0, bytes_done: 512, bytes_total: 2048 };
    await Bun.sleep(40);
    engine.started[0]!.done.resolve();
    await runner.wait(job.id);
    const progress = lines.filter((l) => l.msg === "job progress");
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatchObject({ job: job.id, kind: "vacuum", bytesDone: 512, bytesTotal: 2048, percent: 25 });
  });

  test("a failed job is reported with its error, and the next one still runs", async () => {
    const engine = new ControlledEngine();
    const { logger, lines } = recordingLogger();
    const runner = new JobRunner({ engine, logger });
    const failing = runner.start("compact");
    const next = runner.start("compact");
    engine.started[0]!.done.reject(new Error("disk full"));
    const failed = await runner.wait(failing.id);
    expect(failed).toMatchObject({ state: "failed", error: "disk full" });
    expect(failed.progress.ratio).toBeNull();
    expect(runner.lastFailure).toBe("disk full");
    expect(lines.find((l) => l.msg === "job failed")).toMatchObject({ level: 50, job: failing.id, error: "disk full" });
    await settle();
    engine.started[1]!.done.resolve();
    expect((await runner.wait(next.id)).state).toBe("succeeded");
  });

  test("close() cancels queued jobs, waits for the running one, then refuses new ones", async () => {
    const engine = new ControlledEngine();
    const runner = new JobRunner({ engine, logger: recordingLogger().logger });
    const running = runner.start("vacuum");
    const queued = runner.start("compact");
    const events: JobInfo["state"][] = [];
    runner.subscribe((job) => events.push(job.state));
    let closed = false;
    const closing = runner.close().then(() => (closed = true));
    await settle();
    expect(runner.get(queued.id)!.state).toBe("cancelled");
    expect(closed).toBe(false);
    engine.started[0]!.done.resolve();
    await closing;
    expect(runner.get(running.id)!.state).toBe("succeeded");
    expect(engine.started.length).toBe(1);
    expect(events).toEqual(["cancelled", "succeeded"]);
    expect(() => runner.start("compact")).toThrow(JobRunnerClosedError);
  });

  test("the queue and the history are bounded", async () => {
    const engine = new ControlledEngine();
    const runner = new JobRunner({ engine, logger: recordingLogger().logger, queuedMax: 2, historyMax: 3 });
    runner.start("compact");
    runner.start("compact");
    runner.start("compact");
    expect(() => runner.start("compact")).toThrow(JobQueueFullError);
    for (let i = 0; i < 3; i++) {
      engine.started[i]!.done.resolve();
      await settle();
      await settle();
    }
    for (let i = 0; i < 5; i++) {
      const job = runner.start("vacuum");
      engine.started.at(-1)!.done.resolve();
      await runner.wait(job.id);
    }
    const ids = runner.list().map((job) => job.id);
    expect(ids.length).toBeLessThanOrEqual(3 + 1);
    expect(ids[0]).toBe("8");
    expect(runner.get("1")).toBeUndefined();
    await expect(runner.wait("1")).rejects.toThrow(RangeError);
  });

  test("an unknown kind is refused", () => {
    const runner = new JobRunner({ engine: new ControlledEngine(), logger: recordingLogger().logger });
    expect(() => runner.start("defragment" as "compact")).toThrow(TypeError);
  });
});
