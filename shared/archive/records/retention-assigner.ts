import type { ContentRetention, MailboxStateReader, RetentionFacts, RetentionIndex } from '../ports';
import type { MailboxFacts, RetentionCalendar } from './retention';
import { holdCovers } from './legal-hold';
import type { LegalHolds } from './legal-holds';

/**
 * Gives entries their retention rule, date and holds: as capture stores a message (the
 * RetentionAssigner hook capture calls before writing its content), and in a daily pass for entries
 * written without it (the hook not wired, or a rules file that was fixed). The pass only fills
 * entries that have no rule: a rule, once assigned, is the one the entry was captured under (a new
 * rules version applies to new mail, as a calendrier de conservation does).
 */
export class RecordsAssigner {
  constructor(
    private readonly calendar: RetentionCalendar,
    private readonly holds: LegalHolds,
  ) {}

  /**
   * Capture's hook (shared/archive/ports.ts RetentionAssigner). Touches no storage: capture writes
   * new content with the policy and legal hold this implies, and extends existing content's.
   * `holds` lists the active holds covering the message, so its entry is born held.
   */
  async assign(message: RetentionFacts, mailbox: { mailboxId: string; address?: string; department?: string | null } | undefined): Promise<{ retentionRuleId: string; retainUntil: string | null; holds?: string[] }> {
    const assignment = this.calendar.assign(mailbox ?? { mailboxId: message.mailboxId }, message.receivedAt);
    // The list of active holds is at most seconds old: see LegalHolds.activeForCapture for why a
    // hold made meanwhile loses nothing.
    const holds = (await this.holds.activeForCapture()).filter((h) => holdCovers(h, message)).map((h) => h.id);
    return { retentionRuleId: assignment.retentionRuleId, retainUntil: assignment.retainUntil, ...(holds.length ? { holds } : {}) };
  }
}

/** Assigns a rule to every entry that has none; returns how many were assigned. */
export async function assignMissingRetention(index: RetentionIndex, state: MailboxStateReader, calendar: RetentionCalendar, lock: ContentRetention): Promise<number> {
  const mailboxes = new Map<string, MailboxFacts>();
  let assigned = 0;
  for await (const entry of index.withoutRetention()) {
    let facts = mailboxes.get(entry.mailboxId);
    if (!facts) {
      const record = await state.mailbox(entry.mailboxId);
      facts = record ? { mailboxId: entry.mailboxId, address: record.address, department: record.department ?? null } : { mailboxId: entry.mailboxId };
      mailboxes.set(entry.mailboxId, facts);
    }
    const { retentionRuleId, retainUntil } = calendar.assign(facts, entry.receivedAt);
    if (!(await index.setRetention(entry, retentionRuleId, retainUntil))) continue;
    if (retainUntil) await lock.protectContentUntil(entry.contentHash, new Date(retainUntil));
    assigned++;
  }
  return assigned;
}
