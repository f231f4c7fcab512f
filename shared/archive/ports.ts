import type { Readable } from 'node:stream';
import type { Address, MailboxCheckpoint, MailboxKind, MailboxRecord, MailboxRun, MailboxWorkItem, MessageEntry } from './model';

/**
 * The ports capture works through. Adapters: Microsoft Graph (graph-mail.ts), Blob Storage
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
  /** The raw MIME (decompressed). */
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
