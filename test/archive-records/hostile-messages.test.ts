import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponseInit } from '@azure/functions';
import { DEMO_USERS } from '../../dev/token-issuer';
import * as api from '../../functions/archive/records';
import { resetRecordsServicesForTests } from '../../shared/archive/adapters/records-services';
import type { MessageEntry } from '../../shared/archive/model';
import { messageRef } from '../../shared/archive/records/search-filter';
import { httpRequest, invocation } from '../support/app-env';
import {
  HOSTILE_SAFE_NAMES, deeplyNestedMessage, hostileAttachmentsMessage, hugeHeaderMessage, manyPartsMessage, plainMessage, relativeUrlsMessage,
} from '../support/hostile-mime';
import { allEntries, ordinaryStaffMailbox, startCaptureStack, type CaptureStack } from '../archive/capture-stack';

/**
 * Hostile and malformed messages delivered to the sandbox as exact bytes, captured by the app's
 * capture path (Graph delta + $value into the content store and index), then read through the
 * archive's HTTP handlers as a records manager would.
 */
const records = DEMO_USERS[2]!;
let stack: CaptureStack;
let mailboxId: string;
let token: string;
const injected = new Map<string, { id: string; receivedDateTime: string }>();
const entries = new Map<string, MessageEntry>();

const CASES = {
  noDate: () => plainMessage('Sans date', { date: null }),
  badDate: () => plainMessage('Date invalide', { date: 'le 3 février, vers midi' }),
  goodDate: () => plainMessage('Date valide', { date: 'Tue, 3 Feb 2026 05:00:00 -0500' }),
  attachments: hostileAttachmentsMessage,
  relative: relativeUrlsMessage,
  nested: () => deeplyNestedMessage(1_001),
  hugeHeader: () => hugeHeaderMessage(1_100_000),
  manyParts: () => manyPartsMessage(10_001),
};

beforeAll(async () => {
  stack = await startCaptureStack({ sandbox: { scale: { mailboxes: 2, messagesPerMailbox: 1 } } });
  resetRecordsServicesForTests();
  mailboxId = await ordinaryStaffMailbox(stack);
  token = await stack.issuer.mintUserToken(records);
  let minute = 0;
  for (const [name, build] of Object.entries(CASES)) {
    const receivedDateTime = `2026-03-04T09:${String(minute++).padStart(2, '0')}:00Z`;
    const added = await stack.control.addRawMessage(mailboxId, build(), { receivedDateTime });
    injected.set(name, { id: added.id, receivedDateTime });
  }
  const result = await stack.services.archiver.archive(mailboxId, { deadline: Date.now() + 240_000 });
  expect(result.outcome).toBe('caughtUp');
  const captured = await allEntries(mailboxId);
  for (const [name, { id }] of injected) {
    const entry = captured.find((e) => e.messageId === id);
    if (!entry) throw new Error(`${name} was not captured`);
    entries.set(name, entry);
  }
}, 300_000);
afterAll(() => stack?.stop());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function view(name: keyof typeof CASES): Promise<HttpResponseInit & { json: Json }> {
  const ref = messageRef(entries.get(name)!);
  const response = await api.archiveMessage(
    httpRequest({ url: 'http://localhost:7071/api/archive/messages/x', params: { ref }, headers: { authorization: `Bearer ${token}`, 'accept-language': 'fr-CA' } }),
    invocation('archiveMessage').context,
  );
  return { ...response, json: response.jsonBody };
}

async function attachment(name: keyof typeof CASES, index: number): Promise<HttpResponseInit> {
  const ref = messageRef(entries.get(name)!);
  return api.archiveAttachment(
    httpRequest({ url: `http://localhost:7071/api/archive/messages/x/attachments/${index}`, params: { ref, index: String(index) }, headers: { authorization: `Bearer ${token}` } }),
    invocation('archiveAttachment').context,
  );
}

async function text(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('reading hostile messages captured from the tenant', () => {
  it('shows no date (never the time of reading) for a missing or invalid Date:, with the raw header, and keeps Graph\'s receivedAt', async () => {
    const invalid = await view('badDate');
    expect(invalid.status ?? 200).toBe(200);
    expect(invalid.json.headers.date).toBeNull();
    expect(invalid.json.headers.dateRaw).toBe('le 3 février, vers midi');
    expect(invalid.json.receivedAt).toBe(injected.get('badDate')!.receivedDateTime);
    const missing = await view('noDate');
    expect(missing.json.headers).toMatchObject({ date: null, dateRaw: null });
    expect(missing.json.receivedAt).toBe(injected.get('noDate')!.receivedDateTime);
    const valid = await view('goodDate');
    expect(valid.json.headers).toMatchObject({ date: '2026-02-03T10:00:00.000Z', dateRaw: 'Tue, 3 Feb 2026 05:00:00 -0500' });
  });

  it('lists attachment names made safe, with the original kept, and the same names as the index', async () => {
    const { json } = await view('attachments');
    const listed = json.attachments as { index: number; filename: string; originalName: string | null }[];
    expect(listed.map((a) => a.filename)).toEqual(HOSTILE_SAFE_NAMES);
    expect(entries.get('attachments')!.attachmentNames).toEqual(HOSTILE_SAFE_NAMES);
    expect(listed[0]!.originalName).toBe('../../etc/passwd');
    expect(listed[4]!.originalName).toBe('facture\u202efdp.exe');
    expect(listed[10]!.originalName).toBeNull();
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    for (const a of listed) expect(a.filename).not.toMatch(/[/\\\u0000-\u001f\u202a-\u202e]/);
  });

  it('downloads an attachment under its safe name, as an RFC 6266 Content-Disposition', async () => {
    const { json } = await view('attachments');
    // The fifth attachment is named "facture<RIGHT-TO-LEFT OVERRIDE>fdp.exe" (shown as "facturexe.pdf").
    const bidi = (json.attachments as { index: number }[])[4]!;
    const response = await attachment('attachments', bidi.index);
    expect(response.status ?? 200).toBe(200);
    const disposition = String((response.headers as Record<string, string>)['content-disposition']);
    expect(disposition).toBe(`attachment; filename="facturefdp.exe"; filename*=UTF-8''facturefdp.exe`);
    expect(await text(response.body)).toBe('contenu');
    const accented = await attachment('attachments', (json.attachments as { index: number; filename: string }[]).find((a) => a.filename === 'été 2026.pdf')!.index);
    expect((accented.headers as Record<string, string>)['content-disposition']).toBe(`attachment; filename="_t_ 2026.pdf"; filename*=UTF-8''%C3%A9t%C3%A9%202026.pdf`);
    await text(accented.body);
  });

  it('drops relative URLs, shows cid: images inline and keeps remote images unloaded until asked', async () => {
    const { json } = await view('relative');
    const html = json.html as string;
    expect(html).not.toMatch(/(src|href)="(?!https:\/\/|mailto:|data:image\/png;base64,)/);
    expect(html).not.toContain('/api/');
    expect(html).not.toContain('tracker.gif');
    expect(html).toMatch(/<img alt="inline-logo" src="data:image\/png;base64,iVBORw0KGgo[^"]*" \/>/);
    expect(html).toContain('<img alt="remote" data-remote-src="https://tracker.example/p.gif" />');
    expect(html).not.toContain('p2.gif');
    expect(html).toContain('<a href="https://spgq.qc.ca/" target="_blank" rel="noopener noreferrer">lien-absolu</a>');
    expect(html).toContain('<a>lien-racine</a>');
    expect(json.remoteImages).toBe(1);
    expect(json.attachments).toEqual([]);
  });

  it('answers a message beyond the parser\'s limits with its headers and "too complex", never a 500', async () => {
    for (const name of ['nested', 'hugeHeader', 'manyParts'] as const) {
      const response = await view(name);
      expect(response.status ?? 200, name).toBe(200);
      expect(response.json, name).toMatchObject({ tooComplex: true, html: null, text: null, attachments: [], headers: { from: expect.stringContaining('carole@externe.example') } });
      expect(response.json.headers.date, name).toBe('2026-02-03T10:00:00.000Z');
      const download = await attachment(name, 0);
      expect(download.status, name).toBe(404);
    }
    expect((await view('hugeHeader')).json.headers.subject).toBe('En-tête énorme');
    expect((await view('manyParts')).json.headers.subject).toBe('Dix mille parties');
  });
});
