import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleMailboxWork, type MailboxRunDeps } from '../../shared/archive/capture/mailbox-run';
import { GraphBudgetExhaustedError } from '../../shared/platform/graph/graph-budget';
import type { MailboxWorkItem } from '../../shared/archive/model';
import { ARCHIVABLE, COUNTS, FOLDERS, STAFF, addStandardMailbox, archivableIds, makeWorld, type World } from '../fakes/capture-world';

/**
 * One work item from the archive queue (handleMailboxWork) over the fakes: the lock, the time
 * limit and its continuation, the run record, failures.
 */

const mbx = STAFF.mailboxId;
const OPTIONS = { runSeconds: 25, lockSeconds: 30 };

function deps(w: World, logs: string[] = []): MailboxRunDeps {
  return { archiver: w.archiver, lock: w.lock, state: w.state, queue: w.queue, budget: w.budget, log: (message) => logs.push(message) };
}

function item(reason: MailboxWorkItem['reason'] = 'schedule', enqueuedAt = new Date().toISOString()): MailboxWorkItem {
  return { mailboxId: mbx, reason, runId: `run-${reason}-${Math.random().toString(36).slice(2, 8)}`, enqueuedAt };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a run and its time limit', () => {
  it('stops at its deadline, saves where it stands, continues itself once unlocked, and the next run finishes', async () => {
    // Only Date is faked: each delta request "takes" 10 s of the run's 25 s, so the run stores two
    // pages per folder and stops. (The archiver reads Date.now() for its deadline.)
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-02T08:00:00Z') });
    const w = makeWorld();
    addStandardMailbox(w.mail);
    w.mail.beforeDelta = () => vi.setSystemTime(Date.now() + 10_000);
    const lockHeldAtEnqueue: boolean[] = [];
    w.queue.onEnqueue = () => lockHeldAtEnqueue.push(w.lock.isHeld(mbx));

    const first = item('schedule');
    const outcome = await handleMailboxWork(first, deps(w), OPTIONS);

    // Inbox: pages 1 and 2 (10 of 12); the other folders fit in one page.
    expect(outcome).toMatchObject({ status: 'continued', result: { outcome: 'continue', stored: ARCHIVABLE - 2 } });
    expect(w.index.entries(mbx)).toHaveLength(ARCHIVABLE - 2);
    const inbox = (await w.state.checkpointOf(mbx, FOLDERS.inbox))!;
    expect(inbox).toMatchObject({ messagesStored: 10, deltaLink: null });
    expect(inbox.nextLink).not.toBeNull();
    expect(await w.state.run(mbx)).toMatchObject({ lastRunId: first.runId, lastOutcome: 'continued', messagesStoredLastRun: ARCHIVABLE - 2, lastSuccessAt: null, caughtUpTo: null });
    // Exactly one continuation, enqueued once the lock was released (or it would find it locked).
    expect(w.queue.accepted).toHaveLength(1);
    const continuation = w.queue.accepted[0]!;
    expect(continuation.item).toMatchObject({ mailboxId: mbx, reason: 'continuation' });
    expect(continuation.item.runId).not.toBe(first.runId);
    expect(continuation.messageId).toBe(`${mbx}|continuation|${continuation.item.runId}`);
    expect(lockHeldAtEnqueue).toEqual([false]);

    const startOfSecond = new Date(Date.now());
    const second = await handleMailboxWork(w.queue.receive()!, deps(w), OPTIONS);
    expect(second).toMatchObject({ status: 'done', result: { outcome: 'caughtUp', stored: 2 } });
    expect(w.index.entries(mbx).map((e) => e.messageId).sort()).toEqual(archivableIds());
    expect(w.content.blobs.size).toBe(ARCHIVABLE);
    expect((await w.state.checkpointOf(mbx, FOLDERS.inbox))!).toMatchObject({ messagesStored: COUNTS.inbox, nextLink: null });
    expect(await w.state.run(mbx)).toMatchObject({ lastOutcome: 'succeeded', caughtUpTo: startOfSecond.toISOString(), messagesStoredLastRun: 2 });
    // Caught up: nothing more enqueued.
    expect(w.queue.sent).toHaveLength(1);
    expect(w.lock.isHeld(mbx)).toBe(false);
  });

  it('hands the mailbox\'s Graph request window to the next holder through the lock', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    await handleMailboxWork(item(), deps(w), OPTIONS);
    const carried = JSON.parse(w.lock.carried(mbx)!) as Array<[number, number]>;
    // Every Outlook request of the run (a $batch counts each part) is in the window handed on.
    const sent = w.mail.requests.reduce((n, r) => n + r.parts, 0);
    expect(carried.reduce((n, [, cost]) => n + cost, 0)).toBe(sent);
  });
});

describe('the mailbox lock', () => {
  it('a run refused by a lock another run holds does nothing at all', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    w.lock.holdElsewhere(mbx, 60);
    const logs: string[] = [];

    const outcome = await handleMailboxWork(item(), deps(w, logs), OPTIONS);
    expect(outcome).toEqual({ status: 'skipped', reason: 'locked' });
    expect(w.mail.requests).toEqual([]);
    expect(w.index.entries()).toEqual([]);
    expect(w.content.blobs.size).toBe(0);
    expect(w.state.checkpointSaves).toEqual([]);
    expect(w.state.runSaves).toEqual([]);
    expect(w.queue.sent).toEqual([]);
    expect(logs).toEqual(['Mailbox already being archived by another run; leaving it to that run']);
    // The other holder still has it.
    expect(w.lock.isHeld(mbx)).toBe(true);
  });

  it('once the other holder\'s lease has run out, the next work item archives the mailbox', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    w.lock.holdElsewhere(mbx, 60);
    expect(await handleMailboxWork(item(), deps(w), OPTIONS)).toMatchObject({ status: 'skipped', reason: 'locked' });
    w.clock.advance(61_000);
    expect(await handleMailboxWork(item(), deps(w), OPTIONS)).toMatchObject({ status: 'done', result: { stored: ARCHIVABLE } });
    expect(w.lock.isHeld(mbx)).toBe(false);
  });

  it('a lease renewed by its holder stays refused to others; a lease taken over cannot be renewed', async () => {
    const w = makeWorld({ lockSeconds: 15 });
    const lease = (await w.lock.tryAcquire(mbx))!;
    w.clock.advance(10_000);
    await lease.renew();
    w.clock.advance(10_000);
    expect(await w.lock.tryAcquire(mbx)).toBeUndefined();
    w.clock.advance(6_000);
    const other = await w.lock.tryAcquire(mbx);
    expect(other).toBeDefined();
    await expect(lease.renew()).rejects.toThrow('The mailbox lock was lost');
    await other!.release('window');
    expect(w.lock.carried(mbx)).toBe('window');
  });
});

describe('runs that end otherwise', () => {
  it('a scheduled item older than the last successful run is skipped as already covered', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    const stale = item('schedule', new Date(Date.now() - 60_000).toISOString());
    await handleMailboxWork(item('manual'), deps(w), OPTIONS);
    const requests = w.mail.requests.length;
    expect(await handleMailboxWork(stale, deps(w), OPTIONS)).toEqual({ status: 'skipped', reason: 'already-covered' });
    expect(w.mail.requests).toHaveLength(requests);
  });

  it('a Graph that keeps refusing fails the run (for redelivery), recorded by code, with the lock released and pages kept', async () => {
    const w = makeWorld({ budget: { maxAttempts: 3 } });
    addStandardMailbox(w.mail);
    let downloads = 0;
    const open = w.mail.openMime.bind(w.mail);
    // After 8 downloads Graph refuses for good (more 429s than the budget's attempts).
    w.mail.openMime = async (m, id) => {
      if (++downloads === 8) w.mail.throttle({ count: 1_000, retryAfterMs: 1 });
      return open(m, id);
    };
    await expect(handleMailboxWork(item(), deps(w), OPTIONS)).rejects.toBeInstanceOf(GraphBudgetExhaustedError);
    const run = (await w.state.run(mbx))!;
    expect(run.lastOutcome).toBe('failed');
    expect(run.errors.map((e) => e.code)).toEqual(['graph-refused']);
    expect(w.lock.isHeld(mbx)).toBe(false);
    expect(w.queue.sent).toEqual([]);

    // The redelivered item finishes the mailbox, without duplicates.
    w.mail.openMime = open;
    w.mail.clearThrottles();
    expect(await handleMailboxWork(item(), deps(w), OPTIONS)).toMatchObject({ status: 'done' });
    expect(w.index.entries(mbx).map((e) => e.messageId).sort()).toEqual(archivableIds());
    expect(w.content.blobs.size).toBe(ARCHIVABLE);
    expect((await w.state.run(mbx))!).toMatchObject({ lastOutcome: 'succeeded', errors: [{ code: 'graph-refused' }] });
  });

  it('a mailbox Graph says is gone is marked gone and skipped from then on', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    await w.state.saveMailbox({
      id: 'mailbox', type: 'mailbox', mailboxId: mbx, address: STAFF.address, displayName: STAFF.displayName, kind: 'staff', department: STAFF.department,
      accountEnabled: false, firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: 1,
    });
    w.mail.deleteMailbox(mbx);
    expect(await handleMailboxWork(item(), deps(w), OPTIONS)).toEqual({ status: 'skipped', reason: 'gone' });
    expect((await w.state.mailbox(mbx))!.goneAt).not.toBeNull();
    expect(w.lock.isHeld(mbx)).toBe(false);
    const requests = w.mail.requests.length;
    expect(await handleMailboxWork(item(), deps(w), OPTIONS)).toEqual({ status: 'skipped', reason: 'gone' });
    expect(w.mail.requests).toHaveLength(requests);
  });
});
