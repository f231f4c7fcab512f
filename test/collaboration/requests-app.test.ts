import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxControl, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';
import type { RecordedWrite } from '../../dev/m365-sandbox/writes';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { loadHolidays } from '../../shared/platform/business-calendar';
import { CosmosAuditTrail } from '../../shared/platform/adapters/cosmos-audit-trail';
import { CollaborationAuditRecord } from '../../shared/collaboration/audit-record';
import { REQUEST_CONTAINERS } from '../../shared/collaboration/adapters/cosmos-requests';
import { requestDeadlines } from '../../shared/collaboration/requests';
import { startAppHost, type AppHost } from '../support/app-host';
import { useAppEnvironment } from '../support/app-env';
import { seedPerson, terminateInstances } from './request-fixtures';

/**
 * Project space requests in the running app (local host, durable-functions 3.x for real, Cosmos DB
 * and Azurite emulators, the Microsoft 365 sandbox for Graph): the API's refusals (401, 400 in both
 * languages, 403, 404, 409), and the orchestration with COLLABORATION_REQUEST_TIME_SCALE shrinking a
 * calendar day to 1.5 s: approvers told at once, reminded after 2 business days, the direction told
 * after 5 (and it may then decide), expiry after 10; a refusal and an approval (up to the start of
 * the `collaborationSpace` sub-orchestration making the project space in the sandbox).
 */

const DAY_SECONDS = 1.5;
const SCALE = DAY_SECONDS / 86_400;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

let issuer: TokenIssuer;
let sandbox: M365Sandbox;
let control: SandboxControl;
let host: AppHost;
const tokens: Record<string, string> = {};
const ids: Record<'requester' | 'manager' | 'manager2' | 'director' | 'member' | 'stranger', string> = { requester: '', manager: '', manager2: '', director: '', member: '', stranger: '' };
const started: string[] = [];
let sender = '';

async function call(method: string, url: string, who: keyof typeof ids | null, body?: unknown, language = 'fr-CA'): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${host.baseUrl}${url}`, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), 'accept-language': language, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function eventually<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v).slice(0, 600)}\n${host.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const instance = async (id: string): Promise<Json> => (await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}`)).json();

/** The activity feed notifications about one request (their link names it), as the sandbox recorded them. */
async function notices(requestId: string): Promise<Array<{ userId: string; status: string; preview: string; at: number }>> {
  const writes: RecordedWrite[] = await control.writes('activityNotificationSent');
  return writes
    .map((w) => w.details as { userId: string; topic: { webUrl: string }; previewText: string; templateParameters: Array<{ name: string; value: string }> } & Record<string, unknown>)
    .map((d, i) => ({ d, at: Date.parse(writes[i]!.at) }))
    .filter(({ d }) => d.topic.webUrl.includes(requestId))
    .map(({ d, at }) => ({ userId: d.userId, status: d.templateParameters.find((p) => p.name === 'status')!.value, preview: d.previewText, at }));
}

const VALID = () => ({ name: 'Négociation 2027', purpose: 'Préparer la négociation de la convention', serviceCode: 'RT', memberIds: [ids.member], endDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10) });

beforeAll(async () => {
  sandbox = await startM365Sandbox({ scale: { mailboxes: 0 } });
  control = new SandboxControl(sandbox);
  const users = sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled);
  [ids.requester, ids.manager, ids.manager2, ids.director, ids.member, ids.stranger] = users.slice(0, 6).map((u) => u.id) as [string, string, string, string, string, string];
  issuer = await startTokenIssuer({ users: [] });
  for (const [who, oid] of Object.entries(ids)) tokens[who] = await issuer.mintUserToken({ oid, name: who, roles: ['Staff'] });
  tokens.itadmin = await issuer.mintUserToken({ oid: '0b1c2d3e-0000-4000-8000-0000000000c9', name: 'TI', roles: ['Staff', 'ITAdmin'] });

  const database = `collab-requests-${Math.random().toString(36).slice(2, 10)}`;
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'collab-requests-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const graph = { GRAPH_BASE_URL: sandbox.graphBaseUrl, GRAPH_CA_FILE: caFile };
  await useAppEnvironment(issuer, { COSMOS_DATABASE: database, ...graph });
  await seedPerson(cosmosDatabase(), ids.requester, 'Geneviève Tremblay', { serviceCode: 'RT', jobCategoryCode: 'CONSEIL' });
  await seedPerson(cosmosDatabase(), ids.manager, 'Marc-André Gagnon', { serviceCode: 'RT', jobCategoryCode: 'DIRECTION', language: 'en' });
  await seedPerson(cosmosDatabase(), ids.manager2, 'Julie Roy', { serviceCode: 'RT', jobCategoryCode: 'DIRECTION' });
  await seedPerson(cosmosDatabase(), ids.director, 'Pierre Lavoie', { serviceCode: 'DG', jobCategoryCode: 'DIRECTION' });
  await seedPerson(cosmosDatabase(), ids.member, 'Luc Bouchard', { serviceCode: 'JUR', jobCategoryCode: 'JURISTE' });
  await seedPerson(cosmosDatabase(), ids.stranger, 'Anne Morin', { serviceCode: 'COM', jobCategoryCode: 'CONSEIL' });
  sender = (sandbox.tenant.users.find((u) => u.isSharedMailbox) ?? sandbox.tenant.users[0]!).userPrincipalName;
  host = await startAppHost(issuer, {
    COSMOS_DATABASE: database,
    ...graph,
    COLLABORATION_REQUEST_SENDER_MAILBOX: sender,
    COLLABORATION_REQUEST_TIME_SCALE: String(SCALE),
    ARCHIVE_RUN_ON_STARTUP: 'false',
    PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *',
  });
}, 120_000);

afterAll(async () => {
  if (host) await terminateInstances(host.baseUrl, started);
  await host?.stop();
  await issuer?.stop();
  await sandbox?.stop();
});

describe('project space requests: the API', { timeout: 60_000 }, () => {
  it('authenticates every endpoint (401)', async () => {
    for (const [method, url] of [['GET', '/api/collaboration/requests'], ['POST', '/api/collaboration/requests'], ['GET', `/api/collaboration/requests/${ids.member}`], ['POST', `/api/collaboration/requests/${ids.member}/decision`], ['GET', '/api/collaboration/request-form']] as const) {
      expect((await call(method, url, null, method === 'POST' ? {} : undefined)).status, `${method} ${url}`).toBe(401);
    }
  });

  it('names invalid fields in French and English (400)', async () => {
    const bad = await call('POST', '/api/collaboration/requests', 'requester', { name: 'ab', serviceCode: 'XYZ', memberIds: [ids.stranger, 'x'], endDate: '2020-01-01' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('validation_failed');
    expect(bad.json.error.message).toBe('La demande d’espace contient des champs invalides : Nom du projet, Membres.');
    expect(bad.json.error.messages.en).toBe('The space request has invalid fields: Project name, Members.');
    expect(bad.json.error.details.map((d: Json) => d.field)).toEqual(['body.name', 'body.memberIds']);
    expect(bad.json.error.details[0].messages.en).toMatch(/3 to 80 characters/);
    const unknown = await call('POST', '/api/collaboration/requests', 'requester', { ...VALID(), serviceCode: 'XYZ', endDate: '2020-01-01' }, 'en');
    expect(unknown.json.error.message).toBe('The space request has invalid fields: Service, End date.');
    expect(unknown.json.error.details.map((d: Json) => d.message)).toEqual(['This service is not in the people catalogue.', 'The end date must be in the future.']);
    expect(unknown.json.error.messages['fr-CA']).toBe('La demande d’espace contient des champs invalides : Service, Date de fin.');
  });

  it('gives the form its services and active staff by name', async () => {
    const form = await call('GET', '/api/collaboration/request-form', 'requester');
    expect(form.status).toBe(200);
    expect(form.json.services.find((s: Json) => s.code === 'RT').names['fr-CA']).toBe('Relations du travail');
    expect(form.json.staff.map((p: Json) => p.displayName)).toContain('Luc Bouchard');
  });
});

describe('project space requests: the orchestration', { timeout: 240_000 }, () => {
  it('tells the approvers, reminds them after 2 business days, tells the direction after 5, expires after 10', async () => {
    const submitted = await call('POST', '/api/collaboration/requests', 'requester', VALID());
    expect(submitted.status).toBe(201);
    const request = submitted.json;
    started.push(`collab-request-${request.id}`);
    expect(request).toMatchObject({ status: 'pending', requester: { id: ids.requester, displayName: 'Geneviève Tremblay' }, members: [{ id: ids.member, displayName: 'Luc Bouchard' }], service: { code: 'RT' }, canDecide: false });
    // The starter counted business days on the Québec calendar, then scaled them.
    expect(request.deadlines).toEqual(requestDeadlines(new Date(request.createdAt), loadHolidays(), SCALE));
    const status = await eventually('awaiting a decision', () => instance(`collab-request-${request.id}`), (s) => s.customStatus?.phase === 'awaiting-decision');
    expect(status).toMatchObject({ name: 'collaborationRequest', input: { requestId: request.id, ...request.deadlines }, customStatus: { nextDeadline: request.deadlines.reminderAt } });

    // The managers see it to decide; the requester does not.
    const listed = await call('GET', '/api/collaboration/requests', 'manager');
    expect(listed.json.toDecide.map((r: Json) => [r.id, r.canDecide])).toEqual([[request.id, true]]);
    expect((await call('GET', '/api/collaboration/requests', 'requester')).json.mine.map((r: Json) => r.id)).toEqual([request.id]);

    const done = await eventually('expired', () => notices(request.id), (n) => n.some((x) => x.userId === ids.requester), 60_000);
    const at = (iso: string) => Date.parse(iso);
    const toDecide = done.filter((n) => n.status === 'à approuver' || n.status === 'to approve');
    expect(toDecide.map((n) => n.userId).sort()).toEqual([ids.manager, ids.manager2].sort());
    // Each in their language: the first manager reads English.
    expect(toDecide.find((n) => n.userId === ids.manager)!.status).toBe('to approve');
    const reminders = done.filter((n) => n.status === 'en attente de votre décision' || n.status === 'awaiting your decision');
    expect(reminders.map((n) => n.userId).sort()).toEqual([ids.manager, ids.manager2].sort());
    for (const r of reminders) expect(r.at).toBeGreaterThanOrEqual(at(request.deadlines.reminderAt) - 50);
    for (const r of reminders) expect(r.at).toBeLessThan(at(request.deadlines.escalationAt));
    const escalated = done.filter((n) => n.status === 'sans réponse du service');
    expect(escalated.map((n) => n.userId)).toEqual([ids.director]);
    expect(escalated[0]!.at).toBeGreaterThanOrEqual(at(request.deadlines.escalationAt) - 50);
    const expired = done.filter((n) => n.userId === ids.requester);
    expect(expired.map((n) => n.status)).toEqual(['expirée']);
    expect(expired[0]!.at).toBeGreaterThanOrEqual(at(request.deadlines.expiryAt) - 50);

    const final = await eventually('completed', () => instance(`collab-request-${request.id}`), (s) => s.runtimeStatus === 'Completed');
    expect(final).toMatchObject({ output: 'expired', customStatus: { phase: 'expired', nextDeadline: null } });
    expect((await call('GET', `/api/collaboration/requests/${request.id}`, 'requester')).json.status).toBe('expired');
    // Too late to decide (409).
    const late = await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'manager', { decision: 'approve' });
    expect(late.status).toBe(409);
    expect(late.json.error.messages.en).toMatch(/already decided/);
  });

  it('a refusal needs a reason, is told to the requester with it, and cannot be decided twice', async () => {
    const request = (await call('POST', '/api/collaboration/requests', 'requester', { ...VALID(), name: 'Projet refusé' })).json;
    started.push(`collab-request-${request.id}`);
    // Only an approver decides: the requester is refused (403), someone else does not see it (404).
    expect((await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'requester', { decision: 'approve' })).status).toBe(403);
    expect((await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'stranger', { decision: 'approve' })).status).toBe(404);
    expect((await call('GET', `/api/collaboration/requests/${request.id}`, 'stranger')).status).toBe(404);
    // The direction may not decide before escalation.
    expect((await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'director', { decision: 'approve' })).status).toBe(404);
    const noReason = await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'manager2', { decision: 'refuse' });
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.details[0]).toMatchObject({ field: 'body.reason', label: { 'fr-CA': 'Motif', en: 'Reason' } });
    // The requester does not have the Teams app: the refusal goes by e-mail from the service mailbox.
    await control.setTeamsAppNotInstalled([ids.requester]);
    const refused = await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'manager2', { decision: 'refuse', reason: 'Utilisez le canal Négociation du service' });
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ status: 'refused', decision: { outcome: 'refuse', by: { id: ids.manager2, displayName: 'Julie Roy' }, reason: 'Utilisez le canal Négociation du service' } });
    expect((await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'manager', { decision: 'approve' })).status).toBe(409);
    const mail = await eventually('requester e-mailed', () => control.writes('mailSent'), (w) => w.some((m) => String(m.details.subject).includes('Projet refusé')));
    expect(mail.find((m) => String(m.details.subject).includes('Projet refusé'))!.details).toMatchObject({
      from: sandbox.tenant.users.find((u) => u.userPrincipalName === sender)!.id,
      subject: 'Demande d’espace de projet refusée : Projet refusé',
      to: [expect.stringMatching(/@/)],
      bodyContentType: 'HTML',
    });
    expect((await notices(request.id)).filter((n) => n.userId === ids.requester)).toEqual([]);
    await control.setTeamsAppNotInstalled([]);
    const final = await eventually('completed', () => instance(`collab-request-${request.id}`), (s) => s.runtimeStatus === 'Completed');
    expect(final.customStatus).toEqual({ phase: 'refused', nextDeadline: null });
    // No reminder about a request already decided.
    await new Promise((r) => setTimeout(r, 3 * DAY_SECONDS * 1000));
    expect((await notices(request.id)).filter((n) => n.status === 'en attente de votre décision' || n.status === 'awaiting your decision')).toEqual([]);
  });

  it('the direction decides once escalated; an approval makes the project space through the collaborationSpace sub-orchestration, then the requester is told', async () => {
    const request = (await call('POST', '/api/collaboration/requests', 'requester', { ...VALID(), name: 'Projet approuvé' })).json;
    started.push(`collab-request-${request.id}`, `collab-space-project-${request.id}`);
    await eventually('escalated', () => instance(`collab-request-${request.id}`), (s) => s.customStatus?.phase === 'escalated', 30_000);
    const forDirector = await call('GET', '/api/collaboration/requests', 'director');
    expect(forDirector.json.toDecide.map((r: Json) => [r.id, r.escalated, r.canDecide])).toEqual([[request.id, true, true]]);
    const approved = await call('POST', `/api/collaboration/requests/${request.id}/decision`, 'director', { decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.json.status).toBe('approved');

    const child = await eventually('space orchestration started', () => instance(`collab-space-project-${request.id}`), (s) => s.instanceId !== undefined);
    expect(child).toMatchObject({ name: 'collaborationSpace', input: { spaceKey: `project-${request.id}`, mode: 'apply', version: 1 } });
    const told = await eventually('requester told', () => notices(request.id), (n) => n.some((x) => x.userId === ids.requester));
    expect(told.filter((n) => n.userId === ids.requester)[0]!.status).toBe('approuvée');
    // The space is made through the sandbox (team, channels, folders, grants, documents), then the requester is told it is ready.
    const settled = await eventually('provisioned', () => instance(`collab-request-${request.id}`), (s) => s.runtimeStatus === 'Completed', 150_000);
    expect(settled).toMatchObject({ output: 'provisioned', customStatus: { phase: 'provisioned', nextDeadline: null } });
    expect((await instance(`collab-space-project-${request.id}`)).runtimeStatus).toBe('Completed');
    expect((await call('GET', `/api/collaboration/requests/${request.id}`, 'requester')).json.status).toBe('provisioned');
    expect((await notices(request.id)).filter((n) => n.userId === ids.requester).map((n) => n.status)).toEqual(['approuvée', 'espace prêt']);
    const teams = await control.writes('teamCreated');
    expect(teams.some((w) => JSON.stringify(w.details).includes('Projet approuvé'))).toBe(true);

    // Every decision is in the collaboration audit trail, by id only.
    const trail = new CosmosAuditTrail(cosmosDatabase(), { container: REQUEST_CONTAINERS.audit, schema: CollaborationAuditRecord });
    const page = await trail.query({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), pageSize: 100 });
    const approvals = page.items.filter((r) => r.target.requestId === request.id);
    expect(approvals.map((r) => [r.action, r.actor, r.outcome])).toEqual(expect.arrayContaining([['request-submitted', ids.requester, 'allowed'], ['request-escalated', 'system', 'allowed'], ['request-approved', ids.director, 'allowed']]));
    expect(JSON.stringify(page.items)).not.toMatch(/Projet approuvé|Négociation|Utilisez le canal/);
  });
});
