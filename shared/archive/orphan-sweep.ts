import type { ContentStore, MessageIndex } from './ports';

/**
 * Removes what a crash can leave behind: staging blobs (a message half-streamed) and content blobs
 * no index entry refers to (stored, then the run died and the message vanished before the page was
 * redone). Only blobs older than the grace period are touched, so a run in progress keeps its own.
 */
export async function sweepOrphans(deps: { content: ContentStore; index: MessageIndex }, options: { graceMs: number; now?: Date }): Promise<{ staging: number; content: number }> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.graceMs);
  let staging = 0;
  let content = 0;
  for await (const name of deps.content.listStaging(cutoff)) {
    await deps.content.deleteStaging(name);
    staging++;
  }
  for await (const blob of deps.content.list()) {
    if (blob.lastModified >= cutoff) continue;
    if (await deps.index.isReferenced(blob.contentHash)) continue;
    await deps.content.delete(blob.contentHash);
    content++;
  }
  return { staging, content };
}
