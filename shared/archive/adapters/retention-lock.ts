import type { BlobClient, BlobServiceClient, BlockBlobUploadOptions, ContainerClient } from '@azure/storage-blob';
import type { ContentProtection, ContentRetention } from '../ports';
import { CONTAINERS, contentBlobName } from '../model';

export type ImmutabilityMode = 'off' | 'unlocked' | 'locked';

/**
 * The storage side of retention and legal hold: Azure Blob version-level immutability (WORM) on
 * content and manifest blobs, the blob legal hold, and destruction of every version of a blob once
 * its retention has expired. Azurite answers 501 to immutability and legal hold, so with
 * ARCHIVE_IMMUTABILITY=off (local) the protective calls do nothing and destruction deletes the one
 * blob; with unlocked/locked (Azure) the real calls are made. How that path is verified in Azure:
 * docs/decisions/0006-archive-records.md.
 */
export class RetentionLock implements ContentRetention {
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
    await extendRetention(container.getBlobClient(blobName), until, this.mode);
  }

  /** Read from the blob: the policy Azure holds, which may be longer than any one entry's date (shared content). */
  async policyExpiry(contentHash: string): Promise<Date | null> {
    if (!this.enabled) return null;
    const properties = await this.content.getBlobClient(contentBlobName(contentHash)).getProperties();
    return properties.immutabilityPolicyExpiresOn ?? null;
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
    await deleteEveryVersion(this.content, contentBlobName(contentHash), this.mode);
  }

  containerClient(name: string): ContainerClient {
    return this.service.getContainerClient(name);
  }
}

/**
 * A retention date closer than this is given no policy: Azure refuses an expiry in the past, and
 * mail whose retention runs out now is the disposition's to decide, not the lock's.
 */
const MIN_POLICY_MS = 60_000;

function worthAPolicy(until: Date | null): Date | null {
  return until && until.getTime() > Date.now() + MIN_POLICY_MS ? until : null;
}

function policyMode(mode: Exclude<ImmutabilityMode, 'off'>): 'Locked' | 'Unlocked' {
  return mode === 'locked' ? 'Locked' : 'Unlocked';
}

/**
 * Options of the request that creates a blob (Put Blob, Put Block List or Copy Blob) giving it its
 * retention policy and legal hold at once: one request instead of three, and no moment when the
 * blob exists unprotected. Nothing when immutability is off.
 */
export function protectionOnCreate(mode: ImmutabilityMode, protection: ContentProtection | undefined): Pick<BlockBlobUploadOptions, 'immutabilityPolicy' | 'legalHold'> {
  if (mode === 'off' || !protection) return {};
  const until = worthAPolicy(protection.until);
  return { ...(until ? { immutabilityPolicy: { expiriesOn: until, policyMode: policyMode(mode) } } : {}), ...(protection.legalHold ? { legalHold: true } : {}) };
}

/** Extends (never shortens: Azure refuses that on a locked policy) an existing blob's version-level retention policy. */
export async function extendRetention(blob: BlobClient, until: Date, mode: ImmutabilityMode): Promise<void> {
  const at = worthAPolicy(until);
  if (mode === 'off' || !at) return;
  const current = (await blob.getProperties()).immutabilityPolicyExpiresOn;
  if (current && current >= at) return;
  await blob.setImmutabilityPolicy({ expiriesOn: at, policyMode: policyMode(mode) });
}

/**
 * Deletes a blob. With versioning (required by version-level immutability in Azure), deleting the
 * current blob leaves its versions behind, so every version is deleted too. Azure refuses (409)
 * while a policy or legal hold still covers one: see isProtectedFromDeletion.
 */
export async function deleteEveryVersion(container: ContainerClient, name: string, mode: ImmutabilityMode): Promise<void> {
  await container.getBlobClient(name).deleteIfExists();
  if (mode === 'off') return;
  for await (const version of container.listBlobsFlat({ prefix: name, includeVersions: true })) {
    if (version.name === name && version.versionId) await container.getBlobClient(name).withVersion(version.versionId).deleteIfExists();
  }
}

/** Azure's answer to deleting a blob still under a retention policy or legal hold. */
export function isProtectedFromDeletion(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 409 && (e.code === 'BlobImmutableDueToPolicy' || e.code === 'BlobImmutableDueToLegalHold');
}
