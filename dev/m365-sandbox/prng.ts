/**
 * Deterministic pseudo-random numbers (mulberry32). The whole tenant is derived from a seed with
 * these, so two sandboxes started with the same seed serve the same directory, ids and MIME bytes.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** A GUID-shaped id (version 4 layout), as Entra ID uses for users, groups and sites. */
  guid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** Mixes several integers into one 32-bit seed (FNV-1a over their bytes). */
export function mixSeed(...parts: Array<number | string>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0x2c;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Fills a buffer with deterministic bytes (xorshift32) fast enough to produce tens of megabytes of
 * attachment content per second without holding more than one chunk.
 */
export function fillDeterministic(buffer: Buffer, state: { x: number }): void {
  let x = state.x || 0x9e3779b9;
  const words = Math.floor(buffer.length / 4);
  // Words go through a typed array (one native copy at the end): a writeUInt32LE call per word was
  // the sandbox's largest cost in bench:archive. Typed arrays use the platform's byte order, which
  // is little-endian on every platform Node supports here; the bytes are those writeUInt32LE wrote.
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 0;
  }
  Buffer.from(out.buffer, 0, words * 4).copy(buffer, 0);
  for (let i = words * 4; i < buffer.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer[i] = x & 0xff;
  }
  state.x = x >>> 0;
}
