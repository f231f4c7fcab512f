import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The email archive's data model, shared by capture (this engineer) and by retention, legal hold,
 * manifests, completeness, audit, search and export. Everything stored is described here: the
 * Cosmos DB containers and their partition keys, the documents in them, and the blob layout.
 *
 * Storage layout
 * - Blob container `mail-content`: the raw MIME of each message, Brotli-compressed, content-addressed
 *   by the SHA-256 of the raw (uncompressed) MIME: `sha256/<first two hex>/<hash>.eml.br` (Brotli). Written
 *   once with a conditional create (If-None-Match: *): a retry or the same message in a second
 *   mailbox stores nothing new. Blob metadata: sha256, rawsize. In Azure each blob version carries a
 *   version-level immutability policy until its retention date (see docs/decisions/0004).
 * - Blob container `mail-staging`: where a message is streamed while its hash is not yet known;
 *   copied server-side to its content address, then deleted. Leftovers are swept (orphan sweep).
 * - Blob container `archive-locks`: lease blobs, one per mailbox (`mailbox/<mailboxId>`) so two runs
 *   never work on one mailbox, and the Graph concurrency slots (`graph-slot/<n>`).
 * - Cosmos container `archive-messages` (MessageEntry), partition key `/pk` =
 *   `${mailboxId}|${yyyy-mm}` of the message's receivedAt. A logical partition holds at most 20 GB;
 *   one mailbox keyed by mailbox alone would hit that after ~10-20 million entries (a shared mailbox
 *   over decades). Keyed by mailbox and month, a partition holds one mailbox-month, far below the
 *   limit, while a mailbox's queries stay targeted by month range, and a point read needs only
 *   mailboxId, receivedAt and message id, all of which Graph's delta returns. (Hierarchical keys
 *   would also lift the limit, but the local emulator supports them only partially.)
 * - Cosmos container `archive-mailboxes`, partition key `/mailboxId`: per mailbox a small set of
 *   documents (MailboxRecord, MailboxRun, one MailboxCheckpoint per folder), so a run's query for
 *   its checkpoints and the scheduler's list of mailboxes stay small however much mail there is.
 * - Cosmos container `archive-locators`, partition key `/mailboxId`, not indexed (point reads
 *   only, so each write costs the fewest RUs): one MessageLocator per message (~200 bytes: 100
 *   million messages per mailbox fit one partition).
 *
 * The local Cosmos emulator lacks DISTINCT, GROUP BY, OFFSET/LIMIT, TTL, change feed and atomic
 * batches: nothing here depends on them (one document per write, idempotent upserts).
 */

export const CONTAINERS = {
  /** Cosmos: MessageEntry documents. */
  messages: 'archive-messages',
  /** Cosmos: MailboxRecord, MailboxRun and MailboxCheckpoint documents. */
  mailboxes: 'archive-mailboxes',
  /** Cosmos (pk /mailboxId, no index): one MessageLocator per message. */
  locators: 'archive-locators',
  /** Blob: content-addressed Brotli-compressed MIME, write-once. */
  content: 'mail-content',
  /** Blob: in-flight uploads before their hash is known. */
  staging: 'mail-staging',
  /** Cosmos (pk /mailboxId): one ArchiveSubscription per mailbox (Graph change notifications, mode). */
  subscriptions: 'archive-subscriptions',
  /** Blob: lease blobs (per-mailbox run lock, Graph concurrency slots). */
  locks: 'archive-locks',
  /** Cosmos (records, pk /pk): legal holds, exports, disposal evidence, integrity status. */
  records: 'archive-records',
  /** Cosmos (pk /pk = yyyy-mm): who searched, read, downloaded, exported, held or disposed what. */
  audit: 'archive-audit',
  /** Blob: daily tamper-evidence manifests, write-once (immutable in Azure). */
  manifests: 'archive-manifests',
  /** Blob: legal-request exports (mbox or zip of .eml) and their hash manifests. */
  exports: 'archive-exports',
} as const;

export const PARTITION_KEY_PATHS = {
  messages: '/pk',
  mailboxes: '/mailboxId',
  locators: '/mailboxId',
  subscriptions: '/mailboxId',
  records: '/pk',
  audit: '/pk',
} as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case SHA-256 hex digest');
const isoDate = z.iso.datetime({ offset: true });

/** An email address as Graph gives it; the name may be empty. */
export const Address = z.object({ name: z.string(), address: z.string() });
export type Address = z.infer<typeof Address>;

/** Current version of the documents below; bump when a field changes meaning. */
export const MODEL_VERSION = 1;

/**
 * One archived message in one mailbox (the index entry). Several entries may share one content blob
 * (same MIME in two mailboxes). The entry is written only after its content blob exists, so an entry
 * never points at missing content.
 */
export const MessageEntry = z.object({
  /** messageEntryId(mailboxId, messageId): deterministic, so a retry upserts the same document. */
  id: z.string(),
  /** messagePartitionKey(mailboxId, receivedAt). */
  pk: z.string(),
  type: z.literal('message'),
  mailboxId: z.string(),
  /** Graph immutable id (Prefer: IdType="ImmutableId"): survives moves between folders. */
  messageId: z.string(),
  folderId: z.string(),
  /** Display path such as "Inbox/Projets"; for people, not for lookups. */
  folderPath: z.string(),
  /** SHA-256 of the raw MIME (lower-case hex), the content address. */
  contentHash: sha256Hex,
  /** Blob name in `mail-content` (contentBlobName(contentHash)). */
  blobName: z.string(),
  rawSize: z.number().int().nonnegative(),
  compressedSize: z.number().int().nonnegative(),
  from: Address.nullable(),
  to: z.array(Address),
  cc: z.array(Address),
  bcc: z.array(Address),
  subject: z.string(),
  sentAt: isoDate.nullable(),
  receivedAt: isoDate,
  attachmentNames: z.array(z.string()),
  conversationId: z.string().nullable(),
  internetMessageId: z.string().nullable(),
  /** Set by retention; null until a rule is assigned. */
  retentionRuleId: z.string().nullable(),
  retainUntil: isoDate.nullable(),
  /** Legal hold ids covering this entry (set by legal hold). */
  holds: z.array(z.string()),
  capturedAt: isoDate,
  /** When a run saw the message removed from the mailbox; it stays archived. Null while present. */
  removedAt: isoDate.nullable(),
  version: z.literal(MODEL_VERSION),
  /**
   * Normalised words of the subject and of the participants' names, for search
   * (records/search-terms.ts); written with the entry, added to older entries by the daily pass.
   */
  searchTerms: z.object({ version: z.number().int(), subject: z.array(z.string()), participants: z.array(z.string()) }).optional(),
});
export type MessageEntry = z.infer<typeof MessageEntry>;

/**
 * Where a mailbox's message entry lives (container `archive-locators`, one partition per mailbox):
 * Graph reports a removal with the message id alone, without receivedAt, so without this the entry
 * could only be found by a cross-partition query. Written before the entry; a locator without an
 * entry (crash in between) is harmless. Locators have their own container rather than sharing the
 * mailbox's partition of `archive-mailboxes`: there they made every query of that container (a
 * run's checkpoints, the scheduler's mailboxes) grow with the mail archived, and the local emulator
 * scans a whole container per query (3.5 s at 20,000 documents, answering nothing else meanwhile).
 */
export const MessageLocator = z.object({
  /** messageEntryId(mailboxId, messageId), the entry's own id. */
  id: z.string(),
  type: z.literal('locator'),
  mailboxId: z.string(),
  /** The entry's partition key in `archive-messages`. */
  pk: z.string(),
});
export type MessageLocator = z.infer<typeof MessageLocator>;

/** Per mailbox and folder: where the folder's delta sync stands. */
export const MailboxCheckpoint = z.object({
  /** checkpointId(folderId) */
  id: z.string(),
  type: z.literal('checkpoint'),
  mailboxId: z.string(),
  folderId: z.string(),
  folderPath: z.string(),
  /** Next page of an unfinished round; resumes exactly where the last stored page ended. */
  nextLink: z.string().nullable(),
  /** Link for the next round of changes once a round finished. */
  deltaLink: z.string().nullable(),
  /** Graph's totalItemCount of the folder when last listed (for completeness). */
  totalItemCount: z.number().int().nonnegative(),
  /** From the folder listing: lets the next run list children of known parents in its first batch. */
  childFolderCount: z.number().int().nonnegative().default(0),
  /** Messages stored through this folder since the checkpoint was created (new or updated entries). */
  messagesStored: z.number().int().nonnegative(),
  /** Removals recorded through this folder. */
  messagesRemoved: z.number().int().nonnegative(),
  /** Times the folder restarted with a full sync after Graph answered 410. */
  fullSyncRestarts: z.number().int().nonnegative(),
  /** When the current round started (null before the first) and when a round last finished. */
  roundStartedAt: isoDate.nullable(),
  lastRoundCompletedAt: isoDate.nullable(),
  /** True once the folder no longer exists in the mailbox. */
  folderGone: z.boolean(),
  updatedAt: isoDate,
  version: z.literal(MODEL_VERSION),
});
export type MailboxCheckpoint = z.infer<typeof MailboxCheckpoint>;

export const RunOutcome = z.enum(['running', 'succeeded', 'continued', 'failed']);
export type RunOutcome = z.infer<typeof RunOutcome>;

export const RunError = z.object({
  at: isoDate,
  /** A stable code (e.g. graph-429, storage-error), never message content or addresses. */
  code: z.string(),
  detail: z.string(),
});
export type RunError = z.infer<typeof RunError>;

/**
 * A message the last run could not archive (its content could not be read from Graph after every
 * retry): ids and a stable error code only, never its subject or addresses. Its folder's page is
 * redone by the next run, so it is retried until it is archived or gone.
 */
export const FailedMessage = z.object({
  messageId: z.string(),
  folderId: z.string(),
  at: isoDate,
  code: z.string(),
  detail: z.string(),
});
export type FailedMessage = z.infer<typeof FailedMessage>;

/** Per mailbox: how its archive runs went. */
export const MailboxRun = z.object({
  id: z.literal('run'),
  type: z.literal('run'),
  mailboxId: z.string(),
  lastRunId: z.string().nullable(),
  lastRunStartedAt: isoDate.nullable(),
  lastRunEndedAt: isoDate.nullable(),
  lastOutcome: RunOutcome.nullable(),
  /** End of the last run that reached the end of every folder's round (the mailbox was fully caught up). */
  lastSuccessAt: isoDate.nullable(),
  /** Start of that run: everything received before it is archived. lag = now - caughtUpTo. */
  caughtUpTo: isoDate.nullable(),
  /** Last errors, newest first, at most 20. */
  errors: z.array(RunError),
  messagesStoredLastRun: z.number().int().nonnegative(),
  /** Messages the last run left behind (absent on records written before it existed). */
  failedMessages: z.array(FailedMessage).optional(),
  /** `changed`: the last run synchronised only the folders that changed (a notification run, docs/decisions/0018). */
  lastRunScope: z.enum(['all', 'changed']).optional(),
  updatedAt: isoDate,
  version: z.literal(MODEL_VERSION),
});
export type MailboxRun = z.infer<typeof MailboxRun>;

export const MailboxKind = z.enum(['staff', 'shared']);
export type MailboxKind = z.infer<typeof MailboxKind>;

/** A mailbox in the archive's scope, as last seen in the directory. */
export const MailboxRecord = z.object({
  id: z.literal('mailbox'),
  type: z.literal('mailbox'),
  mailboxId: z.string(),
  /** User principal name or primary address; personal information: never logged. */
  address: z.string(),
  displayName: z.string(),
  kind: MailboxKind,
  /** Graph user `department` (the service), when known: retention rules may be assigned per service. */
  department: z.string().nullable().optional(),
  accountEnabled: z.boolean(),
  firstSeenAt: isoDate,
  lastSeenInScopeAt: isoDate,
  /** When Graph first said the mailbox no longer exists (404): capture stops then. */
  goneAt: isoDate.nullable(),
  version: z.literal(MODEL_VERSION),
});
export type MailboxRecord = z.infer<typeof MailboxRecord>;

/** The Service Bus work item: archive one mailbox. */
export const MailboxWorkItem = z.object({
  mailboxId: z.string().min(1),
  /**
   * Why the run happens: the schedule, its own continuation, an offboarding request; `notification`:
   * Graph said the mailbox changed (coalesced, docs/decisions/0018); `repair`: every folder after a
   * lost subscription or missed notifications; `lifecycle`: a subscription lifecycle event to handle.
   */
  reason: z.enum(['schedule', 'continuation', 'offboarding', 'manual', 'notification', 'repair', 'lifecycle']),
  /** Identifies the scheduled round; continuation messages carry a new one. */
  runId: z.string().min(1),
  enqueuedAt: isoDate,
  /** notification and lifecycle items: the Graph subscription they came from (an id, never content). */
  subscriptionId: z.string().min(1).max(200).optional(),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']).optional(),
});
export type MailboxWorkItem = z.infer<typeof MailboxWorkItem>;

/**
 * How the archive learns of a mailbox's changes (docs/decisions/0018): `listening` to Graph change
 * notifications (plus a slow sweep), `polling` at the schedule's cadence (no healthy subscription),
 * `repairing` (notifications were lost: polling at the schedule's cadence until a full run succeeds).
 */
export const CaptureMode = z.enum(['listening', 'polling', 'repairing']);
export type CaptureMode = z.infer<typeof CaptureMode>;

/**
 * A mailbox's Graph subscription and capture mode (container `archive-subscriptions`). No secret:
 * the subscription's clientState is derived from the app's notification key and the mailbox id
 * (capture/notifications.ts), so nothing per subscription needs keeping.
 */
export const ArchiveSubscription = z.object({
  id: z.literal('subscription'),
  type: z.literal('subscription'),
  mailboxId: z.string(),
  subscriptionId: z.string().nullable(),
  expiresAt: isoDate.nullable(),
  mode: CaptureMode,
  modeSince: isoDate,
  /** Why the mailbox is not listening (a code, e.g. `graph-403`, `missed`), or null. */
  reason: z.string().max(100).nullable(),
  /** When the schedule last enqueued the slow sweep of this (listening) mailbox. */
  lastSweepAt: isoDate.nullable(),
  updatedAt: isoDate,
  version: z.literal(MODEL_VERSION),
});
export type ArchiveSubscription = z.infer<typeof ArchiveSubscription>;

/** `sha256/ab/<hash>.eml.br` */
export function contentBlobName(contentHash: string): string {
  if (!/^[0-9a-f]{64}$/.test(contentHash)) throw new Error('contentBlobName: not a SHA-256 hex digest');
  return `sha256/${contentHash.slice(0, 2)}/${contentHash}.eml.br`;
}

/** Inverse of contentBlobName; undefined for names that are not content blobs. */
export function hashOfContentBlob(blobName: string): string | undefined {
  return /^sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\.eml\.br$/.exec(blobName)?.[1];
}

/**
 * Cosmos ids may not contain / \ ? # and are limited to 255 characters; Graph ids can be long and
 * contain any base64 character, so the id is a digest of mailbox and message.
 */
export function messageEntryId(mailboxId: string, messageId: string): string {
  return createHash('sha256').update(`${mailboxId}\n${messageId}`).digest('hex');
}

/** `${mailboxId}|${yyyy-mm}` of receivedAt in UTC. */
export function messagePartitionKey(mailboxId: string, receivedAt: string): string {
  const month = new Date(receivedAt).toISOString().slice(0, 7);
  return `${mailboxId}|${month}`;
}

/** Every partition key of a mailbox between two dates (inclusive), for targeted queries. */
export function messagePartitionKeysBetween(mailboxId: string, from: Date, to: Date): string[] {
  const keys: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor <= to) {
    keys.push(`${mailboxId}|${cursor.toISOString().slice(0, 7)}`);
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return keys;
}

export function checkpointId(folderId: string): string {
  return `checkpoint|${createHash('sha256').update(folderId).digest('hex').slice(0, 32)}`;
}

export function mailboxLockBlobName(mailboxId: string): string {
  return `mailbox/${createHash('sha256').update(mailboxId).digest('hex')}`;
}
