import { createHash } from 'node:crypto';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { CONTAINERS, type MessageEntry } from '../model';
import type { RecordsStore } from '../adapters/records-store';
import type { RetentionLock } from '../adapters/retention-lock';

/**
 * Tamper evidence: for each day of capture (UTC, by capturedAt), a manifest lists the entries
 * captured that day with their content hashes, their Merkle root, and the SHA-256 of the previous
 * day's manifest, so the manifests form a chain: changing, adding or removing anything in the past
 * breaks a root or a link. Each manifest is written once (If-None-Match: *) to `archive-manifests`,
 * and in Azure protected by a version-level WORM policy, so not even an administrator can rewrite it.
 */
export const MANIFEST_FORMAT = 'spgq-archive-manifest/1';
/** WORM period of a manifest: longer than any destroy rule, so the proof outlives what it proves. */
export const MANIFEST_PROTECTION_YEARS = 25;
/** A day is sealed only this long after it ended, so runs in flight at midnight have written their entries. */
export const SEAL_DELAY_MS = 2 * 3600_000;

export const ManifestItem = z.object({ entryId: z.string(), pk: z.string(), contentHash: z.string().regex(/^[0-9a-f]{64}$/) });
export type ManifestItem = z.infer<typeof ManifestItem>;

export const DailyManifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  sealedAt: z.string(),
  /** Sorted by entryId: the order of the Merkle leaves. */
  items: z.array(ManifestItem),
  merkleRoot: z.string(),
  previousDay: z.string().nullable(),
  /** SHA-256 of the previous manifest's stored bytes. */
  previousManifestHash: z.string().nullable(),
});
export type DailyManifest = z.infer<typeof DailyManifest>;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Leaf and node hashes are domain-separated (0x00 / 0x01), so a node can never pass for a leaf. */
export function merkleLeaf(item: ManifestItem): string {
  return sha256(Buffer.concat([Buffer.from([0]), Buffer.from(`${item.entryId}\n${item.contentHash}`, 'utf8')]));
}

export function merkleRoot(items: ManifestItem[]): string {
  if (items.length === 0) return sha256(Buffer.from([2]));
  let level = items.map(merkleLeaf);
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      // An odd node is carried up unchanged.
      next.push(right === undefined ? left : sha256(Buffer.concat([Buffer.from([1]), Buffer.from(left, 'hex'), Buffer.from(right, 'hex')])));
    }
    level = next;
  }
  return level[0]!;
}

export interface StoredManifest {
  manifest: DailyManifest;
  /** SHA-256 of the stored bytes (what the next manifest links to). */
  hash: string;
  blobName: string;
}

export class Manifests {
  private readonly container: ContainerClient;
  private ensured: Promise<unknown> | undefined;
  /** Manifests of one archive (Cosmos database) live under their own prefix. */
  private readonly prefix: string;

  constructor(blob: BlobServiceClient, private readonly store: RecordsStore, private readonly lock: RetentionLock, private readonly now: () => Date = () => new Date()) {
    this.container = blob.getContainerClient(CONTAINERS.manifests);
    this.prefix = `daily/${store.database.id}/`;
  }

  private ensure(): Promise<unknown> {
    this.ensured ??= this.container.createIfNotExists().catch((e: unknown) => {
      this.ensured = undefined;
      throw e;
    });
    return this.ensured;
  }

  blobName(day: string): string {
    return `${this.prefix}${day.slice(0, 4)}/${day.slice(5, 7)}/${day}.json`;
  }

  /** Days that have a manifest, oldest first. */
  async days(): Promise<string[]> {
    await this.ensure();
    const days: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: this.prefix })) {
      const day = /(\d{4}-\d{2}-\d{2})\.json$/.exec(blob.name)?.[1];
      if (day) days.push(day);
    }
    return days.sort();
  }

  async read(day: string): Promise<StoredManifest> {
    const blobName = this.blobName(day);
    const bytes = await this.container.getBlobClient(blobName).downloadToBuffer();
    return { manifest: DailyManifest.parse(JSON.parse(bytes.toString('utf8'))), hash: sha256(bytes), blobName };
  }

  /** The entries captured on a day, as the index holds them now. */
  async itemsOfDay(day: string): Promise<ManifestItem[]> {
    const messages = await this.store.messagesContainer();
    const start = `${day}T00:00:00.000Z`;
    const end = new Date(Date.parse(start) + 86_400_000).toISOString();
    const items: ManifestItem[] = [];
    const iterator = messages.items.query<Pick<MessageEntry, 'id' | 'pk' | 'contentHash'>>(
      { query: 'SELECT c.id, c.pk, c.contentHash FROM c WHERE c.type = "message" AND c.capturedAt >= @start AND c.capturedAt < @end', parameters: [{ name: '@start', value: start }, { name: '@end', value: end }] },
      { maxItemCount: 1000 },
    );
    for await (const page of iterator.getAsyncIterator()) for (const r of page.resources) items.push({ entryId: r.id, pk: r.pk, contentHash: r.contentHash });
    return items.sort((a, b) => (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0));
  }

  /**
   * Seals every day not yet sealed, from the day after the last manifest (or the first capture) to
   * the last day that ended at least SEAL_DELAY_MS ago. Empty days get a manifest too: the chain
   * has no holes an attacker could hide a day in.
   */
  async seal(): Promise<string[]> {
    await this.ensure();
    const sealed = await this.days();
    const lastSealable = new Date(this.now().getTime() - SEAL_DELAY_MS - 86_400_000).toISOString().slice(0, 10);
    let previous: StoredManifest | undefined = sealed.length ? await this.read(sealed[sealed.length - 1]!) : undefined;
    let day = previous ? nextDay(previous.manifest.day) : await this.firstCaptureDay();
    const written: string[] = [];
    while (day && day <= lastSealable) {
      const items = await this.itemsOfDay(day);
      const manifest: DailyManifest = {
        format: MANIFEST_FORMAT,
        day,
        sealedAt: this.now().toISOString(),
        items,
        merkleRoot: merkleRoot(items),
        previousDay: previous?.manifest.day ?? null,
        previousManifestHash: previous?.hash ?? null,
      };
      const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
      const blobName = this.blobName(day);
      try {
        await this.container.getBlockBlobClient(blobName).upload(bytes, bytes.length, { conditions: { ifNoneMatch: '*' }, blobHTTPHeaders: { blobContentType: 'application/json' } });
      } catch (error) {
        // Another instance sealed it first: continue the chain from what is stored.
        if ((error as { statusCode?: number }).statusCode !== 409) throw error;
        previous = await this.read(day);
        day = nextDay(day);
        continue;
      }
      const until = new Date(this.now());
      until.setUTCFullYear(until.getUTCFullYear() + MANIFEST_PROTECTION_YEARS);
      await this.lock.protectUntil(this.container, blobName, until);
      written.push(day);
      previous = { manifest, hash: sha256(bytes), blobName };
      day = nextDay(day);
    }
    return written;
  }

  private async firstCaptureDay(): Promise<string | undefined> {
    const messages = await this.store.messagesContainer();
    const { resources } = await messages.items.query<string>('SELECT TOP 1 VALUE c.capturedAt FROM c WHERE c.type = "message" ORDER BY c.capturedAt ASC').fetchAll();
    return resources[0] ? new Date(resources[0]).toISOString().slice(0, 10) : undefined;
  }
}

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}
