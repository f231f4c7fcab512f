import { blobServiceClient, cosmosDatabase, serviceBusClient } from '../../platform/adapters/clients';
import { settings, type Settings } from '../../platform/settings';
import { AuditLog } from '../records/audit';
import { BlobContentStore } from './content-store';
import { Disposition } from '../records/disposition';
import { LegalHolds } from '../records/legal-hold';
import { Manifests } from '../records/manifest';
import { ArchiveSearch } from '../records/search';
import { Exports, type ExportQueue } from '../records/export';
import { ServiceBusExportQueue } from './export-queue';
import { RecordsStore } from './records-store';
import { loadRetentionCalendar } from '../records/retention';
import { RecordsAssigner } from '../records/retention-assigner';
import { RetentionLock } from './retention-lock';

/**
 * Composition root of the records side of the archive (retention, legal hold, disposition, audit,
 * integrity, search, read, export) over the app's SDK clients; made on first use, kept per process.
 */
export type RecordsServices = ReturnType<typeof buildRecordsServices>;

let cached: RecordsServices | undefined;

export function recordsServices(): RecordsServices {
  cached ??= buildRecordsServices(settings());
  return cached;
}

export function resetRecordsServicesForTests(): void {
  cached = undefined;
}

export function buildRecordsServices(s: Settings, now: () => Date = () => new Date(), exportQueue: ExportQueue = new ServiceBusExportQueue(serviceBusClient(s), s.queues.exports)) {
  const blob = blobServiceClient(s);
  const store = new RecordsStore(cosmosDatabase(s));
  const calendar = loadRetentionCalendar(s.archive.records.retentionRulesFile);
  const lock = new RetentionLock(blob, s.archive.immutability);
  const audit = new AuditLog(store.database, now);
  const holds = new LegalHolds(store, lock, now);
  const content = new BlobContentStore(blob, { immutability: 'off' });
  const search = new ArchiveSearch(store);
  return {
    settings: s,
    blob,
    store,
    calendar,
    lock,
    audit,
    holds,
    /** Reads content only; immutability is applied through `lock`. */
    content,
    search,
    exports: new Exports(blob, store, search, content, exportQueue, now),
    assigner: new RecordsAssigner(calendar, holds),
    disposition: new Disposition(store, calendar, holds, lock, audit, now),
    manifests: new Manifests(blob, store, lock, now),
    now,
  };
}
