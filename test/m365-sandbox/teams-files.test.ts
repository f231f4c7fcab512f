import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileUpload, LargeFileUploadTask, ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

let sandbox: M365Sandbox;
let graph: Client;
let control: SandboxControl;

beforeAll(async () => {
  sandbox = await startM365Sandbox({ teamReplicationLagMs: 2500, teamOperationMs: 1000 });
  graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
  control = new SandboxControl(sandbox);
});
afterAll(() => sandbox?.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('M365 sandbox Teams', () => {
  it('creates a team asynchronously: 202 + Location, an operation that completes, a team that 404s then appears', async () => {
    const owner = sandbox.tenant.users.find((u) => u.jobCategory === 'DIRECTION')!;
    const response = await graph.api('/teams').responseType(ResponseType.RAW).post({
      'template@odata.bind': "https://graph.microsoft.com/v1.0/teamsTemplates('standard')",
      displayName: 'Comité de négociation 2027',
      description: 'Espace de travail du comité',
      members: [{ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: ['owner'], 'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${owner.id}')` }],
    }) as Response;
    expect(response.status).toBe(202);
    const location = response.headers.get('Location')!;
    expect(location).toMatch(/^\/teams\('[0-9a-f-]{36}'\)\/operations\('[0-9a-f-]{36}'\)$/);
    const teamId = /teams\('([^']+)'\)/.exec(location)![1]!;

    expect((await graph.api(location).get()).status).toBe('inProgress');
    await expect(graph.api(`/teams/${teamId}`).get()).rejects.toMatchObject({ statusCode: 404 });
    let operation: { status: string; targetResourceId: string };
    do {
      await sleep(100);
      operation = await graph.api(location).get();
    } while (operation.status !== 'succeeded');
    expect(operation.targetResourceId).toBe(teamId);

    let team: { displayName: string } | undefined;
    let notFound = 0;
    while (!team) {
      team = await graph.api(`/teams/${teamId}`).get().catch((e: { statusCode: number }) => {
        expect(e.statusCode).toBe(404);
        notFound++;
        return undefined;
      });
      if (!team) await sleep(100);
    }
    expect(team.displayName).toBe('Comité de négociation 2027');
    expect(notFound).toBeGreaterThan(0);
    expect((await control.writes('teamCreated'))[0]?.details).toMatchObject({ teamId, owners: [owner.id] });

    const channel = await graph.api(`/teams/${teamId}/channels`).post({ displayName: 'Dépôts', description: 'Documents déposés' });
    await expect(graph.api(`/teams/${teamId}/channels`).post({ displayName: 'dépôts' })).rejects.toMatchObject({ statusCode: 400 });
    const folder = await graph.api(`/teams/${teamId}/channels/${channel.id}/filesFolder`).get();
    expect(folder).toMatchObject({ name: 'Dépôts', folder: { childCount: 0 } });
    const member = sandbox.tenant.staffIds[10]!;
    await graph.api(`/teams/${teamId}/members`).post({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: [], 'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${member}')` });
    const members = await graph.api(`/teams/${teamId}/members`).get();
    expect(members.value.map((m: { userId: string }) => m.userId)).toEqual([owner.id, member]);

    // Renaming a channel renames its folder; a name another channel has is refused.
    await graph.api(`/teams/${teamId}/channels`).post({ displayName: 'Archives' });
    await graph.api(`/teams/${teamId}/channels/${channel.id}`).patch({ displayName: 'Dépôts reçus' });
    expect(await graph.api(`/teams/${teamId}/channels/${channel.id}`).get()).toMatchObject({ displayName: 'Dépôts reçus' });
    expect(await graph.api(`/drives/${folder.parentReference.driveId}/items/${folder.id}`).get()).toMatchObject({ name: 'Dépôts reçus' });
    await expect(graph.api(`/teams/${teamId}/channels/${channel.id}`).patch({ displayName: 'archives' })).rejects.toMatchObject({ statusCode: 400 });
    expect((await control.writes('channelUpdated')).map((w) => w.details)).toEqual([{ teamId, channelId: channel.id, from: 'Dépôts', to: 'Dépôts reçus' }]);
  });

  it('refuses an app-only team without an owner', async () => {
    await expect(graph.api('/teams').post({ 'template@odata.bind': "https://graph.microsoft.com/v1.0/teamsTemplates('standard')", displayName: 'Sans propriétaire' }))
      .rejects.toMatchObject({ statusCode: 400 });
  });

  it('records activity notifications and refuses a disabled recipient', async () => {
    const [recipient, disabled] = sandbox.tenant.staffIds.slice(12, 14);
    await graph.api(`/users/${recipient}/teamwork/sendActivityNotification`).post({
      topic: { source: 'text', value: 'Formation en cybersécurité', webUrl: 'https://teams.microsoft.com/l/entity/app/formation' },
      activityType: 'trainingReminder',
      previewText: { content: 'Votre formation est due dans 7 jours.' },
    });
    const [sent] = await control.writes('activityNotificationSent');
    expect(sent?.details).toMatchObject({ userId: recipient, activityType: 'trainingReminder', previewText: 'Votre formation est due dans 7 jours.' });
    await control.disableUser(disabled!);
    await expect(graph.api(`/users/${disabled}/teamwork/sendActivityNotification`).post({ topic: { source: 'text', value: 'x', webUrl: 'https://x' }, activityType: 'a', previewText: { content: 'x' } }))
      .rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('M365 sandbox sites and files', () => {
  const site = () => sandbox.tenant.sites.find((s) => s.name === 'juridique')!;

  it('finds sites by id and by path, and their document library', async () => {
    const byPath = await graph.api('/sites/syndicat-exemple.sharepoint.com:/sites/juridique').get();
    expect(byPath.id).toBe(site().id);
    const drive = await graph.api(`/sites/${site().id}/drive`).get();
    expect(drive).toMatchObject({ id: site().driveId, driveType: 'documentLibrary' });
  });

  it('creates folders with each conflict behaviour, addresses them by path and pages children', async () => {
    const drive = site().driveId;
    const created = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Dossiers', folder: {}, '@microsoft.graph.conflictBehavior': 'fail' });
    await expect(graph.api(`/drives/${drive}/root/children`).post({ name: 'Dossiers', folder: {}, '@microsoft.graph.conflictBehavior': 'fail' })).rejects.toMatchObject({ statusCode: 409, code: 'nameAlreadyExists' });
    const renamed = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Dossiers', folder: {}, '@microsoft.graph.conflictBehavior': 'rename' });
    expect(renamed.name).toBe('Dossiers 1');
    const replaced = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Dossiers', folder: {}, '@microsoft.graph.conflictBehavior': 'replace' });
    expect(replaced.id).toBe(created.id);
    for (let i = 0; i < 5; i++) await graph.api(`/drives/${drive}/items/${created.id}/children`).post({ name: `1${i}0 - Activité`, folder: {} });
    const byPath = await graph.api(`/drives/${drive}/root:/Dossiers/120 - Activité`).get();
    expect(byPath.parentReference).toMatchObject({ id: created.id, path: `/drives/${drive}/root:/Dossiers` });
    const first = await graph.api(`/drives/${drive}/root:/Dossiers:/children`).top(2).get();
    expect(first.value).toHaveLength(2);
    const names: string[] = first.value.map((c: { name: string }) => c.name);
    for (let next = first['@odata.nextLink']; next; ) {
      const page = await graph.api(next).get();
      expect(page.value.length).toBeLessThanOrEqual(2);
      names.push(...page.value.map((c: { name: string }) => c.name));
      next = page['@odata.nextLink'];
    }
    expect(names).toEqual(['100 - Activité', '110 - Activité', '120 - Activité', '130 - Activité', '140 - Activité']);
    await expect(graph.api(`/drives/${drive}/root:/Nulle part`).get()).rejects.toMatchObject({ statusCode: 404, code: 'itemNotFound' });
    const writes = await control.writes('driveItemCreated');
    expect(writes.map((w) => w.details.name)).toEqual(expect.arrayContaining(['Dossiers', 'Dossiers 1', '120 - Activité']));
  });

  it('invites, lists (with inherited) and deletes permissions, and applies a retention label', async () => {
    const drive = site().driveId;
    const folder = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Griefs', folder: {} });
    const lawyer = sandbox.tenant.users.find((u) => u.jobCategory === 'JURISTE')!;
    const invited = await graph.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ email: lawyer.userPrincipalName }], roles: ['write'], requireSignIn: true, sendInvitation: false });
    expect(invited.value[0]).toMatchObject({ roles: ['write'], grantedToV2: { user: { id: lawyer.id } } });
    const permissions = await graph.api(`/drives/${drive}/items/${folder.id}/permissions`).get();
    expect(permissions.value.some((p: { inheritedFrom?: unknown; roles: string[] }) => p.inheritedFrom && p.roles.includes('owner'))).toBe(true);
    await graph.api(`/drives/${drive}/items/${folder.id}/permissions/${invited.value[0].id}`).delete();
    const after = await graph.api(`/drives/${drive}/items/${folder.id}/permissions`).get();
    expect(after.value.some((p: { id: string }) => p.id === invited.value[0].id)).toBe(false);
    await expect(graph.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ email: lawyer.userPrincipalName }], roles: ['admin'] })).rejects.toMatchObject({ statusCode: 400 });

    const label = await graph.api(`/drives/${drive}/items/${folder.id}/retentionLabel`).patch({ name: 'Conservation 7 ans' });
    expect(label.name).toBe('Conservation 7 ans');
    const kinds = (await control.writes()).map((w) => w.kind);
    expect(kinds).toEqual(expect.arrayContaining(['permissionGranted', 'permissionDeleted', 'retentionLabelSet']));
  });

  it('uploads a small template by path and a larger one through an upload session', async () => {
    const drive = site().driveId;
    const small = Buffer.from('Gabarit de lettre — modèle officiel');
    const uploaded = await graph.api(`/drives/${drive}/root:/Gabarits/lettre.dotx:/content`).put(small);
    expect(uploaded).toMatchObject({ name: 'lettre.dotx', size: small.length });
    const content = await graph.api(`/drives/${drive}/items/${uploaded.id}/content`).getStream();
    const chunks: Buffer[] = [];
    for await (const c of content as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).equals(small)).toBe(true);

    const big = Buffer.alloc(1_000_000, 7);
    const gabarits = await graph.api(`/drives/${drive}/root:/Gabarits`).get();
    const session = await LargeFileUploadTask.createUploadSession(graph, `/drives/${drive}/items/${gabarits.id}:/rapport.docx:/createUploadSession`, { item: { '@microsoft.graph.conflictBehavior': 'replace' } });
    const task = new LargeFileUploadTask(graph, new FileUpload(big, 'rapport.docx', big.length), session, { rangeSize: 320 * 1024 });
    const result = await task.upload();
    expect(result.responseBody).toMatchObject({ name: 'rapport.docx', size: big.length });
    const uploads = await control.writes('fileUploaded');
    expect(uploads.map((u) => u.details)).toEqual([
      expect.objectContaining({ name: 'lettre.dotx', size: small.length }),
      expect.objectContaining({ name: 'rapport.docx', size: big.length, uploadSession: true }),
    ]);
  });
});
