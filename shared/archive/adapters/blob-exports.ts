import type { Readable } from 'node:stream';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { StorageSettings } from '../../platform/settings';
import { CONTAINERS } from '../model';
import type { ExportFiles } from '../ports';

/**
 * Blob Storage adapter of ExportFiles (`archive-exports/<export id>/attempt-<n>/`). Files are
 * uploaded as streams (a few 4 MB blocks in memory, never the whole file). Links are read-only
 * SAS: a user delegation SAS in Azure (no account key exists there), an account SAS on Azurite.
 */
export class BlobExportFiles implements ExportFiles {
  private readonly container: ContainerClient;

  constructor(private readonly blob: BlobServiceClient, private readonly storage: Pick<StorageSettings, 'mode'>) {
    this.container = blob.getContainerClient(CONTAINERS.exports);
  }

  async prepare(): Promise<void> {
    await this.container.createIfNotExists();
  }

  async writeArchive(name: string, content: Readable, file: { contentType: string; fileName: string }): Promise<void> {
    await this.container.getBlockBlobClient(name).uploadStream(content, 4 * 1024 * 1024, 2, {
      blobHTTPHeaders: { blobContentType: file.contentType, blobContentDisposition: `attachment; filename="${file.fileName}"` },
    });
  }

  async writeManifest(name: string, bytes: Buffer): Promise<void> {
    await this.container.getBlockBlobClient(name).upload(bytes, bytes.length, { blobHTTPHeaders: { blobContentType: 'application/json' } });
  }

  async deleteAll(exportId: string): Promise<void> {
    for await (const blob of this.container.listBlobsFlat({ prefix: `${exportId}/` })) await this.container.deleteBlob(blob.name, { deleteSnapshots: 'include' }).catch(ignoreMissingBlob);
  }

  async readLink(name: string, startsOn: Date, expiresOn: Date): Promise<string> {
    const { BlobSASPermissions, SASProtocol, generateBlobSASQueryParameters } = require('@azure/storage-blob') as typeof import('@azure/storage-blob');
    const permissions = BlobSASPermissions.parse('r');
    const client = this.container.getBlobClient(name);
    if (this.storage.mode === 'connectionString') return client.generateSasUrl({ permissions, startsOn, expiresOn });
    // Azure: shared keys are disabled on the account; sign with a user delegation key of the app's identity.
    const key = await this.blob.getUserDelegationKey(startsOn, expiresOn);
    const sas = generateBlobSASQueryParameters({ containerName: CONTAINERS.exports, blobName: name, permissions, startsOn, expiresOn, protocol: SASProtocol.Https }, key, this.blob.accountName);
    return `${client.url}?${sas.toString()}`;
  }
}

function ignoreMissingBlob(error: unknown): void {
  const e = error as { statusCode?: number; code?: string };
  if (!(e.statusCode === 404 || e.code === 'BlobNotFound')) throw error;
}
