import { app } from '@azure/functions';
import { z } from 'zod';
import { endpoint } from '../http/endpoint';
import { hasAnyRole } from '../../shared/platform/auth';
import { ApiError, fieldProblems } from '../../shared/platform/api-error';
import { OPERATIONS, isOperationName } from '../../shared/relay/contract';
import { callRelay, relayStatus } from '../../shared/relay/relay-service';

/**
 * Staff endpoints of the on-premises relay (docs/decisions/0005-onprem-relay.md):
 *   POST /api/relay/{operation}      body = the operation's parameters
 *   GET  /api/relay/requests/{id}    status of a request that answered 202
 * 200 result, 202 still working (Location), 400 invalid input, 403 role or agent refusal,
 * 404 not found, 503 agent offline (fast), 504 no answer in time.
 */
export const relayCall = endpoint<unknown, Record<string, string>, { operation: string }>({
  // Any signed-in caller reaches the handler; each operation then demands its own roles.
  roles: [],
  body: z.unknown(),
  params: z.object({ operation: z.string().max(64) }),
  async handle({ body, params, principal, language, request }) {
    if (!isOperationName(params.operation)) {
      throw new ApiError(404, 'relay_unknown_operation', 'relay.unknownOperation', { operation: params.operation.replace(/[^A-Za-z]/g, '').slice(0, 40) });
    }
    const spec = OPERATIONS[params.operation];
    if (!hasAnyRole(principal, spec.roles)) throw new ApiError(403, 'forbidden', 'auth.forbidden', { roles: spec.roles.join(' | ') });
    // Validated here too, so bad input costs no round trip to the agent (which checks again).
    const locale = language === 'en' ? z.locales.en() : z.locales.frCA();
    const input = spec.input.safeParse(body, { error: locale.localeError });
    if (!input.success) throw new ApiError(400, 'validation_failed', 'request.invalid', {}, fieldProblems('body', input.error));
    const base = new URL(request.url);
    return callRelay(params.operation, input.data, principal, (id) => `${base.origin}/api/relay/requests/${id}`);
  },
});

export const relayRequestStatus = endpoint<undefined, Record<string, string>, { id: string }>({
  roles: [],
  params: z.object({ id: z.uuid() }),
  async handle({ params, principal, request }) {
    return relayStatus(params.id.toLowerCase(), principal, request.url);
  },
});

app.http('relayRequestStatus', { methods: ['GET'], authLevel: 'anonymous', route: 'relay/requests/{id}', handler: relayRequestStatus });
app.http('relayCall', { methods: ['POST'], authLevel: 'anonymous', route: 'relay/{operation}', handler: relayCall });
