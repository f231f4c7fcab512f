import { recordsServices } from '../../shared/archive/adapters/records-services';
import { z } from 'zod';
import { ExportJob } from '../../shared/archive/records/export-request';
import { HoldJob } from '../../shared/archive/records/legal-hold';
import type { Logger } from '../../shared/platform/logger';
import { onQueue, queueHandler } from '../triggers';

/**
 * The records worker: builds one legal-request export per job from the export queue (the request
 * endpoint only records and enqueues it), and applies new legal holds (same queue, `holdId` jobs). A repeated or concurrent delivery is harmless; see
 * Exports.run (shared/archive/records/export.ts) for how attempts hand over.
 */
const RecordsJob = z.union([ExportJob, HoldJob]);

const exportJob = {
  event: 'archive.export',
  schema: RecordsJob,
  async handle(job: z.infer<typeof RecordsJob>, log: Logger) {
    if ('holdId' in job) {
      // Tagging the entries a new legal hold covers (HoldRequests.create queued it on this queue).
      const applied = await recordsServices().holdRequests.apply(job);
      log.info('archive.hold.apply', { holdId: job.holdId, ...applied });
      return;
    }
    const result = await recordsServices().exportRequests.build(job);
    // Ids, counts and codes only: the export's matter and query may name people.
    log[result.outcome === 'failed' ? 'warn' : 'info']('archive.export', { exportId: job.exportId, ...result });
  },
};

export const runExportJob = queueHandler(exportJob);

onQueue('archiveExport', { ...exportJob, queueName: '%ARCHIVE_EXPORT_QUEUE_NAME%' });
