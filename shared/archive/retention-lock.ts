import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { CONTAINERS, contentBlobName } from './model';

export type ImmutabilityMode = 'off' | 'unlocked' | 'locked';

/**
 * The storage side of retention and legal hold: Azure Blob version-level immutability (WORM) on
 * content and manifest blobs, the blob legal hold, and destruction of every version of a blob once
 * its retention has expired. Azurite answers 501 to immutability and legal hold, so with
 * ARCHIVE_IMMUTABILITY=off (local) the protective calls do nothing and destruction deletes the one
 * blob; with unlocked/locked (Azure) the real calls are made. How that path is verified in Azure:
 * docs/decisions/0006-archive-records.md.
 */
export class RetentionLock {
  private readonly content: ContainerClient;

  constructor(private readonly service: BlobServiceClient, readonly mode: ImmutabilityMode) {
    this.content = service.getContainerClient(CONTAINERS.content);
  }

  get enabled(): boolean {
    return this.mode !== 'off';
  }

  /** Extends (never shortens: Azure refuses that on a locked policy) the content blob's WORM policy. */
  async protectContentUntil(contentHash: string, until: Date): Promise<void> {
    if (!this.enabled) return;
    await this.protectUntil(this.content, contentBlobName(contentHash), until);
  }

  async protectUntil(container: ContainerClient, blobName: string, until: Date): Promise<void> {
    if (!this.enabled) return;
    const blob = container.getBlobClient(blobName);
    const properties = await blob.getProperties();
    const current = properties.immutabilityPolicyExpiresOn;
    if (current && current >= until) return;
    await blob.setImmutabilityPolicy({ expiriesOn: until, policyMode: this.mode === 'locked' ? 'Locked' : 'Unlocked' });
  }

  /** The blob legal hold: while set, no version of the content can be deleted or overwritten. */
  async setContentLegalHold(contentHash: string, held: boolean): Promise<void> {
    if (!this.enabled) return;
    await this.content.getBlobClient(contentBlobName(contentHash)).setLegalHold(held);
  }

  /**
   * Deletes the content blob. With versioning (required by version-level immutability in Azure),
   * deleting the current blob leaves its versions behind, so every version is deleted too; Azure
   * refuses (409) while a policy or legal hold still covers one, which surfaces as an error.
   */
  async destroyContent(contentHash: string): Promise<void> {
    const name = contentBlobName(contentHash);
    if (!this.enabled) {
      await this.content.getBlobClient(name).deleteIfExists();
      return;
    }
    await this.content.getBlobClient(name).deleteIfExists();
    for await (const version of this.content.listBlobsFlat({ prefix: name, includeVersions: true })) {
      if (version.name === name && version.versionId) await this.content.getBlobClient(name).withVersion(version.versionId).deleteIfExists();
    }
  }

  containerClient(name: string): ContainerClient {
    return this.service.getContainerClient(name);
  }
}
