import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { DEMO_USERS, type LocalUser } from '../../dev/token-issuer';
import type { EndpointHandler } from '../../functions/http/endpoint';
import * as api from '../../functions/archive/mailboxes';
import { httpRequest, invocation } from '../support/app-env';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';
import { recordMailbox } from './mailboxes';

/**
 * GET /api/archive/mailboxes and POST /api/archive/mailboxes/search (the Teams page's mailbox picker),
 * POST /api/archive/message-count and
 * GET /api/archive/retention-rule-names on the Cosmos DB emulator, through the endpoint wrapper
 * with real tokens from the local issuer.
 */
let stack: RecordsStack;
const [alice, marc, records] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];
const tokens = new Map<string, string>();

beforeAll(async () => {
  stack = await startRecordsStack();
  for (const u of [alice, marc, records]) tokens.set(u.oid, await stack.issuer.mintUserToken(u));
  await recordMailbox(stack, { mailboxId: alice.oid, displayName: 'Geneviève Tremblay', address: 'gtremblay@spgq.local' });
  await recordMailbox(stack, { mailboxId: marc.oid, displayName: 'Marc-André Gagnon', address: 'magagnon@spgq.local' });
  await recordMailbox(stack, { mailboxId: records.oid, displayName: 'Sophie Côté', address: 'scote@spgq.local' });
  await recordMailbox(stack, { mailboxId: randomUUID(), displayName: 'Griefs (boîte partagée)', address: 'griefs@spgq.local', kind: 'shared' });
  await recordMailbox(stack, { mailboxId: randomUUID(), displayName: 'Élise Gagné', address: 'egagne@spgq.local' });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00Z', subject: 'Convocation au comité' });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-01-03T10:00:00Z', subject: 'Vacances' });
  await archiveEntry(stack, { mailboxId: marc.oid, receivedAt: '2026-01-20T09:00:00Z', subject: 'Budget du comité' });
});
afterAll(async () => {
  await stack?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function call(handler: EndpointHandler, user: LocalUser | undefined, query: Record<string, string> = {}, json?: unknown): Promise<HttpResponseInit & { json: Json }> {
  const url = new URL('http://localhost:7071/api/archive/test');
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const response = await handler(
    httpRequest({ method: json === undefined ? 'GET' : 'POST', url: url.toString(), json, headers: { ...(user ? { authorization: `Bearer ${tokens.get(user.oid)}` } : {}), 'accept-language': 'fr-CA' } }),
    invocation('archive').context,
  );
  return { ...response, json: response.jsonBody };
}

describe('mailbox directory', () => {
  it('gives a RecordsManager every mailbox by name, in French alphabetical order, with no GUID to type', async () => {
    const r = await call(api.archiveMailboxes, records);
    expect(r.status).toBe(200);
    expect(r.json.items.map((m: { displayName: string }) => m.displayName)).toEqual(['Élise Gagné', 'Geneviève Tremblay', 'Griefs (boîte partagée)', 'Marc-André Gagnon', 'Sophie Côté']);
    expect(r.json.items[1]).toEqual({ mailboxId: alice.oid, displayName: 'Geneviève Tremblay', address: 'gtremblay@spgq.local', kind: 'staff' });
    expect(r.json.items[2].kind).toBe('shared');
  });

  it('finds mailboxes by part of a name or an address, whatever the case, and bounds the page', async () => {
    // POST: a name typed is personal information and stays out of URLs (request logs keep them).
    const byName = await call(api.archiveMailboxSearch, records, {}, { search: 'GAGN' });
    expect(byName.json.items.map((m: { displayName: string }) => m.displayName)).toEqual(['Élise Gagné', 'Marc-André Gagnon']);
    const byAddress = await call(api.archiveMailboxSearch, records, {}, { search: 'griefs@' });
    expect(byAddress.json.items.map((m: { address: string }) => m.address)).toEqual(['griefs@spgq.local']);
    expect((await call(api.archiveMailboxes, records, { pageSize: '2' })).json.items).toHaveLength(2);
    expect((await call(api.archiveMailboxes, records, { pageSize: '51' })).status).toBe(400);
    expect((await call(api.archiveMailboxSearch, records, {}, { search: 'personne' })).json.items).toEqual([]);
    expect((await call(api.archiveMailboxSearch, records, {}, { pageSize: 51 })).status).toBe(400);
  });

  it('gives staff their own mailbox only, and refuses the anonymous', async () => {
    const mine = await call(api.archiveMailboxes, alice);
    expect(mine.json.items.map((m: { mailboxId: string }) => m.mailboxId)).toEqual([alice.oid]);
    expect((await call(api.archiveMailboxSearch, alice, {}, { search: 'gagnon' })).json.items).toEqual([]);
    expect((await call(api.archiveMailboxes, undefined)).status).toBe(401);
  });
});

describe('personal information in URLs', () => {
  it('refuses a name in the mailbox list query string with 400 naming it, rather than serve (and log) it', async () => {
    const r = await call(api.archiveMailboxes, records, { search: 'gagnon' });
    expect(r.status).toBe(400);
    expect(r.json.error.details.map((d: { field: string }) => d.field)).toEqual(['query']);
    expect(JSON.stringify(r.json.error.details)).toContain('search');
  });
});

describe('message count and rule names', () => {
  it('counts what a search (an export) would hold, for RecordsManagers only', async () => {
    // POST: the filters are a search's (participants, subject words), kept out of URLs.
    expect((await call(api.archiveMessageCount, records, {}, {})).json).toEqual({ count: 3 });
    expect((await call(api.archiveMessageCount, records, {}, { mailboxId: alice.oid })).json).toEqual({ count: 2 });
    expect((await call(api.archiveMessageCount, records, {}, { subject: 'comité' })).json).toEqual({ count: 2 });
    expect((await call(api.archiveMessageCount, alice, {}, {})).status).toBe(403);
  });

  it('names the retention rules in both languages for anyone who reads the archive', async () => {
    const r = await call(api.archiveRetentionRuleNames, alice);
    expect(r.status).toBe(200);
    expect(r.json.items).toContainEqual({ id: 'COUR-GEN', title: { 'fr-CA': 'Correspondance administrative courante', en: 'Routine administrative correspondence' } });
  });
});
