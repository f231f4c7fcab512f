import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINERS, type MailboxRecord } from '../../shared/archive/model';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { startAppHost, type AppHost } from '../support/app-host';
import { startPeopleStack, type PeopleStack } from './people-stack';

/**
 * People in the running app (the local Functions host): the sync timer publishes to the topic,
 * the archive's session-enabled topic trigger enrols joiners, and the endpoints answer by role.
 */
let stack: PeopleStack;
let host: AppHost;
let hrToken: string;
let staffToken: string;
let staffId: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function get(path: string, token: string, language = 'fr-CA'): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${host.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, 'accept-language': language } });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : { text } };
}

/** Polls until `check` holds; generous, as a loaded machine may be slow, but never a fixed sleep. */
async function eventually<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 300)}\n${host.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function mailboxRecord(id: string): Promise<MailboxRecord | undefined> {
  const { resources } = await cosmosDatabase()
    .container(CONTAINERS.mailboxes)
    .items.query<MailboxRecord>({ query: "SELECT * FROM c WHERE c.type = 'mailbox' AND c.mailboxId = @id", parameters: [{ name: '@id', value: id }] })
    .fetchAll()
    .catch(() => ({ resources: [] as MailboxRecord[] }));
  return resources[0];
}

beforeAll(async () => {
  stack = await startPeopleStack();
  host = await startAppHost(stack.issuer, {
    ...stack.env,
    LOCAL_MODE: 'true',
    PEOPLE_SYNC_ON_STARTUP: 'true',
    // Every 10 seconds, so a change in the directory shows up within the test.
    PEOPLE_SYNC_SCHEDULE: '*/10 * * * * *',
    ARCHIVE_RUN_ON_STARTUP: 'false',
    ARCHIVE_SCHEDULE: '0 0 0 1 1 *',
  });
  staffId = stack.sandbox.tenant.users.find((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled && u.department === 'Services juridiques')!.id;
  hrToken = await stack.issuer.mintUserToken({ oid: '0b1c2d3e-0000-4000-8000-0000000000f1', name: 'RH', roles: ['Staff', 'HR'] });
  staffToken = await stack.issuer.mintUserToken({ oid: staffId, name: 'Staff', roles: ['Staff'] });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await stack?.stop();
});

describe('people in the running app', { timeout: 180_000 }, () => {
  it('the first sync runs with the host; HR sees the directory with names; staff see themselves', async () => {
    const list = await eventually('directory filled', () => get('/api/people?pageSize=200', hrToken), (r) => r.status === 200 && r.json.total > 30);
    const person = list.json.people.find((p: Json) => p.id === staffId);
    expect(person).toMatchObject({ service: { code: 'JUR', names: { 'fr-CA': 'Services juridiques', en: 'Legal Services' } }, status: 'active' });
    const me = await get('/api/people/me', staffToken);
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: staffId, service: { code: 'JUR' } });
    // The records are stored before their events are published: the log line follows shortly.
    await eventually('events logged', async () => host.output(), (out) => /people\.event/.test(out));
  });

  it('refuses staff on the directory (403) and names bad filters (400) in French and English', async () => {
    const refused = await get('/api/people', staffToken);
    expect(refused.status).toBe(403);
    expect(refused.json.error.messages['fr-CA']).toMatch(/autorisation.*HR \| ITAdmin/);
    expect(refused.json.error.messages.en).toMatch(/permission.*HR \| ITAdmin/);
    const bad = await get('/api/people?status=retired&pageSize=5000', hrToken, 'en');
    expect(bad.status).toBe(400);
    const fields = JSON.stringify(bad.json.error.details);
    expect(fields).toContain('status');
    expect(fields).toContain('pageSize');
    expect(bad.json.error.messages['fr-CA']).toBeTruthy();
    const noToken = await fetch(`${host.baseUrl}/api/people/me`);
    expect(noToken.status).toBe(401);
  });

  it('searches by name in a POST body, and refuses a name in the query string (URLs are logged)', async () => {
    const person = (await get(`/api/people?pageSize=200`, hrToken)).json.people.find((p: Json) => p.id === staffId);
    const part = String(person.displayName).split(' ')[0]!;
    const res = await fetch(`${host.baseUrl}/api/people/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hrToken}`, 'content-type': 'application/json', 'accept-language': 'fr-CA' },
      body: JSON.stringify({ search: part, pageSize: 20 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).people.map((p: Json) => p.id)).toContain(staffId);
    const inUrl = await get(`/api/people?search=${encodeURIComponent(part)}`, hrToken, 'en');
    expect(inUrl.status).toBe(400);
    expect(JSON.stringify(inUrl.json.error.details)).toContain('search');
  });

  it('a hire in the directory becomes a joined event, and the archive enrols the new mailbox through its topic subscription', async () => {
    const hired = await stack.control.hire({ givenName: 'Noémie', surname: 'Nouvelle', department: 'Relations du travail', jobCategory: 'CONSEIL' });
    const events = await eventually('joined event', () => get('/api/people/events?limit=20', hrToken), (r) => r.status === 200 && r.json.events.some((e: Json) => e.person.id === hired.id));
    expect(events.json.events.find((e: Json) => e.person.id === hired.id)).toMatchObject({ kind: 'joined', person: { displayName: 'Noémie Nouvelle' } });
    const record = await eventually('mailbox enrolled', () => mailboxRecord(hired.id), (r) => r !== undefined);
    expect(record).toMatchObject({ department: 'Relations du travail', kind: 'staff', goneAt: null });
    expect(host.output()).toMatch(/archive\.people[^\n]*enrolled/);
    // Names never reach the log: ids and kinds only.
    expect(host.output()).not.toContain('Nouvelle');
  });
});
