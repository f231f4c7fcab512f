import * as df from 'durable-functions';
import { peopleCatalogue } from '../../shared/people/adapters/people-services';
import { requestDeps, requestNotifyDeps } from '../../shared/collaboration/adapters/request-services';
import { escalateRequest, expireRequest, markProvisioned, notifyRequest, NOTICES, type Notice, type NotifySummary } from '../../shared/collaboration/requests';
import type { RequestStatus } from '../../shared/collaboration/request-ports';
import { createLogger } from '../../shared/platform/logger';

/**
 * Durable activities of a project space request (orchestrations/collaboration-request): each one use
 * case, safe to run twice (a notice sent twice is the only repeat, and the orchestration calls each
 * once per step). Ids and counts only travel in the orchestration's history and the logs.
 */
export const REQUEST_ACTIVITIES = {
  notify: 'collaborationRequestNotify',
  escalate: 'collaborationRequestEscalate',
  expire: 'collaborationRequestExpire',
  status: 'collaborationRequestStatus',
  provisioned: 'collaborationRequestProvisioned',
} as const;

const deps = () => requestDeps(peopleCatalogue().services);

type Log = ReturnType<typeof createLogger>;
const logOf = (context: { invocationId: string; info(m: string): void; warn(m: string): void; error(m: string): void; debug(m: string): void }): Log =>
  createLogger((level, line) => context[level](line), { invocationId: context.invocationId });

export async function notifyActivity(input: { requestId: string; notice: Notice }, log: Log): Promise<NotifySummary> {
  if (!NOTICES.includes(input.notice)) throw new Error(`unknown notice ${String(input.notice)}`);
  const summary = await notifyRequest(requestNotifyDeps(), input.requestId, input.notice);
  if (summary.failed > 0) log.warn('collaboration.request.notify.failed', { requestId: input.requestId, notice: input.notice, ...summary });
  else log.info('collaboration.request.notify', { requestId: input.requestId, notice: input.notice, ...summary });
  return summary;
}

df.app.activity(REQUEST_ACTIVITIES.notify, { handler: (input: { requestId: string; notice: Notice }, context) => notifyActivity(input, logOf(context)) });

df.app.activity(REQUEST_ACTIVITIES.escalate, {
  handler: async (input: { requestId: string }) => {
    const result = await escalateRequest(deps(), input.requestId);
    return { status: result.status, count: result.escalatedTo.length };
  },
});

df.app.activity(REQUEST_ACTIVITIES.expire, { handler: (input: { requestId: string }) => expireRequest(deps(), input.requestId) });

df.app.activity(REQUEST_ACTIVITIES.status, {
  handler: async (input: { requestId: string }): Promise<{ status: RequestStatus | 'missing'; decidedBy: string | null }> => {
    const request = (await deps().store.get(input.requestId))?.request;
    return { status: request?.status ?? 'missing', decidedBy: request?.decision?.by ?? null };
  },
});

df.app.activity(REQUEST_ACTIVITIES.provisioned, {
  handler: (input: { requestId: string; spaceUrl: string | null }) => markProvisioned(deps(), input.requestId, input.spaceUrl),
});
