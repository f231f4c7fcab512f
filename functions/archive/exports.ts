import { app, type InvocationContext } from '@azure/functions';
import { createLogger } from '../../shared/platform/logger';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { SYSTEM_ACTOR } from '../../shared/archive/records/audit';
import { ExportJob } from '../../shared/archive/records/export';

/**
 * The export worker: builds one legal-request export per job from the export queue (the request
 * endpoint only records and enqueues it). A repeated or concurrent delivery is harmless; see
 * Exports.run for how attempts hand over.
 */
export async function runExportJob(message: unknown, context: InvocationContext): Promise<void> {
  const log = createLogger((level, line) => context[level === 'debug' ? 'debug' : level](line), { invocationId: context.invocationId });
  const job = ExportJob.parse(typeof message === 'string' ? JSON.parse(message) : message);
  const services = recordsServices();
  const result = await services.exports.run(job);
  if (result.outcome === 'completed') await services.audit.record(SYSTEM_ACTOR, 'export-complete', { exportId: job.exportId, resultCount: result.count });
  // Ids, counts and codes only: the export's matter and query may name people.
  log[result.outcome === 'failed' ? 'warn' : 'info']('archive.export', { exportId: job.exportId, ...result });
}

app.serviceBusQueue('archiveExport', { connection: 'ServiceBusConnection', queueName: '%ARCHIVE_EXPORT_QUEUE_NAME%', handler: runExportJob });
