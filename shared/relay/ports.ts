import type { OperationName, RelayReply, RelayUser, ReplyRefusal } from './contract';

/**
 * The ports the relay's use cases work through. Adapters (shared/relay/adapters/): Service Bus
 * (RelayClient), Blob Storage (agent heartbeats), Table Storage (pending requests).
 */

export interface SentRequest {
  requestId: string;
  sessionId: string;
  expiresAt: string;
}

export type RelayCallResult = { kind: 'replied'; reply: RelayReply; request: SentRequest } | { kind: 'pending'; request: SentRequest };

/** Sends signed requests to the on-premises agent and waits for their replies. */
export interface RelayTransport {
  call(operation: OperationName, params: unknown, user: RelayUser, waitMs: number): Promise<RelayCallResult>;
  /** A reply that came after its caller stopped waiting, read from the session named after the request. */
  awaitReply(sessionId: string, requestId: string, waitMs: number): Promise<RelayReply | undefined>;
}

/** Every agent's raw heartbeat JSON (empty when there is none). */
export interface HeartbeatSource {
  read(): Promise<unknown[]>;
}

/**
 * Requests that answered 202, remembered per caller (owner, operation, expiry: never any mission
 * data) so the status endpoint can tell "still working" from "never yours".
 */
export interface PendingRequests {
  remember(owner: string, requestId: string, operation: OperationName, expiresAt: string): Promise<void>;
  find(owner: string, requestId: string): Promise<{ expiresAt: string; operation?: OperationName } | undefined>;
  forget(owner: string, requestId: string): Promise<void>;
}

/** The relay's audit trail: what the app refused, by ids and reason codes only. */
export interface RelayAudit {
  replyRefused(requester: string, refusal: { requestId: string; operation: OperationName; reason: ReplyRefusal; kid?: string }): Promise<void>;
  /** A dead-lettered relay message, drained: its queue, id, reason code and time only. */
  deadLetterDrained(record: { queue: string; messageId: string; reason: string; deadLetteredAt?: string }): Promise<void>;
}
