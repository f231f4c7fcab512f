import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxGraphClient, SandboxControl, startM365Sandbox } from '../../dev/m365-sandbox/index';
import { collaborationAdapters } from '../../shared/collaboration/adapters/collaboration-adapters';
import { FileDocumentSource, GraphSpaceReader, GraphSpaceWriter } from '../../shared/collaboration/adapters/graph-spaces';
import { SharePointPacer } from '../../shared/collaboration/adapters/sharepoint-pacer';
import { diffSpace } from '../../shared/collaboration/diff';
import type { DesiredSpace } from '../../shared/collaboration/model';
import { adapters, converge, newRecord, startCollaborationStack, withUpdate, type CollaborationStack } from './collaboration-stack';

/** The Graph space adapters on the Microsoft 365 sandbox, records in the Cosmos DB emulator. */

let stack: CollaborationStack;
let spaces: DesiredSpace[];
const space = (key: string) => spaces.find((s) => s.key === key)!;

beforeAll(async () => {
  stack = await startCollaborationStack();
  spaces = await stack.plan();
});

afterAll(async () => {
  await stack?.stop();
});

describe('directory and document templates', () => {
  it('finds groups by exact display name; a name with a quote is escaped, an unknown one is absent', async () => {
    const directory = stack.directory;
    const tenant = await stack.control.request<{ allStaffGroupId: string }>('GET', '/tenant');
    const found = await directory.groupIds(['Tout le personnel', "Comité d'orientation (inexistant)"]);
    expect([...found]).toEqual([['Tout le personnel', tenant.allStaffGroupId]]);
  });

  it('hashes each template file (sha256 of its bytes) and leaves out a missing one', async () => {
    const hashes = await stack.documents.hashes();
    const first = stack.template.documentTemplates[0]!;
    expect(hashes.get(first.key)).toBe(createHash('sha256').update(await stack.documents.bytes(first.key)).digest('hex'));
    const missing = new FileDocumentSource({ documentTemplates: [{ ...first, file: 'config/document-templates/absent.dotx' }] }, '/nonexistent');
    expect(await missing.hashes()).toEqual(new Map());
  });
});

describe('reading a space', () => {
  it('a service without a team is absent, and its diff starts with the team', async () => {
    const { reader } = collaborationAdapters();
    const desired = space('service-ri');
    const actual = await reader.read(desired, newRecord(desired));
    expect(actual.state).toBe('absent');
    const { operations } = diffSpace(desired, actual);
    expect(operations[0]!.kind).toBe('create-team');
    expect(operations.filter((o) => o.kind === 'create-folder').length).toBe(desired.nodes.filter((n) => !n.channel).length);
  });

  it('a team that 404s is provisioning within the creation lag, gone after it', async () => {
    const desired = space('service-ri');
    const missing = '00000000-0000-4000-8000-000000000001';
    const recent = { ...newRecord(desired), teamId: missing, teamRequestedAt: new Date().toISOString() };
    expect((await adapters(stack.client, stack.documents, stack.pacer, 60_000).reader.read(desired, recent)).state).toBe('provisioning');
    const old = { ...recent, teamRequestedAt: new Date(Date.now() - 16 * 60_000).toISOString() };
    expect((await adapters(stack.client, stack.documents, stack.pacer, 15 * 60_000).reader.read(desired, old)).state).toBe('absent');
  });
});

describe('provisioning a service space from the real template', () => {
  it('applies every operation in order (through the team creation lag) until the diff is empty', async () => {
    const desired = space('service-rt');
    const { reader, writer, pacer } = adapters(stack.client, stack.documents, stack.pacer);
    const log = await converge(stack.store, reader, writer, desired);
    const kinds = new Set(log.applied.map((o) => o.kind));
    for (const kind of ['create-channel', 'create-folder', 'grant', 'set-retention-label', 'place-document', 'add-member'] as const) expect(kinds.has(kind)).toBe(true);
    // The team answered 404 for a while after it was requested: survived by waiting, created once.
    expect(log.waits + log.provisioningReads).toBeGreaterThan(0);
    expect((await stack.control.writes('teamCreated')).filter((w) => w.details.displayName === desired.displayName)).toHaveLength(1);

    const { record } = (await stack.store.get(desired.key))!;
    const actual = await reader.read(desired, record);
    expect(actual.state).toBe('ready');
    expect(diffSpace(desired, actual).operations).toEqual([]);
    expect(Object.keys(record.nodes).sort()).toEqual(desired.nodes.map((n) => n.key).sort());
    expect(pacer.stats().throttled).toBe(0);
  }, 120_000);

  it('a second pass makes no write at all', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents, stack.pacer);
    await stack.control.clearWrites();
    const log = await converge(stack.store, reader, writer, desired);
    expect(log.applied).toEqual([]);
    expect(await stack.control.writes()).toEqual([]);
  }, 60_000);

  it('a folder created before a crash (the record lost it) is found, not made twice', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents, stack.pacer);
    const stored = (await stack.store.get(desired.key))!;
    const node = desired.nodes.find((n) => !n.channel)!;
    const itemId = stored.record.nodes[node.key]!.itemId;
    const { [node.key]: _lost, ...rest } = stored.record.nodes;
    const crashed = { ...stored.record, nodes: rest };
    await stack.control.clearWrites();

    // Read: found by name under its parent, so no create-folder is planned.
    const actual = await reader.read(desired, crashed);
    expect(actual.nodes.get(node.key)?.itemId).toBe(itemId);
    expect(diffSpace(desired, actual).operations.filter((o) => o.kind === 'create-folder')).toEqual([]);

    // Applying the create again (an operation replayed after the crash): the existing folder is taken.
    const result = await writer.apply({ id: 'replay', spaceKey: desired.key, repair: 'auto', kind: 'create-folder', nodeKey: node.key, parentKey: node.parentKey!, name: node.name }, desired, crashed);
    expect(result).toEqual({ outcome: 'done', update: { node: { key: node.key, itemId, channelId: null } } });
    expect(withUpdate(crashed, result.outcome === 'done' ? result.update : undefined).nodes[node.key]!.itemId).toBe(itemId);
    expect(await stack.control.writes('driveItemCreated')).toEqual([]);
  }, 60_000);

  it('drift is repaired: a revoked grant and a removed label come back, an unknown folder is only reported', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents, stack.pacer);
    const { record } = (await stack.store.get(desired.key))!;
    const node = desired.nodes.find((n) => n.grants.length > 0 && n.retentionLabel !== null)!;
    const before = (await reader.read(desired, record)).nodes.get(node.key)!;
    const permission = before.permissions[0]!;
    const item = `/drives/${record.driveId}/items/${before.itemId}`;
    await stack.client.api(`${item}/permissions/${permission.permissionId}`).delete();
    await stack.control.removeLabel(record.driveId!, before.itemId);
    await stack.control.createItem(record.driveId!, before.itemId, 'Notes personnelles', true);

    const drifted = diffSpace(desired, await reader.read(desired, record));
    expect(drifted.operations.map((o) => o.kind).sort()).toEqual(['grant', 'set-retention-label']);
    expect(drifted.findings).toContainEqual({ kind: 'unknown-content', spaceKey: desired.key, path: `${before.path}/Notes personnelles` });
    await converge(stack.store, reader, writer, desired);
    expect(diffSpace(desired, await reader.read(desired, record)).operations).toEqual([]);
  }, 60_000);
});

describe('repairs on the provisioned space', () => {
  it('reports the sensitivity label for a person to set, reads it once set, and folders are shared with the everyone group', async () => {
    const desired = space('service-rt');
    const { reader } = adapters(stack.client, stack.documents, stack.pacer);
    const record = (await stack.store.get(desired.key))!.record;
    expect(diffSpace(desired, await reader.read(desired, record)).findings).toContainEqual({ kind: 'sensitivity-label', spaceKey: desired.key, expected: 'Confidentiel', actual: null });
    const confidential = stack.sandbox.tenant.sensitivityLabels.find((l) => l.name === 'Confidentiel')!;
    await stack.control.setGroupLabels(record.teamId!, [confidential.id]);
    const actual = await reader.read(desired, record);
    expect(actual.sensitivityLabel).toBe('Confidentiel');
    expect(diffSpace(desired, actual).findings.filter((f) => f.kind === 'sensitivity-label')).toEqual([]);
    const everyone = desired.nodes.flatMap((n) => n.grants).find((g) => g.principal.kind === 'group');
    expect(everyone).toBeDefined();
    const shared = [...actual.nodes.values()].flatMap((n) => n.permissions).filter((p) => p.principal.kind === 'group' && p.principal.id === everyone!.principal.id);
    expect(shared.length).toBeGreaterThan(0);
  });

  it('membership drift: a member removed, an outsider added and an owner demoted are put back', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents, stack.pacer);
    const { record } = (await stack.store.get(desired.key))!;
    const before = await reader.read(desired, record);
    const member = before.members.find((m) => !m.owner)!;
    const owner = before.members.find((m) => m.owner)!;
    const outsider = space('service-jur').members.find((id) => !desired.members.includes(id))!;
    await stack.control.removeTeamMember(record.teamId!, member.userId);
    await stack.client.api(`/teams/${record.teamId}/members`).post({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: [], 'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${outsider}')` });
    await stack.client.api(`/teams/${record.teamId}/members/${owner.membershipId}`).patch({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: [] });

    const kinds = diffSpace(desired, await reader.read(desired, record)).operations.map((o) => o.kind).sort();
    expect(kinds).toEqual(['add-member', 'remove-member', 'set-owner']);
    await converge(stack.store, reader, writer, desired);
    const after = await reader.read(desired, record);
    expect(after.members.map((m) => m.userId).sort()).toEqual([...desired.members].sort());
    expect(after.members.filter((m) => m.owner).map((m) => m.userId).sort()).toEqual([...desired.owners].sort());
  }, 60_000);

  it('a read grant widened to write by someone is narrowed back to read in one pass', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents, stack.pacer);
    const { record } = (await stack.store.get(desired.key))!;
    const node = desired.nodes.find((n) => n.grants.some((g) => g.principal.kind === 'group' && g.role === 'read'))!;
    const group = node.grants.find((g) => g.principal.kind === 'group')!.principal.id;
    await stack.control.grantItem(record.driveId!, record.nodes[node.key]!.itemId, { groupId: group }, ['write']);
    const drifted = diffSpace(desired, await reader.read(desired, record)).operations.filter((o) => 'nodeKey' in o && o.nodeKey === node.key);
    expect(drifted.map((o) => o.kind)).toEqual(['grant', 'revoke']);
    for (const op of drifted) expect((await writer.apply(op, desired, record)).outcome).toBe('done');
    const after = (await reader.read(desired, record)).nodes.get(node.key)!;
    expect(after.permissions.filter((p) => p.principal.id === group).map((p) => p.roles)).toEqual([['read']]);
    expect(diffSpace(desired, await reader.read(desired, record)).operations).toEqual([]);
  }, 60_000);

  it('a folder renamed by someone is renamed back in place; a new template name renames it (same item)', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents, stack.pacer);
    const { record } = (await stack.store.get(desired.key))!;
    const node = desired.nodes.find((n) => !n.channel)!;
    const itemId = record.nodes[node.key]!.itemId;
    await stack.control.renameItem(record.driveId!, itemId, 'Mon dossier');
    const drifted = diffSpace(desired, await reader.read(desired, record)).operations;
    expect(drifted).toMatchObject([{ kind: 'rename', nodeKey: node.key, from: 'Mon dossier', to: node.name }]);
    await converge(stack.store, reader, writer, desired);

    const renamed: DesiredSpace = { ...desired, nodes: desired.nodes.map((n) => (n.key === node.key ? { ...n, name: `${n.code} Nouveau nom` } : n)) };
    await converge(stack.store, reader, writer, renamed);
    const item = (await stack.client.api(`/drives/${record.driveId}/items/${itemId}`).get()) as { name: string };
    expect(item.name).toBe(`${node.code} Nouveau nom`);
    await converge(stack.store, reader, writer, desired);
  }, 60_000);

  it('a new template name for a top-level node renames its channel and the channel folder, same ids', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents, stack.pacer);
    const { record } = (await stack.store.get(desired.key))!;
    const node = desired.nodes.find((n) => n.channel)!;
    const { itemId, channelId } = record.nodes[node.key]!;
    const renamed: DesiredSpace = { ...desired, nodes: desired.nodes.map((n) => (n.key === node.key ? { ...n, name: `${n.code} Section renommée` } : n)) };
    expect(diffSpace(renamed, await reader.read(renamed, record)).operations).toMatchObject([{ kind: 'rename', nodeKey: node.key, channel: true, to: `${node.code} Section renommée` }]);
    await converge(stack.store, reader, writer, renamed);
    expect(await stack.client.api(`/teams/${record.teamId}/channels/${channelId}`).get()).toMatchObject({ displayName: `${node.code} Section renommée` });
    expect(await stack.client.api(`/drives/${record.driveId}/items/${itemId}`).get()).toMatchObject({ name: `${node.code} Section renommée` });
    await converge(stack.store, reader, writer, desired);
    expect(await stack.client.api(`/teams/${record.teamId}/channels/${channelId}`).get()).toMatchObject({ displayName: node.name });
  }, 60_000);

  it('a new version of a document template replaces the copy in place, keeping the previous version', async () => {
    const desired = space('service-rt');
    const node = desired.nodes.find((n) => n.documents.length > 0)!;
    const document = node.documents[0]!;
    const bytes = Buffer.from(`stand-in for ${document.key} v2`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const source = { hashes: async () => new Map([[document.key, sha256]]), bytes: async () => bytes };
    const pacer = stack.pacer;
    const reader = new GraphSpaceReader(stack.client, pacer);
    const writer = new GraphSpaceWriter(stack.client, pacer, source, { teamPollMs: 100 });
    const next: DesiredSpace = { ...desired, nodes: desired.nodes.map((n) => (n.key === node.key ? { ...n, documents: n.documents.map((d) => (d.key === document.key ? { ...d, version: '2', sha256 } : d)) } : n)) };
    const before = (await stack.store.get(desired.key))!.record.documents[`${node.key}|${document.key}`]!;

    const log = await converge(stack.store, reader, writer, next);
    expect(log.applied.map((o) => o.kind)).toEqual(['place-document']);
    const after = (await stack.store.get(desired.key))!.record.documents[`${node.key}|${document.key}`]!;
    expect(after.itemId).toBe(before.itemId);
    expect(after).toMatchObject({ sha256, version: '2' });
    const { record } = (await stack.store.get(desired.key))!;
    const versions = (await stack.client.api(`/drives/${record.driveId}/items/${after.itemId}/versions`).get()) as { value: unknown[] };
    expect(versions.value.length).toBe(2);
  }, 60_000);

  it('a node the template dropped is reported with its path, never touched', async () => {
    const desired = space('service-rt');
    const { reader } = adapters(stack.client, stack.documents, stack.pacer);
    const { record } = (await stack.store.get(desired.key))!;
    const node = desired.nodes.find((n) => !n.channel && !desired.nodes.some((c) => c.parentKey === n.key))!;
    const without: DesiredSpace = { ...desired, nodes: desired.nodes.filter((n) => n.key !== node.key) };
    const actual = await reader.read(without, record);
    expect(actual.droppedNodes).toEqual([{ key: node.key, path: expect.stringContaining(`/${node.name}`) as string }]);
    const diff = diffSpace(without, actual);
    expect(diff.findings).toContainEqual({ kind: 'dropped-node', spaceKey: desired.key, nodeKey: node.key, path: actual.droppedNodes[0]!.path });
  });
});

describe('SharePoint throttling', () => {
  it('a 429 with Retry-After pauses the pacer, and the space still converges; a pacer at the limit is never refused', async () => {
    // 10 units per (time-scaled) minute of one second; Retry-After is in whole seconds.
    const sandbox = await startM365Sandbox({ seed: 20261207, scale: { mailboxes: 0 }, timeScale: 60, throttling: { sharePointUnitsPerMinute: 10 }, teamReplicationLagMs: 100, teamOperationMs: 50 });
    try {
      const control = new SandboxControl(sandbox);
      const client = createSandboxGraphClient(sandbox);
      // A small space: one channel and one folder, shared with users only.
      const full = space('service-adm');
      const top = full.nodes.find((n) => n.channel)!;
      const child = full.nodes.find((n) => n.parentKey === top.key)!;
      const strip = (n: typeof top) => ({ ...n, grants: n.grants.filter((g) => g.principal.kind === 'user'), documents: [] });
      const desired: DesiredSpace = { ...full, sensitivityLabel: null, nodes: [strip(top), strip(child)] };
      const tenant = await control.request<{ users: Array<{ id: string }> }>('GET', '/tenant');
      // Owners and members must exist in this tenant: the same seed gives other ids, so take its first staff.
      const people = tenant.users.slice(0, 2).map((u) => u.id);
      const small: DesiredSpace = { ...desired, owners: [people[0]!], members: people, nodes: desired.nodes.map((n) => ({ ...n, grants: n.grants.length > 0 ? [{ principal: { kind: 'user', id: people[1]! }, role: 'write' }] : [] })) };

      const store = new MemoryStore();
      const greedy = new SharePointPacer({ unitsPerMinute: 300, windowMs: 1000, margin: 0 });
      const first = adapters(client, stack.documents, greedy);
      await converge(store, first.reader, first.writer, small, { maxWaitMs: 100 });
      expect(greedy.stats().throttled).toBeGreaterThan(0);
      expect(diffSpace(small, await first.reader.read(small, (await store.get(small.key))!.record)).operations).toEqual([]);

      await new Promise((resolve) => setTimeout(resolve, 2100));
      const paced = new SharePointPacer({ unitsPerMinute: 10, windowMs: 1000 });
      const second = adapters(client, stack.documents, paced);
      for (let i = 0; i < 3; i++) await second.reader.read(small, (await store.get(small.key))!.record);
      expect(paced.stats().throttled).toBe(0);
      expect(paced.stats().unitsSpent).toBeGreaterThan(20);
    } finally {
      await sandbox.stop();
    }
  }, 120_000);
});

/** Records in memory, for the sandbox of the throttling test (the Cosmos store is tested above). */
class MemoryStore {
  private readonly records = new Map<string, { record: import('../../shared/collaboration/ports').SpaceRecord; etag: string }>();
  private n = 0;
  async get(key: string) {
    return this.records.get(key);
  }
  async save(record: import('../../shared/collaboration/ports').SpaceRecord): Promise<string> {
    const etag = String(++this.n);
    this.records.set(record.key, { record, etag });
    return etag;
  }
  async all() {
    return [...this.records.values()].map((r) => r.record);
  }
}
