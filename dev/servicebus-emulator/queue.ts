/**
 * One queue and its dead-letter sub-queue: storage, locks, sessions, scheduling, expiry.
 * Pure in-memory logic; the AMQP side (broker.ts) calls it and implements `Consumer`.
 */
import type { RawSections } from './amqp-codec';
import { newLockToken } from './amqp-codec';
import type { QueueSettings } from './config';
import { MinHeap } from './min-heap';

export const Conditions = {
  lockLost: 'com.microsoft:message-lock-lost',
  sessionLockLost: 'com.microsoft:session-lock-lost',
  sessionCannotBeLocked: 'com.microsoft:session-cannot-be-locked',
  timeout: 'com.microsoft:timeout',
  notFound: 'amqp:not-found',
  messageNotFound: 'com.microsoft:message-not-found',
  notAllowed: 'amqp:not-allowed',
  argumentError: 'com.microsoft:argument-error',
  sizeExceeded: 'amqp:link:message-size-exceeded',
  unauthorized: 'amqp:unauthorized-access',
  notImplemented: 'amqp:not-implemented',
  entityAlreadyExists: 'com.microsoft:entity-already-exists',
} as const;

/** Azure forwards a message through at most 4 entities (ForwardTo chains); past that it is dead-lettered. */
export const MAX_FORWARD_HOPS = 4;

/** A failure the client sees as an AMQP error condition (translated by the SDK to its error codes). */
export class BrokerError extends Error {
  constructor(readonly condition: string, description: string) {
    super(description);
  }
}

export interface IncomingMessage {
  messageId: string;
  sessionId?: string;
  header: { durable?: boolean; priority?: number; ttl?: number };
  /** Sender's message annotations other than the broker-owned ones. */
  annotations: Record<string, unknown>;
  scheduledEnqueueTime?: number;
  sections: RawSections;
  /** How many times auto-forwarding moved this message already. */
  forwardHops?: number;
  /**
   * The entity where the message was dead-lettered, set only when its dead-letter queue forwards it
   * to another entity (ForwardDeadLetteredMessagesTo), as Azure does.
   */
  deadLetterSource?: string;
}

export interface StoredMessage extends IncomingMessage {
  sequenceNumber: number;
  enqueuedAt: number;
  expiresAt: number;
  /** Times the message was handed out; the header's delivery-count is the number before this one. */
  deliveries: number;
  state: 'active' | 'deferred' | 'scheduled';
  lock?: MessageLock;
}

interface MessageLock {
  token: string;
  until: number;
  timer?: NodeJS.Timeout;
  /** Set for messages locked through a session receiver: the lock lives as long as the session lock. */
  session?: SessionEntry;
}

/** A receiving link as the queue sees it. */
export interface Consumer {
  readonly peekLock: boolean;
  /** How many messages the link can take now. */
  capacity(): number;
  /** Hands one message to the link; lockToken is set in peek-lock mode. */
  deliver(message: StoredMessage, lockToken: string | undefined): void;
  session?: SessionEntry;
  /** The session lock of this (session) link expired: Azure detaches the link with session-lock-lost. */
  sessionLost?(session: SessionEntry): void;
}

export interface SessionEntry {
  id: string;
  ready: MinHeap;
  owner?: Consumer;
  lockedUntil: number;
  timer?: NodeJS.Timeout;
  state?: Buffer;
  locked: Set<StoredMessage>;
}

interface SessionWaiter {
  consumer: Consumer;
  resolve(session: SessionEntry): void;
}

export interface QueueCounts {
  active: number;
  deadLettered: number;
  scheduled: number;
  deferred: number;
}

/** A stored message as a new message for another entity (it gets a new sequence number there). */
function forwardable(message: StoredMessage, hops: number): IncomingMessage {
  return {
    messageId: message.messageId,
    sessionId: message.sessionId,
    header: message.header,
    annotations: message.annotations,
    sections: { ...message.sections },
    forwardHops: hops,
  };
}

export class Queue {
  readonly messages = new Map<number, StoredMessage>();
  readonly deadLetterQueue: Queue | undefined;
  private readonly ready = new MinHeap();
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly sessionWaiters: SessionWaiter[] = [];
  private readonly consumers: Consumer[] = [];
  private nextConsumer = 0;
  private readonly locks = new Map<string, StoredMessage>();
  /** Lock tokens of messages whose session lock was lost, so settling them reports SessionLockLost. */
  private readonly lostSessionTokens = new Map<string, number>();
  private readonly duplicates = new Map<string, number>();
  private readonly scheduledTimers = new Map<number, NodeJS.Timeout>();
  private nextSequenceNumber = 1;
  private pumping = false;
  /**
   * Set by the broker for ForwardTo / ForwardDeadLetteredMessagesTo: hands a message to the target
   * entity (throws the target's error when it refuses it).
   */
  forward?: (message: IncomingMessage) => void;
  forwardDeadLettered?: (message: IncomingMessage) => void;

  constructor(
    readonly settings: QueueSettings,
    readonly isDeadLetterQueue = false,
  ) {
    this.deadLetterQueue = isDeadLetterQueue
      ? undefined
      : new Queue(
          // The dead-letter sub-queue: no sessions, no expiry, no delivery limit.
          { ...settings, name: `${settings.name}/$DeadLetterQueue`, requiresSession: false, defaultTtlMs: Infinity, maxDeliveryCount: Infinity, requiresDuplicateDetection: false },
          true,
        );
  }

  get name(): string {
    return this.settings.name;
  }

  /** Sessions are only honoured on the main queue; its dead-letter queue is read without sessions. */
  get usesSessions(): boolean {
    return this.settings.requiresSession && !this.isDeadLetterQueue;
  }

  // ---------------------------------------------------------------- sending

  /** Stores a message; returns its sequence number, or undefined when dropped as a duplicate. */
  /** Throws the service's error for a message this queue cannot take. */
  validate(input: IncomingMessage): void {
    if (this.usesSessions && input.sessionId === undefined) {
      throw new BrokerError(Conditions.notAllowed, `The SessionId was not set on a message, and it cannot be sent to the entity '${this.name}'. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.`);
    }
  }

  enqueue(input: IncomingMessage, now = Date.now()): number | undefined {
    this.validate(input);
    if (this.settings.requiresDuplicateDetection) {
      this.forgetOldDuplicates(now);
      if (this.duplicates.has(input.messageId)) return undefined;
      this.duplicates.set(input.messageId, now);
    }
    const scheduled = input.scheduledEnqueueTime !== undefined && input.scheduledEnqueueTime > now;
    const message: StoredMessage = {
      ...input,
      sequenceNumber: this.nextSequenceNumber++,
      enqueuedAt: scheduled ? input.scheduledEnqueueTime! : now,
      expiresAt: Infinity,
      deliveries: 0,
      state: scheduled ? 'scheduled' : 'active',
    };
    message.expiresAt = this.expiryOf(message);
    message.header = this.withEffectiveTtl(message.header);
    this.messages.set(message.sequenceNumber, message);
    if (scheduled) this.startScheduleTimer(message, now);
    else this.makeAvailable(message);
    return message.sequenceNumber;
  }

  /**
   * Stores a message straight into the dead-letter queue: what Azure does with a topic's copy that a
   * session-enabled subscription receives without a SessionId.
   */
  deadLetterOnArrival(input: IncomingMessage, reason: string, description: string, now = Date.now()): void {
    const message: StoredMessage = { ...input, sequenceNumber: this.nextSequenceNumber++, enqueuedAt: now, expiresAt: Infinity, deliveries: 0, state: 'active' };
    this.messages.set(message.sequenceNumber, message);
    this.deadLetter(message, reason, description);
  }

  /**
   * Azure stamps the time to live a message actually has (its own, or the entity's smaller default)
   * on the message, so receivers see timeToLive and expiresAtUtc. The AMQP header holds a uint
   * (about 49 days); longer lives stay unstamped, as "never" does.
   */
  private withEffectiveTtl(header: IncomingMessage['header']): IncomingMessage['header'] {
    const ttl = Math.min(header.ttl ?? Infinity, this.settings.defaultTtlMs);
    return Number.isFinite(ttl) && ttl <= 0xffffffff && ttl !== header.ttl ? { ...header, ttl } : header;
  }

  private expiryOf(message: StoredMessage): number {
    const ttl = Math.min(message.header.ttl ?? Infinity, this.settings.defaultTtlMs);
    return message.enqueuedAt + ttl;
  }

  private forgetOldDuplicates(now: number): void {
    // Map iteration is in insertion order, so the oldest ids come first.
    for (const [id, at] of this.duplicates) {
      if (now - at < this.settings.duplicateWindowMs) break;
      this.duplicates.delete(id);
    }
  }

  private startScheduleTimer(message: StoredMessage, now: number): void {
    const timer = setTimeout(() => {
      this.scheduledTimers.delete(message.sequenceNumber);
      if (this.messages.get(message.sequenceNumber) !== message) return;
      message.state = 'active';
      message.enqueuedAt = Date.now();
      message.expiresAt = this.expiryOf(message);
      this.makeAvailable(message);
    }, Math.max(0, message.enqueuedAt - now));
    timer.unref();
    this.scheduledTimers.set(message.sequenceNumber, timer);
  }

  cancelScheduled(sequenceNumbers: number[]): void {
    for (const seq of sequenceNumbers) {
      const message = this.messages.get(seq);
      if (!message || message.state !== 'scheduled') continue;
      clearTimeout(this.scheduledTimers.get(seq));
      this.scheduledTimers.delete(seq);
      this.messages.delete(seq);
    }
  }

  // ---------------------------------------------------------------- dispatch

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.pump();
  }

  /**
   * A receiving link went away. Message locks survive it (they can still be settled through the
   * management node until they expire); a session lock does not: the session is released and its
   * unsettled messages return to the queue.
   */
  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    const waiter = this.sessionWaiters.findIndex((w) => w.consumer === consumer);
    if (waiter >= 0) this.sessionWaiters.splice(waiter, 1);
    if (consumer.session && consumer.session.owner === consumer) this.releaseSession(consumer.session);
  }

  private makeAvailable(message: StoredMessage): void {
    if (this.forward) {
      // Auto-forwarding: the message moves on as soon as it is available here.
      this.forwardOrDeadLetter(message);
      return;
    }
    if (this.usesSessions && message.sessionId !== undefined) {
      const session = this.sessionEntry(message.sessionId);
      session.ready.push(message.sequenceNumber);
      if (session.owner) this.pumpSession(session);
      else this.offerSessionToWaiter(session);
    } else {
      this.ready.push(message.sequenceNumber);
      this.pump();
    }
  }

  /** Hands out ready messages round-robin to consumers that have credit. */
  pump(): void {
    if (this.usesSessions || this.pumping) return;
    this.pumping = true;
    try {
      while (this.ready.size > 0 && this.consumers.length > 0) {
        const consumer = this.nextConsumerWithCapacity();
        if (!consumer) break;
        const message = this.takeReady(this.ready);
        if (!message) break;
        this.handOut(message, consumer);
      }
    } finally {
      this.pumping = false;
    }
  }

  private nextConsumerWithCapacity(): Consumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const consumer = this.consumers[(this.nextConsumer + i) % this.consumers.length]!;
      if (consumer.capacity() > 0) {
        this.nextConsumer = (this.nextConsumer + i + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }

  pumpSession(session: SessionEntry): void {
    const owner = session.owner;
    if (!owner) return;
    while (session.ready.size > 0 && owner.capacity() > 0 && session.owner === owner) {
      const message = this.takeReady(session.ready);
      if (!message) break;
      this.handOut(message, owner);
    }
  }

  /** Pops the lowest ready sequence number that is still deliverable; expired messages are expired on the way. */
  private takeReady(heap: MinHeap): StoredMessage | undefined {
    const now = Date.now();
    for (;;) {
      const seq = heap.pop();
      if (seq === undefined) return undefined;
      const message = this.messages.get(seq);
      if (!message || message.state !== 'active' || message.lock) continue;
      if (message.expiresAt <= now) {
        this.expire(message);
        continue;
      }
      return message;
    }
  }

  private handOut(message: StoredMessage, consumer: Consumer): void {
    this.countDelivery(message);
    if (!consumer.peekLock) {
      this.remove(message);
      consumer.deliver(message, undefined);
      return;
    }
    const token = this.lock(message, consumer.session);
    consumer.deliver(message, token);
  }

  /**
   * A dead-letter queue keeps the delivery count the message had when it was dead-lettered:
   * receiving or abandoning it there does not add to it (as Azure reports it).
   */
  private countDelivery(message: StoredMessage): void {
    if (!this.isDeadLetterQueue) message.deliveries++;
  }

  private lock(message: StoredMessage, session: SessionEntry | undefined): string {
    const token = newLockToken();
    const lock: MessageLock = { token, until: 0 };
    if (session) {
      lock.session = session;
      lock.until = session.lockedUntil;
      session.locked.add(message);
    } else {
      lock.until = Date.now() + this.settings.lockDurationMs;
      lock.timer = setTimeout(() => this.onLockExpired(message, token), this.settings.lockDurationMs);
      lock.timer.unref();
    }
    message.lock = lock;
    this.locks.set(token, message);
    return token;
  }

  private unlock(message: StoredMessage): void {
    const lock = message.lock;
    if (!lock) return;
    clearTimeout(lock.timer);
    lock.session?.locked.delete(message);
    this.locks.delete(lock.token);
    message.lock = undefined;
  }

  private onLockExpired(message: StoredMessage, token: string): void {
    if (message.lock?.token !== token) return;
    this.returnToQueue(message);
  }

  /** Abandon semantics: back to the queue (or its previous state), unless the delivery limit is reached. */
  private returnToQueue(message: StoredMessage): void {
    this.unlock(message);
    if (message.deliveries >= this.settings.maxDeliveryCount) {
      this.deadLetter(message, 'MaxDeliveryCountExceeded', `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`);
      return;
    }
    if (message.state === 'active') this.makeAvailable(message);
  }

  private forwardOrDeadLetter(message: StoredMessage): void {
    const hops = (message.forwardHops ?? 0) + 1;
    try {
      if (hops > MAX_FORWARD_HOPS) throw new BrokerError(Conditions.notAllowed, `The message was forwarded more than ${MAX_FORWARD_HOPS} times.`);
      this.forward!(forwardable(message, hops));
      this.remove(message);
    } catch (e) {
      const error = e instanceof BrokerError ? e : new BrokerError('amqp:internal-error', String(e));
      this.deadLetter(message, 'ForwardingFailed', error.message, false);
    }
  }

  private remove(message: StoredMessage): void {
    this.unlock(message);
    this.messages.delete(message.sequenceNumber);
  }

  // ---------------------------------------------------------------- settlement

  private lockedMessage(token: string): StoredMessage {
    const message = this.locks.get(token);
    if ((!message || !message.lock) && this.lostSessionTokens.has(token)) {
      throw new BrokerError(Conditions.sessionLockLost, `The session lock has expired on the MessageSession. Accept a new MessageSession. Entity:${this.name}`);
    }
    if (!message || !message.lock) {
      throw new BrokerError(Conditions.lockLost, `The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue. Reference:${token}, Entity:${this.name}`);
    }
    const session = message.lock.session;
    if (session && (session.owner === undefined || session.lockedUntil <= Date.now())) {
      throw new BrokerError(Conditions.sessionLockLost, `The session lock has expired on the MessageSession. Accept a new MessageSession. Entity:${this.name}`);
    }
    return message;
  }

  complete(token: string): void {
    this.remove(this.lockedMessage(token));
  }

  abandon(token: string, propertiesToModify?: Record<string, unknown>): void {
    const message = this.lockedMessage(token);
    this.modifyProperties(message, propertiesToModify);
    this.returnToQueue(message);
  }

  defer(token: string, propertiesToModify?: Record<string, unknown>): void {
    const message = this.lockedMessage(token);
    this.modifyProperties(message, propertiesToModify);
    this.unlock(message);
    message.state = 'deferred';
  }

  deadLetterByToken(token: string, reason?: string, description?: string, propertiesToModify?: Record<string, unknown>): void {
    const message = this.lockedMessage(token);
    if (this.isDeadLetterQueue) {
      // Azure refuses (the SDK surfaces it as GeneralError); the message stays in the dead-letter
      // queue, released for the next receive (without counting a delivery there).
      this.returnToQueue(message);
      throw new BrokerError(Conditions.notAllowed, `Cannot dead-letter a message that is already in the dead-letter queue. Complete it, or abandon it to leave it there. Reference:${token}, Entity:${this.name}`);
    }
    this.modifyProperties(message, propertiesToModify);
    this.unlock(message);
    this.deadLetter(message, reason, description);
  }

  renewLock(token: string): number {
    const message = this.lockedMessage(token);
    const lock = message.lock!;
    if (lock.session) return lock.session.lockedUntil;
    clearTimeout(lock.timer);
    lock.until = Date.now() + this.settings.lockDurationMs;
    lock.timer = setTimeout(() => this.onLockExpired(message, token), this.settings.lockDurationMs);
    lock.timer.unref();
    return lock.until;
  }

  /** Hook set by the broker: rewrites application properties (keeps AMQP encoding concerns out of here). */
  static applyProperties: (message: StoredMessage, changes: Record<string, unknown>) => void = () => undefined;

  private modifyProperties(message: StoredMessage, changes?: Record<string, unknown>): void {
    if (changes && Object.keys(changes).length > 0) Queue.applyProperties(message, changes);
  }

  private deadLetter(message: StoredMessage, reason?: string, description?: string, mayForward = true): void {
    const dlq = this.deadLetterQueue;
    this.remove(message);
    if (!dlq) return;
    Queue.applyProperties(message, { DeadLetterReason: reason, DeadLetterErrorDescription: description });
    if (this.forwardDeadLettered && mayForward) {
      try {
        this.forwardDeadLettered({ ...forwardable(message, (message.forwardHops ?? 0) + 1), deadLetterSource: this.name });
        return;
      } catch {
        // The target refused it: keep it in this entity's dead-letter queue instead.
      }
    }
    const moved: StoredMessage = {
      ...message,
      lock: undefined,
      state: 'active',
      expiresAt: Infinity,
    };
    dlq.messages.set(moved.sequenceNumber, moved);
    dlq.makeAvailable(moved);
  }

  private expire(message: StoredMessage): void {
    if (this.settings.deadLetteringOnExpiration) {
      this.deadLetter(message, 'TTLExpiredException', 'The message expired and was dead lettered.');
    } else {
      this.remove(message);
    }
  }

  /** Called periodically: expires active, unlocked messages whose time to live has passed. */
  sweepExpired(now = Date.now()): void {
    if (this.settings.defaultTtlMs === Infinity && this.isDeadLetterQueue) return;
    for (const message of this.messages.values()) {
      if (message.expiresAt <= now && message.state !== 'scheduled' && !message.lock) this.expire(message);
    }
  }

  // ---------------------------------------------------------------- management operations

  receiveDeferred(sequenceNumbers: number[], peekLock: boolean, sessionId?: string): Array<{ message: StoredMessage; lockToken?: string }> {
    const result: Array<{ message: StoredMessage; lockToken?: string }> = [];
    for (const seq of sequenceNumbers) {
      const message = this.messages.get(seq);
      if (!message || message.state !== 'deferred' || (sessionId !== undefined && message.sessionId !== sessionId)) {
        throw new BrokerError(Conditions.messageNotFound, `Failed to retrieve the message with sequence number ${seq}: it does not exist or is not deferred. Entity:${this.name}`);
      }
      if (message.lock) throw new BrokerError(Conditions.lockLost, `The message with sequence number ${seq} is already locked.`);
      this.countDelivery(message);
      if (!peekLock) {
        this.remove(message);
        result.push({ message });
      } else {
        const session = sessionId !== undefined ? this.sessions.get(sessionId) : undefined;
        result.push({ message, lockToken: this.lock(message, session?.owner ? session : undefined) });
      }
    }
    return result;
  }

  /** Messages in sequence order from `from`, any state (as the service's peek). */
  peek(from: number, count: number, sessionId?: string): StoredMessage[] {
    const result: StoredMessage[] = [];
    for (const message of this.messages.values()) {
      if (message.sequenceNumber < from) continue;
      if (sessionId !== undefined && message.sessionId !== sessionId) continue;
      result.push(message);
    }
    result.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    return result.slice(0, count);
  }

  counts(): QueueCounts {
    const counts: QueueCounts = { active: 0, deadLettered: this.deadLetterQueue?.messages.size ?? 0, scheduled: 0, deferred: 0 };
    for (const message of this.messages.values()) {
      if (message.state === 'active') counts.active++;
      else if (message.state === 'scheduled') counts.scheduled++;
      else counts.deferred++;
    }
    return counts;
  }

  // ---------------------------------------------------------------- sessions

  private sessionEntry(id: string): SessionEntry {
    let session = this.sessions.get(id);
    if (!session) {
      session = { id, ready: new MinHeap(), lockedUntil: 0, locked: new Set() };
      this.sessions.set(id, session);
    }
    return session;
  }

  private isFree(session: SessionEntry): boolean {
    return session.owner === undefined || session.lockedUntil <= Date.now();
  }

  /**
   * Locks a session for a consumer: the named one, or the first free session with messages.
   * Resolves when one is locked; rejects with SessionCannotBeLocked or, after timeoutMs, ServiceTimeout.
   */
  acceptSession(consumer: Consumer, sessionId: string | undefined, timeoutMs: number): Promise<SessionEntry> {
    if (sessionId !== undefined) {
      const session = this.sessionEntry(sessionId);
      if (!this.isFree(session)) {
        return Promise.reject(new BrokerError(Conditions.sessionCannotBeLocked, `The requested session '${sessionId}' cannot be accepted. It may be locked by another receiver.`));
      }
      this.lockSession(session, consumer);
      return Promise.resolve(session);
    }
    const free = this.findFreeSessionWithMessages();
    if (free) {
      this.lockSession(free, consumer);
      return Promise.resolve(free);
    }
    return new Promise((resolve, reject) => {
      const waiter: SessionWaiter = {
        consumer,
        resolve: (session) => {
          clearTimeout(timer);
          resolve(session);
        },
      };
      const timer = setTimeout(() => {
        const index = this.sessionWaiters.indexOf(waiter);
        if (index >= 0) this.sessionWaiters.splice(index, 1);
        reject(new BrokerError(Conditions.timeout, `The operation did not complete within the allocated time ${timeoutMs} ms: no unlocked session with messages is available.`));
      }, timeoutMs);
      timer.unref();
      this.sessionWaiters.push(waiter);
    });
  }

  private findFreeSessionWithMessages(): SessionEntry | undefined {
    for (const session of this.sessions.values()) {
      if (this.isFree(session) && this.hasReadyMessages(session)) return session;
    }
    return undefined;
  }

  private hasReadyMessages(session: SessionEntry): boolean {
    while (session.ready.size > 0) {
      const message = this.messages.get(session.ready.peek()!);
      if (message && message.state === 'active' && !message.lock) return true;
      session.ready.pop();
    }
    return false;
  }

  private offerSessionToWaiter(session: SessionEntry): void {
    if (!this.isFree(session) || this.sessionWaiters.length === 0) return;
    const waiter = this.sessionWaiters.shift()!;
    this.lockSession(session, waiter.consumer);
    waiter.resolve(session);
  }

  private forgetOldLostSessionTokens(now = Date.now()): void {
    // Kept as long as a settle call could still arrive; insertion order means oldest first.
    for (const [token, at] of this.lostSessionTokens) {
      if (now - at < 10 * 60_000) break;
      this.lostSessionTokens.delete(token);
    }
  }

  private lockSession(session: SessionEntry, consumer: Consumer): void {
    // Another receiver takes a session whose lock lapsed (its timer has not fired yet).
    if (session.owner && session.owner !== consumer) this.releaseSession(session, true);
    session.owner = consumer;
    consumer.session = session;
    this.renewSessionLockFor(session);
  }

  private renewSessionLockFor(session: SessionEntry): number {
    clearTimeout(session.timer);
    session.lockedUntil = Date.now() + this.settings.lockDurationMs;
    for (const message of session.locked) if (message.lock) message.lock.until = session.lockedUntil;
    session.timer = setTimeout(() => this.releaseSession(session, true), this.settings.lockDurationMs);
    session.timer.unref();
    return session.lockedUntil;
  }

  /** Session lock gone (expired, or receiver closed): its unsettled messages go back, the session is free. */
  private releaseSession(session: SessionEntry, expired = false): void {
    clearTimeout(session.timer);
    const owner = session.owner;
    session.owner = undefined;
    session.lockedUntil = 0;
    this.forgetOldLostSessionTokens();
    for (const message of [...session.locked]) {
      if (message.lock) this.lostSessionTokens.set(message.lock.token, Date.now());
      this.returnToQueue(message);
    }
    if (expired && owner) owner.sessionLost?.(session);
    if (this.hasReadyMessages(session)) this.offerSessionToWaiter(session);
    else if (session.state === undefined && session.locked.size === 0) this.sessions.delete(session.id);
  }

  private ownedSession(sessionId: string): SessionEntry {
    const session = this.sessions.get(sessionId);
    if (!session || this.isFree(session)) {
      throw new BrokerError(Conditions.sessionLockLost, `The session lock has expired on the MessageSession '${sessionId}'. Accept a new MessageSession.`);
    }
    return session;
  }

  renewSessionLock(sessionId: string): number {
    return this.renewSessionLockFor(this.ownedSession(sessionId));
  }

  setSessionState(sessionId: string, state: Buffer | undefined): void {
    this.ownedSession(sessionId).state = state;
  }

  getSessionState(sessionId: string): Buffer | undefined {
    return this.ownedSession(sessionId).state;
  }

  // ---------------------------------------------------------------- shutdown

  stop(): void {
    for (const timer of this.scheduledTimers.values()) clearTimeout(timer);
    for (const message of this.locks.values()) clearTimeout(message.lock?.timer);
    for (const session of this.sessions.values()) clearTimeout(session.timer);
    this.deadLetterQueue?.stop();
  }
}
