import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { blobServiceClient } from '../../shared/platform/adapters/clients';
import { MODEL_VERSION, messageEntryId, messagePartitionKey, type MessageEntry } from '../../shared/archive/model';
import { BadContinuation, ConcurrentChange, ContentMissing, type ContentStore, type ExportRecords, type ManifestStore, type RecordsIndex } from '../../shared/archive/ports';
import { BlobManifestStore } from '../../shared/archive/adapters/blob-manifests';
import { RetentionLock } from '../../shared/archive/adapters/retention-lock';
import { exportBlobNames, type ExportRecord } from '../../shared/archive/records/export-request';
import { InMemoryContentStore, InMemoryExportRecords, InMemoryManifestStore, InMemoryRecordsIndex } from '../fakes/archive-records';
import { startRecordsStack, type RecordsStack } from './records-stack';

/**
 * The same contract checked on the in-memory fakes (test/fakes/archive-records.ts) and on the
 * adapters against the emulators, so the use-case tests that rely on the fakes rely on what the
 * adapters really do: versions (If-Match), gone documents, issued continuation tokens, write-once.
 */
let stack: RecordsStack;

beforeAll(async () => {
  stack = await startRecordsStack();
});
afterAll(async () => {
  await stack?.stop();
});

interface Subject {
  index: RecordsIndex;
  seed(entry: MessageEntry): Promise<void>;
  exports: ExportRecords;
  manifests: ManifestStore;
  content: ContentStore;
}

const subjects: Array<[string, () => Subject]> = [
  [
    'in-memory fakes',
    () => {
      const index = new InMemoryRecordsIndex();
      return { index, seed: async (e) => index.put(e), exports: new InMemoryExportRecords(), manifests: new InMemoryManifestStore(), content: new InMemoryContentStore() };
    },
  ],
  [
    'Cosmos DB and Blob Storage adapters',
    () => ({
      index: stack.services.index,
      seed: async (e) => {
        await (await stack.services.store.messagesContainer()).items.create(e);
      },
      exports: stack.services.exportRecords,
      manifests: new BlobManifestStore(blobServiceClient(), new RetentionLock(blobServiceClient(), 'off'), `contract-${randomUUID()}`),
      content: stack.content,
    }),
  ],
];

function entry(mailboxId: string, receivedAt: string): MessageEntry {
  const messageId = `AAMk-${randomUUID()}`;
  return {
    id: messageEntryId(mailboxId, messageId), pk: messagePartitionKey(mailboxId, receivedAt), type: 'message', mailboxId, messageId, folderId: 'folder-inbox', folderPath: 'Inbox',
    contentHash: 'a'.repeat(64), blobName: `sha256/aa/${'a'.repeat(64)}.eml.br`, rawSize: 10, compressedSize: 10, from: null, to: [], cc: [], bcc: [], subject: 'Sujet',
    sentAt: receivedAt, receivedAt, attachmentNames: [], conversationId: null, internetMessageId: null, retentionRuleId: null, retainUntil: null, holds: [], capturedAt: receivedAt, removedAt: null, version: MODEL_VERSION,
  };
}

function exportRecord(): ExportRecord {
  const id = `export-${randomUUID()}`;
  return {
    id, pk: 'export', type: 'export', matter: 'Demande', format: 'zip', filter: {}, filters: [], createdBy: 'records', createdAt: '2026-03-01T00:00:00.000Z', status: 'queued', count: 0, size: 0,
    sha256: null, ...exportBlobNames(id, 'zip', 1), attempts: 0, heartbeatAt: null, failure: null, failedEntryId: null, completedAt: null, expiredAt: null,
  };
}

describe.each(subjects)('records ports contract: %s', (_name, make) => {
  it('writes an entry\'s holds only at the version read, and tells a changed entry from a gone one', async () => {
    const { index, seed } = make();
    const e = entry(`mbx-${randomUUID()}`, '2026-01-05T10:00:00.000Z');
    await seed(e);
    expect(await index.get(e.pk, '0'.repeat(64))).toBeUndefined();
    const read = (await index.reread(e))!;
    expect(read.etag).toEqual(expect.any(String));
    expect(await index.setHolds(read, ['hold-1'])).toBe('written');
    expect(await index.setHolds(read, ['hold-2'])).toBe('changed');
    expect((await index.get(e.pk, e.id))?.holds).toEqual(['hold-1']);
    const again = (await index.reread(e))!;
    expect(await index.deleteUnchanged(read)).toBe('changed');
    expect(await index.deleteUnchanged(again)).toBe('deleted');
    expect(await index.deleteUnchanged(again)).toBe('gone');
    expect(await index.setHolds(again, [])).toBe('gone');
    expect(await index.setRetention(e, 'COUR-GEN', null)).toBe(false);
    expect(await index.reread(e)).toBeUndefined();
  });

  it('matches subject and name words once an entry has its search words, and lists entries still without them', async () => {
    const { index, seed } = make();
    const mailboxId = `mbx-${randomUUID()}`;
    const e = { ...entry(mailboxId, '2026-02-10T10:00:00.000Z'), subject: 'Réunion d’information', cc: [{ name: 'Geneviève Tremblay', address: 'gt@spgq.local' }] };
    await seed(e);
    // The daily pass's backfill: whatever has no words gets them (capture writes them with new entries).
    for await (const without of index.withoutSearchTerms()) await index.setSearchTerms(without);
    for await (const without of index.withoutSearchTerms()) expect(without.mailboxId).not.toBe(mailboxId);
    const found = async (filter: { subject?: string; participant?: string }) => (await index.search({ mailboxId, ...filter }, { size: 10 })).entries.map((x) => x.id);
    expect(await found({ subject: 'REUNION' })).toEqual([e.id]);
    expect(await found({ subject: 'formation' })).toEqual([]);
    expect(await found({ participant: 'genevieve tremblay' })).toEqual([e.id]);
    expect(await index.setSearchTerms(entry(mailboxId, '2026-02-11T10:00:00.000Z'))).toBe(false);
  });

  it('pages a search newest first with the tokens it issued, and refuses any other token', async () => {
    const { index, seed } = make();
    const mailboxId = `mbx-${randomUUID()}`;
    for (const day of ['01', '03', '02']) await seed(entry(mailboxId, `2026-02-${day}T10:00:00.000Z`));
    const seen: string[] = [];
    let continuation: string | undefined;
    do {
      const page = await index.search({ mailboxId }, { size: 1, continuation });
      seen.push(...page.entries.map((x) => x.receivedAt.slice(0, 10)));
      continuation = page.continuation ?? undefined;
    } while (continuation);
    expect(seen).toEqual(['2026-02-03', '2026-02-02', '2026-02-01']);
    await expect(index.search({ mailboxId }, { size: 1, continuation: 'bm90LWEtdG9rZW4' })).rejects.toBeInstanceOf(BadContinuation);
  });

  it('replaces an export record only at the version read', async () => {
    const { exports } = make();
    const record = exportRecord();
    await exports.create(record);
    expect(await exports.read(`export-${randomUUID()}`)).toBeUndefined();
    const read = (await exports.read(record.id))!;
    expect(read).toMatchObject({ id: record.id, status: 'queued' });
    const next = await exports.replace({ ...record, status: 'running' }, read.etag);
    expect(next).not.toBe(read.etag);
    await expect(exports.replace({ ...record, status: 'failed' }, read.etag)).rejects.toBeInstanceOf(ConcurrentChange);
    expect(await exports.replace({ ...record, status: 'completed' }, next)).toEqual(expect.any(String));
    expect((await exports.read(record.id))?.status).toBe('completed');
  });

  it('writes a day\'s manifest once', async () => {
    const { manifests } = make();
    const until = new Date('2051-01-01T00:00:00.000Z');
    expect(await manifests.create('2026-01-10', Buffer.from('{"a":1}'), until)).toMatchObject({ created: true });
    expect(await manifests.create('2026-01-10', Buffer.from('{"a":2}'), until)).toMatchObject({ created: false });
    expect((await manifests.read('2026-01-10')).bytes.toString()).toBe('{"a":1}');
    expect(await manifests.days()).toEqual(['2026-01-10']);
  });

  it('opens stored content byte for byte, and reports content that is not there as ContentMissing', async () => {
    const { content } = make();
    const mime = Buffer.from(`Subject: contrat ${randomUUID()}\r\n\r\nCorps.\r\n`);
    const stored = await content.store(Readable.from([mime]));
    const chunks: Buffer[] = [];
    for await (const chunk of await content.open(stored.contentHash)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(mime)).toBe(true);
    const missing = createHash('sha256').update(randomUUID()).digest('hex');
    await expect(content.open(missing)).rejects.toBeInstanceOf(ContentMissing);
  });
});
