import type { AgentState, AgentStatus } from './agent-status';
import { OPERATIONS, type OperationName, type RelayReply, type RelayUser } from './contract';
import type { PendingRequests, RelayTransport } from './ports';

/**
 * The relay's use cases: refuse fast when the agent is offline, call, and turn the agent's reply
 * into an outcome. Only functions/ maps outcomes to HTTP (functions/relay/relay.ts).
 */
export interface RelayPorts {
  transport: RelayTransport;
  status: AgentStatus;
  pending: PendingRequests;
  /** How long a call waits for the agent before answering "pending". */
  waitMs: number;
  now?: () => number;
}

export type RelayOutcome =
  | { kind: 'result'; requestId: string; result: unknown }
  | { kind: 'pending'; requestId: string }
  | { kind: 'offline'; reason: Extract<AgentState, { online: false }>['reason'] }
  | { kind: 'denied'; requestId: string; reason: string }
  | { kind: 'not_found'; requestId: string; reason?: string }
  | { kind: 'invalid'; requestId: string; reason?: string; problems: NonNullable<RelayReply['problems']> }
  | { kind: 'timeout'; requestId: string; reason?: string }
  | { kind: 'backend_unavailable'; requestId: string; reason: string }
  | { kind: 'agent_error'; requestId: string; reason?: string }
  /** No pending request of this caller has this id (or it was someone else's). */
  | { kind: 'request_unknown' };

/** A pending request's reply is looked for this long after the request expired before giving up. */
const LATE_REPLY_GRACE_MS = 30_000;

/** The agent's reply as an outcome; the agent's reason code travels along. */
export function outcomeOf(reply: RelayReply): RelayOutcome {
  const requestId = reply.requestId;
  const reason = reply.code;
  switch (reply.outcome) {
    case 'ok':
      return { kind: 'result', requestId, result: reply.result };
    case 'denied':
      return { kind: 'denied', requestId, reason: reason ?? 'denied' };
    case 'not_found':
      return { kind: 'not_found', requestId, ...(reason ? { reason } : {}) };
    case 'invalid':
      return { kind: 'invalid', requestId, ...(reason ? { reason } : {}), problems: reply.problems ?? [] };
    case 'unavailable':
      return reason === 'timeout' ? { kind: 'timeout', requestId, reason } : { kind: 'backend_unavailable', requestId, reason: reason ?? 'unavailable' };
    case 'error':
      return { kind: 'agent_error', requestId, ...(reason ? { reason } : {}) };
  }
}

/** A staff call: the result, or "pending" (remembered for its caller) when the agent is slow. */
export async function callRelay(ports: RelayPorts, operation: OperationName, params: unknown, user: RelayUser): Promise<RelayOutcome> {
  const agent = await ports.status.state();
  if (!agent.online) return { kind: 'offline', reason: agent.reason };
  const result = await ports.transport.call(operation, params, { oid: user.oid, roles: user.roles }, ports.waitMs);
  if (result.kind === 'replied') return outcomeOf(result.reply);
  const { requestId, expiresAt } = result.request;
  await ports.pending.remember(user.oid, requestId, operation, expiresAt);
  return { kind: 'pending', requestId };
}

/** The status of a request that answered "pending": the caller's own only. */
export async function relayStatus(ports: RelayPorts, requestId: string, user: Pick<RelayUser, 'oid'>): Promise<RelayOutcome> {
  const row = await ports.pending.find(user.oid, requestId);
  if (!row) return { kind: 'request_unknown' };
  const reply = await ports.transport.awaitReply(requestId, requestId, 1_500);
  // The pending row says whose request it is; the signed-for user in the reply must agree.
  if (reply && reply.requestedBy !== user.oid) return { kind: 'request_unknown' };
  if (reply) {
    await ports.pending.forget(user.oid, requestId);
    return outcomeOf(reply);
  }
  if (Date.parse(row.expiresAt) + LATE_REPLY_GRACE_MS < (ports.now ?? Date.now)()) {
    await ports.pending.forget(user.oid, requestId);
    return { kind: 'timeout', requestId };
  }
  return { kind: 'pending', requestId };
}

/** Thrown to an orchestration when the agent is offline or silent, so it can retry the activity. */
export class RelayUnavailable extends Error {
  constructor(readonly code: 'relay_not_configured' | 'relay_offline' | 'relay_timeout', readonly requestId?: string) {
    super(`On-premises relay unavailable: ${code}`);
    this.name = 'RelayUnavailable';
  }
}

/** For an orchestration activity: the agent's reply itself, whatever its outcome, or RelayUnavailable. */
export async function callRelayForActivity(ports: RelayPorts, operation: OperationName, params: unknown, user: RelayUser): Promise<RelayReply> {
  const agent = await ports.status.state();
  if (!agent.online) throw new RelayUnavailable('relay_offline');
  const result = await ports.transport.call(operation, params, { oid: user.oid, roles: user.roles }, OPERATIONS[operation].timeoutMs + 5_000);
  if (result.kind === 'pending') throw new RelayUnavailable('relay_timeout', result.request.requestId);
  return result.reply;
}
