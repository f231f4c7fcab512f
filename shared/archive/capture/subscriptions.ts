import { MODEL_VERSION, type ArchiveSubscription, type CaptureMode, type MailboxRecord } from '../model';
import type { MailboxStateStore, MailSubscriptions, SubscriptionStore, WorkQueue } from '../ports';
import { forEachLimited } from './mailbox-archiver';

/**
 * The lifecycle of each archived mailbox's Graph subscription (docs/decisions/0018): created when
 * the mailbox is in the archive's scope, renewed (PATCH) before it expires, re-created when Graph
 * lost it, deleted when the mailbox leaves the scope. A mailbox without a healthy subscription is
 * `polling` (the schedule's old cadence); one whose notifications may have been lost is
 * `repairing` until a run over every folder succeeds.
 */

export interface SubscriptionConfig {
  /** Where Graph posts notifications (APP_PUBLIC_URL + the endpoint's route); notifications are off without it. */
  notificationUrl?: string;
  /** The app's notification key (clientState HMAC); notifications are off without it. */
  key?: Buffer;
  /** Lifetime asked for each subscription; renewed once less than half of it is left. */
  lifetimeMinutes: number;
  /** Derives a mailbox's clientState (capture/notifications.ts). */
  clientState: (key: Buffer, mailboxId: string) => string;
}

export interface SubscriptionDeps {
  subscriptions: SubscriptionStore;
  graphSubscriptions: MailSubscriptions;
  queue: WorkQueue;
}

export function notificationsEnabled(cfg: SubscriptionConfig): cfg is SubscriptionConfig & { notificationUrl: string; key: Buffer } {
  return Boolean(cfg.notificationUrl && cfg.key);
}

export async function setMode(store: SubscriptionStore, record: ArchiveSubscription, mode: CaptureMode, reason: string | null, now: Date): Promise<ArchiveSubscription> {
  const at = now.toISOString();
  const next: ArchiveSubscription = { ...record, mode, reason, modeSince: record.mode === mode ? record.modeSince : at, updatedAt: at };
  await store.save(next);
  return next;
}

function blank(mailboxId: string, now: Date): ArchiveSubscription {
  const at = now.toISOString();
  return { id: 'subscription', type: 'subscription', mailboxId, subscriptionId: null, expiresAt: null, mode: 'polling', modeSince: at, reason: null, lastSweepAt: null, updatedAt: at, version: MODEL_VERSION };
}

/**
 * Creates the mailbox's subscription. Changes made before it existed were seen only by polling, so
 * the mailbox is `repairing` (one run over every folder is queued) until that run succeeds; when
 * Graph refuses, the mailbox is `polling` with the refusal's code, and the next pass tries again.
 */
async function subscribe(record: ArchiveSubscription, deps: SubscriptionDeps, cfg: SubscriptionConfig & { notificationUrl: string; key: Buffer }, now: Date, reason: string | null): Promise<CaptureMode> {
  const at = now.toISOString();
  try {
    const created = await deps.graphSubscriptions.create({
      mailboxId: record.mailboxId,
      notificationUrl: cfg.notificationUrl,
      clientState: cfg.clientState(cfg.key, record.mailboxId),
      expiresAt: new Date(now.getTime() + cfg.lifetimeMinutes * 60_000),
    });
    await deps.subscriptions.save({ ...record, subscriptionId: created.subscriptionId, expiresAt: created.expiresAt, mode: 'repairing', modeSince: record.mode === 'repairing' ? record.modeSince : at, reason: reason ?? 'subscribed', updatedAt: at });
    const runId = `repair|${created.subscriptionId}`;
    await deps.queue.enqueue([{ item: { mailboxId: record.mailboxId, reason: 'repair', runId, enqueuedAt: at }, messageId: `${record.mailboxId}|${runId}` }]);
    return 'repairing';
  } catch (error) {
    await deps.subscriptions.save({ ...record, subscriptionId: null, expiresAt: null, mode: 'polling', modeSince: record.mode === 'polling' ? record.modeSince : at, reason: errorCode(error), updatedAt: at });
    return 'polling';
  }
}

/** Replaces a subscription Graph lost or would not renew: the old one is deleted (if it still exists), a new one made. */
export async function recreateSubscription(record: ArchiveSubscription, deps: SubscriptionDeps, cfg: SubscriptionConfig, now: Date, reason: string): Promise<CaptureMode> {
  if (record.subscriptionId) await deps.graphSubscriptions.remove(record.subscriptionId).catch(() => undefined);
  if (!notificationsEnabled(cfg)) {
    await setMode(deps.subscriptions, { ...record, subscriptionId: null, expiresAt: null }, 'polling', 'notifications-off', now);
    return 'polling';
  }
  return subscribe({ ...record, subscriptionId: null, expiresAt: null }, deps, cfg, now, reason);
}

export interface MaintenanceResult {
  created: number;
  renewed: number;
  recreated: number;
  removed: number;
  failed: number;
}

/**
 * The subscriptions timer: every mailbox the archive knows gets a subscription (joiners enrolled
 * since the last pass included), those with less than half their lifetime left are renewed, those
 * Graph lost are re-created, and those of mailboxes gone from the scope are deleted. A mailbox
 * still `polling` after a refusal is tried again at every pass. Graph is asked at most 4 at a time.
 */
export async function maintainSubscriptions(deps: SubscriptionDeps & { state: MailboxStateStore }, cfg: SubscriptionConfig, now: Date): Promise<MaintenanceResult> {
  const result: MaintenanceResult = { created: 0, renewed: 0, recreated: 0, removed: 0, failed: 0 };
  const mailboxes = await deps.state.allMailboxes();
  const records = new Map((await deps.subscriptions.all()).map((r) => [r.mailboxId, r]));
  const known = new Map<string, MailboxRecord>(mailboxes.map((m) => [m.mailboxId, m]));
  // Records of mailboxes the archive no longer has at all: their subscriptions go too.
  const orphans = [...records.values()].filter((r) => !known.has(r.mailboxId));
  await forEachLimited([...mailboxes, ...orphans.map((r) => ({ mailboxId: r.mailboxId, goneAt: now.toISOString() }))], 4, async (m) => {
    const record = records.get(m.mailboxId);
    if (m.goneAt) {
      if (!record) return;
      // A failed delete leaves a subscription that expires within days; its notifications meanwhile
      // are ignored as stale (and delete it again).
      if (record.subscriptionId) await deps.graphSubscriptions.remove(record.subscriptionId).catch(() => undefined);
      await deps.subscriptions.remove(m.mailboxId);
      result.removed++;
      return;
    }
    if (!notificationsEnabled(cfg)) {
      if (record?.subscriptionId) await deps.graphSubscriptions.remove(record.subscriptionId).catch(() => undefined);
      if (!record || record.mode !== 'polling' || record.subscriptionId) await setMode(deps.subscriptions, { ...(record ?? blank(m.mailboxId, now)), subscriptionId: null, expiresAt: null }, 'polling', 'notifications-off', now);
      return;
    }
    if (!record?.subscriptionId) {
      const mode = await subscribe(record ?? blank(m.mailboxId, now), deps, cfg, now, record ? 'resubscribed' : 'subscribed');
      if (mode === 'polling') result.failed++;
      else result.created++;
      return;
    }
    const left = record.expiresAt ? Date.parse(record.expiresAt) - now.getTime() : 0;
    if (left > (cfg.lifetimeMinutes * 60_000) / 2) return;
    if (left <= 0) {
      // Expired before it was renewed: Graph dropped it, and with it any notification since.
      const mode = await recreateSubscription(record, deps, cfg, now, 'expired');
      if (mode === 'polling') result.failed++;
      else result.recreated++;
      return;
    }
    try {
      const renewed = await deps.graphSubscriptions.renew(record.subscriptionId, new Date(now.getTime() + cfg.lifetimeMinutes * 60_000));
      await deps.subscriptions.save({ ...record, expiresAt: renewed.expiresAt, updatedAt: now.toISOString() });
      result.renewed++;
    } catch (error) {
      if ((error as { name?: string }).name === 'SubscriptionGoneError') {
        const mode = await recreateSubscription(record, deps, cfg, now, 'subscription-gone');
        if (mode === 'polling') result.failed++;
        else result.recreated++;
        return;
      }
      // Still valid for a while: the next pass tries again; the reason shows on the page.
      await deps.subscriptions.save({ ...record, reason: errorCode(error), updatedAt: now.toISOString() });
      result.failed++;
    }
  });
  return result;
}

/** A stable code for the record and the log: an HTTP status or an error name, never a message. */
export function errorCode(error: unknown): string {
  const e = error as { name?: string; statusCode?: unknown };
  if (typeof e?.statusCode === 'number') return `graph-${e.statusCode}`;
  if (e?.name === 'SubscriptionGoneError') return 'subscription-gone';
  return (e?.name ?? 'error').slice(0, 100);
}
