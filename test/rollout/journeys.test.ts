import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordsServices, resetRecordsServicesForTests } from '../../shared/archive/adapters/records-services';
import { cosmosDatabase, graph } from '../../shared/platform/adapters/clients';
import { CosmosRunStore } from '../../shared/rollout/adapters/cosmos-rollout';
import { trainingDeps } from '../../shared/training/adapters/training-services';
import type { JourneyView } from '../../shared/rollout/view';
import { eventually, HR, startRolloutStack, type RolloutStack } from './rollout-stack';

/**
 * Employees' journeys on the local host, driven by lifecycle changes made in the Microsoft 365
 * sandbox and read by the people synchronisation, as in production: someone hired is onboarded
 * (licence, mailbox archived and proven complete, added to their service's Team, training
 * assigned); a move takes them out of the old Team and reassigns training; someone who leaves is
 * offboarded, and while their mailbox cannot be proven completely archived (a message Graph keeps
 * refusing) the licence stays where it is: the journey waits, alerts, refuses to be skipped, and
 * removes the licence only once IT fixed the cause and the proof holds.
 */

let stack: RolloutStack;
const until = <T>(what: string, check: () => Promise<T | undefined>) => eventually(what, check, () => stack.host);

async function journey(kind: string, personId: string, state?: string): Promise<JourneyView | undefined> {
  const { status, json } = await stack.call('GET', `journeys?kind=${kind}`, undefined, HR);
  expect(status).toBe(200);
  const found = (json.journeys as JourneyView[]).find((j) => j.runId.startsWith(`rollout-${kind}-${personId}-`));
  return found && (!state || found.state === state) ? found : undefined;
}
const stepOf = (j: JourneyView, step: string) => j.steps.find((s) => s.step === step)!;

async function licences(userId: string): Promise<string[]> {
  const page = (await graph().api(`/users/${userId}/licenseDetails`).get()) as { value: Array<{ skuPartNumber: string }> };
  return page.value.map((l) => l.skuPartNumber);
}

beforeAll(async () => {
  // Mail in enough mailboxes that Relations du travail has some.
  stack = await startRolloutStack({ sandbox: { seed: 20261206, scale: { mailboxes: 20, messagesPerMailbox: 4 }, timeScale: 30, teamOperationMs: 300, teamReplicationLagMs: 1_200 } });
  await stack.sync();
  // The service's Team, as its rollout (or the collaboration page) provisions it.
  const token = await stack.issuer.mintUserToken(stack.it);
  const res = await fetch(`${stack.host.baseUrl}/api/collaboration/run`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'apply', spaceKeys: ['service-rt', 'service-jur'] }),
  });
  expect(res.status).toBe(202);
  await until('the RT and JUR spaces provisioned', async () => {
    const r = await fetch(`${stack.host.baseUrl}/api/collaboration/run`, { headers: { authorization: `Bearer ${token}` } });
    const run = ((await r.json()) as { run: { runtimeStatus: string } | null }).run;
    return run?.runtimeStatus === 'Completed' ? true : undefined;
  });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe('employee journeys from the people stream', () => {
  let hired: string;

  it('onboards someone hired today: licence, archive proven, added to the Team, training assigned; those the first synchronisation announced onboard nobody else', async () => {
    const { id } = await stack.control.request<{ id: string }>('POST', '/people', {
      givenName: 'Noémie', surname: 'Arsenault', department: 'Relations du travail', jobCategory: 'CONSEIL', employeeHireDate: new Date().toISOString(),
    });
    hired = id;
    await stack.sync();
    const done = await until('the onboarding completed', () => journey('onboarding', id, 'completed'));
    expect(done).toMatchObject({ kind: 'onboarding', personName: 'Noémie Arsenault', serviceName: { 'fr-CA': 'Relations du travail' }, percent: 100 });
    expect(done.steps.map((s) => [s.step, s.state])).toEqual([['licences', 'done'], ['archive', 'done'], ['spaces', 'done'], ['training', 'done'], ['report', 'done']]);
    expect(await licences(id)).toContain('SPE_E3');
    const added = (await stack.appWrites('memberAdded')).filter((w) => (w.details as { userId: string }).userId === id);
    expect(added).toHaveLength(1);
    const assignments = await trainingDeps().assignments.forPerson(id);
    expect(assignments.length).toBeGreaterThan(0);
    expect(stepOf(done, 'training')).toMatchObject({ total: assignments.length });
    // Nobody else was onboarded: the first synchronisation announced every employee as joined.
    const all = (await stack.call('GET', 'journeys?kind=onboarding', undefined, HR)).json.journeys as JourneyView[];
    expect(all.map((j) => j.personName)).toEqual(['Noémie Arsenault']);
  }, 300_000);

  it('moves them to Legal Services: out of the old Team, into the new one, training followed', async () => {
    await stack.control.request('PATCH', `/people/${hired}`, { department: 'Services juridiques' });
    await stack.sync();
    const done = await until('the move completed', () => journey('move', hired, 'completed'));
    expect(done.steps.map((s) => [s.step, s.state])).toEqual([['spaces', 'done'], ['training', 'done'], ['report', 'done']]);
    expect(stepOf(done, 'spaces')).toMatchObject({ done: 2, total: 2 });
    const removed = (await stack.appWrites('memberRemoved')).filter((w) => (w.details as { userId: string }).userId === hired);
    expect(removed).toHaveLength(1);
    const added = (await stack.appWrites('memberAdded')).filter((w) => (w.details as { userId: string }).userId === hired);
    expect(added).toHaveLength(2);
  }, 300_000);

  it('offboarding keeps the licence while the archive cannot prove completeness, refuses a skip, and removes it once proven', async () => {
    // A member of RT whose mailbox holds mail, under a legal hold.
    const candidates = stack.sandbox.tenant.users.filter((u) => u.department === 'Relations du travail' && u.accountEnabled && u.userType === 'Member' && !u.isSharedMailbox);
    let leaver = '';
    for (const u of candidates) {
      const inbox = (await graph().api(`/users/${u.id}/mailFolders/inbox?$select=totalItemCount`).get()) as { totalItemCount: number };
      if (inbox.totalItemCount > 0) {
        leaver = u.id;
        break;
      }
    }
    expect(leaver, 'a member of RT with mail').not.toBe('');
    resetRecordsServicesForTests();
    const hold = await recordsServices().holds.create({ matter: 'Grief 2026-114', mailboxes: [leaver], from: null, to: null, participants: [] }, 'records-manager');
    // A message arrives after the mailbox's last capture, and Graph keeps refusing its content.
    await stack.control.request('POST', `/mailboxes/${leaver}/messages`, { subject: 'Dernier message avant le départ' });
    await stack.control.request('PUT', '/faults', { rates: { '503': 1 }, pathPattern: `^/users/${leaver}/messages/[^/]+/\\$value$` });
    await stack.control.request('PATCH', `/people/${leaver}`, { accountEnabled: false });
    await stack.sync();

    const waiting = await until('the offboarding waiting on the archive', async () => {
      const j = await journey('offboarding', leaver);
      return j && stepOf(j, 'archive').state === 'waiting' ? j : undefined;
    });
    expect(waiting.state).toBe('waiting');
    expect(stepOf(waiting, 'holds')).toMatchObject({ state: 'done', done: 1 });
    expect(stepOf(waiting, 'archive').blocker).toMatchObject({ code: 'archive-incomplete', mustAct: 'ITAdmin' });
    // The message whose content Graph refuses is left behind by capture, named as missing (the rest
    // of its folder is archived): the proof says what is missing.
    expect(stepOf(waiting, 'archive').blocker!.message.en).toContain('is not proven complete (1 message(s) missing)');
    expect(stepOf(waiting, 'archive').blocker!.message['fr-CA']).toContain('n’est pas prouvé complet (1 message(s) manquant(s))');
    expect(stepOf(waiting, 'archive').blocker!.message['fr-CA']).toContain('Les licences ne seront pas retirées avant la preuve');
    expect(stepOf(waiting, 'archive').skippable).toBe(false);
    expect(stepOf(waiting, 'licences').state).toBe('pending');
    const skip = await stack.call('POST', `runs/${waiting.runId}/steps/archive/skip`, { reason: 'Pressé de libérer la licence' });
    expect(skip).toMatchObject({ status: 409, json: { error: { code: 'not-skippable' } } });
    // A wait longer than the (shrunk) re-check interval: still no licence removed.
    await new Promise((r) => setTimeout(r, 3_000));
    const removals = async () => (await stack.appWrites('licenseAssigned')).filter((w) => (w.details as { userId: string; removeLicenses: string[] }).userId === leaver && (w.details as { removeLicenses: string[] }).removeLicenses.length > 0);
    expect(await removals()).toHaveLength(0);
    expect(await licences(leaver)).not.toHaveLength(0);

    await stack.control.request('PUT', '/faults', {});
    expect((await stack.call('POST', `runs/${waiting.runId}/steps/archive/retry`, { reason: 'Graph rétabli' })).status).toBe(202);
    const done = await until('the offboarding completed', () => journey('offboarding', leaver, 'completed'));
    expect(done.steps.map((s) => [s.step, s.state])).toEqual([['holds', 'done'], ['archive', 'done'], ['licences', 'done'], ['spaces', 'done'], ['training', 'done'], ['report', 'done']]);
    expect(await removals()).toHaveLength(1);
    expect(await licences(leaver)).toEqual([]);
    expect((await trainingDeps().assignments.forPerson(leaver)).filter((a) => a.assignment.status === 'open')).toHaveLength(0);
    const removedFromTeam = (await stack.appWrites('memberRemoved')).filter((w) => (w.details as { userId: string }).userId === leaver);
    expect(removedFromTeam).toHaveLength(1);

    // The report kept as evidence: the hold, the completeness proof, the licences removed.
    const record = (await new CosmosRunStore(cosmosDatabase()).get(done.runId))!.record;
    expect(record.report).toMatchObject({
      kind: 'offboarding', personId: leaver,
      results: { holds: { holds: [hold.id] }, archive: { complete: true, missing: 0 }, licences: { removed: 1 } },
      steps: { holds: 'done', archive: 'done', licences: 'done', spaces: 'done', training: 'done' },
    });
  }, 420_000);
});
