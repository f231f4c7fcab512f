import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { REQUEST_ACTIVITIES } from '../activities/collaboration-request';
// The space provisioning orchestrator, called as a sub-orchestration for an approved request.
import { COLLABORATION_SPACE, type SpaceRunInput, type SpaceRunResult } from '../collaboration-space';
import type { RequestStatus } from '../../shared/collaboration/request-ports';

/**
 * A project space request waiting for a human decision (durable "human interaction"): the approvers
 * are told at once, reminded after 2 business days, the direction is told after 5 (and may decide
 * too), and the request expires after 10. A decision (recorded by the API, then raised here as the
 * `decision` event) ends the wait: a refusal is told to the requester; an approval provisions the
 * space through the `collaborationSpace` sub-orchestration, then the requester is told it is ready.
 *
 * Deterministic: the deadlines come in the input (computed by the starter in business days and
 * scaled by COLLABORATION_REQUEST_TIME_SCALE) and are waited for with durable timers, so replays see
 * the same instants; no clock (Date.now), setting or file is read here (the activities do the I/O).
 */
export const COLLABORATION_REQUEST = 'collaborationRequest';
export const DECISION_EVENT = 'decision';

export interface RequestOrchestrationInput {
  requestId: string;
  reminderAt: string;
  escalationAt: string;
  expiryAt: string;
}

export type RequestPhase = 'awaiting-decision' | 'reminded' | 'escalated' | 'provisioning' | 'provisioned' | 'provisioning-failed' | 'refused' | 'expired' | 'missing';

export interface RequestCustomStatus {
  phase: RequestPhase;
  nextDeadline: string | null;
}

export const requestInstanceId = (requestId: string) => `collab-request-${requestId}`;
export const projectSpaceInstanceId = (requestId: string) => `collab-space-project-${requestId}`;

/** Outcomes of a space run (orchestrations/collaboration-space) after which the space exists and is usable. */
const SPACE_READY = new Set(['in-sync', 'drift', 'awaiting-approval', 'provisioning', 'new']);

function* settle(context: OrchestrationContext, requestId: string, status: RequestStatus | 'missing', decidedBy: string | null): Generator<df.Task, RequestPhase, unknown> {
  const set = (phase: RequestPhase) => context.df.setCustomStatus({ phase, nextDeadline: null } satisfies RequestCustomStatus);
  if (status === 'refused') {
    set('refused');
    yield context.df.callActivity(REQUEST_ACTIVITIES.notify, { requestId, notice: 'refused' });
    return 'refused';
  }
  if (status === 'expired' || status === 'missing') {
    set(status);
    return status;
  }
  if (status === 'approved') {
    set('provisioning');
    yield context.df.callActivity(REQUEST_ACTIVITIES.notify, { requestId, notice: 'approved' });
    let spaceUrl: string | null = null;
    // The space run's input (SpaceRunInput, version 1): the approver is the actor its audit records.
    const actor = decidedBy ? { oid: decidedBy, kind: 'user' as const } : { oid: 'system', kind: 'system' as const };
    try {
      const input: SpaceRunInput = { version: 1, spaceKey: `project-${requestId}`, mode: 'apply', actor };
      const result = (yield context.df.callSubOrchestrator(COLLABORATION_SPACE, input, projectSpaceInstanceId(requestId))) as (SpaceRunResult & { webUrl?: unknown }) | null;
      if (!result || !SPACE_READY.has(String(result.outcome))) {
        // Blocked or failed: the space's own status says why (the Espaces page); IT runs it again from there.
        set('provisioning-failed');
        return 'provisioning-failed';
      }
      spaceUrl = typeof result.webUrl === 'string' ? result.webUrl : null;
    } catch {
      set('provisioning-failed');
      return 'provisioning-failed';
    }
    yield context.df.callActivity(REQUEST_ACTIVITIES.provisioned, { requestId, spaceUrl });
    set('provisioned');
    yield context.df.callActivity(REQUEST_ACTIVITIES.notify, { requestId, notice: 'provisioned' });
    return 'provisioned';
  }
  // Provisioned already (an instance restarted after the end): nothing left to do.
  set('provisioned');
  return 'provisioned';
}

df.app.orchestration(COLLABORATION_REQUEST, function* (context: OrchestrationContext) {
  const input = context.df.getInput<RequestOrchestrationInput>();
  const { requestId } = input;
  const status = (phase: RequestPhase, nextDeadline: string | null) => context.df.setCustomStatus({ phase, nextDeadline } satisfies RequestCustomStatus);

  status('awaiting-decision', input.reminderAt);
  yield context.df.callActivity(REQUEST_ACTIVITIES.notify, { requestId, notice: 'to-decide' });

  // One wait for the decision across every deadline: the event may come at any time.
  const decision = context.df.waitForExternalEvent(DECISION_EVENT);
  const steps = [
    { at: input.reminderAt, then: 'reminded' as const, next: input.escalationAt },
    { at: input.escalationAt, then: 'escalated' as const, next: input.expiryAt },
    { at: input.expiryAt, then: 'expired' as const, next: null },
  ];
  for (const step of steps) {
    const timer = context.df.createTimer(new Date(step.at));
    const winner: unknown = yield context.df.Task.any([decision, timer]);
    if (winner === decision) {
      timer.cancel();
      const by = (decision.result as { by?: unknown } | undefined)?.by;
      // The request document is the truth (the API recorded the decision before raising the event).
      const current = (yield context.df.callActivity(REQUEST_ACTIVITIES.status, { requestId })) as { status: RequestStatus | 'missing'; decidedBy: string | null };
      return yield* settle(context, requestId, current.status, current.decidedBy ?? (typeof by === 'string' ? by : null));
    }
    if (step.then === 'reminded') {
      status('reminded', step.next);
      yield context.df.callActivity(REQUEST_ACTIVITIES.notify, { requestId, notice: 'reminder' });
    } else if (step.then === 'escalated') {
      const escalated = (yield context.df.callActivity(REQUEST_ACTIVITIES.escalate, { requestId })) as { status: RequestStatus; count: number };
      if (escalated.status !== 'pending') {
        const current = (yield context.df.callActivity(REQUEST_ACTIVITIES.status, { requestId })) as { status: RequestStatus | 'missing'; decidedBy: string | null };
        return yield* settle(context, requestId, current.status, current.decidedBy);
      }
      status('escalated', step.next);
      yield context.df.callActivity(REQUEST_ACTIVITIES.notify, { requestId, notice: 'escalated' });
    } else {
      const expiry = (yield context.df.callActivity(REQUEST_ACTIVITIES.expire, { requestId })) as { expired: boolean; status: RequestStatus };
      // Decided just before the deadline (the event still on its way): the decision wins.
      if (!expiry.expired) {
        const current = (yield context.df.callActivity(REQUEST_ACTIVITIES.status, { requestId })) as { status: RequestStatus | 'missing'; decidedBy: string | null };
        return yield* settle(context, requestId, current.status, current.decidedBy);
      }
      status('expired', null);
      yield context.df.callActivity(REQUEST_ACTIVITIES.notify, { requestId, notice: 'expired' });
      return 'expired';
    }
  }
  return 'expired';
});
