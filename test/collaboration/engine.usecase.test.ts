import { describe, expect, it } from 'vitest';
import { applySpaceStep, plannedSpaceKeys, verifySpace } from '../../shared/collaboration/engine';
import { followPeopleEvent } from '../../shared/collaboration/roster';
import type { PeopleEvent } from '../../shared/people/events';
import { collaborationWorld, runSpace } from './collaboration-world';

describe('collaboration engine (use cases on in-memory ports)', () => {
  it('provisions every service, then verification finds nothing and a second apply writes nothing', async () => {
    const world = collaborationWorld();
    const keys = await plannedSpaceKeys(world.deps);
    expect(keys).toHaveLength(6);
    for (const key of keys) expect(await runSpace(world.deps, key)).toMatchObject({ status: 'done' });
    // The one thing the engine leaves to a person: the Teams' sensitivity label (reported until set).
    expect(await verifySpace(world.deps, 'service-rt')).toMatchObject({ operations: 0, findings: 1 });
    world.tenant.labelTeams('Confidentiel');
    const writes = world.tenant.applied.length;
    expect(writes).toBeGreaterThan(6 * 30);
    for (const key of keys) expect(await verifySpace(world.deps, key)).toMatchObject({ status: 'in-sync', operations: 0, findings: 0 });
    for (const key of keys) expect(await runSpace(world.deps, key)).toMatchObject({ status: 'done', totalApplied: 0 });
    expect(world.tenant.applied.length).toBe(writes);
    expect((await world.spaces.get('service-rt'))!.record).toMatchObject({ status: 'in-sync', templateVersion: '2026.1', progress: { done: expect.any(Number) } });
  });

  it('resumes after a crash in the middle without creating anything twice', async () => {
    const world = collaborationWorld();
    world.tenant.crashAtWrite = 12;
    await expect(runSpace(world.deps, 'service-rt')).rejects.toThrow('simulated crash');
    expect(await runSpace(world.deps, 'service-rt')).toMatchObject({ status: 'done' });
    const team = (await world.spaces.get('service-rt'))!.record.teamId!;
    const names = [...world.tenant.items.values()].filter((i) => i.folder && i.parentId === world.tenant.teams.get(team)!.rootId).map((i) => i.name);
    expect(names.sort()).toEqual(['100 Administration', '200 Dossiers des membres', '300 Communications', '900 Modèles']);
    expect(world.tenant.teams.size).toBe(1);
    expect(await verifySpace(world.deps, 'service-rt')).toMatchObject({ status: 'in-sync' });
  });

  it('even when the crash falls between creating a folder and recording it', async () => {
    const world = collaborationWorld();
    await runSpace(world.deps, 'service-rt');
    const stored = (await world.spaces.get('service-rt'))!;
    delete stored.record.nodes['dossiers/actifs'];
    await world.spaces.save(stored.record, stored.etag);
    const before = world.tenant.items.size;
    expect(await runSpace(world.deps, 'service-rt')).toMatchObject({ status: 'done', totalApplied: 0 });
    expect(world.tenant.items.size).toBe(before);
  });

  it('repairs drift by node policy: auto fixed, ask waits for approval, ignore reported; unknown content untouched', async () => {
    const world = collaborationWorld();
    await runSpace(world.deps, 'service-rt');
    world.tenant.labelTeams('Confidentiel');
    const teamId = (await world.spaces.get('service-rt'))!.record.teamId!;
    const t = world.tenant;
    t.folder(teamId, '200 Dossiers des membres', '210 Dossiers actifs').name = 'Dossiers en cours'; // auto
    t.folder(teamId, '100 Administration', '110 Budget et finances').permissions.push({ permissionId: 'p-x', principal: { kind: 'user', id: 'outsider' }, roles: ['write'] }); // auto
    t.folder(teamId, '300 Communications').label = null; // auto
    t.teams.get(teamId)!.members.delete('staff-RT-1'); // auto (space policy)
    t.folder(teamId, '100 Administration', '120 Gestion du personnel').permissions.push({ permissionId: 'p-y', principal: { kind: 'user', id: 'outsider' }, roles: ['read'] }); // ask
    t.folder(teamId, '200 Dossiers des membres', '220 Dossiers fermés').label = 'Autre'; // ignore
    t.addFile(t.folder(teamId, '200 Dossiers des membres'), 'grief-2026-014.pdf');

    const verified = await verifySpace(world.deps, 'service-rt');
    expect(verified).toMatchObject({ status: 'awaiting-approval', operations: 6, autoRepairs: 4, awaitingApproval: 1, findings: 1 });

    const before = t.applied.length;
    expect(await runSpace(world.deps, 'service-rt', 'repair')).toMatchObject({ status: 'done', totalApplied: 4 });
    expect(t.applied.slice(before).map((o) => o.kind).sort()).toEqual(['add-member', 'rename', 'revoke', 'set-retention-label']);
    const after = await verifySpace(world.deps, 'service-rt');
    expect(after).toMatchObject({ status: 'awaiting-approval', operations: 2, autoRepairs: 0, awaitingApproval: 1, findings: 1 });

    // IT approves the pending change by id; the ignored one stays as it is, reported.
    const pending = (await world.spaces.get('service-rt'))!.record.drift.operations.filter((o) => o.repair === 'ask');
    expect(await runSpace(world.deps, 'service-rt', 'approved', { operationIds: pending.map((o) => o.id) })).toMatchObject({ totalApplied: 1 });
    expect(await verifySpace(world.deps, 'service-rt')).toMatchObject({ status: 'drift', operations: 1, autoRepairs: 0, awaitingApproval: 0, findings: 1 });
    expect(t.folder(teamId, '200 Dossiers des membres', '220 Dossiers fermés').label).toBe('Autre');
    expect([...t.items.values()].some((i) => i.name === 'grief-2026-014.pdf')).toBe(true);
  });

  it('refuses to remove more access than the guard allows until IT approves, then removes it', async () => {
    const world = collaborationWorld();
    await runSpace(world.deps, 'service-rt');
    const teamId = (await world.spaces.get('service-rt'))!.record.teamId!;
    for (const n of [1, 2, 3, 4, 5, 6]) world.tenant.teams.get(teamId)!.members.set(`extra-${n}`, { membershipId: `mx-${n}`, owner: false });
    const blocked = await applySpaceStep(world.deps, 'service-rt', { mode: 'people', approveRemovals: false, budgetMs: 60_000 });
    expect(blocked).toMatchObject({ status: 'blocked', applied: 0, reason: 'removals-need-approval:6/3' });
    expect(world.tenant.teams.get(teamId)!.members.size).toBe(9);
    expect((await world.spaces.get('service-rt'))!.record).toMatchObject({ status: 'blocked', statusReason: 'removals-need-approval:6/3' });
    expect(await runSpace(world.deps, 'service-rt', 'people', { approveRemovals: true })).toMatchObject({ status: 'done', totalApplied: 6 });
    expect(world.tenant.teams.get(teamId)!.members.size).toBe(3);
    expect(world.audit.records.some((r) => r.action === 'removals-approved' && r.target.count === 6)).toBe(true);
  });

  it('records an operation Graph refuses as a failure and still applies the rest', async () => {
    const world = collaborationWorld();
    world.tenant.refuse.add('place-document');
    const result = await runSpace(world.deps, 'service-rt');
    expect(result).toMatchObject({ status: 'failed', reason: 'place-document refused; place-document refused; place-document refused; place-document refused; place-document refused' });
    expect(world.tenant.applied.filter((o) => o.kind === 'create-folder')).toHaveLength(6);
    expect(world.audit.records.filter((r) => r.action === 'operation-failed')).toHaveLength(5);
    expect(world.audit.records.find((r) => r.action === 'operation-failed')).toEqual({ action: 'operation-failed', target: expect.objectContaining({ operationKind: 'place-document', spaceKey: 'service-rt', nodeKey: 'modeles' }) });
  });

  it('a people run or a repair on a space never provisioned does nothing (only an apply creates a Team)', async () => {
    const world = collaborationWorld();
    expect(await runSpace(world.deps, 'service-rt', 'people')).toMatchObject({ status: 'done', totalApplied: 0 });
    expect(await runSpace(world.deps, 'service-rt', 'repair')).toMatchObject({ status: 'done', totalApplied: 0 });
    expect(world.tenant.applied).toEqual([]);
    expect(world.tenant.teams.size).toBe(0);
  });

  it('follows the people stream: a move touches both services, an old version nothing', async () => {
    const world = collaborationWorld();
    const event = (version: number, serviceCode: string, jobCategoryCode = 'CONSEIL'): PeopleEvent => ({
      id: `e-${version}`, kind: 'moved', personId: 'staff-RT-1', version: version + 1, observedAt: '2026-12-07T14:00:00Z', changes: [],
      state: { status: 'active', serviceCode, jobCategoryCode, managerId: null, language: 'fr-CA', hireDate: null },
    });
    const deps = { roster: world.roster, projects: world.projects, services: world.catalogue.services, directionJobCategories: ['DIRECTION'] };
    expect(await followPeopleEvent(event(1, 'JUR'), deps)).toEqual(['service-rt', 'service-jur']);
    expect(await followPeopleEvent(event(1, 'JUR'), deps)).toEqual([]);
    expect(await followPeopleEvent(event(0, 'ADM'), deps)).toEqual([]);
    // A director's change reaches every service space (they read some folders everywhere).
    expect(await followPeopleEvent(event(2, 'JUR', 'DIRECTION'), deps)).toHaveLength(6);

    await runSpace(world.deps, 'service-jur');
    expect(world.tenant.teams.values().next().value!.members.has('staff-RT-1')).toBe(true);
  });
});
