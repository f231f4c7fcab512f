import { beforeAll, describe, expect, it } from 'vitest';
import { startTokenIssuer } from '../../dev/token-issuer';
import { CosmosPeople, CosmosSyncState } from '../../shared/people/adapters/cosmos-people';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { syncPeople } from '../../shared/people/sync';
import { EMPTY_SYNC_STATE } from '../../shared/people/ports';
import { useAppEnvironment } from '../support/app-env';
import { LEAVE_GROUP, peopleWorld } from '../fakes/people';

/** The Cosmos adapters of the people ports against the Cosmos DB emulator, and the sync over them. */

let people: CosmosPeople;
let state: CosmosSyncState;

beforeAll(async () => {
  const issuer = await startTokenIssuer({});
  await useAppEnvironment(issuer, { COSMOS_DATABASE: `people-${Math.random().toString(36).slice(2, 10)}` });
  await issuer.stop();
  people = new CosmosPeople(cosmosDatabase());
  state = new CosmosSyncState(cosmosDatabase());
});

function world() {
  const w = peopleWorld({ pageSize: 2 });
  return { ...w, deps: { ...w.deps, store: people, history: people, state } };
}

describe('people in Cosmos DB', () => {
  it('a fresh database has the empty sync state', async () => {
    expect(await state.load()).toEqual(EMPTY_SYNC_STATE);
  });

  it('runs the sync: records, outbox cleared, history in order, state saved; a replay publishes nothing', async () => {
    const w = world();
    w.directory.hire('p-boss', { displayName: 'Chef', jobCategory: 'DIRECTION' });
    w.directory.hire('p-ana', { managerId: 'p-boss' });
    w.directory.hire('p-ben', { leaveDateTime: '2026-12-20T00:00:00Z' });
    await syncPeople(w.deps);
    expect(w.publisher.sent.map((e) => e.kind)).toEqual(['joined', 'joined', 'joined']);
    const stored = await people.get(['p-boss', 'p-ana', 'p-ben', 'nobody']);
    expect([...stored.keys()].sort()).toEqual(['p-ana', 'p-ben', 'p-boss']);
    expect(stored.get('p-ana')).toMatchObject({ version: 1, outbox: [], state: { serviceCode: 'RT', managerId: 'p-boss', status: 'active' } });
    expect(await people.withPendingEvents()).toEqual([]);
    expect((await state.load()).users).toMatchObject({ full: false });
    // Leave dates compare as instants, in the query itself.
    expect((await people.dueToLeave(new Date('2026-12-21T00:00:00Z'))).map((r) => r.id)).toEqual(['p-ben']);
    expect(await people.dueToLeave(new Date('2026-12-19T23:59:59Z'))).toEqual([]);

    w.clock.now = new Date('2026-12-06T12:00:00Z');
    w.directory.member(LEAVE_GROUP, 'p-ana', true);
    await syncPeople(w.deps);
    const recent = await people.recent({ limit: 10 });
    expect(recent.map((e) => `${e.kind}:${e.personId}`)[0]).toBe('leave-started:p-ana');
    expect(recent).toHaveLength(4);
    expect((await people.recent({ limit: 10, personId: 'p-ana' })).map((e) => e.kind)).toEqual(['leave-started', 'joined']);

    const sent = w.publisher.sent.length;
    await syncPeople(w.deps);
    expect(w.publisher.sent).toHaveLength(sent);
  });

  it('keeps events in the outbox when publishing fails, and clears only the published ones', async () => {
    // A new directory: its first read is a full one.
    await state.save(structuredClone(EMPTY_SYNC_STATE));
    const w = world();
    w.directory.hire('q-ana');
    w.publisher.failNext = true;
    await expect(syncPeople(w.deps)).rejects.toThrow();
    const pending = await people.withPendingEvents();
    expect(pending.map((r) => r.id)).toContain('q-ana');
    await people.clearOutbox('q-ana', ['not-this-one']);
    expect((await people.get(['q-ana'])).get('q-ana')!.outbox).toHaveLength(1);
    await syncPeople(w.deps);
    expect((await people.withPendingEvents()).map((r) => r.id)).not.toContain('q-ana');
    expect(w.publisher.sent.filter((e) => e.personId === 'q-ana').map((e) => e.kind)).toEqual(['joined']);
  });
});
