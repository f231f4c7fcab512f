import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenIssuer, type LocalUser, type TokenIssuer } from '../../dev/token-issuer';
import type { RecordedWrite } from '../../dev/m365-sandbox/index';
import { CosmosSpaceStore } from '../../shared/collaboration/adapters/cosmos-collaboration';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { startAppHost, type AppHost } from '../support/app-host';
import { startHostStack, type HostStack } from './host-stack';

/**
 * The collaboration engine end to end: the real function app on the local host (durable
 * orchestrations included), Cosmos DB, and the Microsoft 365 sandbox with SharePoint throttling on
 * and Teams' creation lag. A fresh tenant is provisioned for the six services while the host is
 * killed (SIGKILL) in the middle; the restarted host finishes, verification finds nothing to do, a
 * second apply writes nothing, and injected drift is found and repaired by policy.
 */

const IT: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000c1', name: 'Isabelle TI', roles: ['Staff', 'ITAdmin'] };
let issuer: TokenIssuer;
let stack: HostStack;
let host: AppHost;

const hostEnv = () => ({
  ...stack.env,
  ARCHIVE_RUN_ON_STARTUP: 'false',
  PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *',
  TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *',
  TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *',
  COLLABORATION_DRIFT_SCHEDULE: '0 0 0 1 1 *',
});

interface RunView {
  runtimeStatus: string;
  customStatus: { total: number; done: number; inSync: number; blocked: number; failed: number };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes, asserted field by field
async function call(method: string, route: string, body?: unknown, user: LocalUser = IT): Promise<{ status: number; json: any }> {
  const token = await issuer.mintUserToken(user);
  const res = await fetch(`${host.baseUrl}/api/collaboration/${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-language': 'fr-CA' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: res.status === 204 ? null : await res.json() };
}

async function runToCompletion(body: unknown): Promise<RunView> {
  const started = await call('POST', 'run', body);
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  return waitForRun();
}

async function waitForRun(limitMs = 300_000): Promise<RunView> {
  let last: unknown;
  for (const end = Date.now() + limitMs; Date.now() < end; ) {
    const { json } = await call('GET', 'run');
    last = json.run;
    if (json.run && ['Completed', 'Failed', 'Terminated'].includes(json.run.runtimeStatus)) return json.run as RunView;
    await new Promise((r) => setTimeout(r, 500));
  }
  // What the run and the host were doing, to read the failure without rerunning it.
  throw new Error(`the run did not finish: ${JSON.stringify(last)}\n${host.output().slice(-4000)}`);
}

const appWrites = async (): Promise<RecordedWrite[]> => (await stack.control.writes()).filter((w) => w.appId !== 'user' && w.kind !== 'activityNotificationSent');

beforeAll(async () => {
  issuer = await startTokenIssuer({ users: [IT] });
  stack = await startHostStack(issuer);
  host = await startAppHost(issuer, hostEnv());
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await stack?.stop();
  await issuer?.stop();
});

describe('collaboration on the local host', () => {
  it('provisions six services through a host SIGKILL, and the restarted host finishes with nothing left to do', async () => {
    const before = await call('GET', 'spaces');
    expect(before.status).toBe(200);
    expect(before.json.spaces.map((s: { key: string; status: string }) => [s.key, s.status])).toEqual(
      ['dg', 'rt', 'jur', 'adm', 'ri', 'com'].map((c) => [`service-${c}`, 'new']),
    );

    const started = await call('POST', 'run', { mode: 'apply' });
    expect(started.status).toBe(202);
    // Kill the host once real work is under way (teams created, folders being made).
    for (let i = 0; i < 600 && (await appWrites()).filter((w) => w.kind === 'driveItemCreated').length < 10; i++) await new Promise((r) => setTimeout(r, 100));
    host.child.kill('SIGKILL');
    await new Promise((r) => host.child.once('exit', r));
    host = await startAppHost(issuer, hostEnv());

    const run = await waitForRun();
    expect(run.runtimeStatus).toBe('Completed');
    expect(run.customStatus).toMatchObject({ total: 6, done: 6, failed: 0 });

    const after = await call('GET', 'spaces');
    expect(after.json.spaces.map((s: { status: string }) => s.status)).toEqual(Array(6).fill('in-sync'));

    // Every side effect once: six teams, each folder created once per path.
    const writes = await appWrites();
    expect(writes.filter((w) => w.kind === 'teamCreated')).toHaveLength(6);
    const folderPaths = writes.filter((w) => w.kind === 'driveItemCreated').map((w) => `${w.details.driveId}|${w.details.path}`);
    expect(new Set(folderPaths).size).toBe(folderPaths.length);
  }, 600_000);

  it('verifies to an empty diff and a second apply writes nothing', async () => {
    const writes = (await appWrites()).length;
    const verify = await runToCompletion({ mode: 'verify' });
    expect(verify.customStatus).toMatchObject({ total: 6, inSync: 6 });
    const again = await runToCompletion({ mode: 'apply' });
    expect(again.customStatus).toMatchObject({ total: 6, inSync: 6, failed: 0 });
    expect((await appWrites()).length).toBe(writes);
  }, 300_000);

  it('the repair run puts injected drift back by policy, waits for approval where asked, reports what policy ignores, and leaves unknown content alone', async () => {
    const { record } = (await new CosmosSpaceStore(cosmosDatabase()).get('service-jur'))!;
    const drive = record.driveId!;
    const member = stack.roster.find((p) => p.serviceCode === 'JUR' && p.jobCategoryCode !== 'DIRECTION' && p.status === 'active')!;
    const outsider = stack.roster.find((p) => p.serviceCode === 'COM' && p.status === 'active')!;
    // Drift as people make it: a folder renamed, a folder shared with an outsider, a label removed,
    // a member removed (all "auto"), a share on a folder whose policy is "ask", and a folder of their own.
    await stack.control.renameItem(drive, record.nodes['dossiers/actifs']!.itemId, 'Dossiers en cours');
    await stack.control.grantItem(drive, record.nodes['administration/budget']!.itemId, { userId: outsider.personId }, ['write']);
    await stack.control.removeLabel(drive, record.nodes.communications!.itemId);
    await stack.control.removeTeamMember(record.teamId!, member.personId);
    await stack.control.grantItem(drive, record.nodes['administration/personnel']!.itemId, { userId: outsider.personId }, ['read']);
    await stack.control.createItem(drive, record.nodes.dossiers!.itemId, 'Brouillons perso', true);
    // And a share on a folder whose policy is "ignore": reported, with the group's name, never repaired.
    const { allStaffGroupId } = await stack.control.request<{ allStaffGroupId: string }>('GET', '/tenant');
    await stack.control.grantItem(drive, record.nodes['dossiers/fermes']!.itemId, { groupId: allStaffGroupId }, ['write']);

    const repaired = await runToCompletion({ mode: 'repair', spaceKeys: ['service-jur'] });
    expect(repaired.customStatus).toMatchObject({ total: 1, blocked: 1, failed: 0 });
    const after = await call('GET', 'spaces/service-jur');
    expect(after.json).toMatchObject({ status: 'awaiting-approval', changes: { total: 2, awaitingApproval: 1, ignored: 1 } });
    expect(after.json.operations).toMatchObject([
      { kind: 'revoke', nodeKey: 'administration/personnel', repair: 'ask' },
      { kind: 'revoke', nodeKey: 'dossiers/fermes', repair: 'ignore', principal: { kind: 'group', id: allStaffGroupId }, principalName: 'Tout le personnel' },
    ]);
    expect(after.json.findingsList).toContainEqual({ kind: 'unknown-content', spaceKey: 'service-jur', path: '/200 Dossiers des membres/Brouillons perso' });
    const kinds = (await appWrites()).slice(-10).map((w) => w.kind);
    expect(kinds).toEqual(expect.arrayContaining(['driveItemUpdated', 'permissionDeleted', 'retentionLabelSet', 'memberAdded']));

    const asked = after.json.operations.filter((o: { repair: string }) => o.repair === 'ask').map((o: { id: string }) => o.id);
    const approved = await call('POST', 'spaces/service-jur/approve', { operationIds: asked });
    expect(approved.status).toBe(202);
    for (let i = 0; i < 120 && (await call('GET', 'spaces/service-jur')).json.status !== 'drift'; i++) await new Promise((r) => setTimeout(r, 500));
    const final = await call('GET', 'spaces/service-jur');
    // What IT approved is done; the ignored share is still there, still reported.
    expect(final.json).toMatchObject({ status: 'drift', changes: { total: 1, ignored: 1 } });
    // The folder nobody planned is still there, still reported.
    expect(final.json.findingsList).toContainEqual({ kind: 'unknown-content', spaceKey: 'service-jur', path: '/200 Dossiers des membres/Brouillons perso' });
  }, 300_000);
});
