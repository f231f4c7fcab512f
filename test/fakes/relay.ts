import { randomUUID } from 'node:crypto';
import { AgentStatus } from '../../shared/relay/agent-status';
import { PROTOCOL_VERSION, type OperationName, type RelayReply, type RelayUser } from '../../shared/relay/contract';
import type { HeartbeatSource, PendingRequests, RelayCallResult, RelayTransport } from '../../shared/relay/ports';
import type { RelayPorts } from '../../shared/relay/relay-calls';

/**
 * In-memory relay ports for use-case tests. The transport answers with what the test scripted per
 * operation; a scripted "late" answer makes the call pending and delivers the reply to the
 * request's own session, as the real client does when its caller stopped waiting.
 */
export type ScriptedAnswer = { outcome: RelayReply['outcome']; result?: unknown; code?: string; late?: boolean; requestedBy?: string };

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
    const reply: RelayReply = {
      v: PROTOCOL_VERSION,
      requestId,
      outcome: answer.outcome,
      ...(answer.result !== undefined ? { result: answer.result } : {}),
      ...(answer.code ? { code: answer.code } : {}),
      requestedBy: answer.requestedBy ?? user.oid,
      durationMs: 1,
      agentVersion: 'fake',
    };
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

  async find(owner: string, requestId: string): Promise<{ expiresAt: string } | undefined> {
    const row = this.rows.get(`${owner}/${requestId}`);
    return row ? { expiresAt: row.expiresAt } : undefined;
  }

  async forget(owner: string, requestId: string): Promise<void> {
    this.rows.delete(`${owner}/${requestId}`);
  }
}

export function fakeRelay(now: () => number = Date.now) {
  const transport = new FakeTransport(now);
  const heartbeats = new FakeHeartbeats();
  const pending = new FakePendingRequests();
  const ports: RelayPorts = { transport, status: new AgentStatus(heartbeats, 60_000, 0, now), pending, waitMs: 8_000, now };
  return { ports, transport, heartbeats, pending };
}
