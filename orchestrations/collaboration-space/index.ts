import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { RunMode, StepResult, VerifyResult } from '../../shared/collaboration/engine';
import type { Actor } from '../../shared/platform/audit';
import { COLLABORATION_ACTIVITIES, type StepInput } from '../activities/collaboration';

/**
 * One space brought to its desired state: bounded steps (each reads, diffs and applies what time
 * allows) until nothing is left, durable timers while Teams creates the team, then a verification
 * that records the drift report. A host restart resumes from the last finished step. In `repair`
 * mode the space is verified first and steps run only when the policy has something to repair.
 */
export const COLLABORATION_SPACE = 'collaborationSpace';

/** Versioned: an instance started by an older deployment keeps the shape it was started with. */
export interface SpaceRunInput {
  version: 1;
  spaceKey: string;
  /** `verify` writes nothing through Graph: it records the changes the template would make (a dry run). */
  mode: RunMode | 'verify';
  approveRemovals?: boolean;
  operationIds?: string[];
  actor: Actor;
}

export interface SpaceRunResult {
  spaceKey: string;
  outcome: 'in-sync' | 'drift' | 'awaiting-approval' | 'blocked' | 'failed' | 'new' | 'provisioning';
  applied: number;
  reason: string | null;
}

export interface SpaceRunStatus {
  spaceKey: string;
  phase: 'verifying' | 'applying' | 'waiting-for-team' | 'done' | 'blocked' | 'failed';
  applied: number;
  remaining: number | null;
  reason: string | null;
}

const STEP_RETRY = new df.RetryOptions(5_000, 5);
STEP_RETRY.backoffCoefficient = 2;
/** Rounds of steps before giving up on a space that never settles (each round is bounded). */
const MAX_STEPS = 200;
/** Apply, then verify; a difference right after apply (a late directory) gets one more pass. */
const MAX_PASSES = 2;

df.app.orchestration(COLLABORATION_SPACE, function* (context: OrchestrationContext): Generator<df.Task, SpaceRunResult, unknown> {
  const input = context.df.getInput() as SpaceRunInput;
  const status = (s: Omit<SpaceRunStatus, 'spaceKey'>) => context.df.setCustomStatus({ spaceKey: input.spaceKey, ...s } satisfies SpaceRunStatus);
  let applied = 0;

  if (input.mode === 'repair' || input.mode === 'verify') {
    status({ phase: 'verifying', applied, remaining: null, reason: null });
    const found = (yield context.df.callActivityWithRetry(COLLABORATION_ACTIVITIES.verify, STEP_RETRY, { spaceKey: input.spaceKey })) as VerifyResult;
    if (input.mode === 'verify' || found.autoRepairs === 0) {
      status({ phase: 'done', applied, remaining: 0, reason: null });
      return { spaceKey: input.spaceKey, outcome: found.status, applied, reason: null };
    }
  }

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let settled = false;
    for (let n = 0; n < MAX_STEPS && !settled; n++) {
      const stepInput: StepInput = { spaceKey: input.spaceKey, mode: input.mode as RunMode, approveRemovals: input.approveRemovals ?? false, operationIds: input.operationIds, actor: input.actor };
      const step = (yield context.df.callActivityWithRetry(COLLABORATION_ACTIVITIES.step, STEP_RETRY, stepInput)) as StepResult;
      applied += step.applied;
      if (step.status === 'blocked' || step.status === 'failed') {
        status({ phase: step.status, applied, remaining: null, reason: step.reason });
        return { spaceKey: input.spaceKey, outcome: step.status, applied, reason: step.reason };
      }
      if (step.status === 'wait') {
        status({ phase: 'waiting-for-team', applied, remaining: step.remaining, reason: null });
        yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + step.retryAfterMs));
        continue;
      }
      status({ phase: 'applying', applied, remaining: step.remaining, reason: null });
      settled = step.status === 'done';
    }
    if (!settled) {
      status({ phase: 'failed', applied, remaining: null, reason: 'did-not-settle' });
      return { spaceKey: input.spaceKey, outcome: 'failed', applied, reason: 'did-not-settle' };
    }
    status({ phase: 'verifying', applied, remaining: 0, reason: null });
    const verified = (yield context.df.callActivityWithRetry(COLLABORATION_ACTIVITIES.verify, STEP_RETRY, { spaceKey: input.spaceKey })) as VerifyResult;
    const left = input.mode === 'repair' ? verified.autoRepairs : input.mode === 'apply' ? verified.operations : 0;
    if (left === 0 || pass === MAX_PASSES - 1) {
      status({ phase: 'done', applied, remaining: left, reason: null });
      return { spaceKey: input.spaceKey, outcome: verified.status, applied, reason: null };
    }
  }
  return { spaceKey: input.spaceKey, outcome: 'failed', applied, reason: 'unreachable' };
});
