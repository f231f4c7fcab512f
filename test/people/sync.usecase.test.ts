import { describe, expect, it } from 'vitest';
import { syncPeople } from '../../shared/people/sync';
import { LEAVE_GROUP, SCOPE_GROUP, peopleWorld, testCatalogue } from '../fakes/people';

/** The people sync over in-memory fakes of its ports: which events each directory change produces. */

function seeded(pageSize = 3) {
  const world = peopleWorld({ pageSize });
  world.directory.hire('boss', { displayName: 'Chef', jobCategory: 'DIRECTION' });
  world.directory.hire('ana', { managerId: 'boss' });
  world.directory.hire('ben', { managerId: 'boss', preferredLanguage: 'en-CA' });
  world.directory.hire('guest', { userType: 'Guest' }, false);
  world.directory.hire('shared', { employeeType: 'SharedMailbox', accountEnabled: false }, false);
  world.directory.hire('outsider', {}, false);
  return world;
}

async function firstSync() {
  const world = seeded();
  await syncPeople(world.deps);
  world.publisher.sent.length = 0;
  return world;
}

const kinds = (events: Array<{ kind: string; personId: string }>) => events.map((e) => `${e.kind}:${e.personId}`).sort();

describe('people sync (use case)', () => {
  it('a first run is a full sync: one joined event per staff member, none for guests, shared mailboxes or people outside the staff group', async () => {
    const world = seeded();
    const summary = await syncPeople(world.deps);
    expect(summary).toMatchObject({ mode: 'full', outcome: 'ok', events: 3 });
    expect(kinds(world.publisher.sent)).toEqual(['joined:ana', 'joined:ben', 'joined:boss']);
    const ana = world.publisher.sent.find((e) => e.personId === 'ana')!;
    expect(ana.state).toEqual({ status: 'active', serviceCode: 'RT', jobCategoryCode: 'CONSEIL', managerId: 'boss', language: 'fr-CA', hireDate: '2020-01-06T00:00:00Z' });
    expect(ana.changes).toContainEqual({ field: 'service', before: null, after: 'RT' });
    expect([...world.store.records.keys()].sort()).toEqual(['ana', 'ben', 'boss']);
    expect(world.history.events.size).toBe(3);
    expect(world.state.state.users).toMatchObject({ full: false, seen: [] });
  });

  it('each kind of change produces exactly one event with its before and after', async () => {
    const world = await firstSync();
    const { directory, publisher } = world;
    directory.update('ana', { service: 'Services juridiques' });
    directory.update('ben', { preferredLanguage: 'fr-CA' });
    directory.hire('chloe', { jobCategory: 'JURISTE', service: 'Services juridiques' });
    await syncPeople(world.deps);
    expect(kinds(publisher.sent)).toEqual(['joined:chloe', 'moved:ana', 'updated:ben']);
    expect(publisher.sent.find((e) => e.kind === 'moved')!.changes).toEqual([{ field: 'service', before: 'RT', after: 'JUR' }]);
    expect(publisher.sent.find((e) => e.kind === 'updated')!.changes).toEqual([{ field: 'language', before: 'en', after: 'fr-CA' }]);

    publisher.sent.length = 0;
    directory.member(LEAVE_GROUP, 'ana', true);
    directory.update('boss', { jobCategory: 'TI' });
    await syncPeople(world.deps);
    expect(kinds(publisher.sent)).toEqual(['leave-started:ana', 'moved:boss']);
    expect(publisher.sent.find((e) => e.kind === 'moved')!.changes).toEqual([{ field: 'jobCategory', before: 'DIRECTION', after: 'TI' }]);

    publisher.sent.length = 0;
    directory.member(LEAVE_GROUP, 'ana', false);
    directory.update('ben', { managerId: 'chloe' });
    await syncPeople(world.deps);
    expect(kinds(publisher.sent)).toEqual(['leave-ended:ana', 'moved:ben']);
    expect(publisher.sent.find((e) => e.kind === 'moved')!.changes).toEqual([{ field: 'manager', before: 'boss', after: 'chloe' }]);

    publisher.sent.length = 0;
    directory.update('ana', { accountEnabled: false });
    directory.remove('ben');
    directory.member(SCOPE_GROUP, 'chloe', false);
    await syncPeople(world.deps);
    expect(kinds(publisher.sent)).toEqual(['left:ana', 'left:ben', 'left:chloe']);
    expect(Object.fromEntries(publisher.sent.map((e) => [e.personId, e.leftReason]))).toEqual({ ana: 'disabled', ben: 'deleted', chloe: 'out-of-scope' });
  });

  it('a display name change is an update that names the field, never the name', async () => {
    const world = await firstSync();
    world.directory.update('ana', { displayName: 'Ana Nouveau-Nom' });
    await syncPeople(world.deps);
    expect(world.publisher.sent).toHaveLength(1);
    expect(world.publisher.sent[0]).toMatchObject({ kind: 'updated', changes: [{ field: 'displayName', before: null, after: null }] });
    expect(JSON.stringify(world.publisher.sent)).not.toContain('Nouveau');
  });

  it('a replayed delta page publishes nothing new', async () => {
    const world = await firstSync();
    const link = world.state.state.users.link;
    world.directory.update('ana', { service: 'Services juridiques' });
    await syncPeople(world.deps);
    expect(world.publisher.sent).toHaveLength(1);
    // The same changes again, as after a crash before the link was saved.
    world.state.state.users.link = link;
    await syncPeople(world.deps);
    expect(world.publisher.sent).toHaveLength(1);
  });

  it('an expired delta link restarts with a full read that publishes only the real differences, and whoever is gone has left', async () => {
    const world = await firstSync();
    world.directory.update('ana', { jobCategory: 'TECHADM' });
    world.directory.remove('ben');
    world.directory.expire();
    const summary = await syncPeople(world.deps);
    expect(summary.mode).toBe('full');
    expect(kinds(world.publisher.sent)).toEqual(['left:ben', 'moved:ana']);
    // Ben's removal was not in the re-read at all: the sweep after the full read found him missing.
    expect(world.publisher.sent.find((e) => e.personId === 'ben')!.leftReason).toBe('deleted');
    world.publisher.sent.length = 0;
    await syncPeople(world.deps);
    expect(world.publisher.sent).toEqual([]);
  });

  it('a crash between storing a change and publishing it loses nothing: the next run publishes it, once', async () => {
    const world = await firstSync();
    world.directory.update('ana', { service: 'Services juridiques' });
    world.publisher.failNext = true;
    await expect(syncPeople(world.deps)).rejects.toThrow('Service Bus unavailable');
    expect(world.publisher.sent).toEqual([]);
    expect(world.store.records.get('ana')!.outbox).toHaveLength(1);
    expect(world.state.state.lastRun).toMatchObject({ outcome: 'failed' });
    await syncPeople(world.deps);
    expect(kinds(world.publisher.sent)).toEqual(['moved:ana']);
    expect(world.store.records.get('ana')!.outbox).toEqual([]);
    await syncPeople(world.deps);
    expect(world.publisher.sent).toHaveLength(1);
  });

  it('a crash after publishing but before the outbox is cleared sends the same event id again (deduplicated downstream)', async () => {
    const world = await firstSync();
    world.directory.update('ana', { service: 'Services juridiques' });
    const clear = world.store.clearOutbox.bind(world.store);
    world.store.clearOutbox = async () => {
      world.store.clearOutbox = clear;
      throw new Error('crash');
    };
    await expect(syncPeople(world.deps)).rejects.toThrow('crash');
    await syncPeople(world.deps);
    expect(world.publisher.sent).toHaveLength(2);
    expect(new Set(world.publisher.sent.map((e) => e.id)).size).toBe(1);
  });

  it('a failed directory page keeps the saved link: the next run resumes and publishes each change once', async () => {
    const world = await firstSync();
    world.directory.update('ana', { service: 'Services juridiques' });
    world.directory.failNextUserPage = true;
    await expect(syncPeople(world.deps)).rejects.toThrow('directory unavailable');
    await syncPeople(world.deps);
    expect(kinds(world.publisher.sent)).toEqual(['moved:ana']);
  });

  it('someone added to the staff group with no change of their own is read and joins', async () => {
    const world = await firstSync();
    world.directory.member(SCOPE_GROUP, 'outsider', true);
    await syncPeople(world.deps);
    expect(kinds(world.publisher.sent)).toEqual(['joined:outsider']);
  });

  it('a leave date that passes makes the person leave on the next run, with no directory change', async () => {
    const world = await firstSync();
    world.directory.update('ana', { leaveDateTime: '2026-12-10T00:00:00Z' });
    await syncPeople(world.deps);
    expect(world.publisher.sent.map((e) => e.kind)).toEqual(['updated']);
    world.clock.now = new Date('2026-12-10T00:15:00Z');
    await syncPeople(world.deps);
    expect(world.publisher.sent.map((e) => e.kind)).toEqual(['updated', 'left']);
    expect(world.publisher.sent[1]!.leftReason).toBe('leave-date');
  });

  it('leave can come from an attribute instead of a group', async () => {
    const catalogue = testCatalogue((f) => {
      f.directory.leave = { attribute: { name: 'onPremisesExtensionAttributes.extensionAttribute2', values: ['CONGE'] } };
    });
    const world = peopleWorld({ catalogue });
    world.directory.hire('ana');
    await syncPeople(world.deps);
    world.directory.update('ana', { leaveValue: 'conge' });
    await syncPeople(world.deps);
    expect(world.publisher.sent.map((e) => e.kind)).toEqual(['joined', 'leave-started']);
  });

  it('unmapped directory values are reported (values only) and the person is kept, not dropped', async () => {
    const world = await firstSync();
    world.directory.hire('dan', { service: 'Service inconnu', jobCategory: 'STAGIAIRE' });
    const summary = await syncPeople(world.deps);
    expect(summary.unmapped).toEqual({ services: ['Service inconnu'], jobCategories: ['STAGIAIRE'] });
    expect(world.publisher.sent[0]).toMatchObject({ kind: 'joined', state: { serviceCode: null, jobCategoryCode: null } });
  });

  it('a new catalogue version that maps a value moves the people it concerns', async () => {
    const world = await firstSync();
    world.directory.hire('dan', { service: 'Service inconnu' });
    await syncPeople(world.deps);
    world.publisher.sent.length = 0;
    world.deps.catalogue = testCatalogue((f) => {
      f.version = '2026.2';
      f.services[0]!.directoryValues.push('Service inconnu');
    });
    await syncPeople(world.deps);
    expect(world.publisher.sent).toHaveLength(1);
    expect(world.publisher.sent[0]).toMatchObject({ kind: 'moved', personId: 'dan', changes: [{ field: 'service', before: null, after: 'DG' }] });
  });

  it('a renamed department that maps to the same code moves nobody', async () => {
    const world = await firstSync();
    world.directory.update('boss', { service: 'Service juridique' });
    world.directory.update('ana', { service: 'Service juridique' });
    await syncPeople(world.deps);
    expect(kinds(world.publisher.sent)).toEqual(['moved:ana', 'moved:boss']);
    world.publisher.sent.length = 0;
    world.directory.update('ana', { service: 'Services juridiques' });
    await syncPeople(world.deps);
    expect(world.publisher.sent).toEqual([]);
    expect(world.store.records.get('ana')!.facts.service).toBe('Services juridiques');
  });

  it('a rehire after leaving is a new joined event', async () => {
    const world = await firstSync();
    world.directory.update('ana', { accountEnabled: false });
    await syncPeople(world.deps);
    world.directory.update('ana', { accountEnabled: true });
    await syncPeople(world.deps);
    expect(world.publisher.sent.map((e) => e.kind)).toEqual(['left', 'joined']);
    expect(new Set(world.publisher.sent.map((e) => e.id)).size).toBe(2);
  });
});
