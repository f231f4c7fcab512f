import type { IndexingProgress, RebuildStatus } from '../ports';
import { isCosmosStatus, type RecordsStore } from './records-store';

/**
 * Where full-text indexing has reached, and the last rebuild, in `archive-records` (partition
 * "full-text", two small documents): read and written by the indexing pass only.
 */
const PK = 'full-text';

interface WatermarkDoc {
  id: 'watermark';
  pk: typeof PK;
  type: 'full-text-watermark';
  capturedAt: string;
}

interface RebuildDoc extends RebuildStatus {
  id: 'rebuild';
  pk: typeof PK;
  type: 'full-text-rebuild';
}

export class CosmosIndexingProgress implements IndexingProgress {
  constructor(private readonly store: RecordsStore) {}

  private async read<T extends object>(id: string): Promise<T | undefined> {
    try {
      const { resource } = await (await this.store.recordsContainer()).item(id, PK).read<T>();
      return resource;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async watermark(): Promise<string | undefined> {
    return (await this.read<WatermarkDoc>('watermark'))?.capturedAt;
  }

  async setWatermark(capturedAt: string): Promise<void> {
    const doc: WatermarkDoc = { id: 'watermark', pk: PK, type: 'full-text-watermark', capturedAt };
    await (await this.store.recordsContainer()).items.upsert(doc);
  }

  async rebuild(): Promise<RebuildStatus | undefined> {
    const doc = await this.read<RebuildDoc>('rebuild');
    return doc ? { state: doc.state, startedAt: doc.startedAt, updatedAt: doc.updatedAt, indexed: doc.indexed, requestedBy: doc.requestedBy } : undefined;
  }

  async saveRebuild(status: RebuildStatus): Promise<void> {
    const doc: RebuildDoc = { id: 'rebuild', pk: PK, type: 'full-text-rebuild', ...status };
    await (await this.store.recordsContainer()).items.upsert(doc);
  }
}
