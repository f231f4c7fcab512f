import type { ContentRetention, MailboxStateReader, MetadataChange, RetentionFacts, RetentionIndex } from '../ports';
import type { IndexMetadata } from './full-text-metadata';
import { CalendarMismatchError, calendarMismatches, keepsAtLeastAsLong, type MailboxFacts, type RetentionCalendar } from './retention';
import { holdCovers } from './legal-hold';
import type { LegalHolds } from './legal-holds';

/**
 * The calendar checked against the directory once per process, the first time it is used to
 * assign (capture's hook, the daily pass): an assignment naming a service or a mailbox the
 * directory does not know is refused, naming the key, and nothing is assigned meanwhile (mail
 * captured under a wrong rule gets a WORM policy that cannot be shortened). Not at app start: on
 * Azure's worker an exception in the start hook fails the whole app, and a transient Graph error
 * there would take down capture, the pages and the relay with it. Here a transient error fails only
 * the work item (Service Bus redelivers it) and is not remembered; a mismatch is remembered for
 * `recheckMs` (the directory or the file may be fixed meanwhile), then checked again.
 */
export class CalendarCheck {
  private verified = false;
  /** The mailboxes the check saw, by id: facts for a caller that knows only the id. */
  private facts = new Map<string, MailboxFacts>();
  private refused: { error: CalendarMismatchError; at: number } | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly calendar: RetentionCalendar,
    private readonly knownMailboxes: () => Promise<MailboxFacts[]>,
    private readonly recheckMs = 10 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async ensure(): Promise<void> {
    if (this.verified) return;
    if (this.refused && this.clock() - this.refused.at < this.recheckMs) throw this.refused.error;
    this.pending ??= this.check().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The mailbox's address and service as the directory gave them when the calendar was checked. */
  factsOf(mailboxId: string): MailboxFacts | undefined {
    return this.facts.get(mailboxId.toLowerCase());
  }

  private async check(): Promise<void> {
    const known = await this.knownMailboxes();
    const keys = calendarMismatches(this.calendar.rules, known);
    if (keys.length) {
      this.refused = { error: new CalendarMismatchError(keys), at: this.clock() };
      throw this.refused.error;
    }
    this.refused = undefined;
    this.facts = new Map(known.map((m) => [m.mailboxId.toLowerCase(), m]));
    this.verified = true;
  }
}

/**
 * Gives entries their retention rule, date and holds: as capture stores a message (the
 * RetentionAssigner hook capture calls before writing its content, with the mailbox's facts: id,
 * address, service), and in a daily pass (applyRetentionCalendar) that fills entries written
 * without it and corrects, in the safe direction only, entries captured under a rule the calendar
 * no longer gives their mailbox.
 */
/** Rules changed by the daily pass reach the full-text index this many entries at a time. */
const METADATA_BATCH = 100;

export class RecordsAssigner {
  constructor(
    private readonly calendar: RetentionCalendar,
    private readonly holds: LegalHolds,
    private readonly check?: CalendarCheck,
  ) {}

  /**
   * Capture's hook (shared/archive/ports.ts RetentionAssigner). Touches no storage: capture writes
   * new content with the policy and legal hold this implies, and extends existing content's.
   * `holds` lists the active holds covering the message, so its entry is born held.
   */
  async assign(message: RetentionFacts, mailbox: { mailboxId: string; address?: string; department?: string | null } | undefined): Promise<{ retentionRuleId: string; retainUntil: string | null; holds?: string[] }> {
    await this.check?.ensure();
    // A caller that knows only the id (a direct archiver run, a mailbox never scheduled) still gets
    // the mailbox's rule: its facts as the directory gave them to the check.
    const facts = mailbox && (mailbox.address || mailbox.department) ? mailbox : (this.check?.factsOf(message.mailboxId) ?? mailbox ?? { mailboxId: message.mailboxId });
    const assignment = this.calendar.assign(facts, message.receivedAt);
    // The list of active holds is at most seconds old: see LegalHolds.activeForCapture for why a
    // hold made meanwhile loses nothing.
    const holds = (await this.holds.activeForCapture()).filter((h) => holdCovers(h, message)).map((h) => h.id);
    return { retentionRuleId: assignment.retentionRuleId, retainUntil: assignment.retainUntil, ...(holds.length ? { holds } : {}) };
  }
}

export interface CalendarPassResult {
  /** Entries that had no rule and got one. */
  assigned: number;
  /** Entries captured under another rule, moved to their mailbox's rule because it keeps them as long or longer. */
  corrected: number;
  /** Entries whose mailbox's rule would keep them less long: left for a records manager's re-assignment. */
  needsReview: number;
}

/**
 * The daily pass over the calendar: every entry gets the rule its mailbox's facts give it now.
 * Entries with no rule get theirs; entries under another rule (captured before the file or the
 * mailbox's service was right) are corrected when the new rule keeps them at least as long, and
 * their content's WORM policy extended. A correction that would keep mail less long is never made
 * here: shortening brings destruction closer, which is a records manager's decision (the
 * re-assignment action), and Azure may already hold a longer policy on the content.
 */
export async function applyRetentionCalendar(index: RetentionIndex, state: MailboxStateReader, calendar: RetentionCalendar, lock: ContentRetention, check?: CalendarCheck, searchMetadata?: IndexMetadata): Promise<CalendarPassResult> {
  await check?.ensure();
  const result: CalendarPassResult = { assigned: await assignMissingRetention(index, state, calendar, lock, searchMetadata), corrected: 0, needsReview: 0 };
  const changes: MetadataChange[] = [];
  const records = (await state.documents()).filter((d) => d.type === 'mailbox');
  for (const record of records) {
    const facts: MailboxFacts = { mailboxId: record.mailboxId, address: record.address, department: record.department ?? null };
    const rule = calendar.ruleFor(facts);
    for await (const entry of index.withRuleOtherThan(record.mailboxId, rule.id)) {
      const next = calendar.assign(facts, entry.receivedAt);
      if (!keepsAtLeastAsLong(next.retainUntil, entry.retainUntil)) {
        result.needsReview++;
        continue;
      }
      // Content first: an entry must never promise a date its content is not protected to.
      if (next.retainUntil) await lock.protectContentUntil(entry.contentHash, new Date(next.retainUntil));
      if (await index.setRetention(entry, next.retentionRuleId, next.retainUntil)) {
        result.corrected++;
        changes.push({ id: entry.id, retentionRule: next.retentionRuleId });
        if (changes.length >= METADATA_BATCH) await searchMetadata?.push(changes.splice(0));
      }
    }
  }
  await searchMetadata?.push(changes);
  return result;
}

/** Assigns a rule to every entry that has none; returns how many were assigned. */
export async function assignMissingRetention(index: RetentionIndex, state: MailboxStateReader, calendar: RetentionCalendar, lock: ContentRetention, searchMetadata?: IndexMetadata): Promise<number> {
  const mailboxes = new Map<string, MailboxFacts>();
  let assigned = 0;
  const changes: MetadataChange[] = [];
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
    changes.push({ id: entry.id, retentionRule: retentionRuleId });
    if (changes.length >= METADATA_BATCH) await searchMetadata?.push(changes.splice(0));
  }
  await searchMetadata?.push(changes);
  return assigned;
}
