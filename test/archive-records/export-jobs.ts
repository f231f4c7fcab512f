import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { ExportJob } from '../../shared/archive/records/export-request';
import { HoldJob } from '../../shared/archive/records/legal-hold';

/**
 * Takes the next job for `exportId` from the emulator's export queue, as the worker's trigger
 * would (completing it), and returns it; fails when none comes within `waitMs`. Other jobs met on
 * the way (other exports, legal holds to apply) are completed and skipped.
 */
export async function takeExportJob(bus: ServiceBusEmulator, exportId: string, waitMs = 10_000): Promise<ExportJob> {
  return takeJob(bus, (body) => {
    const job = ExportJob.safeParse(body);
    return job.success && job.data.exportId === exportId ? job.data : undefined;
  }, `export job for ${exportId}`, waitMs);
}

/** The same for the job that applies legal hold `holdId` (it shares the export queue). */
export async function takeHoldJob(bus: ServiceBusEmulator, holdId: string, waitMs = 10_000): Promise<HoldJob> {
  return takeJob(bus, (body) => {
    const job = HoldJob.safeParse(body);
    return job.success && job.data.holdId === holdId ? job.data : undefined;
  }, `hold job for ${holdId}`, waitMs);
}

async function takeJob<T>(bus: ServiceBusEmulator, match: (body: unknown) => T | undefined, what: string, waitMs: number): Promise<T> {
  const client = new ServiceBusClient(bus.connectionString);
  const receiver = client.createReceiver('archive-exports');
  try {
    const until = Date.now() + waitMs;
    while (Date.now() < until) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: Math.max(100, Math.min(1000, until - Date.now())) });
      if (!message) continue;
      await receiver.completeMessage(message);
      const job = match(message.body);
      if (job) return job;
    }
    throw new Error(`no ${what} within ${waitMs} ms`);
  } finally {
    await receiver.close();
    await client.close();
  }
}
