import { createHash } from 'node:crypto';
import { ContentMissing, type ContentStore, type DisposalRecords, type IntegrityRecords } from '../ports';
import { IntegrityViolation, type DayVerdict, type IntegrityProblem, type IntegrityStatus } from './integrity-status';
import { merkleRoot, type StoredManifest } from './manifest';
import type { Manifests } from './manifests';

export { DayVerdict, IntegrityProblem, IntegrityProblemKind, IntegrityStatus, IntegrityViolation } from './integrity-status';

/**
 * Verification of the tamper evidence: each daily manifest is re-read, its link to the previous
 * one and its Merkle root recomputed, each listed entry compared with the index, and each content
 * blob re-hashed (decompressed, SHA-256 of the raw MIME). An entry gone from the index is fine only with
 * disposal evidence. Each day's verdict is saved (`integrity-day-<day>`), and the archive's status
 * (`integrity`, which the health endpoint reports) sums up the latest verdict of every day; problems
 * name entry ids and hashes, never content.
 *
 * Re-reading the whole archive every day does not scale (years of mail are terabytes), so the timer
 * verifies within a time budget: days never verified first (newest first: the freshest evidence),
 * then the days verified longest ago. Every day is thus re-verified in turn, and a problem found on
 * a day stays reported until that day verifies clean again. The command verifies every day.
 */
const MAX_LISTED = 200;
/** Content blobs re-hashed at once: downloads wait on the network, not the CPU. */
const REHASH_CONCURRENCY = 4;

export interface VerifyDeps {
  manifests: Manifests;
  /** Where verdicts and the status are kept. */
  verdicts: IntegrityRecords;
  /** Disposal evidence: an entry gone from the index is fine only with it. */
  disposals: DisposalRecords;
  content: ContentStore;
  now?: () => Date;
}

export interface VerifyOptions {
  /**
   * Stop starting new days once this many milliseconds have passed (at least one day is verified
   * per pass). Without it, every day is verified.
   */
  budgetMs?: number;
}

export async function verifyArchive(deps: VerifyDeps, options: VerifyOptions = {}): Promise<IntegrityStatus> {
  const now = deps.now ?? (() => new Date());
  const started = performance.now();
  const days = await deps.manifests.days();
  const verdicts = new Map((await deps.verdicts.verdicts()).map((v) => [v.day, v]));
  const order = options.budgetMs === undefined ? days.map((day, index) => ({ day, index })) : verificationOrder(days, verdicts);
  const reads = new Map<string, Promise<StoredManifest | undefined>>();
  const read = (day: string) => {
    let stored = reads.get(day);
    if (!stored) {
      stored = deps.manifests.read(day).catch(() => undefined);
      reads.set(day, stored);
    }
    return stored;
  };
  let manifestsChecked = 0;
  let entriesChecked = 0;
  let blobsRehashed = 0;
  for (const { day, index } of order) {
    if (manifestsChecked > 0 && options.budgetMs !== undefined && performance.now() - started >= options.budgetMs) break;
    const previousDay = index > 0 ? days[index - 1]! : undefined;
    const result = await verifyDay(deps, day, read(day), previousDay === undefined ? undefined : read(previousDay));
    manifestsChecked++;
    entriesChecked += result.entriesChecked;
    blobsRehashed += result.blobsRehashed;
    const verdict: DayVerdict = {
      id: `integrity-day-${day}`,
      pk: 'integrity',
      type: 'integrity-day',
      day,
      checkedAt: now().toISOString(),
      open: false,
      problemCount: result.problems.length,
      problems: result.problems.slice(0, MAX_LISTED),
    };
    await deps.verdicts.saveVerdict(verdict);
    verdicts.set(day, verdict);
    // Keep only this day's manifest: the next day in order may link to it.
    for (const key of reads.keys()) if (key !== day) reads.delete(key);
  }
  // Days not sealed yet (today's capture above all) are verified on every pass, against the hashes
  // the index recorded at capture: tampering is reported at once, not when the day is sealed.
  const open = await deps.manifests.openDays(days);
  for (const day of open) {
    const items = await deps.manifests.itemsOfDay(day);
    const blobs = await rehashAll(deps.content, items.map((i) => i.contentHash));
    const found: IntegrityProblem[] = [];
    for (const item of items) {
      const verdict = blobs.get(item.contentHash)!;
      if (verdict !== 'ok') found.push({ kind: verdict, day, entryId: item.entryId, contentHash: item.contentHash });
    }
    entriesChecked += items.length;
    blobsRehashed += blobs.size;
    // Not saved: an open day is verified again by every pass, so its verdict lives in the status.
    verdicts.set(day, { id: `integrity-day-${day}`, pk: 'integrity', type: 'integrity-day', day, checkedAt: now().toISOString(), open: true, problemCount: found.length, problems: found.slice(0, MAX_LISTED) });
  }
  // The status sums up the latest verdict of every sealed day (a day whose manifest is gone is not
  // sealed any more: the next day's broken link reports it) and of every day after the last sealed
  // one (open days, and a problem a read path reported on one: reportTampering).
  const lastSealed = days[days.length - 1];
  const later = [...verdicts.values()].filter((v) => lastSealed === undefined || v.day > lastSealed).sort((a, b) => (a.day < b.day ? -1 : 1));
  const sealedVerdicts = days.map((day) => verdicts.get(day)).filter((v): v is DayVerdict => v !== undefined);
  const current = [...sealedVerdicts, ...later];
  const verifiedSealed = sealedVerdicts.filter((v) => !v.open);
  const problems = current.flatMap((v) => v.problems);
  const status: IntegrityStatus = {
    id: 'integrity',
    pk: 'integrity',
    type: 'integrity',
    status: current.some((v) => v.problemCount > 0) ? 'mismatch' : 'ok',
    checkedAt: now().toISOString(),
    manifestsChecked,
    entriesChecked,
    blobsRehashed,
    daysSealed: days.length,
    daysVerified: verifiedSealed.length,
    oldestVerdictAt: verifiedSealed.length === days.length && days.length > 0 ? verifiedSealed.map((v) => v.checkedAt).sort()[0]! : null,
    daysOpen: open.length,
    problemCount: current.reduce((sum, v) => sum + v.problemCount, 0),
    problems: problems.slice(0, MAX_LISTED),
  };
  await deps.verdicts.saveStatus(status);
  return status;
}

/** Days never verified first, newest first; then the days verified longest ago. */
function verificationOrder(days: string[], verdicts: Map<string, DayVerdict>): Array<{ day: string; index: number }> {
  // A verdict made while the day was open (or a read path's report) is no verification of its manifest.
  const indexed = days.map((day, index) => {
    const verdict = verdicts.get(day);
    return { day, index, checkedAt: verdict && !verdict.open ? verdict.checkedAt : undefined };
  });
  const never = indexed.filter((d) => d.checkedAt === undefined).reverse();
  const verified = indexed.filter((d) => d.checkedAt !== undefined).sort((a, b) => (a.checkedAt! < b.checkedAt! ? -1 : a.checkedAt! > b.checkedAt! ? 1 : a.index - b.index));
  return [...never, ...verified];
}

async function verifyDay(
  deps: VerifyDeps,
  day: string,
  stored: Promise<StoredManifest | undefined>,
  previous: Promise<StoredManifest | undefined> | undefined,
): Promise<{ problems: IntegrityProblem[]; entriesChecked: number; blobsRehashed: number }> {
  const problems: IntegrityProblem[] = [];
  const manifest = (await stored)?.manifest;
  if (!manifest) return { problems: [{ kind: 'manifest-unreadable', day }], entriesChecked: 0, blobsRehashed: 0 };
  const before = previous ? await previous : undefined;
  // An unreadable previous manifest breaks this day's link too (its hash cannot be checked).
  if (manifest.day !== day || manifest.previousDay !== (before?.manifest.day ?? null) || manifest.previousManifestHash !== (before?.hash ?? null)) {
    problems.push({ kind: 'chain-broken', day });
  }
  if (merkleRoot(manifest.items) !== manifest.merkleRoot) problems.push({ kind: 'root-mismatch', day });
  const current = new Map((await deps.manifests.itemsOfDay(day)).map((i) => [i.entryId, i]));
  const blobVerdicts = await rehashAll(deps.content, manifest.items.map((i) => i.contentHash));
  for (const item of manifest.items) {
    const now = current.get(item.entryId);
    current.delete(item.entryId);
    if (!now) {
      if ((await deps.disposals.get(item.entryId))?.status !== 'destroyed') problems.push({ kind: 'entry-missing', day, entryId: item.entryId, contentHash: item.contentHash });
      continue;
    }
    if (now.contentHash !== item.contentHash || now.pk !== item.pk) {
      problems.push({ kind: 'entry-changed', day, entryId: item.entryId, contentHash: item.contentHash });
      continue;
    }
    const verdict = blobVerdicts.get(item.contentHash)!;
    if (verdict !== 'ok') problems.push({ kind: verdict, day, entryId: item.entryId, contentHash: item.contentHash });
  }
  // Entries that claim a sealed day but are not in its manifest were added afterwards.
  for (const extra of current.values()) problems.push({ kind: 'entry-unlisted', day, entryId: extra.entryId, contentHash: extra.contentHash });
  return { problems, entriesChecked: manifest.items.length, blobsRehashed: blobVerdicts.size };
}

type BlobVerdict = IntegrityProblem['kind'] | 'ok';

/** Re-hashes content a few blobs at a time; entries with the same content share a verdict. */
async function rehashAll(content: ContentStore, hashes: string[]): Promise<Map<string, BlobVerdict>> {
  const verdicts = new Map<string, BlobVerdict>();
  const started = new Set<string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: REHASH_CONCURRENCY }, async () => {
      while (next < hashes.length) {
        const hash = hashes[next++]!;
        if (started.has(hash)) continue;
        started.add(hash);
        verdicts.set(hash, await rehash(content, hash));
      }
    }),
  );
  return verdicts;
}

/** The last verification's outcome, or undefined before the first. */
export function integrityStatus(verdicts: IntegrityRecords): Promise<IntegrityStatus | undefined> {
  return verdicts.status();
}

/** For the health endpoint: throws when the last verification found a mismatch. */
export async function assertArchiveIntegrity(verdicts: IntegrityRecords): Promise<void> {
  const status = await verdicts.status();
  if (status?.status === 'mismatch') throw new IntegrityViolation(status.problemCount);
}

async function rehash(content: ContentStore, contentHash: string): Promise<BlobVerdict> {
  let stream;
  try {
    stream = await content.open(contentHash);
  } catch (error) {
    if (error instanceof ContentMissing) return 'content-missing';
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

/**
 * A problem a read path found (content-check.ts), added at once to its day's verdict and to the
 * status, so health fails now rather than at the next pass. The day's verdict keeps it until the
 * day is verified again (a verdict made here counts as no verification of a sealed day's manifest,
 * so that day is verified first by the next pass).
 */
export async function reportTampering(verdicts: IntegrityRecords, problem: IntegrityProblem, at: Date): Promise<void> {
  const same = (p: IntegrityProblem) => p.kind === problem.kind && p.entryId === problem.entryId && p.contentHash === problem.contentHash;
  const existing = (await verdicts.verdicts()).find((v) => v.day === problem.day);
  const known = existing?.problems.some(same) ?? false;
  if (!known) {
    await verdicts.saveVerdict({
      id: `integrity-day-${problem.day}`,
      pk: 'integrity',
      type: 'integrity-day',
      day: problem.day,
      checkedAt: existing?.checkedAt ?? at.toISOString(),
      open: existing ? existing.open : true,
      problemCount: (existing?.problemCount ?? 0) + 1,
      problems: [...(existing?.problems ?? []), problem].slice(0, MAX_LISTED),
    });
  }
  const status = await verdicts.status();
  if (status?.problems.some(same)) return;
  await verdicts.saveStatus({
    id: 'integrity',
    pk: 'integrity',
    type: 'integrity',
    status: 'mismatch',
    checkedAt: status?.checkedAt ?? at.toISOString(),
    manifestsChecked: status?.manifestsChecked ?? 0,
    entriesChecked: status?.entriesChecked ?? 0,
    blobsRehashed: status?.blobsRehashed ?? 0,
    daysSealed: status?.daysSealed ?? 0,
    daysVerified: status?.daysVerified ?? 0,
    oldestVerdictAt: status?.oldestVerdictAt ?? null,
    daysOpen: status?.daysOpen ?? 0,
    problemCount: (status?.problemCount ?? 0) + 1,
    problems: [problem, ...(status?.problems ?? [])].slice(0, MAX_LISTED),
  });
}
