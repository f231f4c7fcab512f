import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { AgentStatus } from '../../shared/relay/agent-status';
import { PROTOCOL_VERSION, signReply, type OperationName, type RelayReply, type RelayUser, type ReplyRefusal } from '../../shared/relay/contract';
import type { HeartbeatSource, PendingRequests, RelayAudit, RelayCallResult, RelayTransport } from '../../shared/relay/ports';

/** The fake agent's reply-signing key: the fake ports trust it as `fake-agent`. */
export const FAKE_AGENT_KEY = { kid: 'fake-agent', ...generateKeyPairSync('ed25519') };
export const FAKE_DOCUMENT_LINK_PREFIX = 'http://127.0.0.1:10000/devstoreaccount1/relay-documents/';
import type { RelayPorts } from '../../shared/relay/relay-calls';

/**
 * In-memory relay ports for use-case tests. The transport answers with what the test scripted per
 * operation; a scripted "late" answer makes the call pending and delivers the reply to the
 * request's own session, as the real client does when its caller stopped waiting.
 */
export type ScriptedAnswer = {
  outcome: RelayReply['outcome'];
  result?: unknown;
  code?: string;
  late?: boolean;
  requestedBy?: string;
  /** Answer for another request id (a replayed or misdirected reply). */
  requestId?: string;
  /** Sign with another key, or not at all (an attacker's reply). */
  signWith?: { kid: string; privateKey: import('node:crypto').KeyObject } | 'unsigned';
};

export class FakeTransport implements RelayTransport {
  readonly calls: { operation: OperationName; params: unknown; user: RelayUser }[] = [];
  readonly script = new Map<OperationName, ScriptedAnswer>();
  private readonly lateReplies = new Map<string, RelayReply>();

  constructor(private readonly now: () => number = Date.now) {}

  async call(operation: OperationName, params: unknown, user: RelayUser): Promise<RelayCallResult> {
    this.calls.push({ operation, params, user });
    const answer = this.script.get(operation) ?? { outcome: 'error', code: 'unscripted' };
    const requestId = randomUUID();
    const request = { requestId, sessionId: requestId, expiresAt: new Date(this.now() + 120_000).toISOString() };
    const unsigned: RelayReply = {
      v: PROTOCOL_VERSION,
      requestId: answer.requestId ?? requestId,
      outcome: answer.outcome,
      ...(answer.result !== undefined ? { result: answer.result } : {}),
      ...(answer.code ? { code: answer.code } : {}),
      requestedBy: answer.requestedBy ?? user.oid,
      durationMs: 1,
      agentVersion: 'fake',
    };
    const reply = answer.signWith === 'unsigned' ? unsigned : signReply(unsigned, answer.signWith ?? { kid: FAKE_AGENT_KEY.kid, privateKey: FAKE_AGENT_KEY.privateKey });
    if (answer.late) {
      this.lateReplies.set(requestId, reply);
      return { kind: 'pending', request };
    }
    return { kind: 'replied', reply, request };
  }

  /** Holds a late reply back (the agent is still working on it). */
  withhold(requestId: string): void {
    this.lateReplies.delete(requestId);
  }

  async awaitReply(sessionId: string, requestId: string): Promise<RelayReply | undefined> {
    const reply = this.lateReplies.get(sessionId);
    if (reply?.requestId !== requestId) return undefined;
    this.lateReplies.delete(sessionId);
    return reply;
  }
}

export class FakeHeartbeats implements HeartbeatSource {
  beats: unknown[] = [];
  failing = false;

  async read(): Promise<unknown[]> {
    if (this.failing) throw new Error('storage unavailable');
    return this.beats;
  }
}

export class FakePendingRequests implements PendingRequests {
  readonly rows = new Map<string, { operation: OperationName; expiresAt: string }>();

  async remember(owner: string, requestId: string, operation: OperationName, expiresAt: string): Promise<void> {
    this.rows.set(`${owner}/${requestId}`, { operation, expiresAt });
  }

  async find(owner: string, requestId: string): Promise<{ expiresAt: string; operation: OperationName } | undefined> {
    const row = this.rows.get(`${owner}/${requestId}`);
    return row ? { expiresAt: row.expiresAt, operation: row.operation } : undefined;
  }

  async forget(owner: string, requestId: string): Promise<void> {
    this.rows.delete(`${owner}/${requestId}`);
  }
}

export class FakeRelayAudit implements RelayAudit {
  readonly refused: { requester: string; requestId: string; operation: OperationName; reason: ReplyRefusal; kid?: string }[] = [];

  readonly drained: { queue: string; messageId: string; reason: string; deadLetteredAt?: string }[] = [];

  async deadLetterDrained(record: { queue: string; messageId: string; reason: string; deadLetteredAt?: string }): Promise<void> {
    this.drained.push(record);
  }

  async replyRefused(requester: string, refusal: { requestId: string; operation: OperationName; reason: ReplyRefusal; kid?: string }): Promise<void> {
    this.refused.push({ requester, ...refusal });
  }
}

export function fakeRelay(now: () => number = Date.now) {
  const transport = new FakeTransport(now);
  const heartbeats = new FakeHeartbeats();
  const pending = new FakePendingRequests();
  const audit = new FakeRelayAudit();
  const ports: RelayPorts = {
    transport,
    status: new AgentStatus(heartbeats, 60_000, 0, now),
    pending,
    trust: { publicKeys: new Map([[FAKE_AGENT_KEY.kid, FAKE_AGENT_KEY.publicKey]]), documentLinkPrefix: FAKE_DOCUMENT_LINK_PREFIX, documentLinkMaxLifetimeMs: 31 * 60_000 },
    audit,
    waitMs: 8_000,
    now,
  };
  return { ports, transport, heartbeats, pending, audit };
}
