import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { blobServiceClient } from '../../shared/platform/adapters/clients';
import { CONTAINERS, contentBlobName } from '../../shared/archive/model';
import { integrityStatus, verifyArchive } from '../../shared/archive/records/integrity';
import type { ContentStore } from '../../shared/archive/ports';
import { invocation } from '../support/app-env';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * The daily timer verifies within a time budget: days never verified first (newest first), then
 * those verified longest ago; a problem stays reported until its day verifies clean again.
 */
let stack: RecordsStack;
const mailbox = `mbx-${randomUUID()}`;

beforeAll(async () => {
  stack = await startRecordsStack();
  // Days are sealed two hours after they end: at this time the 3rd is the last sealable day.
  stack.clock.now = new Date('2026-03-05T01:00:00Z');
});
afterAll(async () => {
  await stack?.stop();
});

/** A pass with no time to spare: it verifies exactly one day. Each pass is an hour after the last. */
async function pass() {
  stack.clock.now = new Date(stack.clock.now.getTime() + 3600_000);
  return verifyArchive({ manifests: stack.services.manifests, verdicts: stack.services.verdicts, disposals: stack.services.disposals, content: stack.content, now: () => stack.clock.now }, { budgetMs: 0 });
}

const blob = (hash: string) => blobServiceClient().getContainerClient(CONTAINERS.content).getBlockBlobClient(contentBlobName(hash));

describe('rolling verification', () => {
  it('verifies one day per pass when out of time, newest unverified first, then the longest ago', async () => {
    for (const day of ['2026-03-01', '2026-03-02', '2026-03-03']) {
      await archiveEntry(stack, { mailboxId: mailbox, receivedAt: `${day}T12:00:00Z`, capturedAt: `${day}T12:00:00.000Z` });
    }
    expect(await stack.services.manifests.seal()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);

    const first = await pass();
    expect(first).toMatchObject({ status: 'ok', manifestsChecked: 1, entriesChecked: 1, blobsRehashed: 1, daysSealed: 3, daysVerified: 1, oldestVerdictAt: null });
    const verdicts = async () => {
      const { resources } = await (await stack.services.store.recordsContainer()).items
        .query<{ day: string; checkedAt: string }>('SELECT c.day, c.checkedAt FROM c WHERE c.type = "integrity-day"')
        .fetchAll();
      return Object.fromEntries(resources.map((r) => [r.day, r.checkedAt]));
    };
    expect(Object.keys(await verdicts())).toEqual(['2026-03-03']);
    expect((await pass()).daysVerified).toBe(2);
    expect(Object.keys(await verdicts()).sort()).toEqual(['2026-03-02', '2026-03-03']);
    const third = await pass();
    expect(third).toMatchObject({ daysVerified: 3, oldestVerdictAt: '2026-03-05T02:00:00.000Z' });
    // All verified: the next pass takes the day verified longest ago (the 3rd, in the first pass).
    await pass();
    expect(await verdicts()).toEqual({ '2026-03-03': '2026-03-05T05:00:00.000Z', '2026-03-02': '2026-03-05T03:00:00.000Z', '2026-03-01': '2026-03-05T04:00:00.000Z' });

    // A day sealed since comes first, before any day verified already.
    await archiveEntry(stack, { mailboxId: mailbox, receivedAt: '2026-03-04T12:00:00Z', capturedAt: '2026-03-04T12:00:00.000Z' });
    stack.clock.now = new Date('2026-03-06T01:00:00Z');
    expect(await stack.services.manifests.seal()).toEqual(['2026-03-04']);
    expect(await pass()).toMatchObject({ manifestsChecked: 1, daysSealed: 4, daysVerified: 4 });
    expect((await verdicts())['2026-03-04']).toBe('2026-03-06T02:00:00.000Z');

    // With time to spare, one pass verifies every day.
    const full = await verifyArchive({ manifests: stack.services.manifests, verdicts: stack.services.verdicts, disposals: stack.services.disposals, content: stack.content, now: () => stack.clock.now }, { budgetMs: 60_000 });
    expect(full).toMatchObject({ status: 'ok', manifestsChecked: 4, entriesChecked: 4, daysVerified: 4 });
  });

  it('keeps reporting a damaged day while other days are verified, until it verifies clean', async () => {
    const day = '2026-03-02';
    const manifest = (await stack.services.manifests.read(day)).manifest;
    const target = manifest.items[0]!;
    const original = await blob(target.contentHash).downloadToBuffer();
    const raw = brotliDecompressSync(original);
    raw[10] = raw[10]! ^ 0x01;
    const tampered = brotliCompressSync(raw);
    await blob(target.contentHash).upload(tampered, tampered.length);

    // Pass until the damaged day comes round (the days verified longest ago go first).
    const seen: string[] = [];
    let status = await pass();
    while (status.status === 'ok') {
      seen.push(status.checkedAt);
      expect(seen.length).toBeLessThan(4);
      status = await pass();
    }
    expect(status.problems).toEqual([{ kind: 'content-mismatch', day, entryId: target.entryId, contentHash: target.contentHash }]);

    // The other days are verified in the next passes: the mismatch stays, on the health endpoint too.
    for (let i = 0; i < 3; i++) expect(await pass()).toMatchObject({ status: 'mismatch', problemCount: 1, manifestsChecked: 1 });
    expect(await integrityStatus(stack.services.verdicts)).toMatchObject({ status: 'mismatch', problemCount: 1 });

    // Repaired (restored from a backup, say): the day's next verification clears it.
    await blob(target.contentHash).upload(original, original.length);
    expect((await pass()).status).toBe('ok');
  });

  it('a storage fault mid-pass fails the pass but keeps the verdicts already made; the next pass goes on', async () => {
    const before = (await integrityStatus(stack.services.verdicts))!;
    // The content store answers, then fails for good on the second blob (a 500 from storage, say).
    let opened = 0;
    const faulty: ContentStore = Object.assign(Object.create(stack.content) as ContentStore, {
      open: (hash: string) => (++opened === 2 ? Promise.reject(Object.assign(new Error('storage unavailable'), { statusCode: 500 })) : stack.content.open(hash)),
    });
    stack.clock.now = new Date(stack.clock.now.getTime() + 3600_000);
    const faultAt = stack.clock.now.toISOString();
    await expect(verifyArchive({ manifests: stack.services.manifests, verdicts: stack.services.verdicts, disposals: stack.services.disposals, content: faulty, now: () => stack.clock.now }, { budgetMs: 60_000 })).rejects.toThrow('storage unavailable');
    // The first day of the pass kept its verdict; the status was not rewritten from a half pass.
    const { resources } = await (await stack.services.store.recordsContainer()).items
      .query<string>({ query: 'SELECT VALUE c.day FROM c WHERE c.type = "integrity-day" AND c.checkedAt = @at', parameters: [{ name: '@at', value: faultAt }] })
      .fetchAll();
    expect(resources).toHaveLength(1);
    expect((await integrityStatus(stack.services.verdicts))!.checkedAt).toBe(before.checkedAt);
    // The next pass starts with the days the failed one did not reach.
    const next = await pass();
    expect(next).toMatchObject({ status: 'ok', manifestsChecked: 1 });
    const { resources: reached } = await (await stack.services.store.recordsContainer()).items
      .query<string>({ query: 'SELECT VALUE c.day FROM c WHERE c.type = "integrity-day" AND c.checkedAt = @at', parameters: [{ name: '@at', value: next.checkedAt }] })
      .fetchAll();
    expect(reached).toHaveLength(1);
    expect(reached[0]).not.toBe(resources[0]);
  });

  it('the daily timer seals, then verifies within its budget', async () => {
    // Imported once the environment is set: the module reads the settings when it loads.
    const { runIntegrity } = await import('../../functions/archive/records-timers');
    const { context, lines } = invocation('archiveIntegrityTimer');
    await runIntegrity({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context);
    // The timer's services run on the real clock: every day up to the day before yesterday is sealed
    // (empty ones too), and its 20-minute budget verifies them all.
    const status = (await integrityStatus(stack.services.verdicts))!;
    expect(status).toMatchObject({ status: 'ok', daysVerified: status.daysSealed });
    expect(status.daysSealed).toBeGreaterThan(6);
    expect(lines.join('\n')).toMatch(new RegExp(`archive\\.integrity\\.ok.*"daysVerified":${status.daysSealed}`));
  }, 180_000);
});
