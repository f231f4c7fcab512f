import type { ContentRetention, DisposalIndex, DisposalRecords } from '../ports';
import type { AuditLog } from './audit';
import { SYSTEM_ACTOR } from './audit-record';
import { disposalId, type DisposalEvidence, type DispositionResult } from './disposal-evidence';
import { holdCovers } from './legal-hold';
import type { LegalHolds } from './legal-holds';
import { isSampled, type RetentionCalendar } from './retention';

export { DisposalEvidence, disposalId, type DispositionResult } from './disposal-evidence';

/**
 * Disposition: once an entry's retention date has passed and no legal hold covers it, the entry is
 * destroyed (or, under a "sample" rule, possibly kept for good), its content blob with its last
 * reference, and the destruction is recorded as evidence in `archive-records` (partition
 * "disposal"): which entry and content hash, under which rule and rules version, and when.
 *
 * Crash safety: the evidence is written "pending" first, the entry deleted (If-Match, so a hold or
 * move that changed it meanwhile wins), then the evidence says "destroyed". A crash between leaves a
 * pending record that the next run completes (entry gone) or cancels (entry still there). A content
 * blob whose last entry went but which a crash left behind is an orphan; capture's orphan sweep
 * deletes those.
 */
export class Disposition {
  constructor(
    private readonly index: DisposalIndex,
    private readonly evidenceRecords: DisposalRecords,
    private readonly calendar: RetentionCalendar,
    private readonly holds: LegalHolds,
    private readonly lock: ContentRetention,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
    /**
     * The full-text index (full-text-indexing.ts): a destroyed entry leaves it in the same pass
     * (Law 25), before the evidence says "destroyed"; a failure leaves the evidence pending, and
     * finishPending removes it again.
     */
    private readonly fullText?: { remove(entryIds: string[]): Promise<void> },
  ) {}

  async run(maxEntries = 10_000): Promise<DispositionResult> {
    const result: DispositionResult = { examined: 0, destroyed: 0, keptAsSample: 0, skippedHeld: 0, skippedUnknownRule: 0, contentDestroyed: 0 };
    await this.finishPending();
    // Entries captured without their hold tag get it first; then the holds themselves are checked too.
    await this.holds.applyActive();
    const active = await this.holds.active();
    const due = await this.index.dueForDisposition(this.now(), Math.max(1, Math.floor(maxEntries)));
    const activeIds = new Set(active.map((h) => h.id));
    const staleHolds = new Set<string>();
    for (const entry of due) {
      result.examined++;
      if (entry.holds.some((id) => activeIds.has(id)) || active.some((h) => holdCovers(h, entry))) {
        result.skippedHeld++;
        continue;
      }
      if (entry.holds.length > 0) {
        // Tagged with a hold released since (capture's list of holds is seconds old): the release
        // is finished again below, and the entry decided on the next run.
        entry.holds.forEach((id) => staleHolds.add(id));
        result.skippedHeld++;
        continue;
      }
      const rule = entry.retentionRuleId ? this.calendar.rule(entry.retentionRuleId) : undefined;
      if (!rule || rule.disposition === 'keep') {
        result.skippedUnknownRule++;
        continue;
      }
      const evidence: DisposalEvidence = {
        id: disposalId(entry.id),
        pk: 'disposal',
        type: 'disposal',
        entryId: entry.id,
        mailboxId: entry.mailboxId,
        contentHash: entry.contentHash,
        ruleId: rule.id,
        rulesVersion: this.calendar.version,
        classificationCode: rule.classificationCode,
        retainUntil: entry.retainUntil!,
        status: 'pending',
        contentDestroyed: false,
        decidedAt: this.now().toISOString(),
        completedAt: null,
      };
      if (rule.disposition === 'sample' && isSampled(entry.id, rule.sampleRate ?? 0)) {
        await this.index.keepForGood(entry);
        await this.evidenceRecords.save({ ...evidence, status: 'kept-as-sample', completedAt: evidence.decidedAt });
        await this.audit.record(SYSTEM_ACTOR, 'disposition', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash, ruleId: rule.id });
        result.keptAsSample++;
        continue;
      }
      await this.evidenceRecords.save(evidence);
      // If-Match: an entry changed since read (a hold or a move) is decided again next run; one
      // already gone (a crash after its delete) is completed below.
      if ((await this.index.deleteUnchanged(entry)) === 'changed') {
        await this.evidenceRecords.save({ ...evidence, status: 'cancelled', completedAt: this.now().toISOString() });
        continue;
      }
      await this.fullText?.remove([entry.id]);
      const contentDestroyed = await this.destroyContentIfUnreferenced(entry.contentHash);
      await this.evidenceRecords.save({ ...evidence, status: 'destroyed', contentDestroyed, completedAt: this.now().toISOString() });
      await this.audit.record(SYSTEM_ACTOR, 'disposition', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash, ruleId: rule.id });
      result.destroyed++;
      if (contentDestroyed) result.contentDestroyed++;
    }
    for (const id of staleHolds) await this.holds.release(id, SYSTEM_ACTOR.oid);
    return result;
  }

  /** The evidence of one entry's disposition, if any. */
  evidence(entryId: string): Promise<DisposalEvidence | undefined> {
    return this.evidenceRecords.get(entryId);
  }

  list(pageSize: number, continuation?: string): Promise<{ items: DisposalEvidence[]; continuation: string | null }> {
    return this.evidenceRecords.page(pageSize, continuation);
  }

  private async destroyContentIfUnreferenced(contentHash: string): Promise<boolean> {
    if ((await this.index.countReferences(contentHash)) > 0) return false;
    await this.lock.destroyContent(contentHash);
    return true;
  }

  /** Completes or cancels dispositions a crash interrupted. */
  private async finishPending(): Promise<void> {
    for (const pending of await this.evidenceRecords.pending()) {
      if (await this.index.exists(pending.entryId, pending.mailboxId)) {
        await this.evidenceRecords.save({ ...pending, status: 'cancelled', completedAt: this.now().toISOString() });
        continue;
      }
      await this.fullText?.remove([pending.entryId]);
      const contentDestroyed = await this.destroyContentIfUnreferenced(pending.contentHash);
      await this.evidenceRecords.save({ ...pending, status: 'destroyed', contentDestroyed, completedAt: this.now().toISOString() });
    }
  }
}
