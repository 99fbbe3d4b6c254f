// Keys, values and orders shared by both engines, so each sees exactly the same bytes.

export const keySizeBytes = 16;

/** A small, seedable PRNG (xorshift128+ on two 32-bit halves is plenty for shuffling). */
export class Rng {
  #a: number;
  #b: number;
  constructor(seed: number) {
    this.#a = seed | 0 || 0x9e3779b9;
    this.#b = (seed * 0x85ebca6b) | 0 || 0x6b43a9b5;
  }
  /** A uint32. */
  next(): number {
    let s1 = this.#a;
    const s0 = this.#b;
    this.#a = s0;
    s1 ^= s1 << 23;
    s1 ^= s1 >>> 17;
    s1 ^= s0;
    s1 ^= s0 >>> 26;
    this.#b = s1;
    return (this.#a + this.#b) >>> 0;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }
}

/** Keys "k" + 15 decimal digits (16 bytes): byte order equals numeric order, so key i of a
 * sequential fill sorts after key i-1 in both engines. Stored in one buffer; key(i) is a
 * view, created on demand. */
export class KeySpace {
  readonly count: number;
  readonly bytes: Uint8Array;

  constructor(count: number) {
    this.count = count;
    this.bytes = new Uint8Array(count * keySizeBytes);
    for (let i = 0; i < count; i++) encodeKey(i, this.bytes, i * keySizeBytes);
  }

  key(i: number): Uint8Array {
    return this.bytes.subarray(i * keySizeBytes, (i + 1) * keySizeBytes);
  }
}

export function encodeKey(i: number, out: Uint8Array, offset: number): void {
  out[offset] = 0x6b; // "k"
  let n = i;
  for (let d = keySizeBytes - 1; d >= 1; d--) {
    out[offset + d] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/** A key for index i as a fresh array (for keys outside a KeySpace). */
export function makeKey(i: number): Uint8Array {
  const out = new Uint8Array(keySizeBytes);
  encodeKey(i, out, 0);
  return out;
}

/** A random permutation of 0..n-1. */
export function shuffled(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Incompressible values: views into one random pool at varying offsets. */
export class ValueSource {
  readonly size: number;
  readonly #pool: Uint8Array;
  readonly #span: number;

  constructor(size: number, seed: number) {
    this.size = size;
    this.#span = 1 << 20;
    this.#pool = new Uint8Array(this.#span + size);
    const rng = new Rng(seed);
    const words = new Uint32Array(this.#pool.buffer, 0, Math.floor(this.#pool.length / 4));
    for (let i = 0; i < words.length; i++) words[i] = rng.next();
  }

  /** The value written by operation j (deterministic, so both engines write the same). */
  value(j: number): Uint8Array {
    const offset = (Math.imul(j, 2654435761) >>> 0) % this.#span;
    return this.#pool.subarray(offset, offset + this.size);
  }
}

/** "100B", "1KiB", "16KiB". */
export function sizeLabel(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}KiB` : `${bytes}B`;
}
