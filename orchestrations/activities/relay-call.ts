import * as df from 'durable-functions';
import { createLogger } from '../../shared/platform/logger';
import { z } from 'zod';
import { APP_ROLES } from '../../shared/platform/roles';
import { OPERATION_NAMES, type OperationName } from '../../shared/relay/contract';
import { callRelayForActivity, RelayUnavailable } from '../../shared/relay/relay-calls';
import { relayServices } from '../../shared/relay/adapters/relay-services';

/**
 * Durable activity `onPremRelay`: lets an orchestration ask the on-premises agent exactly as the
 * HTTP endpoints do (signed request, reply session, offline check). It returns the agent's
 * outcome and result; when the agent is offline or does not answer in time it throws, so the
 * orchestration can retry with callActivityWithRetry. Reads only: safe to run twice.
 */
export const RELAY_ACTIVITY = 'onPremRelay';

/** What the activity needs of its invocation context: a log. */
interface InvocationLog {
  invocationId: string;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export const RelayActivityInput = z.object({
  operation: z.enum(OPERATION_NAMES as [OperationName, ...OperationName[]]),
  params: z.unknown(),
  /** The user on whose behalf the orchestration acts (their roles are checked by the agent). */
  user: z.object({ oid: z.uuid(), roles: z.array(z.enum(APP_ROLES)) }),
});
export type RelayActivityInput = z.infer<typeof RelayActivityInput>;

export async function relayActivity(input: unknown, context?: InvocationLog): Promise<{ requestId: string; outcome: string; code?: string; result?: unknown }> {
  const { operation, params, user } = RelayActivityInput.parse(input);
  const services = relayServices();
  if (!services.configured) throw new RelayUnavailable('relay_not_configured');
  const reply = await callRelayForActivity(services.ports, operation, params, user).catch((error: unknown) => {
    // The same alert event as the HTTP endpoints (functions/relay/relay.ts): ids and reason only.
    if (error instanceof RelayUnavailable && error.code === 'relay_reply_refused' && context) {
      createLogger((level, line) => context[level](line), { invocationId: context.invocationId }).error('relay.reply_refused', { requestId: error.requestId, reason: error.reason });
    }
    throw error;
  });
  return { requestId: reply.requestId, outcome: reply.outcome, ...(reply.code ? { code: reply.code } : {}), ...(reply.outcome === 'ok' ? { result: reply.result } : {}) };
}

df.app.activity(RELAY_ACTIVITY, { handler: relayActivity });
