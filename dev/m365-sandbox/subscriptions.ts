import { randomUUID } from 'node:crypto';
import { GraphError } from './graph-http';
import { changeKeyOf, immutableMessageId, restMessageId, type MailEvent, type MailStore } from './mail-store';
import { Prng } from './prng';

/**
 * Microsoft Graph change notifications (webhooks) for Outlook messages, as Microsoft documents them
 * ("Receive change notifications through webhooks", "Reduce missing subscriptions and change
 * notifications", "subscription resource type"): subscriptions validated by a handshake, basic
 * notifications (ids only, never content) POSTed in batches after the change, retried on failure,
 * slow endpoints throttled then dropped, lifecycle notifications. See docs/decisions/0003.
 */

/** Outlook message subscriptions live at most 10,080 minutes (under 7 days). */
export const MAX_LIFETIME_MINUTES = 10_080;
export const MAX_CLIENT_STATE = 128;
export const CHANGE_TYPES = ['created', 'updated', 'deleted'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface NotificationOptions {
  /** How long a change waits for others bound to the same URL before the batch is sent (default 100 ms). */
  batchWindowMs?: number;
  /** At most this many notifications in one POST (default 50). */
  maxBatchSize?: number;
  /** POSTs in flight at once per notification URL (default 8). */
  maxConcurrentPerEndpoint?: number;
  /** Graph's HTTP client gives up after 3 s: a later answer counts as a failure. */
  timeoutMs?: number;
  /** Graph retries failed deliveries every 10 minutes (before the time scale). */
  retryIntervalMs?: number;
  /** ... for up to 4 hours (before the time scale), then drops them. */
  retryForMs?: number;
  /** A reauthorizationRequired lifecycle notification goes out when a subscription has this long left (default 1 hour, wall clock). */
  reauthorizeBeforeMs?: number;
  /** The validation handshake must be answered within 10 s. */
  validationTimeoutMs?: number;
}

export interface SandboxSubscription {
  id: string;
  /** As the app wrote it (returned unchanged, as Graph does). */
  resource: string;
  userId: string;
  /** Set for a folder subscription (`users/{id}/mailFolders('{id}')/messages`). */
  folderId: string | null;
  changeTypes: Set<ChangeType>;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  applicationId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  /** Created with `Prefer: IdType="ImmutableId"`: notifications carry immutable ids. */
  immutableIds: boolean;
  /** Expiration for which reauthorizationRequired was already sent (one per renewal). */
  reauthorizationSentFor: string | null;
  delivered: number;
  dropped: number;
}

/** One notification as Graph sends it (a changeNotification, or a lifecycle one). */
export type NotificationItem = Record<string, unknown>;

interface Pending {
  subscriptionId: string;
  userId: string;
  item: NotificationItem;
  lifecycle: boolean;
}

interface Batch {
  url: string;
  items: Pending[];
  firstAttemptAt: number;
  attempts: number;
  /** Already held back once for a throttled endpoint. */
  delayed?: boolean;
}

interface Endpoint {
  inFlight: number;
  waiting: Batch[];
  windowStart: number;
  notifications: number;
  slow: number;
  /** normal, throttled (delayed 10 minutes), dropping (slow share at or over 15%). */
  state: 'normal' | 'throttled' | 'dropping';
}

export interface DropRule {
  /** Notifications still to drop (undefined: no count). */
  remaining?: number;
  /** Share of notifications to drop (0..1). */
  rate?: number;
  /** Send a `missed` lifecycle notification for each drop, as Graph does when it knows it lost some. */
  missed?: boolean;
}

export interface NotificationStats {
  enqueued: number;
  delivered: number;
  posts: number;
  failedAttempts: number;
  retried: number;
  dropped: { fault: number; retriesExhausted: number; throttled: number; subscriptionGone: number };
  lifecycleSent: Record<LifecycleEvent, number>;
  validations: { ok: number; failed: number };
  pending: number;
  endpoints: Record<string, { state: Endpoint['state']; notifications: number; slow: number; inFlight: number; waiting: number }>;
}

const SLOW_MS = 2900;

/** The validation token is opaque; Graph's holds spaces and colons, so an endpoint that does not URL-decode it fails. */
const validationToken = () => `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;

export class SubscriptionService {
  readonly subscriptions = new Map<string, SandboxSubscription>();
  private readonly open = new Map<string, { batch: Batch; timer: NodeJS.Timeout | null }>();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dropRules = new Map<string, DropRule>();
  private dropPrng = new Prng(1);
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;
  readonly stats: Omit<NotificationStats, 'pending' | 'endpoints'> = {
    enqueued: 0, delivered: 0, posts: 0, failedAttempts: 0, retried: 0,
    dropped: { fault: 0, retriesExhausted: 0, throttled: 0, subscriptionGone: 0 },
    lifecycleSent: { reauthorizationRequired: 0, subscriptionRemoved: 0, missed: 0 },
    validations: { ok: 0, failed: 0 },
  };
  private readonly o: Required<NotificationOptions>;

  constructor(
    mail: MailStore,
    readonly tenantId: string,
    options: NotificationOptions = {},
    /** Shrinks Graph's own delays (retry interval and horizon, throttling window and delay), as for the throttling windows. */
    private readonly timeScale = 1,
  ) {
    const scale = Math.max(timeScale, 1e-9);
    this.o = {
      batchWindowMs: options.batchWindowMs ?? 100,
      maxBatchSize: options.maxBatchSize ?? 50,
      maxConcurrentPerEndpoint: options.maxConcurrentPerEndpoint ?? 8,
      timeoutMs: options.timeoutMs ?? 3000,
      retryIntervalMs: options.retryIntervalMs ?? 600_000 / scale,
      retryForMs: options.retryForMs ?? 4 * 3_600_000 / scale,
      reauthorizeBeforeMs: options.reauthorizeBeforeMs ?? 3_600_000,
      validationTimeoutMs: options.validationTimeoutMs ?? 10_000,
    };
    mail.onChange((event) => this.onMailChange(event));
    // Expiry and reauthorization are checked every second; nothing here needs finer time.
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const entry of this.open.values()) if (entry.timer) clearTimeout(entry.timer);
    this.open.clear();
  }

  private later(ms: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, Math.max(0, ms));
    timer.unref();
    this.timers.add(timer);
  }

  /** The handshake: POST {url}?validationToken=... (text/plain), expecting 200 text/plain with the decoded token within 10 s. */
  async validate(url: string): Promise<void> {
    const token = validationToken();
    const target = new URL(url);
    target.searchParams.append('validationToken', token);
    let response: Response;
    try {
      response = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(this.o.validationTimeoutMs), redirect: 'manual' });
    } catch (error) {
      this.stats.validations.failed++;
      if ((error as Error).name === 'TimeoutError') throw new GraphError(400, 'InvalidRequest', 'Subscription validation request timed out.');
      throw new GraphError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      this.stats.validations.failed++;
      throw new GraphError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
    if (!/^text\/plain\b/i.test(response.headers.get('content-type') ?? '') || text !== token) {
      this.stats.validations.failed++;
      throw new GraphError(400, 'ValidationError', 'Subscription validation request failed. Response must exactly match validationToken query parameter.');
    }
    this.stats.validations.ok++;
  }

  add(subscription: SandboxSubscription): void {
    this.subscriptions.set(subscription.id, subscription);
    // A subscription created with little time left is challenged at once, not at the next sweep.
    this.challengeIfDue(subscription, Date.now());
  }

  private challengeIfDue(subscription: SandboxSubscription, now: number): void {
    const left = Date.parse(subscription.expirationDateTime) - now;
    if (left > 0 && left <= this.o.reauthorizeBeforeMs && subscription.reauthorizationSentFor !== subscription.expirationDateTime) {
      subscription.reauthorizationSentFor = subscription.expirationDateTime;
      this.lifecycle(subscription, 'reauthorizationRequired');
    }
  }

  remove(id: string): boolean {
    return this.subscriptions.delete(id);
  }

  /** Live subscriptions only: one past its expiration is gone even before the sweep removes it. */
  live(id: string): SandboxSubscription | undefined {
    const subscription = this.subscriptions.get(id);
    if (subscription && Date.parse(subscription.expirationDateTime) <= Date.now()) {
      this.subscriptions.delete(id);
      return undefined;
    }
    return subscription;
  }

  /** Drops the next notifications for a mailbox (or '*', every mailbox): a count, a share, or both. */
  setDropRule(mailbox: string, rule: DropRule | null, seed?: number): void {
    if (rule === null) this.dropRules.delete(mailbox);
    else this.dropRules.set(mailbox, { ...rule });
    if (seed !== undefined) this.dropPrng = new Prng(seed);
  }

  dropRulesSnapshot(): Record<string, DropRule> {
    return Object.fromEntries([...this.dropRules].map(([k, v]) => [k, { ...v }]));
  }

  snapshot(): NotificationStats {
    let pending = 0;
    for (const entry of this.open.values()) pending += entry.batch.items.length;
    const endpoints: NotificationStats['endpoints'] = {};
    for (const [key, e] of this.endpoints) {
      pending += e.waiting.reduce((n, b) => n + b.items.length, 0);
      endpoints[key] = { state: e.state, notifications: e.notifications, slow: e.slow, inFlight: e.inFlight, waiting: e.waiting.length };
    }
    return { ...structuredClone(this.stats), pending, endpoints };
  }

  /** Sends a lifecycle notification to the subscription's lifecycleNotificationUrl (none without one, as Graph). */
  lifecycle(subscription: SandboxSubscription, event: LifecycleEvent): boolean {
    if (!subscription.lifecycleNotificationUrl) return false;
    this.stats.lifecycleSent[event]++;
    this.enqueue(subscription.lifecycleNotificationUrl, {
      subscriptionId: subscription.id,
      userId: subscription.userId,
      lifecycle: true,
      item: {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: subscription.expirationDateTime,
        tenantId: this.tenantId,
        clientState: subscription.clientState,
        lifecycleEvent: event,
      },
    });
    return true;
  }

  /** Graph removed the subscription (subscriptionRemoved): it is gone, and the app is told if it asked. */
  removeWithNotice(subscription: SandboxSubscription): void {
    this.subscriptions.delete(subscription.id);
    this.lifecycle(subscription, 'subscriptionRemoved');
  }

  private sweep(): void {
    const now = Date.now();
    for (const subscription of this.subscriptions.values()) {
      const expiresAt = Date.parse(subscription.expirationDateTime);
      if (expiresAt <= now) {
        // Graph deletes an expired subscription without a word: renewing in time is the app's job.
        this.subscriptions.delete(subscription.id);
        continue;
      }
      this.challengeIfDue(subscription, now);
    }
  }

  private onMailChange(event: MailEvent): void {
    if (this.subscriptions.size === 0) return;
    const ownerId = event.mailbox.owner.id;
    const now = Date.now();
    for (const subscription of this.subscriptions.values()) {
      if (subscription.userId !== ownerId || Date.parse(subscription.expirationDateTime) <= now) continue;
      for (const change of changesFor(subscription, event)) {
        if (!subscription.changeTypes.has(change.changeType)) continue;
        const id = subscription.immutableIds ? immutableMessageId(ownerId, event.message.spec.key) : restMessageId(ownerId, event.message.spec.key, change.moveCount);
        const path = `Users/${ownerId}/Messages/${id}`;
        const item: NotificationItem = {
          id: randomUUID(),
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: subscription.expirationDateTime,
          changeType: change.changeType,
          resource: path,
          resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': path, '@odata.etag': `W/"${changeKeyOf(event.message)}"`, id },
          clientState: subscription.clientState,
          tenantId: this.tenantId,
        };
        if (this.shouldDrop(ownerId)) {
          this.stats.dropped.fault++;
          subscription.dropped++;
          if (this.dropRules.get(ownerId)?.missed ?? this.dropRules.get('*')?.missed) this.lifecycle(subscription, 'missed');
          continue;
        }
        this.enqueue(subscription.notificationUrl, { subscriptionId: subscription.id, userId: ownerId, item, lifecycle: false });
      }
    }
  }

  private shouldDrop(userId: string): boolean {
    const rule = this.dropRules.get(userId) ?? this.dropRules.get('*');
    if (!rule) return false;
    if (rule.remaining !== undefined && rule.remaining > 0) {
      rule.remaining--;
      return true;
    }
    return rule.rate !== undefined && rule.rate > 0 && this.dropPrng.next() < rule.rate;
  }

  private enqueue(url: string, pending: Pending): void {
    if (this.stopped) return;
    this.stats.enqueued++;
    let entry = this.open.get(url);
    if (!entry) {
      entry = { batch: { url, items: [], firstAttemptAt: 0, attempts: 0 }, timer: null };
      this.open.set(url, entry);
    }
    entry.batch.items.push(pending);
    if (entry.batch.items.length >= this.o.maxBatchSize) {
      this.flush(url);
      return;
    }
    if (!entry.timer) {
      // Never inside the request that made the change: a short window lets changes share one POST.
      entry.timer = setTimeout(() => this.flush(url), this.o.batchWindowMs);
      entry.timer.unref();
    }
  }

  private flush(url: string): void {
    const entry = this.open.get(url);
    if (!entry) return;
    this.open.delete(url);
    if (entry.timer) clearTimeout(entry.timer);
    entry.batch.firstAttemptAt = Date.now();
    this.dispatch(entry.batch);
  }

  private endpoint(url: string): { key: string; endpoint: Endpoint } {
    const parsed = new URL(url);
    const key = `${parsed.origin}${parsed.pathname}`;
    let endpoint = this.endpoints.get(key);
    if (!endpoint) {
      endpoint = { inFlight: 0, waiting: [], windowStart: Date.now(), notifications: 0, slow: 0, state: 'normal' };
      this.endpoints.set(key, endpoint);
    }
    return { key, endpoint };
  }

  private dispatch(batch: Batch): void {
    // A subscription deleted or expired meanwhile stops notifying, queued notifications included.
    batch.items = batch.items.filter((p) => {
      if (this.subscriptions.has(p.subscriptionId) || (p.lifecycle && p.item.lifecycleEvent === 'subscriptionRemoved')) return true;
      this.stats.dropped.subscriptionGone++;
      return false;
    });
    if (batch.items.length === 0) return;
    const { endpoint } = this.endpoint(batch.url);
    if (endpoint.state === 'dropping') {
      this.drop(batch, 'throttled');
      return;
    }
    if (endpoint.state === 'throttled' && !batch.delayed) {
      // A throttled endpoint's notifications are held back 10 minutes (scaled) by Graph.
      batch.delayed = true;
      this.later(this.o.retryIntervalMs, () => this.dispatch(batch));
      return;
    }
    if (endpoint.inFlight >= this.o.maxConcurrentPerEndpoint) {
      endpoint.waiting.push(batch);
      return;
    }
    endpoint.inFlight++;
    void this.post(batch, endpoint).finally(() => {
      endpoint.inFlight--;
      const next = endpoint.waiting.shift();
      if (next) this.dispatch(next);
    });
  }

  private async post(batch: Batch, endpoint: Endpoint): Promise<void> {
    batch.attempts++;
    this.stats.posts++;
    const started = Date.now();
    let ok = false;
    try {
      const response = await fetch(batch.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ value: batch.items.map((p) => p.item) }),
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      ok = response.status >= 200 && response.status < 300;
    } catch {
      ok = false;
    }
    this.account(endpoint, batch.items.length, Date.now() - started);
    if (ok) {
      this.stats.delivered += batch.items.length;
      for (const p of batch.items) {
        const subscription = this.subscriptions.get(p.subscriptionId);
        if (subscription && !p.lifecycle) subscription.delivered++;
      }
      return;
    }
    this.stats.failedAttempts++;
    if (Date.now() - batch.firstAttemptAt + this.o.retryIntervalMs > this.o.retryForMs) {
      this.drop(batch, 'retriesExhausted');
      return;
    }
    this.stats.retried++;
    this.later(this.o.retryIntervalMs, () => this.dispatch(batch));
  }

  /**
   * Graph's slow-endpoint rule: a POST over 2,900 ms is slow; once an endpoint has had 100
   * notifications, 10% slow flags it as throttled (deliveries wait 10 minutes), 15% drops them; the
   * count restarts every 10 minutes (both scaled).
   */
  private account(endpoint: Endpoint, count: number, ms: number): void {
    const now = Date.now();
    if (now - endpoint.windowStart >= this.o.retryIntervalMs) {
      endpoint.windowStart = now;
      endpoint.notifications = 0;
      endpoint.slow = 0;
      endpoint.state = 'normal';
    }
    endpoint.notifications += count;
    if (ms > SLOW_MS) endpoint.slow += count;
    if (endpoint.notifications >= 100) {
      const share = endpoint.slow / endpoint.notifications;
      endpoint.state = share >= 0.15 ? 'dropping' : share >= 0.1 ? 'throttled' : 'normal';
    }
  }

  private drop(batch: Batch, reason: 'retriesExhausted' | 'throttled'): void {
    const missed = new Set<string>();
    for (const p of batch.items) {
      this.stats.dropped[reason]++;
      const subscription = this.subscriptions.get(p.subscriptionId);
      if (subscription && !p.lifecycle) {
        subscription.dropped++;
        missed.add(subscription.id);
      }
    }
    // Graph knows it lost these: `missed` tells the app to resynchronise (never for lost lifecycle notices).
    for (const id of missed) {
      const subscription = this.subscriptions.get(id);
      if (subscription) this.lifecycle(subscription, 'missed');
    }
  }
}

/**
 * The notifications one mail change raises for one subscription. A move is the sandbox's reading
 * (Microsoft does not document it): a folder subscription sees the message leave (deleted, with the
 * id it had there) or arrive (created); a mailbox subscription sees it updated (its parentFolderId
 * changed), with its id after the move.
 */
function changesFor(subscription: SandboxSubscription, event: MailEvent): Array<{ changeType: ChangeType; moveCount: number }> {
  const moveCount = event.message.moveCount;
  if (event.kind !== 'moved') {
    if (subscription.folderId !== null && subscription.folderId !== event.folderId) return [];
    return [{ changeType: event.kind, moveCount }];
  }
  if (subscription.folderId === null) return [{ changeType: 'updated', moveCount }];
  if (subscription.folderId === event.fromFolderId) return [{ changeType: 'deleted', moveCount: event.fromMoveCount }];
  if (subscription.folderId === event.folderId) return [{ changeType: 'created', moveCount }];
  return [];
}
