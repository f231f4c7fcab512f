import { beforeAll, describe, expect, it } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import { IndexDocumentsBatch } from '@azure/search-documents';
import { indexClient, messageIndex, searchClient, uniqueIndexName, type Message } from './clients';

/** Document batches, reads and counts through the official SDK's SearchClient, over the network. */
describe('Search emulator: documents', () => {
  const name = uniqueIndexName('docs');
  const client = searchClient<Message>(name);

  beforeAll(async () => {
    await indexClient().createIndex(messageIndex(name));
  });

  it('uploads (201 new, 200 replaced), merges, merges-or-uploads and deletes', async () => {
    const sentAt = new Date('2024-05-01T12:30:00Z');
    const first = await client.uploadDocuments([
      { id: 'u1', subject: 'Premier', folder: 'Inbox', sentAt, size: 10, hasAttachments: false, participants: ['a@spgq.qc.ca'] },
      { id: 'u2', subject: 'Second', folder: 'Inbox' },
    ]);
    expect(first.results.map((r) => [r.key, r.succeeded, r.statusCode])).toEqual([
      ['u1', true, 201],
      ['u2', true, 201],
    ]);
    const replaced = await client.uploadDocuments([{ id: 'u2', subject: 'Second remplacé' }]);
    expect(replaced.results[0]).toMatchObject({ succeeded: true, statusCode: 200 });
    // upload replaces the whole document: folder is gone
    expect(await client.getDocument('u2')).toMatchObject({ id: 'u2', subject: 'Second remplacé', folder: null });

    await client.mergeDocuments([{ id: 'u1', folder: 'Archive', participants: ['b@spgq.qc.ca'] }]);
    const merged = await client.getDocument('u1');
    expect(merged).toMatchObject({ id: 'u1', subject: 'Premier', folder: 'Archive', size: 10, participants: ['b@spgq.qc.ca'] });
    expect(merged.sentAt).toEqual(sentAt);
    // not retrievable: never returned
    expect(merged).not.toHaveProperty('retentionRule');

    const mou = await client.mergeOrUploadDocuments([{ id: 'u1', size: 11 }, { id: 'u3', subject: 'Troisième' }]);
    expect(mou.results.map((r) => r.statusCode)).toEqual([200, 201]);
    expect(await client.getDocument('u1')).toMatchObject({ id: 'u1', size: 11, subject: 'Premier', folder: 'Archive' });

    await client.deleteDocuments('id', ['u2', 'never-existed']);
    expect(((await client.getDocument('u2').catch((e: unknown) => e)) as RestError).statusCode).toBe(404);
    expect(await client.getDocumentsCount()).toBe(2);
  });

  it('answers 207 with a status per document when some fail (bad key, merge of a missing document)', async () => {
    const batch = new IndexDocumentsBatch<Message>();
    batch.upload([{ id: 'ok-1', subject: 'Bien' }, { id: 'bad key!', subject: 'Mal' }]);
    batch.merge([{ id: 'missing', subject: 'Rien' }]);
    const result = await client.indexDocuments(batch);
    expect(result.results.map((r) => [r.key, r.succeeded, r.statusCode])).toEqual([
      ['ok-1', true, 201],
      ['bad key!', false, 400],
      ['missing', false, 404],
    ]);
    expect(result.results[1]!.errorMessage).toContain('Invalid document key');
    expect(result.results[2]!.errorMessage).toBe('Document not found.');
    // The successful one was written nonetheless.
    expect(await client.getDocument('ok-1')).toMatchObject({ subject: 'Bien' });

    // With throwOnAnyFailure the SDK throws the same per-document results when the answer is 207.
    const thrown = await client.indexDocuments(batch, { throwOnAnyFailure: true }).then(
      () => 'returned',
      (e: unknown) => e,
    );
    expect(thrown).toMatchObject({ results: [{ key: 'ok-1', succeeded: true }, { key: 'bad key!', succeeded: false }, { key: 'missing', succeeded: false }] });
  });

  it('refuses a whole batch naming the field when a document has an unknown field or a wrong type', async () => {
    const unknown = (await client.uploadDocuments([{ id: 'n1', nope: 'x' } as Message]).catch((e: unknown) => e)) as RestError;
    expect(unknown.statusCode).toBe(400);
    expect(unknown.message).toContain("'nope'");
    const wrongType = (await client.uploadDocuments([{ id: 'n2', size: 'big' as unknown as number }]).catch((e: unknown) => e)) as RestError;
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.message).toContain("'size'");
    expect(((await client.getDocument('n1').catch((e: unknown) => e)) as RestError).statusCode).toBe(404);
  });

  it('indexes a batch of 1,000 documents in one request and counts them', async () => {
    const other = uniqueIndexName('bulk');
    await indexClient().createIndex(messageIndex(other));
    const bulk = searchClient<Message>(other);
    const docs: Message[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `b${i}`,
      subject: `Message ${i} sur la convention collective`,
      body: `Texte ${i} de la négociation, article ${i % 37}`,
      participants: [`p${i % 20}@spgq.qc.ca`],
      sentAt: new Date(Date.UTC(2020 + (i % 5), i % 12, 1)),
      hasAttachments: i % 3 === 0,
    }));
    const result = await bulk.uploadDocuments(docs);
    expect(result.results.filter((r) => r.succeeded)).toHaveLength(1000);
    expect(await bulk.getDocumentsCount()).toBe(1000);
    const found = await bulk.search('négociation', { includeTotalCount: true, top: 1 });
    expect(found.count).toBe(1000);
  });
});
