import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { Actor as Who } from '../../shared/platform/audit';
import { SERVICE_STEPS, type ServiceStep } from '../../shared/rollout/view';
import { ROLLOUT_ACTIVITIES } from '../activities/rollout';
import { COLLABORATION_SPACE, type SpaceRunInput, type SpaceRunResult } from '../collaboration-space';
import { ROLLOUT_EMPLOYEE, type JourneyInput, type JourneyResult } from '../rollout-employee';
import {
  awaitAfterProgress, flushProgress, newLedger, nowIso, retryOptions, runStep, stepProgress, waitOrDecide, writeProgress,
  type DecisionPayload, type Retries, type StepResult, type StepScope, type WorkOutcome,
} from '../rollout-step';

/**
 * A service through the transformation, one sub-orchestration per step: its collaborative space
 * provisioned and verified; each member onboarded (licences, mailbox enrolled and its first capture
 * proven complete) in `parallelism` lanes; training awaited until the threshold or the deadline,
 * with reminder rounds; telephone numbers confirmed by IT in Teams (no stable Graph API assigns
 * them); the document templates in place; a final report. Started by IT; starting it again while
 * it runs attaches to the running instance (functions/rollout).
 */
export const ROLLOUT_SERVICE = 'rolloutService';
export const ROLLOUT_STEP = 'rolloutStep';
export const ROLLOUT_LANE = 'rolloutLane';
export const ROLLOUT_COMPENSATE = 'rolloutCompensate';

/** Versioned, with everything the orchestration needs from settings and config (orchestrators read neither). */
export interface ServiceRolloutInput {
  version: 1;
  runId: string;
  serviceCode: string;
  startedBy: Who;
  configVersion: string;
  parallelism: number;
  partNumbers: string[];
  archiveTimeoutSeconds: number;
  /** The Teams Phone SKUs among partNumbers: taken back if the rollout is ended before numbers are confirmed. */
  telecomPartNumbers: string[];
  training: { threshold: number; deadlineMs: number; roundMs: number };
  telecom: { confirmMs: number; reminderMs: number };
  retries: Retries;
}

type Work =
  | { kind: 'space'; spaceKey: string | null }
  | { kind: 'people'; personIds: string[] }
  | { kind: 'training'; personIds: string[] }
  | { kind: 'telecom'; people: number }
  | { kind: 'templates'; spaceKey: string | null }
  | { kind: 'report'; steps: Partial<Record<ServiceStep, string>>; people: number };

interface StepInput {
  version: 1;
  run: ServiceRolloutInput;
  step: ServiceStep;
  work: Work;
}

interface LaneInput {
  version: 1;
  runId: string;
  lane: number;
  journeys: JourneyInput[];
}

const stepInstanceId = (runId: string, step: ServiceStep) => `${runId}:${step}`;
/** Reminders per activity call of a round: about 20 s at Teams' 5 notifications a second. */
const ROUND_BATCH = 100;

df.app.orchestration(ROLLOUT_SERVICE, function* (context: OrchestrationContext): Generator<Task, Partial<Record<ServiceStep, string>>, unknown> {
  const run = context.df.getInput() as ServiceRolloutInput;
  const ledger = newLedger();
  const base = { context, retries: run.retries, ledger };
  ledger.n += 1;
  writeProgress(base, {
    runId: run.runId, target: 'run', seq: ledger.n, at: nowIso(context), state: 'running',
    create: { id: run.runId, kind: 'service', subject: run.serviceCode, serviceCode: run.serviceCode, state: 'running', startedAt: nowIso(context), startedBy: run.startedBy, configVersion: run.configVersion, stepOrder: [...SERVICE_STEPS] },
  });
  const scope = (yield* awaitAfterProgress(base, () => context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.serviceScope, retryOptions(run.retries, 'store'), { serviceCode: run.serviceCode }))) as { personIds: string[]; spaceKey: string | null };
  const states: Partial<Record<ServiceStep, string>> = {};
  // The service's custom status names its steps' states; each step's own instance shows its progress and blocker.
  const show = (current: ServiceStep[]) => context.df.setCustomStatus({ current, steps: { ...states } });
  const step = (name: ServiceStep, work: Work) => context.df.callSubOrchestrator(ROLLOUT_STEP, { version: 1, run, step: name, work } satisfies StepInput, stepInstanceId(run.runId, name));

  show(['space']);
  states.space = (yield step('space', { kind: 'space', spaceKey: scope.spaceKey })) as string;
  show(['people']);
  states.people = (yield step('people', { kind: 'people', personIds: scope.personIds })) as string;
  // People train while IT assigns numbers: the two waits run side by side.
  show(['training', 'telecom']);
  const [training, telecom] = (yield context.df.Task.all([
    step('training', { kind: 'training', personIds: scope.personIds }),
    step('telecom', { kind: 'telecom', people: scope.personIds.length }),
  ])) as string[];
  states.training = training;
  states.telecom = telecom;
  show(['templates']);
  states.templates = (yield step('templates', { kind: 'templates', spaceKey: scope.spaceKey })) as string;
  show(['report']);
  states.report = (yield step('report', { kind: 'report', steps: { ...states }, people: scope.personIds.length })) as string;

  ledger.n += 1;
  writeProgress(base, { runId: run.runId, target: 'run', seq: ledger.n, at: nowIso(context), state: 'completed' });
  yield* flushProgress(base);
  show([]);
  return states;
});

/** One service step to its end (done or skipped); returns its final state. */
df.app.orchestration(ROLLOUT_STEP, function* (context: OrchestrationContext): Generator<Task, string, unknown> {
  const { run, step, work } = context.df.getInput() as StepInput;
  const scope: StepScope = {
    context, runId: run.runId, step, instanceId: context.df.instanceId, retries: run.retries,
    // The report is the evidence of what happened: it is never skipped.
    skippable: step !== 'report', ledger: newLedger(),
  };
  // Who the people step finished, kept across its attempts (rebuilt the same way on every replay).
  const finished = new Set<string>();
  const result: StepResult<unknown> = yield* runStep(scope, (attempt) => serviceWork(scope, run, work, attempt, finished));
  yield* flushProgress(scope);
  return result.state;
});

/** A lane of a fan-out: its journeys one after the other, its count of finished ones in the ledger. */
df.app.orchestration(ROLLOUT_LANE, function* (context: OrchestrationContext): Generator<Task, JourneyResult[], unknown> {
  const input = context.df.getInput() as LaneInput;
  const results: JourneyResult[] = [];
  for (const journey of input.journeys) {
    try {
      results.push((yield context.df.callSubOrchestrator(ROLLOUT_EMPLOYEE, journey, journey.runId)) as JourneyResult);
    } catch {
      results.push({ personId: journey.personId, outcome: 'failed', failedStep: null });
    }
    yield context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.progress, retryOptions(journey.retries, 'store'), { runId: input.runId, target: 'lane', step: 'people', lane: input.lane, done: results.length, at: context.df.currentUtcDateTime.toISOString() });
  }
  return results;
});

export interface CompensationInput {
  version: 1;
  runId: string;
  partNumbers: string[];
  retries: Retries;
}

/**
 * The undo that makes sense when IT ends a service's rollout before its phone numbers were
 * confirmed: the Teams Phone licences its members got from this run (and only those: the ledger
 * records what each journey set out to assign before assigning it) are taken back. Everything else
 * stays: mail licences, archived mail, Team membership and training are what people keep using.
 */
df.app.orchestration(ROLLOUT_COMPENSATE, function* (context: OrchestrationContext): Generator<Task, number, unknown> {
  const input = context.df.getInput() as CompensationInput;
  const store = retryOptions(input.retries, 'store');
  const people = (yield context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.compensationScope, store, { runId: input.runId, partNumbers: input.partNumbers })) as Array<{ personId: string; partNumbers: string[] }>;
  let released = 0;
  yield context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.progress, store, { runId: input.runId, target: 'compensation', at: nowIso(context), state: 'running', released });
  for (const p of people) {
    try {
      const r = (yield context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.licences, retryOptions(input.retries, 'graph'), { runId: input.runId, personId: p.personId, mode: 'release', partNumbers: p.partNumbers })) as { removed: number };
      released += r.removed;
    } catch {
      // One person's licence stays (Graph kept refusing): audited as not released, IT sees the count.
    }
  }
  yield context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.progress, store, { runId: input.runId, target: 'compensation', at: nowIso(context), state: 'done', released });
  return released;
});

function* serviceWork(scope: StepScope, run: ServiceRolloutInput, work: Work, attempt: number, finished: Set<string>): Generator<Task, WorkOutcome<unknown>, unknown> {
  const { context } = scope;
  const at = (ms: number) => new Date(context.df.currentUtcDateTime.getTime() + ms);
  switch (work.kind) {
    case 'space': {
      if (!work.spaceKey) return { kind: 'blocked', code: 'space-blocked', mustAct: 'ITAdmin' };
      const child: SpaceRunInput = { version: 1, spaceKey: work.spaceKey, mode: 'apply', actor: run.startedBy };
      const r = (yield* awaitAfterProgress(scope, () => context.df.callSubOrchestrator(COLLABORATION_SPACE, child, `${run.runId}:space-apply:${attempt}`))) as SpaceRunResult;
      if (r.outcome === 'in-sync' || r.outcome === 'drift') return { kind: 'done', value: r };
      if (r.outcome === 'failed') throw new Error('space failed');
      return { kind: 'blocked', code: 'space-blocked', mustAct: 'ITAdmin' };
    }
    case 'people': {
      // Those a previous attempt finished are not taken through again.
      const remaining = work.personIds.filter((id) => !finished.has(id));
      stepProgress(scope, { total: work.personIds.length, done: work.personIds.length - remaining.length, laneBase: work.personIds.length - remaining.length });
      const lanes = Math.max(1, Math.min(run.parallelism, remaining.length));
      const journeys = remaining.map((personId): JourneyInput => ({
        version: 1, runId: `${run.runId}:p:${personId}${attempt > 1 ? `:a${attempt}` : ''}`, kind: 'onboarding', personId, serviceCode: run.serviceCode, event: null,
        steps: ['licences', 'archive', 'report'], partNumbers: run.partNumbers, archiveTimeoutSeconds: run.archiveTimeoutSeconds, recheckMs: 0,
        retries: run.retries, waitOnFailure: false, startedBy: run.startedBy, configVersion: run.configVersion,
      }));
      yield* flushProgress(scope);
      const perLane = remaining.length === 0 ? [] : ((yield context.df.Task.all(
        Array.from({ length: lanes }, (_, lane) => context.df.callSubOrchestrator(
          ROLLOUT_LANE, { version: 1, runId: run.runId, lane, journeys: journeys.filter((_j, i) => i % lanes === lane) } satisfies LaneInput, `${run.runId}:people:${attempt}:lane-${lane}`,
        )),
      )) as JourneyResult[][]);
      const results = perLane.flat();
      for (const r of results) if (r.outcome === 'completed') finished.add(r.personId);
      const done = work.personIds.filter((id) => finished.has(id)).length;
      const failed = work.personIds.length - done;
      if (failed > 0) return { kind: 'blocked', code: 'people-failed', mustAct: 'ITAdmin', detail: { failed, done } };
      return { kind: 'done', value: { people: done }, done, total: work.personIds.length };
    }
    case 'training': {
      const deadline = context.df.currentUtcDateTime.getTime() + run.training.deadlineMs;
      for (;;) {
        const status = (yield* awaitAfterProgress(scope, () => context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.trainingStatus, retryOptions(run.retries, 'store'), { personIds: work.personIds }))) as { total: number; completed: number };
        if (status.total === 0 || status.completed / status.total >= run.training.threshold) return { kind: 'done', value: status, done: status.completed, total: status.total };
        if (context.df.currentUtcDateTime.getTime() >= deadline) {
          return { kind: 'blocked', code: 'training-below-threshold', mustAct: 'managers', detail: { completed: status.completed, total: status.total, threshold: Math.round(run.training.threshold * 100) } };
        }
        stepProgress(scope, { state: 'waiting', done: status.completed, total: status.total });
        // A round in batches (about 20 s each at the notification rate); a skip decided meanwhile ends it.
        let decision: DecisionPayload | null = null;
        for (let after: string | null = null; ; ) {
          const round = (yield* awaitAfterProgress(scope, () => context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.trainingRound, retryOptions(run.retries, 'store'), { personIds: work.personIds, after, limit: ROUND_BATCH }))) as { next: string | null };
          decision = yield* waitOrDecide(scope, context.df.currentUtcDateTime);
          if (decision?.action === 'skip') return { kind: 'skipped' };
          if (!round.next || decision) break;
          after = round.next;
        }
        if (!decision) decision = yield* waitOrDecide(scope, new Date(Math.min(deadline, at(run.training.roundMs).getTime())));
        if (decision?.action === 'skip') return { kind: 'skipped' };
      }
    }
    case 'telecom': {
      // Numbers are assigned by a person in the Teams admin center: wait for IT's confirmation,
      // reminding on the way; past the deadline the step shows as failed, and still takes the
      // confirmation (a late one is the usual case), a skip, or a retry that waits again.
      let deadline = context.df.currentUtcDateTime.getTime() + run.telecom.confirmMs;
      const blocker = () => ({ code: 'numbers-unconfirmed' as const, mustAct: 'ITAdmin' as const, since: nowIso(context), detail: { people: work.people } });
      stepProgress(scope, { state: 'waiting', done: 0, total: work.people, blocker: blocker() });
      let late = false;
      for (;;) {
        const now = context.df.currentUtcDateTime.getTime();
        if (!late && now >= deadline) {
          late = true;
          stepProgress(scope, { state: 'failed', blocker: blocker() });
        }
        const next = late ? now + run.telecom.reminderMs : Math.min(deadline, now + run.telecom.reminderMs);
        const decision = yield* waitOrDecide(scope, new Date(next));
        if (decision?.action === 'confirm') return { kind: 'done', value: { confirmed: true }, done: work.people, total: work.people };
        if (decision?.action === 'skip') return { kind: 'skipped' };
        if (decision?.action === 'retry') {
          late = false;
          deadline = context.df.currentUtcDateTime.getTime() + run.telecom.confirmMs;
          stepProgress(scope, { state: 'waiting', blocker: blocker() });
        } else if (!decision) {
          yield* awaitAfterProgress(scope, () => context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.alert, retryOptions(run.retries, 'store'), { runId: run.runId, step: 'telecom', code: 'numbers-unconfirmed' }));
        }
      }
    }
    case 'templates': {
      if (!work.spaceKey) return { kind: 'blocked', code: 'templates-missing', mustAct: 'ITAdmin' };
      const r = (yield* awaitAfterProgress(scope, () => context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.templates, retryOptions(run.retries, 'collaboration'), { spaceKey: work.spaceKey }))) as { missing: number; status: string };
      if (r.missing > 0) return { kind: 'blocked', code: 'templates-missing', mustAct: 'ITAdmin', detail: { missing: r.missing } };
      return { kind: 'done', value: r };
    }
    case 'report': {
      const report = { kind: 'service', serviceCode: run.serviceCode, people: work.people, steps: work.steps, configVersion: run.configVersion, closedAt: nowIso(context) };
      writeProgress(scope, { runId: run.runId, target: 'report', at: nowIso(context), report });
      return { kind: 'done', value: report };
    }
  }
}

