import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { ExportJob } from '../../shared/archive/records/export-request';

/**
 * Takes the next job for `exportId` from the emulator's export queue, as the worker's trigger
 * would (completing it), and returns it; fails when none comes within `waitMs`. Jobs of other
 * exports met on the way are completed and skipped.
 */
export async function takeExportJob(bus: ServiceBusEmulator, exportId: string, waitMs = 10_000): Promise<ExportJob> {
  const client = new ServiceBusClient(bus.connectionString);
  const receiver = client.createReceiver('archive-exports');
  try {
    const until = Date.now() + waitMs;
    while (Date.now() < until) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: Math.max(100, Math.min(1000, until - Date.now())) });
      if (!message) continue;
      await receiver.completeMessage(message);
      const job = ExportJob.parse(message.body);
      if (job.exportId === exportId) return job;
    }
    throw new Error(`no export job for ${exportId} within ${waitMs} ms`);
  } finally {
    await receiver.close();
    await client.close();
  }
}
