import { describe, expect, it } from 'vitest';
import { scheduleMailboxRuns } from '../../shared/archive/capture/schedule';
import { FakeDirectory, FakeMailboxState, FakeWorkQueue, type FakeUser } from '../fakes/archive-capture';

/** The schedule's timer job over the fakes: who is in scope, one work item each, none twice. */

const users: FakeUser[] = [
  { mailboxId: 'u-conseillere', address: 'conseillere@spgq.qc.ca', inScopeGroup: true, department: 'Relations du travail' },
  // A disabled account stays in scope: its mailbox is captured until it is gone.
  { mailboxId: 'u-retraite', address: 'retraite@spgq.qc.ca', inScopeGroup: true, accountEnabled: false },
  { mailboxId: 'u-invitee', address: 'avocate_cabinet.ca#EXT#@spgq.onmicrosoft.com', inScopeGroup: true, userType: 'Guest' },
  { mailboxId: 'u-invite-membre', address: 'consultant#EXT#@spgq.onmicrosoft.com', inScopeGroup: true },
  { mailboxId: 'u-hors-groupe', address: 'stagiaire@spgq.qc.ca' },
  { mailboxId: 'u-accueil', address: 'accueil@spgq.qc.ca', sharedListed: true },
  { mailboxId: 'u-partage-invite', address: 'externe#EXT#@spgq.onmicrosoft.com', sharedListed: true, userType: 'Guest' },
];

const T1 = new Date('2026-03-02T02:00:00Z');
const T2 = new Date('2026-03-02T03:00:00Z');

describe('scheduling mailbox runs', () => {
  it('enqueues one work item per mailbox in scope, none for guests or mailboxes outside it', async () => {
    const queue = new FakeWorkQueue();
    const state = new FakeMailboxState();
    const result = await scheduleMailboxRuns({ directory: new FakeDirectory(users), state, queue }, T1);

    expect(result).toEqual({ enqueued: 3, inScope: 3 });
    expect(queue.accepted.map((x) => x.item.mailboxId).sort()).toEqual(['u-accueil', 'u-conseillere', 'u-retraite']);
    for (const x of queue.accepted) {
      expect(x.item).toEqual({ mailboxId: x.item.mailboxId, reason: 'schedule', runId: `${T1.toISOString()}|${x.item.mailboxId}`, enqueuedAt: T1.toISOString() });
      expect(x.messageId).toBe(`${x.item.mailboxId}|${T1.toISOString()}`);
    }
    const records = new Map((await state.allMailboxes()).map((m) => [m.mailboxId, m]));
    expect([...records.keys()].sort()).toEqual(['u-accueil', 'u-conseillere', 'u-retraite']);
    expect(records.get('u-accueil')).toMatchObject({ kind: 'shared', firstSeenAt: T1.toISOString(), goneAt: null });
    expect(records.get('u-conseillere')).toMatchObject({ kind: 'staff', department: 'Relations du travail' });
    expect(records.get('u-retraite')).toMatchObject({ kind: 'staff', accountEnabled: false });
  });

  it('a repeated tick of the same occurrence is dropped by the broker\'s duplicate detection', async () => {
    const queue = new FakeWorkQueue();
    const d = { directory: new FakeDirectory(users), state: new FakeMailboxState(), queue };
    await scheduleMailboxRuns(d, T1);
    await scheduleMailboxRuns(d, T1);
    expect(queue.sent).toHaveLength(6);
    expect(queue.accepted).toHaveLength(3);
    expect(queue.duplicatesDropped).toBe(3);
  });

  it('keeps scheduling a known mailbox that left the scope, until it is gone; first seen is kept', async () => {
    const queue = new FakeWorkQueue();
    const state = new FakeMailboxState();
    const directory = new FakeDirectory(users.map((u) => ({ ...u })));
    await scheduleMailboxRuns({ directory, state, queue }, T1);
    directory.users.find((u) => u.mailboxId === 'u-conseillere')!.inScopeGroup = false;
    const accueil = (await state.mailbox('u-accueil'))!;
    await state.saveMailbox({ ...accueil, goneAt: '2026-03-02T02:30:00.000Z' });
    queue.accepted.length = 0;

    const result = await scheduleMailboxRuns({ directory, state, queue }, T2);
    // Still in the directory, but gone in Graph: not scheduled; the one that left the group still is.
    expect(result).toEqual({ enqueued: 2, inScope: 2 });
    expect(queue.accepted.map((x) => x.item.mailboxId).sort()).toEqual(['u-conseillere', 'u-retraite']);
    expect(await state.mailbox('u-conseillere')).toMatchObject({ firstSeenAt: T1.toISOString(), lastSeenInScopeAt: T1.toISOString() });
    expect(await state.mailbox('u-retraite')).toMatchObject({ firstSeenAt: T1.toISOString(), lastSeenInScopeAt: T2.toISOString() });
    expect(await state.mailbox('u-accueil')).toMatchObject({ goneAt: '2026-03-02T02:30:00.000Z' });
  });

  it('releases a large scope in waves (at most the wave size active at once), spread over the given time', async () => {
    const many: FakeUser[] = Array.from({ length: 100 }, (_, i) => ({ mailboxId: `u-${String(i).padStart(3, '0')}`, address: `p${i}@spgq.qc.ca`, inScopeGroup: true }));
    const queue = new FakeWorkQueue();
    const result = await scheduleMailboxRuns({ directory: new FakeDirectory(many), state: new FakeMailboxState(), queue }, T1, { size: 32, spreadSeconds: 600 });
    expect(result.enqueued).toBe(100);
    const releases = new Map<number, number>();
    for (const x of queue.accepted) {
      const at = (x.notBefore ?? T1).getTime();
      releases.set(at, (releases.get(at) ?? 0) + 1);
    }
    // 100 mailboxes in waves of 32: four releases, at the occurrence and every 200 s up to 600 s.
    expect([...releases.keys()].sort((a, b) => a - b).map((t) => (t - T1.getTime()) / 1000)).toEqual([0, 200, 400, 600]);
    expect(Math.max(...releases.values())).toBeLessThanOrEqual(32);
    expect(new Set(queue.accepted.map((x) => x.item.mailboxId)).size).toBe(100);
  });
});

