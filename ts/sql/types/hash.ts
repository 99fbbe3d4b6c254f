// 32-bit hashing for hash joins and grouping: murmur3-style mixing, fast in JavaScript.

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashBytes(bytes: Uint8Array, seed = 0): number {
  let h = seed;
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) {
    h = mix(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  let tail = 0;
  for (let shift = 0; i < bytes.length; i++, shift += 8) tail |= bytes[i]! << shift;
  if (bytes.length % 4 !== 0) h = mix(h, tail);
  return finish(h, bytes.length);
}

export function hashString(text: string, seed = 0): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = mix(h, text.charCodeAt(i));
  return finish(h, text.length);
}

const float64 = new Float64Array(1);
const words = new Int32Array(float64.buffer);

/** Hashes a double; callers map -0 to 0 and every NaN to one NaN first when those are equal. */
export function hashFloat64(value: number, seed = 0): number {
  float64[0] = value;
  return finish(mix(mix(seed, words[0]!), words[1]!), 8);
}

/** Hashes an integer so that int2, int4 and int8 values that are equal hash equal. */
export function hashInteger(value: number | bigint, seed = 0): number {
  let low: number;
  let high: number;
  if (typeof value === "number") {
    // ToInt32 keeps the low 32 bits of any safe integer, two's complement.
    low = value | 0;
    high = Math.floor(value / 4294967296) | 0;
  } else {
    low = Number(BigInt.asIntN(32, value));
    high = Number(BigInt.asIntN(32, value >> 32n));
  }
  return finish(mix(mix(seed, low), high), 8);
}

/** Folds a further hash into an accumulated one (arrays, composite values). */
export function combineHash(accumulated: number, next: number): number {
  return finish(mix(accumulated, next), 4);
}
