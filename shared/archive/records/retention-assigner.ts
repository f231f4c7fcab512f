import { CONTAINERS, type MailboxRecord, type MessageEntry } from '../model';
import type { RetentionFacts } from '../ports';
import type { MailboxFacts, RetentionCalendar } from './retention';
import { holdCovers, type LegalHolds } from './legal-hold';
import type { RecordsStore } from '../adapters/records-store';
import { isCosmosStatus } from '../adapters/records-store';
import type { RetentionLock } from '../adapters/retention-lock';

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
export async function assignMissingRetention(store: RecordsStore, calendar: RetentionCalendar, lock: RetentionLock): Promise<number> {
  const messages = await store.messagesContainer();
  const mailboxes = new Map<string, MailboxFacts>();
  let assigned = 0;
  const iterator = messages.items.query<MessageEntry>({ query: 'SELECT * FROM c WHERE c.type = "message" AND IS_NULL(c.retentionRuleId)' }, { maxItemCount: 200 });
  for await (const page of iterator.getAsyncIterator()) {
    for (const entry of page.resources) {
      let facts = mailboxes.get(entry.mailboxId);
      if (!facts) {
        facts = await mailboxFacts(store, entry.mailboxId);
        mailboxes.set(entry.mailboxId, facts);
      }
      const { retentionRuleId, retainUntil } = calendar.assign(facts, entry.receivedAt);
      try {
        await messages.item(entry.id, entry.pk).patch([
          { op: 'set', path: '/retentionRuleId', value: retentionRuleId },
          { op: 'set', path: '/retainUntil', value: retainUntil },
        ]);
      } catch (error) {
        if (isCosmosStatus(error, 404)) continue;
        throw error;
      }
      if (retainUntil) await lock.protectContentUntil(entry.contentHash, new Date(retainUntil));
      assigned++;
    }
  }
  return assigned;
}

async function mailboxFacts(store: RecordsStore, mailboxId: string): Promise<MailboxFacts> {
  try {
    const { resource } = await store.database.container(CONTAINERS.mailboxes).item('mailbox', mailboxId).read<MailboxRecord>();
    return { mailboxId, address: resource?.address, department: resource?.department ?? null };
  } catch (error) {
    if (isCosmosStatus(error, 404)) return { mailboxId };
    throw error;
  }
}
