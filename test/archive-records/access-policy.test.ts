import { describe, expect, it } from 'vitest';
import type { Requester } from '../../shared/archive/records/access';
import { messageRef, SearchQuery } from '../../shared/archive/records/search-filter';
import { archived, recordsOverFakes } from '../fakes/archive-records';
import { MODEL_VERSION, type MailboxRecord } from '../../shared/archive/model';
import { mailboxChoices } from '../../shared/archive/records/mailbox-choices';

/**
 * The access rules as use cases (shared/archive/records/access.ts, reading.ts) over in-memory
 * ports: staff see their own mailbox only, a RecordsManager any; every refusal is audited, and
 * nothing is read before the decision. No emulator.
 */
const alice: Requester = { oid: 'A1B2C3D4-0000-4000-8000-00000000A11C', kind: 'user', recordsManager: false };
const marc: Requester = { oid: '0000aaaa-0000-4000-8000-000000000002', kind: 'user', recordsManager: false };
const records: Requester = { oid: '0000aaaa-0000-4000-8000-000000000003', kind: 'user', recordsManager: true };
const query = (q: Record<string, string> = {}) => SearchQuery.parse(q);

function setUp() {
  const fakes = recordsOverFakes();
  const own = archived(fakes, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00.000Z', subject: 'Grief confidentiel' });
  const other = archived(fakes, { mailboxId: marc.oid, receivedAt: '2026-01-20T09:00:00.000Z', subject: 'Budget du comité' });
  return { fakes, own, other };
}

describe('access policy', () => {
  it('keeps staff to their own mailbox, whatever they ask for, and audits the refusal', async () => {
    const { fakes, own } = setUp();
    const mine = await fakes.reading.searchPage(alice, query());
    expect(mine).toMatchObject({ kind: 'ok', page: { items: [expect.objectContaining({ ref: messageRef(own) })] } });
    // The object id is compared without regard to case (Graph ids and token oids may differ in case).
    expect((await fakes.reading.searchPage(alice, query({ mailboxId: alice.oid.toLowerCase() }))).kind).toBe('ok');

    expect(await fakes.reading.searchPage(marc, query({ mailboxId: alice.oid }))).toEqual({ kind: 'forbidden' });
    const denied = fakes.trail.records.filter((r) => r.outcome === 'denied');
    expect(denied).toEqual([expect.objectContaining({ actor: marc.oid, actorKind: 'user', action: 'search', target: { mailboxId: alice.oid } })]);
    // A refused search is not also recorded as an allowed one.
    expect(fakes.trail.records.filter((r) => r.actor === marc.oid && r.outcome === 'allowed')).toEqual([]);
  });

  it('refuses staff a message of another mailbox before reading it, for every way of reading', async () => {
    const { fakes, own } = setUp();
    const ref = messageRef(own);
    let reads = 0;
    const get = fakes.index.get.bind(fakes.index);
    fakes.index.get = (pk, id) => {
      reads++;
      return get(pk, id);
    };
    expect(await fakes.reading.view(marc, ref)).toEqual({ kind: 'forbidden' });
    expect(await fakes.reading.eml(marc, ref)).toEqual({ kind: 'forbidden' });
    expect(await fakes.reading.attachment(marc, ref, 0)).toEqual({ kind: 'forbidden' });
    expect(reads).toBe(0);
    expect(fakes.trail.records.map((r) => `${r.action}:${r.outcome}:${r.target.mailboxId}`)).toEqual([
      `view:denied:${alice.oid}`,
      `download-eml:denied:${alice.oid}`,
      `download-attachment:denied:${alice.oid}`,
    ]);
  });

  it('lets a RecordsManager read any mailbox and search all, audited as allowed', async () => {
    const { fakes, own } = setUp();
    const all = await fakes.reading.searchPage(records, query());
    expect(all.kind === 'ok' && all.page.items.map((i) => i.subject)).toEqual(['Grief confidentiel', 'Budget du comité']);
    const view = await fakes.reading.view(records, messageRef(own));
    expect(view).toMatchObject({ kind: 'ok', message: { mailboxId: alice.oid, contentHash: own.contentHash, headers: { subject: 'Grief confidentiel' } } });
    expect(fakes.trail.records.map((r) => `${r.action}:${r.outcome}`)).toEqual(['search:allowed', 'view:allowed']);
    // A search of every mailbox names no mailbox; the audit holds filter names and counts only.
    // Across mailboxes: which mailboxes the answer showed.
    expect(fakes.trail.records[0]!.target).toEqual({ filters: [], resultCount: 2, mailboxIds: [marc.oid, alice.oid].sort() });
    expect(JSON.stringify(fakes.trail.records)).not.toMatch(/Grief|Budget|alice@|bob@/);
  });

  it('answers not-found for a malformed or unknown ref, without auditing a refusal', async () => {
    const { fakes, own } = setUp();
    expect(await fakes.reading.view(alice, 'garbage')).toEqual({ kind: 'not-found' });
    const unknown = messageRef({ pk: own.pk, id: '0'.repeat(64) });
    expect(await fakes.reading.view(alice, unknown)).toEqual({ kind: 'not-found' });
    expect(await fakes.reading.attachment(alice, messageRef(own), 0)).toEqual({ kind: 'no-such-attachment' });
    expect(fakes.trail.records.filter((r) => r.outcome === 'denied')).toEqual([]);
  });

  it('streams the stored .eml byte for byte and audits the download after opening it', async () => {
    const { fakes, own } = setUp();
    const outcome = await fakes.reading.eml(alice, messageRef(own));
    if (outcome.kind !== 'ok') throw new Error(outcome.kind);
    const chunks: Buffer[] = [];
    for await (const chunk of outcome.mime) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(fakes.content.blobs.get(own.contentHash)!)).toBe(true);
    expect(fakes.trail.records).toEqual([expect.objectContaining({ action: 'download-eml', outcome: 'allowed', target: { mailboxId: alice.oid, entryId: own.id, contentHash: own.contentHash } })]);
  });

  it('answers bad-continuation for a token the index did not issue, and pages with those it did', async () => {
    const { fakes } = setUp();
    archived(fakes, { mailboxId: alice.oid, receivedAt: '2026-01-01T00:00:00.000Z', subject: 'Vacances' });
    expect(await fakes.reading.searchPage(alice, query({ continuation: 'bm90LWEtdG9rZW4' }))).toEqual({ kind: 'bad-continuation' });
    const first = await fakes.reading.searchPage(alice, query({ pageSize: '1' }));
    if (first.kind !== 'ok') throw new Error(first.kind);
    expect(first.page.items.map((i) => i.subject)).toEqual(['Grief confidentiel']);
    const second = await fakes.reading.searchPage(alice, query({ pageSize: '1', continuation: first.page.continuation! }));
    expect(second).toMatchObject({ kind: 'ok', page: { items: [expect.objectContaining({ subject: 'Vacances' })], continuation: null } });
  });
});

describe('mailbox picker and message count', () => {
  const record = (mailboxId: string, displayName: string, address: string): MailboxRecord => ({
    id: 'mailbox', type: 'mailbox', mailboxId, address, displayName, kind: 'staff', department: null, accountEnabled: true,
    firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: MODEL_VERSION,
  });

  it('offers staff only their own mailbox and a RecordsManager any, by name as French speakers sort', async () => {
    const { fakes } = setUp();
    fakes.mailboxes.docs.push(record(marc.oid, 'Marc Tremblay', 'mtremblay@spgq.local'), record(alice.oid, 'Élise Roy', 'eroy@spgq.local'), record('zoe-0001', 'Zoé Gagnon', 'zgagnon@spgq.local'));
    expect((await mailboxChoices(fakes.mailboxes, alice, { pageSize: 20 })).map((c) => c.mailboxId)).toEqual([alice.oid]);
    expect((await mailboxChoices(fakes.mailboxes, alice, { search: 'marc', pageSize: 20 }))).toEqual([]);
    expect((await mailboxChoices(fakes.mailboxes, records, { pageSize: 20 })).map((c) => c.displayName)).toEqual(['Élise Roy', 'Marc Tremblay', 'Zoé Gagnon']);
    expect((await mailboxChoices(fakes.mailboxes, records, { search: 'GAGNON', pageSize: 20 })).map((c) => c.displayName)).toEqual(['Zoé Gagnon']);
    expect(await mailboxChoices(fakes.mailboxes, records, { pageSize: 2 })).toHaveLength(2);
  });

  it('counts what a search selects within the requester’s scope, audited; another’s mailbox is refused and audited', async () => {
    const { fakes } = setUp();
    expect(await fakes.reading.count(records, query())).toEqual({ kind: 'ok', count: 2 });
    expect(await fakes.reading.count(alice, query())).toEqual({ kind: 'ok', count: 1 });
    expect(await fakes.reading.count(marc, query({ mailboxId: alice.oid }))).toEqual({ kind: 'forbidden' });
    expect(fakes.trail.records.map((r) => `${r.actor}:${r.action}:${r.outcome}:${r.target.resultCount ?? '-'}`)).toEqual([
      `${records.oid}:search:allowed:2`,
      `${alice.oid}:search:allowed:1`,
      `${marc.oid}:search:denied:-`,
    ]);
  });
});
