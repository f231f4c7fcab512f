import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { contentBlobName, MODEL_VERSION, messageEntryId, messagePartitionKey, type MailboxCheckpoint, type MailboxRecord, type MailboxRun, type MessageEntry } from '../../shared/archive/model';
import { sortChoices } from '../../shared/archive/records/mailbox-choices';
import {
  BadContinuation,
  ConcurrentChange,
  ContentMissing,
  type AuditTrail,
  type ContentProtection,
  type ContentRetention,
  type ContentStore,
  type DisposalRecords,
  type ExportFiles,
  type ExportQueue,
  type ExportRecords,
  type IntegrityRecords,
  type LegalHoldRecords,
  MAILBOX_CHOICES_MAX,
  type MailboxChoice,
  type MailboxLookup,
  type MailboxStateReader,
  type ManifestStore,
  type MessagePage,
  type RecordsIndex,
  type StoredContent,
  type Versioned,
} from '../../shared/archive/ports';
import { ArchiveAccess } from '../../shared/archive/records/access';
import { AuditLog } from '../../shared/archive/records/audit';
import type { AuditPage, AuditQuery, AuditRecord } from '../../shared/archive/records/audit-record';
import { DailyRecordsPasses } from '../../shared/archive/records/daily-passes';
import { disposalId, type DisposalEvidence } from '../../shared/archive/records/disposal-evidence';
import { Disposition } from '../../shared/archive/records/disposition';
import { Exports } from '../../shared/archive/records/export';
import type { ExportJob, ExportRecord } from '../../shared/archive/records/export-request';
import { ExportRequests } from '../../shared/archive/records/export-requests';
import { HoldRequests } from '../../shared/archive/records/hold-requests';
import type { DayVerdict, IntegrityStatus } from '../../shared/archive/records/integrity-status';
import type { HoldJob, LegalHold } from '../../shared/archive/records/legal-hold';
import { LegalHolds } from '../../shared/archive/records/legal-holds';
import { Manifests } from '../../shared/archive/records/manifests';
import { RecordsOversight } from '../../shared/archive/records/oversight';
import { ArchiveReading } from '../../shared/archive/records/reading';
import { loadRetentionCalendar } from '../../shared/archive/records/retention';
import { ArchiveSearch } from '../../shared/archive/records/search';
import { isAddressQuery, queryWords, SEARCH_TERMS_VERSION, searchTermsOf } from '../../shared/archive/records/search-terms';
import { endOf, startOf, type SearchFilter } from '../../shared/archive/records/search-filter';

/**
 * In-memory fakes of the records ports (shared/archive/ports.ts), for use-case tests without an
 * emulator. They keep the contracts the Cosmos and Blob adapters keep: every write changes a
 * document's version, a write with a stale version is refused ('changed' / ConcurrentChange), a
 * missing document is 'gone' or undefined, a continuation token is only accepted if this fake
 * issued it, a manifest is written once, a missing content blob fails its open with 404.
 */

const copy = <T>(value: T): T => structuredClone(value);

/** Versions as the adapters hand them out: opaque, new on every write. */
class Versions {
  private next = 0;
  issue(): string {
    return `"v${++this.next}"`;
  }
}

/**
 * Pages of a result list with tokens this fake issued (any other token is refused). A token
 * remembers the last item handed out, so the next page starts after it even when items were
 * added meanwhile (as a Cosmos continuation resumes after what it returned).
 */
class Pager {
  private readonly issued = new Map<string, { key: string; offset: number }>();
  private next = 0;
  page<T>(all: T[], size: number, continuation: string | undefined, keyOf: (item: T) => string = (item) => JSON.stringify(item)): { items: T[]; continuation: string | null } {
    let start = 0;
    if (continuation !== undefined) {
      const after = this.issued.get(continuation);
      if (after === undefined) throw new BadContinuation();
      const at = all.findIndex((item) => keyOf(item) === after.key);
      start = at === -1 ? after.offset : at + 1;
    }
    const items = all.slice(start, start + size);
    if (start + size >= all.length) return { items, continuation: null };
    const token = `page-${++this.next}`;
    this.issued.set(token, { key: keyOf(items[items.length - 1]!), offset: start + size });
    return { items, continuation: token };
  }
}

/** The index (archive-messages) as the records side sees it. */
export class InMemoryRecordsIndex implements RecordsIndex {
  private readonly entries = new Map<string, Versioned<MessageEntry>>();
  private readonly versions = new Versions();
  private readonly pager = new Pager();

  private key(pk: string, id: string): string {
    return `${pk}\n${id}`;
  }

  /** Writes an entry as capture would (tests seed with it). */
  put(entry: MessageEntry): void {
    this.entries.set(this.key(entry.pk, entry.id), { ...copy(entry), searchTerms: entry.searchTerms ?? searchTermsOf(entry), etag: this.versions.issue() });
  }

  /** The stored entry (without its version), for assertions. */
  entry(entry: Pick<MessageEntry, 'pk' | 'id'>): MessageEntry | undefined {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    if (!found) return undefined;
    const { etag: _etag, ...plain } = copy(found);
    return plain;
  }

  /** A change made by someone else (capture moving the entry, say): its version changes. */
  touch(entry: Pick<MessageEntry, 'pk' | 'id'>, change: Partial<MessageEntry> = {}): void {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    if (!found) throw new Error('touch: no such entry');
    this.entries.set(this.key(entry.pk, entry.id), { ...found, ...copy(change), etag: this.versions.issue() });
  }

  private all(): Versioned<MessageEntry>[] {
    return [...this.entries.values()].map(copy);
  }

  private write(entry: Versioned<MessageEntry>, change: Partial<MessageEntry>): void {
    const found = this.entries.get(this.key(entry.pk, entry.id))!;
    this.entries.set(this.key(entry.pk, entry.id), { ...found, ...copy(change), etag: this.versions.issue() });
  }

  async get(pk: string, id: string): Promise<MessageEntry | undefined> {
    return this.entry({ pk, id });
  }

  async search(filter: SearchFilter, page: { size: number; continuation?: string }): Promise<MessagePage> {
    const { items, continuation } = this.pager.page(this.matching(filter), page.size, page.continuation, (e) => e.id);
    return { entries: items, continuation };
  }

  async *searchAll(filter: SearchFilter): AsyncIterable<MessageEntry> {
    yield* this.matching(filter);
  }

  async count(filter: SearchFilter): Promise<number> {
    return this.matching(filter).length;
  }

  /** The filter as the Cosmos query means it (cosmos-message-records.ts searchSql), newest first. */
  private matching(filter: SearchFilter): MessageEntry[] {
    const participant = filter.participant && isAddressQuery(filter.participant) ? filter.participant.toLowerCase() : undefined;
    const names = filter.participant && !isAddressQuery(filter.participant) ? queryWords(filter.participant) : [];
    const words = filter.subject ? queryWords(filter.subject) : [];
    const folder = filter.folder?.replace(/^\/+|\/+$/g, '').toLowerCase();
    return this.all()
      .filter((e) => !filter.mailboxId || e.mailboxId === filter.mailboxId)
      .filter((e) => !filter.from || e.receivedAt >= new Date(startOf(filter.from)).toISOString())
      .filter((e) => !filter.to || e.receivedAt <= new Date(endOf(filter.to)).toISOString())
      .filter((e) => !participant || [e.from, ...e.to, ...e.cc, ...e.bcc].some((a) => a?.address.toLowerCase() === participant))
      .filter((e) => names.every((w) => e.searchTerms?.participants.includes(w)))
      .filter((e) => words.every((w) => e.searchTerms?.subject.includes(w)))
      .filter((e) => !folder || e.folderPath.toLowerCase() === folder || e.folderPath.toLowerCase().startsWith(`${folder}/`))
      .filter((e) => filter.hasAttachments === undefined || (e.attachmentNames.length > 0) === filter.hasAttachments)
      .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0))
      .map(({ etag: _etag, ...plain }) => plain);
  }

  async *withoutSearchTerms(): AsyncIterable<MessageEntry> {
    yield* this.all()
      .filter((e) => (e.searchTerms?.version ?? 0) < SEARCH_TERMS_VERSION)
      .map(({ etag: _etag, ...plain }) => plain);
  }

  async setSearchTerms(entry: MessageEntry): Promise<boolean> {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    if (!found) return false;
    this.write(found, { searchTerms: searchTermsOf(found) });
    return true;
  }

  async *withoutRetention(): AsyncIterable<MessageEntry> {
    yield* this.all().filter((e) => e.retentionRuleId === null);
  }

  async *withRuleOtherThan(mailboxId: string, ruleId: string): AsyncIterable<MessageEntry> {
    yield* this.all().filter((e) => e.mailboxId === mailboxId && e.retentionRuleId !== null && e.retentionRuleId !== ruleId);
  }

  async setRetention(entry: Pick<MessageEntry, 'id' | 'pk'>, retentionRuleId: string, retainUntil: string | null): Promise<boolean> {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    if (!found) return false;
    this.write(found, { retentionRuleId, retainUntil });
    return true;
  }

  async *untaggedInScope(hold: Pick<LegalHold, 'id' | 'mailboxes' | 'from' | 'to'>): AsyncIterable<Versioned<MessageEntry>> {
    yield* this.all().filter(
      (e) => hold.mailboxes.includes(e.mailboxId) && !e.holds.includes(hold.id) && (!hold.from || e.receivedAt >= hold.from) && (!hold.to || e.receivedAt <= hold.to),
    );
  }

  async *taggedWith(holdId: string): AsyncIterable<Versioned<MessageEntry>> {
    yield* this.all().filter((e) => e.holds.includes(holdId));
  }

  async reread(entry: Pick<MessageEntry, 'id' | 'pk'>): Promise<Versioned<MessageEntry> | undefined> {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    return found ? copy(found) : undefined;
  }

  async setHolds(entry: Versioned<MessageEntry>, holds: string[]): Promise<'written' | 'changed' | 'gone'> {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    if (!found) return 'gone';
    if (found.etag !== entry.etag) return 'changed';
    this.write(found, { holds });
    return 'written';
  }

  async countHeldReferences(contentHash: string): Promise<number> {
    return this.all().filter((e) => e.contentHash === contentHash && e.holds.length > 0).length;
  }

  async dueForDisposition(now: Date, max: number): Promise<Versioned<MessageEntry>[]> {
    return this.all()
      .filter((e) => typeof e.retainUntil === 'string' && e.retainUntil <= now.toISOString())
      .slice(0, max);
  }

  async keepForGood(entry: Pick<MessageEntry, 'id' | 'pk'>): Promise<void> {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    if (!found) throw Object.assign(new Error('Not found'), { code: 404 });
    this.write(found, { retainUntil: null });
  }

  async deleteUnchanged(entry: Versioned<MessageEntry>): Promise<'deleted' | 'changed' | 'gone'> {
    const found = this.entries.get(this.key(entry.pk, entry.id));
    if (!found) return 'gone';
    if (found.etag !== entry.etag) return 'changed';
    this.entries.delete(this.key(entry.pk, entry.id));
    return 'deleted';
  }

  async countReferences(contentHash: string): Promise<number> {
    return this.all().filter((e) => e.contentHash === contentHash).length;
  }

  async exists(entryId: string, mailboxId: string): Promise<boolean> {
    return this.all().some((e) => e.id === entryId && e.mailboxId === mailboxId);
  }

  async capturedBetween(start: string, end: string): Promise<Array<Pick<MessageEntry, 'id' | 'pk' | 'contentHash'>>> {
    return this.all()
      .filter((e) => e.capturedAt >= start && e.capturedAt < end)
      .map((e) => ({ id: e.id, pk: e.pk, contentHash: e.contentHash }));
  }

  async firstCapturedAt(): Promise<string | undefined> {
    return this.all().map((e) => e.capturedAt).sort()[0];
  }

  async countPresentInFolder(mailboxId: string, folderId: string): Promise<number> {
    return this.all().filter((e) => e.mailboxId === mailboxId && e.folderId === folderId && e.removedAt === null).length;
  }
}

export class InMemoryMailboxState implements MailboxStateReader {
  readonly docs: Array<MailboxRecord | MailboxRun | MailboxCheckpoint> = [];

  async documents(onlyMailbox?: string): Promise<Array<MailboxRecord | MailboxRun | MailboxCheckpoint>> {
    return this.docs.filter((d) => !onlyMailbox || d.mailboxId === onlyMailbox).map(copy);
  }

  async mailbox(mailboxId: string): Promise<MailboxRecord | undefined> {
    return copy(this.docs.find((d): d is MailboxRecord => d.type === 'mailbox' && d.mailboxId === mailboxId));
  }

  /** As the Cosmos adapter: contains-match on name or address, any case; sorted by name as French speakers sort. */
  async findMailboxes(lookup: MailboxLookup): Promise<MailboxChoice[]> {
    const search = lookup.search?.trim().toLowerCase();
    const found = this.docs
      .filter((d): d is MailboxRecord => d.type === 'mailbox')
      .filter((r) => !lookup.onlyMailboxId || r.mailboxId.toLowerCase() === lookup.onlyMailboxId.toLowerCase())
      .filter((r) => !search || r.displayName.toLowerCase().includes(search) || r.address.toLowerCase().includes(search))
      .map((r) => ({ mailboxId: r.mailboxId, displayName: r.displayName, address: r.address, kind: r.kind }));
    return sortChoices(found).slice(0, Math.min(Math.max(lookup.pageSize, 1), MAILBOX_CHOICES_MAX));
  }
}

/** Content blobs by hash; open() fails with ContentMissing, as the Blob Storage adapter does for a missing blob. */
export class InMemoryContentStore implements ContentStore {
  readonly blobs = new Map<string, Buffer>();

  /** Stores raw MIME as capture would; returns its hash. */
  put(mime: Buffer): string {
    const hash = createHash('sha256').update(mime).digest('hex');
    this.blobs.set(hash, mime);
    return hash;
  }

  async store(mime: Readable, _protection?: ContentProtection): Promise<StoredContent> {
    const chunks: Buffer[] = [];
    for await (const chunk of mime) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const created = !this.blobs.has(createHash('sha256').update(raw).digest('hex'));
    const contentHash = this.put(raw);
    return { contentHash, blobName: contentBlobName(contentHash), rawSize: raw.length, compressedSize: raw.length, created, attachmentNames: [] };
  }

  async protect(): Promise<void> {}

  async exists(contentHash: string): Promise<boolean> {
    return this.blobs.has(contentHash);
  }

  async open(contentHash: string): Promise<Readable> {
    const mime = this.blobs.get(contentHash);
    if (!mime) throw new ContentMissing(contentHash);
    return Readable.from([mime]);
  }

  async *list(): AsyncIterable<{ contentHash: string; lastModified: Date }> {
    for (const contentHash of this.blobs.keys()) yield { contentHash, lastModified: new Date(0) };
  }

  async *listStoredBetween(): AsyncIterable<string> {}

  async delete(contentHash: string): Promise<boolean> {
    this.blobs.delete(contentHash);
    return true;
  }

  async *listStaging(): AsyncIterable<string> {}

  async deleteStaging(): Promise<void> {}
}

/** The retention lock with immutability on: remembers what it was asked, and destroys content. */
export class InMemoryContentRetention implements ContentRetention {
  readonly legalHolds = new Set<string>();
  readonly protectedUntil = new Map<string, Date>();
  readonly destroyed: string[] = [];

  constructor(private readonly content: InMemoryContentStore) {}

  async protectContentUntil(contentHash: string, until: Date): Promise<void> {
    const current = this.protectedUntil.get(contentHash);
    if (!current || current < until) this.protectedUntil.set(contentHash, until);
  }

  async policyExpiry(contentHash: string): Promise<Date | null> {
    return this.protectedUntil.get(contentHash) ?? null;
  }

  async setContentLegalHold(contentHash: string, held: boolean): Promise<void> {
    if (held) this.legalHolds.add(contentHash);
    else this.legalHolds.delete(contentHash);
  }

  async destroyContent(contentHash: string): Promise<void> {
    // As Azure refuses it (409) while a legal hold covers the blob.
    if (this.legalHolds.has(contentHash)) throw Object.assign(new Error('BlobImmutableDueToLegalHold'), { statusCode: 409, code: 'BlobImmutableDueToLegalHold' });
    this.content.blobs.delete(contentHash);
    this.destroyed.push(contentHash);
  }
}

export class InMemoryAuditTrail implements AuditTrail {
  readonly records: AuditRecord[] = [];
  private readonly pager = new Pager();

  async append(record: AuditRecord): Promise<void> {
    if (this.records.some((r) => r.id === record.id)) throw Object.assign(new Error('Conflict'), { code: 409 });
    this.records.push(copy(record));
  }

  async query(q: AuditQuery): Promise<AuditPage> {
    const matching = this.records
      .filter((r) => r.at >= q.from.toISOString() && r.at <= q.to.toISOString())
      .filter((r) => !q.actor || r.actor === q.actor.toLowerCase())
      .filter((r) => !q.action || r.action === q.action)
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const { items, continuation } = this.pager.page(matching, q.pageSize, q.continuation, (r) => r.id);
    return { items: items.map(copy), continuation };
  }
}

export class InMemoryLegalHoldRecords implements LegalHoldRecords {
  readonly holds = new Map<string, LegalHold>();

  async create(hold: LegalHold): Promise<void> {
    if (this.holds.has(hold.id)) throw Object.assign(new Error('Conflict'), { code: 409 });
    this.holds.set(hold.id, copy(hold));
  }

  async list(): Promise<LegalHold[]> {
    return [...this.holds.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).map(copy);
  }

  async get(id: string): Promise<LegalHold | undefined> {
    return copy(this.holds.get(id));
  }

  async setAppliedCount(id: string, appliedCount: number): Promise<void> {
    this.existing(id).appliedCount = appliedCount;
  }

  async setApplyState(id: string, state: Partial<Pick<LegalHold, 'appliedCount' | 'applyStatus' | 'applyStartedAt' | 'applyCompletedAt'>>): Promise<void> {
    Object.assign(this.existing(id), copy(state));
  }

  async markReleased(id: string, releasedBy: string, releasedAt: string): Promise<void> {
    Object.assign(this.existing(id), { status: 'released', releasedBy, releasedAt });
  }

  private existing(id: string): LegalHold {
    const hold = this.holds.get(id);
    if (!hold) throw Object.assign(new Error('Not found'), { code: 404 });
    return hold;
  }
}

export class InMemoryDisposalRecords implements DisposalRecords {
  readonly evidence = new Map<string, DisposalEvidence>();
  private readonly pager = new Pager();

  async save(evidence: DisposalEvidence): Promise<void> {
    this.evidence.set(evidence.id, copy(evidence));
  }

  async get(entryId: string): Promise<DisposalEvidence | undefined> {
    return copy(this.evidence.get(disposalId(entryId)));
  }

  async pending(): Promise<DisposalEvidence[]> {
    return [...this.evidence.values()].filter((e) => e.status === 'pending').map(copy);
  }

  async page(size: number, continuation?: string): Promise<{ items: DisposalEvidence[]; continuation: string | null }> {
    const all = [...this.evidence.values()].sort((a, b) => (a.decidedAt < b.decidedAt ? 1 : a.decidedAt > b.decidedAt ? -1 : 0));
    return this.pager.page(all.map(copy), size, continuation, (e) => e.id);
  }
}

export class InMemoryExportRecords implements ExportRecords {
  readonly records = new Map<string, Versioned<ExportRecord>>();
  private readonly versions = new Versions();

  async create(record: ExportRecord): Promise<void> {
    if (this.records.has(record.id)) throw Object.assign(new Error('Conflict'), { code: 409 });
    this.records.set(record.id, { ...copy(record), etag: this.versions.issue() });
  }

  async read(id: string): Promise<Versioned<ExportRecord> | undefined> {
    return copy(this.records.get(id));
  }

  async replace(record: ExportRecord, ifMatch?: string): Promise<string> {
    const found = this.records.get(record.id);
    if (!found) throw Object.assign(new Error('Not found'), { code: 404 });
    if (ifMatch !== undefined && found.etag !== ifMatch) throw new ConcurrentChange();
    const etag = this.versions.issue();
    this.records.set(record.id, { ...copy(record), etag });
    return etag;
  }

  async finishedBefore(cutoff: string): Promise<Versioned<ExportRecord>[]> {
    return [...this.records.values()].filter((r) => (r.status === 'completed' || r.status === 'failed') && r.completedAt !== null && r.completedAt < cutoff).map(copy);
  }

  async list(): Promise<ExportRecord[]> {
    return [...this.records.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).map(({ etag: _etag, ...r }) => copy(r));
  }
}

export class InMemoryExportFiles implements ExportFiles {
  readonly files = new Map<string, { bytes: Buffer; contentType: string }>();

  async prepare(): Promise<void> {}

  async writeArchive(name: string, content: Readable, file: { contentType: string; fileName: string }): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    this.files.set(name, { bytes: Buffer.concat(chunks), contentType: file.contentType });
  }

  async writeManifest(name: string, bytes: Buffer): Promise<void> {
    this.files.set(name, { bytes: Buffer.from(bytes), contentType: 'application/json' });
  }

  async deleteAll(exportId: string): Promise<void> {
    for (const name of [...this.files.keys()]) if (name.startsWith(`${exportId}/`)) this.files.delete(name);
  }

  async readLink(name: string, _startsOn: Date, expiresOn: Date): Promise<string> {
    return `memory://archive-exports/${name}?se=${expiresOn.toISOString()}&sp=r`;
  }
}

export class InMemoryExportQueue implements ExportQueue {
  readonly jobs: Array<{ job: ExportJob | HoldJob; messageId: string; notBefore?: Date }> = [];
  /** Set to make enqueue fail (a queue that does not exist, say). */
  failing = false;

  async enqueue(job: ExportJob | HoldJob, options: { messageId: string; notBefore?: Date }): Promise<void> {
    if (this.failing) throw Object.assign(new Error('The messaging entity could not be found'), { code: 'MessagingEntityNotFound' });
    this.jobs.push({ job: copy(job), ...options });
  }
}

/** Manifests written once: a second create of a day is refused, as If-None-Match: * does. */
export class InMemoryManifestStore implements ManifestStore {
  readonly manifests = new Map<string, Buffer>();
  readonly protectedUntil = new Map<string, Date>();

  async days(): Promise<string[]> {
    return [...this.manifests.keys()].sort();
  }

  async read(day: string): Promise<{ bytes: Buffer; name: string }> {
    const bytes = this.manifests.get(day);
    if (!bytes) throw Object.assign(new Error('The specified blob does not exist.'), { statusCode: 404 });
    return { bytes: Buffer.from(bytes), name: `daily/${day}.json` };
  }

  async create(day: string, bytes: Buffer, protectUntil: Date): Promise<{ created: boolean; name: string }> {
    if (this.manifests.has(day)) return { created: false, name: `daily/${day}.json` };
    this.manifests.set(day, Buffer.from(bytes));
    this.protectedUntil.set(day, protectUntil);
    return { created: true, name: `daily/${day}.json` };
  }
}

export class InMemoryIntegrityRecords implements IntegrityRecords {
  readonly days = new Map<string, DayVerdict>();
  current: IntegrityStatus | undefined;

  async verdicts(): Promise<DayVerdict[]> {
    return [...this.days.values()].map(copy);
  }

  async saveVerdict(verdict: DayVerdict): Promise<void> {
    this.days.set(verdict.day, copy(verdict));
  }

  async saveStatus(status: IntegrityStatus): Promise<void> {
    this.current = copy(status);
  }

  async status(): Promise<IntegrityStatus | undefined> {
    return copy(this.current);
  }
}

/** The records use cases over the fakes, wired as shared/archive/adapters/records-services.ts wires the adapters. */
export function recordsOverFakes(options: { now?: () => Date; exportLinkMinutes?: number } = {}) {
  const clock = { now: new Date('2026-03-10T12:00:00.000Z') };
  const now = options.now ?? (() => clock.now);
  const index = new InMemoryRecordsIndex();
  const mailboxes = new InMemoryMailboxState();
  const content = new InMemoryContentStore();
  const lock = new InMemoryContentRetention(content);
  const trail = new InMemoryAuditTrail();
  const holdRecords = new InMemoryLegalHoldRecords();
  const disposals = new InMemoryDisposalRecords();
  const exportRecords = new InMemoryExportRecords();
  const exportFiles = new InMemoryExportFiles();
  const queue = new InMemoryExportQueue();
  const manifestStore = new InMemoryManifestStore();
  const verdicts = new InMemoryIntegrityRecords();
  const calendar = loadRetentionCalendar('config/retention-rules.json');
  const audit = new AuditLog(trail, now);
  const holds = new LegalHolds(holdRecords, index, lock, now);
  const search = new ArchiveSearch(index);
  const exports = new Exports({ records: exportRecords, files: exportFiles, search, content, queue }, now);
  const disposition = new Disposition(index, disposals, calendar, holds, lock, audit, now);
  const manifests = new Manifests(manifestStore, index, now);
  const access = new ArchiveAccess(audit, index);
  return {
    clock,
    index,
    mailboxes,
    content,
    lock,
    trail,
    holdRecords,
    disposals,
    exportRecords,
    exportFiles,
    queue,
    manifestStore,
    verdicts,
    calendar,
    audit,
    holds,
    search,
    exports,
    disposition,
    manifests,
    access,
    reading: new ArchiveReading(access, search, content, audit),
    holdRequests: new HoldRequests(holds, audit),
    exportRequests: new ExportRequests(exports, audit, options.exportLinkMinutes ?? 15),
    oversight: new RecordsOversight({ mailboxes, index, verdicts, manifests, calendar }, audit, now),
    passes: new DailyRecordsPasses(
      { index, mailboxes, lock, content, verdicts, disposals },
      { calendar, disposition, exports, manifests, audit },
      { exportRetentionDays: 30, integrityBudgetMs: 60_000 },
      now,
    ),
  };
}

export type RecordsOverFakes = ReturnType<typeof recordsOverFakes>;

/** A plain MIME message (CRLF line ends). */
export function mime(subject: string, body = 'Bonjour.'): Buffer {
  return Buffer.from([`From: alice@spgq.local`, `To: bob@spgq.local`, `Subject: ${subject}`, `Message-ID: <${createHash('sha256').update(subject + body).digest('hex').slice(0, 16)}@spgq.local>`, '', body, ''].join('\r\n'));
}

/** Stores content and writes its index entry, as capture would. */
export function archived(fakes: RecordsOverFakes, spec: Partial<MessageEntry> & { mailboxId: string; receivedAt: string; mime?: Buffer }): MessageEntry {
  const raw = spec.mime ?? mime(spec.subject ?? 'Sujet', `${spec.mailboxId} ${spec.receivedAt} ${Math.random()}`);
  const contentHash = fakes.content.put(raw);
  const messageId = spec.messageId ?? `AAMk-${createHash('sha256').update(`${spec.mailboxId}${spec.receivedAt}${Math.random()}`).digest('hex').slice(0, 24)}`;
  const { mime: _mime, ...fields } = spec;
  const entry: MessageEntry = {
    id: messageEntryId(spec.mailboxId, messageId),
    pk: messagePartitionKey(spec.mailboxId, spec.receivedAt),
    type: 'message',
    messageId,
    folderId: 'folder-inbox',
    folderPath: 'Inbox',
    contentHash,
    blobName: contentBlobName(contentHash),
    rawSize: raw.length,
    compressedSize: raw.length,
    from: { name: 'Alice', address: 'alice@spgq.local' },
    to: [{ name: 'Bob', address: 'bob@spgq.local' }],
    cc: [],
    bcc: [],
    subject: 'Sujet',
    sentAt: spec.receivedAt,
    attachmentNames: [],
    conversationId: null,
    internetMessageId: null,
    retentionRuleId: null,
    retainUntil: null,
    holds: [],
    capturedAt: spec.receivedAt,
    removedAt: null,
    version: MODEL_VERSION,
    ...fields,
  };
  fakes.index.put(entry);
  return entry;
}
