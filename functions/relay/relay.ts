import { app } from '@azure/functions';
import { z } from 'zod';
import { endpoint, type EndpointResult } from '../http/endpoint';
import { hasAnyRole } from '../../shared/platform/auth';
import { ApiError, fieldProblems } from '../../shared/platform/api-error';
import { OPERATIONS, isOperationName } from '../../shared/relay/contract';
import { callRelay, relayStatus, type RelayOutcome, type RelayPorts } from '../../shared/relay/relay-calls';
import { relayServices } from '../../shared/relay/adapters/relay-services';
import type { Logger } from '../../shared/platform/logger';
import { settings } from '../../shared/platform/settings';

/**
 * Staff endpoints of the on-premises relay (docs/decisions/0005-onprem-relay.md):
 *   POST /api/relay/{operation}      body = the operation's parameters
 *   GET  /api/relay/requests/{id}    status of a request that answered 202
 * 200 result, 202 still working (Location), 400 invalid input, 403 role or agent refusal,
 * 404 not found, 503 agent offline (fast) or relay not configured, 504 no answer in time.
 */
function ports(): RelayPorts {
  const services = relayServices();
  if (!services.configured) throw new ApiError(503, 'relay_not_configured', 'relay.notConfigured', {}, { setting: services.setting });
  return services.ports;
}

/** Each outcome has its own status and message; the agent's reason code travels in details. */
export function httpAnswer(outcome: RelayOutcome, statusUrl: (requestId: string) => string): EndpointResult {
  switch (outcome.kind) {
    case 'result':
      return { status: 200, body: { requestId: outcome.requestId, result: outcome.result } };
    case 'pending': {
      const url = statusUrl(outcome.requestId);
      return { status: 202, body: { requestId: outcome.requestId, status: 'pending', statusUrl: url }, headers: { location: url, 'retry-after': '2' } };
    }
    case 'offline':
      throw new ApiError(503, 'relay_offline', 'relay.offline', {}, { reason: outcome.reason });
    case 'denied':
      throw new ApiError(403, 'relay_denied', 'relay.denied', { reason: outcome.reason }, { requestId: outcome.requestId, reason: outcome.reason });
    case 'not_found':
      throw new ApiError(404, 'relay_not_found', 'relay.notFound', {}, { requestId: outcome.requestId, reason: outcome.reason });
    case 'invalid':
      throw new ApiError(400, 'relay_invalid', 'relay.invalid', {}, { requestId: outcome.requestId, reason: outcome.reason, problems: outcome.problems });
    case 'timeout':
      throw new ApiError(504, 'relay_timeout', 'relay.timeout', {}, { requestId: outcome.requestId, reason: outcome.reason });
    case 'backend_unavailable':
      throw new ApiError(503, 'relay_backend_unavailable', 'relay.unavailable', { reason: outcome.reason }, { requestId: outcome.requestId, reason: outcome.reason });
    case 'agent_error':
      throw new ApiError(502, 'relay_agent_error', 'relay.agentError', { requestId: outcome.requestId }, { requestId: outcome.requestId, reason: outcome.reason });
    case 'reply_refused':
      throw new ApiError(502, 'relay_reply_refused', 'relay.replyRefused', { requestId: outcome.requestId }, { requestId: outcome.requestId, reason: outcome.reason });
    case 'request_unknown':
      throw new ApiError(404, 'relay_request_unknown', 'relay.requestUnknown');
  }
}

/**
 * The event an alert keys on (infra: a log query on `relay.reply_refused`): a forged or misdirected
 * reply means someone holds a relay credential. Request id and reason code only, no personal data.
 */
export function alertOnRefusal(outcome: RelayOutcome, log: Logger): void {
  if (outcome.kind === 'reply_refused') log.error('relay.reply_refused', { requestId: outcome.requestId, reason: outcome.reason });
}

/**
 * Where a caller reads a pending request: from the configured public origin (APP_PUBLIC_URL), never
 * the request's Host header (a caller could point the link at a site of theirs); a relative path
 * when none is configured.
 */
function statusUrl(requestId: string): string {
  return `${settings().publicUrl ?? ''}/api/relay/requests/${requestId}`;
}

export const relayCall = endpoint<unknown, Record<string, string>, { operation: string }>({
  // Any signed-in caller reaches the handler; each operation then demands its own roles.
  roles: [],
  body: z.unknown(),
  params: z.object({ operation: z.string().max(64) }),
  async handle({ body, params, principal, language, log }) {
    if (!isOperationName(params.operation)) {
      throw new ApiError(404, 'relay_unknown_operation', 'relay.unknownOperation', { operation: params.operation.replace(/[^A-Za-z]/g, '').slice(0, 40) });
    }
    const spec = OPERATIONS[params.operation];
    if (!hasAnyRole(principal, spec.roles)) throw new ApiError(403, 'forbidden', 'auth.forbidden', { roles: spec.roles.join(' | ') });
    // Validated here too, so bad input costs no round trip to the agent (which checks again).
    const locale = language === 'en' ? z.locales.en() : z.locales.frCA();
    const input = spec.input.safeParse(body, { error: locale.localeError });
    if (!input.success) throw new ApiError(400, 'validation_failed', 'request.invalid', {}, fieldProblems('body', input.error));
    const relay = ports();
    const outcome = await callRelay(relay, params.operation, input.data, { oid: principal.oid, roles: principal.roles });
    alertOnRefusal(outcome, log);
    return httpAnswer(outcome, statusUrl);
  },
});

export const relayRequestStatus = endpoint<undefined, Record<string, string>, { id: string }>({
  roles: [],
  params: z.object({ id: z.uuid() }),
  async handle({ params, principal, log }) {
    const outcome = await relayStatus(ports(), params.id.toLowerCase(), principal);
    alertOnRefusal(outcome, log);
    return httpAnswer(outcome, statusUrl);
  },
});

app.http('relayRequestStatus', { methods: ['GET'], authLevel: 'anonymous', route: 'api/relay/requests/{id}', handler: relayRequestStatus });
app.http('relayCall', { methods: ['POST'], authLevel: 'anonymous', route: 'api/relay/{operation}', handler: relayCall });
