import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';
import { GraphBudget, LocalSlotPool } from '../../shared/platform/graph/graph-budget';
import { GraphAttackSimulationCompletions, completionOf } from '../../shared/training/adapters/graph-attack-simulation';

/** The Graph adapter alone: what counts as completed, and which simulations a watermark selects. */
let sandbox: M365Sandbox;
let control: SandboxControl;
let adapter: GraphAttackSimulationCompletions;

beforeAll(async () => {
  sandbox = await startM365Sandbox();
  control = new SandboxControl(sandbox);
  adapter = new GraphAttackSimulationCompletions(createSandboxGraphClient(sandbox), new GraphBudget({ concurrency: 2, windowRequests: 1_000, windowMs: 60_000, slots: new LocalSlotPool(2) }));
});
afterAll(() => sandbox?.stop());

const done = (at: string) => ({ latestTrainingStatus: 'completed', trainingCompletedProperties: { contentDateTime: at } });

describe('Attack Simulation Training Graph adapter', () => {
  it('a person is done when every assigned training is completed, on the latest completion', () => {
    const user = { simulationUser: { userId: 'u' }, assignedTrainingsCount: 2, completedTrainingsCount: 2 };
    expect(completionOf({ ...user, trainingEvents: [done('2026-10-20T10:00:00Z'), done('2026-10-22T09:30:00Z')] })).toBe('2026-10-22T09:30:00.000Z');
    expect(completionOf({ ...user, trainingEvents: [done('2026-10-20T10:00:00Z'), { latestTrainingStatus: 'inProgress', trainingCompletedProperties: null }] })).toBeNull();
    // The counts say one is still due although the events list only the completed one.
    expect(completionOf({ ...user, completedTrainingsCount: 1, trainingEvents: [done('2026-10-20T10:00:00Z')] })).toBeNull();
    expect(completionOf({ ...user, trainingEvents: [{ latestTrainingStatus: 'completed', trainingCompletedProperties: null }] })).toBeNull();
    expect(completionOf({ ...user, trainingEvents: [] })).toBeNull();
    expect(completionOf({ ...user, assignedTrainingsCount: null, completedTrainingsCount: null, trainingEvents: [done('2026-10-20T10:00:00+02:00')] })).toBe('2026-10-20T08:00:00.000Z');
  });

  it('without a watermark reads every launched simulation through every page; with one, only recent ones', async () => {
    const simulations = await control.simulations();
    const finished = (id: string) => simulations.find((s) => s.id === id)!.users.filter((u) => u.trainings.every((t) => t.status === 'completed')).length;
    const all = await adapter.since(null);
    expect(new Set(all.map((c) => c.source))).toEqual(new Set(simulations.map((s) => s.id)));
    for (const s of simulations) expect(all.filter((c) => c.source === s.id), s.displayName).toHaveLength(finished(s.id));
    // 90 days before this watermark, the October and November campaigns had ended; the running one is read.
    const running = simulations.find((s) => s.status === 'running')!;
    const recent = await adapter.since('2027-06-01T00:00:00.000Z');
    expect(new Set(recent.map((c) => c.source))).toEqual(new Set([running.id]));
    // A simulation not launched (draft, scheduled) is not read, whatever its report says.
    const draft = await control.createSimulation({ userIds: [sandbox.tenant.staffIds[0]!], status: 'draft' });
    await control.completeTraining(draft.id, sandbox.tenant.staffIds[0]!, { at: '2026-11-01T10:00:00Z' });
    expect(await adapter.since(null)).toHaveLength(all.length);
  });
});
