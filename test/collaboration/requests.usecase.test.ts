import { describe, expect, it } from 'vitest';
import { BusinessCalendar, loadHolidays } from '../../shared/platform/business-calendar';
import {
  approvedProjects,
  decideRequest,
  escalateRequest,
  expireRequest,
  listRequests,
  markProvisioned,
  notifyRequest,
  readRequest,
  requestDeadlines,
  submitRequest,
  type RequestDeps,
} from '../../shared/collaboration/requests';
import type { RosterEntry, ServiceInfo } from '../../shared/collaboration/plan';
import { MemoryCollaborationAudit, MemoryRoster } from '../fakes/collaboration';
import { MemoryRequests, RecordingNotifier } from '../fakes/collaboration-requests';

/** Project space requests over in-memory ports: validation, who decides, twice is refused, escalation and expiry, notices. */

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const REQUESTER = id(1);
const MANAGER = id(2);
const MANAGER_2 = id(3);
const DIRECTOR = id(4);
const LAWYER = id(5);
const LEFT = id(6);
const STRANGER = id(7);

const SERVICES: ServiceInfo[] = [
  { code: 'RT', shortCode: 'rt', names: { 'fr-CA': 'Relations du travail', en: 'Labour relations' } },
  { code: 'COM', shortCode: 'com', names: { 'fr-CA': 'Communications', en: 'Communications' } },
  { code: 'DG', shortCode: 'dg', names: { 'fr-CA': 'Direction générale', en: 'General management' } },
];
const entry = (personId: string, serviceCode: string, jobCategoryCode: string, status: RosterEntry['status'] = 'active', language: 'fr-CA' | 'en' = 'fr-CA'): RosterEntry => ({ personId, serviceCode, jobCategoryCode, status, language });

const NOW = new Date('2026-12-07T15:00:00Z'); // a Monday

function world() {
  const store = new MemoryRequests();
  const roster = new MemoryRoster([
    entry(REQUESTER, 'RT', 'CONSEIL'),
    entry(MANAGER, 'RT', 'DIRECTION', 'active', 'en'),
    entry(MANAGER_2, 'RT', 'DIRECTION'),
    entry(DIRECTOR, 'DG', 'DIRECTION'),
    entry(LAWYER, 'RT', 'JURISTE'),
    entry(LEFT, 'RT', 'CONSEIL', 'left'),
  ]);
  const audit = new MemoryCollaborationAudit();
  const notifier = new RecordingNotifier();
  let clock = NOW;
  let n = 100;
  const deps: RequestDeps = { store, roster, services: SERVICES, rules: { managerCategories: ['DIRECTION'], directionCategories: ['DIRECTION'] }, audit, now: () => clock, newId: () => id(++n) };
  const notify = { store, roster, notifier, requestUrl: (rid: string) => `https://tab.example/collaboration.html?request=${rid}` };
  const calendar = loadHolidays();
  const deadlines = (now: Date) => requestDeadlines(now, calendar);
  return { store, roster, audit, notifier, deps, notify, deadlines, setNow: (d: Date) => (clock = d) };
}

const VALID = { name: 'Négociation 2027', purpose: 'Préparer la négociation', serviceCode: 'RT', memberIds: [LAWYER], endDate: '2027-06-30' };
const staff = (oid: string, roles: string[] = ['Staff']) => ({ oid, roles, kind: 'user' as const });

describe('submitting a project space request', () => {
  it('records a pending request whose approvers are the service managers, and audits it by id', async () => {
    const w = world();
    const outcome = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, VALID, w.deadlines);
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.request).toMatchObject({ status: 'pending', requesterId: REQUESTER, approverIds: [MANAGER, MANAGER_2], escalatedTo: null, memberIds: [LAWYER], decision: null });
    expect(w.audit.records).toEqual([{ action: 'request-submitted', target: { requestId: outcome.request.id, count: 2 } }]);
    expect(JSON.stringify(w.audit.records)).not.toContain('Négociation');
  });

  it('falls back to the direction when the service has no manager', async () => {
    const w = world();
    const outcome = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, { ...VALID, serviceCode: 'COM' }, w.deadlines);
    expect(outcome.kind === 'ok' && outcome.request.approverIds).toEqual([MANAGER, MANAGER_2, DIRECTOR]);
  });

  it('names every invalid field in French and English', async () => {
    const w = world();
    const outcome = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, { name: 'a/b', purpose: 'x'.repeat(501), serviceCode: 'RT', memberIds: ['nope'], endDate: '2027-02-30' }, w.deadlines);
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind !== 'invalid') return;
    expect(outcome.problems.map((p) => p.field)).toEqual(['name', 'purpose', 'memberIds', 'endDate']);
    const name = outcome.problems[0]!;
    expect(name.label).toEqual({ 'fr-CA': 'Nom du projet', en: 'Project name' });
    expect(name.messages['fr-CA']).toMatch(/De 3 à 80 caractères/);
    expect(name.messages.en).toMatch(/3 to 80 characters/);
    expect(await w.store.byRequester(REQUESTER)).toEqual([]);
  });

  it('refuses an unknown service, members who are not active staff, and end dates past or beyond 3 years', async () => {
    const w = world();
    const fields = async (input: object) => {
      const o = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, { ...VALID, ...input }, w.deadlines);
      return o.kind === 'invalid' ? o.problems.map((p) => `${p.field}:${p.messages.en}`) : [];
    };
    expect(await fields({ serviceCode: 'XYZ' })).toEqual(['serviceCode:This service is not in the people catalogue.']);
    expect(await fields({ memberIds: [LEFT] })).toEqual(['memberIds:A chosen person is not active staff.']);
    expect(await fields({ memberIds: [STRANGER] })).toEqual(['memberIds:A chosen person is not active staff.']);
    expect(await fields({ endDate: '2026-12-07' })).toEqual(['endDate:The end date must be in the future.']);
    expect(await fields({ endDate: '2030-01-15' })).toEqual(['endDate:The end date must be within 3 years.']);
    expect(await fields({ endDate: '2029-12-01' })).toEqual([]);
    expect(await fields({ name: '  ab ' })).toEqual([`name:3 to 80 characters, without " * : < > ? / \\ | # % { } ~ &, and no leading or trailing space or dot.`]);
  });
});

describe('deciding', () => {
  async function pending() {
    const w = world();
    const o = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, VALID, w.deadlines);
    if (o.kind !== 'ok') throw new Error('not submitted');
    return { ...w, request: o.request };
  }

  it('lets an approver approve; a second decision is refused as already decided (409)', async () => {
    const w = await pending();
    const ok = await decideRequest(w.deps, staff(MANAGER), w.request.id, { decision: 'approve' });
    expect(ok.kind).toBe('ok');
    expect(ok.kind === 'ok' && ok.request).toMatchObject({ status: 'approved', decision: { outcome: 'approve', by: MANAGER, reason: null } });
    expect(await decideRequest(w.deps, staff(MANAGER_2), w.request.id, { decision: 'refuse', reason: 'Trop tard' })).toEqual({ kind: 'already-decided', status: 'approved' });
    expect(await decideRequest(w.deps, staff(MANAGER), w.request.id, { decision: 'approve' })).toEqual({ kind: 'already-decided', status: 'approved' });
    expect(w.audit.records.map((r) => r.action)).toEqual(['request-submitted', 'request-approved']);
  });

  it('only approvers decide: the requester, other staff and the direction before escalation may not', async () => {
    const w = await pending();
    expect((await decideRequest(w.deps, staff(REQUESTER), w.request.id, { decision: 'approve' })).kind).toBe('forbidden');
    // Someone with nothing to do with it is told it does not exist.
    expect((await decideRequest(w.deps, staff(LAWYER), w.request.id, { decision: 'approve' })).kind).toBe('not-found');
    expect((await decideRequest(w.deps, staff(DIRECTOR), w.request.id, { decision: 'approve' })).kind).toBe('not-found');
    expect((await decideRequest(w.deps, staff(MANAGER), id(999), { decision: 'approve' })).kind).toBe('not-found');
    expect((await readRequest(w.store, staff(LAWYER), w.request.id)).kind).toBe('not-found');
    expect((await readRequest(w.store, staff(REQUESTER), w.request.id)).kind).toBe('ok');
    expect(w.audit.records.filter((r) => r.action === 'request-approved')).toHaveLength(3);
    expect((await w.store.get(w.request.id))!.request.status).toBe('pending');
  });

  it('lets the direction decide once escalated, and IT administration at any time', async () => {
    const w = await pending();
    w.setNow(new Date('2026-12-14T15:00:00Z'));
    expect(await escalateRequest(w.deps, w.request.id)).toEqual({ status: 'pending', escalatedTo: [DIRECTOR, MANAGER, MANAGER_2].sort() });
    expect((await listRequests(w.store, staff(DIRECTOR))).toDecide.map((r) => r.id)).toEqual([w.request.id]);
    const refused = await decideRequest(w.deps, staff(DIRECTOR), w.request.id, { decision: 'refuse', reason: 'Utilisez l’espace du service' });
    expect(refused.kind === 'ok' && refused.request.decision).toMatchObject({ outcome: 'refuse', by: DIRECTOR, reason: 'Utilisez l’espace du service' });

    const w2 = await pending();
    expect((await decideRequest(w2.deps, staff(STRANGER, ['Staff', 'ITAdmin']), w2.request.id, { decision: 'approve' })).kind).toBe('ok');
  });

  it('needs a reason to refuse, named in both languages', async () => {
    const w = await pending();
    const outcome = await decideRequest(w.deps, staff(MANAGER), w.request.id, { decision: 'refuse', reason: ' ' });
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind !== 'invalid') return;
    expect(outcome.problems[0]).toMatchObject({ field: 'reason', label: { 'fr-CA': 'Motif', en: 'Reason' } });
    expect(outcome.problems[0]!.messages['fr-CA']).toMatch(/motif est obligatoire/);
    const bad = await decideRequest(w.deps, staff(MANAGER), w.request.id, { decision: 'maybe' });
    expect(bad.kind === 'invalid' && bad.problems.map((p) => p.field)).toEqual(['decision']);
  });

  it('a decision racing another (changed meanwhile) is read again and refused as already decided', async () => {
    const w = await pending();
    w.store.beforeReplace = () => w.store.tamper(w.request.id, (r) => ({ ...r, status: 'refused', decision: { outcome: 'refuse', by: MANAGER_2, at: NOW.toISOString(), reason: 'Non' } }));
    expect(await decideRequest(w.deps, staff(MANAGER), w.request.id, { decision: 'approve' })).toEqual({ kind: 'already-decided', status: 'refused' });
  });

  it('lists one’s own requests and those one must decide', async () => {
    const w = await pending();
    expect((await listRequests(w.store, staff(REQUESTER))).mine.map((r) => r.id)).toEqual([w.request.id]);
    expect((await listRequests(w.store, staff(REQUESTER))).toDecide).toEqual([]);
    expect((await listRequests(w.store, staff(MANAGER))).toDecide.map((r) => r.id)).toEqual([w.request.id]);
    await decideRequest(w.deps, staff(MANAGER), w.request.id, { decision: 'approve' });
    expect((await listRequests(w.store, staff(MANAGER))).toDecide).toEqual([]);
  });
});

describe('expiry, provisioning and the planner', () => {
  it('expires a pending request, but a decision recorded first wins', async () => {
    const w = world();
    const a = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, VALID, w.deadlines);
    const b = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, { ...VALID, name: 'Projet B' }, w.deadlines);
    if (a.kind !== 'ok' || b.kind !== 'ok') throw new Error('not submitted');
    expect(await expireRequest(w.deps, a.request.id)).toEqual({ expired: true, status: 'expired' });
    expect(await expireRequest(w.deps, a.request.id)).toEqual({ expired: false, status: 'expired' });
    expect((await decideRequest(w.deps, staff(MANAGER), a.request.id, { decision: 'approve' })).kind).toBe('already-decided');
    await decideRequest(w.deps, staff(MANAGER), b.request.id, { decision: 'approve' });
    expect(await expireRequest(w.deps, b.request.id)).toEqual({ expired: false, status: 'approved' });
    expect(w.audit.records.filter((r) => r.action === 'request-expired')).toEqual([{ action: 'request-expired', target: { requestId: a.request.id } }]);

    expect(await approvedProjects(w.store)).toEqual([{ id: b.request.id, name: 'Projet B', serviceCode: 'RT', ownerIds: [REQUESTER], memberIds: [LAWYER] }]);
    expect(await markProvisioned(w.deps, b.request.id, 'https://teams.example/space')).toBe('provisioned');
    expect(await markProvisioned(w.deps, a.request.id, null)).toBe('expired');
    expect((await approvedProjects(w.store)).map((p) => p.id)).toEqual([b.request.id]);
  });

  it('computes the deadlines in Québec business days (a holiday and weekends skipped), scaled for tests', () => {
    const calendar = new BusinessCalendar(['2026-12-25', '2026-12-28']);
    const friday = new Date('2026-12-18T15:00:00Z');
    // +2 business days: Tue 22; +5: Fri 25 is a holiday, Mon 28 too → Tue 29; +10: Jan 5.
    expect(requestDeadlines(friday, calendar)).toEqual({ reminderAt: '2026-12-22T15:00:00.000Z', escalationAt: '2026-12-29T15:00:00.000Z', expiryAt: '2027-01-05T15:00:00.000Z' });
    const scaled = requestDeadlines(friday, calendar, 1 / 86_400);
    // One calendar day becomes one second.
    expect(scaled.reminderAt).toBe('2026-12-18T15:00:04.000Z');
    expect(scaled.escalationAt).toBe('2026-12-18T15:00:11.000Z');
  });
});

describe('notices', () => {
  it('tells approvers in their language, with the request page, and skips settled requests', async () => {
    const w = world();
    const o = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, VALID, w.deadlines);
    if (o.kind !== 'ok') throw new Error('not submitted');
    expect(await notifyRequest(w.notify, o.request.id, 'to-decide')).toEqual({ sent: 2, failed: 0, skipped: false });
    const [toManager, toManager2] = w.notifier.sent;
    expect(toManager).toMatchObject({ recipientId: MANAGER, activityType: 'collaborationRequest', subject: 'Project space request to approve: Négociation 2027', url: `https://tab.example/collaboration.html?request=${o.request.id}` });
    expect(toManager2!.subject).toBe('Demande d’espace de projet à approuver : Négociation 2027');
    expect(toManager2!.templateParameters).toEqual({ name: 'Négociation 2027', status: 'à approuver' });

    await decideRequest(w.deps, staff(MANAGER), o.request.id, { decision: 'refuse', reason: 'Le service a déjà un espace <pour ça>' });
    expect(await notifyRequest(w.notify, o.request.id, 'reminder')).toEqual({ sent: 0, failed: 0, skipped: true });
    await notifyRequest(w.notify, o.request.id, 'refused');
    const refusal = w.notifier.sent.at(-1)!;
    expect(refusal.recipientId).toBe(REQUESTER);
    expect(refusal.preview).toContain('Motif : Le service a déjà un espace <pour ça>');
    expect(refusal.bodyHtml).toContain('&lt;pour ça&gt;');
  });

  it('counts a failed delivery without stopping the others', async () => {
    const w = world();
    const o = await submitRequest(w.deps, { oid: REQUESTER, kind: 'user' }, VALID, w.deadlines);
    if (o.kind !== 'ok') throw new Error('not submitted');
    w.notifier.failing.add(MANAGER);
    expect(await notifyRequest(w.notify, o.request.id, 'reminder')).toEqual({ sent: 1, failed: 1, skipped: false });
  });
});
