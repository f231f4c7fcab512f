import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusSender, ServiceBusSessionReceiver } from '@azure/service-bus';
import { traceProperties } from '../../platform/tracing';
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
      const receiver = await bus.acceptSession(this.options.repliesQueue, this.instanceSessionId, {
        receiveMode: 'receiveAndDelete',
        maxAutoLockRenewalDurationInMs: 24 * 3_600_000,
      });
      receiver.subscribe(
        {
          processMessage: (message) => this.dispatch(message),
          processError: async (args) => {
            // The session was lost (lock, connection): open it again on the next call; replies
            // wait in the session meanwhile, and the SDK gives them to the next receiver.
            const code = (args.error as { code?: string }).code;
            if (code === 'SessionLockLost' || code === 'ServiceCommunicationProblem' || (args.error as { retryable?: boolean }).retryable === false) {
              this.replySession = undefined;
              await receiver.close().catch(() => undefined);
            }
          },
        },
        // Many at once: each reply only wakes its waiter, and one link credit per reply would make
        // replies queue behind the host's event loop, one round trip each.
        { autoCompleteMessages: false, maxConcurrentCalls: 100 },
      );
      return receiver;
    })();
    this.replySession.catch(() => (this.replySession = undefined));
    return this.replySession;
  }

  private async dispatch(message: ServiceBusReceivedMessage): Promise<void> {
    const parsed = RelayReply.safeParse(message.body);
    if (parsed.success) {
      const reply = parsed.data;
      const waiter = this.waiters.get(reply.requestId);
      if (waiter) {
        clearTimeout(waiter.timer);
        this.waiters.delete(reply.requestId);
        waiter.resolve(reply);
      } else {
        await this.moveLateReply(reply);
      }
    }
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
