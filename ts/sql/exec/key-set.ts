// A set of byte strings (engine keys) for uniqueness checks over millions of rows (table
// rewrites, index builds). A Set<string> of the keys costs about 100 bytes a key in the
// JavaScript heap; here the bytes of every key sit in one growing arena and an
// open-addressing table holds their offsets and hashes: about 20 bytes a key plus the key.

const EMPTY = -1;

export class ByteKeySet {
  /** Entries back to back: a 4-byte length (little endian), then the key's bytes. */
  private arena = new Uint8Array(64 * 1024);
  private used = 0;
  /** Per slot: the entry's offset in the arena, or EMPTY. */
  private offsets = new Int32Array(1024).fill(EMPTY);
  /** Per slot: the entry's hash. */
  private hashes = new Int32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: Uint8Array): boolean {
    return this.offsets[this.find(key, hashOf(key))]! !== EMPTY;
  }

  /** Adds `key`; false when it was there already. */
  add(key: Uint8Array): boolean {
    const hash = hashOf(key);
    let slot = this.find(key, hash);
    if (this.offsets[slot]! !== EMPTY) return false;
    if ((this.count + 1) * 2 > this.offsets.length) {
      this.grow();
      slot = this.find(key, hash);
    }
    const at = this.append(key);
    this.offsets[slot] = at;
    this.hashes[slot] = hash;
    this.count++;
    return true;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: Uint8Array, hash: number): number {
    const mask = this.offsets.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = this.offsets[slot]!;
      if (at === EMPTY) return slot;
      if (this.hashes[slot] === hash && this.equals(at, key)) return slot;
    }
  }

  private equals(at: number, key: Uint8Array): boolean {
    const arena = this.arena;
    const length = arena[at]! | (arena[at + 1]! << 8) | (arena[at + 2]! << 16) | (arena[at + 3]! << 24);
    if (length !== key.length) return false;
    const start = at + 4;
    for (let i = 0; i < length; i++) if (arena[start + i] !== key[i]) return false;
    return true;
  }

  private append(key: Uint8Array): number {
    const needed = this.used + 4 + key.length;
    if (needed > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < needed) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.arena.subarray(0, this.used), 0);
      this.arena = next;
    }
    const at = this.used;
    const arena = this.arena;
    const length = key.length;
    arena[at] = length & 0xff;
    arena[at + 1] = (length >>> 8) & 0xff;
    arena[at + 2] = (length >>> 16) & 0xff;
    arena[at + 3] = (length >>> 24) & 0xff;
    arena.set(key, at + 4);
    this.used = needed;
    return at;
  }

  private grow(): void {
    const oldOffsets = this.offsets;
    const oldHashes = this.hashes;
    const size = oldOffsets.length * 2;
    const offsets = new Int32Array(size).fill(EMPTY);
    const hashes = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < oldOffsets.length; i++) {
      const at = oldOffsets[i]!;
      if (at === EMPTY) continue;
      const hash = oldHashes[i]!;
      let slot = hash & mask;
      while (offsets[slot] !== EMPTY) slot = (slot + 1) & mask;
      offsets[slot] = at;
      hashes[slot] = hash;
    }
    this.offsets = offsets;
    this.hashes = hashes;
  }
}

/** FNV-1a over the bytes, then a final mix so that nearby keys spread over the table. */
function hashOf(key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key[i]!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
