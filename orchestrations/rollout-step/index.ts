import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityKind, RolloutConfig } from '../../shared/rollout/config';
import type { BlockerCode, ProgressUpdate, StepRecord } from '../../shared/rollout/model';
import type { Actor, StepName } from '../../shared/rollout/view';
import { ROLLOUT_ACTIVITIES } from '../activities/rollout';

/**
 * What every rollout step shares, in the orchestrator (deterministic: the time is the
 * orchestration's, the settings came in the input). A step runs its work; when the work fails or
 * is blocked, the step records who must act and waits for a person's decision (retry, or skip
 * with a reason when the step allows it), which the API records in the ledger before raising it.
 */
export const decisionEvent = (step: StepName) => `decision-${step}`;

export interface DecisionPayload {
  action: 'retry' | 'skip' | 'confirm';
}

export type Retries = RolloutConfig['retries'];

/** How a step's activities retry, by kind (Graph throttles for seconds; an archive catch-up takes minutes). */
export function retryOptions(retries: Retries, kind: ActivityKind): df.RetryOptions {
  const r = retries[kind];
  const options = new df.RetryOptions(r.firstRetrySeconds * 1000, r.maxAttempts);
  options.backoffCoefficient = r.backoff;
  return options;
}

/** A blocked or failed outcome names who must act, with counts for the message. */
export interface Blocked {
  kind: 'blocked';
  code: BlockerCode;
  mustAct: Actor;
  detail?: Record<string, number>;
}
export type WorkOutcome<T> = { kind: 'done'; value: T; done?: number; total?: number } | { kind: 'skipped' } | Blocked;

export interface StepScope {
  context: OrchestrationContext;
  runId: string;
  step: StepName;
  /** The instance that receives this step's decisions (the step's own, or the journey's). */
  instanceId: string;
  retries: Retries;
  skippable: boolean;
  /** The instance's ledger writes: its counter and the writes not sent yet (see flushProgress). */
  ledger: Ledger;
  /** The one pending wait for a decision (a second waiter on the same event would never hear it). */
  decision?: Task;
  /** What the instance's custom status says (the management API's view of the same progress). */
  status?: StepStatus;
}

/** A step's progress and blocker as the orchestration's custom status shows them (codes and counts only). */
export interface StepStatus {
  step: StepName;
  state: string;
  done: number | null;
  total: number | null;
  attempts: number;
  blocker: BlockerCode | null;
  mustAct: Actor | null;
}

export const nowIso = (context: OrchestrationContext) => context.df.currentUtcDateTime.toISOString();

/**
 * An instance's writes to the run's ledger. Writes made between two awaited tasks go out together
 * in one activity, just before the instance waits on anything: the ledger is as current as if each
 * were sent at once (no time passes in between), at one round trip instead of several. `n` orders
 * them (an older write, re-run after a crash, never overwrites a newer one).
 */
export interface Ledger {
  n: number;
  pending: ProgressUpdate[];
}
export const newLedger = (): Ledger => ({ n: 0, pending: [] });

type LedgerScope = Pick<StepScope, 'context' | 'retries' | 'ledger'>;

/** Records a ledger write, sent with the others at the instance's next wait (flushProgress). */
export function writeProgress(scope: LedgerScope, update: ProgressUpdate): void {
  scope.ledger.pending.push(update);
}

/** Sends the writes made since the last wait (one activity, retried as a store write). */
export function* flushProgress(scope: LedgerScope): Generator<Task, void, unknown> {
  if (scope.ledger.pending.length === 0) return;
  const updates = scope.ledger.pending.splice(0);
  yield scope.context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.progress, retryOptions(scope.retries, 'store'), updates);
}

/** Sends pending ledger writes, then awaits the task `start` makes (created after, so the writes come first). */
export function* awaitAfterProgress(scope: LedgerScope, start: () => Task): Generator<Task, unknown, unknown> {
  yield* flushProgress(scope);
  return yield start();
}

export function stepProgress(scope: StepScope, patch: Extract<ProgressUpdate, { target: 'step' }>['patch']): void {
  const before: StepStatus = scope.status?.step === scope.step ? scope.status : { step: scope.step, state: 'pending', done: null, total: null, attempts: 0, blocker: null, mustAct: null };
  scope.status = {
    step: scope.step,
    state: patch.state ?? before.state,
    done: patch.done !== undefined ? patch.done : before.done,
    total: patch.total !== undefined ? patch.total : before.total,
    attempts: patch.attempts ?? before.attempts,
    blocker: patch.blocker !== undefined ? (patch.blocker?.code ?? null) : before.blocker,
    mustAct: patch.blocker !== undefined ? (patch.blocker?.mustAct ?? null) : before.mustAct,
  };
  scope.context.df.setCustomStatus(scope.status);
  scope.ledger.n += 1;
  writeProgress(scope, { runId: scope.runId, target: 'step', step: scope.step, instanceId: scope.instanceId, seq: scope.ledger.n, at: nowIso(scope.context), patch });
}

/** The step's pending decision, created once and kept until a person decides. */
export function pendingDecision(scope: StepScope): Task {
  scope.decision ??= scope.context.df.waitForExternalEvent(decisionEvent(scope.step));
  return scope.decision;
}

/** Takes the decision once it arrived (the next wait creates a new one). */
export function takeDecision(scope: StepScope): DecisionPayload {
  const value = (scope.decision?.result ?? { action: 'retry' }) as DecisionPayload;
  scope.decision = undefined;
  return value;
}

/**
 * Waits until `fireAt` unless a person decides first: the decision's payload, or null when the
 * time came. Durable timers only; the decision wait survives the timer.
 */
export function* waitOrDecide(scope: StepScope, fireAt: Date): Generator<Task, DecisionPayload | null, unknown> {
  yield* flushProgress(scope);
  const decision = pendingDecision(scope);
  const timer = scope.context.df.createTimer(fireAt);
  const winner = yield scope.context.df.Task.any([decision, timer]);
  if (winner === decision) {
    timer.cancel();
    return takeDecision(scope);
  }
  return null;
}

export type StepResult<T> = { state: 'done'; value: T } | { state: 'skipped' };

/**
 * Runs one step to its end: done, or skipped by a person. A failed attempt (activities out of
 * retries) or a blocked outcome is recorded with who must act, then waits for a decision; retry
 * runs the work again (attempts counted), skip ends the step when it is skippable.
 */
export function* runStep<T>(scope: StepScope, work: (attempt: number) => Generator<Task, WorkOutcome<T>, unknown>): Generator<Task, StepResult<T>, unknown> {
  const startedAt = nowIso(scope.context);
  for (let attempt = 1; ; attempt++) {
    stepProgress(scope, { state: 'running', attempts: attempt, startedAt, endedAt: null, blocker: null, skippable: scope.skippable, ...(attempt === 1 ? {} : { done: 0 }) });
    let outcome: WorkOutcome<T>;
    try {
      outcome = yield* work(attempt);
    } catch {
      // The activity's error stays in the host's records; the ledger only says the step failed.
      outcome = { kind: 'blocked', code: 'step-failed', mustAct: 'ITAdmin' };
    }
    if (outcome.kind === 'done') {
      const counts: Partial<StepRecord> = {};
      if (outcome.done !== undefined) counts.done = outcome.done;
      if (outcome.total !== undefined) counts.total = outcome.total;
      stepProgress(scope, { state: 'done', endedAt: nowIso(scope.context), blocker: null, ...counts });
      return { state: 'done', value: outcome.value };
    }
    if (outcome.kind === 'skipped') {
      stepProgress(scope, { state: 'skipped', endedAt: nowIso(scope.context), blocker: null });
      return { state: 'skipped' };
    }
    stepProgress(scope, { state: 'failed', blocker: { code: outcome.code, mustAct: outcome.mustAct, since: nowIso(scope.context), detail: outcome.detail ?? {} } });
    yield* awaitAfterProgress(scope, () => scope.context.df.callActivityWithRetry(ROLLOUT_ACTIVITIES.alert, retryOptions(scope.retries, 'store'), { runId: scope.runId, step: scope.step, code: outcome.code }));
    for (;;) {
      yield* flushProgress(scope);
      yield pendingDecision(scope);
      const decision = takeDecision(scope);
      if (decision.action === 'skip' && scope.skippable) {
        stepProgress(scope, { state: 'skipped', endedAt: nowIso(scope.context) });
        return { state: 'skipped' };
      }
      if (decision.action === 'retry') break;
      // A confirmation for another state, or a skip the step does not allow: keep waiting.
    }
  }
}
