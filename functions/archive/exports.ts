import { recordsServices } from '../../shared/archive/adapters/records-services';
import { ExportJob } from '../../shared/archive/records/export-request';
import type { Logger } from '../../shared/platform/logger';
import { onQueue, queueHandler } from '../triggers';

/**
 * The export worker: builds one legal-request export per job from the export queue (the request
 * endpoint only records and enqueues it). A repeated or concurrent delivery is harmless; see
 * Exports.run (shared/archive/records/export.ts) for how attempts hand over.
 */
const exportJob = {
  event: 'archive.export',
  schema: ExportJob,
  async handle(job: ExportJob, log: Logger) {
    const result = await recordsServices().exportRequests.build(job);
    // Ids, counts and codes only: the export's matter and query may name people.
    log[result.outcome === 'failed' ? 'warn' : 'info']('archive.export', { exportId: job.exportId, ...result });
  },
};

export const runExportJob = queueHandler(exportJob);

onQueue('archiveExport', { ...exportJob, queueName: '%ARCHIVE_EXPORT_QUEUE_NAME%' });
