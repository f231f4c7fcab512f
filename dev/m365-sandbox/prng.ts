import { createCipheriv, type Cipher } from 'node:crypto';

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
 * Fills a buffer with deterministic bytes: the AES-128-CTR keystream of a key made from the seed,
 * continuing across calls with the same state. Native, so attachment content costs the sandbox
 * (which shares the machine with the app in benchmarks) next to nothing.
 */
export function fillDeterministic(buffer: Buffer, state: { x: number; stream?: Cipher }): void {
  if (!state.stream) {
    const key = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) key.writeUInt32LE((state.x || 0x9e3779b9) >>> 0, i * 4);
    state.stream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  }
  if (zeros.length < buffer.length) zeros = Buffer.alloc(buffer.length);
  state.stream.update(zeros.subarray(0, buffer.length)).copy(buffer);
}

let zeros = Buffer.alloc(64 * 1024);
