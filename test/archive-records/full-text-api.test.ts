import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { DEMO_USERS, type LocalUser } from '../../dev/token-issuer';
import { startSearchEmulator, type SearchEmulator } from '../../dev/search-emulator';
import type { EndpointHandler } from '../../functions/http/endpoint';
import * as api from '../../functions/archive/full-text';
import { httpRequest, invocation } from '../support/app-env';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * The full-text endpoints through their HTTP handlers (token, role, body validation, outcome to
 * status), on the search emulator: staff search their own mail only, the full syntax and the
 * rebuild are a RecordsManager's, bad input is a 400 naming the fields in French and English.
 */
let search: SearchEmulator;
let stack: RecordsStack;
const [alice, marc, records] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];
const tokens = new Map<string, string>();

beforeAll(async () => {
  search = await startSearchEmulator();
  stack = await startRecordsStack({ AZURE_SEARCH_ENDPOINT: search.endpoint, AZURE_SEARCH_API_KEY: search.apiKey, ARCHIVE_SEARCH_INDEX: `api-${randomUUID().slice(0, 8)}` });
  for (const u of [alice, marc, records]) tokens.set(u.oid, await stack.issuer.mintUserToken(u));
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00.000Z', subject: 'Convocation au comité', text: 'La convocation <script>alert(1)</script> est jointe.' });
  await archiveEntry(stack, { mailboxId: marc.oid, receivedAt: '2026-02-04T10:00:00.000Z', subject: 'Convocation du comité de Marc', text: 'Autre convocation.' });
  stack.clock.now = new Date();
  await stack.services.fullText!.indexing.pass();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await search?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function call(handler: EndpointHandler, c: { user?: LocalUser; json?: unknown; method?: string; language?: string } = {}): Promise<HttpResponseInit & { json: Json }> {
  const response = await handler(
    httpRequest({
      method: c.method ?? (c.json === undefined ? 'GET' : 'POST'),
      url: 'http://localhost:7071/api/archive/full-text',
      params: {},
      json: c.json,
      headers: { ...(c.user ? { authorization: `Bearer ${tokens.get(c.user.oid)}` } : {}), 'accept-language': c.language ?? 'fr-CA' },
    }),
    invocation('archive').context,
  );
  return { ...response, json: response.jsonBody };
}

describe('POST /api/archive/full-text', () => {
  it('answers staff with their own hits, highlighted as text segments, and refuses what is not theirs', async () => {
    expect((await call(api.archiveFullTextSearch, { json: { text: 'convocation' } })).status).toBe(401);
    const own = await call(api.archiveFullTextSearch, { user: alice, json: { text: 'convocation' } });
    expect(own.status).toBe(200);
    expect(own.json.items.map((i: { mailboxId: string }) => i.mailboxId)).toEqual([alice.oid]);
    expect(own.json.facets.year).toEqual([{ value: '2026', count: 1 }]);
    // The body's markup is text in a segment, never markup of the answer.
    const body = own.json.items[0].highlights.find((h: { field: string }) => h.field === 'body');
    expect(body.segments.some((s: { hit: boolean; text: string }) => s.hit && /convocation/i.test(s.text))).toBe(true);
    expect((await call(api.archiveFullTextSearch, { user: alice, json: { text: 'convocation', mailboxId: marc.oid } })).status).toBe(403);
    expect((await call(api.archiveFullTextSearch, { user: alice, json: { text: 'subject:comité', syntax: 'full' } })).status).toBe(403);
    // A hold or a rule filter is a RecordsManager's, even on one's own mailbox.
    expect((await call(api.archiveFullTextSearch, { user: alice, json: { text: 'convocation', hold: 'hold-0a1b2c3d-0000-4000-8000-000000000001' } })).status).toBe(403);
    expect((await call(api.archiveFullTextSearch, { user: alice, json: { text: 'convocation', retentionRule: 'COUR-GEN' } })).status).toBe(403);
    const all = await call(api.archiveFullTextSearch, { user: records, json: { text: 'subject:convocation', syntax: 'full', sort: 'date-desc' } });
    expect(all.json.items.map((i: { mailboxId: string }) => i.mailboxId)).toEqual([marc.oid, alice.oid]);
  });

  it('answers 400 naming each bad field, in French and in English, and refuses a filter expression', async () => {
    const query = { text: '', mailboxId: 'tous', participant: 'pas-une-adresse', pageSize: 500, filter: "mailboxId ne ''", hold: "x' or true", retentionRule: 'COUR GEN' };
    const fr = await call(api.archiveFullTextSearch, { user: alice, json: query });
    const en = await call(api.archiveFullTextSearch, { user: alice, json: query, language: 'en' });
    for (const r of [fr, en]) {
      expect(r.status).toBe(400);
      const fields = r.json.error.details.map((d: { field: string }) => d.field).sort();
      expect(fields).toEqual(expect.arrayContaining(['body.hold', 'body.mailboxId', 'body.pageSize', 'body.participant', 'body.retentionRule', 'body.text']));
      expect(JSON.stringify(r.json.error.details)).toMatch(/filter/);
    }
    expect(fr.json.error.message).not.toBe(en.json.error.message);
    const unparsable = await call(api.archiveFullTextSearch, { user: records, json: { text: 'subject:(comité AND', syntax: 'full' }, language: 'en' });
    expect(unparsable.status).toBe(400);
    expect(unparsable.json.error).toMatchObject({ code: 'bad_query' });
  });
});

describe('rebuild', () => {
  it('is a RecordsManager\'s: 202 with a status to follow, audited', async () => {
    expect((await call(api.archiveFullTextRebuild, { user: alice, method: 'POST' })).status).toBe(403);
    const started = await call(api.archiveFullTextRebuild, { user: records, method: 'POST' });
    expect(started.status).toBe(202);
    expect(started.headers).toMatchObject({ location: '/api/archive/full-text/rebuild' });
    expect((await call(api.archiveFullTextRebuildStatus, { user: records })).json).toMatchObject({ state: 'running' });
    stack.clock.now = new Date();
    await stack.services.fullText!.indexing.pass();
    expect((await call(api.archiveFullTextRebuildStatus, { user: records })).json).toMatchObject({ state: 'completed', indexed: 2 });
    const audit = await stack.services.audit.query({ from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000), pageSize: 100 });
    const actions = audit.items.map((r) => `${r.actor}:${r.action}:${r.outcome}`);
    expect(actions).toEqual(expect.arrayContaining([`${records.oid}:full-text-rebuild:allowed`, `${alice.oid}:full-text-search:allowed`, `${alice.oid}:full-text-search:denied`]));
  });
});
