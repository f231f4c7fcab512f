import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PartResult, PartTask } from './model';

/**
 * A small pool of worker threads that turn parts into text (worker.ts). A part gets `timeoutMs` from
 * the moment a worker takes it; past that the worker is terminated (its thread stops wherever it
 * is, even in a loop that never yields) and the part is `timeout`. Each worker has a heap limit
 * (`resourceLimits`): a part that swells past it ends that worker with ERR_WORKER_OUT_OF_MEMORY and
 * is `memory`. Either way a new worker takes the next part, and the caller's thread never ran any
 * of it. Idle workers do not keep the process alive.
 */
export interface ExtractionPoolOptions {
  /** Worker threads at most (default: cores - 1, at least 1, at most 4). */
  workers?: number;
  /** Heap limit of each worker, MB (default 512). */
  memoryMb?: number;
}

interface Job {
  task: PartTask;
  timeoutMs: number;
  deadline: number;
  resolve: (result: PartResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded its code (it said so): failures after that are the part's. */
  ready: boolean;
  job?: Job & { id: number; timer: NodeJS.Timeout };
}

export class ExtractionPool {
  private readonly size: number;
  private readonly memoryMb: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ExtractionPoolOptions = {}) {
    this.size = Math.max(1, options.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1)));
    this.memoryMb = options.memoryMb ?? 512;
  }

  /**
   * The part's text, or why it has none. `timeoutMs` runs from when a worker takes the part;
   * `deadline` (a time from Date.now()) is the latest it may end, counted while it waits too.
   */
  run(task: PartTask, timeoutMs: number, deadline = Infinity): Promise<PartResult> {
    if (this.closed) return Promise.reject(new Error('extraction pool closed'));
    return new Promise<PartResult>((resolve, reject) => {
      this.queue.push({ task, timeoutMs, deadline, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker; parts still waiting are answered `timeout`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, reason: 'timeout' });
    const stopping = [...this.slots].map((slot) => {
      this.finish(slot, { ok: false, reason: 'timeout' });
      return slot.worker.terminate();
    });
    this.slots.clear();
    await Promise.all(stopping);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => !s.job);
      if (!slot) {
        if (this.slots.size >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      const left = job.deadline - Date.now();
      if (left <= 0) {
        // The message's time is up while this part waited: no worker is spent on it.
        job.resolve({ ok: false, reason: 'timeout' });
        continue;
      }
      const id = this.nextId++;
      // The part's own timer starts when a worker takes it: waiting in the queue is not the part's fault.
      const timer = setTimeout(() => this.kill(slot, { ok: false, reason: 'timeout' }), Math.min(job.timeoutMs, left));
      slot.job = { ...job, id, timer };
      slot.worker.ref();
      // The bytes move to the worker (no copy); the caller does not use them again.
      const transfer = job.task.bytes.byteOffset === 0 && job.task.bytes.byteLength === job.task.bytes.buffer.byteLength ? [job.task.bytes.buffer as ArrayBuffer] : [];
      slot.worker.postMessage({ id, task: job.task }, transfer);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(this.memoryMb);
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (message: { id: number; result: PartResult } | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true;
        return;
      }
      if (slot.job?.id !== message.id) return;
      this.finish(slot, message.result);
      worker.unref();
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      // Before the worker has loaded, nothing of the part has run: the pool itself is broken (its
      // code, its settings), which the caller must hear about rather than a file be blamed.
      if (!slot.ready) return this.kill(slot, new Error(`extraction worker failed to start: ${error.code ?? error.message}`));
      // ERR_WORKER_OUT_OF_MEMORY: the heap limit; anything else thrown outside a part's own
      // try/catch is the library failing on the file.
      this.kill(slot, { ok: false, reason: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'malformed' });
    });
    worker.on('exit', (code) => this.kill(slot, slot.ready ? { ok: false, reason: 'malformed' } : new Error(`extraction worker failed to start: exit ${code}`)));
    worker.unref();
    return slot;
  }

  private finish(slot: Slot, result: PartResult | Error): void {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    if (result instanceof Error) job.reject(result);
    else job.resolve(result);
  }

  /** Ends a worker (if not ended yet), answers its part, and lets the queue go on with a new one. */
  private kill(slot: Slot, result: PartResult | Error): void {
    if (!this.slots.delete(slot)) return;
    this.finish(slot, result);
    void slot.worker.terminate();
    if (!this.closed) this.dispatch();
  }
}

/**
 * The compiled worker (dist/.../worker.js) in the app. Run from TypeScript sources (tests, benches
 * through tsx) there is no .js beside this file: the worker then loads tsx's CommonJS hook first.
 */
function startWorker(memoryMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, Math.floor(memoryMb / 8))) };
  const compiled = path.join(__dirname, 'worker.js');
  if (existsSync(compiled)) return new Worker(compiled, { resourceLimits });
  const source = path.join(__dirname, 'worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, resourceLimits });
}
