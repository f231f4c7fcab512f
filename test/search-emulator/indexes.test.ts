import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RestError } from '@azure/core-rest-pipeline';
import { AzureKeyCredential, SearchClient, SearchIndexClient, type SearchIndex } from '@azure/search-documents';
import { startSearchEmulator } from '../../dev/search-emulator';
import { indexClient, messageIndex, searchClient, uniqueIndexName, type Message } from './clients';

/** SDK 13.0.0 types the etag as `etag` but fills `eTag` from the answer: read the one it fills. */
const etagOf = (index: SearchIndex) => (index as SearchIndex & { eTag?: string }).eTag;

/** Index lifecycle through the official SDK's SearchIndexClient, over the network. */
describe('Search emulator: indexes', () => {
  const admin = indexClient();

  it('creates, reads, lists, counts and deletes an index', async () => {
    const name = uniqueIndexName('life');
    const created = await admin.createIndex(messageIndex(name));
    expect(created.name).toBe(name);
    expect(created.fields.find((f) => f.name === 'id')).toMatchObject({ key: true, type: 'Edm.String' });
    expect(created.fields.find((f) => f.name === 'subject')).toMatchObject({ searchable: true, analyzerName: 'fr.lucene' });
    expect(created.fields.find((f) => f.name === 'retentionRule')).toMatchObject({ hidden: true });

    const read = await admin.getIndex(name);
    expect(read.fields.map((f) => f.name)).toEqual(created.fields.map((f) => f.name));
    const names: string[] = [];
    for await (const n of admin.listIndexesNames()) names.push(n);
    expect(names).toContain(name);

    await searchClient<Message>(name).uploadDocuments([{ id: 'a' }, { id: 'b' }]);
    expect(await admin.getIndexStatistics(name)).toMatchObject({ documentCount: 2 });
    expect(await searchClient<Message>(name).getDocumentsCount()).toBe(2);

    await admin.deleteIndex(name);
    const gone = await admin.getIndex(name).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(RestError);
    expect((gone as RestError).statusCode).toBe(404);
    expect((gone as RestError).message).toContain(name);
  });

  it('refuses a second index of the same name with 409, and a key-less definition with 400 naming the problem', async () => {
    const name = uniqueIndexName('dup');
    await admin.createIndex(messageIndex(name));
    const again = (await admin.createIndex(messageIndex(name)).catch((e: unknown) => e)) as RestError;
    expect(again.statusCode).toBe(409);
    expect(again.message).toContain('already exists');

    const noKey = (await admin
      .createIndex({ name: uniqueIndexName('nokey'), fields: [{ name: 'title', type: 'Edm.String', searchable: true }] })
      .catch((e: unknown) => e)) as RestError;
    expect(noKey.statusCode).toBe(400);
    expect(noKey.message).toContain('key field');

    const badAnalyzer = (await admin
      .createIndex({ name: uniqueIndexName('bad'), fields: [{ name: 'id', type: 'Edm.String', key: true }, { name: 't', type: 'Edm.String', searchable: true, analyzerName: 'xx.lucene' as never }] })
      .catch((e: unknown) => e)) as RestError;
    expect(badAnalyzer.statusCode).toBe(400);
    expect(badAnalyzer.message).toContain("'t'");
  });

  it('adds a field with createOrUpdateIndex, keeping the documents, and refuses to change an existing one', async () => {
    const name = uniqueIndexName('grow');
    const index = await admin.createIndex(messageIndex(name));
    await searchClient<Message>(name).uploadDocuments([{ id: 'm1', subject: 'Réunion budgétaire' }]);

    const grown = await admin.createOrUpdateIndex({ ...index, fields: [...index.fields, { name: 'attachmentText', type: 'Edm.String', searchable: true, analyzerName: 'fr.lucene' }] });
    expect(grown.fields.map((f) => f.name)).toContain('attachmentText');
    const client = searchClient<Message & { attachmentText?: string }>(name);
    await client.mergeDocuments([{ id: 'm1', attachmentText: 'Procès-verbal de la négociation' }]);
    const hits: string[] = [];
    for await (const r of (await client.search('negociation')).results) hits.push(r.document.id);
    expect(hits).toEqual(['m1']);
    for await (const r of (await client.search('budgetaire')).results) hits.push(r.document.id);
    expect(hits).toEqual(['m1', 'm1']);

    const changed = (await admin
      .createOrUpdateIndex({ ...grown, fields: grown.fields.map((f) => (f.name === 'folder' ? { ...f, searchable: true } : f)) })
      .catch((e: unknown) => e)) as RestError;
    expect(changed.statusCode).toBe(400);
    expect(changed.message).toContain("'folder'");
  });

  it('honours etags: a stale If-Match gets 412 on update and delete', async () => {
    const name = uniqueIndexName('etag');
    const first = await admin.createIndex(messageIndex(name));
    expect(etagOf(first)).toMatch(/^"0x/);
    const second = await admin.createOrUpdateIndex({ ...first, description: 'v2' });
    expect(etagOf(second)).not.toBe(etagOf(first));

    // SDK 13.0.0 returns the etag as `eTag` but sends If-Match from `etag`: copy it across.
    const stale = (await admin.createOrUpdateIndex({ ...first, etag: etagOf(first), description: 'v3' }, { onlyIfUnchanged: true }).catch((e: unknown) => e)) as RestError;
    expect(stale.statusCode).toBe(412);
    const staleDelete = (await admin.deleteIndex({ ...first, etag: etagOf(first) }, { onlyIfUnchanged: true }).catch((e: unknown) => e)) as RestError;
    expect(staleDelete.statusCode).toBe(412);
    await admin.deleteIndex({ ...second, etag: etagOf(second) }, { onlyIfUnchanged: true });
    expect(((await admin.getIndex(name).catch((e: unknown) => e)) as RestError).statusCode).toBe(404);
  });

  it('answers a wrong key with 403 and lets the query key search but not write', async () => {
    const name = uniqueIndexName('keys');
    await admin.createIndex(messageIndex(name));
    const wrong = (await indexClient('not-a-key').getIndex(name).catch((e: unknown) => e)) as RestError;
    expect(wrong.statusCode).toBe(403);

    const reader = searchClient<Message>(name, inject('search').queryKey);
    await expect(reader.getDocumentsCount()).resolves.toBe(0);
    const write = (await reader.uploadDocuments([{ id: 'x' }]).catch((e: unknown) => e)) as RestError;
    expect(write.statusCode).toBe(403);
  });

  it('keeps indexes and documents in its data file across a restart (as npm start runs it)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'search-emulator-'));
    try {
      const dataFile = path.join(dir, 'search.sqlite');
      const options = { allowInsecureConnection: true };
      const first = await startSearchEmulator({ dataFile, apiKey: 'local-key' });
      const credential = new AzureKeyCredential('local-key');
      await new SearchIndexClient(first.endpoint, credential, options).createIndex(messageIndex('kept'));
      await new SearchClient<Message>(first.endpoint, 'kept', credential, options).uploadDocuments([{ id: 'k1', subject: 'Négociation salariale' }]);
      await first.stop();

      const second = await startSearchEmulator({ dataFile, apiKey: 'local-key' });
      try {
        const client = new SearchClient<Message>(second.endpoint, 'kept', credential, options);
        const found: string[] = [];
        for await (const r of (await client.search('negociation')).results) found.push(r.document.id);
        expect(found).toEqual(['k1']);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers the REST reference\'s paths and a search by GET, requires api-version, and names parameters of the wrong type', async () => {
    const name = uniqueIndexName('rest');
    await admin.createIndex(messageIndex(name));
    await searchClient<Message>(name).uploadDocuments([{ id: 'r1', subject: 'Assemblée annuelle', folder: 'Inbox' }]);
    const { endpoint, apiKey } = inject('search');
    const headers = { 'api-key': apiKey, 'content-type': 'application/json' };
    const get = await fetch(`${endpoint}/indexes/${name}/docs?api-version=2024-07-01&search=assemblee&$select=id,folder&$count=true`, { headers });
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ '@odata.count': 1, value: [{ id: 'r1', folder: 'Inbox' }] });
    const post = await fetch(`${endpoint}/indexes/${name}/docs/search?api-version=2024-07-01`, { method: 'POST', headers, body: JSON.stringify({ search: 'annuelle', select: 'id' }) });
    expect(await post.json()).toMatchObject({ value: [{ id: 'r1' }] });
    const badTypes = await fetch(`${endpoint}/indexes/${name}/docs/search?api-version=2024-07-01`, { method: 'POST', headers, body: JSON.stringify({ search: 42, top: 'ten', facets: 'folder' }) });
    expect(badTypes.status).toBe(400);
    const { error } = (await badTypes.json()) as { error: { message: string } };
    for (const named of ['search', 'top', 'facets']) expect(error.message).toContain(named);
    const noVersion = await fetch(`${endpoint}/indexes/${name}/docs/search`, { method: 'POST', headers, body: '{}' });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ error: { message: expect.stringContaining('api-version') } });
  });
});
