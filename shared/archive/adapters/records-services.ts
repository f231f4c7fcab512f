import { blobServiceClient, cosmosDatabase, graph, serviceBusClient } from '../../platform/adapters/clients';
import { settings, type Settings } from '../../platform/settings';
import type { Directory, ExportQueue } from '../ports';
import { ArchiveAccess } from '../records/access';
import { AuditLog } from '../records/audit';
import { DailyRecordsPasses } from '../records/daily-passes';
import { Disposition } from '../records/disposition';
import { Exports } from '../records/export';
import { ExportRequests } from '../records/export-requests';
import { HoldRequests } from '../records/hold-requests';
import { LegalHolds } from '../records/legal-holds';
import { Manifests } from '../records/manifests';
import { RecordsOversight } from '../records/oversight';
import { ArchiveReading } from '../records/reading';
import { TamperReports } from '../records/content-check';
import { loadRetentionCalendar } from '../records/retention';
import { CalendarCheck, RecordsAssigner } from '../records/retention-assigner';
import { GraphDirectory } from './graph-directory';
import { ArchiveSearch } from '../records/search';
import { RetentionReassignment } from '../records/retention-reassign';
import { BlobExportFiles } from './blob-exports';
import { BlobManifestStore } from './blob-manifests';
import { BlobContentStore } from './content-store';
import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { AuditRecord } from '../records/audit-record';
import { CONTAINERS } from '../model';
import { CosmosMailboxStateReader, CosmosMessageRecords } from './cosmos-message-records';
import { CosmosSubscriptionStore } from './cosmos-subscriptions';
import { CosmosDisposalRecords, CosmosExportRecords, CosmosIntegrityRecords, CosmosLegalHoldRecords } from './cosmos-records';
import { ServiceBusExportQueue } from './export-queue';
import { RecordsStore } from './records-store';
import { RetentionLock } from './retention-lock';

/**
 * Composition root of the records side of the archive (retention, legal hold, disposition, audit,
 * integrity, search, read, export): the adapters over the app's SDK clients and the use cases over
 * them; made on first use, kept per process.
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

/** `directory`: the app's Graph directory; tests without the Microsoft 365 sandbox give their own. */
export function buildRecordsServices(
  s: Settings,
  now: () => Date = () => new Date(),
  exportQueue: ExportQueue = new ServiceBusExportQueue(serviceBusClient(s), s.queues.exports),
  // Made on first use: the Graph client reads its settings (a CA file locally) when made, and the
  // records endpoints that never need the directory must not depend on them.
  directory: Pick<Directory, 'mailboxesInScope'> = { mailboxesInScope: () => new GraphDirectory(graph(s), { group: s.archive.scopeGroup, sharedMailboxes: s.archive.sharedMailboxes }).mailboxesInScope() },
) {
  const r = s.archive.records;
  const blob = blobServiceClient(s);
  const database = cosmosDatabase(s);
  // Adapters.
  const store = new RecordsStore(database);
  const index = new CosmosMessageRecords(store);
  const mailboxes = new CosmosMailboxStateReader(database);
  const lock = new RetentionLock(blob, s.archive.immutability);
  /** Reads content only; immutability is applied through `lock`. */
  const content = new BlobContentStore(blob, { immutability: 'off' });
  const disposals = new CosmosDisposalRecords(store);
  const verdicts = new CosmosIntegrityRecords(store);
  const exportRecords = new CosmosExportRecords(store);
  const exportFiles = new BlobExportFiles(blob, s.storage);
  // Use cases.
  const calendar = loadRetentionCalendar(r.retentionRulesFile);
  // The directory the calendar's assignments must name: the mailboxes in the archive's scope now,
  // and those the archive already knows (a mailbox that left the scope keeps its rule).
  const calendarCheck = new CalendarCheck(calendar, async () => {
    const [inScope, known] = await Promise.all([directory.mailboxesInScope(), mailboxes.documents()]);
    // The directory's current facts last, so they win over a record's older ones.
    return [...known.filter((d) => d.type === 'mailbox'), ...inScope].map((m) => ({ mailboxId: m.mailboxId, address: m.address, department: m.department ?? null }));
  });
  const audit = new AuditLog(new CosmosAuditTrail(database, { container: CONTAINERS.audit, schema: AuditRecord }), now);
  const holds = new LegalHolds(new CosmosLegalHoldRecords(store), index, lock, now);
  const search = new ArchiveSearch(index);
  // What a read path finds tampered is audited and reported to the integrity status at once.
  const tamper = new TamperReports(audit, verdicts, now);
  const exports = new Exports({ records: exportRecords, files: exportFiles, search, content, queue: exportQueue, tamper }, now);
  const disposition = new Disposition(index, disposals, calendar, holds, lock, audit, now);
  // Manifests of one archive (one Cosmos database) live under its name.
  const manifests = new Manifests(new BlobManifestStore(blob, lock, database.id), index, now);
  const access = new ArchiveAccess(audit, index);
  return {
    settings: s,
    /** The Cosmos containers, for the adapters (and tests that look at stored documents). */
    store,
    index,
    mailboxes,
    lock,
    content,
    disposals,
    verdicts,
    exportRecords,
    exportFiles,
    calendar,
    audit,
    holds,
    search,
    exports,
    calendarCheck,
    reassignment: new RetentionReassignment({ index, mailboxes, lock }, calendar, audit),
    assigner: new RecordsAssigner(calendar, holds, calendarCheck),
    disposition,
    manifests,
    access,
    reading: new ArchiveReading(access, search, content, audit, tamper),
    holdRequests: new HoldRequests(holds, audit, mailboxes, exportQueue),
    exportRequests: new ExportRequests(exports, audit, r.exportLinkMinutes),
    oversight: new RecordsOversight({ mailboxes, index, verdicts, manifests, calendar, modes: new CosmosSubscriptionStore(database) }, audit, now),
    passes: new DailyRecordsPasses(
      { index, mailboxes, lock, content, verdicts, disposals },
      { calendar, disposition, exports, manifests, audit, calendarCheck },
      { exportRetentionDays: r.exportRetentionDays, integrityBudgetMs: r.integrityBudgetMinutes * 60_000 },
      now,
    ),
    now,
  };
}
