import type { Readable } from 'node:stream';
import type { Address, ArchiveSubscription, MailboxCheckpoint, MailboxKind, MailboxRecord, MailboxRun, MailboxWorkItem, MessageEntry } from './model';
import type { AuditTrail as PlatformAuditTrail } from '../platform/audit';
import type { AuditRecord } from './records/audit-record';
import type { DisposalEvidence } from './records/disposal-evidence';
import type { ExportJob, ExportRecord } from './records/export-request';
import type { DayVerdict, IntegrityStatus } from './records/integrity-status';
import type { HoldJob, LegalHold } from './records/legal-hold';
import type { SearchFilter } from './records/search-filter';
import type { ExtractedText, IndexAnswer, IndexQuery, SearchDocument } from './records/full-text';

/**
 * The ports capture works through (records' ports follow, in their own section). Adapters: Microsoft Graph (graph-mail.ts), Blob Storage
 * (content-store.ts, mailbox-lock.ts), Cosmos DB (message-index.ts, mailbox-state.ts), Service Bus
 * (work-queue.ts). Domain modules receive these and never see an SDK.
 */

export interface MailFolder {
  id: string;
  displayName: string;
  parentFolderId: string | null;
  /** "Inbox/Projets" */
  path: string;
  totalItemCount: number;
  childFolderCount: number;
}

/** The message fields the index keeps, from the delta listing (no extra request per message). */
export interface MessageSummary {
  messageId: string;
  subject: string;
  from: Address | null;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  sentAt: string | null;
  receivedAt: string;
  conversationId: string | null;
  internetMessageId: string | null;
  hasAttachments: boolean;
}

export type DeltaItem = { kind: 'present'; message: MessageSummary } | { kind: 'removed'; messageId: string };

/** One folder's answer in a sync round. */
export type FolderPageResult =
  | { kind: 'page'; items: DeltaItem[]; nextLink: string | null; deltaLink: string | null }
  /** The sync state expired (410): restart the folder with a full sync. */
  | { kind: 'expired' }
  /** The folder no longer exists (404). */
  | { kind: 'gone' };

export interface FolderPageRequest {
  folderId: string;
  /** nextLink or deltaLink to continue from; null starts a full sync. */
  link: string | null;
}

export interface FolderListing {
  folders: MailFolder[];
  /** Ids of the well-known folders asked for (e.g. junkemail), when they exist. */
  wellKnown: Record<string, string>;
}

export interface MailSource {
  /** Every folder of the mailbox (flattened), plus the ids of the well-known folders named. */
  listFolders(mailboxId: string, wellKnownNames: string[], knownParents: string[]): Promise<FolderListing>;
  /** One delta page for each folder asked for (batched: one round trip for up to 20 folders). */
  deltaPages(mailboxId: string, requests: FolderPageRequest[]): Promise<Map<string, FolderPageResult>>;
  /** The raw MIME as a stream; throws MessageGoneError when the message vanished meanwhile. */
  openMime(mailboxId: string, messageId: string): Promise<Readable>;
}

export class MessageGoneError extends Error {
  constructor() {
    super('The message no longer exists in the mailbox');
    this.name = 'MessageGoneError';
  }
}

export class MailboxGoneError extends Error {
  constructor() {
    super('The mailbox no longer exists');
    this.name = 'MailboxGoneError';
  }
}

export interface ScopedMailbox {
  mailboxId: string;
  address: string;
  displayName: string;
  kind: MailboxKind;
  accountEnabled: boolean;
  /** Graph user `department` (the service): retention rules may be assigned per service. */
  department: string | null;
}

export interface Directory {
  /** Members of the archive group (staff) and the listed shared mailboxes; guests excluded. */
  mailboxesInScope(): Promise<ScopedMailbox[]>;
  /** One staff member's mailbox (someone who just joined), or null: gone, a guest, or no mailbox. */
  mailbox(userId: string): Promise<ScopedMailbox | null>;
}

export interface StoredContent {
  contentHash: string;
  blobName: string;
  rawSize: number;
  compressedSize: number;
  /** False when the content already existed (a retry, or the same MIME in another mailbox). */
  created: boolean;
  attachmentNames: string[];
}

/**
 * What keeps content from being deleted early in Azure: a version-level retention (WORM) policy
 * until `until` (none when null) and the blob legal hold. Off locally (Azurite has neither).
 */
export interface ContentProtection {
  until: Date | null;
  legalHold: boolean;
}

export interface ContentStore {
  /**
   * Streams the MIME to its content address (write-once) and reports what was stored. Content it
   * creates carries `protection` from the request that creates it; content that was already there
   * is left as it was (`created: false`): the caller extends it with protect().
   */
  store(mime: Readable, protection?: ContentProtection): Promise<StoredContent>;
  /** Extends existing content's protection (never shortens it); no-op when immutability is off. */
  protect(contentHash: string, protection: ContentProtection): Promise<void>;
  exists(contentHash: string): Promise<boolean>;
  /** The raw MIME (decompressed); throws ContentMissing when there is no such content. */
  open(contentHash: string): Promise<Readable>;
  /** Content blobs, with when each was last written. */
  list(): AsyncIterable<{ contentHash: string; lastModified: Date }>;
  /** Content blobs first written in [from, to) (by their index tag; blobs from before tags had none). */
  listStoredBetween(from: Date, to: Date): AsyncIterable<string>;
  /** Deletes the content (every version of it); false when a retention policy or legal hold forbids it. */
  delete(contentHash: string): Promise<boolean>;
  /** Staging blobs older than `olderThan`. */
  listStaging(olderThan: Date): AsyncIterable<string>;
  deleteStaging(name: string): Promise<void>;
}

/** The content asked for is not stored (deleted, or never written): retrying cannot bring it back. */
export class ContentMissing extends Error {
  constructor(readonly contentHash: string) {
    super('The content is not in the archive');
    this.name = 'ContentMissing';
  }
}

export interface MessageIndex {
  get(mailboxId: string, messageId: string, receivedAt: string): Promise<MessageEntry | undefined>;
  /** Creates the entry; false when it already existed. */
  create(entry: MessageEntry): Promise<boolean>;
  /** Records a move (or a message seen again) without touching retention or hold fields. */
  relocate(entry: MessageEntry, folderId: string, folderPath: string): Promise<void>;
  /** Marks the entry removed unless it changed since read (then false: read again and decide). */
  markRemoved(entry: MessageEntry, removedAt: string): Promise<boolean>;
  /** The entry of a message whose receivedAt is unknown (removals carry only the id). */
  findByMessageId(mailboxId: string, messageId: string): Promise<MessageEntry | undefined>;
  /** Which of these content hashes some entry refers to. */
  referencedAmong(contentHashes: string[]): Promise<Set<string>>;
}

export interface MailboxStateStore {
  checkpoints(mailboxId: string): Promise<MailboxCheckpoint[]>;
  saveCheckpoint(checkpoint: MailboxCheckpoint): Promise<void>;
  run(mailboxId: string): Promise<MailboxRun | undefined>;
  saveRun(run: MailboxRun): Promise<void>;
  mailbox(mailboxId: string): Promise<MailboxRecord | undefined>;
  saveMailbox(record: MailboxRecord): Promise<void>;
  /** Every mailbox the archive has known (for the schedule: gone mailboxes are skipped). */
  allMailboxes(): Promise<MailboxRecord[]>;
}

export interface MailboxLease {
  /** State the previous holder left (the Graph window of the mailbox). */
  readonly carried: string | undefined;
  /** Renews the lease; throws LeaseLostError when another holder has it. */
  renew(): Promise<void>;
  release(carry?: string): Promise<void>;
}

export class LeaseLostError extends Error {
  constructor() {
    super('The mailbox lock was lost');
    this.name = 'LeaseLostError';
  }
}

export interface MailboxLock {
  /** The lease, or undefined when another run holds the mailbox (with how long it may keep it). */
  tryAcquire(mailboxId: string): Promise<MailboxLease | undefined>;
}

export interface WorkQueue {
  /** Enqueues work items; messageId dedupes repeats within the broker's window. */
  enqueue(items: Array<{ item: MailboxWorkItem; messageId: string; notBefore?: Date }>): Promise<void>;
}

/** Where each mailbox's Graph subscription and capture mode are kept (Cosmos: cosmos-subscriptions.ts). */
export interface SubscriptionStore {
  get(mailboxId: string): Promise<ArchiveSubscription | undefined>;
  save(record: ArchiveSubscription): Promise<void>;
  all(): Promise<ArchiveSubscription[]>;
  remove(mailboxId: string): Promise<void>;
}

export interface NewSubscription {
  mailboxId: string;
  notificationUrl: string;
  clientState: string;
  expiresAt: Date;
}

/** Graph change-notification subscriptions on a mailbox's messages (graph-subscriptions.ts). */
export interface MailSubscriptions {
  create(request: NewSubscription): Promise<{ subscriptionId: string; expiresAt: string }>;
  /** Extends the subscription (PATCH); throws SubscriptionGoneError when Graph no longer has it. */
  renew(subscriptionId: string, expiresAt: Date): Promise<{ expiresAt: string }>;
  /** Deletes it; one already gone is not an error. */
  remove(subscriptionId: string): Promise<void>;
}

export class SubscriptionGoneError extends Error {
  constructor() {
    super('The subscription no longer exists');
    this.name = 'SubscriptionGoneError';
  }
}

/** What the retention hook needs to know of a message: the fields its rule and the legal holds look at. */
export type RetentionFacts = Pick<MessageEntry, 'mailboxId' | 'receivedAt' | 'from' | 'to' | 'cc' | 'bcc'>;

/**
 * The retention hook (built by the retention module): the rule, date and active holds of a message
 * capture is about to store. Capture asks before writing the content, so new content is protected
 * by the request that creates it.
 */
export interface RetentionAssigner {
  assign(message: RetentionFacts, mailbox: ScopedMailbox | MailboxRecord | undefined): Promise<{ retentionRuleId: string; retainUntil: string | null; holds?: string[] } | null>;
}

/*
 * ---------------------------------------------------------------------------------------------
 * Records ports: what retention, legal hold, disposition, manifests, integrity, completeness,
 * search, read, export and audit (shared/archive/records/) work through. Adapters: Cosmos DB
 * (cosmos-message-records.ts, cosmos-records.ts, cosmos-audit-log.ts), Blob Storage
 * (blob-manifests.ts, blob-exports.ts, retention-lock.ts), Service Bus (export-queue.ts).
 * ---------------------------------------------------------------------------------------------
 */

/**
 * A document as read, with the version it was read at. A write made with it (If-Match) fails
 * with ConcurrentChange, or reports 'changed', when someone changed the document meanwhile.
 */
export type Versioned<T> = T & { readonly etag: string };

/** The document changed since it was read (an If-Match failed): read it again and decide again. */
export class ConcurrentChange extends Error {
  constructor() {
    super('The document changed since it was read');
    this.name = 'ConcurrentChange';
  }
}

/** A continuation token the index did not issue (tampered with, or from elsewhere). */
export class BadContinuation extends Error {
  constructor() {
    super('continuation');
    this.name = 'BadContinuation';
  }
}

export interface MessagePage {
  entries: MessageEntry[];
  /** Opaque; null on the last page. */
  continuation: string | null;
}

/** Reading the index for people: one entry, a page of a search, or everything a filter selects. */
export interface SearchableIndex {
  /** The entry at its partition key and id, or undefined. */
  get(pk: string, id: string): Promise<MessageEntry | undefined>;
  /** One page, newest first; throws BadContinuation for a token it did not issue. */
  search(filter: SearchFilter, page: { size: number; continuation?: string }): Promise<MessagePage>;
  /** Every entry the filter selects, newest first (exports). */
  searchAll(filter: SearchFilter): AsyncIterable<MessageEntry>;
  /** How many entries the filter selects, counted by the store (an export's size, asked before it is made). */
  count(filter: SearchFilter): Promise<number>;
}

/** The retention fields of entries (retention owns retentionRuleId and retainUntil). */
export interface RetentionIndex {
  /** Entries captured without a rule. */
  withoutRetention(): AsyncIterable<MessageEntry>;
  /** The mailbox's entries captured under a rule other than `ruleId` (entries with no rule excluded). */
  withRuleOtherThan(mailboxId: string, ruleId: string): AsyncIterable<MessageEntry>;
  /** Sets the rule and date; false when the entry is gone. */
  setRetention(entry: Pick<MessageEntry, 'id' | 'pk'>, retentionRuleId: string, retainUntil: string | null): Promise<boolean>;
}

/** The search words of entries (records/search-terms.ts), added to entries written before them. */
export interface SearchTermsIndex {
  /** Entries without the search words of the current version. */
  withoutSearchTerms(): AsyncIterable<MessageEntry>;
  /** Writes the entry's search words; false when the entry is gone. */
  setSearchTerms(entry: MessageEntry): Promise<boolean>;
}

/** The hold field of entries (legal hold owns `holds`). */
export interface HoldIndex {
  /** Entries in the hold's mailboxes and date range not yet tagged with it (participants are the caller's to check). */
  untaggedInScope(hold: Pick<LegalHold, 'id' | 'mailboxes' | 'from' | 'to'>): AsyncIterable<Versioned<MessageEntry>>;
  /** Entries tagged with the hold. */
  taggedWith(holdId: string): AsyncIterable<Versioned<MessageEntry>>;
  /** The entry as it is now, or undefined when gone. */
  reread(entry: Pick<MessageEntry, 'id' | 'pk'>): Promise<Versioned<MessageEntry> | undefined>;
  /** Sets `holds` unless the entry changed since it was read. */
  setHolds(entry: Versioned<MessageEntry>, holds: string[]): Promise<'written' | 'changed' | 'gone'>;
  /** Entries referring to this content that carry some hold. */
  countHeldReferences(contentHash: string): Promise<number>;
}

/** What disposition reads and deletes. */
export interface DisposalIndex {
  /** At most `max` entries whose retainUntil is on or before `now`. */
  dueForDisposition(now: Date, max: number): Promise<Versioned<MessageEntry>[]>;
  /** A sampled entry is kept for good: its retainUntil is cleared. */
  keepForGood(entry: Pick<MessageEntry, 'id' | 'pk'>): Promise<void>;
  /** Deletes the entry unless it changed since it was read; 'gone' when it was already deleted. */
  deleteUnchanged(entry: Versioned<MessageEntry>): Promise<'deleted' | 'changed' | 'gone'>;
  /** Entries referring to this content. */
  countReferences(contentHash: string): Promise<number>;
  exists(entryId: string, mailboxId: string): Promise<boolean>;
}

/** What the daily manifests list: the entries captured in a period. */
export interface ManifestIndex {
  /** Entries with start <= capturedAt < end (ISO times), in any order. */
  capturedBetween(start: string, end: string): Promise<Array<Pick<MessageEntry, 'id' | 'pk' | 'contentHash'>>>;
  /** capturedAt of the earliest entry, or undefined when the archive is empty. */
  firstCapturedAt(): Promise<string | undefined>;
}

/** Completeness: entries of a folder still present in the mailbox. */
export interface FolderIndex {
  countPresentInFolder(mailboxId: string, folderId: string): Promise<number>;
}

/** The whole index as the records side sees it (one adapter serves every part). */
export type RecordsIndex = SearchableIndex & RetentionIndex & SearchTermsIndex & HoldIndex & DisposalIndex & ManifestIndex & FolderIndex;

/** What capture recorded of mailboxes (`archive-mailboxes`), read by completeness and retention. */
export interface MailboxStateReader {
  /** Every record, run and checkpoint (of one mailbox when named); none before capture ran. */
  documents(onlyMailbox?: string): Promise<Array<MailboxRecord | MailboxRun | MailboxCheckpoint>>;
  mailbox(mailboxId: string): Promise<MailboxRecord | undefined>;
  /** Archived mailboxes by name, for pickers: people choose "Geneviève Tremblay", never a GUID. */
  findMailboxes(lookup: MailboxLookup): Promise<MailboxChoice[]>;
}

export interface MailboxChoice {
  mailboxId: string;
  displayName: string;
  address: string;
  kind: MailboxKind;
}

export const MAILBOX_CHOICES_MAX = 50;

export interface MailboxLookup {
  /** Words matched, case-insensitively, anywhere in the display name or the address. */
  search?: string;
  /** At most MAILBOX_CHOICES_MAX, sorted by name as French speakers sort (É beside E). */
  pageSize: number;
  /** Only this mailbox (staff: their own). */
  onlyMailboxId?: string;
}

/** Storage-side retention of content (WORM policy, blob legal hold, destruction); no-ops where immutability is off. */
export interface ContentRetention {
  /** Extends (never shortens) the content's retention policy. */
  protectContentUntil(contentHash: string, until: Date): Promise<void>;
  setContentLegalHold(contentHash: string, held: boolean): Promise<void>;
  /** The expiry of the WORM policy the storage holds on the content now; null without one (or locally). */
  policyExpiry(contentHash: string): Promise<Date | null>;
  /** Deletes every version of the content; fails while a policy or legal hold covers one. */
  destroyContent(contentHash: string): Promise<void>;
}

/** The archive's part of the app's audit trail (shared/platform/audit.ts). */
export type AuditTrail = PlatformAuditTrail<AuditRecord>;

export interface LegalHoldRecords {
  create(hold: LegalHold): Promise<void>;
  /** Newest first. */
  list(): Promise<LegalHold[]>;
  get(id: string): Promise<LegalHold | undefined>;
  setAppliedCount(id: string, appliedCount: number): Promise<void>;
  /** Records how far applying the hold has come (background job). */
  setApplyState(id: string, state: Partial<Pick<LegalHold, 'appliedCount' | 'applyStatus' | 'applyStartedAt' | 'applyCompletedAt'>>): Promise<void>;
  markReleased(id: string, releasedBy: string, releasedAt: string): Promise<void>;
}

export interface DisposalRecords {
  /** Writes (or overwrites) the evidence of one entry. */
  save(evidence: DisposalEvidence): Promise<void>;
  get(entryId: string): Promise<DisposalEvidence | undefined>;
  pending(): Promise<DisposalEvidence[]>;
  /** Newest decision first; `continuation` is opaque. */
  page(size: number, continuation?: string): Promise<{ items: DisposalEvidence[]; continuation: string | null }>;
}

export interface ExportRecords {
  create(record: ExportRecord): Promise<void>;
  read(id: string): Promise<Versioned<ExportRecord> | undefined>;
  /** Replaces the record; with `ifMatch`, only when unchanged since (ConcurrentChange otherwise). Returns the new version. */
  replace(record: ExportRecord, ifMatch?: string): Promise<string>;
  /** Completed or failed exports whose completedAt is before `cutoff`. */
  finishedBefore(cutoff: string): Promise<Versioned<ExportRecord>[]>;
  /** Newest first. */
  list(): Promise<ExportRecord[]>;
}

/** Where export files are written (`archive-exports`), deleted, and reached through short-lived links. */
export interface ExportFiles {
  /**
   * Makes the place ready (creates the container). Called before the archive stream exists: once
   * it exists, writeArchive must take it at once, or an early error in it would go unheard.
   */
  prepare(): Promise<void>;
  /** Streams the archive file to `name` (never held whole); takes `content` before anything else. */
  writeArchive(name: string, content: Readable, file: { contentType: string; fileName: string }): Promise<void>;
  writeManifest(name: string, bytes: Buffer): Promise<void>;
  /** Deletes every file of the export (every attempt's); missing files are ignored. */
  deleteAll(exportId: string): Promise<void>;
  /** A read-only link to `name`, valid from `startsOn` to `expiresOn`. */
  readLink(name: string, startsOn: Date, expiresOn: Date): Promise<string>;
}

/** Where export jobs wait for a worker (Service Bus in the app, export-queue.ts). */
export interface ExportQueue {
  /** messageId lets the broker drop a repeat of the same job. Also carries the jobs that apply new legal holds. */
  enqueue(job: ExportJob | HoldJob, options: { messageId: string; notBefore?: Date }): Promise<void>;
}

/** Daily manifests (`archive-manifests`), written once. */
export interface ManifestStore {
  /** Days that have a manifest, oldest first. */
  days(): Promise<string[]>;
  /** The stored bytes of a day's manifest and where they are; throws when there is none. */
  read(day: string): Promise<{ bytes: Buffer; name: string }>;
  /**
   * Writes the day's manifest unless one exists (then `created` is false: another instance sealed
   * it first); a new one is protected until `protectUntil` (through the retention lock, Azure only).
   */
  create(day: string, bytes: Buffer, protectUntil: Date): Promise<{ created: boolean; name: string }>;
}

/** Verdicts of the integrity verification (`archive-records`, partition `integrity`). */
export interface IntegrityRecords {
  verdicts(): Promise<DayVerdict[]>;
  saveVerdict(verdict: DayVerdict): Promise<void>;
  saveStatus(status: IntegrityStatus): Promise<void>;
  /** The last status, or undefined before the first verification. */
  status(): Promise<IntegrityStatus | undefined>;
}

/**
 * How far the orphan sweep has looked (content blobs stored before this time have been checked),
 * and the orphans it could not delete yet because Azure still protects them.
 */
export interface SweepWatermark {
  get(): Promise<Date | undefined>;
  /** Orphans a pass found under a retention policy or legal hold: each later pass tries them again. */
  kept(): Promise<string[]>;
  set(until: Date, kept?: string[]): Promise<void>;
}

/*
 * ---------------------------------------------------------------------------------------------
 * Full-text search ports (records/full-text*.ts, docs/decisions/0020). Adapter: Azure AI Search
 * (search-index.ts); text extraction is the extraction module's.
 * ---------------------------------------------------------------------------------------------
 */

/** The index could not parse the query (full syntax): the person's to fix, a 400. */
export class BadSearchQuery extends Error {
  constructor() {
    super('The search query could not be parsed');
    this.name = 'BadSearchQuery';
  }
}

/** The full-text index: derived data, rebuilt from the archive whenever needed. */
export interface SearchIndex {
  /** Creates the index with its fields and analyzers when missing (an existing one is left as it is). */
  ensureIndex(): Promise<void>;
  /** Uploads (replaces) documents; throws when the index refused one. */
  upsert(documents: SearchDocument[]): Promise<void>;
  /** Deletes documents by key; a missing one is no error. */
  delete(ids: string[]): Promise<void>;
  /**
   * Replaces only the given fields of documents already in the index (Azure `merge`). A key not in
   * the index is no error and is not created: the indexing pass will index that entry whole.
   * Throws when the service refused any other way.
   */
  mergeMetadata(changes: MetadataChange[]): Promise<void>;
  search(query: IndexQuery): Promise<IndexAnswer>;
  /** Exact count of one mailbox's documents. */
  count(mailboxId: string): Promise<number>;
  /** Mailboxes that have documents in the index. */
  mailboxIds(): Promise<string[]>;
  /** Deletes the index and its documents (a rebuild starts from nothing). */
  drop(): Promise<void>;
}

/** The fields of an entry that change after capture, as the index holds them; only those given are replaced. */
export interface MetadataChange {
  id: string;
  holds?: string[];
  retentionRule?: string;
  folder?: string;
}

/** The text of an archived message: body and attachments, what could not be extracted recorded per message. */
export interface TextExtraction {
  extract(entry: MessageEntry): Promise<ExtractedText>;
}

/** Where indexing has reached (capturedAt of entries indexed, ISO) and the last rebuild's progress. */
export interface IndexingProgress {
  watermark(): Promise<string | undefined>;
  setWatermark(capturedAt: string): Promise<void>;
  rebuild(): Promise<RebuildStatus | undefined>;
  saveRebuild(status: RebuildStatus): Promise<void>;
}

export interface RebuildStatus {
  state: 'running' | 'completed' | 'failed';
  startedAt: string;
  updatedAt: string;
  indexed: number;
  requestedBy: string;
}
