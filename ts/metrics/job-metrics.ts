// Background jobs as metrics: how many ran and how they ended, how long they took, and the
// progress of the one running now (the same figures GET /admin/jobs/:id shows).

import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { jobKinds, type JobInfo, type JobRunner } from "./jobs.ts";

/** Job duration buckets, seconds: an empty database's compaction to a long vacuum. */
const durationBuckets = [0.01, 0.1, 1, 10, 60, 300, 1800, 7200];

export class JobMetrics {
  #runner: JobRunner | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #finished: Counter<"kind" | "outcome">;
  readonly #duration: Histogram<"kind">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#finished = new Counter({
      name: "pgz_jobs_total",
      help: "Background jobs (compact, vacuum) that ended, by kind and outcome (succeeded, failed, cancelled)",
      labelNames: ["kind", "outcome"],
      registers,
    });
    this.#duration = new Histogram({
      name: "pgz_job_duration_seconds",
      help: "Running time of background jobs that ended, by kind",
      labelNames: ["kind"],
      buckets: durationBuckets,
      registers,
    });
    const runner = () => this.#runner;
    new Gauge({
      name: "pgz_jobs_queued",
      help: "Background jobs waiting to run",
      registers,
      collect() {
        this.set(runner()?.queued ?? 0);
      },
    });
    new Gauge({
      name: "pgz_job_running",
      help: "1 while a background job of this kind runs",
      labelNames: ["kind"],
      registers,
      collect() {
        const running = runner()?.running ?? null;
        for (const kind of jobKinds) this.set({ kind }, running?.kind === kind ? 1 : 0);
      },
    });
    new Gauge({
      name: "pgz_job_progress_ratio",
      help: "Share of its input the running background job has processed (0 when none runs)",
      registers,
      collect() {
        this.set(runner()?.running?.progress.ratio ?? 0);
      },
    });
    new Gauge({
      name: "pgz_job_processed_bytes",
      help: "Input bytes the running background job has processed",
      registers,
      collect() {
        this.set(runner()?.running?.progress.bytesDone ?? 0);
      },
    });
    new Gauge({
      name: "pgz_job_input_bytes",
      help: "Input bytes of the running background job",
      registers,
      collect() {
        this.set(runner()?.running?.progress.bytesTotal ?? 0);
      },
    });
  }

  /** Follows this runner's jobs (replacing any runner followed before). */
  attach(runner: JobRunner): void {
    this.#unsubscribe?.();
    this.#runner = runner;
    this.#unsubscribe = runner.subscribe((job) => this.#changed(job));
  }

  #changed(job: JobInfo): void {
    if (job.state === "queued" || job.state === "running") return;
    this.#finished.inc({ kind: job.kind, outcome: job.state });
    if (job.durationMs !== null) this.#duration.observe({ kind: job.kind }, job.durationMs / 1000);
  }
}
