import { describe, expect, it } from 'vitest';
import { handleMailboxWork } from '../../shared/archive/capture/mailbox-run';
import { archiveMailboxCompletely } from '../../shared/archive/capture/offboarding';
import { MODEL_VERSION, type MailboxRecord } from '../../shared/archive/model';
import { ARCHIVABLE, RULES, STAFF, addStandardMailbox, makeWorld, type World } from '../fakes/capture-world';

/**
 * The retention rule a message is captured under follows its mailbox's service (department) on
 * every capture path: the queue worker and offboarding, not only a direct archiver call. The rule
 * is permanent for the entry and sets the content's write-once protection, so a wrong one cannot
 * be corrected later.
 */
const mbx = STAFF.mailboxId;

async function knownMailbox(w: World): Promise<void> {
  const record: MailboxRecord = {
    id: 'mailbox', type: 'mailbox', mailboxId: mbx, address: STAFF.address, displayName: STAFF.displayName, kind: 'staff',
    department: 'Relations du travail', accountEnabled: true, firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: MODEL_VERSION,
  };
  await w.state.saveMailbox(record);
}

const serviceRule = RULES.byDepartment['Relations du travail'].id;

describe('retention rule on capture', () => {
  it('a queued run gives every message its service’s rule', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    await knownMailbox(w);
    const outcome = await handleMailboxWork(
      { mailboxId: mbx, reason: 'schedule', runId: 'run-1', enqueuedAt: new Date().toISOString() },
      { archiver: w.archiver, lock: w.lock, state: w.state, queue: w.queue, budget: w.budget, log: () => undefined },
      { runSeconds: 60, lockSeconds: 30 },
    );
    expect(outcome.status).toBe('done');
    const rules = new Set(w.index.entries(mbx).map((e) => e.retentionRuleId));
    expect(w.index.entries(mbx)).toHaveLength(ARCHIVABLE);
    expect([...rules]).toEqual([serviceRule]);
  });

  it('offboarding gives every message its service’s rule', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    await knownMailbox(w);
    const report = await archiveMailboxCompletely(mbx, w, { timeoutMs: 10_000 });
    expect(report.complete).toBe(true);
    expect([...new Set(w.index.entries(mbx).map((e) => e.retentionRuleId))]).toEqual([serviceRule]);
  });
});
