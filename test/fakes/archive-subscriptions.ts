import { ArchiveSubscription } from '../../shared/archive/model';
import { SubscriptionGoneError, type MailSubscriptions, type NewSubscription, type SubscriptionStore } from '../../shared/archive/ports';

/**
 * In-memory fakes of the subscription ports: the store (as CosmosSubscriptionStore: documents must
 * match the schema) and Graph's /subscriptions (as GraphMailSubscriptions: a renewal of an unknown
 * subscription is SubscriptionGoneError, a delete of one is not an error). `refuseNext` makes the
 * next creations fail as Graph would (a status code).
 */
export class FakeSubscriptionStore implements SubscriptionStore {
  readonly docs = new Map<string, ArchiveSubscription>();

  async get(mailboxId: string): Promise<ArchiveSubscription | undefined> {
    const d = this.docs.get(mailboxId);
    return d ? structuredClone(d) : undefined;
  }

  async save(record: ArchiveSubscription): Promise<void> {
    this.docs.set(record.mailboxId, structuredClone(ArchiveSubscription.parse(record)));
  }

  async all(): Promise<ArchiveSubscription[]> {
    return [...this.docs.values()].map((d) => structuredClone(d));
  }

  async remove(mailboxId: string): Promise<void> {
    this.docs.delete(mailboxId);
  }
}

export class FakeGraphSubscriptions implements MailSubscriptions {
  readonly live = new Map<string, NewSubscription & { expiresAt: Date }>();
  readonly calls: Array<{ op: 'create' | 'renew' | 'remove'; subscriptionId?: string; mailboxId?: string }> = [];
  private counter = 0;
  refuseCreates = 0;

  async create(request: NewSubscription): Promise<{ subscriptionId: string; expiresAt: string }> {
    this.calls.push({ op: 'create', mailboxId: request.mailboxId });
    if (this.refuseCreates > 0) {
      this.refuseCreates--;
      throw Object.assign(new Error('Subscription validation request failed'), { statusCode: 400 });
    }
    const subscriptionId = `sub-${++this.counter}`;
    this.live.set(subscriptionId, { ...request });
    return { subscriptionId, expiresAt: request.expiresAt.toISOString() };
  }

  async renew(subscriptionId: string, expiresAt: Date): Promise<{ expiresAt: string }> {
    this.calls.push({ op: 'renew', subscriptionId });
    const s = this.live.get(subscriptionId);
    if (!s) throw new SubscriptionGoneError();
    s.expiresAt = expiresAt;
    return { expiresAt: expiresAt.toISOString() };
  }

  async remove(subscriptionId: string): Promise<void> {
    this.calls.push({ op: 'remove', subscriptionId });
    this.live.delete(subscriptionId);
  }

  /** Graph drops the subscription on its side (what precedes subscriptionRemoved). */
  drop(subscriptionId: string): void {
    this.live.delete(subscriptionId);
  }

  forMailbox(mailboxId: string): string[] {
    return [...this.live.entries()].filter(([, s]) => s.mailboxId === mailboxId).map(([id]) => id);
  }
}
