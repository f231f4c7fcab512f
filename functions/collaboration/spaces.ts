import { app } from '@azure/functions';
import { z } from 'zod';
import {
  collaborationApplyStatus, collaborationClientInput, startCollaborationApply, startSpaceRun,
} from '../../orchestrations/collaboration-apply/client';
import { collaborationDeps as depsFor, collaborationFollowerDeps } from '../../shared/collaboration/adapters/collaboration-services';
import { currentPlan, templateGroupNames, type CollaborationDeps } from '../../shared/collaboration/engine';
import type { Operation } from '../../shared/collaboration/model';
import { followPeopleEvent } from '../../shared/collaboration/roster';
import { SPACE_STATUSES, type SpaceRecord } from '../../shared/collaboration/ports';
import { peopleCatalogue, peopleNames } from '../../shared/people/adapters/people-services';
import { PeopleEventSchema } from '../../shared/people/events';
import { ApiError } from '../../shared/platform/api-error';
import { hasAnyRole, type Principal } from '../../shared/platform/auth';
import { settings } from '../../shared/platform/settings';
import { endpoint } from '../http/endpoint';
import { onTimer, onTopic } from '../triggers';

/**
 * Collaboration spaces (docs/decisions/0011-collaboration.md): the people-stream subscription, the
 * daily drift pass, and what the Teams app reads and starts.
 *   GET  /api/collaboration/spaces                  my spaces (everyone); every space (ITAdmin)
 *   GET  /api/collaboration/spaces/{key}            one space; the changes and findings for ITAdmin
 *   GET  /api/collaboration/run                     where the app-wide run stands (ITAdmin)
 *   POST /api/collaboration/run                     plan (verify only), apply or repair every space or some (ITAdmin)
 *   POST /api/collaboration/spaces/{key}/approve    apply changes awaiting approval, by id (ITAdmin)
 *   GET  /api/collaboration/templates               the document templates placed in every space
 * Runs are durable orchestrations: a request only starts one (202) and the page follows its status.
 */

/** A run's own name for its children (the run's instance id is the same every time). */
const newRunId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
/** The union's services come from the people catalogue, handed over here (the composition root). */
const collaborationDeps = () => depsFor(peopleCatalogue().services);
const actorOf = (p: Principal) => ({ oid: p.oid, kind: p.kind });
const isItAdmin = (p: Principal) => hasAnyRole(p, ['ITAdmin']);

onTopic('collaborationPeople', {
  event: 'collaboration.people',
  topicName: '%PEOPLE_EVENTS_TOPIC%',
  subscriptionName: 'collaboration',
  sessions: true,
  schema: PeopleEventSchema,
  extraInputs: [collaborationClientInput],
  async handle(event, log, context) {
    const spaceKeys = await followPeopleEvent(event, collaborationFollowerDeps(peopleCatalogue().services));
    // One people run per space and event: it adds, removes or re-grants only what this change moved.
    for (const spaceKey of spaceKeys) {
      await startSpaceRun(context, { version: 1, spaceKey, mode: 'people', actor: { oid: 'system', kind: 'system' } }, `people-${event.id}`);
    }
    log.info('collaboration.people', { eventId: event.id, kind: event.kind, personId: event.personId, spaces: spaceKeys.length });
  },
});

onTimer('collaborationDrift', {
  event: 'collaboration.drift',
  schedule: '%COLLABORATION_DRIFT_SCHEDULE%',
  extraInputs: [collaborationClientInput],
  async handle(log, _timer, context) {
    // The daily pass: verify every space, repair what policy allows, ask for the rest.
    const run = await startCollaborationApply(context, { version: 1, mode: 'repair', spaceKeys: null, parallelism: settings().collaboration.parallelism, actor: { oid: 'system', kind: 'system' }, runId: newRunId() });
    log.info('collaboration.drift', { instanceId: run.instanceId, started: run.started });
  },
});

function summary(record: SpaceRecord, member: boolean) {
  const operations = record.drift.operations;
  return {
    key: record.key,
    kind: record.kind,
    serviceCode: record.serviceCode,
    displayName: record.displayName,
    status: record.status,
    statusReason: record.statusReason,
    progress: record.progress,
    templateVersion: record.templateVersion,
    lastAppliedAt: record.lastAppliedAt,
    lastVerifiedAt: record.lastVerifiedAt,
    changes: { total: operations.length, auto: operations.filter((o) => o.repair === 'auto').length, awaitingApproval: operations.filter((o) => o.repair === 'ask').length, ignored: operations.filter((o) => o.repair === 'ignore').length },
    findings: record.drift.findings.length,
    member,
  };
}

export const collaborationSpaces = endpoint({
  roles: [],
  async handle({ principal }) {
    const deps = collaborationDeps();
    const [plan, records] = await Promise.all([currentPlan(deps), deps.spaces.all()]);
    const byKey = new Map(records.map((r) => [r.key, r]));
    const mine = new Set(plan.spaces.filter((s) => s.members.includes(principal.oid)).map((s) => s.key));
    const admin = isItAdmin(principal);
    const spaces = plan.spaces
      .filter((s) => admin || mine.has(s.key))
      .map((s) => summary(byKey.get(s.key) ?? { ...emptyRecord(s.key, s.kind, s.serviceCode, s.displayName) }, mine.has(s.key)));
    return {
      body: {
        templateVersion: plan.templateVersion,
        spaces,
        // Problems name groups and template files, never people.
        problems: admin ? plan.problems : [],
      },
    };
  },
});

function emptyRecord(key: string, kind: SpaceRecord['kind'], serviceCode: string, displayName: string): SpaceRecord {
  return {
    key, kind, serviceCode, displayName, teamId: null, teamRequestedAt: null, driveId: null, nodes: {}, documents: {}, templateVersion: null,
    status: 'new', statusReason: null, progress: { done: 0, total: 0 }, lastAppliedAt: null, lastVerifiedAt: null, drift: { operations: [], findings: [] }, updatedAt: '',
  };
}

const keyParams = z.object({ key: z.string().regex(/^(service|project)-[a-z0-9-]{1,80}$/, 'expected a space key') });

/** An operation as the page shows it: people and groups by name (ITAdmin only sees this), nodes by key. */
async function describeOperations(deps: CollaborationDeps, operations: Operation[]) {
  const userIds = new Set<string>();
  let groups = false;
  for (const op of operations) {
    if ('userId' in op) userIds.add(op.userId);
    if ('principal' in op && op.principal.kind === 'user') userIds.add(op.principal.id);
    if ('principal' in op && op.principal.kind === 'group') groups = true;
  }
  const names = userIds.size > 0 ? await peopleNames().namesOf([...userIds]) : new Map<string, string>();
  // The groups the template names, by id (a group granted by someone else stays unnamed).
  const groupNames = groups ? new Map([...(await deps.directory.groupIds(templateGroupNames(deps.template)))].map(([name, id]) => [id, name])) : new Map<string, string>();
  return operations.map((op) => ({
    ...op,
    ...('userId' in op ? { userName: names.get(op.userId) ?? null } : {}),
    ...('principal' in op ? { principalName: (op.principal.kind === 'user' ? names : groupNames).get(op.principal.id) ?? null } : {}),
  }));
}

export const collaborationSpace = endpoint({
  roles: [],
  params: keyParams,
  async handle({ principal, params }) {
    const deps = collaborationDeps();
    const plan = await currentPlan(deps);
    const desired = plan.spaces.find((s) => s.key === params.key);
    const admin = isItAdmin(principal);
    const member = desired?.members.includes(principal.oid) ?? false;
    if (!desired || (!admin && !member)) throw new ApiError(404, 'space-not-found', 'collaboration.spaceNotFound');
    const record = (await deps.spaces.get(params.key))?.record ?? emptyRecord(desired.key, desired.kind, desired.serviceCode, desired.displayName);
    return {
      body: {
        ...summary(record, member),
        nodes: desired.nodes.map((n) => ({ key: n.key, names: n.names, code: n.code, channel: n.channel, retentionLabel: n.retentionLabel, repair: n.repair, documents: n.documents.map((d) => d.key) })),
        // The detailed report is IT's: it names people granted or removed.
        ...(admin ? { operations: await describeOperations(deps, record.drift.operations), findingsList: record.drift.findings } : {}),
      },
    };
  },
});

export const collaborationRunStatus = endpoint({
  roles: ['ITAdmin'],
  async handle({ context }) {
    return { body: { run: await collaborationApplyStatus(context) } };
  },
});

const runBody = z.object({
  mode: z.enum(['verify', 'apply', 'repair']),
  spaceKeys: z.array(keyParams.shape.key).min(1).max(500).optional(),
  approveRemovals: z.boolean().default(false),
});

export const collaborationStartRun = endpoint({
  roles: ['ITAdmin'],
  body: runBody,
  async handle({ principal, body, context }) {
    const deps = collaborationDeps();
    const run = await startCollaborationApply(context, {
      version: 1, mode: body.mode, spaceKeys: body.spaceKeys ?? null, approveRemovals: body.approveRemovals,
      parallelism: settings().collaboration.parallelism, actor: actorOf(principal), runId: newRunId(),
    });
    if (!run.started) throw new ApiError(409, 'run-in-progress', 'collaboration.runInProgress');
    await deps.audit.record(actorOf(principal), 'apply-started', { templateVersion: deps.template.version, count: body.spaceKeys?.length ?? 0 });
    if (body.approveRemovals) await deps.audit.record(actorOf(principal), 'removals-approved', { count: body.spaceKeys?.length ?? 0 });
    return { status: 202, body: { instanceId: run.instanceId } };
  },
});

const approveBody = z.object({ operationIds: z.array(z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected an operation id')).min(1).max(500), approveRemovals: z.boolean().default(false) });

export const collaborationApprove = endpoint({
  roles: ['ITAdmin'],
  params: keyParams,
  body: approveBody,
  async handle({ principal, params, body, context }) {
    const deps = collaborationDeps();
    const stored = await deps.spaces.get(params.key);
    if (!stored) throw new ApiError(404, 'space-not-found', 'collaboration.spaceNotFound');
    const pending = new Set(stored.record.drift.operations.map((o) => o.id));
    const unknown = body.operationIds.filter((id) => !pending.has(id));
    if (unknown.length > 0) throw new ApiError(409, 'changes-outdated', 'collaboration.changesOutdated');
    const run = await startSpaceRun(context, { version: 1, spaceKey: params.key, mode: 'approved', operationIds: body.operationIds, approveRemovals: body.approveRemovals, actor: actorOf(principal) }, `approved-${Date.now()}`);
    await deps.audit.record(actorOf(principal), 'repair-approved', { spaceKey: params.key, count: body.operationIds.length });
    return { status: 202, body: { instanceId: run.instanceId } };
  },
});

export const collaborationTemplates = endpoint({
  roles: [],
  async handle() {
    const { template } = collaborationDeps();
    return {
      body: {
        templateVersion: template.version,
        templates: template.documentTemplates.map((d) => ({ key: d.key, kind: d.kind, names: d.names, version: d.version })),
        statuses: SPACE_STATUSES,
      },
    };
  },
});

const http = (name: string, methods: ('GET' | 'POST')[], route: string, handler: ReturnType<typeof endpoint>, durable = false) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler, extraInputs: durable ? [collaborationClientInput] : [] });

http('collaborationSpaces', ['GET'], 'api/collaboration/spaces', collaborationSpaces);
http('collaborationSpaceRead', ['GET'], 'api/collaboration/spaces/{key}', collaborationSpace);
http('collaborationRunStatus', ['GET'], 'api/collaboration/run', collaborationRunStatus, true);
http('collaborationStartRun', ['POST'], 'api/collaboration/run', collaborationStartRun, true);
http('collaborationApprove', ['POST'], 'api/collaboration/spaces/{key}/approve', collaborationApprove, true);
http('collaborationTemplates', ['GET'], 'api/collaboration/templates', collaborationTemplates);
