import { app } from '@azure/functions';
import { z } from 'zod';
import { requestDeadlinesNow, requestDeps } from '../../shared/collaboration/adapters/request-services';
import type { ServiceInfo } from '../../shared/collaboration/plan';
import type { ProjectRequest } from '../../shared/collaboration/request-ports';
import { decideRequest, listRequests, mayDecide, readRequest, submitRequest, type RequestProblem } from '../../shared/collaboration/requests';
import { peopleCatalogue, peopleNames } from '../../shared/people/adapters/people-services';
import { ApiError, type ApiErrorBody } from '../../shared/platform/api-error';
import type { Principal } from '../../shared/platform/auth';
import { translate, type Language } from '../../shared/platform/i18n';
import { APP_ROLES } from '../../shared/platform/roles';
import { requestInstanceId } from '../../orchestrations/collaboration-request';
import { raiseRequestDecision, requestClientInput, startRequestOrchestration } from '../../orchestrations/collaboration-request/client';
import { endpoint } from '../http/endpoint';

/**
 * Project space requests (shared/collaboration/requests.ts): any staff member asks for a project
 * space; the service's managers (the direction after 5 business days, IT administration at any
 * time) approve or refuse; a durable orchestration (orchestrations/collaboration-request) reminds,
 * escalates, expires and provisions.
 *   POST /api/collaboration/requests                  submit (201; the orchestration starts)
 *   GET  /api/collaboration/requests                  mine, and those I must decide
 *   GET  /api/collaboration/requests/{id}             one (its requester and deciders only)
 *   POST /api/collaboration/requests/{id}/decision    { decision: approve | refuse, reason }
 *   GET  /api/collaboration/request-form              services and active staff for the form's pickers
 * Ids only in logs and addresses; names go out in bodies to those allowed to see the request.
 */
const EVERYONE = APP_ROLES;

const services = (): ServiceInfo[] => peopleCatalogue().services;
const deps = () => requestDeps(services());
const who = (p: Principal) => ({ oid: p.oid, roles: p.roles, kind: p.kind });

/** A 400 naming each field in the caller's language, and in both in `messages` and `details`. */
class RequestInvalid extends ApiError {
  constructor(private readonly problems: RequestProblem[]) {
    super(
      400,
      'validation_failed',
      'collaboration.requestInvalid',
      {},
      problems.map((p) => ({ field: `body.${p.field}`, code: p.code, label: p.label, messages: p.messages })),
    );
  }

  override toBody(language: Language): ApiErrorBody {
    const message = (l: Language) => translate(l, 'collaboration.requestInvalid', { fields: this.problems.map((p) => p.label[l]).join(', ') });
    const details = this.problems.map((p) => ({ field: `body.${p.field}`, code: p.code, label: p.label, message: p.messages[language], messages: p.messages }));
    return { error: { code: this.code, message: message(language), messages: { 'fr-CA': message('fr-CA'), en: message('en') }, details } };
  }
}

const notFound = () => new ApiError(404, 'not-found', 'collaboration.requestNotFound');

/** A request as the page shows it: names and service names beside the ids. */
async function views(requests: ProjectRequest[], viewer: { oid: string; roles: readonly string[] }) {
  const ids = new Set<string>();
  for (const r of requests) for (const id of [r.requesterId, ...r.memberIds, ...(r.decision ? [r.decision.by] : [])]) ids.add(id);
  const names = ids.size ? await peopleNames().namesOf([...ids]) : new Map<string, string>();
  const person = (id: string) => ({ id, displayName: names.get(id) ?? null });
  const serviceNames = new Map(services().map((s) => [s.code, s.names]));
  return requests.map((r) => ({
    id: r.id,
    name: r.name,
    purpose: r.purpose,
    service: { code: r.serviceCode, names: serviceNames.get(r.serviceCode) ?? null },
    requester: person(r.requesterId),
    members: r.memberIds.map(person),
    endDate: r.endDate,
    status: r.status,
    escalated: r.escalatedTo !== null,
    decision: r.decision ? { outcome: r.decision.outcome, by: person(r.decision.by), at: r.decision.at, reason: r.decision.reason } : null,
    canDecide: r.status === 'pending' && mayDecide(r, viewer),
    spaceUrl: r.spaceUrl,
    deadlines: r.deadlines,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }));
}

const requestParams = z.object({ id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a request id') });

export const collaborationRequestSubmit = endpoint({
  roles: EVERYONE,
  body: z.record(z.string(), z.unknown()),
  async handle({ principal, body, context, log }) {
    const outcome = await submitRequest(deps(), { oid: principal.oid, kind: principal.kind }, body, requestDeadlinesNow());
    if (outcome.kind === 'invalid') throw new RequestInvalid(outcome.problems);
    const { request } = outcome;
    await startRequestOrchestration(context, { requestId: request.id, ...request.deadlines });
    log.info('collaboration.request.submitted', { requestId: request.id, instanceId: requestInstanceId(request.id), approvers: request.approverIds.length });
    const [view] = await views([request], principal);
    return { status: 201, headers: { location: `/api/collaboration/requests/${request.id}` }, body: view };
  },
});

export const collaborationRequestList = endpoint({
  roles: EVERYONE,
  async handle({ principal }) {
    const { mine, toDecide } = await listRequests(deps().store, principal);
    return { body: { mine: await views(mine, principal), toDecide: await views(toDecide, principal) } };
  },
});

export const collaborationRequestGet = endpoint({
  roles: EVERYONE,
  params: requestParams,
  async handle({ principal, params }) {
    const outcome = await readRequest(deps().store, principal, params.id.toLowerCase());
    if (outcome.kind !== 'ok') throw notFound();
    const [view] = await views([outcome.request], principal);
    return { body: view };
  },
});

export const collaborationRequestDecide = endpoint({
  roles: EVERYONE,
  params: requestParams,
  body: z.record(z.string(), z.unknown()),
  async handle({ principal, params, body, context, log }) {
    const requestId = params.id.toLowerCase();
    const outcome = await decideRequest(deps(), who(principal), requestId, body);
    if (outcome.kind === 'not-found') throw notFound();
    if (outcome.kind === 'forbidden') throw new ApiError(403, 'not-approver', 'collaboration.notApprover');
    if (outcome.kind === 'already-decided') throw new ApiError(409, 'already-decided', 'collaboration.alreadyDecided', {}, { status: outcome.status });
    if (outcome.kind === 'invalid') throw new RequestInvalid(outcome.problems);
    const decision = outcome.request.decision!;
    try {
      await raiseRequestDecision(context, requestId, { outcome: decision.outcome, by: decision.by });
    } catch (error) {
      // Recorded all the same: the orchestration finds the decision at its next deadline.
      log.warn('collaboration.request.raise.failed', { requestId, error });
    }
    log.info('collaboration.request.decided', { requestId, outcome: decision.outcome, by: principal.oid });
    const [view] = await views([outcome.request], principal);
    return { body: view };
  },
});

export const collaborationRequestForm = endpoint({
  roles: EVERYONE,
  async handle() {
    // Who may be a member: active staff on collaboration's roster, named by the people capability.
    const active = (await deps().roster.all()).filter((p) => p.status === 'active');
    const names = active.length ? await peopleNames().namesOf(active.map((p) => p.personId)) : new Map<string, string>();
    const staff = active.flatMap((p) => {
      const displayName = names.get(p.personId);
      return displayName ? [{ id: p.personId, displayName, serviceCode: p.serviceCode }] : [];
    });
    return {
      body: {
        services: services().map((s) => ({ code: s.code, names: s.names })),
        // Names and services only (what Teams shows anyone in the organisation); no address, no job.
        staff: staff.sort((a, b) => a.displayName.localeCompare(b.displayName, 'fr-CA')),
      },
    };
  },
});

const http = (name: string, methods: Array<'GET' | 'POST'>, route: string, handler: ReturnType<typeof endpoint>, durable = false) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler, extraInputs: durable ? [requestClientInput] : [] });
http('collaborationRequestSubmit', ['POST'], 'api/collaboration/requests', collaborationRequestSubmit, true);
http('collaborationRequestList', ['GET'], 'api/collaboration/requests', collaborationRequestList);
http('collaborationRequestGet', ['GET'], 'api/collaboration/requests/{id}', collaborationRequestGet);
http('collaborationRequestDecide', ['POST'], 'api/collaboration/requests/{id}/decision', collaborationRequestDecide, true);
http('collaborationRequestForm', ['GET'], 'api/collaboration/request-form', collaborationRequestForm);
