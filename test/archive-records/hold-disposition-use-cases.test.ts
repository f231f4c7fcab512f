import { describe, expect, it } from 'vitest';
import type { MessageEntry } from '../../shared/archive/model';
import type { Versioned } from '../../shared/archive/ports';
import type { Requester } from '../../shared/archive/records/access';
import { LegalHoldInput } from '../../shared/archive/records/legal-hold';
import { archived, mime, recordsOverFakes } from '../fakes/archive-records';

/**
 * Legal hold and disposition as use cases over in-memory ports (no emulator): what is tagged,
 * what the storage-side lock is asked, what disposition keeps and destroys, and the evidence.
 */
const records: Requester = { oid: 'records-0001', kind: 'user', recordsManager: true };
const DAY = 86_400_000;

describe('legal hold', () => {
  it('tags the entries it covers and their content, and releases both, audited', async () => {
    const fakes = recordsOverFakes();
    const inRange = archived(fakes, { mailboxId: 'mbx-1', receivedAt: '2019-03-01T00:00:00.000Z', cc: [{ name: 'Carole', address: 'carole@externe.ca' }] });
    const otherParticipant = archived(fakes, { mailboxId: 'mbx-1', receivedAt: '2019-03-02T00:00:00.000Z' });
    const outOfRange = archived(fakes, { mailboxId: 'mbx-1', receivedAt: '2021-01-01T00:00:00.000Z', cc: [{ name: 'Carole', address: 'carole@externe.ca' }] });
    const otherMailbox = archived(fakes, { mailboxId: 'mbx-2', receivedAt: '2019-03-01T00:00:00.000Z', cc: [{ name: 'Carole', address: 'carole@externe.ca' }] });

    const input = LegalHoldInput.parse({ matter: 'Grief 2019-44', mailboxes: ['MBX-1'], from: '2019-01-01T00:00:00Z', to: '2019-12-31T23:59:59Z', participants: ['Carole@Externe.ca'] });
    const created = await fakes.holdRequests.create(records, input);
    if (created.kind !== 'ok') throw new Error(created.kind);
    const hold = created.hold;
    expect(hold).toMatchObject({ status: 'active', appliedCount: 1, mailboxes: ['mbx-1'], participants: ['carole@externe.ca'], createdBy: records.oid });
    expect(fakes.index.entry(inRange)?.holds).toEqual([hold.id]);
    for (const e of [otherParticipant, outOfRange, otherMailbox]) expect(fakes.index.entry(e)?.holds).toEqual([]);
    expect([...fakes.lock.legalHolds]).toEqual([inRange.contentHash]);
    expect((await fakes.holdRecords.get(hold.id))?.appliedCount).toBe(1);
    // Applying again tags nothing more.
    expect(await fakes.holds.apply(hold)).toBe(0);

    const released = await fakes.holdRequests.release(records, hold.id);
    expect(released).toMatchObject({ kind: 'ok', hold: { status: 'released', releasedBy: records.oid } });
    expect(fakes.index.entry(inRange)?.holds).toEqual([]);
    expect(fakes.lock.legalHolds.size).toBe(0);
    expect(await fakes.holdRequests.release(records, 'hold-00000000-0000-0000-0000-000000000000')).toEqual({ kind: 'not-found' });
    expect(fakes.trail.records.map((r) => `${r.action}:${JSON.stringify(r.target)}`)).toEqual([
      `hold-create:${JSON.stringify({ holdId: hold.id, resultCount: 1 })}`,
      `hold-release:${JSON.stringify({ holdId: hold.id })}`,
    ]);
  });

  it('keeps the blob legal hold while another held entry shares the content', async () => {
    const fakes = recordsOverFakes();
    const shared = mime('Pièce commune');
    const a = archived(fakes, { mailboxId: 'mbx-a', receivedAt: '2020-01-01T00:00:00.000Z', mime: shared });
    const b = archived(fakes, { mailboxId: 'mbx-b', receivedAt: '2020-01-01T00:00:00.000Z', mime: shared });
    const first = await fakes.holds.create(LegalHoldInput.parse({ matter: 'Dossier A', mailboxes: ['mbx-a'] }), records.oid);
    const second = await fakes.holds.create(LegalHoldInput.parse({ matter: 'Dossier B', mailboxes: ['mbx-b'] }), records.oid);
    expect(fakes.lock.legalHolds.has(a.contentHash)).toBe(true);
    await fakes.holds.release(first.id, records.oid);
    expect(fakes.index.entry(a)?.holds).toEqual([]);
    expect(fakes.lock.legalHolds.has(a.contentHash)).toBe(true);
    await fakes.holds.release(second.id, records.oid);
    expect(fakes.index.entry(b)?.holds).toEqual([]);
    expect(fakes.lock.legalHolds.has(a.contentHash)).toBe(false);
  });

  it('re-reads an entry that changed under it (If-Match) and keeps the other writer\'s change', async () => {
    const fakes = recordsOverFakes();
    const entry = archived(fakes, { mailboxId: 'mbx-1', receivedAt: '2020-05-01T00:00:00.000Z' });
    // Capture moves the message between the hold's read and its write.
    const setHolds = fakes.index.setHolds.bind(fakes.index);
    let moved = false;
    fakes.index.setHolds = async (e: Versioned<MessageEntry>, holds: string[]) => {
      if (!moved) {
        moved = true;
        fakes.index.touch(e, { folderId: 'folder-archive', folderPath: 'Archive' });
      }
      return setHolds(e, holds);
    };
    const hold = await fakes.holds.create(LegalHoldInput.parse({ matter: 'Arbitrage 2020', mailboxes: ['mbx-1'] }), records.oid);
    expect(hold.appliedCount).toBe(1);
    expect(fakes.index.entry(entry)).toMatchObject({ holds: [hold.id], folderPath: 'Archive' });
  });

  it('refuses a hold request without a matter or a mailbox, with a bad address, or with the range reversed', () => {
    const problems = (input: unknown) => {
      const parsed = LegalHoldInput.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.')).sort();
    };
    expect(problems({ matter: 'x', mailboxes: [], participants: ['nope'] })).toEqual(['mailboxes', 'matter', 'participants.0']);
    expect(problems({ matter: 'Grief', mailboxes: ['m'], from: '2020-02-01T00:00:00Z', to: '2020-01-01T00:00:00Z' })).toEqual(['to']);
    expect(problems({ matter: 'Grief', mailboxes: ['m'] })).toEqual([]);
  });
});

describe('disposition', () => {
  function due(fakes: ReturnType<typeof recordsOverFakes>, spec: Parameters<typeof archived>[1]) {
    return archived(fakes, { retentionRuleId: 'COUR-GEN', retainUntil: new Date(fakes.clock.now.getTime() - DAY).toISOString(), ...spec });
  }

  it('skips held and unexpired entries, destroys the rest with evidence, and content only with its last reference', async () => {
    const fakes = recordsOverFakes();
    const shared = mime('Pièce commune');
    const a = due(fakes, { mailboxId: 'mbx-1', receivedAt: '2018-05-01T10:00:00.000Z', mime: shared });
    const held = due(fakes, { mailboxId: 'mbx-2', receivedAt: '2018-05-01T10:00:00.000Z', mime: shared });
    const alone = due(fakes, { mailboxId: 'mbx-1', receivedAt: '2018-06-01T10:00:00.000Z' });
    const notDue = archived(fakes, { mailboxId: 'mbx-1', receivedAt: '2025-05-01T10:00:00.000Z', retentionRuleId: 'COUR-GEN', retainUntil: new Date(fakes.clock.now.getTime() + DAY).toISOString() });
    const keep = archived(fakes, { mailboxId: 'mbx-1', receivedAt: '2010-01-01T00:00:00.000Z', retentionRuleId: 'COUR-DIR', retainUntil: null });
    const retired = due(fakes, { mailboxId: 'mbx-1', receivedAt: '2010-01-01T00:00:00.000Z', retentionRuleId: 'RETIRED-RULE' });
    const hold = await fakes.holds.create(LegalHoldInput.parse({ matter: 'Grief 2019-44', mailboxes: ['mbx-2'] }), records.oid);

    const result = await fakes.disposition.run();
    expect(result).toEqual({ examined: 4, destroyed: 2, keptAsSample: 0, skippedHeld: 1, skippedUnknownRule: 1, contentDestroyed: 1 });
    expect(fakes.index.entry(a)).toBeUndefined();
    expect(fakes.index.entry(alone)).toBeUndefined();
    for (const e of [held, notDue, keep, retired]) expect(fakes.index.entry(e)).toBeDefined();
    expect(fakes.lock.destroyed).toEqual([alone.contentHash]);
    expect(await fakes.disposition.evidence(a.id)).toMatchObject({ status: 'destroyed', contentDestroyed: false, ruleId: 'COUR-GEN', rulesVersion: fakes.calendar.version, classificationCode: '1100-10', mailboxId: 'mbx-1' });
    expect(await fakes.disposition.evidence(alone.id)).toMatchObject({ status: 'destroyed', contentDestroyed: true });
    expect(await fakes.disposition.evidence(held.id)).toBeUndefined();
    expect(fakes.trail.records.filter((r) => r.action === 'disposition').map((r) => r.target.entryId).sort()).toEqual([a.id, alone.id].sort());

    await fakes.holds.release(hold.id, records.oid);
    expect(await fakes.disposition.run()).toMatchObject({ destroyed: 1, skippedHeld: 0, contentDestroyed: 1 });
    expect(fakes.content.blobs.has(a.contentHash)).toBe(false);
  });

  it('honours an active hold on an entry never tagged, and finishes the release of a stale tag', async () => {
    const fakes = recordsOverFakes();
    const hold = await fakes.holds.create(LegalHoldInput.parse({ matter: 'Plainte CNESST', mailboxes: ['mbx-1'], participants: ['carole@externe.ca'] }), records.oid);
    // Captured after the hold was made, without the hook: disposition tags it first.
    const withCarole = due(fakes, { mailboxId: 'mbx-1', receivedAt: '2019-01-01T00:00:00.000Z', cc: [{ name: 'Carole', address: 'carole@externe.ca' }] });
    const released = await fakes.holds.create(LegalHoldInput.parse({ matter: 'Grief clos', mailboxes: ['mbx-9'] }), records.oid);
    await fakes.holds.release(released.id, records.oid);
    // Another instance's capture still had the released hold in its list.
    const stale = due(fakes, { mailboxId: 'mbx-9', receivedAt: '2019-02-01T00:00:00.000Z', holds: [released.id] });

    expect(await fakes.disposition.run()).toMatchObject({ destroyed: 0, skippedHeld: 2 });
    expect(fakes.index.entry(withCarole)?.holds).toEqual([hold.id]);
    expect(fakes.index.entry(stale)?.holds).toEqual([]);
    expect(await fakes.disposition.run()).toMatchObject({ destroyed: 1 });
    expect(fakes.index.entry(stale)).toBeUndefined();
  });

  it('cancels the disposition of an entry changed since it was read (If-Match), and decides again next run', async () => {
    const fakes = recordsOverFakes();
    const entry = due(fakes, { mailboxId: 'mbx-1', receivedAt: '2018-01-01T00:00:00.000Z' });
    const deleteUnchanged = fakes.index.deleteUnchanged.bind(fakes.index);
    let moved = false;
    fakes.index.deleteUnchanged = async (e) => {
      if (!moved) {
        moved = true;
        fakes.index.touch(e, { folderPath: 'Archive' });
      }
      return deleteUnchanged(e);
    };
    expect(await fakes.disposition.run()).toMatchObject({ examined: 1, destroyed: 0 });
    expect(await fakes.disposition.evidence(entry.id)).toMatchObject({ status: 'cancelled', completedAt: expect.any(String) });
    expect(fakes.content.blobs.has(entry.contentHash)).toBe(true);
    expect(await fakes.disposition.run()).toMatchObject({ destroyed: 1 });
    expect(await fakes.disposition.evidence(entry.id)).toMatchObject({ status: 'destroyed', contentDestroyed: true });
  });

  it('completes or cancels a disposition a crash left pending', async () => {
    const fakes = recordsOverFakes();
    const gone = due(fakes, { mailboxId: 'mbx-1', receivedAt: '2018-01-01T00:00:00.000Z' });
    const still = archived(fakes, { mailboxId: 'mbx-1', receivedAt: '2018-02-01T00:00:00.000Z', retentionRuleId: 'COUR-GEN', retainUntil: '2099-01-01T00:00:00.000Z' });
    const pending = (e: MessageEntry) => ({
      id: `disposal-${e.id}`, pk: 'disposal' as const, type: 'disposal' as const, entryId: e.id, mailboxId: e.mailboxId, contentHash: e.contentHash, ruleId: 'COUR-GEN',
      rulesVersion: fakes.calendar.version, classificationCode: '1100-10', retainUntil: '2025-01-01T00:00:00.000Z', status: 'pending' as const, contentDestroyed: false, decidedAt: '2026-03-09T04:00:00.000Z', completedAt: null,
    });
    await fakes.disposals.save(pending(gone));
    await fakes.disposals.save(pending(still));
    // The crash came after the entry's delete.
    await fakes.index.deleteUnchanged((await fakes.index.reread(gone))!);
    await fakes.disposition.run();
    expect(await fakes.disposition.evidence(gone.id)).toMatchObject({ status: 'destroyed', contentDestroyed: true });
    expect(await fakes.disposition.evidence(still.id)).toMatchObject({ status: 'cancelled' });
    expect(fakes.index.entry(still)).toBeDefined();
  });

  it('keeps a sampled entry for good under a "sample" rule, with evidence', async () => {
    const fakes = recordsOverFakes();
    const { isSampled } = await import('../../shared/archive/records/retention');
    // Entries until one falls in the 10 % sample (deterministic per entry id).
    let sampled: MessageEntry | undefined;
    for (let i = 0; !sampled && i < 200; i++) {
      const e = due(fakes, { mailboxId: 'griefs', receivedAt: '2010-01-01T00:00:00.000Z', retentionRuleId: 'COUR-GRIEF', messageId: `AAMk-sample-${i}` });
      if (isSampled(e.id, 0.1)) sampled = e;
    }
    const result = await fakes.disposition.run();
    expect(result.keptAsSample).toBeGreaterThanOrEqual(1);
    expect(fakes.index.entry(sampled!)).toMatchObject({ retainUntil: null });
    expect(await fakes.disposition.evidence(sampled!.id)).toMatchObject({ status: 'kept-as-sample', completedAt: expect.any(String) });
  });
});
