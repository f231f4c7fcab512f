import { describe, expect, it } from 'vitest';
import type { Requester } from '../../shared/archive/records/access';
import { FullTextQuery, highlightSegments, odataFilter, HIGHLIGHT_POST, HIGHLIGHT_PRE } from '../../shared/archive/records/full-text';
import { FullTextIndexing } from '../../shared/archive/records/full-text-indexing';
import { FullTextSearch } from '../../shared/archive/records/full-text-search';
import { Disposition } from '../../shared/archive/records/disposition';
import { Exports } from '../../shared/archive/records/export';
import { ExportRequest } from '../../shared/archive/records/export-request';
import { archived, recordsOverFakes } from '../fakes/archive-records';
import { InMemoryExtraction, InMemoryIndexingProgress, InMemorySearchIndex } from '../fakes/archive-search-index';

/**
 * Full-text search as use cases over in-memory ports: security trimming in the query, the syntax
 * each role may use, the audit record, indexing passes, rebuild, disposition and drift. The
 * adapter against the search emulator is tested in full-text.test.ts.
 */
const ALICE = '0a1b2c3d-0000-4000-8000-00000000000a';
const BRUNO = '0a1b2c3d-0000-4000-8000-00000000000b';
const alice: Requester = { oid: ALICE, kind: 'user', recordsManager: false };
const records: Requester = { oid: '0a1b2c3d-0000-4000-8000-0000000000ff', kind: 'user', recordsManager: true };

function world() {
  const fakes = recordsOverFakes();
  const index = new InMemorySearchIndex();
  const extraction = new InMemoryExtraction();
  const progress = new InMemoryIndexingProgress();
  const indexing = new FullTextIndexing({ index, archive: fakes.index, extraction, progress, mailboxes: fakes.mailboxes }, () => fakes.clock.now);
  const search = new FullTextSearch(index, fakes.access, fakes.audit, fakes.index);
  return { fakes, index, extraction, progress, indexing, search };
}

const q = (input: Record<string, unknown>) => FullTextQuery.parse(input);

describe('full-text search: security trimming and audit', () => {
  it('keeps staff to their own mailbox, whatever they send, and audits who, the query and the counts per mailbox', async () => {
    const w = world();
    const own = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-01T10:00:00.000Z', subject: 'Réunion du comité' });
    const other = archived(w.fakes, { mailboxId: BRUNO, receivedAt: '2026-03-01T11:00:00.000Z', subject: 'Réunion du comité exécutif' });
    await w.indexing.pass();
    expect(w.index.documents.size).toBe(2);

    const page = await w.search.search(alice, q({ text: 'reunion' }));
    if (page.kind !== 'ok') throw new Error(page.kind);
    expect(page.page.items.map((i) => i.ref)).toEqual([w.index.documents.get(own.id)!.ref]);
    expect(w.index.queries.at(-1)!.filter).toEqual({ scopeMailboxId: ALICE });

    // A folder crafted to close the literal and widen the filter stays one literal, under the scope.
    const crafted = await w.search.search(alice, q({ text: 'reunion', folder: "Inbox' or mailboxId ne 'x" }));
    expect(crafted).toMatchObject({ kind: 'ok', page: { total: 0, items: [] } });
    expect(odataFilter(w.index.queries.at(-1)!.filter)).toBe(`mailboxId eq '${ALICE}' and (folder eq 'Inbox'' or mailboxId ne ''x')`);

    // Another's mailbox: refused and audited; the full syntax is a RecordsManager's.
    expect(await w.search.search(alice, q({ text: 'reunion', mailboxId: BRUNO }))).toEqual({ kind: 'forbidden' });
    expect(await w.search.search(alice, q({ text: 'mailboxId:*', syntax: 'full' }))).toEqual({ kind: 'forbidden' });

    const all = await w.search.search(records, q({ text: 'reunion', syntax: 'full' }));
    expect(all).toMatchObject({ kind: 'ok', page: { total: 2 } });
    expect(w.index.queries.at(-1)!.filter).toEqual({});

    const trail = w.fakes.trail.records.map((r) => [r.actor, r.action, r.outcome, r.target]);
    expect(trail).toEqual([
      [ALICE, 'full-text-search', 'allowed', { mailboxId: ALICE, query: 'reunion', syntax: 'simple', filters: ['mailboxId'], resultCount: 1, mailboxCounts: [{ mailboxId: ALICE, count: 1 }] }],
      [ALICE, 'full-text-search', 'allowed', { mailboxId: ALICE, query: 'reunion', syntax: 'simple', filters: ['mailboxId', 'folder'], resultCount: 0, mailboxCounts: [] }],
      [ALICE, 'full-text-search', 'denied', { mailboxId: BRUNO }],
      [ALICE, 'full-text-search', 'denied', { filters: [], syntax: 'full' }],
      [records.oid, 'full-text-search', 'allowed', { query: 'reunion', syntax: 'full', filters: [], resultCount: 2, mailboxCounts: [{ mailboxId: ALICE, count: 1 }, { mailboxId: BRUNO, count: 1 }] }],
    ]);
    // Never content: no subject or body in the audit trail.
    expect(JSON.stringify(w.fakes.trail.records)).not.toMatch(/comit/);
    void other;
  });

  it("narrows a RecordsManager's search to one legal hold or one retention rule, refuses both to staff, and audits the filter names only", async () => {
    const w = world();
    const HOLD = 'hold-0a1b2c3d-0000-4000-8000-000000000001';
    const held = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-01T10:00:00.000Z', subject: 'Grief 2026-14', holds: [HOLD], retentionRuleId: 'COUR-GRIEF' });
    archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-02T10:00:00.000Z', subject: 'Grief 2026-15', retentionRuleId: 'COUR-GEN' });
    const bruno = archived(w.fakes, { mailboxId: BRUNO, receivedAt: '2026-03-03T10:00:00.000Z', subject: 'Grief de Bruno', retentionRuleId: 'COUR-GRIEF' });
    await w.indexing.pass();
    const ids = (outcome: Awaited<ReturnType<FullTextSearch['search']>>) => (outcome.kind === 'ok' ? outcome.page.items.map((i) => i.ref.split('.')[1]).sort() : outcome.kind);

    expect(ids(await w.search.search(records, q({ text: 'grief', hold: HOLD })))).toEqual([held.id]);
    expect(ids(await w.search.search(records, q({ text: 'grief', retentionRule: 'COUR-GRIEF' })))).toEqual([held.id, bruno.id].sort());
    expect(ids(await w.search.search(records, q({ text: 'grief', mailboxId: ALICE, retentionRule: 'COUR-GRIEF' })))).toEqual([held.id]);
    expect(odataFilter(w.index.queries.at(-1)!.filter)).toBe(`mailboxId eq '${ALICE}' and (retentionRule eq 'COUR-GRIEF')`);

    // Staff: even in their own mailbox, a hold is not theirs to know of.
    w.fakes.trail.records.length = 0;
    expect(await w.search.search(alice, q({ text: 'grief', hold: HOLD }))).toEqual({ kind: 'forbidden' });
    expect(await w.search.search(alice, q({ text: 'grief', retentionRule: 'COUR-GRIEF' }))).toEqual({ kind: 'forbidden' });
    expect(w.fakes.trail.records.map((r) => [r.outcome, r.target])).toEqual([
      ['denied', { filters: ['hold'], syntax: 'simple' }],
      ['denied', { filters: ['retentionRule'], syntax: 'simple' }],
    ]);

    // Ids only, in their own shapes: nothing else reaches the filter.
    const bad = FullTextQuery.safeParse({ text: 'grief', hold: "x' or 1 eq 1", retentionRule: 'COUR GEN' });
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.')).sort()).toEqual(['hold', 'retentionRule']);
  });

  it('refuses bad input naming the fields, and never takes an expression', () => {
    const bad = FullTextQuery.safeParse({ text: '', mailboxId: 'tous', participant: 'pas une adresse', from: '2026-13-01', filter: "mailboxId ne ''", pageSize: 500 });
    expect(bad.success).toBe(false);
    const fields = new Set(bad.error!.issues.map((i) => (i.path.length ? i.path.join('.') : (i as { keys?: string[] }).keys?.join(','))));
    expect([...fields].sort()).toEqual(['filter', 'from', 'mailboxId', 'pageSize', 'participant', 'text']);
  });

  it('builds date, participant and attachment clauses inside the user part, the scope outside', () => {
    expect(odataFilter({ scopeMailboxId: ALICE, participant: 'Carole@Externe.ca', from: '2025-01-01', to: '2025-12-31', hasAttachments: true })).toBe(
      `mailboxId eq '${ALICE}' and (participantAddresses/any(p: p eq 'carole@externe.ca') and date ge 2025-01-01T00:00:00.000Z and date le 2025-12-31T23:59:59.999Z and hasAttachments eq true)`,
    );
    expect(odataFilter({})).toBeUndefined();
  });

  it('turns highlight marks into segments and drops marks that were in the text itself', () => {
    expect(highlightSegments(`la ${HIGHLIGHT_PRE}réunion${HIGHLIGHT_POST} <b>x</b> \uE000`)).toEqual([
      { text: 'la ', hit: false },
      { text: 'réunion', hit: true },
      { text: ' <b>x</b> ', hit: false },
    ]);
  });
});

describe('full-text indexing', () => {
  it('indexes what capture stored, records what could not be extracted, and rebuilds to the same results', async () => {
    const w = world();
    const a = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-01T10:00:00.000Z', subject: 'Grief 2026-12' });
    const b = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-02T10:00:00.000Z', subject: 'Autre', attachmentNames: ['entente.pdf'] });
    w.extraction.texts.set(b.id, { body: 'Voir la pièce jointe.', attachments: [{ name: 'entente.pdf', text: "L'entente de principe sur l'équité salariale" }], notIndexed: [] });
    w.extraction.failing.add(a.id);
    const first = await w.indexing.pass();
    expect(first).toMatchObject({ indexed: 2, caughtUp: true });
    expect(w.index.documents.get(a.id)!.notIndexedReasons).toEqual(['not indexed: extraction-failed']);

    const phrase = async () => {
      const r = await w.search.search(alice, q({ text: '"equite salariale"' }));
      if (r.kind !== 'ok') throw new Error(r.kind);
      return r.page.items.map((i) => i.ref);
    };
    const before = await phrase();
    expect(before).toHaveLength(1);

    // Captured later: the next pass indexes it without re-reading the archive from the start.
    w.fakes.clock.now = new Date('2026-03-10T12:05:00.000Z');
    archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-10T12:04:30.000Z', subject: 'Nouveau' });
    expect(await w.indexing.pass()).toMatchObject({ indexed: 1, caughtUp: true });

    const status = await w.indexing.startRebuild(records.oid);
    expect(status.state).toBe('running');
    expect(w.index.documents.size).toBe(0);
    await w.indexing.pass();
    expect(w.index.documents.size).toBe(3);
    expect(await phrase()).toEqual(before);
    expect(await w.indexing.rebuildStatus()).toMatchObject({ state: 'completed', indexed: 3 });
  });

  it('never moves the watermark past a rebuild that started during a pass', async () => {
    const w = world();
    archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-01T10:00:00.000Z', subject: 'Un' });
    archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-02T10:00:00.000Z', subject: 'Deux' });
    const extract = w.extraction.extract.bind(w.extraction);
    let rebuilt = false;
    // The first extraction of the pass is when a RecordsManager asks for a rebuild (another instance).
    w.extraction.extract = async (entry) => {
      if (!rebuilt) {
        rebuilt = true;
        await w.indexing.startRebuild(records.oid);
      }
      return extract(entry);
    };
    await w.indexing.pass();
    expect(w.progress.mark).toBe('');
    expect(await w.indexing.pass()).toMatchObject({ indexed: 2, caughtUp: true });
    expect(w.index.documents.size).toBe(2);
  });

  it('reports the mailboxes whose index count differs from the archive', async () => {
    const w = world();
    const a = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-01T10:00:00.000Z' });
    archived(w.fakes, { mailboxId: BRUNO, receivedAt: '2026-03-01T10:00:00.000Z' });
    await w.indexing.pass();
    expect(await w.indexing.drift([ALICE, BRUNO])).toEqual([]);
    await w.index.delete([a.id]);
    expect(await w.indexing.drift([ALICE, BRUNO])).toEqual([{ mailboxId: ALICE, archive: 1, index: 0 }]);
  });
});

describe('disposition and the full-text index', () => {
  it('removes a destroyed entry from the index in the same pass', async () => {
    const w = world();
    const due = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2015-01-01T00:00:00.000Z', subject: 'Ancien grief', retentionRuleId: 'COUR-GEN', retainUntil: '2020-01-01T00:00:00.000Z' });
    await w.indexing.pass();
    expect(w.index.documents.has(due.id)).toBe(true);
    const disposition = new Disposition(w.fakes.index, w.fakes.disposals, w.fakes.calendar, w.fakes.holds, w.fakes.lock, w.fakes.audit, () => w.fakes.clock.now, w.indexing);
    expect(await disposition.run()).toMatchObject({ destroyed: 1 });
    expect(w.index.documents.has(due.id)).toBe(false);
  });
});

describe('export of a full-text search', () => {
  it("exports what the search finds within the filter, through the export path", async () => {
    const w = world();
    const hit = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-01T10:00:00.000Z', subject: 'Sentence arbitrale' });
    archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-02T10:00:00.000Z', subject: 'Autre chose' });
    archived(w.fakes, { mailboxId: BRUNO, receivedAt: '2026-03-03T10:00:00.000Z', subject: 'Sentence de Bruno' });
    await w.indexing.pass();
    const exports = new Exports({ records: w.fakes.exportRecords, files: w.fakes.exportFiles, search: w.fakes.search, content: w.fakes.content, queue: w.fakes.queue, fullText: w.search }, () => w.fakes.clock.now);
    const record = await exports.request(ExportRequest.parse({ matter: 'Demande 2026-07', format: 'zip', filter: { mailboxId: ALICE }, fullText: { text: 'sentence' } }), records.oid);
    expect(record.filters).toEqual(['text', 'mailboxId']);
    expect(await exports.run({ exportId: record.id })).toMatchObject({ outcome: 'completed', count: 1 });
    const manifest = JSON.parse(w.fakes.exportFiles.files.get(record.manifestBlobName)!.bytes.toString('utf8')) as { items: Array<{ entryId: string }> };
    expect(manifest.items.map((i) => i.entryId)).toEqual([hit.id]);
  });

  it("exports a search narrowed to a legal hold: only what the search showed", async () => {
    const w = world();
    const HOLD = 'hold-0a1b2c3d-0000-4000-8000-000000000002';
    const held = archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-01T10:00:00.000Z', subject: 'Sentence arbitrale', holds: [HOLD] });
    archived(w.fakes, { mailboxId: ALICE, receivedAt: '2026-03-02T10:00:00.000Z', subject: 'Sentence sans suspension' });
    await w.indexing.pass();
    const exports = new Exports({ records: w.fakes.exportRecords, files: w.fakes.exportFiles, search: w.fakes.search, content: w.fakes.content, queue: w.fakes.queue, fullText: w.search }, () => w.fakes.clock.now);
    const record = await exports.request(ExportRequest.parse({ matter: 'Demande 2026-08', format: 'zip', fullText: { text: 'sentence', hold: HOLD } }), records.oid);
    expect(record.filters).toEqual(['text', 'hold']);
    expect(await exports.run({ exportId: record.id })).toMatchObject({ outcome: 'completed', count: 1 });
    const manifest = JSON.parse(w.fakes.exportFiles.files.get(record.manifestBlobName)!.bytes.toString('utf8')) as { items: Array<{ entryId: string }> };
    expect(manifest.items.map((i) => i.entryId)).toEqual([held.id]);
  });
});
