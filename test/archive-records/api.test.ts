import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { DEMO_USERS, type LocalUser } from '../../dev/token-issuer';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { CONTAINERS } from '../../shared/archive/model';
import { ensureContainer } from '../../shared/platform/adapters/cosmos';
import type { MessageSummary } from '../../shared/archive/records/search-filter';
import type { AuditRecord } from '../../shared/archive/records/audit';
import type { EndpointHandler } from '../../functions/http/endpoint';
import * as api from '../../functions/archive/records';
import { httpRequest, invocation } from '../support/app-env';
import { runExportJob } from '../../functions/archive/exports';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { archiveEntry, buildMime, startRecordsStack, type RecordsStack } from './records-stack';
import { takeExportJob, takeHoldJob } from './export-jobs';
import { recordMailbox } from './mailboxes';

let stack: RecordsStack;
let bus: ServiceBusEmulator;
const [alice, marc, records] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];
const tokens = new Map<string, string>();
const pdf = Buffer.from('%PDF-1.4 pièce jointe ' + randomUUID());
const SECRET_SUBJECT = 'Grief confidentiel Tremblay';
let aliceMime: Buffer;

beforeAll(async () => {
  bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  stack = await startRecordsStack({ ServiceBusConnection: bus.connectionString });
  for (const u of [alice, marc, records]) tokens.set(u.oid, await stack.issuer.mintUserToken(u));
  // Known to the archive (a legal hold may name only archived mailboxes).
  await recordMailbox(stack, { mailboxId: alice.oid, displayName: 'Geneviève', address: 'gtremblay@spgq.local' });
  const headers = { subject: SECRET_SUBJECT, from: { name: 'Carole Externe', address: 'Carole@Externe.ca' }, to: [{ name: 'Geneviève', address: 'gtremblay@spgq.local' }] };
  aliceMime = buildMime({
    ...headers,
    text: 'Texte du grief.',
    html: '<p onclick="steal()">Bonjour <b>Geneviève</b></p><script>alert(1)</script><img src="https://tracker.example/p.gif"><img src="data:image/png;base64,iVBORw0KGgo="><a href="https://spgq.qc.ca" onmouseover="x()">lien</a><style>p{color:red}</style><iframe src="https://evil.example"></iframe>',
    attachments: [{ filename: 'décision.pdf', contentType: 'application/pdf', content: pdf }],
  });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00Z', folderPath: 'Inbox/Griefs', mime: aliceMime, ...headers });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-01-15T09:00:00Z', folderPath: 'Sent Items', subject: 'Ordre du jour du comité', to: [{ name: 'Marc', address: 'magagnon@spgq.local' }] });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2025-11-20T09:00:00Z', folderPath: 'Inbox', subject: 'Vacances' });
  await archiveEntry(stack, { mailboxId: marc.oid, receivedAt: '2026-01-20T09:00:00Z', folderPath: 'Inbox', subject: 'Budget du comité' });
});
afterAll(async () => {
  await stack?.stop();
  await bus?.stop();
});

interface Call {
  user?: LocalUser;
  query?: Record<string, string>;
  params?: Record<string, string>;
  json?: unknown;
  method?: string;
  language?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function call(handler: EndpointHandler, c: Call = {}): Promise<HttpResponseInit & { json: Json }> {
  const url = new URL('http://localhost:7071/api/archive/test');
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const response = await handler(
    httpRequest({
      method: c.method ?? (c.json === undefined ? 'GET' : 'POST'),
      url: url.toString(),
      params: c.params ?? {},
      json: c.json,
      headers: { ...(c.user ? { authorization: `Bearer ${tokens.get(c.user.oid)}` } : {}), 'accept-language': c.language ?? 'fr-CA' },
    }),
    invocation('archive').context,
  );
  return { ...response, json: response.jsonBody };
}

// POST /api/archive/search: the filters travel in the body (personal information stays out of URLs).
const search = (user: LocalUser, json: Record<string, unknown> = {}) => call(api.archiveSearch, { user, json });
const subjects = (r: { json: { items: MessageSummary[] } }) => r.json.items.map((i) => i.subject).sort();

describe('search and access rules', () => {
  it('shows staff their own mailbox only, and refuses another mailbox with 403', async () => {
    const own = await search(alice);
    expect(own.status).toBe(200);
    expect(subjects(own)).toEqual([SECRET_SUBJECT, 'Ordre du jour du comité', 'Vacances']);
    expect(own.json.items.map((i: MessageSummary) => i.receivedAt)).toEqual(['2026-02-03T10:00:00Z', '2026-01-15T09:00:00Z', '2025-11-20T09:00:00Z']);
    expect(subjects(await search(marc))).toEqual(['Budget du comité']);
    const other = await search(marc, { mailboxId: alice.oid });
    expect(other.status).toBe(403);
    expect(other.json.error).toMatchObject({ code: 'forbidden', message: 'Vous ne pouvez consulter que vos propres courriels archivés.' });
    // A participant search for someone else's mail in one's own mailbox finds nothing of theirs.
    expect((await search(marc, { participant: 'carole@externe.ca' })).json.items).toEqual([]);
    expect((await call(api.archiveSearch, { json: {} })).status).toBe(401);
  });

  it('lets a RecordsManager search every mailbox or one', async () => {
    expect(subjects(await search(records))).toEqual(expect.arrayContaining([SECRET_SUBJECT, 'Budget du comité', 'Vacances', 'Ordre du jour du comité']));
    expect(subjects(await search(records, { mailboxId: marc.oid }))).toEqual(['Budget du comité']);
  });

  it('filters by participant, subject words, folder, attachments and date range', async () => {
    expect(subjects(await search(alice, { participant: 'CAROLE@externe.ca' }))).toEqual([SECRET_SUBJECT]);
    expect(subjects(await search(alice, { participant: 'magagnon@spgq.local' }))).toEqual(['Ordre du jour du comité']);
    expect(subjects(await search(alice, { subject: 'COMITÉ ordre' }))).toEqual(['Ordre du jour du comité']);
    expect(subjects(await search(alice, { folder: 'Inbox' }))).toEqual([SECRET_SUBJECT, 'Vacances']);
    expect(subjects(await search(alice, { folder: 'inbox/griefs' }))).toEqual([SECRET_SUBJECT]);
    expect(subjects(await search(alice, { hasAttachments: 'true' }))).toEqual([SECRET_SUBJECT]);
    expect(subjects(await search(alice, { hasAttachments: 'false' }))).toEqual(['Ordre du jour du comité', 'Vacances']);
    expect(subjects(await search(alice, { from: '2026-01-01', to: '2026-01-31' }))).toEqual(['Ordre du jour du comité']);
    expect(subjects(await search(alice, { to: '2026-01-15' }))).toEqual(['Ordre du jour du comité', 'Vacances']);
  });

  it('pages with continuation tokens, newest first, without repeats', async () => {
    const seen: string[] = [];
    let continuation: string | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await search(alice, { pageSize: '1', ...(continuation ? { continuation } : {}) });
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((m: MessageSummary) => m.subject));
      continuation = page.json.continuation ?? undefined;
      if (!continuation) break;
    }
    expect(seen).toEqual([SECRET_SUBJECT, 'Ordre du jour du comité', 'Vacances']);
  });

  it('answers 400 naming each bad field, in French and in English', async () => {
    const query = { from: 'hier', pageSize: '0', participant: 'pas-une-adresse@', hasAttachments: 'peut-être' };
    const fr = await call(api.archiveSearch, { user: alice, json: query });
    const en = await call(api.archiveSearch, { user: alice, json: query, language: 'en' });
    for (const r of [fr, en]) {
      expect(r.status).toBe(400);
      expect(r.json.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.from', 'body.hasAttachments', 'body.pageSize', 'body.participant']);
    }
    expect(fr.json.error.message).toBe('La requête contient des données invalides. Corrigez les champs indiqués.');
    expect(en.json.error.message).toBe('The request contains invalid data. Correct the fields listed.');
    expect(fr.json.error.details[0].message).not.toBe(en.json.error.details[0].message);
    const reversed = await call(api.archiveSearch, { user: alice, json: { from: '2026-02-01', to: '2026-01-01' }, language: 'en' });
    expect(reversed.json.error.details).toEqual([expect.objectContaining({ field: 'body.to', message: 'from must be on or before to' })]);
    expect((await call(api.archiveSearch, { user: alice, json: { continuation: 'bm90LWEtdG9rZW4' } })).status).toBe(400);
  });
});

describe('read and download', () => {
  let ref: string;
  beforeAll(async () => {
    ref = (await search(alice, { hasAttachments: 'true' })).json.items[0].ref;
  });

  it('shows headers, text and sanitised HTML, and the attachment list', async () => {
    const r = await call(api.archiveMessage, { user: alice, params: { ref } });
    expect(r.status).toBe(200);
    expect(r.json.headers).toMatchObject({ subject: SECRET_SUBJECT, from: '"Carole Externe" <Carole@Externe.ca>' });
    expect(r.json.text).toContain('Texte du grief.');
    const html: string = r.json.html;
    expect(html).toContain('<b>Geneviève</b>');
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(html).toContain('rel="noopener noreferrer"');
    expect(html).not.toMatch(/<script|onclick|onmouseover|<style|<iframe|evil\.example|alert\(/i);
    // The remote image is held back (no src) until the reader asks for it (docs/decisions/0014).
    expect(html).toContain('<img data-remote-src="https://tracker.example/p.gif" />');
    expect(html).not.toMatch(/ src="https?:/);
    expect(r.json.remoteImages).toBe(1);
    expect(r.json.attachments).toEqual([{ index: 0, filename: 'décision.pdf', originalName: 'décision.pdf', contentType: 'application/pdf', size: pdf.length }]);
  });

  it('downloads the .eml byte for byte as stored, and an attachment', async () => {
    const eml = await call(api.archiveEml, { user: alice, params: { ref } });
    expect(eml.status).toBe(200);
    // Streamed, not buffered by the endpoint.
    expect(eml.body).toBeInstanceOf(Readable);
    const downloaded: Buffer[] = [];
    for await (const chunk of eml.body as Readable) downloaded.push(chunk as Buffer);
    expect(Buffer.compare(Buffer.concat(downloaded), aliceMime)).toBe(0);
    expect((eml.headers as Record<string, string>)['content-length']).toBe(String(aliceMime.length));
    expect(eml.headers).toMatchObject({ 'content-type': 'message/rfc822', 'x-content-sha256': createHash('sha256').update(aliceMime).digest('hex') });
    const att = await call(api.archiveAttachment, { user: alice, params: { ref, index: '0' } });
    expect(att.body).toBeInstanceOf(Readable);
    const attachment: Buffer[] = [];
    for await (const chunk of att.body as Readable) attachment.push(chunk as Buffer);
    expect(Buffer.compare(Buffer.concat(attachment), pdf)).toBe(0);
    expect((att.headers as Record<string, string>)['content-disposition']).toContain("filename*=UTF-8''d%C3%A9cision.pdf");
    expect((await call(api.archiveAttachment, { user: alice, params: { ref, index: '3' } })).status).toBe(404);
  });

  it('refuses other staff (403), lets a RecordsManager read, and 404s unknown or malformed refs', async () => {
    expect((await call(api.archiveMessage, { user: marc, params: { ref } })).status).toBe(403);
    expect((await call(api.archiveEml, { user: marc, params: { ref } })).status).toBe(403);
    expect((await call(api.archiveMessage, { user: records, params: { ref } })).status).toBe(200);
    const unknown = ref.replace(/\.[0-9a-f]{64}$/, `.${'0'.repeat(64)}`);
    expect((await call(api.archiveMessage, { user: alice, params: { ref: unknown } })).status).toBe(404);
    expect((await call(api.archiveMessage, { user: alice, params: { ref: 'garbage' } })).status).toBe(404);
  });
});

describe('holds, exports and the audit log', () => {
  it('creates, lists and releases holds for RecordsManagers only', async () => {
    const denied = await call(api.archiveHoldCreate, { user: alice, json: { matter: 'Grief 2026-01', mailboxes: [alice.oid] } });
    expect(denied.status).toBe(403);
    const bad = await call(api.archiveHoldCreate, { user: records, json: { matter: 'x', mailboxes: [], participants: ['nope'] }, language: 'en' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.mailboxes', 'body.matter', 'body.participants.0']);
    const created = await call(api.archiveHoldCreate, { user: records, json: { matter: 'Grief 2026-01', mailboxes: [alice.oid], participants: ['carole@externe.ca'] } });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ status: 'active', applyStatus: 'queued', appliedCount: 0, createdBy: records.oid });
    // Applied in the background by the records worker.
    await runExportJob(await takeHoldJob(bus, created.json.id, 60_000), invocation('archiveExport').context);
    expect((await call(api.archiveHoldGet, { user: records, params: { id: created.json.id } })).json).toMatchObject({ applyStatus: 'completed', appliedCount: 1 });
    const held = (await search(alice, { participant: 'carole@externe.ca' })).json.items[0];
    expect(held.held).toBe(true);
    expect((await call(api.archiveHoldsList, { user: records })).json.items.map((h: { id: string }) => h.id)).toContain(created.json.id);
    const released = await call(api.archiveHoldRelease, { user: records, method: 'POST', params: { id: created.json.id } });
    expect(released.json.status).toBe('released');
    expect((await call(api.archiveHoldRelease, { user: records, method: 'POST', params: { id: `hold-${randomUUID()}` } })).status).toBe(404);
  });

  it('writes an audit record for every access, queryable by a RecordsManager, free of content', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    expect((await call(api.archiveAudit, { user: alice, query: { from, to } })).status).toBe(403);
    const all: AuditRecord[] = [];
    let continuation: string | undefined;
    do {
      const page = await call(api.archiveAudit, { user: records, query: { from, to, pageSize: '50', ...(continuation ? { continuation } : {}) } });
      expect(page.status).toBe(200);
      all.push(...page.json.items);
      continuation = page.json.continuation ?? undefined;
    } while (continuation);
    const actions = new Set(all.map((a) => `${a.action}:${a.outcome}`));
    for (const expected of ['search:allowed', 'search:denied', 'view:allowed', 'view:denied', 'download-eml:allowed', 'download-attachment:allowed', 'hold-create:allowed', 'hold-release:allowed']) expect(actions).toContain(expected);
    const aliceSearch = all.find((a) => a.action === 'search' && a.actor === alice.oid && a.target.filters?.includes('participant'));
    expect(aliceSearch).toMatchObject({ actorKind: 'user', target: { mailboxId: alice.oid, filters: ['mailboxId', 'participant'] } });
    const text = JSON.stringify(all);
    for (const content of [SECRET_SUBJECT, 'Grief', 'Carole', 'externe.ca', 'spgq.local', 'Texte du grief', 'comité', 'décision']) expect(text).not.toContain(content);
    const onlyViews = await call(api.archiveAudit, { user: records, query: { from, to, action: 'view', actor: alice.oid } });
    expect(onlyViews.json.items.length).toBeGreaterThan(0);
    expect(onlyViews.json.items.every((a: AuditRecord) => a.action === 'view' && a.actor === alice.oid)).toBe(true);
  });

  it('exports a query in the background as a zip of .eml and as mbox, with a short-lived link and a manifest whose hashes match', async () => {
    const yauzl = require('yauzl') as typeof import('yauzl');
    expect((await call(api.archiveExportCreate, { user: alice, json: { matter: 'Demande', format: 'zip' } })).status).toBe(403);
    const bad = await call(api.archiveExportCreate, { user: records, json: { matter: 'x', format: 'rar', filter: { participant: 'personne@' } }, language: 'en' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.filter.participant', 'body.format', 'body.matter']);

    // The request only records and queues the export: 202, a Location, no link yet.
    const zip = await call(api.archiveExportCreate, { user: records, json: { matter: 'Demande d’accès 2026-07', format: 'zip', filter: { mailboxId: alice.oid } } });
    expect(zip.status).toBe(202);
    expect(zip.headers).toMatchObject({ location: `/api/archive/exports/${zip.json.id}` });
    expect(zip.json).toMatchObject({ status: 'queued', count: 0, format: 'zip', filters: ['mailboxId'], attempts: 0 });
    const waiting = await call(api.archiveExportGet, { user: records, params: { id: zip.json.id } });
    expect(waiting.json).toMatchObject({ status: 'queued' });
    expect(waiting.json.url).toBeUndefined();

    // The worker takes the job from the export queue and builds the file.
    await runExportJob(await takeExportJob(bus, zip.json.id), invocation('archiveExport').context);
    const done = await call(api.archiveExportGet, { user: records, params: { id: zip.json.id } });
    expect(done.json).toMatchObject({ status: 'completed', count: 3, attempts: 1, failure: null });
    expect(Date.parse(done.json.expiresOn) - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    const archive = Buffer.from(await (await fetch(done.json.url)).arrayBuffer());
    const manifest = (await (await fetch(done.json.manifestUrl)).json()) as { sha256: string; count: number; items: { name: string; contentHash: string }[] };
    expect(createHash('sha256').update(archive).digest('hex')).toBe(manifest.sha256);
    expect(done.json.sha256).toBe(manifest.sha256);
    expect(manifest.count).toBe(3);
    const files = await new Promise<Map<string, Buffer>>((resolve, reject) => {
      yauzl.fromBuffer(archive, { lazyEntries: true }, (err, zipfile) => {
        if (err) return reject(err);
        const out = new Map<string, Buffer>();
        zipfile.on('entry', (entry: import('yauzl').Entry) => {
          zipfile.openReadStream(entry, async (e, stream) => {
            if (e) return reject(e);
            const chunks: Buffer[] = [];
            for await (const c of stream) chunks.push(c as Buffer);
            out.set(entry.fileName, Buffer.concat(chunks));
            zipfile.readEntry();
          });
        });
        zipfile.on('end', () => resolve(out));
        zipfile.readEntry();
      });
    });
    expect([...files.keys()].sort()).toEqual(manifest.items.map((i) => i.name).sort());
    for (const item of manifest.items) expect(createHash('sha256').update(files.get(item.name)!).digest('hex')).toBe(item.contentHash);
    expect([...files.values()].some((b) => b.equals(aliceMime))).toBe(true);

    const mbox = await call(api.archiveExportCreate, { user: records, json: { matter: 'Demande d’accès 2026-07', format: 'mbox', filter: { participant: 'carole@externe.ca' } } });
    expect(mbox.status).toBe(202);
    await runExportJob(await takeExportJob(bus, mbox.json.id), invocation('archiveExport').context);
    const mboxDone = await call(api.archiveExportGet, { user: records, params: { id: mbox.json.id } });
    expect(mboxDone.json).toMatchObject({ status: 'completed', count: 1 });
    const text = Buffer.from(await (await fetch(mboxDone.json.url)).arrayBuffer());
    const mboxManifest = (await (await fetch(mboxDone.json.manifestUrl)).json()) as { sha256: string; items: { contentHash: string }[] };
    expect(createHash('sha256').update(text).digest('hex')).toBe(mboxManifest.sha256);
    // One message: drop the "From " line and the separating newline, undo mboxrd quoting.
    const body = text.subarray(text.indexOf(0x0a) + 1, text.length - 1).toString('latin1').replace(/^>(>*From )/gm, '$1');
    expect(createHash('sha256').update(Buffer.from(body, 'latin1')).digest('hex')).toBe(mboxManifest.items[0]!.contentHash);

    // A repeated delivery of a finished job changes nothing.
    const logs = invocation('archiveExport');
    await runExportJob({ exportId: zip.json.id }, logs.context);
    expect(logs.lines.join('\n')).toMatch(/nothing-to-do/);
    expect((await call(api.archiveExportGet, { user: records, params: { id: zip.json.id } })).json).toMatchObject({ status: 'completed', sha256: manifest.sha256, attempts: 1 });
    expect((await call(api.archiveExportsList, { user: records })).json.items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([zip.json.id, mbox.json.id]));
    expect((await call(api.archiveExportGet, { user: records, params: { id: `export-${randomUUID()}` } })).status).toBe(404);
    // The worker's log and the audit log name the export, never the matter or the query.
    expect(logs.lines.join('\n')).not.toMatch(/Demande|carole|externe/i);
    const audit = await call(api.archiveAudit, { user: records, query: { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), action: 'export-complete' } });
    expect(audit.json.items).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'system', target: { exportId: zip.json.id, resultCount: 3 } })]));
  });
});

describe('completeness', () => {
  it('reports archived against totalItemCount per folder with gaps, and the last run, lag and errors', async () => {
    const state = await ensureContainer(cosmosDatabase(), CONTAINERS.mailboxes, '/mailboxId');
    const now = new Date().toISOString();
    const base = { type: 'checkpoint', mailboxId: alice.oid, nextLink: null, deltaLink: 'x', childFolderCount: 0, messagesStored: 0, messagesRemoved: 0, fullSyncRestarts: 0, roundStartedAt: now, lastRoundCompletedAt: now, folderGone: false, updatedAt: now, version: 1 };
    await state.items.upsert({ ...base, id: 'checkpoint|a', folderId: 'folder-Inbox', folderPath: 'Inbox', totalItemCount: 3 });
    await state.items.upsert({ ...base, id: 'checkpoint|b', folderId: 'folder-Sent Items', folderPath: 'Sent Items', totalItemCount: 1 });
    await state.items.upsert({
      id: 'run', type: 'run', mailboxId: alice.oid, lastRunId: 'r1', lastRunStartedAt: now, lastRunEndedAt: now, lastOutcome: 'succeeded',
      lastSuccessAt: now, caughtUpTo: new Date(Date.now() - 600_000).toISOString(), errors: [{ at: now, code: 'graph-429', detail: 'throttled' }], messagesStoredLastRun: 3, updatedAt: now, version: 1,
    });
    expect((await call(api.archiveCompleteness, { user: alice })).status).toBe(403);
    const r = await call(api.archiveCompleteness, { user: records, query: { mailboxId: alice.oid } });
    expect(r.status).toBe(200);
    const [mbx] = r.json.mailboxes;
    expect(mbx.folders).toEqual([
      expect.objectContaining({ folderPath: 'Inbox', totalItemCount: 3, archived: 1, missing: 2 }),
      expect.objectContaining({ folderPath: 'Sent Items', totalItemCount: 1, archived: 1, missing: 0 }),
    ]);
    expect(mbx.gaps.map((g: { folderPath: string }) => g.folderPath)).toEqual(['Inbox']);
    expect(mbx).toMatchObject({ complete: false, lastOutcome: 'succeeded', errors: [expect.objectContaining({ code: 'graph-429' })] });
    expect(mbx.lagSeconds).toBeGreaterThanOrEqual(600);
    expect(mbx.lagSeconds).toBeLessThan(700);
  });
});
