import type { ContentRetention, ContentStore, DisposalRecords, IntegrityRecords, MailboxStateReader, RetentionIndex, SearchTermsIndex } from '../ports';
import type { AuditLog } from './audit';
import { SYSTEM_ACTOR } from './audit-record';
import type { DispositionResult } from './disposal-evidence';
import type { Disposition } from './disposition';
import type { Exports } from './export';
import { verifyArchive } from './integrity';
import type { IntegrityStatus } from './integrity-status';
import type { Manifests } from './manifests';
import type { FullTextIndexing } from './full-text-indexing';
import { CalendarMismatchError, type RetentionCalendar } from './retention';
import type { IndexMetadata } from './full-text-metadata';
import { applyRetentionCalendar, type CalendarCheck, type CalendarPassResult } from './retention-assigner';

export interface DailyPassPorts {
  index: RetentionIndex & SearchTermsIndex;
  mailboxes: MailboxStateReader;
  lock: ContentRetention;
  content: ContentStore;
  verdicts: IntegrityRecords;
  disposals: DisposalRecords;
}

export interface DailyPassServices {
  calendar: RetentionCalendar;
  disposition: Disposition;
  exports: Exports;
  manifests: Manifests;
  audit: AuditLog;
  /** The calendar checked against the directory before it assigns anything (retention-assigner.ts). */
  calendarCheck?: CalendarCheck;
  /** The full-text index's drift check (docs/decisions/0020), when the app has one. */
  fullText?: Pick<FullTextIndexing, 'drift'>;
  /** The full-text index's copy of each entry's rule, pushed as the calendar pass changes it. */
  searchMetadata?: IndexMetadata;
}

export interface DailyPassOptions {
  /** Exports finished longer ago than this lose their files (ARCHIVE_EXPORT_RETENTION_DAYS). */
  exportRetentionDays: number;
  /** Time the integrity pass may spend verifying (ARCHIVE_INTEGRITY_BUDGET_MINUTES). */
  integrityBudgetMs: number;
}

/**
 * `calendarRefused`: the calendar was not applied this time, with why: the keys the directory does
 * not know, or `directory-unavailable`. Disposition still runs: it acts on rules already assigned.
 */
export type DispositionPassResult = CalendarPassResult & { calendarRefused?: string[] } & { searchTermsAdded: number; expiredExports: number } & DispositionResult;

/**
 * Adds the search words to entries written before them (or under an older version of them), so
 * subject and name searches find older mail too. Each entry is patched once; a later pass finds
 * none left.
 */
export async function addMissingSearchTerms(index: SearchTermsIndex): Promise<number> {
  let added = 0;
  for await (const entry of index.withoutSearchTerms()) if (await index.setSearchTerms(entry)) added++;
  return added;
}

/**
 * The archive's two daily passes (docs/decisions/0006-archive-records.md). Disposition: entries
 * captured without a rule get theirs and entries under a rule their mailbox no longer has are
 * corrected when that keeps them longer (retention-assigner.ts), then disposition (which first tags entries new holds
 * cover), then the files of exports past their retention go (each audited). Integrity: seal the
 * days not yet sealed, then verify within a time budget, in turn: the whole archive is too large
 * to re-read every day, so each pass continues with the days verified longest ago (integrity.ts).
 */
export class DailyRecordsPasses {
  constructor(
    private readonly ports: DailyPassPorts,
    private readonly services: DailyPassServices,
    private readonly options: DailyPassOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async disposition(): Promise<DispositionPassResult> {
    const { ports, services } = this;
    let calendar: CalendarPassResult & { calendarRefused?: string[] };
    try {
      calendar = await applyRetentionCalendar(ports.index, ports.mailboxes, services.calendar, ports.lock, services.calendarCheck, services.searchMetadata);
    } catch (error) {
      calendar = { assigned: 0, corrected: 0, needsReview: 0, calendarRefused: error instanceof CalendarMismatchError ? error.keys : ['directory-unavailable'] };
    }
    const searchTermsAdded = await addMissingSearchTerms(ports.index);
    const result = await services.disposition.run();
    const expired = await services.exports.expire(this.options.exportRetentionDays);
    for (const exportId of expired) await services.audit.record(SYSTEM_ACTOR, 'export-expire', { exportId });
    return { ...calendar, searchTermsAdded, ...result, expiredExports: expired.length };
  }

  async integrity(): Promise<{ sealed: string[]; status: IntegrityStatus }> {
    const sealed = await this.services.manifests.seal();
    const status = await verifyArchive(
      { manifests: this.services.manifests, verdicts: this.ports.verdicts, disposals: this.ports.disposals, content: this.ports.content, now: this.now },
      { budgetMs: this.options.integrityBudgetMs },
    );
    if (!this.services.fullText) return { sealed, status };
    // Index against archive, per mailbox: what a rebuild would repair, reported with the integrity status.
    const mailboxIds = (await this.ports.mailboxes.documents()).filter((d) => d.type === 'mailbox').map((d) => d.mailboxId);
    let drift;
    try {
      drift = await this.services.fullText.drift(mailboxIds);
    } catch {
      // The search service unreachable must not fail the archive's own verification: no drift line this time.
      return { sealed, status };
    }
    const withDrift: IntegrityStatus = { ...status, searchDrift: { checkedAt: this.now().toISOString(), mailboxes: drift } };
    await this.ports.verdicts.saveStatus(withDrift);
    return { sealed, status: withDrift };
  }
}
