import { describe, expect, it } from 'vitest';
import { PeopleDirectoryReader } from '../../shared/people/directory';
import { syncPeople } from '../../shared/people/sync';
import { peopleWorld } from '../fakes/people';

/** What HR and IT administration read of the people model, over fakes. */

async function synced() {
  const w = peopleWorld();
  w.directory.hire('boss', { displayName: 'Élise Chef', jobCategory: 'DIRECTION' });
  w.directory.hire('ana', { displayName: 'Ana Roy', managerId: 'boss' });
  w.directory.hire('ben', { displayName: 'Ben Côté', service: 'Service inconnu', jobCategory: 'STAGIAIRE' });
  w.directory.hire('zoe', { displayName: 'Zoé Morin', service: 'Services juridiques', jobCategory: 'JURISTE', managerId: 'boss' });
  await syncPeople(w.deps);
  w.directory.update('ana', { service: 'Services juridiques', managerId: 'zoe' });
  w.directory.update('zoe', { accountEnabled: false });
  await syncPeople(w.deps);
  const reader = new PeopleDirectoryReader({ store: w.store, history: w.history, state: w.state, catalogue: w.deps.catalogue });
  return { ...w, reader };
}

const hr = { oid: 'hr', roles: ['Staff', 'HR'] as const };
const staff = { oid: 'ana', roles: ['Staff'] as const };

describe('people directory (use case)', () => {
  it('is for HR and IT administration only', async () => {
    const { reader } = await synced();
    expect(await reader.list(staff, { page: 1, pageSize: 50 })).toEqual({ kind: 'forbidden' });
    expect(await reader.events(staff, { limit: 10 })).toEqual({ kind: 'forbidden' });
    expect(await reader.unmapped(staff)).toEqual({ kind: 'forbidden' });
    expect((await reader.list({ oid: 'it', roles: ['ITAdmin'] }, { page: 1, pageSize: 50 })).kind).toBe('ok');
  });

  it('lists current staff by name with services and managers named, filters, and counts per service', async () => {
    const { reader } = await synced();
    const all = await reader.list(hr, { page: 1, pageSize: 50 });
    if (all.kind !== 'ok') throw new Error(all.kind);
    expect(all.value.people.map((p) => p.displayName)).toEqual(['Ana Roy', 'Ben Côté', 'Élise Chef']);
    expect(all.value.people[0]).toMatchObject({ service: { code: 'JUR', names: { 'fr-CA': 'Services juridiques' } }, manager: { displayName: 'Zoé Morin' } });
    expect(all.value.people[1]).toMatchObject({ service: null, unmappedService: 'Service inconnu', unmappedJobCategory: 'STAGIAIRE' });
    expect(all.value.byStatus).toEqual({ active: 3, 'on-leave': 0, left: 1 });
    expect(all.value.byService.find((c) => c.code === 'JUR')!.count).toBe(1);
    expect(all.value.byService.at(-1)).toEqual({ code: null, names: null, count: 1 });

    const left = await reader.list(hr, { status: 'left', page: 1, pageSize: 50 });
    expect(left.kind === 'ok' && left.value.people.map((p) => p.displayName)).toEqual(['Zoé Morin']);
    const unmapped = await reader.list(hr, { service: '', page: 1, pageSize: 50 });
    expect(unmapped.kind === 'ok' && unmapped.value.people.map((p) => p.id)).toEqual(['ben']);
    const search = await reader.list(hr, { search: 'elise', page: 1, pageSize: 50 });
    expect(search.kind === 'ok' && search.value.people.map((p) => p.id)).toEqual(['boss']);
    const paged = await reader.list(hr, { page: 2, pageSize: 2 });
    expect(paged.kind === 'ok' && [paged.value.total, paged.value.people.map((p) => p.id)]).toEqual([3, ['boss']]);
  });

  it('recent events name the person, the services and the managers (in both languages)', async () => {
    const { reader } = await synced();
    const events = await reader.events(hr, { limit: 10 });
    if (events.kind !== 'ok') throw new Error(events.kind);
    const moved = events.value.find((e) => e.kind === 'moved')!;
    expect(moved.person).toEqual({ id: 'ana', displayName: 'Ana Roy' });
    expect(moved.changes).toEqual([
      { field: 'service', before: 'RT', after: 'JUR', beforeLabel: { 'fr-CA': 'Relations du travail', en: 'Labour Relations' }, afterLabel: { 'fr-CA': 'Services juridiques', en: 'Legal Services' } },
      { field: 'manager', before: 'boss', after: 'zoe', beforeLabel: { 'fr-CA': 'Élise Chef', en: 'Élise Chef' }, afterLabel: { 'fr-CA': 'Zoé Morin', en: 'Zoé Morin' } },
    ]);
    expect(events.value.find((e) => e.kind === 'left')).toMatchObject({ person: { displayName: 'Zoé Morin' }, leftReason: 'disabled' });
  });

  it('lists unmapped directory values with how many people hold them, and the last sync', async () => {
    const { reader } = await synced();
    const result = await reader.unmapped(hr);
    expect(result.kind === 'ok' && result.value.values).toEqual([
      { attribute: 'service', value: 'Service inconnu', people: 1 },
      { attribute: 'jobCategory', value: 'STAGIAIRE', people: 1 },
    ]);
    expect(result.kind === 'ok' && result.value.lastRun).toMatchObject({ outcome: 'ok', mode: 'incremental' });
  });

  it('me: one’s own record, or not found before the first sync sees them', async () => {
    const { reader } = await synced();
    expect(await reader.me({ oid: 'ana', roles: ['Staff'] })).toMatchObject({ kind: 'ok', value: { displayName: 'Ana Roy', manager: { displayName: 'Zoé Morin' } } });
    expect(await reader.me({ oid: 'someone-new', roles: ['Staff'] })).toEqual({ kind: 'not-found' });
  });
});
