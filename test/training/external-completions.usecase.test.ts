import { describe, expect, it } from 'vitest';
import { followPeopleEvent } from '../../shared/training/assignments';
import { parseTrainingCatalogue } from '../../shared/training/catalogue';
import { ATTACK_SIMULATION_CONNECTOR, importAttackSimulationCompletions, type ExternalCompletionsDeps } from '../../shared/training/external-completions';
import { MemoryExternalCompletions, MemoryWatermarks } from '../fakes/external-completions';
import { peopleEvent, trainingCatalogue, trainingWorld } from '../fakes/training';

/** Completions from Attack Simulation Training applied to the module the catalogue marks, over fakes. */

const SIM_OCT = 'sim-octobre';
const SIM_NOV = 'sim-novembre';

async function world(options: Parameters<typeof trainingWorld>[0] = {}) {
  const w = trainingWorld(options);
  for (const id of ['ana', 'ben']) await followPeopleEvent(peopleEvent(id, 'joined', 1), w.deps);
  await followPeopleEvent(peopleEvent('jo', 'joined', 1, { serviceCode: 'JUR', jobCategoryCode: 'JURISTE' }), w.deps);
  const source = new MemoryExternalCompletions();
  const watermarks = new MemoryWatermarks();
  const deps: ExternalCompletionsDeps = { ...w.deps, source, watermarks };
  return { ...w, source, watermarks, deps, run: () => importAttackSimulationCompletions(deps) };
}

describe('Attack Simulation Training completions (use case)', () => {
  it('completes the marked module with method attack-simulation and the simulation as source; audits the count', async () => {
    const w = await world();
    w.source.completions = [
      { personId: 'ana', completedAt: '2026-10-20T15:04:00Z', source: SIM_OCT },
      { personId: 'ben', completedAt: '2026-12-01T09:00:00.000Z', source: SIM_NOV },
    ];
    const outcome = await w.run();
    expect(outcome).toMatchObject({ kind: 'ok', moduleId: 'CYBER-PHISH', since: null, read: 2, completed: 2, unchanged: 0 });
    const ana = w.assignments.assignment('ana', 'CYBER-PHISH')!;
    expect(ana.status).toBe('completed');
    expect(ana.completions).toEqual([{ cycle: 1, completedAt: '2026-10-20T15:04:00.000Z', method: 'attack-simulation', recordedBy: 'system', source: SIM_OCT }]);
    // An annual campaign completed in its window: the next cycle is next year's window.
    expect(ana.nextCycleDate).toBe('2027-09-01');
    expect(w.assignments.assignment('jo', 'CYBER-PHISH')!.status).toBe('open');
    // Nothing else of theirs moved.
    expect(w.assignments.assignment('ana', 'CYBER-BASE')!.status).toBe('open');
    expect(w.audit.records.filter((r) => r.action === 'completions-imported')).toEqual([{ actor: 'system', action: 'completions-imported', target: { count: 2 }, outcome: 'allowed' }]);
    expect(w.watermarks.byConnector.get(ATTACK_SIMULATION_CONNECTOR)).toBe('2026-12-07T14:00:00.000Z');
  });

  it('is idempotent: the same data again changes no assignment and writes no audit record', async () => {
    const w = await world();
    w.source.completions = [{ personId: 'ana', completedAt: '2026-10-20T15:04:00Z', source: SIM_OCT }];
    await w.run();
    const before = structuredClone([...w.assignments.docs.entries()]);
    const audits = w.audit.records.length;
    w.clock.now = new Date('2026-12-08T14:00:00Z');
    const again = await w.run();
    expect(again).toMatchObject({ since: '2026-12-07T14:00:00.000Z', read: 1, completed: 0, unchanged: 1 });
    expect([...w.assignments.docs.entries()]).toEqual(before);
    expect(w.audit.records).toHaveLength(audits);
    expect(w.source.reads).toEqual([null, '2026-12-07T14:00:00.000Z']);
  });

  it('skips people training does not know, completions dated in the future, and modules not assigned', async () => {
    const catalogue = trainingCatalogue((file) => {
      const rules = file.rules as Array<{ id: string; modules: string[] }>;
      rules[0]!.modules = rules[0]!.modules.filter((m) => m !== 'CYBER-PHISH');
      rules.push({ id: 'conseil-phish', jobCategories: ['CONSEIL'], modules: ['CYBER-PHISH'] } as never);
    });
    const w = await world({ catalogue });
    w.source.completions = [
      { personId: 'stranger', completedAt: '2026-11-01T10:00:00Z', source: SIM_NOV },
      { personId: 'ana', completedAt: '2026-12-07T14:00:01Z', source: SIM_NOV },
      { personId: 'jo', completedAt: '2026-11-01T10:00:00Z', source: SIM_NOV },
      { personId: 'ben', completedAt: '2026-11-01T10:00:00Z', source: SIM_NOV },
    ];
    expect(await w.run()).toMatchObject({ read: 4, completed: 1, unknownPerson: 1, future: 1, notAssigned: 1 });
    expect(w.assignments.assignment('ana', 'CYBER-PHISH')!.status).toBe('open');
    expect(w.assignments.assignment('ben', 'CYBER-PHISH')!.status).toBe('completed');
    expect(w.trainees.byId.has('stranger')).toBe(false);
  });

  it('two simulations for one person: the earlier completes the cycle, the later finds it done', async () => {
    const w = await world();
    w.source.completions = [
      { personId: 'ana', completedAt: '2026-11-20T10:00:00Z', source: SIM_NOV },
      { personId: 'ana', completedAt: '2026-10-20T10:00:00Z', source: SIM_OCT },
    ];
    expect(await w.run()).toMatchObject({ completed: 1, unchanged: 1 });
    expect(w.assignments.assignment('ana', 'CYBER-PHISH')!.completions.map((c) => c.source)).toEqual([SIM_OCT]);
  });

  it('a new cycle is completed only by a completion not older than the cycle', async () => {
    const w = await world();
    w.source.completions = [{ personId: 'ana', completedAt: '2026-10-20T10:00:00Z', source: SIM_OCT }];
    await w.run();
    // A year later the annual window opens cycle 2.
    const doc = w.assignments.docs.get('ana|CYBER-PHISH')!;
    doc.assignment = { ...doc.assignment, status: 'open', cycle: 2, cycleOpenedAt: '2027-09-01T10:00:00.000Z', nextCycleDate: null };
    w.clock.now = new Date('2027-10-15T14:00:00Z');
    w.source.completions = [
      { personId: 'ana', completedAt: '2027-08-15T10:00:00Z', source: 'sim-aout-2027' },
      { personId: 'ana', completedAt: '2027-10-01T10:00:00Z', source: 'sim-sept-2027' },
    ];
    expect(await w.run()).toMatchObject({ completed: 1, earlierCycle: 1, unchanged: 0 });
    const a = w.assignments.assignment('ana', 'CYBER-PHISH')!;
    expect(a.completions.map((c) => [c.cycle, c.source])).toEqual([[1, SIM_OCT], [2, 'sim-sept-2027']]);
  });

  it('reads again after a concurrent change (compare-and-swap) and completes', async () => {
    const w = await world();
    let interfered = false;
    w.assignments.beforeSave = (a) => {
      if (a.moduleId !== 'CYBER-PHISH' || interfered) return;
      interfered = true;
      // A reminder pass writes the document between our read and our save.
      const doc = w.assignments.docs.get(a.id)!;
      w.assignments.docs.set(a.id, { assignment: { ...doc.assignment, updatedAt: '2026-12-07T13:59:00.000Z' }, etag: doc.etag + 1000 });
    };
    w.source.completions = [{ personId: 'ana', completedAt: '2026-10-20T10:00:00Z', source: SIM_OCT }];
    expect(await w.run()).toMatchObject({ completed: 1 });
    expect(interfered).toBe(true);
    expect(w.assignments.assignment('ana', 'CYBER-PHISH')!.status).toBe('completed');
  });

  it('does nothing, and keeps the watermark, when no module is marked', async () => {
    const catalogue = trainingCatalogue((file) => {
      for (const m of file.modules) delete m.attackSimulation;
    });
    const w = await world({ catalogue });
    w.source.completions = [{ personId: 'ana', completedAt: '2026-10-20T10:00:00Z', source: SIM_OCT }];
    expect(await w.run()).toEqual({ kind: 'no-module' });
    expect(w.source.reads).toEqual([]);
    expect(w.watermarks.byConnector.size).toBe(0);
  });

  it('the catalogue lets one module at most be completed by Attack Simulation Training', () => {
    const file = JSON.parse(JSON.stringify(trainingCatalogue().file)) as { modules: Array<Record<string, unknown>> };
    file.modules[0]!.attackSimulation = true;
    expect(() => parseTrainingCatalogue(JSON.stringify(file), 'test')).toThrow(/only one module may be completed by Attack Simulation Training/);
    expect(trainingCatalogue().attackSimulationModule()?.id).toBe('CYBER-PHISH');
  });
});
