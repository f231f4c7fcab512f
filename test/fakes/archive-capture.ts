import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import type { AttemptVerdict, GraphBudget } from '../../shared/platform/graph/graph-budget';
import { AttachmentNameScanner } from '../../shared/archive/capture/attachment-names';
import type { SweepWatermark } from '../../shared/archive/ports';
import {
  MailboxCheckpoint, MailboxRecord, MailboxRun, MailboxWorkItem, MessageEntry, contentBlobName, messageEntryId, messagePartitionKey,
  type Address, type MailboxKind,
} from '../../shared/archive/model';
import {
  LeaseLostError, MailboxGoneError, MessageGoneError,
  type ContentProtection, type ContentStore, type DeltaItem, type Directory, type FolderListing, type FolderPageRequest, type FolderPageResult,
  type MailFolder, type MailSource, type MailboxLease, type MailboxLock, type MailboxStateStore, type MessageIndex, type MessageSummary,
  type RetentionAssigner, type RetentionFacts, type ScopedMailbox, type StoredContent, type WorkQueue,
} from '../../shared/archive/ports';

/**
 * In-memory fakes of capture's ports (shared/archive/ports.ts), for use-case tests that need no
 * emulator. Each keeps the contract its real adapter keeps (graph-mail.ts, content-store.ts,
 * message-index.ts, mailbox-state.ts, mailbox-lock.ts, work-queue.ts, graph-directory.ts), so a
 * use case that breaks a contract fails here as it would in Azure: a duplicate create is refused,
 * documents must match the model's schemas, a held lock is refused, protected content cannot be
 * deleted, a spent delta link answers 410.
 */

/** A clock tests move by hand (lease expiry, blob ages, grace periods). */
export class FakeClock {
  constructor(private ms = Date.parse('2026-03-02T08:00:00Z')) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

// ---------------------------------------------------------------------------------------------
// Mail source (Microsoft Graph)
// ---------------------------------------------------------------------------------------------

export interface FakeMessage {
  summary: MessageSummary;
  mime: Buffer;
}

interface FolderState {
  folder: Omit<MailFolder, 'path' | 'totalItemCount'>;
  wellKnownName: string | null;
  messages: Map<string, FakeMessage>;
  /** Change log: every add, change or removal gets the next sequence number. */
  log: Array<{ seq: number; messageId: string; removed: boolean }>;
  /** Bumped by expireSyncState: links from an earlier generation answer 410. */
  generation: number;
}

interface MailboxState {
  folders: Map<string, FolderState>;
  gone: boolean;
}

/**
 * What a link points at. Links are immutable once handed out, so a nextLink asked for twice
 * (a page redone after a crash or a continuation) answers the same page, as Graph does.
 */
type LinkState =
  | { kind: 'next'; mailboxId: string; folderId: string; generation: number; items: DeltaItem[]; offset: number; roundEndSeq: number }
  | { kind: 'delta'; mailboxId: string; folderId: string; generation: number; sinceSeq: number };

export interface ThrottleRule {
  /** How many upcoming requests answer 429. */
  count: number;
  retryAfterMs?: number;
}

/**
 * Fake Graph mailboxes: folders with messages, a change log per folder for delta rounds, paging
 * by pageSize, 410 after expireSyncState, 404 for a deleted folder (delta) or mailbox (listing),
 * and 429 with Retry-After on demand. Every request goes through the GraphBudget when one is given,
 * as GraphMailSource's do, so throttling is handled by the budget and nowhere else.
 */
export class FakeMailSource implements MailSource {
  private readonly mailboxes = new Map<string, MailboxState>();
  private readonly links = new Map<string, LinkState>();
  private seq = 0;
  private linkCounter = 0;
  private throttles: ThrottleRule[] = [];
  /** Every request sent (attempts included), in order, with when it was sent. */
  readonly requests: Array<{ at: number; kind: 'listFolders' | 'delta' | 'mime'; mailboxId: string; throttled: boolean; parts: number }> = [];
  readonly mimeDownloads: string[] = [];
  /** Runs once a listing has answered (a folder deleted between listing and delta, for instance). */
  afterListing: (() => void) | undefined;
  /** Runs before each delta request (a test's clock moves here). */
  beforeDelta: (() => void) | undefined;
  /** Messages Graph lists but whose $value answers 404 (a damaged item): never archivable. */
  readonly mimeUnavailable = new Set<string>();

  constructor(private readonly options: { pageSize: number; budget?: GraphBudget }) {}

  // -- set up and change mailboxes (what users do in Outlook) --

  addMailbox(mailboxId: string, folders: Array<{ id: string; displayName: string; parentFolderId?: string | null; wellKnownName?: string }>): void {
    this.mailboxes.set(mailboxId, { folders: new Map(), gone: false });
    for (const f of folders) this.addFolder(mailboxId, f);
  }

  addFolder(mailboxId: string, f: { id: string; displayName: string; parentFolderId?: string | null; wellKnownName?: string }): void {
    this.mailbox(mailboxId).folders.set(f.id, {
      folder: { id: f.id, displayName: f.displayName, parentFolderId: f.parentFolderId ?? null, childFolderCount: 0 },
      wellKnownName: f.wellKnownName ?? null,
      messages: new Map(),
      log: [],
      generation: 0,
    });
  }

  addMessage(mailboxId: string, folderId: string, message: Partial<MessageSummary> & { messageId: string }, mime?: Buffer): FakeMessage {
    const receivedAt = message.receivedAt ?? '2026-02-10T09:00:00Z';
    const summary: MessageSummary = {
      subject: `Sujet ${message.messageId}`, from: addr('expediteur@spgq.qc.ca'), to: [addr(`${mailboxId}@spgq.qc.ca`)], cc: [], bcc: [],
      sentAt: receivedAt, receivedAt, conversationId: `conv-${message.messageId}`, internetMessageId: `<${message.messageId}@spgq.qc.ca>`, hasAttachments: false,
      ...message,
    };
    const body = mime ?? Buffer.from(`Message-ID: ${summary.internetMessageId}\r\nSubject: ${summary.subject}\r\nDate: ${receivedAt}\r\n\r\nCorps de ${summary.messageId}\r\n`);
    const stored = { summary, mime: body };
    const folder = this.folderState(mailboxId, folderId);
    folder.messages.set(summary.messageId, stored);
    folder.log.push({ seq: ++this.seq, messageId: summary.messageId, removed: false });
    return stored;
  }

  /** Hard delete (or purge from Deleted Items): a removal in the folder's delta. */
  deleteMessage(mailboxId: string, messageId: string): void {
    const folder = this.folderOf(mailboxId, messageId);
    folder.messages.delete(messageId);
    folder.log.push({ seq: ++this.seq, messageId, removed: true });
  }

  /** A move keeps the immutable id: removed from one folder's delta, present in the other's. */
  moveMessage(mailboxId: string, messageId: string, toFolderId: string): void {
    const from = this.folderOf(mailboxId, messageId);
    const message = from.messages.get(messageId)!;
    from.messages.delete(messageId);
    from.log.push({ seq: ++this.seq, messageId, removed: true });
    const to = this.folderState(mailboxId, toFolderId);
    to.messages.set(messageId, message);
    to.log.push({ seq: ++this.seq, messageId, removed: false });
  }

  deleteFolder(mailboxId: string, folderId: string): void {
    this.mailbox(mailboxId).folders.delete(folderId);
  }

  deleteMailbox(mailboxId: string): void {
    this.mailbox(mailboxId).gone = true;
  }

  /** Graph forgets the folders' sync state: every link handed out so far answers 410. */
  expireSyncState(mailboxId: string, folderId?: string): void {
    for (const [id, f] of this.mailbox(mailboxId).folders) if (!folderId || id === folderId) f.generation++;
  }

  /** The next `count` requests answer 429 (with Retry-After when given). */
  throttle(rule: ThrottleRule): void {
    this.throttles.push({ ...rule });
  }

  /** Graph stops throttling. */
  clearThrottles(): void {
    this.throttles = [];
  }

  messagesIn(mailboxId: string, folderId: string): FakeMessage[] {
    return [...this.folderState(mailboxId, folderId).messages.values()];
  }

  // -- the port --

  async listFolders(mailboxId: string, wellKnownNames: string[], _knownParents: string[]): Promise<FolderListing> {
    const listing = await this.send(mailboxId, 'listFolders', 1, () => {
      const mailbox = this.mailboxes.get(mailboxId);
      if (!mailbox || mailbox.gone) throw new MailboxGoneError();
      const states = [...mailbox.folders.values()];
      const byId = new Map(states.map((s) => [s.folder.id, s]));
      const pathOf = (s: FolderState, depth = 0): string => {
        const parent = s.folder.parentFolderId ? byId.get(s.folder.parentFolderId) : undefined;
        return parent && depth < 32 ? `${pathOf(parent, depth + 1)}/${s.folder.displayName}` : s.folder.displayName;
      };
      const folders: MailFolder[] = states.map((s) => ({
        ...s.folder,
        path: pathOf(s),
        totalItemCount: s.messages.size,
        childFolderCount: states.filter((c) => c.folder.parentFolderId === s.folder.id).length,
      }));
      const wellKnown: Record<string, string> = {};
      for (const name of wellKnownNames) {
        const found = states.find((s) => s.wellKnownName === name.toLowerCase());
        if (found) wellKnown[name] = found.folder.id;
      }
      return { folders, wellKnown };
    });
    this.afterListing?.();
    return listing;
  }

  async deltaPages(mailboxId: string, requests: FolderPageRequest[]): Promise<Map<string, FolderPageResult>> {
    this.beforeDelta?.();
    const results = new Map<string, FolderPageResult>();
    // Up to 20 parts per $batch, each batch one request costing one Outlook request per part.
    for (let i = 0; i < requests.length; i += 20) {
      const chunk = requests.slice(i, i + 20);
      const answers = await this.send(mailboxId, 'delta', chunk.length, () => chunk.map((r) => [r.folderId, this.page(mailboxId, r)] as const));
      for (const [folderId, result] of answers) results.set(folderId, result);
    }
    return results;
  }

  async openMime(mailboxId: string, messageId: string): Promise<Readable> {
    const mime = await this.send(mailboxId, 'mime', 1, () => {
      const mailbox = this.mailboxes.get(mailboxId);
      for (const f of mailbox?.folders.values() ?? []) {
        const m = f.messages.get(messageId);
        if (m && !this.mimeUnavailable.has(messageId)) return m.mime;
      }
      return undefined;
    });
    if (!mime) throw new MessageGoneError();
    this.mimeDownloads.push(messageId);
    // In chunks, as a download streams.
    return Readable.from([mime.subarray(0, 16), mime.subarray(16)]);
  }

  // -- internals --

  /**
   * One HTTP request: throttled while a throttle rule lasts, through the budget when there is one.
   * An answer that is an error (404 for a gone mailbox) is a verdict, not a network failure: as in
   * GraphMailSource, it is thrown after the budget, never retried by it.
   */
  private async send<T>(mailboxId: string, kind: 'listFolders' | 'delta' | 'mime', parts: number, answer: () => T): Promise<T> {
    type Answer = { ok: true; value: T } | { ok: false; error: unknown };
    const attempt = async (): Promise<AttemptVerdict<Answer>> => {
      const rule = this.throttles[0];
      this.requests.push({ at: Date.now(), kind, mailboxId, throttled: Boolean(rule), parts });
      if (rule) {
        if (--rule.count <= 0) this.throttles.shift();
        return { kind: 'pushback', status: 429, retryAfterMs: rule.retryAfterMs, scope: 'mailbox' };
      }
      try {
        return { kind: 'done', value: { ok: true, value: answer() } };
      } catch (error) {
        return { kind: 'done', value: { ok: false, error } };
      }
    };
    let result: Answer;
    if (this.options.budget) result = await this.options.budget.run(mailboxId, attempt, parts, Math.min(4, parts));
    else {
      const verdict = await attempt();
      // Without a budget nothing would honour the 429: fail loudly rather than pretend it was retried.
      if (verdict.kind !== 'done') throw new Error(`Graph answered ${verdict.kind === 'pushback' ? verdict.status : 'a network error'} and no budget was given`);
      result = verdict.value;
    }
    if (!result.ok) throw result.error;
    return result.value;
  }

  private page(mailboxId: string, request: FolderPageRequest): FolderPageResult {
    const mailbox = this.mailbox(mailboxId);
    const folder = mailbox.folders.get(request.folderId);
    if (!folder || mailbox.gone) return { kind: 'gone' };
    let state: LinkState;
    if (request.link === null) {
      // Full sync: every message present now, then a delta link from this point of the log.
      const items: DeltaItem[] = [...folder.messages.values()].map((m) => ({ kind: 'present', message: structuredClone(m.summary) }));
      state = { kind: 'next', mailboxId, folderId: folder.folder.id, generation: folder.generation, items, offset: 0, roundEndSeq: this.seq };
    } else {
      const known = this.links.get(request.link);
      if (!known || known.mailboxId !== mailboxId || known.folderId !== request.folderId) throw new Error(`FakeMailSource: unknown link ${request.link}`);
      if (known.generation !== folder.generation) return { kind: 'expired' };
      state = known.kind === 'next' ? known : this.changesSince(folder, mailboxId, known.sinceSeq);
    }
    if (state.kind !== 'next') throw new Error('unreachable');
    const items = state.items.slice(state.offset, state.offset + this.options.pageSize);
    const end = state.offset + items.length;
    if (end < state.items.length) return { kind: 'page', items, nextLink: this.link({ ...state, offset: end }), deltaLink: null };
    return { kind: 'page', items, nextLink: null, deltaLink: this.link({ kind: 'delta', mailboxId, folderId: state.folderId, generation: state.generation, sinceSeq: state.roundEndSeq }) };
  }

  /** A delta round: the latest state of each message changed since the link was made. */
  private changesSince(folder: FolderState, mailboxId: string, sinceSeq: number): LinkState {
    const latest = new Map<string, boolean>();
    for (const change of folder.log) if (change.seq > sinceSeq) latest.set(change.messageId, change.removed);
    const items: DeltaItem[] = [...latest].map(([messageId, removed]) => {
      const m = folder.messages.get(messageId);
      return removed || !m ? { kind: 'removed', messageId } : { kind: 'present', message: structuredClone(m.summary) };
    });
    return { kind: 'next', mailboxId, folderId: folder.folder.id, generation: folder.generation, items, offset: 0, roundEndSeq: this.seq };
  }

  private link(state: LinkState): string {
    const link = `https://graph.fake/v1.0/users/${encodeURIComponent(state.mailboxId)}/mailFolders/${encodeURIComponent(state.folderId)}/messages/delta?$skiptoken=${++this.linkCounter}`;
    this.links.set(link, state);
    return link;
  }

  private mailbox(mailboxId: string): MailboxState {
    const m = this.mailboxes.get(mailboxId);
    if (!m) throw new Error(`FakeMailSource: no mailbox ${mailboxId}`);
    return m;
  }

  private folderState(mailboxId: string, folderId: string): FolderState {
    const f = this.mailbox(mailboxId).folders.get(folderId);
    if (!f) throw new Error(`FakeMailSource: no folder ${folderId} in ${mailboxId}`);
    return f;
  }

  private folderOf(mailboxId: string, messageId: string): FolderState {
    for (const f of this.mailbox(mailboxId).folders.values()) if (f.messages.has(messageId)) return f;
    throw new Error(`FakeMailSource: no message ${messageId} in ${mailboxId}`);
  }
}

export function addr(address: string, name = ''): Address {
  return { name, address };
}

// ---------------------------------------------------------------------------------------------
// Content store (Blob Storage, write-once, content-addressed)
// ---------------------------------------------------------------------------------------------

interface Blob {
  raw: Buffer;
  compressedSize: number;
  /** The `stored` index tag and the blob's last-modified time. */
  storedAt: Date;
  protection: ContentProtection;
}

/**
 * Content addressed by the SHA-256 of the raw MIME, created with a conditional create (an existing
 * blob is never overwritten, its protection is left as it was), protection only ever extended, and
 * deletion refused while a retention date or legal hold lasts (Azure's 409), as in Azure with
 * immutability on.
 */
export class FakeContentStore implements ContentStore {
  readonly blobs = new Map<string, Blob>();
  readonly staging = new Map<string, Date>();
  /** Conditional creates refused because the content was there (a duplicate). */
  duplicatesRefused = 0;

  constructor(private readonly clock: { now: () => Date } = { now: () => new Date() }) {}

  async store(mime: Readable, protection: ContentProtection = { until: null, legalHold: false }): Promise<StoredContent> {
    const chunks: Buffer[] = [];
    const scanner = new AttachmentNameScanner();
    for await (const chunk of mime) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      scanner.push(buffer);
      chunks.push(buffer);
    }
    const raw = Buffer.concat(chunks);
    const contentHash = createHash('sha256').update(raw).digest('hex');
    const existing = this.blobs.get(contentHash);
    const compressedSize = existing?.compressedSize ?? brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 1 } }).length;
    const created = !existing;
    if (existing) this.duplicatesRefused++;
    else this.blobs.set(contentHash, { raw, compressedSize, storedAt: this.clock.now(), protection: { ...protection } });
    return { contentHash, blobName: contentBlobName(contentHash), rawSize: raw.length, compressedSize, created, attachmentNames: scanner.finish() };
  }

  async protect(contentHash: string, protection: ContentProtection): Promise<void> {
    const blob = this.blobs.get(contentHash);
    if (!blob) throw new Error(`FakeContentStore: protect of missing content ${contentHash}`);
    if (protection.until && (!blob.protection.until || protection.until > blob.protection.until)) blob.protection.until = protection.until;
    if (protection.legalHold) blob.protection.legalHold = true;
  }

  async exists(contentHash: string): Promise<boolean> {
    return this.blobs.has(contentHash);
  }

  async open(contentHash: string): Promise<Readable> {
    const blob = this.blobs.get(contentHash);
    if (!blob) throw Object.assign(new Error('BlobNotFound'), { statusCode: 404 });
    return Readable.from([blob.raw]);
  }

  async *list(): AsyncIterable<{ contentHash: string; lastModified: Date }> {
    for (const [contentHash, blob] of [...this.blobs]) yield { contentHash, lastModified: blob.storedAt };
  }

  async *listStoredBetween(from: Date, to: Date): AsyncIterable<string> {
    for (const [contentHash, blob] of [...this.blobs]) if (blob.storedAt >= from && blob.storedAt < to) yield contentHash;
  }

  async delete(contentHash: string): Promise<boolean> {
    const blob = this.blobs.get(contentHash);
    if (!blob) return true; // deleteEveryVersion of nothing deletes nothing
    if (blob.protection.legalHold || (blob.protection.until && blob.protection.until > this.clock.now())) return false;
    this.blobs.delete(contentHash);
    return true;
  }

  async *listStaging(olderThan: Date): AsyncIterable<string> {
    for (const [name, at] of [...this.staging]) if (at < olderThan) yield name;
  }

  async deleteStaging(name: string): Promise<void> {
    this.staging.delete(name);
  }

  /** What a crash mid-upload leaves behind. */
  leaveStaging(name: string, at: Date = this.clock.now()): void {
    this.staging.set(name, at);
  }

  async rawOf(contentHash: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.open(contentHash)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
}

// ---------------------------------------------------------------------------------------------
// Message index (Cosmos DB, archive-messages + archive-locators)
// ---------------------------------------------------------------------------------------------

type Stored = MessageEntry & { _etag: string };

/**
 * Entries keyed as Cosmos keys them (partition key and id): a create of an existing document is
 * refused (409 -> false), point reads need the right partition (receivedAt's month), documents
 * must match the MessageEntry schema, patches of a missing document fail (404), and markRemoved
 * with a stale _etag is refused (412 -> false). Reads return copies carrying _etag, as Cosmos does.
 */
export class FakeMessageIndex implements MessageIndex {
  private readonly docs = new Map<string, Stored>();
  /** Locators: mailboxId|id -> pk. */
  private readonly locators = new Map<string, string>();
  private etags = 0;
  /** Point reads and creates, for tests about how the index is used. */
  reads = 0;
  createsRefused = 0;
  /** Runs before markRemoved applies (a concurrent writer changes the entry here). */
  beforeMarkRemoved: ((entry: MessageEntry) => void) | undefined;

  async get(mailboxId: string, messageId: string, receivedAt: string): Promise<MessageEntry | undefined> {
    this.reads++;
    return this.copy(this.docs.get(key(messagePartitionKey(mailboxId, receivedAt), messageEntryId(mailboxId, messageId))));
  }

  async create(entry: MessageEntry): Promise<boolean> {
    const valid = MessageEntry.parse(stripSystem(entry));
    if (valid.id !== messageEntryId(valid.mailboxId, valid.messageId) || valid.pk !== messagePartitionKey(valid.mailboxId, valid.receivedAt)) {
      throw new Error('FakeMessageIndex: entry id or partition key not derived from mailbox, message and receivedAt');
    }
    this.locators.set(`${valid.mailboxId}|${valid.id}`, valid.pk);
    const k = key(valid.pk, valid.id);
    if (this.docs.has(k)) {
      this.createsRefused++;
      return false;
    }
    this.docs.set(k, { ...structuredClone(valid), _etag: this.nextEtag() });
    return true;
  }

  async relocate(entry: MessageEntry, folderId: string, folderPath: string): Promise<void> {
    const doc = this.mustFind(entry);
    Object.assign(doc, { folderId, folderPath, removedAt: null, _etag: this.nextEtag() });
  }

  async markRemoved(entry: MessageEntry, removedAt: string): Promise<boolean> {
    this.beforeMarkRemoved?.(entry);
    const doc = this.mustFind(entry);
    const etag = (entry as Partial<Stored>)._etag;
    if (etag && etag !== doc._etag) return false;
    Object.assign(doc, { removedAt, _etag: this.nextEtag() });
    return true;
  }

  async findByMessageId(mailboxId: string, messageId: string): Promise<MessageEntry | undefined> {
    const id = messageEntryId(mailboxId, messageId);
    const pk = this.locators.get(`${mailboxId}|${id}`);
    return pk ? this.copy(this.docs.get(key(pk, id))) : undefined;
  }

  async referencedAmong(contentHashes: string[]): Promise<Set<string>> {
    const wanted = new Set(contentHashes);
    return new Set([...this.docs.values()].map((d) => d.contentHash).filter((h) => wanted.has(h)));
  }

  /** As CosmosMessageIndex: entries of a folder not removed (offboarding's completeness). */
  async countPresentInFolder(mailboxId: string, folderId: string): Promise<number> {
    return [...this.docs.values()].filter((d) => d.mailboxId === mailboxId && d.folderId === folderId && d.removedAt === null).length;
  }

  /** Every entry (copies, without system properties), for assertions. */
  entries(mailboxId?: string): MessageEntry[] {
    return [...this.docs.values()].filter((d) => !mailboxId || d.mailboxId === mailboxId).map((d) => stripSystem(structuredClone(d)));
  }

  /** Another writer (retention, legal hold, a concurrent run) changes an entry: its _etag changes. */
  touch(mailboxId: string, messageId: string, change: Partial<MessageEntry>): void {
    const id = messageEntryId(mailboxId, messageId);
    const doc = this.docs.get(key(this.locators.get(`${mailboxId}|${id}`)!, id))!;
    Object.assign(doc, change, { _etag: this.nextEtag() });
  }

  private mustFind(entry: MessageEntry): Stored {
    const doc = this.docs.get(key(entry.pk, entry.id));
    if (!doc) throw Object.assign(new Error('Entity with the specified id does not exist in the system.'), { code: 404 });
    return doc;
  }

  private copy(doc: Stored | undefined): MessageEntry | undefined {
    return doc ? structuredClone(doc) : undefined;
  }

  private nextEtag(): string {
    return `"etag-${++this.etags}"`;
  }
}

function key(pk: string, id: string): string {
  return `${pk}\n${id}`;
}

function stripSystem<T extends object>(doc: T): T {
  const copy: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const k of Object.keys(copy)) if (k.startsWith('_')) delete copy[k];
  return copy as T;
}

// ---------------------------------------------------------------------------------------------
// Mailbox state (Cosmos DB, archive-mailboxes)
// ---------------------------------------------------------------------------------------------

/**
 * Checkpoints, runs and mailbox records as upserted documents (id unique within the mailbox's
 * partition), each checked against its schema on the way in and copied on the way out, so a use
 * case can neither save a malformed document nor change a saved one without saving it again.
 */
export class FakeMailboxState implements MailboxStateStore {
  private readonly docs = new Map<string, MailboxCheckpoint | MailboxRun | MailboxRecord>();
  /** Every checkpoint saved, in order (what a crash at any point would leave). */
  readonly checkpointSaves: MailboxCheckpoint[] = [];
  readonly runSaves: MailboxRun[] = [];

  async checkpoints(mailboxId: string): Promise<MailboxCheckpoint[]> {
    return [...this.docs.values()].filter((d): d is MailboxCheckpoint => d.type === 'checkpoint' && d.mailboxId === mailboxId).map((d) => structuredClone(d));
  }

  async saveCheckpoint(checkpoint: MailboxCheckpoint): Promise<void> {
    const valid = MailboxCheckpoint.parse(checkpoint);
    this.docs.set(`${valid.mailboxId}\n${valid.id}`, structuredClone(valid));
    this.checkpointSaves.push(structuredClone(valid));
  }

  async run(mailboxId: string): Promise<MailboxRun | undefined> {
    const d = this.docs.get(`${mailboxId}\nrun`);
    return d ? (structuredClone(d) as MailboxRun) : undefined;
  }

  async saveRun(run: MailboxRun): Promise<void> {
    const valid = MailboxRun.parse(run);
    this.docs.set(`${valid.mailboxId}\nrun`, structuredClone(valid));
    this.runSaves.push(structuredClone(valid));
  }

  async mailbox(mailboxId: string): Promise<MailboxRecord | undefined> {
    const d = this.docs.get(`${mailboxId}\nmailbox`);
    return d ? (structuredClone(d) as MailboxRecord) : undefined;
  }

  async saveMailbox(record: MailboxRecord): Promise<void> {
    const valid = MailboxRecord.parse(record);
    this.docs.set(`${valid.mailboxId}\nmailbox`, structuredClone(valid));
  }

  async allMailboxes(): Promise<MailboxRecord[]> {
    return [...this.docs.values()].filter((d): d is MailboxRecord => d.type === 'mailbox').map((d) => structuredClone(d));
  }

  async checkpointOf(mailboxId: string, folderId: string): Promise<MailboxCheckpoint | undefined> {
    return (await this.checkpoints(mailboxId)).find((c) => c.folderId === folderId);
  }
}

// ---------------------------------------------------------------------------------------------
// Mailbox lock (blob lease)
// ---------------------------------------------------------------------------------------------

/**
 * One lease per mailbox, as BlobMailboxLock: refused while another holder's lease lasts, free once
 * it runs out (the fake clock decides), renewable only by its holder, and carrying a string from
 * one holder to the next.
 */
export class FakeMailboxLock implements MailboxLock {
  private readonly leases = new Map<string, { holder: number; expiresAt: number; carried: string | undefined }>();
  private holders = 0;
  acquisitions = 0;
  refusals = 0;

  constructor(private readonly clock: { now: () => Date }, private readonly leaseSeconds: number) {}

  async tryAcquire(mailboxId: string): Promise<MailboxLease | undefined> {
    const now = this.clock.now().getTime();
    const current = this.leases.get(mailboxId);
    if (current && current.holder !== 0 && current.expiresAt > now) {
      this.refusals++;
      return undefined;
    }
    const holder = ++this.holders;
    const state = { holder, expiresAt: now + this.leaseSeconds * 1000, carried: current?.carried };
    this.leases.set(mailboxId, state);
    this.acquisitions++;
    const mine = () => this.leases.get(mailboxId)?.holder === holder;
    return {
      carried: state.carried,
      renew: async () => {
        // An expired lease no one else took can still be renewed (as in Azure); a taken one cannot.
        if (!mine()) throw new LeaseLostError();
        this.leases.get(mailboxId)!.expiresAt = this.clock.now().getTime() + this.leaseSeconds * 1000;
      },
      release: async (carry?: string) => {
        if (!mine()) {
          // BlobMailboxLock's setMetadata under a lost lease fails; without a carry it only releases (quietly).
          if (carry !== undefined) throw new LeaseLostError();
          return;
        }
        const s = this.leases.get(mailboxId)!;
        if (carry !== undefined) s.carried = carry;
        s.holder = 0;
      },
    };
  }

  /** Another run (another instance) holds the mailbox for `seconds`. */
  holdElsewhere(mailboxId: string, seconds = this.leaseSeconds): void {
    const previous = this.leases.get(mailboxId);
    this.leases.set(mailboxId, { holder: ++this.holders, expiresAt: this.clock.now().getTime() + seconds * 1000, carried: previous?.carried });
  }

  isHeld(mailboxId: string): boolean {
    const s = this.leases.get(mailboxId);
    return Boolean(s && s.holder !== 0 && s.expiresAt > this.clock.now().getTime());
  }

  carried(mailboxId: string): string | undefined {
    return this.leases.get(mailboxId)?.carried;
  }
}

// ---------------------------------------------------------------------------------------------
// Work queue (Service Bus), directory (Graph users), retention hook, sweep watermark
// ---------------------------------------------------------------------------------------------

/**
 * Records every enqueue call and what the broker keeps: items must be valid work items, and a
 * repeated messageId is dropped (Service Bus duplicate detection, its window assumed to cover a test).
 */
export class FakeWorkQueue implements WorkQueue {
  readonly sent: Array<{ item: MailboxWorkItem; messageId: string; notBefore?: Date }> = [];
  readonly accepted: Array<{ item: MailboxWorkItem; messageId: string; notBefore?: Date }> = [];
  duplicatesDropped = 0;
  /** Runs before each enqueue call (a test checks what holds at that moment, e.g. the lock). */
  onEnqueue: (() => void) | undefined;

  async enqueue(items: Array<{ item: MailboxWorkItem; messageId: string; notBefore?: Date }>): Promise<void> {
    this.onEnqueue?.();
    for (const x of items) {
      MailboxWorkItem.parse(x.item);
      if (!x.messageId) throw new Error('FakeWorkQueue: a message id is required');
      this.sent.push(structuredClone(x));
      if (this.accepted.some((a) => a.messageId === x.messageId)) this.duplicatesDropped++;
      else this.accepted.push(structuredClone(x));
    }
  }

  /** Takes the oldest accepted item off the queue (what a worker would receive next). */
  receive(): MailboxWorkItem | undefined {
    return this.accepted.shift()?.item;
  }
}

export interface FakeUser {
  mailboxId: string;
  address: string;
  displayName?: string;
  userType?: 'Member' | 'Guest';
  accountEnabled?: boolean;
  department?: string | null;
  /** Transitive member of the archive scope group. */
  inScopeGroup?: boolean;
  /** Listed in the shared mailboxes setting. */
  sharedListed?: boolean;
}

/** Scope as GraphDirectory computes it: non-guest members of the group (staff) and listed shared mailboxes. */
export class FakeDirectory implements Directory {
  constructor(readonly users: FakeUser[]) {}

  async mailbox(userId: string): Promise<ScopedMailbox | null> {
    const u = this.users.find((x) => x.mailboxId === userId);
    if (!u || u.userType === 'Guest' || u.address.includes('#EXT#')) return null;
    return { mailboxId: u.mailboxId, address: u.address, displayName: u.displayName ?? u.address, kind: 'staff', accountEnabled: u.accountEnabled !== false, department: u.department ?? null };
  }

  async mailboxesInScope(): Promise<ScopedMailbox[]> {
    const found = new Map<string, ScopedMailbox>();
    const isGuest = (u: FakeUser) => u.userType === 'Guest' || u.address.includes('#EXT#');
    const toMailbox = (u: FakeUser, kind: MailboxKind): ScopedMailbox => ({
      mailboxId: u.mailboxId, address: u.address, displayName: u.displayName ?? u.address, kind, accountEnabled: u.accountEnabled !== false, department: u.department ?? null,
    });
    for (const u of this.users) if (u.inScopeGroup && !isGuest(u)) found.set(u.mailboxId, toMailbox(u, 'staff'));
    for (const u of this.users) if (u.sharedListed && !isGuest(u)) found.set(u.mailboxId, toMailbox(u, 'shared'));
    return [...found.values()];
  }
}

/**
 * A small retention calendar: a rule per service (department), else the default; and legal holds
 * by mailbox. Records what it was asked, including which mailbox facts it was given.
 */
export class FakeRetentionAssigner implements RetentionAssigner {
  readonly calls: Array<{ message: RetentionFacts; mailbox: ScopedMailbox | MailboxRecord | undefined }> = [];

  constructor(
    private readonly rules: { byDepartment: Record<string, { id: string; years: number | null }>; default: { id: string; years: number | null } },
    private readonly holds: Array<{ id: string; mailboxId: string }> = [],
  ) {}

  async assign(message: RetentionFacts, mailbox: ScopedMailbox | MailboxRecord | undefined) {
    this.calls.push({ message: structuredClone(message), mailbox: mailbox && structuredClone(mailbox) });
    const rule = (mailbox?.department && this.rules.byDepartment[mailbox.department]) || this.rules.default;
    const holds = this.holds.filter((h) => h.mailboxId === message.mailboxId).map((h) => h.id);
    return { retentionRuleId: rule.id, retainUntil: rule.years === null ? null : addYears(message.receivedAt, rule.years), ...(holds.length ? { holds } : {}) };
  }
}

export function addYears(iso: string, years: number): string {
  const d = new Date(iso);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString();
}

export class FakeSweepWatermark implements SweepWatermark {
  until: Date | undefined;
  keptHashes: string[] = [];

  async get(): Promise<Date | undefined> {
    return this.until;
  }

  async kept(): Promise<string[]> {
    return [...this.keptHashes];
  }

  async set(until: Date, kept: string[] = []): Promise<void> {
    this.until = until;
    this.keptHashes = [...kept];
  }
}
