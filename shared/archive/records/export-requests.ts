import { actorOf, NOT_FOUND, type NotFound, type Requester } from './access';
import type { AuditLog } from './audit';
import { SYSTEM_ACTOR } from './audit-record';
import type { Exports } from './export';
import type { ExportJob, ExportRecord, ExportRequest, ExportRunOutcome } from './export-request';

/** An export as its requester sees it: with read-only links once completed. */
export type ExportView = ExportRecord & Partial<{ url: string; manifestUrl: string; expiresOn: string }>;

/**
 * Exports as RecordsManagers ask for them and as the worker builds them: the request is recorded
 * and queued (audited), a link handed out is audited, and so is a finished export (system actor).
 */
export class ExportRequests {
  constructor(private readonly exports: Exports, private readonly audit: AuditLog, private readonly linkMinutes: number) {}

  list(): Promise<ExportRecord[]> {
    return this.exports.list();
  }

  async create(requester: Requester, request: ExportRequest): Promise<ExportRecord> {
    const record = await this.exports.request(request, requester.oid);
    await this.audit.record(actorOf(requester), 'export-create', {
      exportId: record.id,
      filters: record.filters,
      ...(request.filter.mailboxId ? { mailboxId: request.filter.mailboxId } : {}),
    });
    return record;
  }

  /** The export's status; once completed, with links valid `linkMinutes` (audited). */
  async get(requester: Requester, id: string): Promise<{ kind: 'ok'; export: ExportView } | NotFound> {
    const record = await this.exports.get(id);
    if (!record) return NOT_FOUND;
    if (record.status !== 'completed') return { kind: 'ok', export: record };
    const links = await this.exports.links(record, this.linkMinutes);
    await this.audit.record(actorOf(requester), 'export-link', { exportId: record.id });
    return { kind: 'ok', export: { ...record, ...links } };
  }

  /** One delivery of a job (Exports.run), a completed export audited. */
  async build(job: ExportJob): Promise<ExportRunOutcome> {
    const result = await this.exports.run(job);
    if (result.outcome === 'completed') await this.audit.record(SYSTEM_ACTOR, 'export-complete', { exportId: job.exportId, resultCount: result.count });
    return result;
  }
}
