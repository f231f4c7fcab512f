import { describe, expect, it } from 'vitest';
import { MODEL_VERSION, type MailboxRecord } from '../../shared/archive/model';
import { RetentionReassignment } from '../../shared/archive/records/retention-reassign';
import { archived, recordsOverFakes } from '../fakes/archive-records';

/**
 * A records manager re-assigns a mailbox's entries captured under the wrong rule: audited, in
 * batches, never shortening a WORM policy the storage already holds (those entries keep the
 * policy's date and are listed).
 */
const manager = { oid: 'oid-records', kind: 'user' as const, recordsManager: true };

function mailboxRecord(mailboxId: string, department: string): MailboxRecord {
  return {
    id: 'mailbox', type: 'mailbox', mailboxId, address: `${mailboxId}@syndicat-exemple.onmicrosoft.com`, displayName: mailboxId, kind: 'staff', department,
    accountEnabled: true, firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: MODEL_VERSION,
  };
}

describe('retention re-assignment', () => {
  it('moves the mailbox’s entries to its rule, shortening only where no WORM policy holds the content, and says which it could not shorten', async () => {
    const fakes = recordsOverFakes();
    fakes.mailboxes.docs.push(mailboxRecord('mbx-ri', 'Ressources informationnelles'));
    // Captured under COUR-GRIEF by mistake (the old sample file gave the whole service that rule).
    const free = archived(fakes, { mailboxId: 'mbx-ri', receivedAt: '2026-02-01T10:00:00Z', retentionRuleId: 'COUR-GRIEF', retainUntil: '2036-02-01T10:00:00.000Z' });
    const locked = archived(fakes, { mailboxId: 'mbx-ri', receivedAt: '2026-02-02T10:00:00Z', retentionRuleId: 'COUR-GRIEF', retainUntil: '2036-02-02T10:00:00.000Z' });
    await fakes.lock.protectContentUntil(locked.contentHash, new Date('2036-02-02T10:00:00.000Z'));
    const reassignment = new RetentionReassignment({ index: fakes.index, mailboxes: fakes.mailboxes, lock: fakes.lock }, fakes.calendar, fakes.audit);

    const start = await reassignment.request(manager, { mailboxId: 'mbx-ri' });
    expect(start).toEqual({ kind: 'ok', job: { mailboxId: 'mbx-ri', ruleId: 'COUR-GEN' } });
    const first = await reassignment.batch({ mailboxId: 'mbx-ri', ruleId: 'COUR-GEN' }, 1);
    expect(first).toMatchObject({ reassigned: 1, done: false });
    const second = await reassignment.batch({ mailboxId: 'mbx-ri', ruleId: 'COUR-GEN' }, 1);
    expect(second).toMatchObject({ reassigned: 1, done: true });
    // Redone (a retried activity): nothing left to move.
    const last = await reassignment.batch({ mailboxId: 'mbx-ri', ruleId: 'COUR-GEN' }, 1);
    expect(last).toEqual({ reassigned: 0, keptLonger: [], done: true });
    const keptLonger = [...first.keptLonger, ...second.keptLonger];
    expect(keptLonger).toEqual([{ entryId: locked.id, ruleDate: '2033-02-02T10:00:00.000Z', keptUntil: '2036-02-02T10:00:00.000Z' }]);
    expect(fakes.index.entry(free)).toMatchObject({ retentionRuleId: 'COUR-GEN', retainUntil: '2033-02-01T10:00:00.000Z' });
    // Longer only: the policy is not shortened, and the entry keeps its date.
    expect(fakes.index.entry(locked)).toMatchObject({ retentionRuleId: 'COUR-GEN', retainUntil: '2036-02-02T10:00:00.000Z' });
    expect(fakes.lock.protectedUntil.get(locked.contentHash)?.toISOString()).toBe('2036-02-02T10:00:00.000Z');
    await reassignment.completed({ mailboxId: 'mbx-ri', ruleId: 'COUR-GEN' }, 2);
    expect(fakes.trail.records.map((r) => [r.actor, r.action, r.outcome, r.target])).toEqual([
      ['oid-records', 'retention-reassign', 'allowed', { mailboxId: 'mbx-ri', ruleId: 'COUR-GEN' }],
      ['system', 'retention-reassign-complete', 'allowed', { mailboxId: 'mbx-ri', ruleId: 'COUR-GEN', resultCount: 2 }],
    ]);
  });

  it('refuses, audited, a mailbox the archive does not know or a rule the calendar does not have', async () => {
    const fakes = recordsOverFakes();
    fakes.mailboxes.docs.push(mailboxRecord('mbx-dg', 'Direction générale'));
    const reassignment = new RetentionReassignment({ index: fakes.index, mailboxes: fakes.mailboxes, lock: fakes.lock }, fakes.calendar, fakes.audit);
    expect(await reassignment.request(manager, { mailboxId: 'mbx-inconnue' })).toEqual({ kind: 'unknown-mailbox' });
    expect(await reassignment.request(manager, { mailboxId: 'mbx-dg', ruleId: 'COUR-NOPE' })).toEqual({ kind: 'unknown-rule' });
    expect(fakes.trail.records.map((r) => r.outcome)).toEqual(['denied', 'denied']);
  });
});
