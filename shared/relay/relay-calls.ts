import type { AgentState, AgentStatus } from './agent-status';
import { checkReply, OPERATIONS, type OperationName, type RelayReply, type RelayUser, type ReplyRefusal, type ReplyTrust } from './contract';
import type { PendingRequests, RelayAudit, RelayTransport } from './ports';

/**
 * The relay's use cases: refuse fast when the agent is offline, call, and turn the agent's reply
 * into an outcome. Only functions/ maps outcomes to HTTP (functions/relay/relay.ts).
 */
export interface RelayPorts {
  transport: RelayTransport;
  status: AgentStatus;
  pending: PendingRequests;
  /** The agents' reply keys and the app's own document links: what a reply must prove before it reaches anyone. */
  trust: ReplyTrust;
  audit: RelayAudit;
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
  /** A reply came but failed the app's checks (signature, request, requester, schema, links): nothing of it is shown. */
  | { kind: 'reply_refused'; requestId: string; reason: ReplyRefusal }
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

/**
 * The reply if it passes every check, or why not, after recording the refusal in the relay's
 * audit trail (the caller's layer raises the alert: it holds the log).
 */
async function trusted(ports: RelayPorts, reply: RelayReply, expected: { requestId: string; requestedBy: string; operation: OperationName }): Promise<{ ok: true; reply: RelayReply } | { ok: false; reason: ReplyRefusal }> {
  const checked = checkReply(reply, expected, ports.trust, (ports.now ?? Date.now)());
  if (!checked.ok) {
    await ports.audit.replyRefused(expected.requestedBy, { requestId: expected.requestId, operation: expected.operation, reason: checked.reason, ...(reply.kid ? { kid: reply.kid } : {}) });
  }
  return checked;
}

/** A staff call: the result, or "pending" (remembered for its caller) when the agent is slow. */
export async function callRelay(ports: RelayPorts, operation: OperationName, params: unknown, user: RelayUser): Promise<RelayOutcome> {
  const agent = await ports.status.state();
  if (!agent.online) return { kind: 'offline', reason: agent.reason };
  const result = await ports.transport.call(operation, params, { oid: user.oid, roles: user.roles }, ports.waitMs);
  if (result.kind === 'replied') {
    const checked = await trusted(ports, result.reply, { requestId: result.request.requestId, requestedBy: user.oid, operation });
    return checked.ok ? outcomeOf(checked.reply) : { kind: 'reply_refused', requestId: result.request.requestId, reason: checked.reason };
  }
  const { requestId, expiresAt } = result.request;
  await ports.pending.remember(user.oid, requestId, operation, expiresAt);
  return { kind: 'pending', requestId };
}

/** The status of a request that answered "pending": the caller's own only. */
export async function relayStatus(ports: RelayPorts, requestId: string, user: Pick<RelayUser, 'oid'>): Promise<RelayOutcome> {
  const row = await ports.pending.find(user.oid, requestId);
  if (!row?.operation) return { kind: 'request_unknown' };
  const reply = await ports.transport.awaitReply(requestId, requestId, 1_500);
  if (reply) {
    // The pending row says whose request it is and for what; the agent's signed reply must agree.
    const checked = await trusted(ports, reply, { requestId, requestedBy: user.oid, operation: row.operation });
    await ports.pending.forget(user.oid, requestId);
    return checked.ok ? outcomeOf(checked.reply) : { kind: 'reply_refused', requestId, reason: checked.reason };
  }
  if (Date.parse(row.expiresAt) + LATE_REPLY_GRACE_MS < (ports.now ?? Date.now)()) {
    await ports.pending.forget(user.oid, requestId);
    return { kind: 'timeout', requestId };
  }
  return { kind: 'pending', requestId };
}

/** Thrown to an orchestration when the agent is offline or silent, so it can retry the activity. */
export class RelayUnavailable extends Error {
  constructor(readonly code: 'relay_not_configured' | 'relay_offline' | 'relay_timeout' | 'relay_reply_refused', readonly requestId?: string, readonly reason?: ReplyRefusal) {
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
  const checked = await trusted(ports, result.reply, { requestId: result.request.requestId, requestedBy: user.oid, operation });
  if (!checked.ok) throw new RelayUnavailable('relay_reply_refused', result.request.requestId, checked.reason);
  return checked.reply;
}
