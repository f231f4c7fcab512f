import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Tamper evidence: for each day of capture (UTC, by capturedAt), a manifest lists the entries
 * captured that day with their content hashes, their Merkle root, and the SHA-256 of the previous
 * day's manifest, so the manifests form a chain: changing, adding or removing anything in the past
 * breaks a root or a link. Each manifest is written once (If-None-Match: *) to `archive-manifests`,
 * and in Azure protected by a version-level WORM policy, so not even an administrator can rewrite it.
 * The format is here; sealing and reading are Manifests' (manifests.ts).
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

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

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

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}
