import type { KeyObject } from 'node:crypto';
import {
  OPERATIONS,
  PROTOCOL_VERSION,
  RelayRequest,
  isOperationName,
  signReply,
  verifyRequestSignature,
  type RelayOutcome,
  type RelayReply,
} from '../../shared/relay/contract';
import type { AuditLog } from './audit-log';
import { Denied, NotFound, Unavailable } from './connectors/errors';
import type { IdempotencyStore } from './idempotency-store';
import { runOperation, type Connectors } from './operations';
import { AGENT_VERSION } from './version';

/**
 * What to do with one delivered message, decided without touching Service Bus (so it can be tested
 * on its own). The transport (relay-agent.ts) carries the decision out: send the reply, then mark
 * it sent, then complete the message, and in every case call `release(requestId)` after a reply.
 */
export type Decision =
  | { kind: 'reply'; reply: RelayReply; sessionId: string; replayed: boolean }
  /** Already answered: complete the message without a second reply. */
  | { kind: 'complete' }
  /** Dead-letter with a reason that holds no personal information. */
  | { kind: 'deadletter'; reason: string; description: string };

export interface ProcessorOptions {
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** The agent's own key: every reply leaves signed with it (the app refuses unsigned replies). */
  replyKey: { kid: string; privateKey: KeyObject };
  clockSkewMs: number;
  maxLifetimeMs: number;
  store: IdempotencyStore;
  audit: AuditLog;
  connectors: Connectors;
  now?: () => number;
  /** Told about errors no connector expected (a bug or a driver fault), for the operational log. */
  onUnexpected?: (error: unknown) => void;
}

export interface Delivery {
  body: unknown;
  deliveryCount: number;
  /** The app's trace this request belongs to (W3C trace id), for correlating the audit line. */
  traceId?: string;
}

export class RequestProcessor {
  /** Requests being answered in this process, until the transport releases them. */
  private readonly inFlight = new Map<string, { done: Promise<void>; release: () => void }>();
  private readonly now: () => number;

  constructor(private readonly options: ProcessorOptions) {
    this.now = options.now ?? Date.now;
  }

  async process(delivery: Delivery): Promise<Decision> {
    const started = performance.now();
    const audit = (fields: { requestId?: string; user?: string; operation?: string; outcome: string; code?: string }) =>
      this.options.audit.record({
        requestId: fields.requestId ?? null,
        user: fields.user ?? null,
        operation: fields.operation ?? null,
        outcome: fields.outcome,
        ...(fields.code ? { code: fields.code } : {}),
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        deliveryCount: delivery.deliveryCount,
        ...(delivery.traceId ? { traceId: delivery.traceId } : {}),
      });

    const parsed = RelayRequest.safeParse(decodeBody(delivery.body));
    if (!parsed.success) {
      audit({ outcome: 'refused', code: 'malformed' });
      return { kind: 'deadletter', reason: 'MalformedRequest', description: `Not a relay request of protocol version ${PROTOCOL_VERSION}.` };
    }
    const request = parsed.data;
    const who = { requestId: request.id, user: request.user.oid, operation: request.operation.slice(0, 64) };

    if (!verifyRequestSignature(request, this.options.publicKeys)) {
      audit({ ...who, outcome: 'refused', code: 'bad_signature' });
      return { kind: 'deadletter', reason: 'InvalidSignature', description: 'The request signature does not verify with any configured key.' };
    }
    const now = this.now();
    const issuedAt = Date.parse(request.issuedAt);
    const expiresAt = Date.parse(request.expiresAt);
    if (expiresAt + this.options.clockSkewMs < now) {
      audit({ ...who, outcome: 'refused', code: 'expired' });
      return { kind: 'deadletter', reason: 'RequestExpired', description: 'The request expired before the agent received it.' };
    }
    if (issuedAt - this.options.clockSkewMs > now || expiresAt - issuedAt > this.options.maxLifetimeMs || expiresAt < issuedAt) {
      audit({ ...who, outcome: 'refused', code: 'bad_validity' });
      return { kind: 'deadletter', reason: 'InvalidValidityPeriod', description: 'The request is issued in the future or valid for too long.' };
    }

    // A copy of a request being worked on here (a duplicate message, or a redelivery after a lost
    // lock) waits for that work to be released by the transport, then reads what it left: sent
    // (complete silently) or stored but unsent (send it, once).
    let waited = false;
    for (let current = this.inFlight.get(request.id); current; current = this.inFlight.get(request.id)) {
      waited = true;
      await current.done;
    }
    const seen = this.options.store.begin(request.id);
    if (seen.state === 'sent') {
      audit({ ...who, outcome: 'duplicate', code: waited ? 'answered_meanwhile' : 'already_answered' });
      return { kind: 'complete' };
    }
    const release = this.claim(request.id);
    if (seen.state === 'replied') {
      audit({ ...who, outcome: seen.reply.outcome, code: 'replayed' });
      // Signed again as it leaves: a reply stored before a key rotation carries the current key.
      return { kind: 'reply', reply: signReply(seen.reply, this.options.replyKey), sessionId: request.replyToSessionId, replayed: true };
    }
    try {
      const answer = await this.answer(request);
      const reply: RelayReply = signReply({
        v: PROTOCOL_VERSION,
        requestId: request.id,
        requestedBy: request.user.oid,
        agentVersion: AGENT_VERSION,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...answer,
      }, this.options.replyKey);
      this.options.store.saveReply(reply);
      audit({ ...who, outcome: reply.outcome, code: reply.code });
      return { kind: 'reply', reply, sessionId: request.replyToSessionId, replayed: false };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Marks `requestId` as being answered by this process until `release(requestId)`: the transport
   * releases it once the reply is sent and marked (or given up), never earlier, so a concurrent
   * copy cannot send a second reply.
   */
  private claim(requestId: string): () => void {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const release = () => {
      if (this.inFlight.get(requestId)?.done === done) this.inFlight.delete(requestId);
      resolve();
    };
    this.inFlight.set(requestId, { done, release });
    return release;
  }

  /** Called by the transport after a `reply` decision is carried out or abandoned. */
  release(requestId: string): void {
    this.inFlight.get(requestId)?.release();
  }

  private async answer(request: RelayRequest): Promise<Pick<RelayReply, 'outcome' | 'result' | 'code' | 'problems'>> {
    if (!isOperationName(request.operation)) return { outcome: 'denied', code: 'unknown_operation' };
    const spec = OPERATIONS[request.operation];
    if (!spec.roles.some((role) => request.user.roles.includes(role))) return { outcome: 'denied', code: 'role_missing' };
    const input = spec.input.safeParse(request.params);
    if (!input.success) {
      return {
        outcome: 'invalid',
        code: 'invalid_input',
        problems: input.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.').slice(0, 200), message: i.message.slice(0, 300) })),
      };
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Unavailable('timeout')), spec.timeoutMs);
      });
      const result = await Promise.race([runOperation(request.operation, input.data, { requestId: request.id, roles: request.user.roles }, this.options.connectors), timeout]);
      const output = spec.output.safeParse(result);
      if (!output.success) return { outcome: 'error', code: 'unexpected_result' };
      return { outcome: 'ok', result: output.data };
    } catch (error) {
      const outcome = outcomeOf(error);
      if (outcome.outcome === 'error') this.options.onUnexpected?.(error);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }
}

function outcomeOf(error: unknown): { outcome: RelayOutcome; code: string } {
  if (error instanceof NotFound) return { outcome: 'not_found', code: error.code };
  if (error instanceof Denied) return { outcome: 'denied', code: error.code };
  if (error instanceof Unavailable) return { outcome: 'unavailable', code: error.code };
  return { outcome: 'error', code: 'internal' };
}

/** The app sends JSON bodies; a body that arrives as bytes or text is parsed, anything else refused. */
function decodeBody(body: unknown): unknown {
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) body = Buffer.from(body).toString('utf8');
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body;
}
