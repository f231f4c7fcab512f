import type { ServiceBusClient } from '@azure/service-bus';
import type { Principal } from '../platform/auth';
import { blobServiceClient, serviceBusClient, serviceBusReplyClient, tableClient } from '../platform/adapters/clients';
import { settings, type Settings } from '../platform/settings';
import { ApiError } from '../platform/api-error';
import { AgentStatus } from './agent-status';
import { disableNagleForServiceBus } from './adapters/amqp-no-delay';
import { HEARTBEAT_PREFIX, OPERATIONS, privateKeyFrom, type OperationName, type RelayReply } from './contract';
import { RelayClient } from './adapters/relay-client';

/**
 * The relay as the function app uses it: refuse fast when the agent is offline, call, and turn the
 * agent's reply into an HTTP answer (or an ApiError with its own status and message). Pending
 * requests are remembered in a table (owner, operation, expiry: never any mission data) so the
 * status endpoint can tell "still working" from "never yours".
 */
export const PENDING_TABLE = 'relaypending';

export interface RelayAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

let state: { bus: ServiceBusClient; settings: Settings; client: RelayClient; status: AgentStatus } | undefined;

function relay(): NonNullable<typeof state> {
  const s = settings();
  if (!s.relay.signingKey) throw new ApiError(503, 'relay_not_configured', 'relay.notConfigured');
  disableNagleForServiceBus();
  const bus = serviceBusClient(s);
  if (!state || state.bus !== bus || state.settings !== s) {
    let privateKey: ReturnType<typeof privateKeyFrom>;
    try {
      privateKey = privateKeyFrom(s.relay.signingKey);
    } catch {
      // A key that does not parse is a configuration problem, reported like a missing one.
      throw new ApiError(503, 'relay_not_configured', 'relay.notConfigured', {}, { setting: 'RELAY_SIGNING_KEY' });
    }
    const client = new RelayClient({
      serviceBus: bus,
      replies: serviceBusReplyClient(s),
      requestsQueue: s.relay.requestsQueue,
      repliesQueue: s.relay.repliesQueue,
      signingKey: { kid: s.relay.signingKeyId, privateKey },
      requestTtlMs: s.relay.requestTtlSeconds * 1000,
    });
    const heartbeats = blobServiceClient(s).getContainerClient(s.relay.heartbeatContainer);
    const status = new AgentStatus(
      {
        async read() {
          const found: unknown[] = [];
          try {
            for await (const blob of heartbeats.listBlobsFlat({ prefix: HEARTBEAT_PREFIX })) {
              if (found.length >= 20) break; // a handful of agents at most; never an unbounded read
              const bytes = await heartbeats.getBlobClient(blob.name).downloadToBuffer();
              try {
                found.push(JSON.parse(bytes.toString('utf8')));
              } catch {
                // a half-written or foreign blob says nothing about the agents
              }
            }
          } catch (e) {
            // No container yet: no agent has ever started.
            if ((e as { statusCode?: number }).statusCode === 404) return [];
            throw e;
          }
          return found;
        },
      },
      s.relay.heartbeatMaxAgeSeconds * 1000,
    );
    state = { bus, settings: s, client, status };
  }
  return state;
}

/** For tests that change the heartbeat or the settings between calls. */
export function resetRelayForTests(): void {
  state = undefined;
}

async function ensureOnline(): Promise<RelayClient> {
  const r = relay();
  const agent = await r.status.state();
  if (!agent.online) throw new ApiError(503, 'relay_offline', 'relay.offline', {}, { reason: agent.reason });
  return r.client;
}

/** Calls the relay for an orchestration activity: the reply itself, or an error when there is none in time. */
export async function callRelayForActivity(operation: OperationName, params: unknown, user: Pick<Principal, 'oid' | 'roles'>): Promise<RelayReply> {
  const client = await ensureOnline();
  const result = await client.call(operation, params, { oid: user.oid, roles: user.roles }, OPERATIONS[operation].timeoutMs + 5_000);
  if (result.kind === 'pending') throw new ApiError(504, 'relay_timeout', 'relay.timeout', {}, { requestId: result.request.requestId });
  return result.reply;
}

/** POST /api/relay/{operation}: 200 with the result, 202 with a status URL when slow, errors otherwise. */
export async function callRelay(operation: OperationName, params: unknown, principal: Principal, statusUrl: (id: string) => string): Promise<RelayAnswer> {
  const client = await ensureOnline();
  const s = settings();
  const result = await client.call(operation, params, { oid: principal.oid, roles: principal.roles }, s.relay.waitMs);
  if (result.kind === 'replied') return answerFor(result.reply);
  const { requestId, expiresAt } = result.request;
  const table = tableClient(PENDING_TABLE, s);
  await table.createTable().catch(() => undefined);
  await table.upsertEntity({ partitionKey: principal.oid, rowKey: requestId, operation, expiresAt }, 'Replace');
  return pending(requestId, statusUrl(requestId));
}

/** GET /api/relay/requests/{id}: the caller's own pending request only. */
export async function relayStatus(requestId: string, principal: Principal, statusUrl: string): Promise<RelayAnswer> {
  const r = relay();
  const table = tableClient(PENDING_TABLE, settings());
  let row: { expiresAt?: string } | undefined;
  try {
    row = await table.getEntity<{ expiresAt: string }>(principal.oid, requestId);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
  if (!row?.expiresAt) throw new ApiError(404, 'relay_request_unknown', 'relay.requestUnknown');
  const reply = await r.client.awaitReply(requestId, requestId, 1_500);
  // The table row says whose request it is; the signed-for user in the reply must agree.
  if (reply && reply.requestedBy !== principal.oid) throw new ApiError(404, 'relay_request_unknown', 'relay.requestUnknown');
  if (reply) {
    await table.deleteEntity(principal.oid, requestId).catch(() => undefined);
    return answerFor(reply);
  }
  if (Date.parse(row.expiresAt) + 30_000 < Date.now()) {
    await table.deleteEntity(principal.oid, requestId).catch(() => undefined);
    throw new ApiError(504, 'relay_timeout', 'relay.timeout', {}, { requestId });
  }
  return pending(requestId, statusUrl);
}

function pending(requestId: string, statusUrl: string): RelayAnswer {
  return { status: 202, body: { requestId, status: 'pending', statusUrl }, headers: { location: statusUrl, 'retry-after': '2' } };
}

/** Each outcome has its own status and message; the agent's reason code travels in details. */
export function answerFor(reply: RelayReply): RelayAnswer {
  const details = { requestId: reply.requestId, reason: reply.code };
  switch (reply.outcome) {
    case 'ok':
      return { status: 200, body: { requestId: reply.requestId, result: reply.result } };
    case 'denied':
      throw new ApiError(403, 'relay_denied', 'relay.denied', { reason: reply.code ?? 'denied' }, details);
    case 'not_found':
      throw new ApiError(404, 'relay_not_found', 'relay.notFound', {}, details);
    case 'invalid':
      throw new ApiError(400, 'relay_invalid', 'relay.invalid', {}, { ...details, problems: reply.problems ?? [] });
    case 'unavailable':
      if (reply.code === 'timeout') throw new ApiError(504, 'relay_timeout', 'relay.timeout', {}, details);
      throw new ApiError(503, 'relay_backend_unavailable', 'relay.unavailable', { reason: reply.code ?? 'unavailable' }, details);
    case 'error':
      throw new ApiError(502, 'relay_agent_error', 'relay.agentError', { requestId: reply.requestId }, details);
  }
}
