import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { CONTAINERS } from '../model';
import type { SweepWatermark } from '../ports';

/**
 * The watermark as the metadata of one small blob (`archive-locks/orphan-sweep`), and the kept
 * orphans' hashes as its content (JSON; rare, so a few bytes).
 */
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

  async kept(): Promise<string[]> {
    let body: Buffer;
    try {
      body = await this.container.getBlobClient(BLOB).downloadToBuffer();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return [];
      throw error;
    }
    // Written before kept orphans were recorded: an empty blob.
    if (body.length === 0) return [];
    const parsed = JSON.parse(body.toString('utf8')) as { kept?: unknown };
    return Array.isArray(parsed.kept) ? parsed.kept.filter((h): h is string => typeof h === 'string') : [];
  }

  async set(until: Date, kept: string[] = []): Promise<void> {
    await this.container.createIfNotExists();
    const body = JSON.stringify({ kept });
    await this.container.getBlockBlobClient(BLOB).upload(body, Buffer.byteLength(body), { metadata: { sweptuntil: until.toISOString() } });
  }
}

const BLOB = 'orphan-sweep';
