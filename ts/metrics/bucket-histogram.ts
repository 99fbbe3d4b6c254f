// A Prometheus histogram whose observations are counted elsewhere (by the engine in native
// code; by the server's statement metrics in plain arrays, cheaper per observation than
// prom-client's label hashing): each scrape reports the bucket counts read from there.
// prom-client still writes the exposition; this class only supplies the numbers its
// Histogram would have accumulated.

import { Histogram, type Registry } from "prom-client";

/** Bucket counts as the engine keeps them: one count per bound, not cumulative, plus a last
 * count for observations above every bound. */
export interface BucketCounts {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  /** Sum of every observed value, in the histogram's unit. */
  readonly sum: number;
}

/** The counts of one series of a labelled histogram. */
export interface LabeledBucketCounts extends BucketCounts {
  readonly labels: Readonly<Record<string, string>>;
}

type HistogramSnapshot = Awaited<ReturnType<Histogram["get"]>>;

export interface BucketHistogramConfiguration {
  readonly name: string;
  readonly help: string;
  readonly registers: Registry[];
  /**
   * The current counts: of the one unlabelled series, of each labelled series (an array), or
   * null when there are none to report (engine closed).
   */
  readonly read: () => BucketCounts | readonly LabeledBucketCounts[] | null;
}

export class BucketHistogram extends Histogram {
  readonly #name: string;
  readonly #help: string;
  readonly #read: () => BucketCounts | readonly LabeledBucketCounts[] | null;

  constructor(configuration: BucketHistogramConfiguration) {
    super({ name: configuration.name, help: configuration.help, registers: configuration.registers });
    this.#name = configuration.name;
    this.#help = configuration.help;
    this.#read = configuration.read;
  }

  override async get(): Promise<HistogramSnapshot> {
    return this.#snapshot();
  }

  /** The method prom-client's Registry prefers when writing text; same numbers. */
  async getForPromString(): Promise<HistogramSnapshot> {
    return this.#snapshot();
  }

  #snapshot(): HistogramSnapshot {
    const counts = this.#read();
    let values: HistogramSnapshot["values"] = [];
    if (Array.isArray(counts)) {
      for (const series of counts as readonly LabeledBucketCounts[]) values.push(...cumulativeValues(this.#name, series, series.labels));
    } else if (counts) {
      values = cumulativeValues(this.#name, counts as BucketCounts, {});
    }
    // prom-client's typings declare `type` as a numeric enum, but its Registry writes the
    // string it finds here ("histogram"), as its own Histogram returns.
    return { name: this.#name, help: this.#help, type: "histogram", aggregator: "sum", values } as unknown as HistogramSnapshot;
  }
}

/** One series' samples, labelled as prom-client's Histogram labels them (`le` first). */
function cumulativeValues(name: string, counts: BucketCounts, labels: Readonly<Record<string, string>>): HistogramSnapshot["values"] {
  if (counts.counts.length !== counts.bounds.length + 1) {
    throw new Error(`${name}: ${counts.counts.length} bucket counts for ${counts.bounds.length} bounds (expected one more)`);
  }
  const values: HistogramSnapshot["values"] = [];
  let total = 0;
  counts.bounds.forEach((bound, i) => {
    total += counts.counts[i]!;
    values.push({ metricName: `${name}_bucket`, labels: { le: bound, ...labels }, value: total });
  });
  total += counts.counts[counts.bounds.length]!;
  values.push({ metricName: `${name}_bucket`, labels: { le: "+Inf", ...labels }, value: total });
  values.push({ metricName: `${name}_sum`, labels: { ...labels }, value: counts.sum });
  values.push({ metricName: `${name}_count`, labels: { ...labels }, value: total });
  return values;
}
