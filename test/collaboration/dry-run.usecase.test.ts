import { describe, expect, it } from 'vitest';
import { describeOperation, dryRun } from '../../shared/collaboration/dry-run';
import { collaborationWorld, runSpace } from './collaboration-world';

describe('collaboration dry run', () => {
  it('prints the plan of every space and writes nothing, neither through Graph nor to the records', async () => {
    const world = collaborationWorld();
    const result = await dryRun(world.deps);
    expect(result.templateVersion).toBe('2026.1');
    expect(result.spaces.map((s) => [s.spaceKey, s.state])).toEqual(['dg', 'rt', 'jur', 'adm', 'ri', 'com'].map((c) => [`service-${c}`, 'absent']));
    const rt = result.spaces.find((s) => s.spaceKey === 'service-rt')!;
    expect(rt.operations.map(describeOperation).slice(0, 4)).toEqual([
      'create the Team "RT – Relations du travail" (owners: 1)',
      'add staff-RT-1 as member',
      'add staff-RT-2 as member',
      'create the channel and folder "100 Administration" (administration)',
    ]);
    expect(rt.operations.map(describeOperation)).toContain('place "Lettre à en-tête.dotx" v1 in modeles');
    expect(world.tenant.applied).toEqual([]);
    expect(await world.spaces.all()).toEqual([]);
  });

  it('finds nothing to do once the spaces are provisioned, and only the named spaces when asked', async () => {
    const world = collaborationWorld();
    await runSpace(world.deps, 'service-rt');
    world.tenant.labelTeams('Confidentiel');
    const result = await dryRun(world.deps, ['service-rt']);
    expect(result.spaces).toEqual([{ spaceKey: 'service-rt', displayName: 'RT – Relations du travail', state: 'ready', operations: [], findings: [] }]);
  });
});
