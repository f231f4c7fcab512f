import { app } from '@azure/functions';
import { z } from 'zod';
import {
  journeyInput, raiseDecision, rolloutClientInput, serviceRolloutInput, startCompensation, startJourney, startServiceRollout, terminateRun, type RunSettings,
} from '../../orchestrations/rollout-service/client';
import { peopleCatalogue, peopleNames, peopleOfService } from '../../shared/people/adapters/people-services';
import { PeopleEventSchema } from '../../shared/people/events';
import { ApiError } from '../../shared/platform/api-error';
import type { Principal } from '../../shared/platform/auth';
import { settings } from '../../shared/platform/settings';
import { rolloutServices } from '../../shared/rollout/adapters/rollout-services';
import { journeyViews, serviceViews, type DashboardDeps } from '../../shared/rollout/dashboard';
import { journeyForEvent } from '../../shared/rollout/journeys';
import { recordDecision, recordTermination } from '../../shared/rollout/ledger';
import { JOURNEY_STEPS, SERVICE_STEPS, type StepName } from '../../shared/rollout/view';
import { endpoint } from '../http/endpoint';
import { onTopic } from '../triggers';

/**
 * Rollout orchestrations (docs/decisions/0012-rollout.md): the people-stream subscription that
 * starts each employee's journey, and the dashboard's API.
 *   GET  /api/rollout/services                         every service's rollout (ITAdmin, HR, Manager)
 *   GET  /api/rollout/journeys?kind=&state=            employees' journeys (ITAdmin, HR)
 *   POST /api/rollout/services/{code}/start            start (or attach to) a service's rollout (ITAdmin)
 *   POST /api/rollout/services/{code}/telecom/confirm  IT assigned the numbers in Teams (ITAdmin)
 *   POST /api/rollout/runs/{runId}/steps/{step}/retry  retry a failed step (ITAdmin)
 *   POST /api/rollout/runs/{runId}/steps/{step}/skip   skip a step, with a reason (ITAdmin)
 *   POST /api/rollout/runs/{runId}/terminate           end a run, with a reason (ITAdmin)
 * Every run is a durable orchestration: a request records a decision and hands it over (202).
 */

const runSettings = (): RunSettings => {
  const s = settings();
  // 20 minutes for a mailbox's catch-up and proof: inside the 30-minute functionTimeout (host.json).
  return { config: rolloutServices().config, parallelism: s.rollout.parallelism, timeScale: s.rollout.timeScale, archiveTimeoutSeconds: 1200 };
};
/** ROLLOUT_PARALLELISM's upper bound: the run may have started under another setting than today's. */
const MAX_LANES = 32;
const actorOf = (p: Principal) => ({ oid: p.oid, kind: p.kind });

onTopic('rolloutPeople', {
  event: 'rollout.people',
  topicName: '%PEOPLE_EVENTS_TOPIC%',
  subscriptionName: 'rollout',
  sessions: true,
  schema: PeopleEventSchema,
  extraInputs: [rolloutClientInput],
  async handle(event, log, context) {
    const decision = journeyForEvent(event, rolloutServices().config);
    if (decision.kind === null) {
      log.info('rollout.people', { eventId: event.id, kind: event.kind, journey: null, reason: decision.reason });
      return;
    }
    const kind = decision.kind;
    const run = await startJourney(context, journeyInput(event, kind, runSettings()));
    log.info('rollout.people', { eventId: event.id, kind: event.kind, journey: kind, runId: run.runId, started: run.started });
  },
});

async function dashboardDeps(): Promise<DashboardDeps> {
  // One read of the staff for every service's count (the page polls this while a run is under way).
  const counts = await peopleOfService().activeCounts();
  const services = peopleCatalogue().services.map((s) => ({ code: s.code, names: s.names, people: counts.get(s.code) ?? 0 }));
  return { store: rolloutServices().store, services, names: peopleNames() };
}

export const rolloutServicesView = endpoint({
  roles: ['ITAdmin', 'HR', 'Manager'],
  async handle() {
    return { body: { services: await serviceViews(await dashboardDeps()) } };
  },
});

const JourneyQuery = z.object({
  kind: z.enum(['onboarding', 'move', 'offboarding']).optional(),
  state: z.enum(['running', 'waiting', 'blocked', 'completed', 'failed', 'terminated']).optional(),
});

export const rolloutJourneysView = endpoint({
  roles: ['ITAdmin', 'HR'],
  query: JourneyQuery,
  async handle({ query }) {
    return { body: { journeys: await journeyViews(await dashboardDeps(), query) } };
  },
});

const ServiceParams = z.object({ code: z.string().regex(/^[A-Z0-9_-]{1,20}$/, 'expected a service code') });

function knownService(code: string) {
  const service = peopleCatalogue().services.find((s) => s.code === code);
  if (!service) throw new ApiError(404, 'service-not-found', 'rollout.serviceNotFound');
  return service;
}

export const rolloutStart = endpoint({
  roles: ['ITAdmin'],
  params: ServiceParams,
  body: z.object({}).strict(),
  async handle({ params, principal, context }) {
    knownService(params.code);
    const input = serviceRolloutInput(params.code, actorOf(principal), runSettings());
    const run = await startServiceRollout(context, input);
    if (run.started) await rolloutServices().audit.record(actorOf(principal), 'run-started', { runId: run.runId, serviceCode: params.code });
    return { status: 202, body: run };
  },
});

const RunParams = z.object({ runId: z.string().regex(/^rollout-[A-Za-z0-9:_-]{1,150}$/, 'expected a run id') });
const StepParams = RunParams.extend({ step: z.enum([...new Set([...SERVICE_STEPS, ...JOURNEY_STEPS])] as [StepName, ...StepName[]]) });
const Reason = z.string().trim().min(5, 'at least 5 characters').max(500, 'at most 500 characters');

async function decide(runId: string, step: StepName, action: 'retry' | 'skip' | 'confirm', reason: string, principal: Principal, context: Parameters<typeof raiseDecision>[0]) {
  const services = rolloutServices();
  const outcome = await recordDecision(services, runId, step, { action, reason }, actorOf(principal));
  if (!outcome.ok) {
    if (outcome.code === 'not-found') throw new ApiError(404, 'run-not-found', 'rollout.runNotFound');
    if (outcome.code === 'not-skippable') throw new ApiError(409, 'not-skippable', 'rollout.notSkippable');
    throw new ApiError(409, outcome.code, 'rollout.notAwaitingDecision');
  }
  await raiseDecision(context, outcome.instanceId!, step, { action });
  return { status: 202, body: { runId, step, action } };
}

export const rolloutRetry = endpoint({
  roles: ['ITAdmin'],
  params: StepParams,
  body: z.object({ reason: z.string().trim().max(500, 'at most 500 characters').default('') }).strict(),
  handle: ({ params, body, principal, context }) => decide(params.runId, params.step, 'retry', body.reason, principal, context),
});

export const rolloutSkip = endpoint({
  roles: ['ITAdmin'],
  params: StepParams,
  body: z.object({ reason: Reason }).strict(),
  handle: ({ params, body, principal, context }) => decide(params.runId, params.step, 'skip', body.reason, principal, context),
});

export const rolloutConfirmNumbers = endpoint({
  roles: ['ITAdmin'],
  params: ServiceParams,
  body: z.object({ note: z.string().trim().max(500, 'at most 500 characters').default('') }).strict(),
  async handle({ params, body, principal, context }) {
    knownService(params.code);
    const run = (await rolloutServices().store.list('service')).find((r) => r.subject === params.code);
    if (!run) throw new ApiError(404, 'run-not-found', 'rollout.runNotFound');
    return decide(run.id, 'telecom', 'confirm', body.note, principal, context);
  },
});

export const rolloutTerminate = endpoint({
  roles: ['ITAdmin'],
  params: RunParams,
  body: z.object({ reason: Reason }).strict(),
  async handle({ params, body, principal, context }) {
    const services = rolloutServices();
    const run = await recordTermination(services, params.runId, body.reason, actorOf(principal));
    if (!run) throw new ApiError(409, 'not-running', 'rollout.notRunning');
    // Its steps, lanes, journeys and space runs: terminating a parent leaves its sub-orchestrations running.
    const children: string[] = [];
    if (run.kind === 'service') {
      children.push(...SERVICE_STEPS.map((step) => `${run.id}:${step}`));
      const attempts = (step: 'space' | 'people') => Math.max(1, run.steps[step]?.attempts ?? 1);
      for (let a = 1; a <= attempts('space'); a++) children.push(`${run.id}:space-apply:${a}`);
      for (let a = 1; a <= attempts('people'); a++) for (let i = 0; i < MAX_LANES; i++) children.push(`${run.id}:people:${a}:lane-${i}`);
      children.push(...(await services.store.list('journeys')).filter((j) => j.id.startsWith(`${run.id}:p:`)).map((j) => j.id));
    }
    await terminateRun(context, run.id, 'terminated by IT', children);
    // Ended before IT confirmed the numbers: the Teams Phone licences this run gave are taken back.
    let compensation = false;
    if (run.kind === 'service' && run.steps.telecom?.state !== 'done') {
      await startCompensation(context, { version: 1, runId: run.id, partNumbers: services.config.licences.telecom, retries: services.config.retries });
      compensation = true;
    }
    return { status: 202, body: { runId: run.id, state: run.state, compensation } };
  },
});

const http = (name: string, methods: ('GET' | 'POST')[], route: string, handler: ReturnType<typeof endpoint>, durable = false) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler, extraInputs: durable ? [rolloutClientInput] : [] });

http('rolloutServicesView', ['GET'], 'api/rollout/services', rolloutServicesView);
http('rolloutJourneysView', ['GET'], 'api/rollout/journeys', rolloutJourneysView);
http('rolloutStart', ['POST'], 'api/rollout/services/{code}/start', rolloutStart, true);
http('rolloutConfirmNumbers', ['POST'], 'api/rollout/services/{code}/telecom/confirm', rolloutConfirmNumbers, true);
http('rolloutRetry', ['POST'], 'api/rollout/runs/{runId}/steps/{step}/retry', rolloutRetry, true);
http('rolloutSkip', ['POST'], 'api/rollout/runs/{runId}/steps/{step}/skip', rolloutSkip, true);
http('rolloutTerminate', ['POST'], 'api/rollout/runs/{runId}/terminate', rolloutTerminate, true);

