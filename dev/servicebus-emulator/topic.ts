/**
 * A topic and its subscriptions. A subscription is a `Queue` (locks, sessions, delivery count,
 * dead-lettering, expiry, forwarding all come from there) fed by the topic through its rules.
 * The topic itself stores nothing but scheduled messages and its duplicate-detection history.
 */
import type { SubscriptionSettings, TopicSettings, RuleSettings } from './config';
import { ruleProblem } from './config';
import { BrokerError, Conditions, Queue, type IncomingMessage } from './queue';
import { messageView, Rule } from './rules';

export class Subscription {
  readonly queue: Queue;
  /** Rules by lower-cased name (rule names are case-insensitive), in creation order. */
  readonly rules = new Map<string, Rule>();

  constructor(readonly settings: SubscriptionSettings) {
    this.queue = new Queue(settings);
    for (const rule of settings.rules) this.rules.set(rule.name.toLowerCase(), new Rule(rule));
  }

  get name(): string {
    return this.settings.subscription;
  }

  addRule(settings: RuleSettings): void {
    if (this.rules.has(settings.name.toLowerCase())) {
      throw new BrokerError(Conditions.entityAlreadyExists, `The messaging entity '${this.queue.name}/Rules/${settings.name}' already exists.`);
    }
    const problem = ruleProblem(settings);
    if (problem) throw new BrokerError(Conditions.argumentError, `Rule '${settings.name}' of '${this.queue.name}': ${problem}`);
    this.rules.set(settings.name.toLowerCase(), new Rule(settings));
  }

  removeRule(name: string): void {
    if (!this.rules.delete(name.toLowerCase())) {
      throw new BrokerError(Conditions.notFound, `The messaging entity '${this.queue.name}/Rules/${name}' could not be found.`);
    }
  }

  /** The copies of a topic message this subscription takes (none when no rule matches). */
  copiesOf(message: IncomingMessage, view: ReturnType<typeof messageView>): IncomingMessage[] {
    const matching = [...this.rules.values()].filter((rule) => rule.matches(view));
    const copies: IncomingMessage[] = [];
    if (matching.some((rule) => !rule.hasAction)) copies.push({ ...message, annotations: { ...message.annotations }, sections: { ...message.sections } });
    for (const rule of matching) if (rule.hasAction) copies.push(rule.apply(message, view));
    return copies;
  }
}

export class Topic {
  /** Subscriptions by lower-cased name. */
  readonly subscriptions = new Map<string, Subscription>();
  private readonly duplicates = new Map<string, number>();
  private readonly scheduled = new Map<number, { message: IncomingMessage; timer: NodeJS.Timeout }>();
  private nextSequenceNumber = 1;

  constructor(readonly settings: TopicSettings) {
    for (const s of settings.subscriptions) this.subscriptions.set(s.subscription.toLowerCase(), new Subscription(s));
  }

  get name(): string {
    return this.settings.name;
  }

  subscription(name: string): Subscription | undefined {
    return this.subscriptions.get(name.toLowerCase());
  }

  /** A topic accepts any message; a subscription that cannot take it (no SessionId) skips it. */
  validate(_input: IncomingMessage): void {}

  /**
   * Accepts a message sent to the topic: drops it when it is a duplicate within the window (for
   * every subscription at once), holds it when scheduled, else fans it out. Returns the topic's
   * sequence number (used to cancel a scheduled message), or undefined for a dropped duplicate.
   */
  enqueue(input: IncomingMessage, now = Date.now()): number | undefined {
    if (this.settings.requiresDuplicateDetection) {
      for (const [id, at] of this.duplicates) {
        if (now - at < this.settings.duplicateWindowMs) break;
        this.duplicates.delete(id);
      }
      if (this.duplicates.has(input.messageId)) return undefined;
      this.duplicates.set(input.messageId, now);
    }
    const sequenceNumber = this.nextSequenceNumber++;
    if (input.scheduledEnqueueTime !== undefined && input.scheduledEnqueueTime > now) {
      // Held by the topic and fanned out when due, so rules in force at that time apply.
      const timer = setTimeout(() => {
        this.scheduled.delete(sequenceNumber);
        this.fanOut({ ...input, scheduledEnqueueTime: undefined }, sequenceNumber);
      }, input.scheduledEnqueueTime - now);
      timer.unref();
      this.scheduled.set(sequenceNumber, { message: input, timer });
    } else {
      this.fanOut(input, sequenceNumber);
    }
    return sequenceNumber;
  }

  cancelScheduled(sequenceNumbers: number[]): void {
    for (const seq of sequenceNumbers) {
      const entry = this.scheduled.get(seq);
      if (!entry) continue;
      clearTimeout(entry.timer);
      this.scheduled.delete(seq);
    }
  }

  private fanOut(message: IncomingMessage, sequenceNumber: number): void {
    // The topic's own default time to live is part of each subscription's (config.ts).
    const view = messageView(message, sequenceNumber);
    for (const subscription of this.subscriptions.values()) {
      for (const copy of subscription.copiesOf(message, view)) {
        if (subscription.queue.usesSessions && copy.sessionId === undefined) {
          // The send succeeds; a session-enabled subscription dead-letters its copy, as on Azure.
          subscription.queue.deadLetterOnArrival(copy, 'Session id is null.', "Session enabled entity doesn't allow a message whose session identifier is null.");
        } else {
          subscription.queue.enqueue(copy);
        }
      }
    }
  }

  sweepExpired(): void {
    for (const s of this.subscriptions.values()) s.queue.sweepExpired();
  }

  stop(): void {
    for (const entry of this.scheduled.values()) clearTimeout(entry.timer);
    for (const s of this.subscriptions.values()) s.queue.stop();
  }
}
