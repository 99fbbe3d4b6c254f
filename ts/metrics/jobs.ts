// Background maintenance jobs — compaction and value-log garbage collection (VACUUM) — and
// their progress. The one place such work is started from: the admin HTTP endpoints and the
// SQL statements (VACUUM, COMPACT) both go through a JobRunner, so jobs are numbered,
// queued, logged and measured the same way whoever asked.
//
// Jobs run one at a time: the engine reports the progress of manual work as one pair of
// figures (stats().manual_jobs), which is only meaningful while a single job runs.

import type { EngineStats, KeyRange } from "../engine/index.ts";
import type { Logger } from "../pgwire/index.ts";

export const jobKinds = ["compact", "vacuum"] as const;
export type JobKind = (typeof jobKinds)[number];
export type JobState = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** What a job runs on; Db satisfies it. */
export interface JobEngine {
  compact(range?: KeyRange): Promise<void>;
  vacuum(range?: KeyRange): Promise<void>;
  stats(): Pick<EngineStats, "manual_jobs">;
}

/** A job as callers see it (JSON-ready: the admin endpoint returns it as is). */
export interface JobInfo {
  /** Decimal sequence number, unique within this server process. */
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  /** Who asked: "http", "sql", ... (free text, for logs). */
  readonly source: string;
  readonly queuedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Running time so far, or in total once finished; null while queued. */
  readonly durationMs: number | null;
  readonly progress: {
    /** Input bytes processed so far, as the engine reports them. */
    readonly bytesDone: number;
    readonly bytesTotal: number;
    /** bytesDone / bytesTotal; 1 when finished successfully, null when unknown. */
    readonly ratio: number | null;
  };
  readonly error: string | null;
}

export interface StartJobOptions {
  /** Limit the work to a key range (everything by default). */
  readonly range?: KeyRange;
  readonly source?: string;
}

/** The queue is full; try again when a job finished. */
export class JobQueueFullError extends Error {
  override readonly name = "JobQueueFullError";
}

/** The runner is shutting down and takes no more jobs. */
export class JobRunnerClosedError extends Error {
  override readonly name = "JobRunnerClosedError";
}

export type JobListener = (job: JobInfo) => void;

export interface JobRunnerOptions {
  readonly engine: JobEngine;
  readonly logger: Logger;
  /** Jobs waiting behind the running one, at most. Default 16. */
  readonly queuedMax?: number;
  /** Finished jobs remembered for GET /admin/jobs/:id. Default 100. */
  readonly historyMax?: number;
  /** How often a running job's progress is logged. Default 5 s. */
  readonly progressLogIntervalMs?: number;
}

interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly source: string;
  readonly range: KeyRange;
  state: JobState;
  readonly queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  bytesDone: number;
  bytesTotal: number;
  error: string | null;
  readonly done: PromiseWithResolvers<JobInfo>;
}

export class JobRunner {
  readonly #engine: JobEngine;
  readonly #log: Logger;
  readonly #queuedMax: number;
  readonly #historyMax: number;
  readonly #progressLogIntervalMs: number;
  /** Every remembered job by id, oldest first (Map keeps insertion order). */
  readonly #jobs = new Map<string, Job>();
  readonly #queue: Job[] = [];
  readonly #listeners = new Set<JobListener>();
  #running: Job | null = null;
  #nextId = 1;
  #closed = false;
  /** Message of the last job that failed: the engine reports it through Db.failure() too. */
  #lastFailure: string | null = null;

  constructor(options: JobRunnerOptions) {
    this.#engine = options.engine;
    this.#log = options.logger;
    this.#queuedMax = options.queuedMax ?? 16;
    this.#historyMax = options.historyMax ?? 100;
    this.#progressLogIntervalMs = options.progressLogIntervalMs ?? 5000;
  }

  /** Queues a job and returns at once; it runs after the jobs queued before it. */
  start(kind: JobKind, options: StartJobOptions = {}): JobInfo {
    if (!jobKinds.includes(kind)) throw new TypeError(`unknown job kind ${String(kind)}`);
    if (this.#closed) throw new JobRunnerClosedError("the server is shutting down");
    if (this.#queue.length >= this.#queuedMax) {
      throw new JobQueueFullError(`${this.#queue.length} jobs are already waiting; try again when one has finished`);
    }
    const job: Job = {
      id: String(this.#nextId++),
      kind,
      source: options.source ?? "unknown",
      range: options.range ?? {},
      state: "queued",
      queuedAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      bytesDone: 0,
      bytesTotal: 0,
      error: null,
      done: Promise.withResolvers<JobInfo>(),
    };
    this.#jobs.set(job.id, job);
    this.#queue.push(job);
    this.#forgetOld();
    const ahead = this.#queue.length - 1 + (this.#running ? 1 : 0);
    this.#log.info({ job: job.id, kind, source: job.source, ahead }, "job queued");
    this.#emit(job);
    this.#pump();
    return this.#view(job);
  }

  /** Queues a job and resolves when it finished (whatever the outcome; see state/error). */
  run(kind: JobKind, options: StartJobOptions = {}): Promise<JobInfo> {
    return this.wait(this.start(kind, options).id);
  }

  /** Resolves when the job has finished; rejects for an unknown id. */
  wait(id: string): Promise<JobInfo> {
    const job = this.#jobs.get(id);
    if (job === undefined) return Promise.reject(new RangeError(`no job ${id}`));
    return job.done.promise;
  }

  get(id: string): JobInfo | undefined {
    const job = this.#jobs.get(id);
    return job && this.#view(job);
  }

  /** Remembered jobs, newest first. */
  list(): JobInfo[] {
    return [...this.#jobs.values()].reverse().map((job) => this.#view(job));
  }

  get running(): JobInfo | null {
    return this.#running && this.#view(this.#running);
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** The message of the last failed job, or null. */
  get lastFailure(): string | null {
    return this.#lastFailure;
  }

  /** Called with a job's view whenever it changes state. */
  subscribe(listener: JobListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Takes no more jobs, cancels the queued ones and waits for the running one to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) this.#finish(job, "cancelled", "the server shut down before the job started");
    if (this.#running) await this.#running.done.promise;
  }

  #pump(): void {
    if (this.#running !== null) return;
    const job = this.#queue.shift();
    if (job === undefined) return;
    this.#running = job;
    job.state = "running";
    job.startedAt = Date.now();
    this.#log.info({ job: job.id, kind: job.kind, source: job.source }, "job started");
    this.#emit(job);
    const timer = setInterval(() => this.#logProgress(job), this.#progressLogIntervalMs);
    timer.unref();
    const work = job.kind === "compact" ? this.#engine.compact(job.range) : this.#engine.vacuum(job.range);
    work.then(
      () => {
        clearInterval(timer);
        this.#sampleProgress(job);
        this.#finish(job, "succeeded", null);
      },
      (error: unknown) => {
        clearInterval(timer);
        this.#sampleProgress(job);
        const message = error instanceof Error ? error.message : String(error);
        this.#lastFailure = message;
        this.#finish(job, "failed", message);
      },
    );
  }

  #finish(job: Job, state: "succeeded" | "failed" | "cancelled", error: string | null): void {
    job.state = state;
    job.finishedAt = Date.now();
    job.error = error;
    if (state === "succeeded") job.bytesDone = Math.max(job.bytesDone, job.bytesTotal);
    const view = this.#view(job);
    const fields = { job: job.id, kind: job.kind, source: job.source, durationMs: view.durationMs, bytesDone: job.bytesDone, bytesTotal: job.bytesTotal };
    if (state === "failed") this.#log.error({ ...fields, error }, "job failed");
    else this.#log.info(fields, state === "succeeded" ? "job finished" : "job cancelled");
    if (this.#running === job) this.#running = null;
    this.#emit(job);
    job.done.resolve(view);
    this.#pump();
  }

  #sampleProgress(job: Job): void {
    if (this.#running !== job) return;
    try {
      const { bytes_done, bytes_total } = this.#engine.stats().manual_jobs;
      job.bytesDone = bytes_done;
      job.bytesTotal = bytes_total;
    } catch {
      // The engine is closing; keep the last figures.
    }
  }

  #logProgress(job: Job): void {
    this.#sampleProgress(job);
    const view = this.#view(job);
    const percent = view.progress.ratio === null ? null : Math.round(view.progress.ratio * 1000) / 10;
    this.#log.info({ job: job.id, kind: job.kind, bytesDone: job.bytesDone, bytesTotal: job.bytesTotal, percent, durationMs: view.durationMs }, "job progress");
  }

  #view(job: Job): JobInfo {
    if (job.state === "running") this.#sampleProgress(job);
    const end = job.finishedAt ?? Date.now();
    let ratio: number | null = null;
    if (job.state === "succeeded") ratio = 1;
    else if (job.bytesTotal > 0) ratio = Math.min(1, job.bytesDone / job.bytesTotal);
    return {
      id: job.id,
      kind: job.kind,
      state: job.state,
      source: job.source,
      queuedAt: new Date(job.queuedAt).toISOString(),
      startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
      finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
      durationMs: job.startedAt === null ? null : end - job.startedAt,
      progress: { bytesDone: job.bytesDone, bytesTotal: job.bytesTotal, ratio },
      error: job.error,
    };
  }

  #emit(job: Job): void {
    if (this.#listeners.size === 0) return;
    const view = this.#view(job);
    for (const listener of this.#listeners) {
      try {
        listener(view);
      } catch (error) {
        this.#log.error({ err: error }, "job listener threw");
      }
    }
  }

  /** Drops the oldest finished jobs beyond historyMax (queued and running ones stay). */
  #forgetOld(): void {
    let excess = this.#jobs.size - this.#historyMax;
    for (const [id, job] of this.#jobs) {
      if (excess <= 0) break;
      if (job.finishedAt === null) continue;
      this.#jobs.delete(id);
      excess--;
    }
  }
}
