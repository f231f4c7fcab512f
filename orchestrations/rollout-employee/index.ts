import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { PeopleEvent } from '../../shared/people/events';
import type { Actor as Who } from '../../shared/platform/audit';
import type { JourneyKind, JourneyStep } from '../../shared/rollout/view';
import { ROLLOUT_ACTIVITIES } from '../activities/rollout';
import { COLLABORATION_SPACE, type SpaceRunInput, type SpaceRunResult } from '../collaboration-space';
import {
  awaitAfterProgress, flushProgress, newLedger, nowIso, retryOptions, runStep, stepProgress, waitOrDecide, writeProgress,
  type Retries, type StepResult, type StepScope, type WorkOutcome,
} from '../rollout-step';

/**
 * One employee through the transformation: onboarding (joined, or a member of a service being
 * rolled out), a move, or offboarding (left). Steps run in order, each recorded in the person's
 * run ledger; a failed step waits for IT's decision, unless the journey is part of a service
 * rollout, which then gathers the failures and asks once for the whole service.
 *
 * Offboarding never removes a licence before the archive has proven the mailbox complete: while
 * the proof fails, the archive step waits, alerts and checks again; it cannot be skipped, and the
 * licence step comes after it.
 */
export const ROLLOUT_EMPLOYEE = 'rolloutEmployee';

/** Versioned: an instance started by an older deployment keeps the shape it was started with. */
export interface JourneyInput {
  version: 1;
  runId: string;
  kind: JourneyKind;
  personId: string;
  serviceCode: string | null;
  /** The lifecycle event that started it (null when a service rollout onboards its members). */
  event: PeopleEvent | null;
  steps: JourneyStep[];
  /** SKU part numbers to make sure the person holds (onboarding). */
  partNumbers: string[];
  archiveTimeoutSeconds: number;
  /** Offboarding: how long to wait before checking an incomplete archive again. */
  recheckMs: number;
  retries: Retries;
  /** False inside a service rollout: a failed step ends the journey, reported to the service's step. */
  waitOnFailure: boolean;
  startedBy: Who;
  configVersion: string;
}

export interface JourneyResult {
  personId: string;
  outcome: 'completed' | 'failed';
  failedStep: JourneyStep | null;
}

/** Steps that a person may skip: never the offboarding checks that protect the evidence. */
function skippable(kind: JourneyKind, step: JourneyStep): boolean {
  if (kind === 'offboarding' && (step === 'archive' || step === 'licences' || step === 'holds')) return false;
  return step !== 'report';
}

df.app.orchestration(ROLLOUT_EMPLOYEE, function* (context: OrchestrationContext): Generator<Task, JourneyResult, unknown> {
  const input = context.df.getInput() as JourneyInput;
  const ledger = newLedger();
  const base = { context, retries: input.retries, ledger };
  const results: Partial<Record<JourneyStep, unknown>> = {};
  const states: Partial<Record<JourneyStep, string>> = {};

  ledger.n += 1;
  writeProgress(base, {
    runId: input.runId, target: 'run', seq: ledger.n, at: nowIso(context), state: 'running',
    create: { id: input.runId, kind: input.kind, subject: input.personId, serviceCode: input.serviceCode, state: 'running', startedAt: nowIso(context), startedBy: input.startedBy, configVersion: input.configVersion, stepOrder: input.steps },
  });

  for (const step of input.steps) {
    const scope: StepScope = { ...base, runId: input.runId, step, instanceId: context.df.instanceId, skippable: input.waitOnFailure && skippable(input.kind, step) };
    if (step === 'report') {
      stepProgress(scope, { state: 'running', attempts: 1, startedAt: nowIso(context), skippable: false });
      const report = { kind: input.kind, personId: input.personId, serviceCode: input.serviceCode, eventId: input.event?.id ?? null, steps: { ...states }, results, closedAt: nowIso(context) };
      writeProgress(base, { runId: input.runId, target: 'report', at: nowIso(context), report });
      stepProgress(scope, { state: 'done', endedAt: nowIso(context) });
      states.report = 'done';
      continue;
    }
    const work = stepWork(context, input, scope, step);
    let result: StepResult<unknown>;
    if (input.waitOnFailure) {
      result = yield* runStep(scope, work);
    } else {
      // Inside a service rollout: one attempt, the failure goes back to the service's step.
      stepProgress(scope, { state: 'running', attempts: 1, startedAt: nowIso(context), skippable: false });
      let outcome: WorkOutcome<unknown>;
      try {
        outcome = yield* work(1);
      } catch {
        outcome = { kind: 'blocked', code: 'step-failed', mustAct: 'ITAdmin' };
      }
      if (outcome.kind !== 'done') {
        const blocker = outcome.kind === 'blocked' ? { code: outcome.code, mustAct: outcome.mustAct, since: nowIso(context), detail: outcome.detail ?? {} } : null;
        stepProgress(scope, { state: 'failed', blocker });
        ledger.n += 1;
        writeProgress(base, { runId: input.runId, target: 'run', seq: ledger.n, at: nowIso(context), state: 'failed' });
        yield* flushProgress(base);
        return { personId: input.personId, outcome: 'failed', failedStep: step };
      }
      stepProgress(scope, { state: 'done', endedAt: nowIso(context), ...(outcome.done !== undefined ? { done: outcome.done } : {}), ...(outcome.total !== undefined ? { total: outcome.total } : {}) });
      result = { state: 'done', value: outcome.value };
    }
    states[step] = result.state;
    if (result.state === 'done') results[step] = result.value;
  }

  ledger.n += 1;
  writeProgress(base, { runId: input.runId, target: 'run', seq: ledger.n, at: nowIso(context), state: 'completed' });
  yield* flushProgress(base);
  return { personId: input.personId, outcome: 'completed', failedStep: null };
});

type Work = (attempt: number) => Generator<Task, WorkOutcome<unknown>, unknown>;

function stepWork(context: OrchestrationContext, input: JourneyInput, scope: StepScope, step: JourneyStep): Work {
  // Every awaited task first sends the ledger writes made since the last one.
  const call = (name: string, kind: Parameters<typeof retryOptions>[1], payload: unknown) =>
    awaitAfterProgress(scope, () => context.df.callActivityWithRetry(name, retryOptions(input.retries, kind), payload));
  switch (step) {
    case 'holds':
      return function* () {
        const { holdIds } = (yield* call(ROLLOUT_ACTIVITIES.holds, 'store', { personId: input.personId })) as { holdIds: string[] };
        // A hold keeps the archived mail whatever its retention; offboarding goes on, and the report names the holds.
        return { kind: 'done', value: { holds: holdIds }, done: holdIds.length, total: holdIds.length };
      };
    case 'archive':
      return function* () {
        let alerted = false;
        for (;;) {
          let proof: { enrolled: boolean; complete: boolean; folders: number; missing: number; archivedAt: string | null } | null;
          try {
            proof = (yield* call(ROLLOUT_ACTIVITIES.archiveProof, 'archive', { runId: input.runId, personId: input.personId, timeoutSeconds: input.archiveTimeoutSeconds })) as NonNullable<typeof proof>;
          } catch (e) {
            // Out of retries (Graph keeps refusing a message, say): offboarding waits as for a gap; others fail the step.
            if (input.kind !== 'offboarding' || !input.waitOnFailure) throw e;
            proof = null;
          }
          if (proof?.complete) return { kind: 'done', value: proof, done: proof.folders, total: proof.folders };
          const detail: Record<string, number> = proof ? { missing: proof.missing, folders: proof.folders } : { unverifiable: 1 };
          if (input.kind !== 'offboarding' || !input.waitOnFailure) return { kind: 'blocked', code: 'archive-incomplete', mustAct: 'ITAdmin', detail };
          // Offboarding: no licence is removed without the proof. Wait, alert once, check again.
          stepProgress(scope, { state: 'waiting', blocker: { code: 'archive-incomplete', mustAct: 'ITAdmin', since: nowIso(context), detail } });
          if (!alerted) {
            yield* call(ROLLOUT_ACTIVITIES.alert, 'store', { runId: input.runId, step: 'archive', code: 'archive-incomplete' });
            alerted = true;
          }
          // A "retry" decision checks again now; nothing else ends the wait (the step cannot be skipped).
          yield* waitOrDecide(scope, new Date(context.df.currentUtcDateTime.getTime() + input.recheckMs));
          stepProgress(scope, { state: 'running' });
        }
      };
    case 'licences':
      return function* () {
        const mode = input.kind === 'offboarding' ? 'remove' : 'ensure';
        const r = (yield* call(ROLLOUT_ACTIVITIES.licences, 'graph', { runId: input.runId, personId: input.personId, mode, partNumbers: input.partNumbers })) as { added: number; removed: number; unavailable: string[] };
        if (r.unavailable.length > 0) return { kind: 'blocked', code: 'licences-unavailable', mustAct: 'ITAdmin', detail: { unavailable: r.unavailable.length } };
        return { kind: 'done', value: r };
      };
    case 'spaces':
      return function* (attempt) {
        if (!input.event) return { kind: 'done', value: { spaces: 0 } };
        const { spaceKeys } = (yield* call(ROLLOUT_ACTIVITIES.followSpaces, 'store', input.event)) as { spaceKeys: string[] };
        let blocked = 0;
        for (const spaceKey of spaceKeys) {
          const child: SpaceRunInput = { version: 1, spaceKey, mode: 'people', actor: input.startedBy };
          const r = (yield* awaitAfterProgress(scope, () => context.df.callSubOrchestrator(COLLABORATION_SPACE, child, `${input.runId}:space:${spaceKey}:${attempt}`))) as SpaceRunResult;
          if (r.outcome === 'failed') throw new Error(`space ${spaceKey} failed`);
          if (r.outcome === 'blocked' || r.outcome === 'awaiting-approval') blocked++;
        }
        if (blocked > 0) return { kind: 'blocked', code: 'space-blocked', mustAct: 'ITAdmin', detail: { spaces: blocked } };
        return { kind: 'done', value: { spaces: spaceKeys.length }, done: spaceKeys.length, total: spaceKeys.length };
      };
    case 'training':
      return function* () {
        if (!input.event) return { kind: 'done', value: null };
        const r = (yield* call(ROLLOUT_ACTIVITIES.followTraining, 'store', input.event)) as { open: number; completed: number; closed: number };
        if (input.kind === 'offboarding' && r.open > 0) return { kind: 'blocked', code: 'step-failed', mustAct: 'HR', detail: { open: r.open } };
        return { kind: 'done', value: r, done: r.completed, total: r.open + r.completed };
      };
    default:
      throw new Error(`unknown step ${String(step)}`);
  }
}
