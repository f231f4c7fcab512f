import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ArchiveSubscription, MailboxWorkItem } from '../model';
import type { MailSubscriptions, SubscriptionStore, WorkQueue } from '../ports';
import { handleMailboxWork, type MailboxRunDeps, type MailboxRunOptions, type WorkOutcome } from './mailbox-run';
import { errorCode, recreateSubscription, setMode, type SubscriptionConfig } from './subscriptions';

/**
 * Graph change notifications for the archive (docs/decisions/0018-archive-change-notifications.md).
 *
 * The endpoint's part (acceptNotifications) does no work and no storage read: it checks each
 * notification's clientState, then enqueues one work item per mailbox, scheduled at the end of the
 * mailbox's current coalescing window, with a message id naming the mailbox and the window. The
 * broker's duplicate detection drops every other notification of that mailbox in that window, so
 * 100 notifications become one run, and the answer to Graph is as fast as one queue send.
 */

const CLIENT_STATE_VERSION = 'v1';

/**
 * The clientState of a mailbox's subscription: the mailbox id and an HMAC of it under the app's
 * notification key (from Key Vault in Azure). Nothing per subscription is stored or logged, a
 * renewed or re-created subscription gets the same value, and one mailbox's value says nothing of
 * another's. At most 128 characters (Graph's limit): 2 + 1 + 48 + 1 + 43 for a GUID mailbox id.
 */
export function clientStateFor(key: Buffer, mailboxId: string): string {
  return `${CLIENT_STATE_VERSION}.${Buffer.from(mailboxId, 'utf8').toString('base64url')}.${mac(key, mailboxId).toString('base64url')}`;
}

function mac(key: Buffer, mailboxId: string): Buffer {
  return createHmac('sha256', key).update(`archive-subscription|${mailboxId}`, 'utf8').digest();
}

/** The mailbox a clientState was issued for, or undefined when it is not one of ours (compared in constant time). */
export function verifyClientState(key: Buffer, clientState: unknown): string | undefined {
  if (typeof clientState !== 'string' || clientState.length > 128) return undefined;
  const [version, encodedMailbox, encodedMac, extra] = clientState.split('.');
  if (version !== CLIENT_STATE_VERSION || !encodedMailbox || !encodedMac || extra !== undefined) return undefined;
  const mailboxId = Buffer.from(encodedMailbox, 'base64url').toString('utf8');
  if (!mailboxId) return undefined;
  const expected = mac(key, mailboxId);
  const given = Buffer.from(encodedMac, 'base64url');
  // Same length or not, one comparison of the expected length is made, so timing says nothing.
  const same = timingSafeEqual(expected, given.length === expected.length ? given : Buffer.alloc(expected.length));
  return same && given.length === expected.length ? mailboxId : undefined;
}

/** One item of Graph's notification payload; only ids are read from it, and content is never sent. */
const GraphNotification = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(1000).nullish(),
  changeType: z.string().max(100).nullish(),
  resource: z.string().max(2000).nullish(),
  lifecycleEvent: z.string().max(100).nullish(),
});
export const GraphNotificationBatch = z.object({ value: z.array(z.unknown()).min(1).max(1000) });

export interface NotificationIntake {
  queue: WorkQueue;
  key: Buffer;
  windowMs: number;
  now: () => Date;
}

export interface IntakeResult {
  accepted: number;
  refused: number;
  /** Work items enqueued (one per mailbox and kind; the broker drops repeats within a window). */
  enqueued: number;
}

/**
 * Checks and enqueues a batch of notifications. A notification is refused when its clientState is
 * not one the app issued, or when its resource names another mailbox than the one the clientState
 * was issued for; the caller is not told which (nor is the log).
 */
export async function acceptNotifications(batch: { value: unknown[] }, deps: NotificationIntake): Promise<IntakeResult> {
  const now = deps.now();
  const at = now.toISOString();
  const window = deps.windowMs > 0 ? Math.floor(now.getTime() / deps.windowMs) : now.getTime();
  const items = new Map<string, { item: MailboxWorkItem; messageId: string; notBefore?: Date }>();
  let refused = 0;
  let accepted = 0;
  for (const raw of batch.value) {
    const parsed = GraphNotification.safeParse(raw);
    const mailboxId = parsed.success ? verifyClientState(deps.key, parsed.data.clientState) : undefined;
    if (!parsed.success || !mailboxId || !resourceMatches(parsed.data.resource, mailboxId)) {
      refused++;
      continue;
    }
    accepted++;
    const n = parsed.data;
    const lifecycle = n.lifecycleEvent ? LifecycleEvent.safeParse(n.lifecycleEvent) : undefined;
    if (lifecycle && !lifecycle.success) continue; // an event this version does not know: acknowledged, nothing to do
    if (lifecycle?.success) {
      const event = lifecycle.data;
      items.set(`${mailboxId}|lifecycle|${event}`, {
        item: { mailboxId, reason: 'lifecycle', runId: `lifecycle|${event}|${window}|${mailboxId}`, enqueuedAt: at, subscriptionId: n.subscriptionId, lifecycleEvent: event },
        // Service Bus message ids are at most 128 characters: GUID ids keep this one near 115.
        messageId: `${mailboxId}|lc|${event}|${n.subscriptionId}|${window}`,
      });
      continue;
    }
    const notBefore = deps.windowMs > 0 ? new Date((window + 1) * deps.windowMs) : undefined;
    items.set(`${mailboxId}|notification`, {
      item: { mailboxId, reason: 'notification', runId: `notification|${window}|${mailboxId}`, enqueuedAt: at, subscriptionId: n.subscriptionId },
      messageId: `${mailboxId}|notification|${window}`,
      ...(notBefore ? { notBefore } : {}),
    });
  }
  if (items.size) await deps.queue.enqueue([...items.values()]);
  return { accepted, refused, enqueued: items.size };
}

const LifecycleEvent = z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']);

/** Graph names the resource `Users/{id}/Messages/{id}`: when it names a user, it must be the clientState's mailbox. */
function resourceMatches(resource: string | null | undefined, mailboxId: string): boolean {
  if (!resource) return true;
  const user = /^\/?users\/([^/]+)/i.exec(resource)?.[1];
  if (user === undefined) return true;
  const named = decodeURIComponent(user.replace(/^'|'$/g, ''));
  return named.toLowerCase() === mailboxId.toLowerCase();
}

// -----------------------------------------------------------------------------------------------
// The worker's part: every archive work item goes through handleArchiveWork.
// -----------------------------------------------------------------------------------------------

export interface ArchiveWorkDeps extends MailboxRunDeps {
  subscriptions: SubscriptionStore;
  graphSubscriptions: MailSubscriptions;
  now: () => Date;
}

export interface ArchiveWorkOptions extends MailboxRunOptions {
  notifications: SubscriptionConfig;
  /** The coalescing window: a notification run that finds the mailbox locked tries again after it. */
  windowMs: number;
}

export type ArchiveWorkOutcome = WorkOutcome | { status: 'skipped'; reason: 'stale-subscription' } | { status: 'lifecycle'; event: string; mode: ArchiveSubscription['mode'] | 'none' };

/**
 * One item from the archive queue. Scheduled, continuation, offboarding and repair items run the
 * mailbox as before (every folder); notification items only the folders that changed; lifecycle
 * items renew, re-create or repair the subscription. A run over every folder that succeeds while
 * the mailbox is `repairing` (and its subscription exists) puts it back to `listening`.
 */
export async function handleArchiveWork(item: MailboxWorkItem, deps: ArchiveWorkDeps, options: ArchiveWorkOptions): Promise<ArchiveWorkOutcome> {
  if (item.reason === 'lifecycle') return handleLifecycle(item, deps, options);
  if (item.reason === 'notification') {
    const subscription = await deps.subscriptions.get(item.mailboxId);
    if (!subscription || subscription.subscriptionId !== item.subscriptionId) {
      // A subscription the archive no longer holds (replaced, or the mailbox left the scope): it is
      // removed from Graph so it stops notifying; the mailbox's current state decides what runs.
      if (item.subscriptionId && subscription?.subscriptionId !== item.subscriptionId) await deps.graphSubscriptions.remove(item.subscriptionId).catch(() => undefined);
      deps.log('Notification from a subscription no longer held; ignored', { runId: item.runId });
      return { status: 'skipped', reason: 'stale-subscription' };
    }
    const outcome = await handleMailboxWork(item, deps, options);
    if (outcome.status === 'skipped' && outcome.reason === 'locked') {
      // The run holding the mailbox may have passed the changed folder already: try again once it
      // is done, rather than leaving the change to the sweep.
      const retryAt = deps.now().getTime() + Math.max(options.windowMs, 1000);
      await deps.queue.enqueue([{ item: { ...item, runId: `${item.runId}|retry|${retryAt}`, enqueuedAt: deps.now().toISOString() }, messageId: `${item.mailboxId}|notification-retry|${retryAt}`, notBefore: new Date(retryAt) }]);
    }
    return outcome;
  }
  const outcome = await handleMailboxWork(item, deps, options);
  if (outcome.status === 'done') {
    const subscription = await deps.subscriptions.get(item.mailboxId);
    if (subscription?.mode === 'repairing' && subscription.subscriptionId) {
      await setMode(deps.subscriptions, subscription, 'listening', null, deps.now());
      deps.log('Mailbox repaired; listening again', { runId: item.runId });
    }
  }
  return outcome;
}

async function handleLifecycle(item: MailboxWorkItem, deps: ArchiveWorkDeps, options: ArchiveWorkOptions): Promise<ArchiveWorkOutcome> {
  const event = item.lifecycleEvent ?? 'missed';
  const subscription = await deps.subscriptions.get(item.mailboxId);
  if (!subscription || subscription.subscriptionId !== item.subscriptionId) return { status: 'skipped', reason: 'stale-subscription' };
  const now = deps.now();
  const cfg = options.notifications;
  if (event === 'reauthorizationRequired') {
    try {
      const renewed = await deps.graphSubscriptions.renew(subscription.subscriptionId!, new Date(now.getTime() + cfg.lifetimeMinutes * 60_000));
      await deps.subscriptions.save({ ...subscription, expiresAt: renewed.expiresAt, updatedAt: now.toISOString() });
      return { status: 'lifecycle', event, mode: subscription.mode };
    } catch (error) {
      // Gone (or not renewable): replaced like a removed subscription.
      const mode = await recreateSubscription(subscription, deps, cfg, now, errorCode(error));
      return { status: 'lifecycle', event, mode };
    }
  }
  if (event === 'subscriptionRemoved') {
    const mode = await recreateSubscription(subscription, deps, cfg, now, 'subscription-removed');
    return { status: 'lifecycle', event, mode };
  }
  // missed: Graph could not deliver some notifications; every folder is synchronised.
  await setMode(deps.subscriptions, subscription, 'repairing', 'missed', now);
  await deps.queue.enqueue([{ item: { mailboxId: item.mailboxId, reason: 'repair', runId: `repair|${item.runId}`, enqueuedAt: now.toISOString() }, messageId: `${item.mailboxId}|repair|${item.runId}` }]);
  return { status: 'lifecycle', event, mode: 'repairing' };
}
