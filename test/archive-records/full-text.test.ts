import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startSearchEmulator, type SearchEmulator } from '../../dev/search-emulator';
import type { Requester } from '../../shared/archive/records/access';
import { FullTextQuery } from '../../shared/archive/records/full-text';
import type { MessageEntry } from '../../shared/archive/model';
import { malformedPdf, pdf, zipBombDocx } from '../archive-extraction/fixtures';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';
import { fullTextOf, indexUntilCaughtUp } from '../support/full-text';

/**
 * Full-text search end to end: entries archived in Azurite and the Cosmos emulator, extracted
 * (body and PDF attachment, in the extraction worker pool), indexed through @azure/search-documents
 * in the search emulator, searched through the use case with the app's access rules.
 */
let search: SearchEmulator;
let stack: RecordsStack;
const alice = randomUUID();
const bruno = randomUUID();
const aliceAsStaff: Requester = { oid: alice, kind: 'user', recordsManager: false };
const records: Requester = { oid: randomUUID(), kind: 'user', recordsManager: true };
const entries: Record<string, MessageEntry> = {};

function fullText() {
  return fullTextOf(stack.services);
}

/** Indexes until the pass says it caught up (the clock moved to now first: capture just happened). */
async function indexAll(): Promise<void> {
  stack.clock.now = new Date();
  await indexUntilCaughtUp(fullText());
}

async function refs(requester: Requester, input: Record<string, unknown>): Promise<string[]> {
  const outcome = await fullText().search.search(requester, FullTextQuery.parse(input));
  if (outcome.kind !== 'ok') throw new Error(outcome.kind);
  return outcome.page.items.map((i) => i.ref).sort();
}

const refOf = (name: string) => stack.services.fullText && `${Buffer.from(entries[name]!.pk, 'utf8').toString('base64url')}.${entries[name]!.id}`;

beforeAll(async () => {
  search = await startSearchEmulator();
  stack = await startRecordsStack({ AZURE_SEARCH_ENDPOINT: search.endpoint, AZURE_SEARCH_API_KEY: search.apiKey, ARCHIVE_SEARCH_INDEX: `archive-${randomUUID().slice(0, 8)}` });
  const add = async (name: string, spec: Parameters<typeof archiveEntry>[1]) => {
    entries[name] = (await archiveEntry(stack, spec)).entry;
  };
  await add('meeting', { mailboxId: alice, receivedAt: '2026-02-03T10:00:00.000Z', subject: 'Réunion du comité', text: "Ordre du jour : l'équité salariale et la négociation." });
  await add('pdf', {
    mailboxId: alice,
    receivedAt: '2025-06-10T09:00:00.000Z',
    subject: 'Document de travail',
    text: 'Voir la pièce jointe.',
    attachments: [{ filename: 'entente.pdf', contentType: 'application/pdf', content: await pdf('Le protocole de retour au travail prévoit une indemnité de déménagement.') }],
  });
  await add('other', { mailboxId: bruno, receivedAt: '2026-02-04T10:00:00.000Z', subject: 'Réunion du comité exécutif', text: 'Équité salariale : suivi.' });
  await add('hostile', {
    mailboxId: alice,
    receivedAt: '2025-09-01T09:00:00.000Z',
    subject: 'Pièces abîmées',
    text: 'Deux fichiers douteux.',
    attachments: [
      { filename: 'rapport.pdf', contentType: 'application/pdf', content: malformedPdf() },
      { filename: 'bombe.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: zipBombDocx(64) },
    ],
  });
  await add('due', { mailboxId: bruno, receivedAt: '2015-01-05T10:00:00.000Z', subject: 'Ancienne réunion', text: 'Réunion de 2015.', retentionRuleId: 'COUR-GEN', retainUntil: '2020-01-01T00:00:00.000Z' });
  await indexAll();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await search?.stop();
});

describe('full-text search on the search emulator', () => {
  it('finds French words with or without their accents, and after an elision', async () => {
    const meeting = [refOf('meeting')];
    expect(await refs(aliceAsStaff, { text: 'réunion' })).toEqual(meeting);
    expect(await refs(aliceAsStaff, { text: 'reunion' })).toEqual(meeting);
    expect(await refs(aliceAsStaff, { text: 'equite salariale' })).toEqual(meeting);
    expect(await refs(aliceAsStaff, { text: '"l\'équité salariale"' })).toEqual(meeting);
  });

  it('finds a phrase inside a PDF attachment, with the hit highlighted', async () => {
    const outcome = await fullText().search.search(aliceAsStaff, FullTextQuery.parse({ text: '"indemnité de déménagement"' }));
    if (outcome.kind !== 'ok') throw new Error(outcome.kind);
    expect(outcome.page.items.map((i) => i.ref)).toEqual([refOf('pdf')]);
    const marked = outcome.page.items[0]!.highlights.filter((h) => h.field === 'attachmentText').flatMap((h) => h.segments.filter((s) => s.hit).map((s) => s.text.toLowerCase()));
    expect(marked.join(' ')).toMatch(/indemnit/);
  });

  it('indexes a message with hostile attachments by what could be read, findable as "not indexed"', async () => {
    expect(await refs(aliceAsStaff, { text: 'douteux' })).toEqual([refOf('hostile')]);
    expect(await refs(aliceAsStaff, { text: '"not indexed" malformed' })).toEqual([refOf('hostile')]);
    expect(await refs(aliceAsStaff, { text: '"not indexed" zip_bomb' })).toEqual([refOf('hostile')]);
  });

  it("never shows staff another mailbox's hits, whatever they send", async () => {
    expect(await refs(aliceAsStaff, { text: 'comité' })).toEqual([refOf('meeting')]);
    expect(await refs(aliceAsStaff, { text: `comité ${bruno}` })).toEqual([]);
    expect(await refs(aliceAsStaff, { text: 'comité', folder: "Inbox') or (mailboxId ne 'x" })).toEqual([]);
    expect(await refs(aliceAsStaff, { text: 'comité', participant: "bob@spgq.local' or mailboxId ne 'x" }).catch((e: Error) => e.name)).toBe('ZodError');
    expect(await fullText().search.search(aliceAsStaff, FullTextQuery.parse({ text: `mailboxId:${bruno}`, syntax: 'full' }))).toEqual({ kind: 'forbidden' });
    expect(await fullText().search.search(aliceAsStaff, FullTextQuery.parse({ text: 'comité', mailboxId: bruno }))).toEqual({ kind: 'forbidden' });
    // A RecordsManager sees both mailboxes, and the full syntax reaches fields.
    expect(await refs(records, { text: 'comité' })).toEqual([refOf('meeting'), refOf('other')].sort());
    expect(await refs(records, { text: 'subject:exécutif', syntax: 'full' })).toEqual([refOf('other')]);
  });

  it('removes a destroyed entry from the index in the disposition pass, and reports no drift after', async () => {
    expect(await refs(records, { text: '2015' })).toEqual([refOf('due')]);
    stack.clock.now = new Date();
    expect(await stack.services.disposition.run()).toMatchObject({ destroyed: 1 });
    expect(await refs(records, { text: '2015' })).toEqual([]);
    expect(await fullText().indexing.drift([alice, bruno])).toEqual([]);
  });

  it('rebuilds after the index is wiped, to the same results', async () => {
    const queries = [{ text: 'reunion' }, { text: '"indemnité de déménagement"' }, { text: 'salariale' }];
    const before = await Promise.all(queries.map((q) => refs(records, q)));
    await fullText().index.drop();
    await fullText().index.ensureIndex();
    expect(await refs(records, { text: 'salariale' })).toEqual([]);
    expect(await fullText().indexing.drift([alice, bruno])).toEqual([{ mailboxId: alice, archive: 3, index: 0 }, { mailboxId: bruno, archive: 1, index: 0 }].sort((a, b) => a.mailboxId.localeCompare(b.mailboxId)));
    await fullText().indexing.startRebuild(records.oid);
    await indexAll();
    expect(await Promise.all(queries.map((q) => refs(records, q)))).toEqual(before);
    expect(await fullText().indexing.rebuildStatus()).toMatchObject({ state: 'completed', indexed: 4 });
  });
});
