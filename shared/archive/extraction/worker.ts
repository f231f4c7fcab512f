import { parentPort } from 'node:worker_threads';
import { extractPart } from './extractors';
import type { PartTask } from './model';

/**
 * The entry of an extraction worker thread (pool.ts starts it): one part at a time, answered with
 * its text or the reason it has none. The pool stops this thread when a part takes too long or
 * the thread runs out of its heap, so a hostile file can cost this thread only, never the caller.
 */
parentPort?.on('message', (message: { id: number; task: PartTask }) => {
  void extractPart(message.task).then((result) => parentPort?.postMessage({ id: message.id, result }));
});
// Loaded: from here on a failure of this thread is a part's doing, not the pool's (pool.ts).
parentPort?.postMessage({ ready: true });
