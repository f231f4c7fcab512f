import type { MetadataChange, SearchIndex } from '../ports';

/** Where a failed index update is reported: entry ids and a count only (never content). */
export type MetadataFailure = (event: 'full-text-metadata-failed', fields: { entryIds: string[]; count: number; reason: string }) => void;

/**
 * Keeps the full-text index's copy of an entry's holds, retention rule and folder in step when a
 * records operation changes them after capture (docs/decisions/0020). Called right after the
 * archive is written, batched as the operation batches its writes. The archive is the record: a
 * failure here never fails the operation; it is reported (ids only) and repaired by the next
 * rebuild, and search results stay pointers whose reading goes through the archive's current state.
 */
export class IndexMetadata {
  constructor(
    private readonly index: Pick<SearchIndex, 'mergeMetadata'> | undefined,
    private readonly onFailure: MetadataFailure = () => {},
  ) {}

  async push(changes: MetadataChange[]): Promise<void> {
    if (!this.index || changes.length === 0) return;
    try {
      await this.index.mergeMetadata(changes);
    } catch (error) {
      this.onFailure('full-text-metadata-failed', { entryIds: changes.map((c) => c.id), count: changes.length, reason: error instanceof Error ? error.message : String(error) });
    }
  }
}
