// A log-linear latency histogram: 32 sub-buckets per power of two (about 3% resolution),
// fixed memory, O(1) record. Values are nanoseconds.

const subBits = 5;
const subCount = 1 << subBits;
const bucketCount = 64 * subCount;

function indexOf(value: number): number {
  if (value < subCount) return Math.max(0, Math.floor(value));
  // Values past 2^32 ns (4.3 s) land in the top bucket: plenty for a benchmark.
  const v = Math.min(Math.floor(value), 0xffffffff);
  const exponent = 31 - Math.clz32(v);
  const shift = exponent - subBits;
  const mantissa = Math.floor(v / 2 ** shift) - subCount;
  return (exponent - subBits + 1) * subCount + mantissa;
}

function lowerBoundOf(index: number): number {
  if (index < subCount) return index;
  const octave = Math.floor(index / subCount) - 1;
  const mantissa = index % subCount;
  return (subCount + mantissa) * 2 ** octave;
}

export class Histogram {
  readonly counts = new Float64Array(bucketCount);
  count = 0;
  sum = 0;
  max = 0;

  record(ns: number): void {
    this.counts[indexOf(ns)]! += 1;
    this.count += 1;
    this.sum += ns;
    if (ns > this.max) this.max = ns;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < bucketCount; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  /** The value at quantile q (0..1), as the midpoint of its bucket; nanoseconds. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < bucketCount; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const low = lowerBoundOf(i);
        const high = lowerBoundOf(i + 1);
        return Math.min(this.max, (low + high) / 2);
      }
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

/** Nanoseconds as a short human string (µs below 10 ms). */
export function formatNs(ns: number): string {
  if (ns >= 10_000_000) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1_000_000) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 10_000) return `${(ns / 1e3).toFixed(0)} µs`;
  return `${(ns / 1e3).toFixed(1)} µs`;
}
