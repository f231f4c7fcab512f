import { BlobServiceClient } from '@azure/storage-blob';
import type { ScheduleMonitor } from './timer-trigger';

/**
 * Timer schedule status in blob storage, where the host keeps it
 * (`azure-webjobs-hosts/timers/<host id>/<function>/status`).
 */
export function blobScheduleMonitor(connectionString: string, hostId = 'local-host'): ScheduleMonitor {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('azure-webjobs-hosts');
  let ready: Promise<unknown> | undefined;
  const blob = (fn: string) => container.getBlockBlobClient(`timers/${hostId}/${fn}/status`);
  return {
    async read(fn) {
      ready ??= container.createIfNotExists();
      await ready;
      try {
        const buf = await blob(fn).downloadToBuffer();
        const s = JSON.parse(buf.toString('utf8')) as { Last: string; Next: string; LastUpdated: string };
        return { last: s.Last, next: s.Next, lastUpdated: s.LastUpdated };
      } catch {
        return undefined;
      }
    },
    async write(fn, status) {
      ready ??= container.createIfNotExists();
      await ready;
      const text = JSON.stringify({ Last: status.last, Next: status.next, LastUpdated: status.lastUpdated });
      await blob(fn).upload(text, Buffer.byteLength(text));
    },
  };
}
