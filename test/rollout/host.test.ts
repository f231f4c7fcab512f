import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosRunStore } from '../../shared/rollout/adapters/cosmos-rollout';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import type { ServiceRolloutView } from '../../shared/rollout/view';
import { eventually, HR, STAFF, startRolloutStack, type RolloutStack } from './rollout-stack';

/**
 * A service's rollout on the local host, end to end: the function app with its durable
 * orchestrations, Service Bus, Cosmos DB, Azurite and the Microsoft 365 sandbox. The people of the
 * tenant arrive through a real synchronisation; IT starts Relations du travail's rollout, a Graph
 * outage fails the onboarding of its members until IT retries, training misses its (shrunk)
 * deadline and is skipped with a reason, IT confirms the phone numbers, and the run completes with
 * each licence assigned exactly once and a report.
 */

const MCOEV = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd';
let stack: RolloutStack;

const service = async (code: string): Promise<ServiceRolloutView> => {
  const { status, json } = await stack.call('GET', 'services');
  expect(status, JSON.stringify(json)).toBe(200);
  return (json.services as ServiceRolloutView[]).find((s) => s.serviceCode === code)!;
};
const stepOf = (view: ServiceRolloutView, step: string) => view.steps.find((s) => s.step === step)!;
const until = <T>(what: string, check: () => Promise<T | undefined>) => eventually(what, check, () => stack.host);

beforeAll(async () => {
  stack = await startRolloutStack({ env: { ROLLOUT_PARALLELISM: '3' } });
  await stack.sync();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a service rollout on the local host', () => {
  it('lists every service, none started, to IT and HR; staff without a role are refused', async () => {
    const view = await service('RT');
    expect(view).toMatchObject({ state: 'not-started', runId: null, percent: 0, serviceName: { 'fr-CA': 'Relations du travail', en: 'Labour Relations' } });
    expect(view.people).toBeGreaterThan(5);
    expect((await stack.call('GET', 'services', undefined, HR)).status).toBe(200);
    expect((await stack.call('GET', 'services', undefined, STAFF)).status).toBe(403);
    expect((await stack.call('POST', 'services/RT/start', {}, HR)).status).toBe(403);
    const unknown = await stack.call('POST', 'services/NOPE/start', {});
    expect(unknown.status).toBe(404);
  });

  it('runs to completion through a failed step retried, a deadline skipped with a reason and numbers confirmed, each licence assigned once', async () => {
    const people = (await service('RT')).people;
    // Graph refuses licence changes until IT "fixes" it: every member's onboarding fails.
    await stack.control.request('PUT', '/faults', { rates: { '503': 1 }, pathPattern: '/assignLicense$' });

    const first = await stack.call('POST', 'services/RT/start', {});
    expect(first).toMatchObject({ status: 202, json: { runId: 'rollout-service-RT', started: true } });
    const again = await stack.call('POST', 'services/RT/start', {});
    expect(again).toMatchObject({ status: 202, json: { runId: 'rollout-service-RT', started: false } });

    const blocked = await until('the people step blocked', async () => {
      const v = await service('RT');
      return stepOf(v, 'people').state === 'failed' ? v : undefined;
    });
    expect(blocked.state).toBe('blocked');
    expect(stepOf(blocked, 'space').state).toBe('done');
    expect(stepOf(blocked, 'people').blocker).toMatchObject({ code: 'people-failed', mustAct: 'ITAdmin' });
    expect(stepOf(blocked, 'people').blocker!.message['fr-CA']).toContain(`${people} employé(s)`);
    expect((await stack.appWrites('licenseAssigned')).length).toBe(0);
    // The same progress and blocker in the orchestrations' custom status (management API).
    const status = async (id: string) => (await (await fetch(`${stack.host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}`)).json()) as { customStatus: unknown };
    expect((await status('rollout-service-RT:people')).customStatus).toMatchObject({ step: 'people', state: 'failed', blocker: 'people-failed', mustAct: 'ITAdmin', total: people, attempts: 1 });
    expect((await status('rollout-service-RT')).customStatus).toEqual({ current: ['people'], steps: { space: 'done' } });
    // Skipping needs a reason; a step that is not waiting refuses a decision.
    const noReason = await stack.call('POST', 'runs/rollout-service-RT/steps/people/skip', { reason: '' });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.json)).toContain('reason');
    expect((await stack.call('POST', 'runs/rollout-service-RT/steps/telecom/retry', {})).status).toBe(409);

    await stack.control.request('PUT', '/faults', {});
    expect((await stack.call('POST', 'runs/rollout-service-RT/steps/people/retry', { reason: 'Graph rétabli' })).status).toBe(202);

    const training = await until('training past its deadline', async () => {
      const v = await service('RT');
      return stepOf(v, 'training').state === 'failed' ? v : undefined;
    });
    expect(stepOf(training, 'people')).toMatchObject({ state: 'done', done: people, total: people, attempts: 2 });
    expect(stepOf(training, 'people').decisions).toMatchObject([{ action: 'retry', by: stack.it.name, reason: 'Graph rétabli' }]);
    expect(stepOf(training, 'training').blocker).toMatchObject({ code: 'training-below-threshold', mustAct: 'managers' });
    // Its (shrunk) ten days passed too: late, it still waits for IT's confirmation.
    expect(stepOf(training, 'telecom')).toMatchObject({ state: 'failed', blocker: { code: 'numbers-unconfirmed', mustAct: 'ITAdmin' } });

    expect((await stack.call('POST', 'runs/rollout-service-RT/steps/training/skip', { reason: 'Formations reportées à janvier' })).status).toBe(202);
    expect((await stack.call('POST', 'services/RT/telecom/confirm', { note: 'Numéros attribués' })).status).toBe(202);

    const done = await until('the rollout completed', async () => {
      const v = await service('RT');
      return v.state === 'completed' ? v : undefined;
    });
    expect(done.percent).toBe(100);
    expect(done.steps.map((s) => [s.step, s.state])).toEqual([['space', 'done'], ['people', 'done'], ['training', 'skipped'], ['telecom', 'done'], ['templates', 'done'], ['report', 'done']]);
    expect(stepOf(done, 'training').decisions).toMatchObject([{ action: 'skip', reason: 'Formations reportées à janvier' }]);

    // Exactly once: each member got Teams Phone once (the standard licence they already had).
    const assigned = (await stack.appWrites('licenseAssigned')).map((w) => w.details as { userId: string; addLicenses: Array<{ skuId: string }> });
    expect(assigned).toHaveLength(people);
    expect(new Set(assigned.map((a) => a.userId)).size).toBe(people);
    expect(assigned.every((a) => a.addLicenses.map((l) => l.skuId).join() === MCOEV)).toBe(true);

    const record = (await new CosmosRunStore(cosmosDatabase()).get('rollout-service-RT'))!.record;
    expect(record.report).toMatchObject({ kind: 'service', serviceCode: 'RT', people, steps: { space: 'done', people: 'done', training: 'skipped', telecom: 'done', templates: 'done' } });

    // Each member's onboarding is listed for HR with their name, their mailbox proven complete.
    const journeys = await stack.call('GET', 'journeys?kind=onboarding', undefined, HR);
    expect(journeys.status).toBe(200);
    const mine = journeys.json.journeys.filter((j: { runId: string }) => j.runId.startsWith('rollout-service-RT:p:') && j.runId.endsWith(':a2'));
    expect(mine).toHaveLength(people);
    expect(mine.every((j: { state: string; personName: string | null }) => j.state === 'completed' && j.personName)).toBe(true);
  }, 600_000);

  it('ends a rollout for good with a reason, stops its steps, takes back the unused Teams Phone licences, and refuses a second end or an empty reason', async () => {
    const people = (await service('JUR')).people;
    expect((await stack.call('POST', 'services/JUR/start', {})).status).toBe(202);
    // Its members onboarded (Teams Phone assigned), the numbers not yet confirmed.
    await until('the JUR rollout waiting on the numbers', async () => (stepOf(await service('JUR'), 'telecom').state === 'waiting' ? true : undefined));
    const jurMembers = new Set(stack.sandbox.tenant.users.filter((u) => u.department === 'Services juridiques').map((u) => u.id));
    const given = (await stack.appWrites('licenseAssigned')).filter((w) => jurMembers.has((w.details as { userId: string }).userId));
    expect(given).toHaveLength(people);

    const empty = await stack.call('POST', 'runs/rollout-service-JUR/terminate', { reason: '  ' });
    expect(empty.status).toBe(400);
    const ended = await stack.call('POST', 'runs/rollout-service-JUR/terminate', { reason: 'Service fusionné avec RT' });
    expect(ended).toMatchObject({ status: 202, json: { runId: 'rollout-service-JUR', state: 'terminated', compensation: true } });
    expect((await service('JUR')).state).toBe('terminated');
    expect((await stack.call('POST', 'runs/rollout-service-JUR/terminate', { reason: 'Encore une fois' })).status).toBe(409);
    // Its waiting steps stop too: terminated, not left running.
    for (const step of ['training', 'telecom']) {
      await until(`the ${step} step terminated`, async () => {
        const res = await fetch(`${stack.host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(`rollout-service-JUR:${step}`)}`);
        return ((await res.json()) as { runtimeStatus?: string }).runtimeStatus === 'Terminated' ? true : undefined;
      });
    }
    // The undo: each member's Teams Phone licence taken back once; their mail licence stays.
    const record = await until('the compensation done', async () => {
      const r = (await new CosmosRunStore(cosmosDatabase()).get('rollout-service-JUR'))!.record;
      return r.compensation?.state === 'done' ? r : undefined;
    });
    expect(record.compensation).toEqual({ state: 'done', released: people });
    const taken = (await stack.appWrites('licenseAssigned')).filter((w) => jurMembers.has((w.details as { userId: string }).userId) && (w.details as { removeLicenses: string[] }).removeLicenses.length > 0);
    expect(taken.map((w) => (w.details as { removeLicenses: string[] }).removeLicenses)).toEqual(Array(people).fill([MCOEV]));
    expect(new Set(taken.map((w) => (w.details as { userId: string }).userId)).size).toBe(people);
  }, 300_000);
});
