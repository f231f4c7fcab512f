import { beforeAll, describe, expect, it } from 'vitest';
import { startTokenIssuer } from '../../dev/token-issuer';
import { CosmosRosterStore, CosmosSpaceStore } from '../../shared/collaboration/adapters/cosmos-collaboration';
import { SpaceRecordConflict, type SpaceRecord } from '../../shared/collaboration/ports';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { useAppEnvironment } from '../support/app-env';

/** The collaboration stores against the Cosmos DB emulator. */

let spaces: CosmosSpaceStore;
let roster: CosmosRosterStore;

beforeAll(async () => {
  const issuer = await startTokenIssuer({});
  await useAppEnvironment(issuer, { COSMOS_DATABASE: `collab-${Math.random().toString(36).slice(2, 10)}` });
  await issuer.stop();
  spaces = new CosmosSpaceStore(cosmosDatabase());
  roster = new CosmosRosterStore(cosmosDatabase());
});

const record = (key: string): SpaceRecord => ({
  key, kind: 'service', serviceCode: 'RT', displayName: 'RT – Relations du travail', teamId: null, teamRequestedAt: null, driveId: null,
  nodes: {}, documents: {}, templateVersion: null, status: 'new', statusReason: null, progress: { done: 0, total: 0 },
  lastAppliedAt: null, lastVerifiedAt: null, drift: { operations: [], findings: [] }, updatedAt: '2026-12-05T00:00:00.000Z',
});

describe('space records in Cosmos DB', () => {
  it('creates, reads back as saved (no Cosmos fields), replaces only if unchanged since read', async () => {
    expect(await spaces.get('service-rt')).toBeUndefined();
    const created = await spaces.save(record('service-rt'));
    const read = (await spaces.get('service-rt'))!;
    expect(read.record).toEqual(record('service-rt'));
    expect(read.etag).toBe(created);

    const next = { ...read.record, teamId: 'team-1', nodes: { administration: { itemId: 'item-1', channelId: 'channel-1' } } };
    const replaced = await spaces.save(next, read.etag);
    expect(replaced).not.toBe(created);
    expect((await spaces.get('service-rt'))!.record).toEqual(next);

    // A writer holding the old ETag lost the race.
    await expect(spaces.save({ ...next, teamId: 'team-2' }, read.etag)).rejects.toBeInstanceOf(SpaceRecordConflict);
    // Creating what exists is a conflict too.
    await expect(spaces.save(record('service-rt'))).rejects.toBeInstanceOf(SpaceRecordConflict);
    expect((await spaces.get('service-rt'))!.record.teamId).toBe('team-1');
  });

  it('lists every record', async () => {
    await spaces.save(record('service-jur'));
    expect((await spaces.all()).map((r) => r.key).sort()).toEqual(['service-jur', 'service-rt']);
  });
});

describe('the roster in Cosmos DB', () => {
  it('keeps only newer versions of a person', async () => {
    expect(await roster.put({ personId: 'p-1', serviceCode: 'RT', jobCategoryCode: 'CONS', status: 'active', version: 2 })).toBe(true);
    // An older or equal version (a redelivery, a replay) changes nothing.
    expect(await roster.put({ personId: 'p-1', serviceCode: 'JUR', jobCategoryCode: 'CONS', status: 'active', version: 1 })).toBe(false);
    expect(await roster.put({ personId: 'p-1', serviceCode: 'JUR', jobCategoryCode: 'CONS', status: 'active', version: 2 })).toBe(false);
    expect(await roster.get('p-1')).toEqual({ personId: 'p-1', serviceCode: 'RT', jobCategoryCode: 'CONS', status: 'active', version: 2 });
    expect(await roster.put({ personId: 'p-1', serviceCode: 'JUR', jobCategoryCode: 'CONS', status: 'on-leave', version: 3 })).toBe(true);
    expect(await roster.put({ personId: 'p-2', serviceCode: null, jobCategoryCode: null, status: 'left', version: 1 })).toBe(true);
    expect((await roster.all()).sort((a, b) => a.personId.localeCompare(b.personId))).toEqual([
      { personId: 'p-1', serviceCode: 'JUR', jobCategoryCode: 'CONS', status: 'on-leave' },
      { personId: 'p-2', serviceCode: null, jobCategoryCode: null, status: 'left' },
    ]);
  });

  it('concurrent puts of versions of one person end with the newest', async () => {
    const results = await Promise.all([5, 7, 6, 4].map((version) => roster.put({ personId: 'p-3', serviceCode: 'RT', jobCategoryCode: null, status: 'active', version })));
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect((await roster.get('p-3'))!.version).toBe(7);
  });
});
