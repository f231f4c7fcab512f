import type { FolderIndex, IntegrityRecords, MailboxStateReader, SubscriptionStore } from '../ports';
import { actorOf, type Requester } from './access';
import type { AuditLog } from './audit';
import type { AuditPage, AuditQuery } from './audit-record';
import { completenessReport, type MailboxCompleteness } from './completeness';
import type { IntegrityStatus } from './integrity-status';
import type { Manifests } from './manifests';
import type { RetentionCalendar, RetentionRules } from './retention';

export interface IntegrityOverview {
  status: IntegrityStatus | null;
  manifests: { count: number; first: string | null; last: string | null };
}

/**
 * What RecordsManagers look at to answer for the archive: completeness, integrity, the audit log
 * and the retention rules. Looking is audited too (an audit query included).
 */
export class RecordsOversight {
  constructor(
    private readonly sources: { mailboxes: MailboxStateReader; index: FolderIndex; verdicts: IntegrityRecords; manifests: Manifests; calendar: RetentionCalendar; modes?: Pick<SubscriptionStore, 'all'> },
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async completeness(requester: Requester, mailboxId?: string): Promise<{ generatedAt: string; mailboxes: MailboxCompleteness[] }> {
    const mailboxes = await completenessReport(this.sources, this.now(), mailboxId);
    await this.audit.record(actorOf(requester), 'completeness-view', mailboxId ? { mailboxId } : {});
    return { generatedAt: this.now().toISOString(), mailboxes };
  }

  async integrity(requester: Requester): Promise<IntegrityOverview> {
    const status = await this.sources.verdicts.status();
    await this.audit.record(actorOf(requester), 'integrity-view', {});
    const days = await this.sources.manifests.days();
    return { status: status ?? null, manifests: { count: days.length, first: days[0] ?? null, last: days[days.length - 1] ?? null } };
  }

  /** A page of the audit log between two ISO times (recorded as asked). */
  async auditLog(requester: Requester, query: Omit<AuditQuery, 'from' | 'to'> & { from: string; to: string }): Promise<AuditPage> {
    const page = await this.audit.query({ ...query, from: new Date(query.from), to: new Date(query.to) });
    await this.audit.record(actorOf(requester), 'audit-query', { dateFrom: query.from, dateTo: query.to, resultCount: page.items.length });
    return page;
  }

  retentionRules(): RetentionRules {
    return this.sources.calendar.rules;
  }
}
