import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { DEMO_USERS, type LocalUser } from '../../dev/token-issuer';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import type { AuditRecord } from '../../shared/archive/records/audit';
import type { EndpointHandler } from '../../functions/http/endpoint';
import * as api from '../../functions/archive/records';
import * as mailboxApi from '../../functions/archive/mailboxes';
import { httpRequest, invocation } from '../support/app-env';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';
import { recordMailbox } from './mailboxes';

/**
 * The audit log has no gaps: refused requests are recorded, a search across mailboxes records which
 * mailboxes it returned, a requested mailbox id is validated before it can reach the log (free text
 * never does), and a legal hold cannot name a mailbox the archive does not know.
 */
let stack: RecordsStack;
let bus: ServiceBusEmulator;
const [alice, marc, records] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];
const tokens = new Map<string, string>();
const started = new Date(Date.now() - 60_000);

beforeAll(async () => {
  // A new hold's job goes to the records queue.
  bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  stack = await startRecordsStack({ ServiceBusConnection: bus.connectionString });
  for (const u of [alice, marc, records]) tokens.set(u.oid, await stack.issuer.mintUserToken(u));
  await recordMailbox(stack, { mailboxId: alice.oid, displayName: 'Alice', address: 'alice@spgq.local' });
  await recordMailbox(stack, { mailboxId: marc.oid, displayName: 'Marc', address: 'marc@spgq.local' });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00Z', subject: 'Ordre du jour' });
  await archiveEntry(stack, { mailboxId: marc.oid, receivedAt: '2026-02-04T10:00:00Z', subject: 'Budget' });
});
afterAll(async () => {
  await stack?.stop();
  await bus?.stop();
});

interface Call {
  user?: LocalUser;
  token?: string;
  query?: Record<string, string>;
  params?: Record<string, string>;
  json?: unknown;
  language?: string;
}

async function call(handler: EndpointHandler, c: Call = {}): Promise<HttpResponseInit> {
  const url = new URL('http://localhost:7071/api/archive/test');
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const token = c.token ?? (c.user ? tokens.get(c.user.oid) : undefined);
  return handler(
    httpRequest({
      method: c.json === undefined ? 'GET' : 'POST',
      url: url.toString(),
      params: c.params ?? {},
      json: c.json,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'accept-language': c.language ?? 'fr-CA' },
    }),
    invocation('archive').context,
  );
}

async function audit(): Promise<AuditRecord[]> {
  const page = await stack.services.audit.query({ from: started, to: new Date(Date.now() + 60_000), pageSize: 200 });
  return page.items;
}

describe('audit gaps', () => {
  it('audits a request refused for want of a token (401) or of the role (403), on every archive endpoint', async () => {
    expect((await call(api.archiveHoldsList)).status).toBe(401);
    expect((await call(api.archiveSearch, { token: 'not-a-token' })).status).toBe(401);
    expect((await call(api.archiveHoldsList, { user: alice })).status).toBe(403);
    expect((await call(mailboxApi.archiveMessageCount, { user: alice })).status).toBe(403);
    const refused = (await audit()).filter((r) => r.action === 'access-refused');
    const seen = refused.map((r) => `${r.actor}:${r.actorKind}:${r.outcome}:${String(r.target.endpoint)}:${String(r.target.httpStatus)}`).sort();
    expect(seen).toEqual(
      [
        'anonymous:anonymous:denied:archiveHoldsList:401',
        'anonymous:anonymous:denied:archiveSearch:401',
        `${alice.oid}:user:denied:archiveHoldsList:403`,
        `${alice.oid}:user:denied:archiveMessageCount:403`,
      ].sort(),
    );
    // A refusal by the access rules (another's mailbox) is recorded once, by the rules.
    const before = (await audit()).length;
    expect((await call(api.archiveSearch, { user: alice, json: { mailboxId: marc.oid } })).status).toBe(403);
    const added = (await audit()).slice(0, (await audit()).length - before);
    expect(added.map((r) => `${r.action}:${r.outcome}`)).toEqual(['search:denied']);
  });

  it('records which mailboxes a records manager’s search across mailboxes returned', async () => {
    const response = await call(api.archiveSearch, { user: records, json: {} });
    expect(response.status).toBe(200);
    const search = (await audit()).find((r) => r.action === 'search' && r.actor === records.oid)!;
    expect(search.target.mailboxIds).toEqual([alice.oid, marc.oid].sort());
    expect(search.target.resultCount).toBe(2);
  });

  it('validates a requested mailbox id before it can reach the audit log: free text is never stored', async () => {
    const free = 'Dossier Tremblay grief';
    for (const user of [alice, records]) {
      const response = await call(api.archiveSearch, { user, json: { mailboxId: free }, language: 'en' });
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.jsonBody)).toContain('mailboxId');
    }
    // Past the HTTP layer too (another caller of the use case): the refusal is recorded without it.
    const outcome = await stack.services.reading.searchPage({ oid: alice.oid, kind: 'user', recordsManager: false }, { mailboxId: free, pageSize: 25 });
    expect(outcome).toEqual({ kind: 'forbidden' });
    expect(JSON.stringify(await audit())).not.toContain('Tremblay');
  });

  it('refuses a legal hold naming a mailbox the archive does not know, naming the field', async () => {
    const unknown = randomUUID();
    const refused = await call(api.archiveHoldCreate, { user: records, json: { matter: 'Grief 2026-07', mailboxes: [alice.oid, unknown] }, language: 'en' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.jsonBody)).toContain('mailboxes.1');
    expect(await stack.services.holds.list()).toEqual([]);
    const text = await call(api.archiveHoldCreate, { user: records, json: { matter: 'Grief 2026-07', mailboxes: ['Geneviève Tremblay'] } });
    expect(text.status).toBe(400);
    const created = await call(api.archiveHoldCreate, { user: records, json: { matter: 'Grief 2026-07', mailboxes: [alice.oid] } });
    expect(created.status).toBe(202);
  });
});
