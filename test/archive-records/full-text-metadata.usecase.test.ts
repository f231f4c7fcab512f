import { describe, expect, it } from 'vitest';
import { MODEL_VERSION } from '../../shared/archive/model';
import { FullTextIndexing } from '../../shared/archive/records/full-text-indexing';
import { IndexMetadata, type MetadataFailure } from '../../shared/archive/records/full-text-metadata';
import { LegalHoldInput } from '../../shared/archive/records/legal-hold';
import { LegalHolds } from '../../shared/archive/records/legal-holds';
import { RetentionReassignment } from '../../shared/archive/records/retention-reassign';
import { applyRetentionCalendar } from '../../shared/archive/records/retention-assigner';
import { archived, recordsOverFakes } from '../fakes/archive-records';
import { InMemoryExtraction, InMemoryIndexingProgress, InMemorySearchIndex } from '../fakes/archive-search-index';

/**
 * Holds and retention rules changed after capture reach the full-text index right after the archive
 * is written (docs/decisions/0020), without creating documents the indexing pass has not indexed,
 * and without ever failing the records operation when the index is unavailable.
 */
const MANAGER = 'oid-records';

function world() {
  const fakes = recordsOverFakes();
  const search = new InMemorySearchIndex();
  const failures: Parameters<MetadataFailure>[1][] = [];
  const metadata = new IndexMetadata(search, (_event, fields) => failures.push(fields));
  const holds = new LegalHolds(fakes.holdRecords, fakes.index, fakes.lock, () => fakes.clock.now, metadata);
  const indexing = new FullTextIndexing({ index: search, archive: fakes.index, extraction: new InMemoryExtraction(), progress: new InMemoryIndexingProgress(), mailboxes: fakes.mailboxes }, () => fakes.clock.now);
  return { fakes, search, failures, metadata, holds, indexing };
}

describe('full-text index metadata after capture', () => {
  it('puts a legal hold on the indexed documents it covers when it is applied, and takes it off when released', async () => {
    const w = world();
    const held = archived(w.fakes, { mailboxId: 'mbx-a', receivedAt: '2026-03-01T10:00:00.000Z', subject: 'Grief 2026-14' });
    const other = archived(w.fakes, { mailboxId: 'mbx-b', receivedAt: '2026-03-01T11:00:00.000Z', subject: 'Autre' });
    await w.indexing.pass();
    expect(w.search.documents.get(held.id)!.holds).toEqual([]);

    const hold = await w.holds.create(LegalHoldInput.parse({ matter: 'Arbitrage 2026', mailboxes: ['mbx-a'] }), MANAGER);
    expect(w.search.documents.get(held.id)!.holds).toEqual([hold.id]);
    expect(w.search.documents.get(other.id)!.holds).toEqual([]);
    const filtered = await w.search.search({ text: '*', syntax: 'simple', filter: { hold: hold.id }, sort: 'relevance', skip: 0, top: 10 });
    expect(filtered.hits.map((h) => h.document.id)).toEqual([held.id]);
    // The rest of the document is untouched by the merge.
    expect(w.search.documents.get(held.id)!.subject).toBe('Grief 2026-14');

    await w.holds.release(hold.id, MANAGER);
    expect(w.search.documents.get(held.id)!.holds).toEqual([]);
    expect(w.failures).toEqual([]);
  });

  it('does not create a half-empty document for an entry the indexing pass has not indexed yet', async () => {
    const w = world();
    const notYet = archived(w.fakes, { mailboxId: 'mbx-a', receivedAt: '2026-03-01T10:00:00.000Z' });
    await w.search.ensureIndex();
    const hold = await w.holds.create(LegalHoldInput.parse({ matter: 'Arbitrage 2026', mailboxes: ['mbx-a'] }), MANAGER);
    expect(w.search.documents.has(notYet.id)).toBe(false);
    // The pass indexes it whole, with the hold the archive now holds.
    await w.indexing.pass();
    expect(w.search.documents.get(notYet.id)!.holds).toEqual([hold.id]);
    expect(w.failures).toEqual([]);
  });

  it('never fails the hold when the index is unavailable: the archive is tagged and the failed ids are reported', async () => {
    const w = world();
    const entry = archived(w.fakes, { mailboxId: 'mbx-a', receivedAt: '2026-03-01T10:00:00.000Z' });
    await w.indexing.pass();
    w.search.failMerges = true;
    const hold = await w.holds.create(LegalHoldInput.parse({ matter: 'Arbitrage 2026', mailboxes: ['mbx-a'] }), MANAGER);
    expect(hold.appliedCount).toBe(1);
    expect((await w.fakes.index.get(entry.pk, entry.id))!.holds).toEqual([hold.id]);
    expect(w.failures).toEqual([{ entryIds: [entry.id], count: 1, reason: 'search service unavailable' }]);
  });

  it('gives the indexed documents their new rule when a records manager re-assigns a mailbox', async () => {
    const w = world();
    w.fakes.mailboxes.docs.push({
      id: 'mailbox', type: 'mailbox', mailboxId: 'mbx-ri', address: 'mbx-ri@syndicat-exemple.onmicrosoft.com', displayName: 'RI', kind: 'staff', department: 'Ressources informationnelles',
      accountEnabled: true, firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: MODEL_VERSION,
    });
    const entry = archived(w.fakes, { mailboxId: 'mbx-ri', receivedAt: '2026-02-01T10:00:00Z', retentionRuleId: 'COUR-GRIEF', retainUntil: '2036-02-01T10:00:00.000Z' });
    await w.indexing.pass();
    expect(w.search.documents.get(entry.id)!.retentionRule).toBe('COUR-GRIEF');

    const reassignment = new RetentionReassignment({ index: w.fakes.index, mailboxes: w.fakes.mailboxes, lock: w.fakes.lock, searchMetadata: w.metadata }, w.fakes.calendar, w.fakes.audit);
    expect(await reassignment.batch({ mailboxId: 'mbx-ri', ruleId: 'COUR-GEN' }, 10)).toMatchObject({ reassigned: 1, done: true });
    expect(w.search.documents.get(entry.id)!.retentionRule).toBe('COUR-GEN');
    const filtered = await w.search.search({ text: '*', syntax: 'simple', filter: { retentionRule: 'COUR-GEN' }, sort: 'relevance', skip: 0, top: 10 });
    expect(filtered.total).toBe(1);
  });

  it('gives the indexed documents the rule the daily calendar pass corrects them to', async () => {
    const w = world();
    w.fakes.mailboxes.docs.push({
      id: 'mailbox', type: 'mailbox', mailboxId: 'mbx-dg', address: 'dg@syndicat-exemple.onmicrosoft.com', displayName: 'DG', kind: 'staff', department: 'Direction générale',
      accountEnabled: true, firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: MODEL_VERSION,
    });
    const entry = archived(w.fakes, { mailboxId: 'mbx-dg', receivedAt: '2026-02-01T10:00:00Z', retentionRuleId: 'COUR-GEN', retainUntil: '2033-02-01T10:00:00.000Z' });
    await w.indexing.pass();
    expect(await applyRetentionCalendar(w.fakes.index, w.fakes.mailboxes, w.fakes.calendar, w.fakes.lock, undefined, w.metadata)).toMatchObject({ corrected: 1 });
    expect(w.search.documents.get(entry.id)!.retentionRule).toBe('COUR-DIR');
  });
});
