import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { CONTAINERS } from '../model';
import type { ManifestStore } from '../ports';
import type { RetentionLock } from './retention-lock';

/**
 * Blob Storage adapter of ManifestStore: `archive-manifests/daily/<database>/yyyy/mm/yyyy-mm-dd.json`
 * (the manifests of one archive, one Cosmos database, under their own prefix), each written once
 * (If-None-Match: *) and, in Azure, given its version-level WORM policy through the retention lock.
 */
export class BlobManifestStore implements ManifestStore {
  private readonly container: ContainerClient;
  private ensured: Promise<unknown> | undefined;
  private readonly prefix: string;

  constructor(blob: BlobServiceClient, private readonly lock: RetentionLock, archiveName: string) {
    this.container = blob.getContainerClient(CONTAINERS.manifests);
    this.prefix = `daily/${archiveName}/`;
  }

  private ensure(): Promise<unknown> {
    this.ensured ??= this.container.createIfNotExists().catch((e: unknown) => {
      this.ensured = undefined;
      throw e;
    });
    return this.ensured;
  }

  private blobName(day: string): string {
    return `${this.prefix}${day.slice(0, 4)}/${day.slice(5, 7)}/${day}.json`;
  }

  async days(): Promise<string[]> {
    await this.ensure();
    const days: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: this.prefix })) {
      const day = /(\d{4}-\d{2}-\d{2})\.json$/.exec(blob.name)?.[1];
      if (day) days.push(day);
    }
    return days.sort();
  }

  async read(day: string): Promise<{ bytes: Buffer; name: string }> {
    const name = this.blobName(day);
    return { bytes: await this.container.getBlobClient(name).downloadToBuffer(), name };
  }

  async create(day: string, bytes: Buffer, protectUntil: Date): Promise<{ created: boolean; name: string }> {
    await this.ensure();
    const name = this.blobName(day);
    try {
      await this.container.getBlockBlobClient(name).upload(bytes, bytes.length, { conditions: { ifNoneMatch: '*' }, blobHTTPHeaders: { blobContentType: 'application/json' } });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
      return { created: false, name };
    }
    await this.lock.protectUntil(this.container, name, protectUntil);
    return { created: true, name };
  }
}
