import { beforeAll, describe, expect, it } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import type { SearchOptions } from '@azure/search-documents';
import { indexClient, messageIndex, searchClient, uniqueIndexName, type Message } from './clients';

/** Queries through the official SDK's SearchClient: syntax, analyzers, filters, facets, highlights, paging, errors. */
describe('Search emulator: search', () => {
  const name = uniqueIndexName('search');
  const client = searchClient<Message>(name);
  const d = (iso: string) => new Date(iso);
  const corpus: Message[] = [
    { id: 'm1', mailboxId: 'mb-a', subject: 'Réunion du comité exécutif', body: "L'assemblée générale aura lieu jeudi au siège social.", participants: ['marie.tremblay@spgq.qc.ca', 'Marie Tremblay'], folder: 'Inbox', sentAt: d('2023-02-10T14:00:00Z'), size: 1200, hasAttachments: true, retentionRule: 'COUR-GEN' },
    { id: 'm2', mailboxId: 'mb-a', subject: 'Information importante sur la paie', body: 'Les relevés de paie seront envoyés vendredi.', participants: ['paie@spgq.qc.ca'], folder: 'Inbox', sentAt: d('2024-06-01T09:00:00Z'), size: 800, hasAttachments: false },
    { id: 'm3', mailboxId: 'mb-b', subject: 'Formation en cybersécurité', body: 'Les formations obligatoires commencent en septembre. Inscrivez-vous.', participants: ['formation@spgq.qc.ca', 'marie.tremblay@spgq.qc.ca'], folder: 'Formations', sentAt: d('2024-08-15T13:00:00Z'), size: 3000, hasAttachments: true },
    { id: 'm4', mailboxId: 'mb-b', subject: 'Grief 2024-17 : suivi', body: "Le grief concernant l'horaire de travail est déposé à l'employeur.", participants: ['griefs@spgq.qc.ca'], folder: 'Griefs', sentAt: d('2024-11-20T16:45:00Z'), size: 500, hasAttachments: false },
    { id: 'm5', mailboxId: 'mb-c', subject: 'Meeting notes', bodyEn: 'The union meetings were held on Monday. Collective agreement discussed.', participants: ['john.smith@spgq.qc.ca'], folder: 'Inbox', sentAt: d('2025-01-05T10:00:00Z'), size: 700, hasAttachments: false },
    { id: 'm6', mailboxId: 'mb-c', subject: 'Convention collective', body: 'La convention collective a été signée par les parties.', participants: ['direction@spgq.qc.ca'], folder: 'Direction', sentAt: d('2025-03-03T08:00:00Z'), size: 2500, hasAttachments: true },
    { id: 'm7', mailboxId: 'mb-a', subject: 'Rappel : réunion reportée', body: "La réunion d'équipe est reportée à lundi.", participants: ['marie.tremblay@spgq.qc.ca'], folder: 'Inbox', sentAt: d('2025-04-07T11:00:00Z'), size: 300, hasAttachments: false },
  ];

  beforeAll(async () => {
    await indexClient().createIndex(messageIndex(name));
    await client.uploadDocuments(corpus);
  });

  async function ids(text: string, options: SearchOptions<Message> = {}): Promise<string[]> {
    const out: string[] = [];
    for await (const r of (await client.search(text, options)).results) out.push(r.document.id);
    return out.sort();
  }

  describe('French and English analysis', () => {
    it('finds "Réunion" with or without the accent, in any case', async () => {
      expect(await ids('reunion')).toEqual(['m1', 'm7']);
      expect(await ids('RÉUNION')).toEqual(['m1', 'm7']);
    });
    it('does not let "formation" match "information"; finds the plural "formations"', async () => {
      expect(await ids('formation', { searchFields: ['subject', 'body'] })).toEqual(['m3']);
      expect(await ids('information', { searchFields: ['subject', 'body'] })).toEqual(['m2']);
    });
    it('removes elisions: "assemblée" finds "l\'assemblée", and "l\'horaire" finds "horaire"', async () => {
      expect(await ids('assemblée')).toEqual(['m1']);
      expect(await ids('assemblee')).toEqual(['m1']);
      expect(await ids("l'horaire")).toEqual(['m4']);
    });
    it('stems English in an en.lucene field: "meeting" finds "meetings"', async () => {
      expect(await ids('meeting', { searchFields: ['bodyEn'] })).toEqual(['m5']);
    });
    it('keeps an address whole in a standard field', async () => {
      expect(await ids('"marie.tremblay@spgq.qc.ca"', { searchFields: ['participants'] })).toEqual(['m1', 'm3', 'm7']);
    });
  });

  describe('simple syntax', () => {
    it('matches a phrase only with its words in order', async () => {
      expect(await ids('"convention collective"')).toEqual(['m6']);
      expect(await ids('"collective convention"')).toEqual([]);
    });
    it('excludes with - under searchMode all, and ORs the exclusion under any, as the service does', async () => {
      expect(await ids('réunion -reportée', { searchMode: 'all' })).toEqual(['m1']);
      // any: "réunion OR NOT reportée" — every document without "reportée" plus the réunions
      expect(await ids('réunion -reportée', { searchMode: 'any' })).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    });
    it('matches a prefix with *', async () => {
      expect(await ids('cyber*')).toEqual(['m3']);
      expect(await ids('convent*')).toEqual(['m6']);
    });
    it('combines with + and |, and with searchMode all requires every word', async () => {
      expect(await ids('grief + horaire')).toEqual(['m4']);
      expect(await ids('grief | paie')).toEqual(['m2', 'm4']);
      expect(await ids('convention paie', { searchMode: 'all' })).toEqual([]);
      expect(await ids('convention paie', { searchMode: 'any' })).toEqual(['m2', 'm6']);
    });
    it('never fails on what a person may type: stray quotes, operators and parentheses', async () => {
      expect(await ids('"assemblée générale')).toEqual(['m1']);
      expect(await ids('réunion -', { searchMode: 'all' })).toEqual(['m1', 'm7']);
      expect(await ids('(grief | paie', { searchMode: 'all' })).toEqual(['m2', 'm4']);
      expect(await ids('grief ) |', { searchMode: 'all' })).toEqual(['m4']);
    });
    it('matches everything with * or no text', async () => {
      expect(await ids('*')).toHaveLength(7);
      expect(await ids('')).toHaveLength(7);
    });
  });

  describe('full Lucene syntax', () => {
    const full = { queryType: 'full' } as const;
    it('scopes a term to a field', async () => {
      expect(await ids('subject:réunion', full)).toEqual(['m1', 'm7']);
      expect(await ids('body:réunion', full)).toEqual(['m7']);
      expect(await ids('subject:(grief OR paie)', full)).toEqual(['m2', 'm4']);
    });
    it('understands AND, OR, NOT, &&, ||, ! and grouping', async () => {
      expect(await ids('réunion AND assemblée', full)).toEqual(['m1']);
      expect(await ids('réunion NOT reportée', { ...full, searchMode: 'all' })).toEqual(['m1']);
      expect(await ids('(grief || paie) && vendredi', full)).toEqual(['m2']);
      expect(await ids('convention AND !signée', full)).toEqual([]);
      expect(await ids('+formation +septembre', full)).toEqual(['m3']);
      expect(await ids('"convention collective" OR subject:grief', full)).toEqual(['m4', 'm6']);
    });
    it('answers 400 naming the problem for a range in search text or an unknown field', async () => {
      const range = (await client.search('sentAt:[2020 TO 2024]', full).catch((e: unknown) => e)) as RestError;
      expect(range.statusCode).toBe(400);
      expect(range.message).toContain('$filter');
      const unknown = (await client.search('nope:réunion', full).catch((e: unknown) => e)) as RestError;
      expect(unknown.statusCode).toBe(400);
      expect(unknown.message).toContain("'nope'");
    });
  });

  describe('filters', () => {
    it('compares strings, numbers, dates and booleans', async () => {
      expect(await ids('*', { filter: "folder eq 'Inbox'" })).toEqual(['m1', 'm2', 'm5', 'm7']);
      expect(await ids('*', { filter: "folder ne 'Inbox'" })).toEqual(['m3', 'm4', 'm6']);
      expect(await ids('*', { filter: 'size ge 2500' })).toEqual(['m3', 'm6']);
      expect(await ids('*', { filter: 'sentAt ge 2024-01-01T00:00:00Z and sentAt lt 2025-01-01T00:00:00Z' })).toEqual(['m2', 'm3', 'm4']);
      expect(await ids('*', { filter: 'hasAttachments eq true' })).toEqual(['m1', 'm3', 'm6']);
      expect(await ids('*', { filter: 'not hasAttachments' })).toEqual(['m2', 'm4', 'm5', 'm7']);
    });
    it('treats a missing value as not equal to anything, and all() as true on every value', async () => {
      // Only m1 has a retention rule: `ne` also matches the documents without one, `eq null` finds them.
      expect(await ids('*', { filter: 'retentionRule ne null' })).toEqual(['m1']);
      expect(await ids('*', { filter: "retentionRule ne 'COUR-GEN'" })).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7']);
      expect(await ids('*', { filter: "not (retentionRule eq 'COUR-GEN') and retentionRule eq null" })).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7']);
      expect(await ids('*', { filter: 'not (size gt 1000)' })).toEqual(['m2', 'm4', 'm5', 'm7']);
      expect(await ids('*', { filter: "participants/all(p: p ne 'marie.tremblay@spgq.qc.ca')" })).toEqual(['m2', 'm4', 'm5', 'm6']);
      expect(await ids('*', { filter: "participants/any(p: p eq 'Marie Tremblay') or folder eq 'Griefs'" })).toEqual(['m1', 'm4']);
    });
    it('filters collections with any() and lists with search.in', async () => {
      expect(await ids('*', { filter: "participants/any(p: p eq 'marie.tremblay@spgq.qc.ca')" })).toEqual(['m1', 'm3', 'm7']);
      expect(await ids('*', { filter: "participants/any(p: search.in(p, 'paie@spgq.qc.ca,griefs@spgq.qc.ca', ','))" })).toEqual(['m2', 'm4']);
      expect(await ids('*', { filter: "search.in(mailboxId, 'mb-b|mb-c', '|')" })).toEqual(['m3', 'm4', 'm5', 'm6']);
    });
    it("keeps a caller's filter inside its parentheses when the app ANDs a mailbox filter", async () => {
      // A crafted filter that would widen the search if precedence were wrong: `a or b and c` must stay (a or b) and c.
      const crafted = "mailboxId eq 'mb-a' or mailboxId ne 'mb-a'";
      expect(await ids('*', { filter: `(${crafted}) and (mailboxId eq 'mb-b')` })).toEqual(['m3', 'm4']);
      expect(await ids('*', { filter: `${crafted} and mailboxId eq 'mb-b'` })).toEqual(['m1', 'm2', 'm3', 'm4', 'm7']);
      expect(await ids('*', { filter: `not (mailboxId eq 'mb-a') and (folder eq 'Inbox')` })).toEqual(['m5']);
      // A quote inside a value is doubled, as OData wants: the value stays one string literal.
      expect(await ids('*', { filter: "mailboxId eq 'mb-a'' or mailboxId ne ''x' and (mailboxId eq 'mb-b')" })).toEqual([]);
    });
    it('combines a filter with full-text search and search.ismatch', async () => {
      expect(await ids('réunion', { filter: "mailboxId eq 'mb-a' and sentAt gt 2024-01-01T00:00:00Z" })).toEqual(['m7']);
      expect(await ids('*', { filter: "search.ismatch('convention', 'subject')" })).toEqual(['m6']);
    });
    it('answers 400 with a message for a malformed filter, an unknown field or a field that is not filterable', async () => {
      for (const [filter, expected] of [
        ["folder eq 'Inbox' and", 'ends too early'],
        ["nope eq 'x'", "'nope'"],
        ["subject eq 'x'", 'not filterable'],
        ["size eq 'big'", 'incompatible types'],
      ]) {
        const e = (await client.search('*', { filter }).catch((x: unknown) => x)) as RestError;
        expect(e.statusCode, filter).toBe(400);
        expect(e.message, filter).toContain(expected);
      }
    });
  });

  describe('results', () => {
    it('orders by a field or by score, and selects fields', async () => {
      const r = await client.search('*', { orderBy: ['sentAt desc'], select: ['id', 'sentAt'], top: 3 });
      const page: unknown[] = [];
      // SDK 13.0.0 leaves the '@search.*' annotations in `document` too: compare the selected fields.
      for await (const x of r.results) page.push({ id: x.document.id, sentAt: x.document.sentAt, subject: (x.document as Message).subject });
      expect(page).toEqual([
        { id: 'm7', sentAt: d('2025-04-07T11:00:00Z'), subject: undefined },
        { id: 'm6', sentAt: d('2025-03-03T08:00:00Z'), subject: undefined },
        { id: 'm5', sentAt: d('2025-01-05T10:00:00Z'), subject: undefined },
      ]);
      const scored: number[] = [];
      for await (const x of (await client.search('réunion assemblée', { orderBy: ['search.score() desc'] })).results) scored.push(x.score);
      expect(scored.length).toBe(2);
      expect(scored[0]).toBeGreaterThan(scored[1]!);
    });
    it('counts every match regardless of top and skip', async () => {
      const r = await client.search('*', { includeTotalCount: true, top: 2, skip: 1 });
      expect(r.count).toBe(7);
      const page: string[] = [];
      for await (const x of r.results) page.push(x.document.id);
      expect(page).toHaveLength(2);
    });
    it('returns facets: values with counts, and dates by year', async () => {
      const r = await client.search('*', { facets: ['folder,count:2', 'sentAt,interval:year', 'participants', 'hasAttachments'] });
      expect(r.facets!.folder!.map((f) => [f.value, f.count])).toEqual([
        ['Inbox', 4],
        ['Direction', 1],
      ]);
      expect(r.facets!.sentAt!.map((f) => [new Date(f.value as string | Date).getUTCFullYear(), f.count])).toEqual([
        [2023, 1],
        [2024, 3],
        [2025, 3],
      ]);
      expect(r.facets!.participants!.find((f) => f.value === 'marie.tremblay@spgq.qc.ca')?.count).toBe(3);
      expect(r.facets!.hasAttachments!.map((f) => [f.value, f.count])).toEqual([
        [false, 4],
        [true, 3],
      ]);
      const filtered = await client.search('réunion', { facets: ['mailboxId'] });
      expect(filtered.facets!.mailboxId!.map((f) => [f.value, f.count])).toEqual([['mb-a', 2]]);
    });
    it('highlights the matched words with the given tags', async () => {
      const r = await client.search('réunion', { highlightFields: 'subject,body', highlightPreTag: '<b>', highlightPostTag: '</b>', filter: "id eq 'm7'" });
      const hits: unknown[] = [];
      for await (const x of r.results) hits.push(x.highlights);
      expect(hits).toEqual([{ subject: ['Rappel : <b>réunion</b> reportée'], body: ["La <b>réunion</b> d'équipe est reportée à lundi."] }]);
      const dflt = await client.search('formations', { highlightFields: 'body', filter: "id eq 'm3'" });
      for await (const x of dflt.results) expect(x.highlights).toEqual({ body: ['Les <em>formations</em> obligatoires commencent en septembre. Inscrivez-vous.'] });
    });
    it('pages beyond 50 results the way the service does, and the SDK follows', async () => {
      const paged = uniqueIndexName('paged');
      await indexClient().createIndex(messageIndex(paged));
      const many = searchClient<Message>(paged);
      await many.uploadDocuments(Array.from({ length: 1100 }, (_, i) => ({ id: `p${String(i).padStart(4, '0')}`, subject: 'Bulletin syndical' })));
      const r = await many.search('bulletin', { includeTotalCount: true });
      expect(r.count).toBe(1100);
      const all = new Set<string>();
      for await (const x of r.results) all.add(x.document.id);
      expect(all.size).toBe(1100);
      const pages: number[] = [];
      for await (const page of (await many.search('bulletin', { top: 120 })).results.byPage()) pages.push(page.results.length);
      expect(pages).toEqual([120]);
      // Without top: 50 a page. With top over 1,000: 1,000, then the rest of top.
      const byFifty: number[] = [];
      for await (const page of (await many.search('bulletin')).results.byPage()) byFifty.push(page.results.length);
      expect(byFifty).toEqual([...Array(22).fill(50)]);
      const big: number[] = [];
      for await (const page of (await many.search('bulletin', { top: 1050, select: ['id'] })).results.byPage()) big.push(page.results.length);
      expect(big).toEqual([1000, 50]);
    });
  });

  it('answers 404 for an unknown index', async () => {
    const e = (await searchClient<Message>('no-such-index').search('x').catch((x: unknown) => x)) as RestError;
    expect(e.statusCode).toBe(404);
    expect(e.message).toContain('no-such-index');
  });
});
