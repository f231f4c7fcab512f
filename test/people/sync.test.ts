import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayCurrentStaff } from '../../shared/people/replay';
import { syncPeople } from '../../shared/people/sync';
import type { PeopleEvent } from '../../shared/people/events';
import { drainSubscription, startPeopleStack, syncDeps, type PeopleStack } from './people-stack';

/**
 * The people sync end to end: the app's Graph adapter on the Microsoft 365 sandbox's users/delta
 * and groups/delta, its Cosmos adapter on the emulator, its publisher on the Service Bus
 * emulator's people-events topic, read back through a subscription with the official SDK.
 */
let stack: PeopleStack;
let staffIds: string[];
let onLeaveIds: string[];
let disabledIds: Set<string>;

beforeAll(async () => {
  stack = await startPeopleStack();
  staffIds = await stack.members(stack.sandbox.tenant.allStaffGroupId);
  onLeaveIds = await stack.members(stack.sandbox.tenant.onLeaveGroupId);
  disabledIds = new Set(stack.sandbox.tenant.users.filter((u) => !u.accountEnabled).map((u) => u.id));
}, 60_000);


afterAll(async () => {
  await stack?.stop();
});

const byKind = (events: PeopleEvent[]) => events.map((e) => `${e.kind}:${e.personId}`).sort();

describe('people sync on the emulators', { timeout: 120_000 }, () => {
  it('a first run is a full sync: every enabled member of the staff group joins once; those on leave also start their leave', async () => {
    const summary = await syncPeople(syncDeps());
    expect(summary.mode).toBe('full');
    const events = await drainSubscription(stack.bus, 'training');
    const enabled = staffIds.filter((id) => !disabledIds.has(id));
    expect(enabled.length).toBeGreaterThan(30);
    const expected = [...enabled.map((id) => `joined:${id}`), ...onLeaveIds.filter((id) => !disabledIds.has(id)).map((id) => `leave-started:${id}`)].sort();
    expect(byKind(events)).toEqual(expected);
    // Every subscription got its own copy.
    expect(await drainSubscription(stack.bus, 'rollout')).toHaveLength(events.length);
    // Guests and shared mailboxes are not people of the union.
    const guests = stack.sandbox.tenant.guestIds;
    expect(events.some((e) => guests.includes(e.personId) || stack.sandbox.tenant.sharedMailboxIds.includes(e.personId))).toBe(false);
    const joined = events.find((e) => e.kind === 'joined')!;
    expect(joined.state.serviceCode).toMatch(/^(DG|RT|JUR|ADM|RI|COM)$/);
    expect(summary.unmapped).toEqual({ services: [], jobCategories: [] });
  });

  it('each kind of change produces exactly one event with its before and after; an unchanged run publishes nothing', async () => {
    const { control } = stack;
    // People who manage nobody: removing a manager would also move their reports (manager -> none).
    const managers = new Set(stack.sandbox.tenant.users.map((u) => u.managerId));
    const enabled = staffIds.filter((id) => !disabledIds.has(id) && !onLeaveIds.includes(id) && !managers.has(id));
    const [mover, categoryChanger, leaver, disabled, deleted, updater] = enabled;
    const manager = enabled.at(-1)!;
    const hired = await control.hire({ givenName: 'Noémie', surname: 'Nouvelle', department: 'Services juridiques', jobCategory: 'JURISTE', managerId: manager });
    await control.updatePerson(mover!, { department: 'Communications et mobilisation' });
    await control.updatePerson(categoryChanger!, { jobCategory: 'TI', managerId: manager });
    await control.startLeave(leaver!);
    await control.disablePerson(disabled!);
    await control.deletePerson(deleted!);
    await control.updatePerson(updater!, { preferredLanguage: 'en-CA' });
    const summary = await syncPeople(syncDeps());
    expect(summary.mode).toBe('incremental');
    const events = await drainSubscription(stack.bus, 'training');
    expect(byKind(events)).toEqual(
      [`joined:${hired.id}`, `moved:${mover}`, `moved:${categoryChanger}`, `leave-started:${leaver}`, `left:${disabled}`, `left:${deleted}`, `updated:${updater}`].sort(),
    );
    const of = (id: string | undefined) => events.find((e) => e.personId === id)!;
    expect(of(mover).changes).toEqual([{ field: 'service', before: expect.any(String), after: 'COM' }]);
    expect(of(categoryChanger).changes.map((c) => [c.field, c.after])).toEqual([['jobCategory', 'TI'], ['manager', manager]]);
    expect(of(disabled).leftReason).toBe('disabled');
    expect(of(deleted).leftReason).toBe('deleted');
    expect(of(updater).changes).toEqual([{ field: 'language', before: 'fr-CA', after: 'en' }]);
    expect(of(hired.id).state).toMatchObject({ serviceCode: 'JUR', jobCategoryCode: 'JURISTE', managerId: manager, status: 'active' });

    await control.endLeave(leaver!);
    await syncPeople(syncDeps());
    expect(byKind(await drainSubscription(stack.bus, 'training'))).toEqual([`leave-ended:${leaver}`]);
    await syncPeople(syncDeps());
    expect(await drainSubscription(stack.bus, 'training')).toEqual([]);
  });

  it('a replayed delta page publishes nothing new', async () => {
    const deps = syncDeps();
    const before = await deps.state.load();
    const someone = staffIds.filter((id) => !disabledIds.has(id))[10]!;
    await stack.control.updatePerson(someone, { jobCategory: 'SECRETARIAT' });
    await syncPeople(deps);
    expect((await drainSubscription(stack.bus, 'training')).map((e) => e.kind)).toEqual(['moved']);
    // As after a crash before the new link was saved: the same changes again.
    await deps.state.save(before);
    await syncPeople(deps);
    expect(await drainSubscription(stack.bus, 'training')).toEqual([]);
  });

  it('expired delta tokens restart with a full read that publishes only the real differences', async () => {
    const someone = staffIds.filter((id) => !disabledIds.has(id))[12]!;
    await stack.control.updatePerson(someone, { department: 'Ressources informationnelles' });
    await stack.control.expireDeltaTokens();
    const summary = await syncPeople(syncDeps());
    expect(summary.mode).toBe('full');
    expect(byKind(await drainSubscription(stack.bus, 'training'))).toEqual([`moved:${someone}`]);
    await syncPeople(syncDeps());
    expect(await drainSubscription(stack.bus, 'training')).toEqual([]);
  });

  it('throttled and failing directory reads are retried within the budget: the same events, once', async () => {
    const someone = staffIds.filter((id) => !disabledIds.has(id) && !onLeaveIds.includes(id))[16]!;
    await stack.control.updatePerson(someone, { jobCategory: 'TECHADM' });
    // 429 (with Retry-After), 503 and a connection reset on the next delta requests, in that order.
    await stack.control.setFaults({ next: ['429', '503', 'reset'], pathPattern: '/delta' });
    try {
      await syncPeople(syncDeps());
      expect((await stack.control.faults()).injected).toMatchObject({ 429: 1, 503: 1, reset: 1 });
    } finally {
      await stack.control.setFaults({});
    }
    expect(byKind(await drainSubscription(stack.bus, 'training'))).toEqual([`moved:${someone}`]);
  });

  it('an unmapped department is kept and reported, and mapping it is a move', async () => {
    const someone = staffIds.filter((id) => !disabledIds.has(id))[14]!;
    // Straight in the directory, as an administrator typing a new service name would.
    await stack.control.updateUser(someone, { department: 'Bureau de projets' });
    const summary = await syncPeople(syncDeps());
    expect(summary.unmapped.services).toEqual(['Bureau de projets']);
    const [event] = await drainSubscription(stack.bus, 'training');
    expect(event).toMatchObject({ kind: 'moved', personId: someone, changes: [{ field: 'service', after: null }] });
  });

  it('four competing receivers on a subscription get each person’s events in order', async () => {
    const people = staffIds.filter((id) => !disabledIds.has(id) && !onLeaveIds.includes(id)).slice(20, 26);
    const services = ['Direction générale', 'Relations du travail', 'Administration et finances'];
    for (const [round, service] of services.entries()) {
      for (const id of people) {
        await stack.control.updatePerson(id, { department: service });
        if (round === 1) await stack.control.startLeave(id);
        if (round === 2) await stack.control.endLeave(id);
      }
      await syncPeople(syncDeps());
    }
    // The collaboration subscription has held every event since the first sync: drain it all at once.
    const order = new Map<string, PeopleEvent[]>();
    const events = await drainSubscription(stack.bus, 'collaboration', { receivers: 4, order });
    expect(events.length).toBeGreaterThan(staffIds.length);
    for (const [personId, received] of order) {
      // The order the sync made them: by change version, and within one version a move before the leave it came with.
      const rank = ['joined', 'moved', 'leave-started', 'leave-ended', 'left', 'updated'];
      const key = (e: PeopleEvent) => e.version * 10 + rank.indexOf(e.kind);
      expect(received.map(key), personId).toEqual(received.map(key).sort((a, b) => a - b));
      expect(new Set(received.map((e) => e.id)).size, personId).toBe(received.length);
    }
    for (const id of people) expect(order.get(id)!.length).toBeGreaterThanOrEqual(5);
  });

  it('a replay tells the consumers who is on staff now, once: one joined event per current person at their version', async () => {
    await drainSubscription(stack.bus, 'training');
    const deps = syncDeps();
    const current = (await deps.store.all()).filter((r) => r.state.status !== 'left');
    expect(await replayCurrentStaff(deps)).toEqual({ published: current.length });
    const events = await drainSubscription(stack.bus, 'training');
    // Those still at version 1 were told exactly this event (same id) by the first sync minutes ago:
    // the topic's duplicate detection drops it. Everyone who changed since gets their state now.
    const changed = current.filter((r) => r.version > 1);
    expect(changed.length).toBeGreaterThan(5);
    expect(events.map((e) => `${e.kind}:${e.personId}:${e.version}`).sort()).toEqual(changed.map((r) => `joined:${r.id}:${r.version}`).sort());
    expect(events.find((e) => e.personId === changed[0]!.id)!.state).toMatchObject({ serviceCode: changed[0]!.state.serviceCode, jobCategoryCode: changed[0]!.state.jobCategoryCode, status: changed[0]!.state.status });
    // Same ids within the topic's duplicate window: a second replay sends nothing new.
    await replayCurrentStaff(deps);
    expect(await drainSubscription(stack.bus, 'training')).toEqual([]);
  });
});
