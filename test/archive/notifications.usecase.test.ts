import { describe, expect, it } from 'vitest';
import { acceptNotifications, clientStateFor, handleArchiveWork, verifyClientState, type ArchiveWorkDeps, type ArchiveWorkOptions } from '../../shared/archive/capture/notifications';
import { maintainSubscriptions, type SubscriptionConfig } from '../../shared/archive/capture/subscriptions';
import { scheduleMailboxRuns } from '../../shared/archive/capture/schedule';
import { MODEL_VERSION, type MailboxRecord } from '../../shared/archive/model';
import { FakeDirectory } from '../fakes/archive-capture';
import { FakeGraphSubscriptions, FakeSubscriptionStore } from '../fakes/archive-subscriptions';
import { ARCHIVABLE, FOLDERS, STAFF, addStandardMailbox, makeWorld, type World } from '../fakes/capture-world';

/**
 * Change notifications over the fakes (docs/decisions/0018): the clientState, the intake and its
 * coalescing, the subscription's lifecycle and the capture mode, the slow sweep of listening
 * mailboxes. The same flows against the emulators and the sandbox: notifications.test.ts.
 */

const mbx = STAFF.mailboxId;
const KEY = Buffer.from('une-clé-de-notification-de-test-assez-longue', 'utf8');
const WINDOW_MS = 10_000;

interface Rig {
  w: World;
  store: FakeSubscriptionStore;
  graph: FakeGraphSubscriptions;
  cfg: SubscriptionConfig;
  deps: ArchiveWorkDeps;
  options: ArchiveWorkOptions;
  logs: string[];
}

function rig(): Rig {
  const w = makeWorld();
  // Runs record real end times, and a scheduled item older than the last finished run is skipped:
  // the fake clock starts at the real time so the schedule's items compare as they would in Azure.
  w.clock.advance(Date.now() - w.clock.now().getTime());
  addStandardMailbox(w.mail);
  const store = new FakeSubscriptionStore();
  const graph = new FakeGraphSubscriptions();
  const cfg: SubscriptionConfig = { notificationUrl: 'https://func-spgq.example/api/archive/notifications', key: KEY, lifetimeMinutes: 10_000, clientState: clientStateFor };
  const logs: string[] = [];
  const deps: ArchiveWorkDeps = { archiver: w.archiver, lock: w.lock, state: w.state, queue: w.queue, budget: w.budget, log: (m) => logs.push(m), subscriptions: store, graphSubscriptions: graph, now: w.clock.now };
  return { w, store, graph, cfg, deps, options: { runSeconds: 60, lockSeconds: 30, notifications: cfg, windowMs: WINDOW_MS }, logs };
}

function record(now: Date, goneAt: string | null = null): MailboxRecord {
  const at = now.toISOString();
  return { id: 'mailbox', type: 'mailbox', mailboxId: mbx, address: STAFF.address, displayName: STAFF.displayName, kind: 'staff', accountEnabled: true, department: STAFF.department, firstSeenAt: at, lastSeenInScopeAt: at, goneAt, version: MODEL_VERSION };
}

/** Handles every queued item, as the worker would (scheduled ones too: the fake queue has no clock). */
async function drain(r: Rig) {
  const outcomes = [];
  for (let item = r.w.queue.receive(); item; item = r.w.queue.receive()) outcomes.push(await handleArchiveWork(item, r.deps, r.options));
  return outcomes;
}

/** The mailbox enrolled, subscribed and caught up: listening. */
async function listening(r: Rig): Promise<string> {
  await r.w.state.saveMailbox(record(r.w.clock.now()));
  await maintainSubscriptions({ ...r.deps, state: r.w.state }, r.cfg, r.w.clock.now());
  await drain(r);
  const sub = (await r.store.get(mbx))!;
  expect(sub.mode).toBe('listening');
  return sub.subscriptionId!;
}

function notification(subscriptionId: string, changeType: string, messageId: string, mailbox = mbx, key = KEY) {
  return { subscriptionId, clientState: clientStateFor(key, mailbox), changeType, resource: `Users/${mailbox}/Messages/${messageId}`, resourceData: { id: messageId } };
}

const intake = (r: Rig) => ({ queue: r.w.queue, key: KEY, windowMs: WINDOW_MS, now: r.w.clock.now });

describe('clientState', () => {
  it('is derived from the mailbox and the key, fits Graph’s 128 characters, and only the app’s own verify', () => {
    const state = clientStateFor(KEY, '8c2e4f6a-1b3d-4e5f-a7b9-c0d1e2f3a4b5');
    expect(state.length).toBeLessThanOrEqual(128);
    expect(verifyClientState(KEY, state)).toBe('8c2e4f6a-1b3d-4e5f-a7b9-c0d1e2f3a4b5');
    expect(verifyClientState(Buffer.from('another-key-another-key-another-key!!'), state)).toBeUndefined();
    const [v, m, mac] = state.split('.');
    // Another mailbox's id with this mailbox's MAC, a truncated MAC, garbage: all refused alike.
    expect(verifyClientState(KEY, `${v}.${Buffer.from('someone-else').toString('base64url')}.${mac}`)).toBeUndefined();
    expect(verifyClientState(KEY, `${v}.${m}.${mac!.slice(0, 20)}`)).toBeUndefined();
    expect(verifyClientState(KEY, 'secretClientValue')).toBeUndefined();
    expect(verifyClientState(KEY, undefined)).toBeUndefined();
  });
});

describe('subscription lifecycle', () => {
  it('creates the subscription of a mailbox in scope, repairs once, renews before expiry, and deletes it when the mailbox leaves', async () => {
    const r = rig();
    await r.w.state.saveMailbox(record(r.w.clock.now()));
    const first = await maintainSubscriptions({ ...r.deps, state: r.w.state }, r.cfg, r.w.clock.now());
    expect(first).toMatchObject({ created: 1, failed: 0 });
    const [id] = r.graph.forMailbox(mbx);
    expect(r.graph.live.get(id!)).toMatchObject({ notificationUrl: r.cfg.notificationUrl, clientState: clientStateFor(KEY, mbx) });
    // What happened before the subscription existed was only polled: one run over every folder first.
    expect(await r.store.get(mbx)).toMatchObject({ subscriptionId: id, mode: 'repairing' });
    expect(r.w.queue.accepted.map((a) => a.item.reason)).toEqual(['repair']);
    const runs = await drain(r);
    expect(runs[0]).toMatchObject({ status: 'done', result: { stored: ARCHIVABLE } });
    expect(await r.store.get(mbx)).toMatchObject({ mode: 'listening', reason: null });

    // Nothing to do while more than half the lifetime is left.
    r.w.clock.advance(60 * 60_000);
    expect(await maintainSubscriptions({ ...r.deps, state: r.w.state }, r.cfg, r.w.clock.now())).toMatchObject({ created: 0, renewed: 0 });
    r.w.clock.advance(5 * 24 * 60 * 60_000);
    const before = (await r.store.get(mbx))!.expiresAt!;
    expect(await maintainSubscriptions({ ...r.deps, state: r.w.state }, r.cfg, r.w.clock.now())).toMatchObject({ renewed: 1 });
    expect(Date.parse((await r.store.get(mbx))!.expiresAt!)).toBeGreaterThan(Date.parse(before));
    expect(r.graph.calls.filter((c) => c.op === 'renew')).toEqual([{ op: 'renew', subscriptionId: id }]);

    await r.w.state.saveMailbox(record(r.w.clock.now(), r.w.clock.now().toISOString()));
    expect(await maintainSubscriptions({ ...r.deps, state: r.w.state }, r.cfg, r.w.clock.now())).toMatchObject({ removed: 1 });
    expect(r.graph.live.size).toBe(0);
    expect(await r.store.get(mbx)).toBeUndefined();
  });

  it('a refused creation leaves the mailbox polling, and the next pass subscribes it', async () => {
    const r = rig();
    await r.w.state.saveMailbox(record(r.w.clock.now()));
    r.graph.refuseCreates = 1;
    expect(await maintainSubscriptions({ ...r.deps, state: r.w.state }, r.cfg, r.w.clock.now())).toMatchObject({ failed: 1 });
    expect(await r.store.get(mbx)).toMatchObject({ mode: 'polling', subscriptionId: null, reason: 'graph-400' });
    expect(await maintainSubscriptions({ ...r.deps, state: r.w.state }, r.cfg, r.w.clock.now())).toMatchObject({ created: 1 });
    expect(await r.store.get(mbx)).toMatchObject({ mode: 'repairing' });
  });

  it('without a notification URL or key every mailbox is polling and no subscription is made', async () => {
    const r = rig();
    await r.w.state.saveMailbox(record(r.w.clock.now()));
    await maintainSubscriptions({ ...r.deps, state: r.w.state }, { ...r.cfg, key: undefined }, r.w.clock.now());
    expect(r.graph.calls).toEqual([]);
    expect(await r.store.get(mbx)).toMatchObject({ mode: 'polling', reason: 'notifications-off' });
  });
});

describe('notifications', () => {
  it('archive new mail and deletions, syncing only the folders that changed', async () => {
    const r = rig();
    const sub = await listening(r);
    r.w.mail.addMessage(mbx, FOLDERS.inbox, { messageId: 'nouveau-1', receivedAt: '2026-03-02T07:59:00Z' });
    r.w.mail.deleteMessage(mbx, 'projets-0');
    const accepted = await acceptNotifications({ value: [notification(sub, 'created', 'nouveau-1'), notification(sub, 'deleted', 'projets-0')] }, intake(r));
    expect(accepted).toEqual({ accepted: 2, refused: 0, enqueued: 1 });
    const requestsBefore = r.w.mail.requests.length;
    const [run] = await drain(r);
    expect(run).toMatchObject({ status: 'done', result: { stored: 1, removed: 1 } });
    expect(r.w.index.entries(mbx).find((e) => e.messageId === 'nouveau-1')).toMatchObject({ folderId: FOLDERS.inbox, removedAt: null });
    expect(r.w.index.entries(mbx).find((e) => e.messageId === 'projets-0')!.removedAt).not.toBeNull();
    // Inbox and Projets only: Sent Items and Deleted Items did not change, so their delta was not asked.
    const deltaParts = r.w.mail.requests.slice(requestsBefore).filter((q) => q.kind === 'delta').reduce((n, q) => n + q.parts, 0);
    expect(deltaParts).toBe(2);
  });

  it('coalesce: 100 notifications for one mailbox within the window become one run', async () => {
    const r = rig();
    const sub = await listening(r);
    const acquisitions = r.w.lock.acquisitions;
    // Windows are fixed slices of time (docs/decisions/0018): the burst starts at one's beginning.
    r.w.clock.advance(WINDOW_MS - (r.w.clock.now().getTime() % WINDOW_MS));
    for (let post = 0; post < 5; post++) {
      for (let n = 0; n < 20; n++) r.w.mail.addMessage(mbx, FOLDERS.inbox, { messageId: `rafale-${post}-${n}`, receivedAt: '2026-03-02T07:59:00Z' });
      await acceptNotifications({ value: Array.from({ length: 20 }, (_, n) => notification(sub, 'created', `rafale-${post}-${n}`)) }, intake(r));
      r.w.clock.advance(1_000);
    }
    const notifications = r.w.queue.accepted.filter((a) => a.item.reason === 'notification');
    expect(notifications).toHaveLength(1);
    expect(r.w.queue.duplicatesDropped).toBe(4);
    // Scheduled at the end of its window, so the rest of the burst joins it.
    expect(notifications[0]!.notBefore!.getTime() % WINDOW_MS).toBe(0);
    const runs = await drain(r);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'done', result: { stored: 100 } });
    expect(r.w.lock.acquisitions - acquisitions).toBe(1);
  });

  it('refuses forged notifications (wrong key, another mailbox’s clientState, none) and enqueues nothing for them', async () => {
    const r = rig();
    const sub = await listening(r);
    const forged = [
      notification(sub, 'created', 'x', mbx, Buffer.from('not-the-app-key-not-the-app-key-not')),
      { ...notification(sub, 'created', 'x'), clientState: clientStateFor(KEY, 'another-mailbox') },
      { ...notification(sub, 'created', 'x'), clientState: undefined },
      { subscriptionId: sub, clientState: 'secretClientValue', lifecycleEvent: 'missed' },
    ];
    expect(await acceptNotifications({ value: forged }, intake(r))).toEqual({ accepted: 0, refused: 4, enqueued: 0 });
    expect(r.w.queue.accepted).toEqual([]);
  });

  it('a notification run that finds the mailbox locked tries again after the window', async () => {
    const r = rig();
    const sub = await listening(r);
    await acceptNotifications({ value: [notification(sub, 'created', 'y')] }, intake(r));
    r.w.lock.holdElsewhere(mbx, 300);
    const item = r.w.queue.receive()!;
    expect(await handleArchiveWork(item, r.deps, r.options)).toMatchObject({ status: 'skipped', reason: 'locked' });
    expect(r.w.queue.accepted).toHaveLength(1);
    expect(r.w.queue.accepted[0]).toMatchObject({ item: { reason: 'notification', subscriptionId: sub } });
    expect(r.w.queue.accepted[0]!.notBefore!.getTime()).toBe(r.w.clock.now().getTime() + WINDOW_MS);
  });
});

describe('safety net', () => {
  it('dropped notifications are caught by the slow sweep; listening mailboxes are not polled in between', async () => {
    const r = rig();
    await listening(r);
    const directory = new FakeDirectory([{ mailboxId: mbx, address: STAFF.address, inScopeGroup: true, department: STAFF.department }]);
    const cadence = { subscriptions: r.store, sweepMinutes: 24 * 60 };
    const tick = () => scheduleMailboxRuns({ directory, state: r.w.state, queue: r.w.queue }, r.w.clock.now(), undefined, cadence);
    // The first tick sweeps (never swept yet); the next ones, every 15 minutes, leave it alone.
    expect(await tick()).toMatchObject({ enqueued: 1, listeningSkipped: 0 });
    await drain(r);
    r.w.mail.addMessage(mbx, FOLDERS.sent, { messageId: 'perdu-1', receivedAt: '2026-03-02T08:01:00Z' }); // Graph never notified
    for (let i = 0; i < 4; i++) {
      r.w.clock.advance(15 * 60_000);
      expect(await tick()).toMatchObject({ enqueued: 0, listeningSkipped: 1 });
    }
    r.w.clock.advance(24 * 60 * 60_000);
    expect(await tick()).toMatchObject({ enqueued: 1 });
    await drain(r);
    expect(r.w.index.entries(mbx).some((e) => e.messageId === 'perdu-1')).toBe(true);
  });

  it('a sweep queued before a notification run still runs every folder after it', async () => {
    const r = rig();
    const sub = await listening(r);
    const directory = new FakeDirectory([{ mailboxId: mbx, address: STAFF.address, inScopeGroup: true }]);
    r.w.clock.advance(25 * 60 * 60_000);
    // The sweep is queued (waves may hold it back for minutes); a notification run ends before it starts.
    await scheduleMailboxRuns({ directory, state: r.w.state, queue: r.w.queue }, new Date(Date.now() - 60_000), undefined, { subscriptions: r.store, sweepMinutes: 1440 });
    const sweep = r.w.queue.receive()!;
    expect(sweep.reason).toBe('schedule');
    r.w.mail.addMessage(mbx, FOLDERS.inbox, { messageId: 'notifie', receivedAt: '2026-03-02T08:01:00Z' });
    await acceptNotifications({ value: [notification(sub, 'created', 'notifie')] }, intake(r));
    expect(await handleArchiveWork(r.w.queue.receive()!, r.deps, r.options)).toMatchObject({ status: 'done' });
    expect(await handleArchiveWork(sweep, r.deps, r.options)).toMatchObject({ status: 'done' });
  });

  it('missed: the mailbox is repaired by a run over every folder, polled meanwhile, then listening again', async () => {
    const r = rig();
    const sub = await listening(r);
    r.w.mail.addMessage(mbx, FOLDERS.deleted, { messageId: 'manque-1', receivedAt: '2026-03-02T08:01:00Z' });
    await acceptNotifications({ value: [{ subscriptionId: sub, clientState: clientStateFor(KEY, mbx), lifecycleEvent: 'missed' }] }, intake(r));
    const lifecycle = r.w.queue.receive()!;
    expect(await handleArchiveWork(lifecycle, r.deps, r.options)).toMatchObject({ status: 'lifecycle', event: 'missed', mode: 'repairing' });
    expect(await r.store.get(mbx)).toMatchObject({ mode: 'repairing', reason: 'missed' });
    // While repairing, the schedule polls it at its own cadence.
    const directory = new FakeDirectory([{ mailboxId: mbx, address: STAFF.address, inScopeGroup: true }]);
    expect(await scheduleMailboxRuns({ directory, state: r.w.state, queue: r.w.queue }, r.w.clock.now(), undefined, { subscriptions: r.store, sweepMinutes: 1440 })).toMatchObject({ enqueued: 1, listeningSkipped: 0 });
    await drain(r);
    expect(r.w.index.entries(mbx).some((e) => e.messageId === 'manque-1')).toBe(true);
    expect(await r.store.get(mbx)).toMatchObject({ mode: 'listening', subscriptionId: sub });
  });

  it('subscriptionRemoved: a new subscription, repairing until a full run, the old one’s notifications ignored', async () => {
    const r = rig();
    const old = await listening(r);
    r.graph.drop(old);
    await acceptNotifications({ value: [{ subscriptionId: old, clientState: clientStateFor(KEY, mbx), lifecycleEvent: 'subscriptionRemoved' }] }, intake(r));
    expect(await handleArchiveWork(r.w.queue.receive()!, r.deps, r.options)).toMatchObject({ status: 'lifecycle', event: 'subscriptionRemoved', mode: 'repairing' });
    const now = (await r.store.get(mbx))!;
    expect(now.subscriptionId).not.toBe(old);
    expect(r.graph.forMailbox(mbx)).toEqual([now.subscriptionId]);
    r.w.mail.addMessage(mbx, FOLDERS.inbox, { messageId: 'entre-deux', receivedAt: '2026-03-02T08:01:00Z' });
    // A late notification of the old subscription starts nothing.
    await acceptNotifications({ value: [notification(old, 'created', 'entre-deux')] }, intake(r));
    const outcomes = await drain(r);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['done', 'skipped']);
    expect(r.w.index.entries(mbx).some((e) => e.messageId === 'entre-deux')).toBe(true);
    expect(await r.store.get(mbx)).toMatchObject({ mode: 'listening', subscriptionId: now.subscriptionId });
  });

  it('reauthorizationRequired renews the subscription; one Graph no longer has is re-created', async () => {
    const r = rig();
    const sub = await listening(r);
    await acceptNotifications({ value: [{ subscriptionId: sub, clientState: clientStateFor(KEY, mbx), lifecycleEvent: 'reauthorizationRequired' }] }, intake(r));
    expect(await handleArchiveWork(r.w.queue.receive()!, r.deps, r.options)).toMatchObject({ status: 'lifecycle', mode: 'listening' });
    expect(r.graph.calls.at(-1)).toEqual({ op: 'renew', subscriptionId: sub });
    r.graph.drop(sub);
    r.w.clock.advance(WINDOW_MS);
    await acceptNotifications({ value: [{ subscriptionId: sub, clientState: clientStateFor(KEY, mbx), lifecycleEvent: 'reauthorizationRequired' }] }, intake(r));
    expect(await handleArchiveWork(r.w.queue.receive()!, r.deps, r.options)).toMatchObject({ status: 'lifecycle', mode: 'repairing' });
    expect((await r.store.get(mbx))!.subscriptionId).not.toBe(sub);
  });
});

describe('the page’s capture mode', () => {
  it('completeness reports each mailbox’s mode (listening, polling, repairing) from the subscriptions store', async () => {
    const { completenessReport } = await import('../../shared/archive/records/completeness');
    const r = rig();
    const sub = await listening(r);
    const other = { ...record(r.w.clock.now()), mailboxId: 'mbx-autre', displayName: 'Autre' };
    await r.w.state.saveMailbox(other);
    await acceptNotifications({ value: [{ subscriptionId: sub, clientState: clientStateFor(KEY, mbx), lifecycleEvent: 'missed' }] }, intake(r));
    await handleArchiveWork(r.w.queue.receive()!, r.deps, r.options);
    const docs = async (only?: string) => [...(await r.w.state.allMailboxes()), ...(await r.w.state.checkpoints(mbx))].filter((d) => !only || d.mailboxId === only);
    const report = await completenessReport({ mailboxes: { documents: docs, mailbox: (id: string) => r.w.state.mailbox(id) } as never, index: { countPresentInFolder: async () => 0 }, modes: r.store }, r.w.clock.now());
    expect(Object.fromEntries(report.map((m) => [m.mailboxId, m.captureMode]))).toEqual({ [mbx]: 'repairing', 'mbx-autre': null });
  });
});
