import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

let sandbox: M365Sandbox;
let graph: Client;
let control: SandboxControl;

beforeAll(async () => {
  sandbox = await startM365Sandbox();
  graph = createSandboxGraphClient(sandbox);
  control = new SandboxControl(sandbox);
});
afterAll(() => sandbox?.stop());

type User = { id: string; displayName: string; department?: string; userType?: string; userPrincipalName: string; accountEnabled?: boolean; preferredLanguage?: string; onPremisesExtensionAttributes?: { extensionAttribute1: string | null } };

async function allPages<T>(first: { value: T[]; '@odata.nextLink'?: string }): Promise<T[]> {
  const items = [...first.value];
  let next = first['@odata.nextLink'];
  while (next) {
    const page = (await graph.api(next).get()) as { value: T[]; '@odata.nextLink'?: string };
    items.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return items;
}

describe('M365 sandbox directory', () => {
  it('answers 401 InvalidAuthenticationToken with Graph error body when the client sends no token', async () => {
    // Without customHosts the official client silently drops the token, exactly as against a real tenant.
    const unauthenticated = createSandboxGraphClient(sandbox, { authenticate: false });
    const error = await unauthenticated.api('/users').get().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 401, code: 'InvalidAuthenticationToken' });
    const body = JSON.parse((error as { body: string }).body) as { innerError: Record<string, string> };
    expect(body.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('pages through ~40 staff in 6 services, with guests, shared mailboxes and a fr-CA majority', async () => {
    const first = await graph.api('/users').select('id,displayName,department,userType,userPrincipalName,accountEnabled,preferredLanguage,onPremisesExtensionAttributes').top(10).get();
    expect(first.value).toHaveLength(10);
    const users = await allPages<User>(first);
    const staff = users.filter((u) => u.userType === 'Member' && u.onPremisesExtensionAttributes?.extensionAttribute1);
    expect(staff.length).toBeGreaterThanOrEqual(38);
    expect(new Set(staff.map((u) => u.department)).size).toBe(6);
    expect(new Set(staff.map((u) => u.onPremisesExtensionAttributes?.extensionAttribute1))).toEqual(new Set(['CONSEIL', 'JURISTE', 'TECHADM', 'SECRETARIAT', 'TI', 'DIRECTION']));
    const guests = users.filter((u) => u.userType === 'Guest');
    expect(guests.length).toBeGreaterThanOrEqual(2);
    for (const guest of guests) expect(guest.userPrincipalName).toContain('#EXT#');
    expect(staff.filter((u) => u.preferredLanguage === 'fr-CA').length).toBeGreaterThan(staff.length / 2);
    expect(sandbox.tenant.sharedMailboxIds).toHaveLength(2);
  });

  it('returns only the default user properties unless $select asks for more', async () => {
    const id = sandbox.tenant.staffIds[3]!;
    const plain = await graph.api(`/users/${id}`).get();
    expect(plain.department).toBeUndefined();
    expect(plain.displayName).toBeTruthy();
    const selected = await graph.api(`/users/${id}`).select('department,accountEnabled').get();
    expect(Object.keys(selected).sort()).toEqual(['@odata.type', 'accountEnabled', 'department', 'id']);
    expect(selected.department).toBeTruthy();
  });

  it('filters on department, and on the job category only with advanced query parameters', async () => {
    const legal = await graph.api('/users').filter("department eq 'Services juridiques'").select('department').get();
    expect(legal.value.length).toBeGreaterThan(0);
    expect(legal.value.every((u: User) => u.department === 'Services juridiques')).toBe(true);

    const withoutHeader = await graph.api('/users').filter("onPremisesExtensionAttributes/extensionAttribute1 eq 'JURISTE'").get().catch((e: unknown) => e);
    expect(withoutHeader).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    const lawyers = await graph.api('/users').header('ConsistencyLevel', 'eventual').query({ $count: 'true' })
      .filter("onPremisesExtensionAttributes/extensionAttribute1 eq 'JURISTE'").select('onPremisesExtensionAttributes').get();
    expect(lawyers['@odata.count']).toBe(lawyers.value.length);
    expect(lawyers.value.length).toBeGreaterThanOrEqual(4);
  });

  it('serves managers, the archiving group and an unknown user as 404', async () => {
    const member = sandbox.tenant.users.find((u) => u.managerId && u.jobCategory === 'JURISTE')!;
    const manager = await graph.api(`/users/${member.id}/manager`).get();
    expect(manager.id).toBe(member.managerId);
    const members = await allPages<User>(await graph.api(`/groups/${sandbox.tenant.archiveGroupId}/members`).top(5).get());
    expect(members.length).toBeGreaterThan(20);
    expect(members.map((m) => m.id)).toEqual(expect.arrayContaining(sandbox.tenant.sharedMailboxIds));
    await expect(graph.api('/users/00000000-0000-4000-8000-000000000000').get()).rejects.toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
  });

  it('reflects control API changes of service, job category and account state', async () => {
    const id = sandbox.tenant.staffIds[5]!;
    await control.updateUser(id, { department: 'Ressources informationnelles', jobCategory: 'TI' });
    await control.disableUser(id);
    const user = await graph.api(`/users/${id}`).select('department,accountEnabled,onPremisesExtensionAttributes,jobTitle').get();
    expect(user).toMatchObject({ department: 'Ressources informationnelles', accountEnabled: false, onPremisesExtensionAttributes: { extensionAttribute1: 'TI' } });
    await expect(control.updateUser(id, { jobCategory: 'ASTRONAUTE' })).rejects.toThrow(/400/);
  });

  it('reset brings back the seeded tenant and clears recorded writes', async () => {
    const local = await startM365Sandbox();
    try {
      const localControl = new SandboxControl(local);
      const localGraph = createSandboxGraphClient(local);
      const id = local.tenant.staffIds[0]!;
      await localControl.updateUser(id, { department: 'Ailleurs' });
      await localGraph.api(`/users/${id}/mailFolders`).post({ displayName: 'Temporaire' });
      expect(await localControl.writes()).toHaveLength(1);
      await localControl.reset();
      expect(await localControl.writes()).toEqual([]);
      expect((await localGraph.api(`/users/${id}`).select('department').get()).department).toBe(local.tenant.users[0]!.department);
      const folders = await localGraph.api(`/users/${id}/mailFolders`).get();
      expect(folders.value.map((f: { displayName: string }) => f.displayName)).not.toContain('Temporaire');
    } finally {
      await local.stop();
    }
  });

  it('applies start-up faults and keeps the certificate and a write journal in dataDir', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'm365-data-'));
    const local = await startM365Sandbox({ dataDir, faults: { next: ['503'] } });
    try {
      const localGraph = createSandboxGraphClient(local, { maxRetries: 0 });
      await expect(localGraph.api('/users').get()).rejects.toMatchObject({ statusCode: 503 });
      const owner = local.tenant.staffIds[0]!;
      await localGraph.api(`/users/${owner}/mailFolders`).post({ displayName: 'Journal' });
      expect(readFileSync(join(dataDir, 'm365-sandbox-ca.pem'), 'utf8')).toBe(local.caCertPem);
      const journal = readFileSync(join(dataDir, 'writes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(journal).toMatchObject([{ kind: 'mailFolderCreated', details: { userId: owner, displayName: 'Journal' } }]);
    } finally {
      await local.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('records licence assignments and refuses them for a user without usage location', async () => {
    const skus = await graph.api('/subscribedSkus').get();
    const teamsPhone = skus.value.find((s: { skuPartNumber: string }) => s.skuPartNumber === 'MCOEV');
    const id = sandbox.tenant.staffIds[7]!;
    const user = await graph.api(`/users/${id}/assignLicense`).post({ addLicenses: [{ skuId: teamsPhone.skuId, disabledPlans: [] }], removeLicenses: [] });
    expect(user.id).toBe(id);
    const details = await graph.api(`/users/${id}/licenseDetails`).get();
    expect(details.value.map((d: { skuPartNumber: string }) => d.skuPartNumber)).toContain('MCOEV');
    const writes = await control.writes('licenseAssigned');
    expect(writes.at(-1)?.details).toMatchObject({ userId: id, addLicenses: [{ skuId: teamsPhone.skuId }] });
    await expect(graph.api(`/users/${sandbox.tenant.guestIds[0]}/assignLicense`).post({ addLicenses: [{ skuId: teamsPhone.skuId }], removeLicenses: [] }))
      .rejects.toMatchObject({ statusCode: 400 });
  });

  it('is deterministic: the same seed yields the same tenant, another seed a different one', async () => {
    const again = await startM365Sandbox();
    const other = await startM365Sandbox({ seed: 7 });
    try {
      // sandbox.tenant is a snapshot taken at start, before the control API changed anything.
      expect(again.tenant.users).toEqual(sandbox.tenant.users);
      expect(again.tenant.largeMessage).toEqual(sandbox.tenant.largeMessage);
      expect(other.tenant.staffIds).not.toEqual(sandbox.tenant.staffIds);
    } finally {
      await Promise.all([again.stop(), other.stop()]);
    }
  });
});
