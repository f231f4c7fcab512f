import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ContentStore } from './ports';
import { stripSystem } from './audit';
import { disposalId, type DisposalEvidence } from './disposition';
import { merkleRoot, type Manifests, type StoredManifest } from './manifest';
import { isCosmosStatus, type RecordsStore } from './records-store';

/**
 * Verification of the tamper evidence: every daily manifest is re-read, its link to the previous
 * one and its Merkle root recomputed, each listed entry compared with the index, and each content
 * blob re-hashed (decompressed, SHA-256 of the raw MIME). An entry gone from the index is fine only with
 * disposal evidence. The outcome is saved as the archive's integrity status, which the health
 * endpoint reports; problems name entry ids and hashes, never content.
 */
export const IntegrityProblemKind = z.enum([
  'manifest-unreadable',
  'chain-broken',
  'root-mismatch',
  'entry-missing',
  'entry-changed',
  'entry-unlisted',
  'content-missing',
  'content-unreadable',
  'content-mismatch',
]);

export const IntegrityProblem = z.object({
  kind: IntegrityProblemKind,
  day: z.string(),
  entryId: z.string().optional(),
  contentHash: z.string().optional(),
});
export type IntegrityProblem = z.infer<typeof IntegrityProblem>;

export const IntegrityStatus = z.object({
  id: z.literal('integrity'),
  pk: z.literal('integrity'),
  type: z.literal('integrity'),
  status: z.enum(['ok', 'mismatch']),
  checkedAt: z.string(),
  manifestsChecked: z.number().int(),
  entriesChecked: z.number().int(),
  blobsRehashed: z.number().int(),
  problemCount: z.number().int(),
  /** The first problems (up to MAX_LISTED); problemCount says how many in all. */
  problems: z.array(IntegrityProblem),
});
export type IntegrityStatus = z.infer<typeof IntegrityStatus>;

const MAX_LISTED = 200;

export class IntegrityViolation extends Error {
  constructor(readonly problemCount: number) {
    super(`Archive integrity check found ${problemCount} problem(s)`);
    this.name = 'IntegrityViolation';
  }
}

export async function verifyArchive(deps: { manifests: Manifests; store: RecordsStore; content: ContentStore; now?: () => Date }): Promise<IntegrityStatus> {
  const now = deps.now ?? (() => new Date());
  const problems: IntegrityProblem[] = [];
  const blobVerdicts = new Map<string, IntegrityProblem['kind'] | 'ok'>();
  let entriesChecked = 0;
  let previous: StoredManifest | undefined;
  const days = await deps.manifests.days();
  for (const day of days) {
    let stored: StoredManifest;
    try {
      stored = await deps.manifests.read(day);
    } catch {
      problems.push({ kind: 'manifest-unreadable', day });
      previous = undefined;
      continue;
    }
    const m = stored.manifest;
    if (m.day !== day || m.previousDay !== (previous?.manifest.day ?? null) || m.previousManifestHash !== (previous?.hash ?? null)) {
      problems.push({ kind: 'chain-broken', day });
    }
    if (merkleRoot(m.items) !== m.merkleRoot) problems.push({ kind: 'root-mismatch', day });
    const current = new Map((await deps.manifests.itemsOfDay(day)).map((i) => [i.entryId, i]));
    for (const item of m.items) {
      entriesChecked++;
      const now = current.get(item.entryId);
      current.delete(item.entryId);
      if (!now) {
        if (!(await disposed(deps.store, item.entryId))) problems.push({ kind: 'entry-missing', day, entryId: item.entryId, contentHash: item.contentHash });
        continue;
      }
      if (now.contentHash !== item.contentHash || now.pk !== item.pk) {
        problems.push({ kind: 'entry-changed', day, entryId: item.entryId, contentHash: item.contentHash });
        continue;
      }
      let verdict = blobVerdicts.get(item.contentHash);
      if (!verdict) {
        verdict = await rehash(deps.content, item.contentHash);
        blobVerdicts.set(item.contentHash, verdict);
      }
      if (verdict !== 'ok') problems.push({ kind: verdict, day, entryId: item.entryId, contentHash: item.contentHash });
    }
    // Entries that claim a sealed day but are not in its manifest were added afterwards.
    for (const extra of current.values()) problems.push({ kind: 'entry-unlisted', day, entryId: extra.entryId, contentHash: extra.contentHash });
    previous = stored;
  }
  const status: IntegrityStatus = {
    id: 'integrity',
    pk: 'integrity',
    type: 'integrity',
    status: problems.length ? 'mismatch' : 'ok',
    checkedAt: now().toISOString(),
    manifestsChecked: days.length,
    entriesChecked,
    blobsRehashed: blobVerdicts.size,
    problemCount: problems.length,
    problems: problems.slice(0, MAX_LISTED),
  };
  await (await deps.store.recordsContainer()).items.upsert(status);
  return status;
}

/** The last verification's outcome, or undefined before the first. */
export async function integrityStatus(store: RecordsStore): Promise<IntegrityStatus | undefined> {
  try {
    const { resource } = await (await store.recordsContainer()).item('integrity', 'integrity').read<IntegrityStatus>();
    return resource ? IntegrityStatus.parse(stripSystem(resource)) : undefined;
  } catch (error) {
    if (isCosmosStatus(error, 404)) return undefined;
    throw error;
  }
}

/** For the health endpoint: throws when the last verification found a mismatch. */
export async function assertArchiveIntegrity(store: RecordsStore): Promise<void> {
  const status = await integrityStatus(store);
  if (status?.status === 'mismatch') throw new IntegrityViolation(status.problemCount);
}

async function disposed(store: RecordsStore, entryId: string): Promise<boolean> {
  const { resource } = await (await store.recordsContainer()).item(disposalId(entryId), 'disposal').read<DisposalEvidence>();
  return resource?.status === 'destroyed';
}

async function rehash(content: ContentStore, contentHash: string): Promise<IntegrityProblem['kind'] | 'ok'> {
  let stream;
  try {
    stream = await content.open(contentHash);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 'content-missing';
    throw error;
  }
  const hash = createHash('sha256');
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch {
    // A corrupted compressed stream (format error) cannot be read back at all; one that still
    // decodes yields other bytes, which the SHA-256 catches.
    return 'content-unreadable';
  }
  return hash.digest('hex') === contentHash ? 'ok' : 'content-mismatch';
}
