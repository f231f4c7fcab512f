import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

const IMMUTABLE = 'IdType="ImmutableId"';
type Message = { id: string; subject: string; receivedDateTime: string; parentFolderId: string; hasAttachments?: boolean };
type Folder = { id: string; displayName: string; totalItemCount: number; childFolderCount: number; parentFolderId: string };

describe('M365 sandbox mail (default seed)', () => {
  let sandbox: M365Sandbox;
  let graph: Client;
  let control: SandboxControl;
  let userId: string;

  beforeAll(async () => {
    sandbox = await startM365Sandbox();
    graph = createSandboxGraphClient(sandbox);
    control = new SandboxControl(sandbox);
    userId = sandbox.tenant.largeMessage!.userId;
  });
  afterAll(() => sandbox?.stop());

  it('lists well-known and nested folders with item counts that match the messages', async () => {
    const folders = (await graph.api(`/users/${userId}/mailFolders`).get()).value as Folder[];
    const inbox = await graph.api(`/users/${userId}/mailFolders/inbox`).get() as Folder;
    expect(folders.map((f) => f.id)).toContain(inbox.id);
    expect(inbox.childFolderCount).toBe(1);
    const deleted = await graph.api(`/users/${userId}/mailFolders/deleteditems`).get() as Folder;
    const junk = await graph.api(`/users/${userId}/mailFolders/junkemail`).get() as Folder;
    expect([deleted.displayName, junk.displayName]).toEqual(['Éléments supprimés', 'Courrier indésirable']);
    const children = (await graph.api(`/users/${userId}/mailFolders/inbox/childFolders`).get()).value as Folder[];
    const nested = (await graph.api(`/users/${userId}/mailFolders/${children[0]!.id}/childFolders`).get()).value as Folder[];
    expect(nested.length).toBeGreaterThan(0);
    let counted = 0;
    let next: string | undefined = `/users/${userId}/mailFolders/inbox/messages`;
    while (next) {
      const page: { value: Message[]; '@odata.nextLink'?: string } = await graph.api(next).get();
      counted += page.value.length;
      next = page['@odata.nextLink'];
    }
    expect(counted).toBe(inbox.totalItemCount);
  });

  it('gives immutable ids that survive a move, and default ids that do not', async () => {
    const page = await graph.api(`/users/${userId}/mailFolders/inbox/messages`).header('Prefer', IMMUTABLE).select('subject').top(1).get();
    const immutableId = page.value[0].id as string;
    const byDefault = await graph.api(`/users/${userId}/messages/${immutableId}`).select('subject').get();
    expect(byDefault.id).not.toBe(immutableId);
    const archive = await graph.api(`/users/${userId}/mailFolders/archive`).get();
    const moved = await graph.api(`/users/${userId}/messages/${byDefault.id}/move`).header('Prefer', IMMUTABLE).post({ destinationId: archive.id });
    expect(moved.id).toBe(immutableId);
    expect(moved.parentFolderId).toBe(archive.id);
    await expect(graph.api(`/users/${userId}/messages/${byDefault.id}`).get()).rejects.toMatchObject({ statusCode: 404, code: 'ErrorItemNotFound' });
    const fetched = await graph.api(`/users/${userId}/messages/${immutableId}`).header('Prefer', IMMUTABLE).get();
    expect(fetched.parentFolderId).toBe(archive.id);
    expect((await control.writes('messageMoved')).length).toBe(1);
  });

  it('filters on receivedDateTime and honours $select', async () => {
    const since = '2026-06-01T00:00:00Z';
    const page = await graph.api(`/users/${userId}/messages`).filter(`receivedDateTime ge ${since}`).select('subject,receivedDateTime').top(100).get();
    expect(page.value.length).toBeGreaterThan(0);
    for (const m of page.value as Message[]) {
      expect(Date.parse(m.receivedDateTime)).toBeGreaterThanOrEqual(Date.parse(since));
      expect(Object.keys(m).sort()).toEqual(['@odata.etag', '@odata.type', 'id', 'receivedDateTime', 'subject'].sort());
    }
    await expect(graph.api(`/users/${userId}/messages`).filter('subject has bonjour').get()).rejects.toMatchObject({ statusCode: 400 });
  });

  it('creates folders once (409 on a duplicate) and records them', async () => {
    const created = await graph.api(`/users/${userId}/mailFolders/inbox/childFolders`).post({ displayName: 'Archivé 2026' });
    expect(created.totalItemCount).toBe(0);
    await expect(graph.api(`/users/${userId}/mailFolders/inbox/childFolders`).post({ displayName: 'archivé 2026' })).rejects.toMatchObject({ statusCode: 409, code: 'ErrorFolderExists' });
    const writes = await control.writes('mailFolderCreated');
    expect(writes.map((w) => w.details.displayName)).toEqual(['Archivé 2026']);
  });

  it('records sendMail, saves to Sent Items and delivers to an internal recipient', async () => {
    const recipient = sandbox.tenant.users.find((u) => u.id === sandbox.tenant.staffIds[2])!;
    const sentBefore = (await graph.api(`/users/${userId}/mailFolders/sentitems`).get()).totalItemCount as number;
    const inboxBefore = (await graph.api(`/users/${recipient.id}/mailFolders/inbox`).get()).totalItemCount as number;
    await graph.api(`/users/${userId}/sendMail`).post({
      message: { subject: 'Rappel : formation obligatoire', body: { contentType: 'HTML', content: '<p>Bonjour</p>' }, toRecipients: [{ emailAddress: { address: recipient.userPrincipalName } }] },
      saveToSentItems: true,
    });
    expect((await graph.api(`/users/${userId}/mailFolders/sentitems`).get()).totalItemCount).toBe(sentBefore + 1);
    expect((await graph.api(`/users/${recipient.id}/mailFolders/inbox`).get()).totalItemCount).toBe(inboxBefore + 1);
    const [sent] = await control.writes('mailSent');
    expect(sent?.details).toMatchObject({ from: userId, subject: 'Rappel : formation obligatoire', to: [recipient.userPrincipalName] });
    await expect(graph.api(`/users/${userId}/sendMail`).post({ message: { subject: 'x', toRecipients: [] } })).rejects.toMatchObject({ statusCode: 400, code: 'ErrorInvalidRecipients' });
  });

  it('serves attachments whose bytes match the MIME, listed, by id and as $value', async () => {
    const page = await graph.api(`/users/${userId}/messages`).select('hasAttachments,subject').top(200).get();
    // Skip the message whose attachment is deliberately broken base64 (a seeded malformation).
    let withFile: Message | undefined;
    let mime = '';
    for (const candidate of (page.value as Message[]).filter((m) => m.hasAttachments && !m.subject.startsWith('Enregistrement vidéo'))) {
      mime = (await readAll(await graph.api(`/users/${userId}/messages/${candidate.id}/$value`).getStream())).toString('latin1');
      if (!mime.includes('!!not*base64!!')) {
        withFile = candidate;
        break;
      }
    }
    if (!withFile) throw new Error('no well-formed message with an attachment in the seed');
    const list = await graph.api(`/users/${userId}/messages/${withFile.id}/attachments`).get();
    const file = list.value.find((a: { isInline: boolean }) => !a.isInline);
    const single = await graph.api(`/users/${userId}/messages/${withFile.id}/attachments/${file.id}`).get();
    expect(single.contentBytes).toBe(file.contentBytes);
    const raw = await readAll(await graph.api(`/users/${userId}/messages/${withFile.id}/attachments/${file.id}/$value`).getStream());
    expect(raw.length).toBe(file.size);
    expect(raw.toString('base64')).toBe(file.contentBytes);
    expect(mime.replace(/\r\n/g, '')).toContain(raw.toString('base64'));
    await expect(graph.api(`/users/${userId}/messages/${withFile.id}/attachments/AAMkAGAtbm9wZQ`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('orders by receivedDateTime when asked', async () => {
    const asc = await graph.api(`/users/${userId}/messages`).orderby('receivedDateTime asc').select('receivedDateTime').top(50).get();
    const dates = (asc.value as Message[]).map((m) => m.receivedDateTime);
    expect(dates).toEqual([...dates].sort());
    await expect(graph.api(`/users/${userId}/messages`).orderby('subject').get()).rejects.toMatchObject({ statusCode: 400 });
  });

  it('has no mailbox for a guest', async () => {
    await expect(graph.api(`/users/${sandbox.tenant.guestIds[0]}/messages`).get()).rejects.toMatchObject({ statusCode: 404, code: 'MailboxNotEnabledForRESTAPI' });
  });

  it('seeds raw MIME with RFC 2047 headers, odd charsets, inline images, attachments and malformed messages', async () => {
    const features = { encodedWord: false, latin1: false, cp1252: false, inline: false, attachment: false, malformed: false, reply: false, forward: false };
    for (const owner of sandbox.tenant.staffIds.slice(0, 12)) {
      let next: string | undefined = `/users/${owner}/messages?$select=subject&$top=100`;
      while (next) {
        const page: { value: Message[]; '@odata.nextLink'?: string } = await graph.api(next).get();
        for (const m of page.value) {
          if (/^(RE :|RE:)/.test(m.subject)) features.reply = true;
          if (/^(TR :|FW:)/.test(m.subject)) features.forward = true;
          if (m.subject.startsWith('Enregistrement vidéo')) continue;
          const mime = await readAll(await graph.api(`/users/${owner}/messages/${m.id}/$value`).getStream());
          const text = mime.toString('latin1');
          if (/=\?UTF-8\?B\?/.test(text)) features.encodedWord = true;
          if (/charset="iso-8859-1"/.test(text)) features.latin1 = true;
          if (/charset="windows-1252"/.test(text)) features.cp1252 = true;
          if (/Content-Disposition: inline/.test(text)) features.inline = true;
          if (/Content-Disposition: attachment/.test(text)) features.attachment = true;
          if (/X-Broken-Header-Without-Colon|!!not\*base64!!/.test(text) || (/multipart\/mixed/.test(text) && !/--\r\n$/.test(text))) features.malformed = true;
        }
        next = page['@odata.nextLink'];
      }
    }
    expect(features).toEqual({ encodedWord: true, latin1: true, cp1252: true, inline: true, attachment: true, malformed: true, reply: true, forward: true });
  });
});

describe('M365 sandbox mail at scale', () => {
  let sandbox: M365Sandbox;
  let graph: Client;

  beforeAll(async () => {
    sandbox = await startM365Sandbox({ scale: { mailboxes: 1, messagesPerMailbox: 3000 } });
    graph = createSandboxGraphClient(sandbox);
  });
  afterAll(() => sandbox?.stop());

  it('pages to the end of a large folder with odata.maxpagesize, each message once', async () => {
    const userId = sandbox.tenant.largeMessage!.userId;
    const inbox = await graph.api(`/users/${userId}/mailFolders/inbox`).get();
    expect(inbox.totalItemCount).toBeGreaterThan(1000);
    const ids = new Set<string>();
    let pages = 0;
    let next: string | undefined = `/users/${userId}/mailFolders/inbox/messages?$select=subject`;
    while (next) {
      const response = await graph.api(next).header('Prefer', `odata.maxpagesize=250, ${IMMUTABLE}`).responseType('raw' as never).get() as Response;
      expect(response.headers.get('Preference-Applied')).toContain('odata.maxpagesize=250');
      const page = await response.json() as { value: Message[]; '@odata.nextLink'?: string };
      expect(page.value.length).toBeLessThanOrEqual(250);
      for (const m of page.value) ids.add(m.id);
      next = page['@odata.nextLink'];
      pages++;
    }
    expect(ids.size).toBe(inbox.totalItemCount);
    expect(pages).toBe(Math.ceil(inbox.totalItemCount / 250));
  });

  it('fills only the requested number of mailboxes', async () => {
    const other = sandbox.tenant.staffIds.find((id) => id !== sandbox.tenant.largeMessage!.userId)!;
    const page = await graph.api(`/users/${other}/messages`).get();
    expect(page.value).toEqual([]);
  });
});

async function readAll(stream: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
