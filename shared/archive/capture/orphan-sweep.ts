import type { ContentStore, MessageIndex, SweepWatermark } from '../ports';

/** Hashes checked against the index per query. */
const BATCH = 100;
/** The window starts this much before the last pass's end, in case instances' clocks differ. */
const CLOCK_MARGIN_MS = 3600_000;

export interface SweepResult {
  staging: number;
  content: number;
  /** Content blobs looked at. */
  checked: number;
  /**
   * Orphans Azure would not let this pass delete: stored with their retention policy or legal hold
   * (capture protects content as it writes it), then orphaned by a crash. Kept until a later pass
   * finds them deletable.
   */
  kept: number;
  /** `window`: only blobs stored since the last pass; `full`: every blob (first pass). */
  mode: 'window' | 'full';
}

/**
 * Removes what a crash can leave behind: staging blobs (a message half-streamed) and content blobs
 * no index entry refers to (stored, then the run died and the message vanished before the page was
 * redone). Only blobs older than the grace period are touched, so a run in progress keeps its own.
 *
 * Such an orphan is always a blob written recently, so a pass looks only at the blobs stored since
 * the previous one (found by their index tag) and checks them against the index in batches: the
 * daily cost follows the day's new mail, not the whole archive (years of it, millions of blobs,
 * which one pass could not even list within the function timeout). The first pass, with no
 * watermark yet, looks at every blob once, which also covers blobs stored before they were tagged.
 */
export async function sweepOrphans(deps: { content: ContentStore; index: MessageIndex; watermark: SweepWatermark }, options: { graceMs: number; now?: Date }): Promise<SweepResult> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.graceMs);
  let staging = 0;
  for await (const name of deps.content.listStaging(cutoff)) {
    await deps.content.deleteStaging(name);
    staging++;
  }
  const since = await deps.watermark.get();
  const candidates = since ? deps.content.listStoredBetween(new Date(since.getTime() - CLOCK_MARGIN_MS), cutoff) : storedBefore(deps.content, cutoff);
  let content = 0;
  let checked = 0;
  const kept = new Set<string>();
  // The orphans earlier passes had to keep come first: their protection may have run out since.
  // Only their hashes are remembered, so a first pass over millions of blobs holds no set of them.
  const retried = new Set(await deps.watermark.kept());
  for (const source of [fromList([...retried]), withoutAny(candidates, retried)]) {
    for await (const batch of batches(source, BATCH)) {
      checked += batch.length;
      const referenced = await deps.index.referencedAmong(batch);
      for (const contentHash of batch) {
        // Referenced: not an orphan (for a kept one, a redone page may have written its entry since).
        if (referenced.has(contentHash)) continue;
        if (await deps.content.delete(contentHash)) content++;
        else kept.add(contentHash);
      }
    }
  }
  // Only after a complete pass: a pass that failed midway is redone from the same point.
  await deps.watermark.set(cutoff, [...kept]);
  return { staging, content, checked, kept: kept.size, mode: since ? 'window' : 'full' };
}

async function* fromList(hashes: string[]): AsyncIterable<string> {
  yield* hashes;
}

async function* withoutAny(hashes: AsyncIterable<string>, skipped: Set<string>): AsyncIterable<string> {
  for await (const hash of hashes) if (!skipped.has(hash)) yield hash;
}

async function* storedBefore(content: ContentStore, cutoff: Date): AsyncIterable<string> {
  for await (const blob of content.list()) if (blob.lastModified < cutoff) yield blob.contentHash;
}

async function* batches<T>(items: AsyncIterable<T>, size: number): AsyncIterable<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
