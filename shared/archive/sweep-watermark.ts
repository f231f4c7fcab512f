import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { CONTAINERS } from './model';

/** How far the orphan sweep has looked: content blobs stored before this time have been checked. */
export interface SweepWatermark {
  get(): Promise<Date | undefined>;
  set(until: Date): Promise<void>;
}

/** The watermark as the metadata of one small blob (`archive-locks/orphan-sweep`). */
export class BlobSweepWatermark implements SweepWatermark {
  private readonly container: ContainerClient;

  constructor(service: BlobServiceClient) {
    this.container = service.getContainerClient(CONTAINERS.locks);
  }

  async get(): Promise<Date | undefined> {
    try {
      const { metadata } = await this.container.getBlobClient(BLOB).getProperties();
      const until = metadata?.sweptuntil ? new Date(metadata.sweptuntil) : undefined;
      return until && !Number.isNaN(until.getTime()) ? until : undefined;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async set(until: Date): Promise<void> {
    await this.container.createIfNotExists();
    await this.container.getBlockBlobClient(BLOB).upload('', 0, { metadata: { sweptuntil: until.toISOString() } });
  }
}

const BLOB = 'orphan-sweep';
