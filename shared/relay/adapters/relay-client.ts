import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusSender, ServiceBusSessionReceiver } from '@azure/service-bus';
import { SpanKind } from '@opentelemetry/api';
import { contextFromTraceparent, inSpan, traceProperties } from '../../platform/tracing';
import { randomUUID, type KeyObject } from 'node:crypto';
import { PROTOCOL_VERSION, RelayReply, signRequest, type OperationName, type RelayRequest, type RelayUser } from '../contract';
import type { RelayCallResult, RelayTransport, SentRequest } from '../ports';

/**
 * The function app's side of the relay. Each process (function app instance) owns one reply
 * session, kept open: requests name it as replyToSessionId, and a dispatcher hands each reply to
 * the call waiting for it, so only this instance ever sees its callers' replies and no link is
 * opened per request. A reply that comes after its caller stopped waiting (the HTTP call answered
 * 202) is moved to a session named after the request id, where the status endpoint (on any
 * instance) reads it.
 */
export interface RelayClientOptions {
  /** Sends requests (and moves late replies). */
  serviceBus: ServiceBusClient;
  /** Receives replies; best a separate connection from `serviceBus` (see serviceBusReplyClient). */
  replies?: ServiceBusClient;
  requestsQueue: string;
  repliesQueue: string;
  signingKey: { kid: string; privateKey: KeyObject };
  /** How long the agent may still act on a request. */
  requestTtlMs: number;
  /** How long a moved late reply waits for its status read. */
  lateReplyTtlMs?: number;
  now?: () => number;
}

export type { RelayCallResult, SentRequest } from '../ports';

/**
 * Errors after which the reply session is gone: its lock (SessionLockLost; some SDK paths spell it
 * SessionLockLostError), the link or the connection, or anything the SDK will not retry.
 */
function isSessionLost(error: unknown): boolean {
  const { code, retryable } = error as { code?: string; retryable?: boolean };
  return code === 'SessionLockLost' || code === 'SessionLockLostError' || code === 'ServiceCommunicationProblem' || code === 'MessagingEntityNotFound' || retryable === false;
}

interface Waiter {
  resolve(reply: RelayReply | undefined): void;
  timer: NodeJS.Timeout;
}

export class RelayClient implements RelayTransport {
  /** This instance's reply session. */
  readonly instanceSessionId = randomUUID();
  private sender: ServiceBusSender | undefined;
  private replySession: Promise<ServiceBusSessionReceiver> | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private readonly now: () => number;

  constructor(private readonly options: RelayClientOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Builds and signs a request. Replies go to `replyToSessionId`, by default a session named
   * after the request (what a one-off caller, such as a test, reads with awaitReply).
   */
  sign(operation: OperationName | string, params: unknown, user: RelayUser, options: { id?: string; replyToSessionId?: string } = {}): RelayRequest {
    const id = options.id ?? randomUUID();
    const issued = this.now();
    return signRequest(
      {
        v: PROTOCOL_VERSION,
        id,
        operation,
        params,
        user: { oid: user.oid, roles: [...user.roles] },
        issuedAt: new Date(issued).toISOString(),
        expiresAt: new Date(issued + this.options.requestTtlMs).toISOString(),
        replyToSessionId: options.replyToSessionId ?? id,
      },
      this.options.signingKey,
    );
  }

  async send(request: RelayRequest): Promise<SentRequest> {
    this.sender ??= this.options.serviceBus.createSender(this.options.requestsQueue);
    await this.sender.sendMessages({
      body: request,
      contentType: 'application/json',
      messageId: request.id,
      replyToSessionId: request.replyToSessionId,
      // The caller's trace, for the agent to continue (docs/decisions/0017).
      applicationProperties: traceProperties(),
      // Service Bus drops the request itself once no agent may act on it any more.
      timeToLive: Math.max(1_000, Date.parse(request.expiresAt) - this.now() + 30_000),
    });
    return { requestId: request.id, sessionId: request.replyToSessionId, expiresAt: request.expiresAt };
  }

  /** Sends a request and waits up to `waitMs` for its reply on this instance's session. */
  async call(operation: OperationName, params: unknown, user: RelayUser, waitMs: number): Promise<RelayCallResult> {
    await this.openReplySession();
    const request = this.sign(operation, params, user, { replyToSessionId: this.instanceSessionId });
    const replied = new Promise<RelayReply | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(request.id);
        resolve(undefined);
      }, waitMs);
      this.waiters.set(request.id, { resolve, timer });
    });
    let sent: SentRequest;
    try {
      sent = await this.send(request);
    } catch (e) {
      const waiter = this.waiters.get(request.id);
      if (waiter) clearTimeout(waiter.timer);
      this.waiters.delete(request.id);
      throw e;
    }
    const reply = await replied;
    // A late reply is moved to a session named after the request: that is where status reads look.
    const tracked = { ...sent, sessionId: request.id };
    return reply ? { kind: 'replied', reply, request: tracked } : { kind: 'pending', request: tracked };
  }

  private openReplySession(): Promise<ServiceBusSessionReceiver> {
    this.replySession ??= (async () => {
      const bus = this.options.replies ?? this.options.serviceBus;
      // Receive-and-delete: a reply is taken off the queue as it is handed over, with no settle
      // round trip. If this instance dies first, its callers are gone too; a moved late reply
      // could be lost, and its status read then answers 504 (ask again).
      const receiver = await bus.acceptSession(this.options.repliesQueue, this.instanceSessionId, { receiveMode: 'receiveAndDelete' });
      receiver.subscribe(
        {
          processMessage: (message) => this.dispatch(message),
          processError: async (args) => {
            // The session was lost (lock, link, connection): open it again now; replies wait in
            // the session meanwhile, and waiting calls keep waiting for them.
            if (isSessionLost(args.error)) await this.reopenReplySession(receiver);
          },
        },
        // Many at once: each reply only wakes its waiter, and one link credit per reply would make
        // replies queue behind the host's event loop, one round trip each.
        { autoCompleteMessages: false, maxConcurrentCalls: 100 },
      );
      this.keepSessionLock(receiver);
      return receiver;
    })();
    this.replySession.catch(() => (this.replySession = undefined));
    return this.replySession;
  }

  private lockTimer: NodeJS.Timeout | undefined;

  /**
   * The SDK renews a session lock only in peek-lock mode, and Service Bus releases a session whose
   * lock expires (LockDuration): an idle reply session would be lost, silently or with the link
   * detached, and every later call would wait for replies no one receives. So the lock is renewed
   * here, at half its remaining time; when renewal fails the session is opened again at once.
   */
  private keepSessionLock(receiver: ServiceBusSessionReceiver): void {
    clearTimeout(this.lockTimer);
    const lockedUntil = receiver.sessionLockedUntilUtc?.getTime() ?? Date.now() + 10_000;
    const delay = Math.max(100, Math.min((lockedUntil - Date.now()) / 2, 60_000));
    this.lockTimer = setTimeout(() => {
      void (async () => {
        if (this.closed || receiver.isClosed) return this.reopenReplySession(receiver);
        try {
          await receiver.renewSessionLock();
          this.keepSessionLock(receiver);
        } catch {
          // Lost (SessionLockLost), or the link or connection failed: a fresh session either way.
          await this.reopenReplySession(receiver);
        }
      })();
    }, delay);
    this.lockTimer.unref();
  }

  /** Drops `lost` (if it is still the current session) and accepts the instance's session again. */
  private async reopenReplySession(lost: ServiceBusSessionReceiver): Promise<void> {
    const current = this.replySession;
    if (!current || this.closed) return;
    const receiver = await current.catch(() => undefined);
    if (receiver !== lost || this.replySession !== current) return;
    this.replySession = undefined;
    clearTimeout(this.lockTimer);
    await lost.close().catch(() => undefined);
    this.sessionReopened++;
    // At once, not on the next call: replies to calls already waiting are in the session now.
    // Should it fail (the namespace unreachable), the next call tries again.
    await this.openReplySession().catch(() => undefined);
  }

  /** How many times the reply session was lost and opened again (tests and diagnostics). */
  sessionReopened = 0;
  private closed = false;

  private async dispatch(message: ServiceBusReceivedMessage): Promise<void> {
    const parsed = RelayReply.safeParse(message.body);
    if (!parsed.success) return;
    const reply = parsed.data;
    // The reply continues the request's trace under the agent's span (the agent answers with the
    // request's trace id and its own span id): the HTTP request, the agent and this reply are one
    // trace, though the agent exports no spans of its own.
    const parent = contextFromTraceparent(message.applicationProperties?.traceparent);
    const attributes = { 'messaging.system': 'servicebus', 'messaging.operation.type': 'receive', 'messaging.destination.name': this.options.repliesQueue };
    await inSpan('relay reply', { kind: SpanKind.CONSUMER, parent, attributes }, async () => {
      const waiter = this.waiters.get(reply.requestId);
      if (waiter) {
        clearTimeout(waiter.timer);
        this.waiters.delete(reply.requestId);
        waiter.resolve(reply);
      } else {
        await this.moveLateReply(reply);
      }
    });
  }

  private lateSender: ServiceBusSender | undefined;

  private async moveLateReply(reply: RelayReply): Promise<void> {
    this.lateSender ??= this.options.serviceBus.createSender(this.options.repliesQueue);
    await this.lateSender.sendMessages({
      body: reply,
      contentType: 'application/json',
      sessionId: reply.requestId,
      messageId: `${reply.requestId}-late`,
      timeToLive: this.options.lateReplyTtlMs ?? 10 * 60_000,
    });
  }

  /**
   * Reads the reply in `sessionId` (a per-request session) waiting up to `waitMs`. Resolves
   * undefined when none came. Other messages in that session are removed: it is this request's alone.
   */
  async awaitReply(sessionId: string, requestId: string, waitMs: number): Promise<RelayReply | undefined> {
    const deadline = this.now() + waitMs;
    let receiver;
    try {
      receiver = await (this.options.replies ?? this.options.serviceBus).acceptSession(this.options.repliesQueue, sessionId, { receiveMode: 'peekLock' });
    } catch (e) {
      // Another reader holds the session (a concurrent status read): treat as "not yet".
      if ((e as { code?: string }).code === 'SessionCannotBeLocked') return undefined;
      throw e;
    }
    try {
      for (;;) {
        const left = deadline - this.now();
        if (left <= 0) return undefined;
        const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: left });
        if (!message) return undefined;
        const reply = RelayReply.safeParse(message.body);
        await receiver.completeMessage(message);
        if (reply.success && reply.data.requestId === requestId) return reply.data;
      }
    } finally {
      await receiver.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.lockTimer);
    for (const waiter of this.waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.resolve(undefined);
    }
    this.waiters.clear();
    const session = this.replySession;
    this.replySession = undefined;
    await session?.then((r) => r.close()).catch(() => undefined);
    await this.sender?.close();
    await this.lateSender?.close();
    this.sender = undefined;
    this.lateSender = undefined;
  }
}
