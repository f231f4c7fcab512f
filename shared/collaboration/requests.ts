import { z } from 'zod';
import type { Actor } from '../platform/audit';
import { addCalendarDays, type BusinessCalendar } from '../platform/business-calendar';
import type { ProjectSpaceInfo, RosterEntry, ServiceInfo } from './plan';
import type { RosterStore } from './ports';
import {
  RequestConflict,
  type ProjectRequest,
  type RequestAudit,
  type RequestDeadlines,
  type RequestLanguage,
  type RequestNotification,
  type RequestNotifier,
  type RequestStore,
} from './request-ports';

/**
 * Project space requests: staff ask for a project space (a Team from the template's project kind),
 * the service's managers approve or refuse in Teams, the direction steps in when it waits too long,
 * and an unanswered request expires. The durable orchestration (orchestrations/collaboration-request)
 * waits and calls these use cases through its activities; the HTTP endpoints submit and decide.
 * Outcomes, never HTTP errors: functions/collaboration/requests.ts maps them to status codes.
 */

export { REQUEST_STATUSES, type ProjectRequest, type RequestStatus } from './request-ports';

/** When the orchestration acts, in business days after submission. */
export const REQUEST_BUSINESS_DAYS = { reminder: 2, escalation: 5, expiry: 10 } as const;
/** How far ahead a project may end. */
export const MAX_PROJECT_YEARS = 3;

const PERSON_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// What Teams and SharePoint refuse or mangle in a team's name (it also names the site and its folder).
const TEAMS_NAME_FORBIDDEN = /["*:<>?/\\|#%{}~&]/;

export function isValidTeamsName(name: string): boolean {
  const control = [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  return !control && !TEAMS_NAME_FORBIDDEN.test(name) && !/^[\s.]|[\s.]$/.test(name) && !/^_/.test(name);
}

/** Field labels and problems in both languages: the page and the API show them as they are. */
type Bilingual = Record<RequestLanguage, string>;
const FIELDS = {
  name: { 'fr-CA': 'Nom du projet', en: 'Project name' },
  purpose: { 'fr-CA': 'Objet', en: 'Purpose' },
  serviceCode: { 'fr-CA': 'Service', en: 'Service' },
  memberIds: { 'fr-CA': 'Membres', en: 'Members' },
  endDate: { 'fr-CA': 'Date de fin', en: 'End date' },
  decision: { 'fr-CA': 'Décision', en: 'Decision' },
  reason: { 'fr-CA': 'Motif', en: 'Reason' },
} as const satisfies Record<string, Bilingual>;
export type RequestField = keyof typeof FIELDS;

const PROBLEMS = {
  name: { 'fr-CA': 'De 3 à 80 caractères, sans " * : < > ? / \\ | # % { } ~ &, ni espace ou point au début ou à la fin.', en: '3 to 80 characters, without " * : < > ? / \\ | # % { } ~ &, and no leading or trailing space or dot.' },
  purpose: { 'fr-CA': 'Au plus 500 caractères.', en: 'At most 500 characters.' },
  serviceCode: { 'fr-CA': 'Choisissez un service de la liste.', en: 'Choose a service from the list.' },
  serviceUnknown: { 'fr-CA': 'Ce service n’existe pas dans le catalogue du personnel.', en: 'This service is not in the people catalogue.' },
  memberIds: { 'fr-CA': 'Au plus 100 membres, choisis dans la liste du personnel.', en: 'At most 100 members, chosen from the staff list.' },
  memberUnknown: { 'fr-CA': 'Une personne choisie ne fait pas partie du personnel actif.', en: 'A chosen person is not active staff.' },
  endDate: { 'fr-CA': 'Une date au format AAAA-MM-JJ.', en: 'A date in the YYYY-MM-DD format.' },
  endDatePast: { 'fr-CA': 'La date de fin doit être dans le futur.', en: 'The end date must be in the future.' },
  endDateFar: { 'fr-CA': `La date de fin doit être dans moins de ${MAX_PROJECT_YEARS} ans.`, en: `The end date must be within ${MAX_PROJECT_YEARS} years.` },
  decision: { 'fr-CA': 'Choisissez « approve » ou « refuse ».', en: 'Choose "approve" or "refuse".' },
  reasonRequired: { 'fr-CA': 'Le motif est obligatoire pour refuser (3 à 500 caractères).', en: 'A reason is required to refuse (3 to 500 characters).' },
  reason: { 'fr-CA': 'Au plus 500 caractères.', en: 'At most 500 characters.' },
} as const satisfies Record<string, Bilingual>;

/** One invalid field, named and explained in French and English. */
export interface RequestProblem {
  field: RequestField;
  code: string;
  label: Bilingual;
  messages: Bilingual;
}

const problem = (field: RequestField, code: keyof typeof PROBLEMS): RequestProblem => ({ field, code, label: FIELDS[field], messages: PROBLEMS[code] });

const Day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);

export const RequestInput = z.object({
  name: z.string().trim().min(3).max(80).refine(isValidTeamsName),
  purpose: z.string().trim().max(500).default(''),
  serviceCode: z.string().trim().min(1).max(32),
  memberIds: z.array(z.string().regex(PERSON_ID)).max(100).default([]),
  endDate: Day.refine((d) => new Date(`${d}T12:00:00Z`).toISOString().slice(0, 10) === d),
});
export type RequestInput = z.infer<typeof RequestInput>;

export const DecisionInput = z.object({
  decision: z.enum(['approve', 'refuse']),
  reason: z.string().trim().max(500).optional(),
});
export type DecisionInput = z.infer<typeof DecisionInput>;

function shapeProblems(error: z.ZodError, codes: Partial<Record<RequestField, keyof typeof PROBLEMS>>): RequestProblem[] {
  const seen = new Set<string>();
  const out: RequestProblem[] = [];
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '') as RequestField;
    if (!(field in FIELDS) || seen.has(field)) continue;
    seen.add(field);
    out.push(problem(field, codes[field] ?? (field as keyof typeof PROBLEMS)));
  }
  if (out.length === 0) out.push(problem('name', 'name'));
  return out;
}

/** Who answers for a service, by the template's job categories (`managers`, `direction`). */
export interface ApproverRules {
  managerCategories: string[];
  directionCategories: string[];
}

export interface RequestDeps {
  store: RequestStore;
  roster: Pick<RosterStore, 'all' | 'get'>;
  /** The people catalogue's services (codes and names). */
  services: ServiceInfo[];
  rules: ApproverRules;
  audit: RequestAudit;
  now(): Date;
  newId(): string;
}

export interface NotifyDeps {
  store: RequestStore;
  roster: Pick<RosterStore, 'get'>;
  notifier: RequestNotifier;
  /** The request page for a request (a Teams deep link in Azure). */
  requestUrl(requestId: string): string;
}

const present = (p: RosterEntry) => p.status !== 'left';

/** The service's managers (present, not the requester); when none, the direction. */
export function approversFor(roster: RosterEntry[], serviceCode: string, requesterId: string, rules: ApproverRules): string[] {
  const managers = roster.filter((p) => present(p) && p.personId !== requesterId && p.serviceCode === serviceCode && p.jobCategoryCode !== null && rules.managerCategories.includes(p.jobCategoryCode));
  if (managers.length > 0) return managers.map((p) => p.personId).sort();
  return directionOf(roster, requesterId, rules);
}

export function directionOf(roster: RosterEntry[], requesterId: string, rules: ApproverRules): string[] {
  return roster.filter((p) => present(p) && p.personId !== requesterId && p.jobCategoryCode !== null && rules.directionCategories.includes(p.jobCategoryCode)).map((p) => p.personId).sort();
}

/**
 * The instants the orchestration acts at: 2, 5 and 10 business days after `now` (same time of day,
 * Québec calendar), each distance multiplied by `timeScale` (1 in production; tests shrink days to
 * seconds). Computed once by the starter: the orchestrator only reads them.
 */
export function requestDeadlines(now: Date, calendar: BusinessCalendar, timeScale = 1, timeZone = 'America/Toronto'): RequestDeadlines {
  const today = localDay(now, timeZone);
  const at = (businessDays: number) => {
    const target = calendar.addBusinessDays(today, businessDays);
    const days = Math.round((Date.parse(`${target}T12:00:00Z`) - Date.parse(`${today}T12:00:00Z`)) / 86_400_000);
    return new Date(now.getTime() + days * 86_400_000 * timeScale).toISOString();
  };
  return { reminderAt: at(REQUEST_BUSINESS_DAYS.reminder), escalationAt: at(REQUEST_BUSINESS_DAYS.escalation), expiryAt: at(REQUEST_BUSINESS_DAYS.expiry) };
}

function localDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export type SubmitOutcome = { kind: 'ok'; request: ProjectRequest } | { kind: 'invalid'; problems: RequestProblem[] };

/**
 * Checks a request (shape, service, members, end date) and records it as pending with its approvers.
 * The caller then starts the orchestration with the deadlines kept in the request.
 */
export async function submitRequest(deps: RequestDeps, actor: Actor, raw: unknown, deadlines: (now: Date) => RequestDeadlines): Promise<SubmitOutcome> {
  const parsed = RequestInput.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', problems: shapeProblems(parsed.error, {}) };
  const input = parsed.data;
  const now = deps.now();
  const problems: RequestProblem[] = [];
  if (!deps.services.some((s) => s.code === input.serviceCode)) problems.push(problem('serviceCode', 'serviceUnknown'));
  const today = now.toISOString().slice(0, 10);
  if (input.endDate <= today) problems.push(problem('endDate', 'endDatePast'));
  else if (input.endDate > addCalendarDays(today, 365 * MAX_PROJECT_YEARS + 1)) problems.push(problem('endDate', 'endDateFar'));
  const roster = await deps.roster.all();
  const active = new Set(roster.filter((p) => p.status === 'active').map((p) => p.personId));
  const memberIds = [...new Set(input.memberIds.map((id) => id.toLowerCase()))].filter((id) => id !== actor.oid);
  if (memberIds.some((id) => !active.has(id))) problems.push(problem('memberIds', 'memberUnknown'));
  if (problems.length > 0) return { kind: 'invalid', problems };

  const at = now.toISOString();
  const request: ProjectRequest = {
    id: deps.newId(),
    requesterId: actor.oid,
    name: input.name,
    purpose: input.purpose,
    serviceCode: input.serviceCode,
    memberIds,
    endDate: input.endDate,
    status: 'pending',
    approverIds: approversFor(roster, input.serviceCode, actor.oid, deps.rules),
    escalatedTo: null,
    decision: null,
    deadlines: deadlines(now),
    spaceUrl: null,
    createdAt: at,
    updatedAt: at,
    escalatedAt: null,
    expiredAt: null,
    provisionedAt: null,
  };
  await deps.store.save(request);
  await deps.audit.record(actor, 'request-submitted', { requestId: request.id, count: request.approverIds.length });
  return { kind: 'ok', request };
}

export interface Decider {
  oid: string;
  roles: readonly string[];
}

/** Who may decide: an approver, the direction once escalated, or IT administration. */
export function mayDecide(request: ProjectRequest, who: Decider): boolean {
  if (who.roles.includes('ITAdmin')) return true;
  if (who.oid === request.requesterId) return false;
  return request.approverIds.includes(who.oid) || (request.escalatedTo ?? []).includes(who.oid);
}

/** Who may read a request: its requester, whoever may decide it, IT administration. */
export function mayRead(request: ProjectRequest, who: Decider): boolean {
  return who.oid === request.requesterId || request.approverIds.includes(who.oid) || (request.escalatedTo ?? []).includes(who.oid) || who.roles.includes('ITAdmin');
}

export type DecideOutcome =
  | { kind: 'ok'; request: ProjectRequest }
  | { kind: 'not-found' }
  | { kind: 'forbidden' }
  | { kind: 'already-decided'; status: ProjectRequest['status'] }
  | { kind: 'invalid'; problems: RequestProblem[] };

/** Approves or refuses a pending request (a refusal needs a reason); a second decision is refused. */
export async function decideRequest(deps: Pick<RequestDeps, 'store' | 'audit' | 'now'>, who: Decider & { kind: Actor['kind'] }, requestId: string, raw: unknown): Promise<DecideOutcome> {
  const parsed = DecisionInput.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', problems: shapeProblems(parsed.error, { decision: 'decision', reason: 'reason' }) };
  const input = parsed.data;
  const reason = input.reason ? input.reason : null;
  const actor: Actor = { oid: who.oid, kind: who.kind };
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await deps.store.get(requestId);
    if (!stored || !mayRead(stored.request, who)) {
      if (stored) await deps.audit.record(actor, input.decision === 'approve' ? 'request-approved' : 'request-refused', { requestId }, 'denied');
      return { kind: 'not-found' };
    }
    const request = stored.request;
    if (!mayDecide(request, who)) {
      await deps.audit.record(actor, input.decision === 'approve' ? 'request-approved' : 'request-refused', { requestId }, 'denied');
      return { kind: 'forbidden' };
    }
    if (request.status !== 'pending') return { kind: 'already-decided', status: request.status };
    if (input.decision === 'refuse' && (reason === null || reason.length < 3)) return { kind: 'invalid', problems: [problem('reason', 'reasonRequired')] };
    const at = deps.now().toISOString();
    const decided: ProjectRequest = { ...request, status: input.decision === 'approve' ? 'approved' : 'refused', decision: { outcome: input.decision, by: who.oid, at, reason }, updatedAt: at };
    try {
      await deps.store.save(decided, stored.etag);
    } catch (e) {
      if (e instanceof RequestConflict) continue; // decided (or escalated) meanwhile: look again
      throw e;
    }
    await deps.audit.record(actor, input.decision === 'approve' ? 'request-approved' : 'request-refused', { requestId });
    return { kind: 'ok', request: decided };
  }
  const last = await deps.store.get(requestId);
  return { kind: 'already-decided', status: last?.request.status ?? 'pending' };
}

export type ReadOutcome = { kind: 'ok'; request: ProjectRequest } | { kind: 'not-found' };

/** One request, for who may read it (others are told it does not exist). */
export async function readRequest(store: RequestStore, who: Decider, requestId: string): Promise<ReadOutcome> {
  const stored = await store.get(requestId);
  if (!stored || !mayRead(stored.request, who)) return { kind: 'not-found' };
  return { kind: 'ok', request: stored.request };
}

/** One's own requests and the pending ones one may decide (IT administration sees every pending one it is named on). */
export async function listRequests(store: RequestStore, who: Decider): Promise<{ mine: ProjectRequest[]; toDecide: ProjectRequest[] }> {
  const [mine, pending] = await Promise.all([store.byRequester(who.oid), store.pendingFor(who.oid)]);
  const newest = (a: ProjectRequest, b: ProjectRequest) => b.createdAt.localeCompare(a.createdAt);
  return { mine: mine.sort(newest), toDecide: pending.filter((r) => mayDecide(r, who)).sort(newest) };
}

/** Changes a request if `change` says so, with compare-and-swap; returns the request as it ends up. */
async function update(store: RequestStore, requestId: string, change: (r: ProjectRequest) => ProjectRequest | null): Promise<{ request: ProjectRequest; changed: boolean } | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await store.get(requestId);
    if (!stored) return undefined;
    const next = change(stored.request);
    if (!next) return { request: stored.request, changed: false };
    try {
      await store.save(next, stored.etag);
      return { request: next, changed: true };
    } catch (e) {
      if (!(e instanceof RequestConflict)) throw e;
    }
  }
  throw new RequestConflict(requestId);
}

/** Hands a pending request to the direction too (after 5 business days); says who they are. */
export async function escalateRequest(deps: Pick<RequestDeps, 'store' | 'roster' | 'rules' | 'audit' | 'now'>, requestId: string): Promise<{ status: ProjectRequest['status']; escalatedTo: string[] }> {
  const roster = await deps.roster.all();
  const result = await update(deps.store, requestId, (r) => {
    if (r.status !== 'pending' || r.escalatedTo !== null) return null;
    const at = deps.now().toISOString();
    return { ...r, escalatedTo: directionOf(roster, r.requesterId, deps.rules), escalatedAt: at, updatedAt: at };
  });
  if (!result) return { status: 'expired', escalatedTo: [] };
  if (result.changed) await deps.audit.record({ oid: 'system', kind: 'system' }, 'request-escalated', { requestId, count: result.request.escalatedTo!.length });
  return { status: result.request.status, escalatedTo: result.request.status === 'pending' ? (result.request.escalatedTo ?? []) : [] };
}

/** Expires a request still pending (after 10 business days). A decision recorded first wins. */
export async function expireRequest(deps: Pick<RequestDeps, 'store' | 'audit' | 'now'>, requestId: string): Promise<{ expired: boolean; status: ProjectRequest['status'] }> {
  const result = await update(deps.store, requestId, (r) => {
    if (r.status !== 'pending') return null;
    const at = deps.now().toISOString();
    return { ...r, status: 'expired', expiredAt: at, updatedAt: at };
  });
  if (!result) return { expired: false, status: 'expired' };
  if (result.changed) await deps.audit.record({ oid: 'system', kind: 'system' }, 'request-expired', { requestId });
  return { expired: result.changed, status: result.request.status };
}

/** Records the space made for an approved request. */
export async function markProvisioned(deps: Pick<RequestDeps, 'store' | 'now'>, requestId: string, spaceUrl: string | null): Promise<ProjectRequest['status']> {
  const result = await update(deps.store, requestId, (r) => {
    if (r.status !== 'approved') return null;
    const at = deps.now().toISOString();
    return { ...r, status: 'provisioned', spaceUrl, provisionedAt: at, updatedAt: at };
  });
  return result?.request.status ?? 'expired';
}

/** Approved requests as the planner's project spaces: the requester owns, the members are members. */
export async function approvedProjects(store: Pick<RequestStore, 'approved'>): Promise<ProjectSpaceInfo[]> {
  return (await store.approved())
    .filter((r) => r.status === 'approved' || r.status === 'provisioned')
    .map((r) => ({ id: r.id, name: r.name, serviceCode: r.serviceCode, ownerIds: [r.requesterId], memberIds: [...r.memberIds] }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

// --- Notifications -------------------------------------------------------------------------------

export const NOTICES = ['to-decide', 'reminder', 'escalated', 'approved', 'refused', 'expired', 'provisioned'] as const;
export type Notice = (typeof NOTICES)[number];

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const clip = (text: string, max = 150) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

const COPY: Record<RequestLanguage, { subject: Record<Notice, (name: string) => string>; status: Record<Notice, string>; body: Record<Notice, (name: string, reason: string | null) => string>; open: string; openSpace: string; footer: string }> = {
  'fr-CA': {
    subject: {
      'to-decide': (n) => `Demande d’espace de projet à approuver : ${n}`,
      reminder: (n) => `Rappel : demande d’espace de projet à approuver : ${n}`,
      escalated: (n) => `Demande d’espace de projet sans réponse : ${n}`,
      approved: (n) => `Demande d’espace de projet approuvée : ${n}`,
      refused: (n) => `Demande d’espace de projet refusée : ${n}`,
      expired: (n) => `Demande d’espace de projet expirée : ${n}`,
      provisioned: (n) => `Votre espace de projet est prêt : ${n}`,
    },
    status: { 'to-decide': 'à approuver', reminder: 'en attente de votre décision', escalated: 'sans réponse du service', approved: 'approuvée', refused: 'refusée', expired: 'expirée', provisioned: 'espace prêt' },
    body: {
      'to-decide': (n) => `Une demande d’espace de projet « ${n} » attend votre décision.`,
      reminder: (n) => `La demande d’espace de projet « ${n} » attend toujours votre décision.`,
      escalated: (n) => `La demande d’espace de projet « ${n} » est sans réponse du service depuis 5 jours ouvrables : la direction peut maintenant décider.`,
      approved: (n) => `Votre demande d’espace de projet « ${n} » est approuvée. L’espace est en cours de création.`,
      refused: (n, r) => `Votre demande d’espace de projet « ${n} » est refusée. Motif : ${r ?? '—'}`,
      expired: (n) => `Votre demande d’espace de projet « ${n} » a expiré sans décision après 10 jours ouvrables. Vous pouvez la soumettre de nouveau.`,
      provisioned: (n) => `Votre espace de projet « ${n} » est prêt.`,
    },
    open: 'Ouvrir la demande',
    openSpace: 'Ouvrir l’espace',
    footer: 'Message automatique des espaces collaboratifs. Ne pas répondre.',
  },
  en: {
    subject: {
      'to-decide': (n) => `Project space request to approve: ${n}`,
      reminder: (n) => `Reminder: project space request to approve: ${n}`,
      escalated: (n) => `Project space request without an answer: ${n}`,
      approved: (n) => `Project space request approved: ${n}`,
      refused: (n) => `Project space request refused: ${n}`,
      expired: (n) => `Project space request expired: ${n}`,
      provisioned: (n) => `Your project space is ready: ${n}`,
    },
    status: { 'to-decide': 'to approve', reminder: 'awaiting your decision', escalated: 'no answer from the service', approved: 'approved', refused: 'refused', expired: 'expired', provisioned: 'space ready' },
    body: {
      'to-decide': (n) => `A project space request "${n}" awaits your decision.`,
      reminder: (n) => `The project space request "${n}" still awaits your decision.`,
      escalated: (n) => `The project space request "${n}" has had no answer from the service for 5 business days: the direction may now decide.`,
      approved: (n) => `Your project space request "${n}" is approved. The space is being created.`,
      refused: (n, r) => `Your project space request "${n}" is refused. Reason: ${r ?? '—'}`,
      expired: (n) => `Your project space request "${n}" expired without a decision after 10 business days. You may submit it again.`,
      provisioned: (n) => `Your project space "${n}" is ready.`,
    },
    open: 'Open the request',
    openSpace: 'Open the space',
    footer: 'Automatic message from collaboration spaces. Do not reply.',
  },
};

/** The activity type the Teams app manifest declares for these notifications. */
export const REQUEST_ACTIVITY_TYPE = 'collaborationRequest';

export function renderNotice(notice: Notice, request: Pick<ProjectRequest, 'name' | 'decision' | 'spaceUrl'>, recipientId: string, language: RequestLanguage, url: string): RequestNotification {
  const copy = COPY[language];
  const sentence = copy.body[notice](request.name, request.decision?.reason ?? null);
  const space = notice === 'provisioned' && request.spaceUrl ? `<p><a href="${escapeHtml(request.spaceUrl)}">${escapeHtml(copy.openSpace)}</a></p>` : '';
  return {
    recipientId,
    activityType: REQUEST_ACTIVITY_TYPE,
    subject: copy.subject[notice](request.name),
    preview: clip(sentence),
    templateParameters: { name: clip(request.name, 80), status: copy.status[notice] },
    // The space itself once it is ready (when Graph gave its link); otherwise the request page.
    url: notice === 'provisioned' && request.spaceUrl ? request.spaceUrl : url,
    bodyHtml: `<p>${escapeHtml(sentence)}</p>${space}<p><a href="${escapeHtml(url)}">${escapeHtml(copy.open)}</a></p><p><small>${escapeHtml(copy.footer)}</small></p>`,
  };
}

/** Who a notice goes to. */
export function recipientsOf(notice: Notice, request: ProjectRequest): string[] {
  switch (notice) {
    case 'to-decide':
      return request.approverIds;
    case 'reminder':
      return [...new Set([...request.approverIds, ...(request.escalatedTo ?? [])])];
    case 'escalated':
      return (request.escalatedTo ?? []).filter((id) => !request.approverIds.includes(id));
    default:
      return [request.requesterId];
  }
}

export interface NotifySummary {
  sent: number;
  failed: number;
  /** Still pending for an approver's notice, else the request's status: no notice about a settled request goes out. */
  skipped: boolean;
}

/**
 * Sends a notice to its recipients, each in their language, through the activity feed (e-mail when
 * the app is not installed). A reminder or escalation about a request decided meanwhile is dropped.
 * The decisions are audited where they are made; the orchestration's history and the activity's log
 * (ids and counts) record the notices.
 */
export async function notifyRequest(deps: NotifyDeps, requestId: string, notice: Notice): Promise<NotifySummary> {
  const stored = await deps.store.get(requestId);
  if (!stored) return { sent: 0, failed: 0, skipped: true };
  const request = stored.request;
  const forApprovers = notice === 'to-decide' || notice === 'reminder' || notice === 'escalated';
  if (forApprovers && request.status !== 'pending') return { sent: 0, failed: 0, skipped: true };
  let sent = 0;
  let failed = 0;
  for (const recipientId of recipientsOf(notice, request)) {
    const language = (await deps.roster.get(recipientId))?.language ?? 'fr-CA';
    const outcome = await deps.notifier.send(renderNotice(notice, request, recipientId, language, deps.requestUrl(request.id)));
    if (!outcome.ok) {
      failed++;
      continue;
    }
    sent++;
  }
  return { sent, failed, skipped: false };
}
