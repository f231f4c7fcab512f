import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import { randomUUID, type KeyObject } from 'node:crypto';
import { PROTOCOL_VERSION, RelayReply, signRequest, type OperationName, type RelayRequest, type RelayUser } from './protocol';

/**
 * The function app's side of the relay: signs a request, sends it on the requests queue naming a
 * reply session of its own (one per request, so a caller only ever sees its own reply, and a
 * later status read can pick it up from any instance), then waits on that session up to a bound.
 */
export interface RelayClientOptions {
  serviceBus: ServiceBusClient;
  requestsQueue: string;
  repliesQueue: string;
  signingKey: { kid: string; privateKey: KeyObject };
  /** How long the agent may still act on a request. */
  requestTtlMs: number;
  now?: () => number;
}

export interface SentRequest {
  requestId: string;
  sessionId: string;
  expiresAt: string;
}

export type RelayCallResult = { kind: 'replied'; reply: RelayReply; request: SentRequest } | { kind: 'pending'; request: SentRequest };

export class RelayClient {
  private sender: ServiceBusSender | undefined;
  private readonly now: () => number;

  constructor(private readonly options: RelayClientOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Builds and signs a request; exposed so tests can send exactly what the app would. */
  sign(operation: OperationName | string, params: unknown, user: RelayUser, id: string = randomUUID()): RelayRequest {
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
        // The request id doubles as the reply session: unguessable, unique, and known to the status endpoint.
        replyToSessionId: id,
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
      // Service Bus drops the request itself once no agent may act on it any more.
      timeToLive: Math.max(1_000, Date.parse(request.expiresAt) - this.now() + 30_000),
    });
    return { requestId: request.id, sessionId: request.replyToSessionId, expiresAt: request.expiresAt };
  }

  /**
   * Waits up to `waitMs` for the reply in `sessionId`. Resolves undefined when none came (the
   * reply stays in its session for a later status read). Messages in the session that are not
   * a reply to `requestId` are removed: the session is this request's alone.
   */
  async awaitReply(sessionId: string, requestId: string, waitMs: number): Promise<RelayReply | undefined> {
    const deadline = this.now() + waitMs;
    let receiver;
    try {
      receiver = await this.options.serviceBus.acceptSession(this.options.repliesQueue, sessionId, { receiveMode: 'peekLock' });
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

  async call(operation: OperationName, params: unknown, user: RelayUser, waitMs: number): Promise<RelayCallResult> {
    const request = this.sign(operation, params, user);
    const sent = await this.send(request);
    const reply = await this.awaitReply(sent.sessionId, sent.requestId, waitMs);
    return reply ? { kind: 'replied', reply, request: sent } : { kind: 'pending', request: sent };
  }

  async close(): Promise<void> {
    await this.sender?.close();
    this.sender = undefined;
  }
}
