import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxGraphClient, SandboxControl, startM365Sandbox } from '../../dev/m365-sandbox/index';
import { SharePointPacer } from '../../shared/collaboration/adapters/sharepoint-pacer';
import { diffSpace } from '../../shared/collaboration/diff';
import type { DesiredSpace } from '../../shared/collaboration/model';
import { adapters, converge, groupDriveShim, newRecord, startCollaborationStack, withUpdate, type CollaborationStack } from './collaboration-stack';

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

describe('reading a space', () => {
  it('a service without a team is absent, and its diff starts with the team', async () => {
    const { reader } = adapters(stack.client, stack.documents);
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
    expect((await adapters(stack.client, stack.documents, undefined, 60_000).reader.read(desired, recent)).state).toBe('provisioning');
    const old = { ...recent, teamRequestedAt: new Date(Date.now() - 16 * 60_000).toISOString() };
    expect((await adapters(stack.client, stack.documents, undefined, 15 * 60_000).reader.read(desired, old)).state).toBe('absent');
  });
});

describe('provisioning a service space from the real template', () => {
  it('applies every operation in order (through the team creation lag) until the diff is empty', async () => {
    const desired = space('service-rt');
    const { reader, writer, pacer } = adapters(stack.client, stack.documents);
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
    const { reader, writer } = adapters(stack.client, stack.documents);
    await stack.control.clearWrites();
    const log = await converge(stack.store, reader, writer, desired);
    expect(log.applied).toEqual([]);
    expect(await stack.control.writes()).toEqual([]);
  }, 60_000);

  it('a folder created before a crash (the record lost it) is found, not made twice', async () => {
    const desired = space('service-rt');
    const { reader, writer } = adapters(stack.client, stack.documents);
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
    const { reader, writer } = adapters(stack.client, stack.documents);
    const { record } = (await stack.store.get(desired.key))!;
    const node = desired.nodes.find((n) => n.grants.length > 0 && n.retentionLabel !== null)!;
    const before = (await reader.read(desired, record)).nodes.get(node.key)!;
    const permission = before.permissions[0]!;
    const item = `/drives/${record.driveId}/items/${before.itemId}`;
    await stack.client.api(`${item}/permissions/${permission.permissionId}`).delete();
    await stack.client.api(`${item}/retentionLabel`).delete();
    await stack.client.api(`${item}/children`).post({ name: 'Notes personnelles', folder: {} });

    const drifted = diffSpace(desired, await reader.read(desired, record));
    expect(drifted.operations.map((o) => o.kind).sort()).toEqual(['grant', 'set-retention-label']);
    expect(drifted.findings).toContainEqual({ kind: 'unknown-content', spaceKey: desired.key, path: `${before.path}/Notes personnelles` });
    await converge(stack.store, reader, writer, desired);
    expect(diffSpace(desired, await reader.read(desired, record)).operations).toEqual([]);
  }, 60_000);
});

describe('SharePoint throttling', () => {
  it('a 429 with Retry-After pauses the pacer, and the space still converges; a pacer at the limit is never refused', async () => {
    // 10 units per (time-scaled) minute of one second; Retry-After is in whole seconds.
    const sandbox = await startM365Sandbox({ seed: 20261207, scale: { mailboxes: 0 }, timeScale: 60, throttling: { sharePointUnitsPerMinute: 10 }, teamReplicationLagMs: 100, teamOperationMs: 50 });
    try {
      const control = new SandboxControl(sandbox);
      const client = process.env.COLLAB_PRE_MERGE ? groupDriveShim(createSandboxGraphClient(sandbox), control) : createSandboxGraphClient(sandbox);
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
