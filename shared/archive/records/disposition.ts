import { z } from 'zod';
import type { MessageEntry } from '../model';
import type { AuditLog } from './audit';
import { SYSTEM_ACTOR, stripSystem } from './audit';
import { holdCovers, type LegalHolds } from './legal-hold';
import { isCosmosStatus, type RecordsStore } from '../adapters/records-store';
import { isSampled, type RetentionCalendar } from './retention';
import type { RetentionLock } from '../adapters/retention-lock';

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
export const DisposalEvidence = z.object({
  id: z.string(),
  pk: z.literal('disposal'),
  type: z.literal('disposal'),
  entryId: z.string(),
  mailboxId: z.string(),
  contentHash: z.string(),
  ruleId: z.string(),
  rulesVersion: z.string(),
  classificationCode: z.string(),
  retainUntil: z.string(),
  status: z.enum(['pending', 'destroyed', 'kept-as-sample', 'cancelled']),
  /** True when the content blob went with this entry (it was the last reference). */
  contentDestroyed: z.boolean(),
  decidedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type DisposalEvidence = z.infer<typeof DisposalEvidence>;

export interface DispositionResult {
  examined: number;
  destroyed: number;
  keptAsSample: number;
  skippedHeld: number;
  skippedUnknownRule: number;
  contentDestroyed: number;
}

export function disposalId(entryId: string): string {
  return `disposal-${entryId}`;
}

export class Disposition {
  constructor(
    private readonly store: RecordsStore,
    private readonly calendar: RetentionCalendar,
    private readonly holds: LegalHolds,
    private readonly lock: RetentionLock,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(maxEntries = 10_000): Promise<DispositionResult> {
    const result: DispositionResult = { examined: 0, destroyed: 0, keptAsSample: 0, skippedHeld: 0, skippedUnknownRule: 0, contentDestroyed: 0 };
    await this.finishPending();
    // Entries captured without their hold tag get it first; then the holds themselves are checked too.
    await this.holds.applyActive();
    const active = await this.holds.active();
    const messages = await this.store.messagesContainer();
    const { resources: due } = await messages.items
      .query<MessageEntry & { _etag: string }>({
        query: `SELECT TOP ${Math.max(1, Math.floor(maxEntries))} * FROM c WHERE c.type = "message" AND IS_STRING(c.retainUntil) AND c.retainUntil <= @now`,
        parameters: [{ name: '@now', value: this.now().toISOString() }],
      })
      .fetchAll();
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
        await messages.item(entry.id, entry.pk).patch([{ op: 'set', path: '/retainUntil', value: null }]);
        await this.writeEvidence({ ...evidence, status: 'kept-as-sample', completedAt: evidence.decidedAt });
        await this.audit.record(SYSTEM_ACTOR, 'disposition', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash, ruleId: rule.id });
        result.keptAsSample++;
        continue;
      }
      await this.writeEvidence(evidence);
      try {
        await messages.item(entry.id, entry.pk).delete({ accessCondition: { type: 'IfMatch', condition: entry._etag } });
      } catch (error) {
        if (isCosmosStatus(error, 412)) {
          // Changed since read (a hold or a move): decide again next run.
          await this.writeEvidence({ ...evidence, status: 'cancelled', completedAt: this.now().toISOString() });
          continue;
        }
        if (!isCosmosStatus(error, 404)) throw error;
      }
      const contentDestroyed = await this.destroyContentIfUnreferenced(entry.contentHash);
      await this.writeEvidence({ ...evidence, status: 'destroyed', contentDestroyed, completedAt: this.now().toISOString() });
      await this.audit.record(SYSTEM_ACTOR, 'disposition', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash, ruleId: rule.id });
      result.destroyed++;
      if (contentDestroyed) result.contentDestroyed++;
    }
    for (const id of staleHolds) await this.holds.release(id, SYSTEM_ACTOR.oid);
    return result;
  }

  /** The evidence of one entry's disposition, if any. */
  async evidence(entryId: string): Promise<DisposalEvidence | undefined> {
    const records = await this.store.recordsContainer();
    const { resource } = await records.item(disposalId(entryId), 'disposal').read<DisposalEvidence>();
    return resource ? DisposalEvidence.parse(stripSystem(resource)) : undefined;
  }

  async list(pageSize: number, continuation?: string): Promise<{ items: DisposalEvidence[]; continuation: string | null }> {
    const records = await this.store.recordsContainer();
    const page = await records.items
      .query<DisposalEvidence>({ query: 'SELECT * FROM c WHERE c.pk = "disposal" ORDER BY c.decidedAt DESC' }, { partitionKey: 'disposal', maxItemCount: pageSize, continuationToken: continuation })
      .fetchNext();
    return { items: page.resources.map((r) => DisposalEvidence.parse(stripSystem(r))), continuation: page.continuationToken ?? null };
  }

  private async writeEvidence(evidence: DisposalEvidence): Promise<void> {
    await (await this.store.recordsContainer()).items.upsert(evidence);
  }

  private async destroyContentIfUnreferenced(contentHash: string): Promise<boolean> {
    const messages = await this.store.messagesContainer();
    const { resources } = await messages.items
      .query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.contentHash = @h', parameters: [{ name: '@h', value: contentHash }] })
      .fetchAll();
    if ((resources[0] ?? 0) > 0) return false;
    await this.lock.destroyContent(contentHash);
    return true;
  }

  /** Completes or cancels dispositions a crash interrupted. */
  private async finishPending(): Promise<void> {
    const records = await this.store.recordsContainer();
    const messages = await this.store.messagesContainer();
    const { resources } = await records.items
      .query<DisposalEvidence>({ query: 'SELECT * FROM c WHERE c.pk = "disposal" AND c.status = "pending"' }, { partitionKey: 'disposal' })
      .fetchAll();
    for (const pending of resources.map((r) => DisposalEvidence.parse(stripSystem(r)))) {
      const { resources: still } = await messages.items
        .query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.id = @id AND c.mailboxId = @m', parameters: [{ name: '@id', value: pending.entryId }, { name: '@m', value: pending.mailboxId }] })
        .fetchAll();
      if ((still[0] ?? 0) > 0) {
        await this.writeEvidence({ ...pending, status: 'cancelled', completedAt: this.now().toISOString() });
        continue;
      }
      const contentDestroyed = await this.destroyContentIfUnreferenced(pending.contentHash);
      await this.writeEvidence({ ...pending, status: 'destroyed', contentDestroyed, completedAt: this.now().toISOString() });
    }
  }
}
