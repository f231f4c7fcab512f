import { z } from 'zod';
import type { ContentRetention, MailboxStateReader, MetadataChange, RetentionIndex } from '../ports';
import { actorOf, type Requester } from './access';
import type { AuditLog } from './audit';
import { SYSTEM_ACTOR } from './audit-record';
import type { IndexMetadata } from './full-text-metadata';
import { retainUntil, type RetentionCalendar } from './retention';

/**
 * A records manager's correction of entries captured under the wrong rule: every entry of one
 * mailbox not under the chosen rule (by default the rule the calendar gives the mailbox now) is
 * moved to it. It may keep mail less long than before (the daily pass never does that on its own),
 * but never shortens a WORM policy Azure already holds on the content: such an entry gets the new
 * rule and keeps its content's policy date, and the answer lists it. Run in the background, in
 * batches (retention-reassign orchestration), as a mailbox may hold hundreds of thousands of entries.
 */
export const ReassignRequest = z
  .object({
    /** A mailbox id (Entra object id), never an address: ids only reach the audit log. */
    mailboxId: z.string().trim().regex(/^[A-Za-z0-9-]{1,64}$/),
    ruleId: z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
  })
  .strict();
export type ReassignRequest = z.infer<typeof ReassignRequest>;

export interface ReassignJob {
  mailboxId: string;
  ruleId: string;
}

/** An entry whose new rule would end sooner than the WORM policy Azure holds on its content. */
export interface KeptLonger {
  entryId: string;
  /** The rule's date for the entry. */
  ruleDate: string | null;
  /** The policy's expiry, kept as the entry's date: disposition cannot come before it anyway. */
  keptUntil: string;
}

export interface ReassignBatch {
  reassigned: number;
  keptLonger: KeptLonger[];
  /** True when no entry of the mailbox is left under another rule. */
  done: boolean;
}

export type ReassignStart = { kind: 'ok'; job: ReassignJob } | { kind: 'unknown-mailbox' } | { kind: 'unknown-rule' };

export class RetentionReassignment {
  constructor(
    /** searchMetadata: the full-text index's copy of the rule, pushed after each batch (absent without a search service). */
    private readonly ports: { index: RetentionIndex; mailboxes: MailboxStateReader; lock: ContentRetention; searchMetadata?: IndexMetadata },
    private readonly calendar: RetentionCalendar,
    private readonly audit: AuditLog,
  ) {}

  /** Checks the request against the archive and the calendar, and audits it (accepted or not). */
  async request(requester: Requester, request: ReassignRequest): Promise<ReassignStart> {
    const record = await this.ports.mailboxes.mailbox(request.mailboxId);
    const ruleId = request.ruleId ?? (record ? this.calendar.ruleFor({ mailboxId: record.mailboxId, address: record.address, department: record.department ?? null }).id : undefined);
    const outcome: ReassignStart = !record ? { kind: 'unknown-mailbox' } : !ruleId || !this.calendar.rule(ruleId) ? { kind: 'unknown-rule' } : { kind: 'ok', job: { mailboxId: record.mailboxId, ruleId } };
    await this.audit.record(actorOf(requester), 'retention-reassign', { mailboxId: request.mailboxId, ...(ruleId && this.calendar.rule(ruleId) ? { ruleId } : {}) }, outcome.kind === 'ok' ? 'allowed' : 'denied');
    return outcome;
  }

  /**
   * Re-assigns up to `max` entries. Restartable: entries already moved no longer match, so a batch
   * redone after a crash picks up where the last one stopped.
   */
  async batch(job: ReassignJob, max: number): Promise<ReassignBatch> {
    const rule = this.calendar.rule(job.ruleId);
    if (!rule) throw new Error(`unknown rule ${job.ruleId}`);
    const result: ReassignBatch = { reassigned: 0, keptLonger: [], done: true };
    const changes: MetadataChange[] = [];
    for await (const entry of this.ports.index.withRuleOtherThan(job.mailboxId, job.ruleId)) {
      if (result.reassigned >= max) {
        result.done = false;
        break;
      }
      const ruleDate = retainUntil(rule, entry.receivedAt);
      const policy = ruleDate ? await this.ports.lock.policyExpiry(entry.contentHash) : null;
      let date = ruleDate;
      if (ruleDate && policy && policy.toISOString() > ruleDate) {
        // Longer only: the policy stays as Azure holds it, and the entry says so.
        date = policy.toISOString();
        result.keptLonger.push({ entryId: entry.id, ruleDate, keptUntil: date });
      } else if (ruleDate) {
        await this.ports.lock.protectContentUntil(entry.contentHash, new Date(ruleDate));
      }
      if (await this.ports.index.setRetention(entry, rule.id, date)) {
        result.reassigned++;
        changes.push({ id: entry.id, retentionRule: rule.id });
      }
    }
    await this.ports.searchMetadata?.push(changes);
    return result;
  }

  /** The end of a re-assignment, audited as the system's (counts and ids only). */
  async completed(job: ReassignJob, reassigned: number): Promise<void> {
    await this.audit.record(SYSTEM_ACTOR, 'retention-reassign-complete', { mailboxId: job.mailboxId, ruleId: job.ruleId, resultCount: reassigned });
  }
}
