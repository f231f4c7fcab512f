import type { IndexingProgress, MailboxStateReader, ManifestIndex, RebuildStatus, SearchableIndex, SearchIndex, TextExtraction } from '../ports';
import type { MessageEntry } from '../model';
import { searchDocumentOf, type ExtractedText, type SearchDocument } from './full-text';

export interface IndexingPorts {
  index: SearchIndex;
  /** The archive's entries: what was captured when, and each entry. */
  archive: SearchableIndex & ManifestIndex;
  extraction: TextExtraction;
  progress: IndexingProgress;
  mailboxes: Pick<MailboxStateReader, 'mailbox'>;
}

export interface IndexingPassResult {
  indexed: number;
  /** capturedAt up to which every entry is indexed (ISO), or null while the archive is empty. */
  watermark: string | null;
  caughtUp: boolean;
}

export interface MailboxDrift {
  mailboxId: string;
  archive: number;
  index: number;
}

/**
 * Entries written within this much of a pass's start may still be committing (capturedAt is set
 * before the write lands): the next pass looks at them again. Upserts are idempotent, so a second
 * look costs an extraction, never a duplicate.
 */
export const SETTLE_MS = 60_000;
/** Capture time read per step: one step's ids are held in memory (ids and hashes only). */
const STEP_MS = 6 * 3_600_000;
const BATCH = 50;

/**
 * Keeps the full-text index in step with the archive (docs/decisions/0020). Capture never waits for
 * it: a frequent pass indexes what was captured since its watermark (capturedAt), extraction and
 * upsert in batches, and moves the watermark on. The same pass, from no watermark, is the backfill
 * and the rebuild: the index is derived data, so a rebuild drops it and indexes the archive again
 * from its first capture. A message that fails extraction is indexed with the reason, never lost;
 * one the index refuses stops the pass before the watermark passes it (retried next pass).
 */
export class FullTextIndexing {
  constructor(
    private readonly ports: IndexingPorts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One pass, stopping after `budgetMs` at a step's end; returns how far it came. */
  async pass(budgetMs = 60_000): Promise<IndexingPassResult> {
    const { archive, progress, index } = this.ports;
    const started = this.now().getTime();
    // A rebuild started while this pass runs resets the watermark: this pass must not move it back.
    const generation = (await progress.rebuild())?.startedAt;
    await index.ensureIndex();
    // An empty watermark is a rebuild's: start again from the first capture.
    let from = (await progress.watermark()) || (await archive.firstCapturedAt());
    const result: IndexingPassResult = { indexed: 0, watermark: from ?? null, caughtUp: false };
    if (!from) {
      result.caughtUp = true;
      await this.finishRebuild();
      return result;
    }
    const names = new Map<string, string>();
    for (;;) {
      const settled = this.now().getTime() - SETTLE_MS;
      const start = Date.parse(from);
      const end = Math.min(start + STEP_MS, Math.max(settled, start));
      // The last step reads to now, so what was just captured is searchable now; its unsettled
      // tail stays behind the watermark for the next pass.
      const readTo = end >= settled ? this.now().getTime() + 1 : end;
      const before = result.indexed;
      const ids = await archive.capturedBetween(from, new Date(readTo).toISOString());
      for (let i = 0; i < ids.length; i += BATCH) {
        // A batch's messages are extracted together: the extraction pool's workers run in parallel.
        const documents = (
          await Promise.all(
            ids.slice(i, i + BATCH).map(async ({ pk, id }) => {
              const entry = await archive.get(pk, id);
              if (!entry) return undefined; // destroyed meanwhile
              return searchDocumentOf(entry, await this.textOf(entry), await this.mailboxName(entry.mailboxId, names));
            }),
          )
        ).filter((d): d is SearchDocument => d !== undefined);
        if (documents.length) await index.upsert(documents);
        result.indexed += documents.length;
      }
      from = new Date(end).toISOString();
      if ((await progress.rebuild())?.startedAt !== generation) return result;
      await progress.setWatermark(from);
      result.watermark = from;
      await this.noteRebuildProgress(result.indexed - before);
      if (end >= settled) {
        result.caughtUp = true;
        break;
      }
      if (this.now().getTime() - started > budgetMs) break;
    }
    if (result.caughtUp) await this.finishRebuild();
    return result;
  }

  /** Drops the index and starts indexing the whole archive again; the passes do the work. */
  async startRebuild(requestedBy: string): Promise<RebuildStatus> {
    const at = this.now().toISOString();
    const status: RebuildStatus = { state: 'running', startedAt: at, updatedAt: at, indexed: 0, requestedBy };
    await this.ports.progress.saveRebuild(status);
    await this.ports.index.drop();
    await this.ports.index.ensureIndex();
    await this.ports.progress.setWatermark('');
    return status;
  }

  rebuildStatus(): Promise<RebuildStatus | undefined> {
    return this.ports.progress.rebuild();
  }

  /** Removes destroyed entries from the index (disposition calls it in its own pass). */
  async remove(entryIds: string[]): Promise<void> {
    if (entryIds.length) await this.ports.index.delete(entryIds);
  }

  /** Index and archive counts per mailbox, only where they differ (the verification reports them). */
  async drift(mailboxIds: string[]): Promise<MailboxDrift[]> {
    const all = new Set([...mailboxIds, ...(await this.ports.index.mailboxIds())]);
    const drift: MailboxDrift[] = [];
    for (const mailboxId of [...all].sort()) {
      const [archive, index] = await Promise.all([this.ports.archive.count({ mailboxId }), this.ports.index.count(mailboxId)]);
      if (archive !== index) drift.push({ mailboxId, archive, index });
    }
    return drift;
  }

  private async textOf(entry: MessageEntry): Promise<ExtractedText> {
    try {
      return await this.ports.extraction.extract(entry);
    } catch {
      // The message is still findable by its headers, and as "not indexed: extraction-failed".
      return { body: '', attachments: [], notIndexed: ['extraction-failed'] };
    }
  }

  private async mailboxName(mailboxId: string, names: Map<string, string>): Promise<string> {
    let name = names.get(mailboxId);
    if (name === undefined) {
      name = (await this.ports.mailboxes.mailbox(mailboxId))?.displayName ?? '';
      names.set(mailboxId, name);
    }
    return name;
  }

  private async noteRebuildProgress(indexed: number): Promise<void> {
    const status = await this.ports.progress.rebuild();
    if (status?.state !== 'running') return;
    await this.ports.progress.saveRebuild({ ...status, indexed: status.indexed + indexed, updatedAt: this.now().toISOString() });
  }

  private async finishRebuild(): Promise<void> {
    const status = await this.ports.progress.rebuild();
    if (status?.state !== 'running') return;
    await this.ports.progress.saveRebuild({ ...status, state: 'completed', updatedAt: this.now().toISOString() });
  }
}
