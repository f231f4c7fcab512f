import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

type Ref = { '@odata.type'?: string; id: string; '@removed'?: { reason: string } };
type DeltaUser = {
  id: string;
  '@removed'?: { reason: string };
  'manager@delta'?: Ref[];
  displayName?: string;
  department?: string;
  accountEnabled?: boolean;
  employeeType?: string;
  employeeHireDate?: string;
  employeeLeaveDateTime?: string | null;
  preferredLanguage?: string;
  userType?: string;
  onPremisesExtensionAttributes?: { extensionAttribute1: string | null };
};
type DeltaGroup = { id: string; displayName?: string; '@removed'?: { reason: string }; 'members@delta'?: Ref[] };
type Page<T> = { value: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

/** What the directory sync selects: every property it maps, plus the manager link. */
const USER_SELECT = 'displayName,department,accountEnabled,employeeType,employeeHireDate,employeeLeaveDateTime,preferredLanguage,userType,onPremisesExtensionAttributes,manager';

/** One delta round through the app's Graph client: follows nextLinks to the deltaLink. */
async function round<T>(graph: Client, start: string, headers: Record<string, string> = {}): Promise<{ items: T[]; deltaLink: string; pages: number }> {
  const items: T[] = [];
  let url: string | undefined = start;
  let pages = 0;
  for (;;) {
    const page = (await graph.api(url).headers(headers).get()) as Page<T>;
    pages++;
    expect(page['@odata.nextLink'] !== undefined && page['@odata.deltaLink'] !== undefined).toBe(false);
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'], pages };
    url = page['@odata.nextLink'];
    if (!url) throw new Error('page without nextLink or deltaLink');
  }
}

let sandbox: M365Sandbox;
let graph: Client;
let control: SandboxControl;
/** The one person no test deletes. */
const generalDirector = () => sandbox.tenant.users.find((u) => u.jobCategory === 'DIRECTION' && u.managerId === null)!.id;

beforeAll(async () => {
  sandbox = await startM365Sandbox();
  graph = createSandboxGraphClient(sandbox);
  control = new SandboxControl(sandbox);
});
afterAll(() => sandbox?.stop());

describe('M365 sandbox users/delta and groups/delta', () => {
  it('seeds hire dates, no leave date and the En congé group with one or two staff', async () => {
    const { items } = await round<DeltaUser>(graph, `/users/delta?$select=${USER_SELECT}`);
    const staff = items.filter((u) => sandbox.tenant.staffIds.includes(u.id));
    expect(staff).toHaveLength(sandbox.tenant.staffIds.length);
    for (const person of staff) {
      expect(Date.parse(person.employeeHireDate!)).toBeLessThan(Date.now());
      expect(person.employeeType).toBe('Employee');
      // Graph leaves out a property that was never set: no employeeLeaveDateTime yet.
      expect(person).not.toHaveProperty('employeeLeaveDateTime');
    }
    const onLeave = await graph.api(`/groups/${sandbox.tenant.onLeaveGroupId}/members`).get();
    expect(onLeave.value.length).toBeGreaterThanOrEqual(1);
    expect(onLeave.value.length).toBeLessThanOrEqual(2);
    const everyone = await graph.api(`/groups/${sandbox.tenant.allStaffGroupId}/members`).top(999).get();
    expect(everyone.value).toHaveLength(sandbox.tenant.staffIds.length);
  });

  it('reports exactly the people a hire, move, update, manager change, disable, delete and leave changed, the same on replay', async () => {
    const full = await round<DeltaUser>(graph, `/users/delta?$select=${USER_SELECT}`);
    expect(new Set(full.items.map((u) => u.id)).size).toBe(sandbox.tenant.users.length);
    expect(full.items.find((u) => u.id === sandbox.tenant.staffIds[1])?.['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: expect.any(String) }]);
    const quiet = await round<DeltaUser>(graph, full.deltaLink);
    expect(quiet.items).toEqual([]);

    const users = sandbox.tenant.users;
    const director = users.find((u) => u.jobCategory === 'DIRECTION' && u.managerId === null)!;
    const reportsTo = (id: string) => users.filter((u) => u.managerId === id).length;
    const plain = users.filter((u) => u.jobCategory !== null && u.jobCategory !== 'DIRECTION' && u.managerId !== null && reportsTo(u.id) === 0);
    const [moved, renamed, newManager, disabled, deleted, leaving] = plain.filter((u) => u.accountEnabled);
    const otherService = users.find((u) => u.department !== moved!.department && u.jobCategory === 'DIRECTION')!;

    const hired = await control.hire({ givenName: 'Maëlle', surname: 'Nouvelle', department: 'Services juridiques', jobCategory: 'JURISTE', managerId: director.id, preferredLanguage: 'fr-CA', employeeHireDate: '2026-11-30T00:00:00Z' });
    expect(hired.userPrincipalName).toBe('maelle.nouvelle@syndicat-exemple.onmicrosoft.com');
    await control.updatePerson(moved!.id, { department: otherService.department!, jobCategory: 'CONSEIL' });
    await control.updatePerson(renamed!.id, { displayName: 'Nom Changé', preferredLanguage: 'en-CA', employeeLeaveDateTime: '2027-06-30T00:00:00Z' });
    await control.updatePerson(newManager!.id, { managerId: otherService.id });
    await control.disablePerson(disabled!.id);
    await control.deletePerson(deleted!.id);
    // Leave is a group membership only: the account itself does not change, so users/delta stays quiet about it.
    await control.startLeave(leaving!.id);

    const changes = await round<DeltaUser>(graph, full.deltaLink);
    const byId = new Map(changes.items.map((u) => [u.id, u]));
    expect([...byId.keys()].sort()).toEqual([hired.id, moved!.id, renamed!.id, newManager!.id, disabled!.id, deleted!.id].sort());
    expect(changes.items).toHaveLength(6);

    expect(byId.get(hired.id)).toMatchObject({
      displayName: 'Maëlle Nouvelle', department: 'Services juridiques', accountEnabled: true, employeeType: 'Employee', employeeHireDate: '2026-11-30T00:00:00Z',
      userType: 'Member', preferredLanguage: 'fr-CA', onPremisesExtensionAttributes: { extensionAttribute1: 'JURISTE' },
      'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: director.id }],
    });
    // Changed users come with every selected property (Graph's default), not only the changed ones.
    expect(byId.get(moved!.id)).toMatchObject({ department: otherService.department, onPremisesExtensionAttributes: { extensionAttribute1: 'CONSEIL' }, displayName: moved!.displayName, accountEnabled: true });
    expect(byId.get(renamed!.id)).toMatchObject({ displayName: 'Nom Changé', preferredLanguage: 'en-CA', employeeLeaveDateTime: '2027-06-30T00:00:00Z', department: renamed!.department });
    expect(byId.get(newManager!.id)?.['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: otherService.id }]);
    expect(byId.get(disabled!.id)).toMatchObject({ accountEnabled: false, displayName: disabled!.displayName });
    expect(byId.get(deleted!.id)).toEqual({ id: deleted!.id, '@removed': { reason: 'changed' } });

    // Tokens are positions in the change log: the same deltaLink answers the same changes again.
    const replay = await round<DeltaUser>(graph, full.deltaLink);
    expect(replay.items).toEqual(changes.items);
    expect((await round<DeltaUser>(graph, changes.deltaLink)).items).toEqual([]);

    // Prefer: return=minimal: only what changed (plus id).
    const minimal = await round<DeltaUser>(graph, full.deltaLink, { Prefer: 'return=minimal' });
    expect(minimal.items.find((u) => u.id === renamed!.id)).toEqual({ id: renamed!.id, displayName: 'Nom Changé', preferredLanguage: 'en-CA', employeeLeaveDateTime: '2027-06-30T00:00:00Z' });
    expect(minimal.items.find((u) => u.id === disabled!.id)).toEqual({ id: disabled!.id, accountEnabled: false });

    // The soft-deleted account is gone from /users and from its groups.
    await expect(graph.api(`/users/${deleted!.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    const everyone = await graph.api(`/groups/${sandbox.tenant.allStaffGroupId}/members`).top(999).get();
    expect(everyone.value.map((u: { id: string }) => u.id)).not.toContain(deleted!.id);
    expect(everyone.value.map((u: { id: string }) => u.id)).toContain(hired.id);
    await control.endLeave(leaving!.id);
  });

  it('reports a removed manager, a permanent delete and a department rename', async () => {
    const start = await round<DeltaUser>(graph, `/users/delta?$select=${USER_SELECT}`);
    const users = sandbox.tenant.users;
    const head = users.find((u) => u.jobCategory === 'DIRECTION' && u.managerId !== null && users.some((r) => r.managerId === u.id && r.accountEnabled))!;
    const reports = ((await graph.api(`/users/${head.id}/directReports`).get()) as Page<{ id: string }>).value.map((u) => u.id);
    expect(reports.length).toBeGreaterThan(0);
    const live = new Map((await round<DeltaUser>(graph, `/users/delta?$select=department`)).items.map((u) => [u.id, u.department]));
    await control.deletePerson(head.id, { permanent: true });
    const { renamed } = await control.renameDepartment('Communications et mobilisation', 'Communications, mobilisation et vie syndicale');
    expect(renamed).toBeGreaterThan(0);

    const changes = await round<DeltaUser>(graph, start.deltaLink);
    const byId = new Map(changes.items.map((u) => [u.id, u]));
    expect(byId.get(head.id)).toEqual({ id: head.id, '@removed': { reason: 'deleted' } });
    for (const id of reports) expect(byId.get(id)?.['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: head.id, '@removed': { reason: 'deleted' } }]);
    const inService = [...live].filter(([id, department]) => department === 'Communications et mobilisation' && id !== head.id).map(([id]) => id);
    for (const id of inService) expect(byId.get(id)?.department).toBe('Communications, mobilisation et vie syndicale');
    expect(changes.items).toHaveLength(new Set([head.id, ...reports, ...inService]).size);
  });

  it('tracks En congé and Tout le personnel memberships with $filter on their ids', async () => {
    const { onLeaveGroupId, allStaffGroupId } = sandbox.tenant;
    const filter = `$filter=id eq '${onLeaveGroupId}' or id eq '${allStaffGroupId}'`;
    const full = await round<DeltaGroup>(graph, `/groups/delta?$select=displayName,members&${filter}`);
    expect(full.items.map((g) => g.id).sort()).toEqual([onLeaveGroupId, allStaffGroupId].sort());
    const onLeaveNow = full.items.find((g) => g.id === onLeaveGroupId)!['members@delta']!.map((m) => m.id);
    expect(full.items.find((g) => g.id === onLeaveGroupId)?.displayName).toBe('En congé');

    const returning = onLeaveNow[0]!;
    const leaving = sandbox.tenant.staffIds.find((id) => !onLeaveNow.includes(id) && sandbox.tenant.users.some((u) => u.id === id && u.jobCategory === 'TI'))!;
    await control.startLeave(leaving);
    await control.endLeave(returning);
    const hired = await control.hire({ givenName: 'Léa', surname: 'Arrivée', department: 'Ressources informationnelles', jobCategory: 'TI' });
    // A change to a group the filter leaves out does not show.
    const other = sandbox.tenant.groups.find((g) => g.displayName === 'Ressources informationnelles')!;

    const changes = await round<DeltaGroup>(graph, full.deltaLink);
    expect(changes.items.map((g) => g.id).sort()).toEqual([onLeaveGroupId, allStaffGroupId].sort());
    expect(changes.items.map((g) => g.id)).not.toContain(other.id);
    const onLeave = changes.items.find((g) => g.id === onLeaveGroupId)!;
    expect(onLeave.displayName).toBe('En congé');
    expect(onLeave['members@delta']).toEqual(expect.arrayContaining([
      { '@odata.type': '#microsoft.graph.user', id: leaving },
      { '@odata.type': '#microsoft.graph.user', id: returning, '@removed': { reason: 'deleted' } },
    ]));
    expect(onLeave['members@delta']).toHaveLength(2);
    expect(changes.items.find((g) => g.id === allStaffGroupId)!['members@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: hired.id }]);
    expect((await round<DeltaGroup>(graph, full.deltaLink)).items).toEqual(changes.items);

    // Unfiltered, the service's group shows the hire too.
    const all = await round<DeltaGroup>(graph, '/groups/delta?$deltatoken=latest');
    expect(all.items).toEqual([]);
    await control.deletePerson(hired.id);
    const afterDelete = await round<DeltaGroup>(graph, all.deltaLink);
    const removedFrom = afterDelete.items.filter((g) => g['members@delta']?.some((m) => m.id === hired.id && m['@removed']?.reason === 'deleted')).map((g) => g.id);
    expect(removedFrom.sort()).toEqual([allStaffGroupId, other.id].sort());
  });

  it('reports deleted groups: Microsoft 365 groups soft, security groups for good', async () => {
    const start = await round<DeltaGroup>(graph, '/groups/delta?$select=displayName');
    const archive = sandbox.tenant.archiveGroupId;
    const unified = sandbox.tenant.groups.find((g) => g.displayName === 'Direction générale')!.id;
    await control.deleteGroup(archive);
    await control.deleteGroup(unified);
    const changes = await round<DeltaGroup>(graph, start.deltaLink);
    expect(changes.items).toEqual(expect.arrayContaining([{ id: archive, '@removed': { reason: 'deleted' } }, { id: unified, '@removed': { reason: 'changed' } }]));
    expect(changes.items).toHaveLength(2);
    await expect(control.deleteGroup(sandbox.tenant.onLeaveGroupId)).rejects.toThrow(/400/);
  });

  it('answers sync from now with $deltatoken=latest', async () => {
    const latest = (await graph.api(`/users/delta?$deltatoken=latest&$select=${USER_SELECT}`).get()) as Page<DeltaUser>;
    expect(latest.value).toEqual([]);
    expect(latest['@odata.nextLink']).toBeUndefined();
    const id = generalDirector();
    await control.updatePerson(id, { employeeType: 'Contractuel' });
    const changes = await round<DeltaUser>(graph, latest['@odata.deltaLink']!);
    expect(changes.items).toEqual([expect.objectContaining({ id, employeeType: 'Contractuel' })]);
  });

  it('answers Graph\'s errors: expired token, unsupported filter, properties outside Entra, unknown properties', async () => {
    const full = await round<DeltaUser>(graph, `/users/delta?$select=${USER_SELECT}`);
    await control.expireDeltaTokens();
    const error = (await graph.api(full.deltaLink).get().catch((e: unknown) => e)) as { statusCode: number; body: string };
    expect(error.statusCode).toBe(400);
    expect(JSON.parse(error.body)).toMatchObject({ code: 'syncStateNotFound', message: expect.stringContaining('must be synchronized again'), innerError: { 'request-id': expect.any(String) } });
    await expect(graph.api('/groups/delta?$deltatoken=not-a-token').get()).rejects.toMatchObject({ statusCode: 400, code: 'syncStateNotFound' });
    // A users token is not a groups token.
    const token = new URL((await round<DeltaUser>(graph, '/users/delta')).deltaLink).searchParams.get('$deltatoken')!;
    await expect(graph.api(`/groups/delta?$deltatoken=${token}`).get()).rejects.toMatchObject({ statusCode: 400, code: 'syncStateNotFound' });
    // Restart with a full sync: it works and hands out a fresh deltaLink.
    const restart = await round<DeltaUser>(graph, `/users/delta?$select=${USER_SELECT}`);
    expect(restart.items.length).toBe(((await graph.api('/users').top(999).get()) as Page<DeltaUser>).value.length);
    expect((await round<DeltaUser>(graph, restart.deltaLink)).items).toEqual([]);

    await expect(graph.api("/users/delta?$filter=department eq 'Services juridiques'").get()).rejects.toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    await expect(graph.api('/users/delta?$select=displayName,skills').get()).rejects.toMatchObject({ statusCode: 501, code: 'NotImplemented' });
    await expect(graph.api('/users/delta?$select=hireDate').get()).rejects.toMatchObject({ statusCode: 501 });
    await expect(graph.api('/users/delta?$select=employeeLeaveDate').get()).rejects.toMatchObject({ statusCode: 400 });
    await expect(graph.api('/users/delta?$expand=manager').get()).rejects.toMatchObject({ statusCode: 400 });
  });

  it('refuses bad lifecycle input with 400 naming the field', async () => {
    const id = generalDirector();
    const status = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => e.message);
    expect(await status(control.hire({ givenName: 'Sans', surname: '', department: 'Services juridiques', jobCategory: 'JURISTE' }))).toMatch(/400 .*"field":"surname"/);
    expect(await status(control.hire({ givenName: 'A', surname: 'B', department: 'Cuisine', jobCategory: 'JURISTE' }))).toMatch(/400 .*"field":"department"/);
    expect(await status(control.hire({ givenName: 'A', surname: 'B', department: 'Services juridiques', jobCategory: 'ASTRONAUTE' }))).toMatch(/400 .*"field":"jobCategory"/);
    expect(await status(control.hire({ givenName: 'A', surname: 'B', department: 'Services juridiques', jobCategory: 'JURISTE', employeeHireDate: 'hier' }))).toMatch(/400 .*"field":"employeeHireDate"/);
    expect(await status(control.updatePerson(id, { managerId: id }))).toMatch(/400 .*"field":"managerId"/);
    expect(await status(control.updatePerson(id, { accountEnabled: 'non' as unknown as boolean }))).toMatch(/400 .*"field":"accountEnabled"/);
    expect(await status(control.request('PATCH', `/people/${id}`, { salaire: 1 }))).toMatch(/400 .*"field":"salaire"/);
    expect(await status(control.renameDepartment('Nulle part', 'Ailleurs'))).toMatch(/400 .*"field":"from"/);
  });
});

describe('M365 sandbox directory delta at 2,000 staff', () => {
  let big: M365Sandbox;
  let bigGraph: Client;
  let startMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    big = await startM365Sandbox({ scale: { staff: 2000 } });
    startMs = Date.now() - started;
    bigGraph = createSandboxGraphClient(big);
  });
  afterAll(() => big?.stop());

  it('starts quickly and syncs every user exactly once in a few pages of at most 200', async () => {
    expect(big.tenant.staffIds.length).toBe(2000);
    expect(startMs).toBeLessThan(3000);
    const pageSizes: number[] = [];
    let url: string | undefined = `/users/delta?$select=${USER_SELECT}`;
    const ids: string[] = [];
    let deltaLink: string | undefined;
    while (url) {
      // Graph ignores $top and odata.maxpagesize on directory delta; so does the sandbox.
      const page = (await bigGraph.api(url).header('Prefer', 'odata.maxpagesize=10').get()) as Page<DeltaUser>;
      pageSizes.push(page.value.length);
      ids.push(...page.value.map((u) => u.id));
      url = page['@odata.nextLink'];
      deltaLink = page['@odata.deltaLink'];
    }
    expect(deltaLink).toBeDefined();
    expect(ids).toHaveLength(big.tenant.users.length);
    expect(new Set(ids)).toEqual(new Set(big.tenant.users.map((u) => u.id)));
    expect(Math.max(...pageSizes)).toBe(200);
    expect(pageSizes).toHaveLength(Math.ceil(big.tenant.users.length / 200));
  });

  it('splits a large group\'s members@delta over several copies of the group', async () => {
    const { items } = await round<DeltaGroup>(bigGraph, `/groups/delta?$select=displayName,members&$filter=id eq '${big.tenant.allStaffGroupId}'`);
    expect(items.length).toBeGreaterThan(1);
    for (const item of items) expect(item).toMatchObject({ id: big.tenant.allStaffGroupId, displayName: 'Tout le personnel' });
    const members = items.flatMap((g) => g['members@delta']!.map((m) => m.id));
    expect(new Set(members)).toEqual(new Set(big.tenant.staffIds));
  });
});
