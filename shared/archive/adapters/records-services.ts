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
import { AzureSearchIndex } from './search-index';
import { CosmosIndexingProgress } from './search-progress';
import { FullTextIndexing } from '../records/full-text-indexing';
import { FullTextSearch } from '../records/full-text-search';
import { IndexMetadata } from '../records/full-text-metadata';
import { createLogger } from '../../platform/logger';
import { MessageTextExtraction } from '../records/full-text-extraction';
import type { SearchIndex, TextExtraction } from '../ports';

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
  const access = new ArchiveAccess(audit, index);
  // Full-text search (docs/decisions/0020): only with a search service; the api-key is the local emulator's only.
  const search = s.archive.search;
  const searchIndex: SearchIndex | undefined = search ? new AzureSearchIndex({ endpoint: search.endpoint, indexName: search.indexName, ...(search.apiKey && !s.deployed ? { apiKey: search.apiKey } : {}) }) : undefined;
  const extraction: TextExtraction = new MessageTextExtraction(content, s.archive.extraction);
  const fullText = searchIndex
    ? {
        index: searchIndex,
        indexing: new FullTextIndexing({ index: searchIndex, archive: index, extraction, progress: new CosmosIndexingProgress(store), mailboxes }, now),
        search: new FullTextSearch(searchIndex, access, audit, index),
      }
    : undefined;
  // Holds and rules changed after capture reach the index at once; a failure is logged (ids only), never fatal (0020).
  const log = createLogger((level, line) => console[level](line), { component: 'archive-full-text' });
  const searchMetadata = new IndexMetadata(searchIndex, (event, fields) => log.warn(event, fields));
  const holds = new LegalHolds(new CosmosLegalHoldRecords(store), index, lock, now, searchMetadata);
  const archiveSearch = new ArchiveSearch(index);
  // What a read path finds tampered is audited and reported to the integrity status at once.
  const tamper = new TamperReports(audit, verdicts, now);
  const exports = new Exports({ records: exportRecords, files: exportFiles, search: archiveSearch, content, queue: exportQueue, tamper, ...(fullText ? { fullText: fullText.search } : {}) }, now);
  const disposition = new Disposition(index, disposals, calendar, holds, lock, audit, now, fullText?.indexing);
  // Manifests of one archive (one Cosmos database) live under its name.
  const manifests = new Manifests(new BlobManifestStore(blob, lock, database.id), index, now);
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
    search: archiveSearch,
    /** Full-text search and its index; undefined without AZURE_SEARCH_ENDPOINT. */
    fullText,
    exports,
    calendarCheck,
    reassignment: new RetentionReassignment({ index, mailboxes, lock, searchMetadata }, calendar, audit),
    assigner: new RecordsAssigner(calendar, holds, calendarCheck),
    disposition,
    manifests,
    access,
    reading: new ArchiveReading(access, archiveSearch, content, audit, tamper),
    holdRequests: new HoldRequests(holds, audit, mailboxes, exportQueue),
    exportRequests: new ExportRequests(exports, audit, r.exportLinkMinutes),
    oversight: new RecordsOversight({ mailboxes, index, verdicts, manifests, calendar, modes: new CosmosSubscriptionStore(database) }, audit, now),
    /** Holds, rules and folder moves after capture reach the full-text index through it. */
    searchMetadata,
    passes: new DailyRecordsPasses(
      { index, mailboxes, lock, content, verdicts, disposals },
      { calendar, disposition, exports, manifests, audit, calendarCheck, searchMetadata, ...(fullText ? { fullText: fullText.indexing } : {}) },
      { exportRetentionDays: r.exportRetentionDays, integrityBudgetMs: r.integrityBudgetMinutes * 60_000 },
      now,
    ),
    now,
  };
}
