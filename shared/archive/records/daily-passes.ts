import type { ContentRetention, ContentStore, DisposalRecords, IntegrityRecords, MailboxStateReader, RetentionIndex, SearchTermsIndex } from '../ports';
import type { AuditLog } from './audit';
import { SYSTEM_ACTOR } from './audit-record';
import type { DispositionResult } from './disposal-evidence';
import type { Disposition } from './disposition';
import type { Exports } from './export';
import { verifyArchive } from './integrity';
import type { IntegrityStatus } from './integrity-status';
import type { Manifests } from './manifests';
import type { RetentionCalendar } from './retention';
import { assignMissingRetention } from './retention-assigner';

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
}

export interface DailyPassOptions {
  /** Exports finished longer ago than this lose their files (ARCHIVE_EXPORT_RETENTION_DAYS). */
  exportRetentionDays: number;
  /** Time the integrity pass may spend verifying (ARCHIVE_INTEGRITY_BUDGET_MINUTES). */
  integrityBudgetMs: number;
}

export type DispositionPassResult = { assigned: number; searchTermsAdded: number; expiredExports: number } & DispositionResult;

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
 * captured without a rule get theirs, then disposition (which first tags entries new holds
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
    const assigned = await assignMissingRetention(ports.index, ports.mailboxes, services.calendar, ports.lock);
    const searchTermsAdded = await addMissingSearchTerms(ports.index);
    const result = await services.disposition.run();
    const expired = await services.exports.expire(this.options.exportRetentionDays);
    for (const exportId of expired) await services.audit.record(SYSTEM_ACTOR, 'export-expire', { exportId });
    return { assigned, searchTermsAdded, ...result, expiredExports: expired.length };
  }

  async integrity(): Promise<{ sealed: string[]; status: IntegrityStatus }> {
    const sealed = await this.services.manifests.seal();
    const status = await verifyArchive(
      { manifests: this.services.manifests, verdicts: this.ports.verdicts, disposals: this.ports.disposals, content: this.ports.content, now: this.now },
      { budgetMs: this.options.integrityBudgetMs },
    );
    return { sealed, status };
  }
}
