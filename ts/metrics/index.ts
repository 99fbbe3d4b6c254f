// Operations' view of a running server: one Prometheus registry holding the server's,
// the engine's and the background jobs' metrics, plus the process metrics prom-client
// collects itself (CPU, memory, file descriptors, event-loop lag).
//
//   const metrics = new Metrics();
//   startPgz({ ..., observer: new OpsObserver({ metrics: metrics.server, logger, slowStatementMs }) });
//   metrics.attachEngine(() => server.db.stats());  metrics.attachJobs(jobs);
//   GET /metrics → await metrics.render()

import { Registry, collectDefaultMetrics } from "prom-client";
import type { EngineStats } from "../engine/index.ts";
import { EngineMetrics } from "./engine-metrics.ts";
import { JobMetrics } from "./job-metrics.ts";
import type { JobRunner } from "./jobs.ts";
import { ServerMetrics } from "./server-metrics.ts";

export { OpsObserver, loggableText } from "./observer.ts";
export type { ConnectionInfo, OpsObserverOptions, ServerObserver, StatementEvent } from "./observer.ts";
export { ServerMetrics } from "./server-metrics.ts";
export { JobQueueFullError, JobRunner, JobRunnerClosedError, jobKinds } from "./jobs.ts";
export type { JobEngine, JobInfo, JobKind, JobListener, JobRunnerOptions, JobState, StartJobOptions } from "./jobs.ts";

export interface MetricsOptions {
  /** Also export prom-client's process and runtime metrics. Default true. */
  readonly processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly server: ServerMetrics;
  readonly #engine: EngineMetrics;
  readonly #jobs: JobMetrics;
  #stats: (() => EngineStats | null) | null = null;

  constructor(options: MetricsOptions = {}) {
    this.server = new ServerMetrics(this.registry);
    this.#engine = new EngineMetrics(this.registry);
    this.#jobs = new JobMetrics(this.registry);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where engine figures come from; return null while the engine is closed. */
  attachEngine(stats: () => EngineStats | null): void {
    this.#stats = stats;
  }

  attachJobs(runner: JobRunner): void {
    this.#jobs.attach(runner);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for one scrape. */
  async render(): Promise<string> {
    let stats: EngineStats | null = null;
    try {
      stats = this.#stats?.() ?? null;
    } catch {
      // Closed while shutting down: report no engine figures rather than fail the scrape.
    }
    this.#engine.update(stats);
    return this.registry.metrics();
  }
}
