import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

type DeltaItem = { id: string; subject?: string; '@removed'?: { reason: string } };
type DeltaPage = { value: DeltaItem[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

let sandbox: M365Sandbox;
let graph: Client;
let control: SandboxControl;
let userId: string;
const PREFER = 'IdType="ImmutableId", odata.maxpagesize=7';

/** One delta round: follows nextLinks to the deltaLink, as the archiving job does. */
async function deltaRound(start: string): Promise<{ items: DeltaItem[]; deltaLink: string; pages: number }> {
  const items: DeltaItem[] = [];
  let url: string | undefined = start;
  let pages = 0;
  for (;;) {
    const page = (await graph.api(url).header('Prefer', PREFER).get()) as DeltaPage;
    pages++;
    expect(page.value.length).toBeLessThanOrEqual(7);
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'], pages };
    url = page['@odata.nextLink'];
    if (!url) throw new Error('page without nextLink or deltaLink');
  }
}

beforeAll(async () => {
  sandbox = await startM365Sandbox({ scale: { messagesPerMailbox: 60 } });
  graph = createSandboxGraphClient(sandbox);
  control = new SandboxControl(sandbox);
  userId = sandbox.tenant.staffIds[1]!;
});
afterAll(() => sandbox?.stop());

describe('M365 sandbox per-folder message delta', () => {
  it('syncs a folder fully, then reports only adds, updates, moves in and out, and deletes', async () => {
    const inbox = await graph.api(`/users/${userId}/mailFolders/inbox`).get();
    const initial = await deltaRound(`/users/${userId}/mailFolders/inbox/messages/delta?$select=subject`);
    expect(initial.pages).toBeGreaterThan(1);
    expect(new Set(initial.items.map((i) => i.id)).size).toBe(inbox.totalItemCount);

    const quiet = await deltaRound(initial.deltaLink);
    expect(quiet.items).toEqual([]);

    const [first, second, third] = initial.items;
    const added = await control.addMessage(userId, { subject: 'Nouveau grief déposé' });
    await control.updateMessage(userId, first!.id, { subject: 'Sujet modifié' });
    await control.moveMessage(userId, second!.id, 'deleteditems');
    await control.deleteMessage(userId, third!.id);
    const elsewhere = await control.addMessage(userId, { folder: 'junkemail', subject: 'Pourriel' });
    await control.moveMessage(userId, elsewhere.id, 'inbox');
    await control.addMessage(userId, { folder: 'sentitems', subject: 'Pas dans la boîte de réception' });

    const changes = await deltaRound(quiet.deltaLink);
    const byId = new Map(changes.items.map((i) => [i.id, i]));
    expect(byId.get(added.id)?.subject).toBe('Nouveau grief déposé');
    expect(byId.get(first!.id)?.subject).toBe('Sujet modifié');
    expect(byId.get(second!.id)?.['@removed']).toEqual({ reason: 'deleted' });
    expect(byId.get(third!.id)?.['@removed']).toEqual({ reason: 'deleted' });
    expect(byId.get(elsewhere.id)?.subject).toBe('Pourriel');
    expect(changes.items).toHaveLength(5);

    const deleted = await deltaRound(`/users/${userId}/mailFolders/deleteditems/messages/delta`);
    expect(deleted.items.map((i) => i.id)).toContain(second!.id);
  });

  it('pages changes without losing any when more changes than a page arrive', async () => {
    const start = await deltaRound(`/users/${userId}/mailFolders/archive/messages/delta`);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await control.addMessage(userId, { folder: 'archive', subject: `Lot ${i}` })).id);
    const round = await deltaRound(start.deltaLink);
    expect(round.pages).toBe(3);
    expect(round.items.map((i) => i.id).sort()).toEqual(ids.sort());
  });

  it('answers 410 for an unknown token and after the sync state expires, and a full sync recovers', async () => {
    const bogus = `/users/${userId}/mailFolders/inbox/messages/delta?$deltatoken=not-a-token`;
    await expect(graph.api(bogus).get()).rejects.toMatchObject({ statusCode: 410, code: 'SyncStateNotFound' });

    const round = await deltaRound(`/users/${userId}/mailFolders/inbox/messages/delta`);
    await control.expireDeltaTokens();
    const error = await graph.api(round.deltaLink).get().catch((e: unknown) => e) as { statusCode: number; body: string };
    expect(error.statusCode).toBe(410);
    expect(JSON.parse(error.body)).toMatchObject({ code: 'SyncStateNotFound', innerError: { 'request-id': expect.any(String) } });

    // Recovery: restart the folder with a full sync (no token), which hands out a fresh deltaLink.
    const inbox = await graph.api(`/users/${userId}/mailFolders/inbox`).get();
    const full = await deltaRound(`/users/${userId}/mailFolders/inbox/messages/delta`);
    expect(full.items).toHaveLength(inbox.totalItemCount);
    const added = await control.addMessage(userId, { subject: 'Après la resynchronisation' });
    const after = await deltaRound(full.deltaLink);
    expect(after.items.map((i) => i.id)).toEqual([added.id]);
  });

  it('forgets every sync state when the sandbox is reset', async () => {
    const round = await deltaRound(`/users/${userId}/mailFolders/inbox/messages/delta`);
    await control.reset();
    await expect(graph.api(round.deltaLink).get()).rejects.toMatchObject({ statusCode: 410 });
  });

  it('does not accept a token from another folder', async () => {
    const round = await deltaRound(`/users/${userId}/mailFolders/inbox/messages/delta`);
    const token = new URL(round.deltaLink).searchParams.get('$deltatoken');
    await expect(graph.api(`/users/${userId}/mailFolders/sentitems/messages/delta?$deltatoken=${token}`).get()).rejects.toMatchObject({ statusCode: 410 });
  });
});
