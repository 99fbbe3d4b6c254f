// Metrics of the SQL server's work: statements by command, errors by SQLSTATE, statement
// latency, sessions. Label values come from clients' statements, so they are bounded here:
// a misbehaving client must not be able to create unbounded series.

import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { BucketHistogram } from "./bucket-histogram.ts";

/** Distinct command label values kept; later new ones are counted as "OTHER". */
const commandLabelsMax = 64;

/** Statement latency buckets, seconds: 100 µs (a cached point get) to 30 s. */
const statementBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Session length buckets, seconds: a health check's connect-and-quit to a day-long pool. */
const sessionBuckets = [0.01, 0.1, 1, 10, 60, 600, 3600, 86400];

/**
 * One command label's statements, counted in plain numbers on the statement's path and
 * handed to prom-client when it is scraped (its labelled inc/observe hash the labels on
 * every call).
 */
interface StatementSeries {
  readonly labels: { readonly command: string };
  readonly bounds: readonly number[];
  /** Per bucket, not cumulative; the last counts durations above every bound. */
  readonly counts: number[];
  /** Seconds. */
  sum: number;
  count: number;
  /** `count` when the statements counter last took it. */
  reported: number;
}

export class ServerMetrics {
  readonly #errors: Counter<"sqlstate">;
  readonly #connections: Gauge;
  readonly #connectionsTotal: Counter;
  readonly #sessionDuration: Histogram;
  /** Per command as reported (raw spelling): its label's series. */
  readonly #series = new Map<string, StatementSeries>();
  /** Per command label. */
  readonly #labelled = new Map<string, StatementSeries>();
  readonly #commands = new Set<string>();

  constructor(registry: Registry) {
    const registers = [registry];
    // Registered with the registry, which keeps it; its collect reads the series.
    const statements = new Counter({
      name: "pgz_statements_total",
      help: "SQL statements completed (successfully or not), by command",
      labelNames: ["command"],
      registers,
      collect: () => {
        for (const series of this.#labelled.values()) {
          if (series.count === series.reported) continue;
          statements.inc(series.labels, series.count - series.reported);
          series.reported = series.count;
        }
      },
    });
    this.#errors = new Counter({
      name: "pgz_statement_errors_total",
      help: "SQL statements that failed, by SQLSTATE",
      labelNames: ["sqlstate"],
      registers,
    });
    new BucketHistogram({
      name: "pgz_statement_duration_seconds",
      help: "Time from receiving a statement to its completion or error, by command",
      registers,
      read: () => [...this.#labelled.values()],
    });
    this.#connections = new Gauge({
      name: "pgz_connections",
      help: "Client sessions open now",
      registers,
    });
    this.#connectionsTotal = new Counter({
      name: "pgz_connections_total",
      help: "Client sessions opened since the server started",
      registers,
    });
    this.#sessionDuration = new Histogram({
      name: "pgz_connection_duration_seconds",
      help: "How long client sessions lasted",
      buckets: sessionBuckets,
      registers,
    });
  }

  connectionOpened(): void {
    this.#connections.inc();
    this.#connectionsTotal.inc();
  }

  connectionClosed(durationMs: number): void {
    this.#connections.dec();
    this.#sessionDuration.observe(Math.max(0, durationMs) / 1000);
  }

  statementFinished(command: string, durationMs: number, sqlstate: string | null): void {
    let series = this.#series.get(command);
    if (series === undefined) {
      const label = this.#commandLabel(command);
      series = this.#labelled.get(label);
      if (series === undefined) {
        series = { labels: { command: label }, bounds: statementBuckets, counts: new Array<number>(statementBuckets.length + 1).fill(0), sum: 0, count: 0, reported: 0 };
        this.#labelled.set(label, series);
      }
      // Bounded like the labels: raw spellings beyond the limit are looked up afresh.
      if (this.#series.size < commandLabelsMax * 4) this.#series.set(command, series);
    }
    const seconds = durationMs > 0 ? durationMs / 1000 : 0;
    let bucket = 0;
    while (bucket < statementBuckets.length && seconds > statementBuckets[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sum += seconds;
    series.count++;
    if (sqlstate !== null) this.#errors.inc({ sqlstate: sqlstateLabel(sqlstate) });
  }

  #commandLabel(command: string): string {
    const normalized = command.trim().replace(/\s+/g, " ").toUpperCase();
    if (!/^[A-Z][A-Z ]{0,31}$/.test(normalized)) return "OTHER";
    if (this.#commands.has(normalized)) return normalized;
    if (this.#commands.size >= commandLabelsMax) return "OTHER";
    this.#commands.add(normalized);
    return normalized;
  }
}

function sqlstateLabel(sqlstate: string): string {
  return /^[0-9A-Z]{5}$/.test(sqlstate) ? sqlstate : "XX000";
}
