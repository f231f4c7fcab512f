import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { startAzurite, type AzuriteInstance } from '../../dev/local-stack/azurite';
import { blobServiceClient, cosmosDatabase } from '../../shared/platform/adapters/clients';
import { BlobContentStore } from '../../shared/archive/adapters/content-store';
import { CosmosMessageIndex } from '../../shared/archive/adapters/message-index';
import { sweepOrphans } from '../../shared/archive/capture/orphan-sweep';
import { BlobSweepWatermark } from '../../shared/archive/adapters/sweep-watermark';
import { BlobServiceClient } from '@azure/storage-blob';
import { startStorageRecorder } from '../support/storage-recorder';
import { archiveEntry, buildMime, startRecordsStack, type RecordsStack } from '../archive-records/records-stack';

/**
 * The orphan sweep on its own Azurite (it deletes every unreferenced content blob it looks at):
 * the first pass looks at every blob, later passes only at blobs stored since the last one.
 */
let azurite: AzuriteInstance;
let stack: RecordsStack;
const HOUR = 3600_000;

beforeAll(async () => {
  azurite = await startAzurite({});
  stack = await startRecordsStack({ AzureWebJobsStorage: azurite.connectionString });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await azurite?.stop();
});

function deps(content: BlobContentStore = stack.content) {
  return { content, index: new CosmosMessageIndex(cosmosDatabase()), watermark: new BlobSweepWatermark(blobServiceClient()) };
}

async function storeOrphan(content: BlobContentStore, label: string): Promise<string> {
  return (await content.store(Readable.from([buildMime({ subject: label, nonce: `${label}-${Math.random()}` })]))).contentHash;
}

async function exists(hash: string): Promise<boolean> {
  return stack.content.exists(hash);
}

describe('orphan sweep', () => {
  it('first looks at every blob (in batches), deleting only those no entry refers to', async () => {
    const kept = await Promise.all([0, 1, 2].map(async (i) => (await archiveEntry(stack, { mailboxId: 'box-a', receivedAt: `2026-05-0${i + 1}T10:00:00Z`, subject: `Gardé ${i}` })).entry.contentHash));
    const orphans: string[] = [];
    for (let i = 0; i < 120; i++) orphans.push(await storeOrphan(stack.content, `orphelin ${i}`));
    const result = await sweepOrphans(deps(), { graceMs: 0, now: new Date(Date.now() + 1000) });
    expect(result).toMatchObject({ mode: 'full', checked: 123, content: 120 });
    for (const hash of kept) expect(await exists(hash)).toBe(true);
    expect((await Promise.all(orphans.map(exists))).filter(Boolean)).toEqual([]);
    expect(await deps().watermark.get()).toBeInstanceOf(Date);
  }, 60_000);

  it('then looks only at blobs stored since its last pass (by their tag), and leaves younger ones for later', async () => {
    const now = Date.now();
    const hoursAgo = (h: number) => new BlobContentStore(blobServiceClient(), { immutability: 'off', now: () => new Date(now - h * HOUR) });
    // Stored before the last pass's window: already looked at by an earlier pass, not again.
    const old = await storeOrphan(hoursAgo(5), 'ancien');
    await deps().watermark.set(new Date(now - 2 * HOUR));
    const fresh = await storeOrphan(hoursAgo(1.5), 'récent');
    const { entry } = await archiveEntry(stack, { mailboxId: 'box-b', receivedAt: '2026-06-01T10:00:00Z', subject: 'Référencé' });
    const young = await storeOrphan(stack.content, 'en cours');
    const result = await sweepOrphans(deps(), { graceMs: HOUR / 2, now: new Date(now) });
    expect(result.mode).toBe('window');
    // The window is [watermark - 1 h, now - grace): the fresh orphan only (the referenced entry and
    // the young blob are inside the grace period).
    expect(result).toMatchObject({ checked: 1, content: 1 });
    expect(await exists(fresh)).toBe(false);
    expect(await exists(old)).toBe(true);
    expect(await exists(entry.contentHash)).toBe(true);
    expect(await exists(young)).toBe(true);
    expect((await deps().watermark.get())!.getTime()).toBe(now - HOUR / 2);
    // The next pass, once the grace period is over, takes the young orphan and keeps the entry's content.
    const next = await sweepOrphans(deps(), { graceMs: 0, now: new Date(Date.now() + 1000) });
    expect(next).toMatchObject({ mode: 'window', content: 1 });
    expect(await exists(young)).toBe(false);
    expect(await exists(entry.contentHash)).toBe(true);
  }, 60_000);

  it('keeps an orphan Azure will not let it delete (stored with its retention policy), and deletes it once Azure does', async () => {
    // Capture gives new content its WORM policy as it writes it, so a crash before the entry, with
    // the message deleted from the mailbox before the page is redone, leaves a protected orphan.
    // Azure refuses to delete it (409 BlobImmutableDueToPolicy); Azurite cannot, so the recorder
    // answers in Azure's place while the policy lasts.
    let protectedHash = '';
    let policyLasts = true;
    const recorder = await startStorageRecorder(azurite.connectionString, (r) =>
      policyLasts && r.method === 'DELETE' && r.path.includes(protectedHash) ? { status: 409, code: 'BlobImmutableDueToPolicy' } : undefined);
    try {
      const viaAzure = new BlobContentStore(BlobServiceClient.fromConnectionString(recorder.connectionString), { immutability: 'off' });
      protectedHash = await storeOrphan(stack.content, 'protégé');
      const plain = await storeOrphan(stack.content, 'ordinaire');
      const first = await sweepOrphans(deps(viaAzure), { graceMs: 0, now: new Date(Date.now() + 2 * HOUR) });
      // The pass completes: the other orphan is deleted, the protected one kept and remembered.
      expect(first).toMatchObject({ content: 1, kept: 1 });
      expect(await exists(plain)).toBe(false);
      expect(await exists(protectedHash)).toBe(true);
      expect(await deps().watermark.kept()).toEqual([protectedHash]);
      // The next passes' windows (from an hour before the last pass's end) no longer cover it: it is
      // tried again from the kept list, still protected, then deleted once its policy has run out.
      const second = await sweepOrphans(deps(viaAzure), { graceMs: 0, now: new Date(Date.now() + 3 * HOUR) });
      expect(second).toMatchObject({ mode: 'window', checked: 1, content: 0, kept: 1 });
      policyLasts = false;
      const third = await sweepOrphans(deps(viaAzure), { graceMs: 0, now: new Date(Date.now() + 4 * HOUR) });
      expect(third).toMatchObject({ checked: 1, content: 1, kept: 0 });
      expect(await exists(protectedHash)).toBe(false);
      expect(await deps().watermark.kept()).toEqual([]);
    } finally {
      await recorder.stop();
    }
  }, 60_000);
});
