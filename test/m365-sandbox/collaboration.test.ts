import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bind = (userId: string) => `https://graph.microsoft.com/v1.0/users('${userId}')`;
/** An unsigned token whose appid claim gives the caller its own SharePoint budget and counters. */
const tokenFor = (appid: string) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ appid })).toString('base64url')}.x`;

type Permission = { id: string; roles: string[]; grantedToV2: Record<string, { id?: string; displayName: string; email?: string | null }>; inheritedFrom?: unknown };

describe('M365 sandbox collaboration automation surface', () => {
  let sandbox: M365Sandbox;
  let graph: Client;
  let control: SandboxControl;
  const site = () => sandbox.tenant.sites.find((s) => s.name === 'juridique')!;

  beforeAll(async () => {
    sandbox = await startM365Sandbox({ teamReplicationLagMs: 800, teamOperationMs: 200 });
    graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
    control = new SandboxControl(sandbox);
  });
  afterAll(() => sandbox?.stop());

  async function createTeam(displayName: string, ownerId: string, memberIds: string[] = [], channels: string[] = []): Promise<string> {
    const response = await graph.api('/teams').responseType(ResponseType.RAW).post({
      'template@odata.bind': "https://graph.microsoft.com/v1.0/teamsTemplates('standard')",
      displayName,
      members: [
        { '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: ['owner'], 'user@odata.bind': bind(ownerId) },
        ...memberIds.map((id) => ({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: [], 'user@odata.bind': bind(id) })),
      ],
      channels: channels.map((c) => ({ displayName: c, isFavoriteByDefault: true })),
    }) as Response;
    expect(response.status).toBe(202);
    return /teams\('([^']+)'\)/.exec(response.headers.get('Location')!)![1]!;
  }

  async function waitVisible(teamId: string): Promise<void> {
    for (;;) {
      const found = await graph.api(`/teams/${teamId}`).get().then(() => true, (e: { statusCode: number }) => {
        expect(e.statusCode).toBe(404);
        return false;
      });
      if (found) return;
      await sleep(50);
    }
  }

  it('renames and moves a drive item (PATCH), 409 nameAlreadyExists on a sibling name in any case, and records driveItemUpdated and driveItemDeleted', async () => {
    const drive = site().driveId;
    const a = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Négociation', folder: {} });
    const b = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Archives', folder: {} });
    const renamed = await graph.api(`/drives/${drive}/items/${a.id}`).patch({ name: 'Négociation 2027' });
    expect(renamed).toMatchObject({ id: a.id, name: 'Négociation 2027', parentReference: { path: `/drives/${drive}/root:` } });
    await expect(graph.api(`/drives/${drive}/items/${a.id}`).patch({ name: 'archives' })).rejects.toMatchObject({ statusCode: 409, code: 'nameAlreadyExists' });
    // Another casing of its own name is not a clash.
    expect((await graph.api(`/drives/${drive}/items/${a.id}`).patch({ name: 'négociation 2027' })).name).toBe('négociation 2027');
    await expect(graph.api(`/drives/${drive}/items/${a.id}`).patch({ name: 'a/b' })).rejects.toMatchObject({ statusCode: 400 });

    const moved = await graph.api(`/drives/${drive}/items/${a.id}`).patch({ name: 'Négociation', parentReference: { id: b.id } });
    expect(moved.parentReference).toMatchObject({ id: b.id, path: `/drives/${drive}/root:/Archives` });
    expect((await graph.api(`/drives/${drive}/root:/Archives/Négociation`).get()).id).toBe(a.id);
    await expect(graph.api(`/drives/${drive}/items/${b.id}`).patch({ parentReference: { id: a.id } })).rejects.toMatchObject({ statusCode: 400 });

    const updates = (await control.writes('driveItemUpdated')).map((w) => w.details);
    expect(updates).toEqual([
      { driveId: drive, itemId: a.id, from: 'Négociation', to: 'Négociation 2027', fromParentId: a.parentReference.id, toParentId: a.parentReference.id },
      expect.objectContaining({ itemId: a.id, from: 'Négociation 2027', to: 'négociation 2027' }),
      expect.objectContaining({ itemId: a.id, from: 'négociation 2027', to: 'Négociation', toParentId: b.id }),
    ]);

    await graph.api(`/drives/${drive}/items/${b.id}`).delete();
    await expect(graph.api(`/drives/${drive}/items/${a.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    expect((await control.writes('driveItemDeleted')).map((w) => w.details)).toEqual([{ driveId: drive, itemId: b.id, name: 'Archives', path: `/drives/${drive}/root:/Archives` }]);
  });

  it('keeps the earlier versions of a replaced file and lists them newest first', async () => {
    const drive = site().driveId;
    const first = await graph.api(`/drives/${drive}/root:/Versions/lettre.docx:/content`).put(Buffer.from('v1'));
    await sleep(5);
    await graph.api(`/drives/${drive}/root:/Versions/lettre.docx:/content`).put(Buffer.from('version 2'));
    await sleep(5);
    await graph.api(`/drives/${drive}/items/${first.id}/content`).put(Buffer.from('la troisième'));
    const versions = await graph.api(`/drives/${drive}/items/${first.id}/versions`).get();
    expect(versions.value.map((v: { id: string; size: number }) => [v.id, v.size])).toEqual([['3.0', Buffer.byteLength('la troisième')], ['2.0', 9], ['1.0', 2]]);
    const times = versions.value.map((v: { lastModifiedDateTime: string }) => Date.parse(v.lastModifiedDateTime));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    // A rename is a new version too, with the same content.
    await graph.api(`/drives/${drive}/items/${first.id}`).patch({ name: 'lettre-2027.docx' });
    const renamed = await graph.api(`/drives/${drive}/items/${first.id}/versions`).get();
    expect(renamed.value.map((v: { id: string; size: number }) => [v.id, v.size])).toEqual([['4.0', Buffer.byteLength('la troisième')], ['3.0', Buffer.byteLength('la troisième')], ['2.0', 9], ['1.0', 2]]);
    const folder = await graph.api(`/drives/${drive}/root:/Versions`).get();
    expect((await graph.api(`/drives/${drive}/items/${folder.id}/versions`).get()).value).toEqual([]);
  });

  it('invites an Entra group by objectId (grantedToV2.group), lists it, and keeps one permission per principal; users still work', async () => {
    const drive = site().driveId;
    const folder = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Dossiers juridiques', folder: {} });
    const group = sandbox.tenant.groups.find((g) => g.displayName === 'Services juridiques')!;
    const invited = await graph.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ objectId: group.id }], roles: ['write'], requireSignIn: true, sendInvitation: false });
    expect(invited.value[0]).toMatchObject({ roles: ['write'], grantedToV2: { group: { id: group.id, displayName: 'Services juridiques', email: expect.stringContaining('@') } } });
    expect(invited.value[0].invitation).toBeUndefined();
    const again = await graph.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ objectId: group.id }], roles: ['write'], requireSignIn: true, sendInvitation: false });
    expect(again.value[0].id).toBe(invited.value[0].id);
    const lawyer = sandbox.tenant.users.find((u) => u.jobCategory === 'JURISTE')!;
    await graph.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ objectId: lawyer.id }], roles: ['read'], requireSignIn: true, sendInvitation: false });
    await graph.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ email: lawyer.userPrincipalName }], roles: ['read'], requireSignIn: true, sendInvitation: false });

    const permissions = (await graph.api(`/drives/${drive}/items/${folder.id}/permissions`).get()).value as Permission[];
    const own = permissions.filter((p) => !p.inheritedFrom);
    expect(own).toHaveLength(2);
    expect(own.find((p) => p.grantedToV2.group)).toMatchObject({ id: invited.value[0].id, roles: ['write'], grantedToV2: { group: { id: group.id } } });
    expect(own.find((p) => p.grantedToV2.user)).toMatchObject({ roles: ['read'], grantedToV2: { user: { id: lawyer.id } } });
    const grants = (await control.writes('permissionGranted')).filter((w) => w.details.itemId === folder.id).map((w) => w.details);
    expect(grants.slice(0, 2)).toEqual([expect.objectContaining({ groupId: group.id, userId: null, roles: ['write'] }), expect.objectContaining({ groupId: group.id })]);
    expect(grants[2]).toMatchObject({ userId: lawyer.id, groupId: null });
  });

  it('creates a team with owners, members and channels (duplicate names allowed), then updates and removes members and the group follows', async () => {
    const [owner, member, other] = sandbox.tenant.staffIds.slice(3, 6) as [string, string, string];
    const first = await createTeam('Comité SST', owner, [member, other], ['Dossiers', 'Procès-verbaux']);
    const second = await createTeam('Comité SST', owner);
    expect(second).not.toBe(first);
    await waitVisible(first);
    await waitVisible(second);
    const channels = await graph.api(`/teams/${first}/channels`).get();
    expect(channels.value.map((c: { displayName: string }) => c.displayName)).toEqual(['General', 'Dossiers', 'Procès-verbaux']);
    const groups = await graph.api('/groups').filter("displayName eq 'Comité SST'").get();
    expect(groups.value).toHaveLength(2);
    expect(new Set(groups.value.map((g: { mailNickname: string }) => g.mailNickname)).size).toBe(2);

    const members = (await graph.api(`/teams/${first}/members`).get()).value as Array<{ id: string; userId: string; roles: string[]; '@odata.type': string }>;
    expect(members.map((m) => [m.userId, m.roles])).toEqual([[owner, ['owner']], [member, []], [other, []]]);
    expect(members.every((m) => m['@odata.type'] === '#microsoft.graph.aadUserConversationMember')).toBe(true);
    const promoted = await graph.api(`/teams/${first}/members/${members[1]!.id}`).patch({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: ['owner'] });
    expect(promoted).toMatchObject({ userId: member, roles: ['owner'] });
    await graph.api(`/teams/${first}/members/${members[1]!.id}`).patch({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: [] });
    await expect(graph.api(`/teams/${first}/members/${members[1]!.id}`).patch({ roles: ['admin'] })).rejects.toMatchObject({ statusCode: 400 });

    const removed = await graph.api(`/teams/${first}/members/${members[2]!.id}`).responseType(ResponseType.RAW).delete() as Response;
    expect(removed.status).toBe(204);
    await expect(graph.api(`/teams/${first}/members/${members[2]!.id}`).delete()).rejects.toMatchObject({ statusCode: 404 });
    await expect(graph.api(`/teams/${first}/members/nope`).patch({ roles: [] })).rejects.toMatchObject({ statusCode: 404 });
    expect(((await graph.api(`/teams/${first}/members`).get()).value as Array<{ userId: string }>).map((m) => m.userId)).toEqual([owner, member]);
    const groupMembers = (await graph.api(`/groups/${first}/members`).get()).value as Array<{ id: string }>;
    expect(groupMembers.map((u) => u.id).sort()).toEqual([owner, member].sort());

    expect((await control.writes('memberUpdated')).map((w) => w.details)).toEqual([
      expect.objectContaining({ teamId: first, userId: member, roles: ['owner'] }),
      expect.objectContaining({ teamId: first, userId: member, roles: [] }),
    ]);
    expect((await control.writes('memberRemoved')).map((w) => w.details)).toEqual([expect.objectContaining({ teamId: first, userId: other })]);
  });

  it("reaches a new team's drive and site through its group (404 during the replication lag), charged as SharePoint reads", async () => {
    const owner = sandbox.tenant.staffIds[7]!;
    const teamId = await createTeam('Comité des jeunes', owner);
    await expect(graph.api(`/groups/${teamId}/drive`).get()).rejects.toMatchObject({ statusCode: 404 });
    await expect(graph.api(`/groups/${teamId}/sites/root`).get()).rejects.toMatchObject({ statusCode: 404 });
    await waitVisible(teamId);
    const appGraph = createSandboxGraphClient(sandbox, { maxRetries: 0, token: tokenFor('group-reader') });
    const drive = await appGraph.api(`/groups/${teamId}/drive`).get();
    const siteOfGroup = await appGraph.api(`/groups/${teamId}/sites/root`).get();
    expect(drive).toMatchObject({ driveType: 'documentLibrary', owner: { group: { displayName: 'Comité des jeunes' } } });
    expect(siteOfGroup).toMatchObject({ displayName: 'Comité des jeunes', webUrl: expect.stringMatching(/\/sites\/comitedesjeunes$/) });
    expect((await appGraph.api(`/sites/${siteOfGroup.id}/drive`).get()).id).toBe(drive.id);
    const channelFolder = await graph.api(`/teams/${teamId}/channels/${(await graph.api(`/teams/${teamId}/channels`).get()).value[0].id}/filesFolder`).get();
    expect(channelFolder.parentReference.driveId).toBe(drive.id);
    // The alias /groups/{id}/drive/... reaches the same items.
    const children = await appGraph.api(`/groups/${teamId}/drive/root/children`).get();
    expect(children.value.map((c: { name: string }) => c.name)).toEqual(['General']);
    expect((await control.sharePointStats())['group-reader']).toMatchObject({ units: 4, requests: 4, throttled: 0 });

    // A seeded service team: its group gives the service's site and drive.
    const seeded = sandbox.tenant.teams.find((t) => t.displayName === 'Services juridiques')!;
    expect((await graph.api(`/groups/${seeded.id}/drive`).get()).id).toBe(seeded.driveId);
    expect((await graph.api(`/groups/${seeded.id}/sites/root`).get()).id).toBe(site().id);
    expect(seeded.siteId).toBe(site().id);
    await expect(graph.api(`/groups/${sandbox.tenant.allStaffGroupId}/drive`).get()).rejects.toMatchObject({ statusCode: 404 });
    await expect(graph.api('/groups/00000000-0000-0000-0000-000000000000/drive').get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("refuses the app's own identity to set a group's sensitivity label, as Graph does, and reads back the label a person set", async () => {
    const labels = (await graph.api('/security/informationProtection/sensitivityLabels').get()).value as Array<{ id: string; name: string }>;
    expect(labels.map((l) => l.name)).toEqual(['Général', 'Confidentiel', 'Hautement confidentiel']);
    expect(sandbox.tenant.sensitivityLabels).toEqual(labels.map((l) => ({ id: l.id, name: l.name })));
    const beta = await graph.api('/security/informationProtection/sensitivityLabels').version('beta').get();
    expect(beta.value).toEqual(labels);
    const confidential = labels.find((l) => l.name === 'Confidentiel')!;
    const team = sandbox.tenant.teams.find((t) => t.displayName === 'Relations du travail')!;

    const before = await graph.api(`/groups/${team.id}`).select('id,displayName,assignedLabels').get();
    expect(before).toMatchObject({ id: team.id, assignedLabels: [] });
    expect(await graph.api(`/groups/${team.id}`).get()).not.toHaveProperty('assignedLabels');
    await expect(graph.api(`/groups/${team.id}`).patch({ assignedLabels: [{ labelId: confidential.id }] })).rejects.toMatchObject({ statusCode: 401, message: 'App-only token is not supported.' });
    expect(await control.writes('sensitivityLabelSet')).toEqual([]);
    await control.setGroupLabels(team.id, [confidential.id]);
    expect(await graph.api(`/groups/${team.id}`).select('assignedLabels').get()).toEqual({ '@odata.type': '#microsoft.graph.group', id: team.id, assignedLabels: [{ labelId: confidential.id, displayName: 'Confidentiel' }] });
  });

  it('records retention label removal, and setting the same label again is still a write', async () => {
    const drive = site().driveId;
    const folder = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Conservation', folder: {} });
    await graph.api(`/drives/${drive}/items/${folder.id}/retentionLabel`).patch({ name: 'Conservation 7 ans' });
    await graph.api(`/drives/${drive}/items/${folder.id}/retentionLabel`).patch({ name: 'Conservation 7 ans' });
    await graph.api(`/drives/${drive}/items/${folder.id}/retentionLabel`).delete();
    await expect(graph.api(`/drives/${drive}/items/${folder.id}/retentionLabel`).get()).rejects.toMatchObject({ statusCode: 404 });
    expect((await control.writes('retentionLabelSet')).filter((w) => w.details.itemId === folder.id)).toHaveLength(2);
    expect((await control.writes('retentionLabelRemoved')).map((w) => w.details)).toEqual([{ driveId: drive, itemId: folder.id, name: 'Conservation', label: 'Conservation 7 ans' }]);
  });

  it("injects drift as a person through the control API: nothing in the app's write log, nothing charged", async () => {
    const drive = site().driveId;
    const root = await graph.api(`/drives/${drive}/root`).get();
    const folder = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Modèle', folder: {} });
    await graph.api(`/drives/${drive}/items/${folder.id}/retentionLabel`).patch({ name: 'Conservation 7 ans' });
    const [owner, intruder] = sandbox.tenant.staffIds.slice(8, 10) as [string, string];
    const teamId = await createTeam('Comité dérive', owner, [intruder]);
    const writesBefore = (await control.writes()).length;
    const statsBefore = await control.sharePointStats();

    expect(await control.renameItem(drive, folder.id, 'Modèle (copie)')).toMatchObject({ id: folder.id, name: 'Modèle (copie)', path: `/drives/${drive}/root:/Modèle (copie)`, folder: true });
    await expect(control.renameItem(drive, folder.id, 'conservation')).rejects.toThrow(/409/);
    const created = await control.createItem(drive, folder.id, 'notes.txt', false);
    const sub = await control.createItem(drive, folder.id, 'Sous-dossier', true);
    expect(created).toMatchObject({ name: 'notes.txt', folder: false, parentId: folder.id });
    const group = sandbox.tenant.groups.find((g) => g.displayName === 'Tout le personnel')!;
    const grant = await control.grantItem(drive, folder.id, { groupId: group.id }, ['read']);
    expect(grant.grantedTo).toMatchObject({ id: group.id, type: 'group' });
    await control.grantItem(drive, folder.id, { userId: intruder }, ['write']);
    await control.removeLabel(drive, folder.id);
    await control.deleteItem(drive, sub.id);
    await expect(control.grantItem(drive, folder.id, { userId: intruder }, ['admin' as 'read'])).rejects.toThrow(/400/);
    await expect(control.deleteItem(drive, 'nope')).rejects.toThrow(/404/);

    const item = await graph.api(`/drives/${drive}/items/${folder.id}`).get();
    expect(item.name).toBe('Modèle (copie)');
    expect((await graph.api(`/drives/${drive}/items/${folder.id}/children`).get()).value.map((c: { name: string }) => c.name)).toEqual(['notes.txt']);
    const content = await graph.api(`/drives/${drive}/items/${created.id}/content`).getStream();
    const chunks: Buffer[] = [];
    for await (const c of content as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).length).toBeGreaterThan(0);
    const permissions = ((await graph.api(`/drives/${drive}/items/${folder.id}/permissions`).get()).value as Permission[]).filter((p) => !p.inheritedFrom);
    expect(permissions.map((p) => Object.keys(p.grantedToV2)[0]).sort()).toEqual(['group', 'user']);
    await expect(graph.api(`/drives/${drive}/items/${folder.id}/retentionLabel`).get()).rejects.toMatchObject({ statusCode: 404 });

    await waitVisible(teamId);
    await control.removeTeamMember(teamId, intruder);
    await expect(control.removeTeamMember(teamId, intruder)).rejects.toThrow(/404/);
    expect(((await graph.api(`/teams/${teamId}/members`).get()).value as Array<{ userId: string }>).map((m) => m.userId)).toEqual([owner]);
    expect(((await graph.api(`/groups/${teamId}/members`).get()).value as Array<{ id: string }>).map((u) => u.id)).toEqual([owner]);

    const after = await control.writes();
    expect(after.length).toBe(writesBefore);
    // Only the app's own reads above were charged (item, children, content, permissions, label).
    expect((await control.sharePointStats())['sandbox-app']!.requests - statsBefore['sandbox-app']!.requests).toBe(5);
    expect(root.root).toEqual({});
  });
});

describe('M365 sandbox SharePoint statistics', () => {
  let sandbox: M365Sandbox;

  beforeAll(async () => {
    // 10 resource units per minute; timeScale 30 makes the minute 2 seconds.
    sandbox = await startM365Sandbox({ timeScale: 30, throttling: { sharePointUnitsPerMinute: 10 } });
  });
  afterAll(() => sandbox?.stop());

  it('counts units, requests and 429s per app with the first and last charged times, and the reset clears them', async () => {
    const control = new SandboxControl(sandbox);
    const app = createSandboxGraphClient(sandbox, { maxRetries: 0, token: tokenFor('bench-app') });
    const other = createSandboxGraphClient(sandbox, { maxRetries: 0, token: tokenFor('other-app') });
    const drive = sandbox.tenant.sites[1]!.driveId;
    const started = Date.now();
    const folder = await app.api(`/drives/${drive}/root/children`).post({ name: 'Banc', folder: {} }); // 2
    await app.api(`/drives/${drive}/items/${folder.id}`).patch({ name: 'Banc d’essai' }); // 4
    await app.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ objectId: sandbox.tenant.allStaffGroupId }], roles: ['read'] }); // 9
    await app.api(`/drives/${drive}/items/${folder.id}`).get(); // 10
    await expect(app.api(`/drives/${drive}/items/${folder.id}`).get()).rejects.toMatchObject({ statusCode: 429 });
    await expect(app.api(`/drives/${drive}/items/${folder.id}`).delete()).rejects.toMatchObject({ statusCode: 429 });
    await other.api(`/drives/${drive}/root`).get();
    await app.api(`/users/${sandbox.tenant.staffIds[0]}/mailFolders/inbox`).get(); // not SharePoint

    const stats = await control.sharePointStats();
    expect(stats['bench-app']).toMatchObject({ units: 10, requests: 6, throttled: 2 });
    expect(stats['other-app']).toMatchObject({ units: 1, requests: 1, throttled: 0 });
    const first = Date.parse(stats['bench-app']!.firstChargedAt!);
    const last = Date.parse(stats['bench-app']!.lastChargedAt!);
    expect(first).toBeGreaterThanOrEqual(started - 5);
    expect(last).toBeGreaterThanOrEqual(first);
    expect((await control.writes()).filter((w) => w.appId === 'bench-app').map((w) => w.kind)).toEqual(['driveItemCreated', 'driveItemUpdated', 'permissionGranted']);

    await control.resetSharePointStats();
    expect(await control.sharePointStats()).toEqual({});
    await other.api(`/drives/${drive}/root`).get();
    expect(Object.keys(await control.sharePointStats())).toEqual(['other-app']);
    await control.reset();
    expect(await control.sharePointStats()).toEqual({});
  });
});
