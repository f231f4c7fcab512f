import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxControl, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';
import type { SimulationSummary } from '../../dev/m365-sandbox/control-client';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { timerHandler } from '../../functions/triggers';
import { attackSimulationTimer } from '../../functions/training/attack-simulation';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { attackSimulationDeps, resetTrainingForTests } from '../../shared/training/adapters/training-services';
import { followPeopleEvent } from '../../shared/training/assignments';
import { ATTACK_SIMULATION_CONNECTOR, importAttackSimulationCompletions } from '../../shared/training/external-completions';
import { invocation, useAppEnvironment } from '../support/app-env';
import { peopleEvent } from '../fakes/training';

/**
 * The connector end to end: the app's Graph client reads the sandbox's Attack Simulation Training
 * report, the use case completes assignments stored in the Cosmos DB emulator, and the watermark
 * is kept there. Trainees come from people events applied by the training handler.
 */
let sandbox: M365Sandbox;
let issuer: TokenIssuer;
let control: SandboxControl;
let env: Record<string, string>;
let simulations: SimulationSummary[];
/** People training knows; one person who completed a simulation's training is left out on purpose. */
let known: string[];
let stranger: string;

const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
const done = (u: SimulationSummary['users'][number]) => u.trainings.length > 0 && u.trainings.every((t) => t.status === 'completed');

/** Per person, the simulation whose trainings they finished first (what the connector should record). */
function expectedCompletions(sims: SimulationSummary[], people: string[]): Map<string, string> {
  const firsts = new Map<string, { at: string; source: string }>();
  for (const s of sims) {
    for (const u of s.users) {
      if (!people.includes(u.userId) || !done(u)) continue;
      const at = u.trainings.map((t) => t.completedDateTime!).sort().at(-1)!;
      const seen = firsts.get(u.userId);
      if (!seen || at < seen.at) firsts.set(u.userId, { at, source: s.id });
    }
  }
  return new Map([...firsts].map(([id, f]) => [id, f.source]));
}

beforeAll(async () => {
  sandbox = await startM365Sandbox();
  issuer = await startTokenIssuer({});
  control = new SandboxControl(sandbox);
  const dir = mkdtempSync(path.join(tmpdir(), 'asim-test-'));
  writeFileSync(path.join(dir, 'ca.pem'), sandbox.caCertPem);
  env = { GRAPH_BASE_URL: sandbox.graphBaseUrl, GRAPH_CA_FILE: path.join(dir, 'ca.pem'), COSMOS_DATABASE: `asim-${Math.random().toString(36).slice(2, 10)}`, TRAINING_ATTACK_SIMULATION: 'on' };
  await useAppEnvironment(issuer, env);
  resetTrainingForTests();
  simulations = await control.simulations();
  const everyone = [...new Set(simulations.flatMap((s) => s.users.map((u) => u.userId)))];
  stranger = everyone.find((id) => simulations.some((s) => s.users.some((u) => u.userId === id && done(u))))!;
  known = everyone.filter((id) => id !== stranger);
  const deps = attackSimulationDeps();
  for (const id of known) await followPeopleEvent(peopleEvent(id, 'joined', 1), deps);
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  await issuer?.stop();
});

describe('Attack Simulation Training connector (sandbox and Cosmos DB emulator)', { timeout: 120_000 }, () => {
  it('completes the marked module for those who finished their trainings, with the simulation as source', async () => {
    const deps = attackSimulationDeps();
    const expected = expectedCompletions(simulations, known);
    expect(expected.size).toBeGreaterThan(5);
    const outcome = await importAttackSimulationCompletions(deps);
    expect(outcome).toMatchObject({ kind: 'ok', moduleId: 'CYBER-PHISH', since: null, completed: expected.size, unknownPerson: expect.any(Number), future: 0 });
    if (outcome.kind !== 'ok') throw new Error(outcome.kind);
    expect(outcome.unknownPerson).toBeGreaterThanOrEqual(1);
    for (const id of known) {
      const a = (await deps.assignments.get(`${id}|CYBER-PHISH`))!.assignment;
      if (expected.has(id)) {
        expect(a.status, id).toBe('completed');
        expect(a.completions).toEqual([expect.objectContaining({ cycle: 1, method: 'attack-simulation', source: expected.get(id), recordedBy: 'system' })]);
      } else {
        // In progress, not started, overdue, or one training of two: still open.
        expect(a.status, id).toBe('open');
      }
    }
    expect(await deps.trainees.get(stranger)).toBeUndefined();
    expect(await deps.watermarks.get(ATTACK_SIMULATION_CONNECTOR)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('re-reading the same report changes nothing', async () => {
    const deps = attackSimulationDeps();
    const before = await Promise.all(known.map((id) => deps.assignments.get(`${id}|CYBER-PHISH`)));
    const watermark = await deps.watermarks.get(ATTACK_SIMULATION_CONNECTOR);
    const again = await importAttackSimulationCompletions(deps);
    expect(again).toMatchObject({ kind: 'ok', since: watermark, completed: 0 });
    const after = await Promise.all(known.map((id) => deps.assignments.get(`${id}|CYBER-PHISH`)));
    expect(after.map((s) => s!.etag)).toEqual(before.map((s) => s!.etag));
  });

  it('follows the sandbox: a training completed today is picked up; one dated in the future is not', async () => {
    const deps = attackSimulationDeps();
    const open: string[] = [];
    for (const id of known) if ((await deps.assignments.get(`${id}|CYBER-PHISH`))!.assignment.status === 'open') open.push(id);
    const [finisher, early] = open;
    const simulation = await control.createSimulation({ userIds: [finisher!, early!], displayName: 'Relance', launchDateTime: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    await control.completeTraining(simulation.id, finisher!);
    await control.completeTraining(simulation.id, early!, { at: new Date(Date.now() + 86_400_000).toISOString() });
    const outcome = await importAttackSimulationCompletions(deps);
    expect(outcome).toMatchObject({ completed: 1, future: 1 });
    expect((await deps.assignments.get(`${finisher}|CYBER-PHISH`))!.assignment.completions.at(-1)).toMatchObject({ method: 'attack-simulation', source: simulation.id });
    expect((await deps.assignments.get(`${early}|CYBER-PHISH`))!.assignment.status).toBe('open');
  });

  it('the timer runs the connector when on, and only says "off" (no Graph call) when off', async () => {
    const on = invocation('trainingAttackSimulation');
    await timerHandler(attackSimulationTimer)(timer, on.context);
    expect(on.lines.join('\n')).toMatch(/"event":"training.attack-simulation".*"state":"on".*"completed":0/);
    await useAppEnvironment(issuer, { ...env, TRAINING_ATTACK_SIMULATION: 'off' });
    resetSettingsForTests();
    resetTrainingForTests();
    const requests = (await control.stats()).requests;
    const off = invocation('trainingAttackSimulation');
    await timerHandler(attackSimulationTimer)(timer, off.context);
    expect(off.lines).toHaveLength(1);
    expect(off.lines[0]).toContain('"state":"off"');
    expect((await control.stats()).requests).toBe(requests);
  });
});
