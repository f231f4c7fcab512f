import { describe, expect, it } from 'vitest';
import { followPeopleEvent } from '../../shared/archive/capture/people-scope';
import { eventId, type PeopleEvent } from '../../shared/people/model';
import { FakeDirectory, FakeMailboxState, FakeWorkQueue } from '../fakes/archive-capture';

/** The archive's consumer of the people stream, over fakes of the archive's ports. */

const NOW = new Date('2026-12-05T15:00:00Z');
const ANA = { mailboxId: 'ana-id', address: 'ana@exemple.ca', displayName: 'Ana', department: 'Relations du travail' };

function event(kind: PeopleEvent['kind'], version = 1): PeopleEvent {
  return { id: eventId(ANA.mailboxId, version, kind), kind, personId: ANA.mailboxId, version, observedAt: NOW.toISOString(), changes: [], state: { status: kind === 'left' ? 'left' : 'active', serviceCode: 'RT', jobCategoryCode: 'CONSEIL', managerId: null, language: 'fr-CA' } };
}

function world() {
  const directory = new FakeDirectory([{ ...ANA }]);
  return { directory, state: new FakeMailboxState(), queue: new FakeWorkQueue() };
}

describe('archive scope follows the people stream (use case)', () => {
  it('a joiner is enrolled and a first run is queued at once; the same event again queues nothing new', async () => {
    const w = world();
    expect(await followPeopleEvent(event('joined'), w, NOW)).toBe('enrolled');
    expect(await w.state.mailbox(ANA.mailboxId)).toMatchObject({ address: ANA.address, department: 'Relations du travail', kind: 'staff', goneAt: null, firstSeenAt: NOW.toISOString() });
    expect(w.queue.accepted.map((x) => x.item.mailboxId)).toEqual([ANA.mailboxId]);
    expect(await followPeopleEvent(event('joined'), w, NOW)).toBe('updated');
    expect(w.queue.accepted).toHaveLength(1);
  });

  it('a move refreshes the service (which picks the retention rule) and keeps when the mailbox was first seen', async () => {
    const w = world();
    await followPeopleEvent(event('joined'), w, NOW);
    w.directory.users[0]!.department = 'Services juridiques';
    const later = new Date('2026-12-06T10:00:00Z');
    expect(await followPeopleEvent(event('moved', 2), w, later)).toBe('updated');
    expect(await w.state.mailbox(ANA.mailboxId)).toMatchObject({ department: 'Services juridiques', firstSeenAt: NOW.toISOString(), lastSeenInScopeAt: later.toISOString() });
  });

  it('someone who leaves stays archived (account marked disabled) until the mailbox is gone; a gone mailbox is left alone', async () => {
    const w = world();
    await followPeopleEvent(event('joined'), w, NOW);
    expect(await followPeopleEvent(event('left', 2), w, NOW)).toBe('updated');
    expect(await w.state.mailbox(ANA.mailboxId)).toMatchObject({ accountEnabled: false, goneAt: null });
    await w.state.saveMailbox({ ...(await w.state.mailbox(ANA.mailboxId))!, goneAt: NOW.toISOString() });
    expect(await followPeopleEvent(event('joined', 3), w, NOW)).toBe('ignored');
  });

  it('a joiner without a mailbox, and events the archive does not act on, change nothing', async () => {
    const w = world();
    w.directory.users.length = 0;
    expect(await followPeopleEvent(event('joined'), w, NOW)).toBe('ignored');
    expect(await followPeopleEvent(event('leave-started'), w, NOW)).toBe('ignored');
    expect(await followPeopleEvent(event('left'), w, NOW)).toBe('ignored');
    expect(await w.state.allMailboxes()).toEqual([]);
    expect(w.queue.sent).toEqual([]);
  });
});
