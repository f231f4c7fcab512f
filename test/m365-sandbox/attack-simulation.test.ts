import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

/**
 * Attack Simulation Training through the official Graph client, in the shapes of Microsoft's
 * "List simulations", "Get simulation" (report/simulationUsers) and "userSimulationDetails" pages.
 */
let sandbox: M365Sandbox;
let graph: Client;
let control: SandboxControl;

beforeAll(async () => {
  sandbox = await startM365Sandbox();
  graph = createSandboxGraphClient(sandbox);
  control = new SandboxControl(sandbox);
});
afterAll(() => sandbox?.stop());

type Page<T> = { value: T[]; '@odata.nextLink'?: string; '@odata.count'?: number };
type Simulation = { id: string; displayName: string; status: string; launchDateTime: string; completionDateTime: string | null; attackType: string; createdBy: { id: string } };
type ContentEvent = { contentDateTime: string; ipAddress: string; potentialScoreImpact: number } | null;
type UserDetails = {
  isCompromised: boolean;
  simulationEvents: Array<{ eventName: string; eventDateTime: string }>;
  trainingEvents: Array<{ displayName: string; latestTrainingStatus: string; trainingAssignedProperties: ContentEvent; trainingUpdatedProperties: ContentEvent; trainingCompletedProperties: ContentEvent }>;
  assignedTrainingsCount: number;
  completedTrainingsCount: number;
  inProgressTrainingsCount: number;
  simulationUser: { userId: string; displayName: string; email: string };
};

async function all<T>(url: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  for (let next: string | undefined = url; next; ) {
    const page = (await graph.api(next).get()) as Page<T>;
    items.push(...page.value);
    pages++;
    next = page['@odata.nextLink'];
  }
  return { items, pages };
}

describe('M365 sandbox: Attack Simulation Training', () => {
  it('lists the seeded campaigns with paging, $count, $filter, $orderby and $select', async () => {
    const { items, pages } = await all<Simulation>('/security/attackSimulation/simulations?$top=1');
    expect(pages).toBe(3);
    expect(items.map((s) => s.status).sort()).toEqual(['running', 'succeeded', 'succeeded']);
    expect(items[0]).toMatchObject({ attackType: 'social', createdBy: { id: expect.any(String) } });
    const counted = (await graph.api('/security/attackSimulation/simulations').query({ $count: 'true', $filter: "status eq 'succeeded'" }).get()) as Page<Simulation>;
    expect(counted['@odata.count']).toBe(2);
    expect(counted.value.every((s) => s.status === 'succeeded')).toBe(true);
    const recent = (await graph.api('/security/attackSimulation/simulations').query({ $filter: 'completionDateTime ge 2026-11-01T00:00:00Z', $orderby: 'launchDateTime desc', $select: 'id,status' }).get()) as Page<Record<string, unknown>>;
    expect(recent.value.map((s) => s.status)).toEqual(['running', 'succeeded']);
    expect(Object.keys(recent.value[0]!).sort()).toEqual(['id', 'status']);
    const bad = await graph.api('/security/attackSimulation/simulations').query({ $filter: "description eq 'x'" }).get().then(() => undefined, (e: unknown) => e);
    expect(bad).toMatchObject({ statusCode: 400 });
  });

  it('gets one campaign, and answers 404 for an unknown one', async () => {
    const [first] = (await all<Simulation>('/security/attackSimulation/simulations')).items;
    expect(await graph.api(`/security/attackSimulation/simulations/${first!.id}`).get()).toMatchObject({ id: first!.id, displayName: first!.displayName });
    const missing = await graph.api('/security/attackSimulation/simulations/00000000-0000-4000-8000-000000000000').get().then(() => undefined, (e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 404 });
  });

  it('reports each targeted person with training events and counts, paged by 20', async () => {
    const simulations = (await all<Simulation>('/security/attackSimulation/simulations')).items;
    const october = simulations.find((s) => s.displayName.includes('octobre'))!;
    const { items, pages } = await all<UserDetails>(`/security/attackSimulation/simulations/${october.id}/report/simulationUsers`);
    expect(items.length).toBeGreaterThan(20);
    expect(pages).toBe(Math.ceil(items.length / 20));
    const statuses = new Set(items.flatMap((u) => u.trainingEvents.map((t) => t.latestTrainingStatus)));
    expect(statuses).toEqual(new Set(['assigned', 'inProgress', 'overdue', 'completed']));
    for (const u of items) {
      expect(u.simulationUser.userId).toMatch(/^[0-9a-f-]{36}$/);
      expect(u.simulationEvents[0]!.eventName).toBe('SuccessfullyDeliveredEmail');
      expect(u.assignedTrainingsCount).toBe(u.trainingEvents.length);
      expect(u.completedTrainingsCount).toBe(u.trainingEvents.filter((t) => t.latestTrainingStatus === 'completed').length);
      expect(u.inProgressTrainingsCount).toBe(u.trainingEvents.filter((t) => t.latestTrainingStatus === 'inProgress').length);
      for (const t of u.trainingEvents) {
        expect(t.trainingAssignedProperties?.contentDateTime).toBeTruthy();
        expect(t.trainingCompletedProperties === null).toBe(t.latestTrainingStatus !== 'completed');
        if (t.trainingCompletedProperties) expect(Date.parse(t.trainingCompletedProperties.contentDateTime)).toBeLessThanOrEqual(Date.now());
      }
    }
    const counted = (await graph.api(`/security/attackSimulation/simulations/${october.id}/report/simulationUsers`).query({ $count: 'true', $top: '5' }).get()) as Page<UserDetails>;
    expect(counted.value).toHaveLength(5);
    expect(counted['@odata.count']).toBe(items.length);
    const filtered = await graph.api(`/security/attackSimulation/simulations/${october.id}/report/simulationUsers`).query({ $filter: "isCompromised eq true" }).get().then(() => undefined, (e: unknown) => e);
    expect(filtered).toMatchObject({ statusCode: 400 });
  });

  it('lets a test create a campaign and move a person through their training', async () => {
    const [a, b] = sandbox.tenant.staffIds;
    const created = await control.createSimulation({ userIds: [a!, b!], displayName: 'Test', launchDateTime: '2026-11-20T13:00:00Z' });
    const report = () => all<UserDetails>(`/security/attackSimulation/simulations/${created.id}/report/simulationUsers`).then((r) => new Map(r.items.map((u) => [u.simulationUser.userId, u])));
    expect((await report()).get(a!)).toMatchObject({ assignedTrainingsCount: 1, completedTrainingsCount: 0, trainingEvents: [{ latestTrainingStatus: 'assigned', trainingCompletedProperties: null }] });
    await control.startTraining(created.id, b!);
    await control.completeTraining(created.id, a!, { at: '2026-11-25T15:30:00Z' });
    const after = await report();
    expect(after.get(a!)).toMatchObject({ completedTrainingsCount: 1, trainingEvents: [{ latestTrainingStatus: 'completed', trainingCompletedProperties: { contentDateTime: '2026-11-25T15:30:00Z' } }] });
    expect(after.get(b!)).toMatchObject({ inProgressTrainingsCount: 1, trainingEvents: [{ latestTrainingStatus: 'inProgress' }] });
    expect((await control.simulations()).find((s) => s.id === created.id)!.users).toHaveLength(2);
    await expect(control.completeTraining(created.id, sandbox.tenant.guestIds[0]!)).rejects.toThrow(/404/);
    await control.reset();
    expect(await control.simulations()).toHaveLength(3);
  });
});
