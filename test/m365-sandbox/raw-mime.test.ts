import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';
import { hostileAttachmentsMessage, manyPartsMessage, plainMessage, relativeUrlsMessage } from '../support/hostile-mime';

async function readAll(stream: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('M365 sandbox raw MIME injection', () => {
  let sandbox: M365Sandbox;
  let graph: Client;
  let control: SandboxControl;
  let userId: string;

  beforeAll(async () => {
    sandbox = await startM365Sandbox({ scale: { mailboxes: 2, messagesPerMailbox: 2 } });
    graph = createSandboxGraphClient(sandbox);
    control = new SandboxControl(sandbox);
    userId = sandbox.tenant.staffIds[0]!;
  });
  afterAll(() => sandbox?.stop());

  it('serves the exact bytes through $value, with Graph properties derived from the headers', async () => {
    const bytes = Buffer.concat([hostileAttachmentsMessage(), Buffer.from([0xff, 0x00, 0x0d])]);
    const added = await control.addRawMessage(userId, bytes, { receivedDateTime: '2026-03-01T12:00:00Z' });
    expect(added.parseError).toBeNull();
    const served = await readAll(await graph.api(`/users/${userId}/messages/${added.id}/$value`).getStream());
    expect(served.equals(bytes)).toBe(true);
    const message = await graph.api(`/users/${userId}/messages/${added.id}`).get();
    expect(message).toMatchObject({
      subject: 'Pièces jointes hostiles',
      from: { emailAddress: { name: 'Carole Externe', address: 'carole@externe.example' } },
      toRecipients: [{ emailAddress: { name: 'Geneviève Tremblay', address: 'gtremblay@spgq.local' } }],
      // Exchange's receivedDateTime is the delivery time; sentDateTime comes from Date:.
      receivedDateTime: '2026-03-01T12:00:00Z',
      sentDateTime: '2026-02-03T10:00:00Z',
      hasAttachments: true,
    });
    expect(message.internetMessageId).toMatch(/^<[0-9a-f-]+@externe\.example>$/);
    const attachments = (await graph.api(`/users/${userId}/messages/${added.id}/attachments`).get()).value as { id: string; name: string; contentType: string; size: number }[];
    expect(attachments.map((a) => a.contentType)).toContain('message/rfc822');
    expect(attachments.map((a) => a.contentType)).toContain('text/calendar');
    const first = attachments.find((a) => a.contentType === 'application/octet-stream')!;
    expect((await readAll(await graph.api(`/users/${userId}/messages/${added.id}/attachments/${first.id}/$value`).getStream())).toString()).toBe('contenu');
  });

  it('takes the delivery time as sentDateTime when Date: is missing or invalid, and makes up no subject', async () => {
    for (const date of [null, 'le 3 février, vers midi']) {
      const added = await control.addRawMessage(userId, plainMessage('Sans date', { date }), { receivedDateTime: '2026-03-02T08:30:00Z' });
      const message = await graph.api(`/users/${userId}/messages/${added.id}`).get();
      expect(message).toMatchObject({ subject: 'Sans date', sentDateTime: '2026-03-02T08:30:00Z', receivedDateTime: '2026-03-02T08:30:00Z', hasAttachments: false });
    }
  });

  it('counts only inline images as not attachments, and lists them in the folder like any message', async () => {
    const added = await control.addRawMessage(userId, relativeUrlsMessage(), { folder: 'inbox' });
    const message = await graph.api(`/users/${userId}/messages/${added.id}`).select('hasAttachments,parentFolderId').get();
    expect(message.hasAttachments).toBe(false);
    const inbox = await graph.api(`/users/${userId}/mailFolders/inbox`).get();
    expect(message.parentFolderId).toBe(inbox.id);
  });

  it('delivers a message the MIME parser gives up on, saying so, still byte for byte', async () => {
    const bytes = manyPartsMessage(10_001);
    const added = await control.addRawMessage(userId, bytes);
    expect(added.parseError).toMatch(/child nodes/i);
    const served = await readAll(await graph.api(`/users/${userId}/messages/${added.id}/$value`).getStream());
    expect(served.equals(bytes)).toBe(true);
    expect((await graph.api(`/users/${userId}/messages/${added.id}`).get()).subject).toBe('Dix mille parties');
  });

  it('answers 400 naming the field for bytes that are not base64 or a bad delivery time', async () => {
    await expect(control.request('POST', `/mailboxes/${userId}/messages/raw`, { mime: 'pas du base64 !' })).rejects.toThrow(/400.*"field":"mime"/);
    await expect(control.request('POST', `/mailboxes/${userId}/messages/raw`, { mime: 'QQ==', receivedDateTime: 'hier' })).rejects.toThrow(/400.*"field":"receivedDateTime"/);
  });
});
