import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { ConcurrentChange, ContentMissing, type ContentStore, type ExportFiles, type ExportQueue, type ExportRecords } from '../ports';
import type { MessageEntry } from '../model';
import { SYSTEM_ACTOR } from './audit-record';
import { ContentTampered, hashChecked, type TamperReports } from './content-check';
import { emlName, mboxArchive, zipArchive, type ArchiveMember } from './export-archive';
import {
  EXPORT_TIMING,
  exportBlobNames,
  FULL_TEXT_EXPORT_MAX,
  type ExportFullText,
  ExportRecord,
  type ExportFailure,
  type ExportJob,
  type ExportManifest,
  type ExportRequest,
  type ExportRunOutcome,
  type ExportTiming,
} from './export-request';
import { filtersUsed, type SearchFilter } from './search-filter';
import type { ArchiveSearch } from './search';

/** What the export job works through. */
export interface ExportPorts {
  records: ExportRecords;
  files: ExportFiles;
  search: ArchiveSearch;
  content: ContentStore;
  queue: ExportQueue;
  /** The entries a full-text search finds (docs/decisions/0020); absent without a search service. */
  fullText?: { entriesFor(search: ExportFullText, filter: SearchFilter, max: number): AsyncIterable<MessageEntry> };
  /** Where content found tampered is reported (audit, integrity status); optional in tests of other paths. */
  tamper?: TamperReports;
}

/** Tampered content met by an export: which entry. */
class TamperedMember extends Error {
  constructor(readonly tampered: ContentTampered, readonly member: ArchiveMember['entry']) {
    super(tampered.message);
  }
}

/** The attempt lost its record to another attempt (an If-Match on the record failed). */
class SupersededError extends Error {}

/**
 * Exports run as background jobs: a request records the export (queued) and enqueues a job; a
 * queue-triggered worker builds the file. An export may take longer than an HTTP request may last
 * (230 s behind Azure's front ends), and a worker that dies is replaced: each attempt keeps a
 * heartbeat on the record, writes its own blobs, and changes the record only with If-Match, so a
 * stale attempt that wakes up can neither overwrite nor complete the current one. The file is
 * streamed from the content through the archive format (export-archive.ts) into storage, with a
 * manifest of every message's SHA-256 and the file's own.
 */
export class Exports {
  constructor(
    private readonly ports: ExportPorts,
    private readonly now: () => Date = () => new Date(),
    private readonly timing: ExportTiming = EXPORT_TIMING,
  ) {}

  /** Records the export and queues its job (the caller has checked it may export all the filter selects). */
  async request(request: ExportRequest, createdBy: string): Promise<ExportRecord> {
    const id = `export-${randomUUID()}`;
    const record: ExportRecord = {
      id,
      pk: 'export',
      type: 'export',
      matter: request.matter,
      format: request.format,
      filter: request.filter,
      ...(request.fullText ? { fullText: request.fullText } : {}),
      filters: [...(request.fullText ? ['text'] : []), ...(['hold', 'retentionRule'] as const).filter((k) => request.fullText?.[k] !== undefined), ...filtersUsed(request.filter)],
      createdBy,
      createdAt: this.now().toISOString(),
      status: 'queued',
      count: 0,
      size: 0,
      sha256: null,
      ...exportBlobNames(id, request.format, 1),
      attempts: 0,
      heartbeatAt: null,
      failure: null,
      failedEntryId: null,
      completedAt: null,
      expiredAt: null,
    };
    await this.ports.records.create(record);
    try {
      await this.ports.queue.enqueue({ exportId: id }, { messageId: `${id}:1` });
    } catch (error) {
      // Nobody would ever build it: say so on the record rather than leave it queued forever.
      await this.ports.records.replace({ ...record, status: 'failed', failure: 'error', completedAt: this.now().toISOString() }).catch(() => undefined);
      throw error;
    }
    return record;
  }

  /** One delivery of an export job (at least once: repeats and concurrent deliveries are safe). */
  async run(job: ExportJob): Promise<ExportRunOutcome> {
    const read = await this.ports.records.read(job.exportId);
    if (!read) return { outcome: 'nothing-to-do' };
    const found = ExportRecord.parse(read);
    if (found.status !== 'queued' && found.status !== 'running') return { outcome: 'nothing-to-do' };
    const now = this.now();
    if (found.status === 'running' && found.heartbeatAt && now.getTime() - Date.parse(found.heartbeatAt) < this.timing.staleMs) {
      await this.ports.queue.enqueue(job, { messageId: `${job.exportId}:wait:${found.heartbeatAt}`, notBefore: new Date(now.getTime() + this.timing.staleMs) });
      return { outcome: 'deferred' };
    }
    const guarded = new GuardedRecord(this.ports.records, read.etag);
    if (found.attempts >= this.timing.maxAttempts) {
      await guarded.replace({ ...found, status: 'failed', failure: 'attempts-exhausted', heartbeatAt: null, completedAt: now.toISOString() }).catch(ignoreSuperseded);
      return { outcome: 'failed', failure: 'attempts-exhausted' };
    }
    const attempt = found.attempts + 1;
    let record: ExportRecord = { ...found, status: 'running', attempts: attempt, heartbeatAt: now.toISOString(), count: 0, size: 0, failure: null, failedEntryId: null, ...exportBlobNames(found.id, found.format, attempt) };
    try {
      await guarded.replace(record);
    } catch (error) {
      if (error instanceof SupersededError) return { outcome: 'deferred' };
      throw error;
    }
    try {
      const result = await this.build(record, guarded, (count) => (record = { ...record, count }));
      record = { ...record, ...result, status: 'completed', heartbeatAt: null, completedAt: this.now().toISOString() };
      await guarded.replace(record);
      return { outcome: 'completed', count: result.count, size: result.size };
    } catch (error) {
      if (error instanceof SupersededError) return { outcome: 'superseded' };
      const failure: ExportFailure = error instanceof ContentMissing ? 'content-missing' : error instanceof TamperedMember ? error.tampered.kind : 'error';
      if (error instanceof TamperedMember) await this.ports.tamper?.report(SYSTEM_ACTOR, error.member, error.tampered.kind);
      // Missing or tampered content will not come back by retrying (the integrity check reports it).
      const retry = failure === 'error' && attempt < this.timing.maxAttempts;
      const failedEntryId = error instanceof TamperedMember ? error.member.id : null;
      record = { ...record, status: retry ? 'queued' : 'failed', failure, failedEntryId, heartbeatAt: null, completedAt: retry ? null : this.now().toISOString() };
      await guarded.replace(record).catch(ignoreSuperseded);
      if (!retry) return { outcome: 'failed', failure };
      await this.ports.queue.enqueue(job, { messageId: `${job.exportId}:${attempt + 1}`, notBefore: new Date(this.now().getTime() + this.timing.retryBaseMs * attempt) });
      return { outcome: 'retry-scheduled', failure, attempt };
    }
  }

  /** Streams the file and its manifest into the attempt's blobs, beating the heartbeat meanwhile. */
  private async build(record: ExportRecord, guarded: GuardedRecord, progress: (count: number) => ExportRecord): Promise<{ count: number; size: number; sha256: string }> {
    await this.ports.files.prepare();
    const items: ExportManifest['items'] = [];
    // Every message is hash-checked as it is written: one that does not match its recorded hash
    // fails the export at once, named (the file being written is left unfinished, never linked).
    const members = new Map<string, ArchiveMember['entry']>();
    let tampered: TamperedMember | undefined;
    const open = async (hash: string) => {
      const checked = hashChecked(await this.ports.content.open(hash), hash);
      checked.on('error', (error) => {
        if (error instanceof ContentTampered && members.has(hash)) tampered ??= new TamperedMember(error, members.get(hash)!);
      });
      return checked;
    };
    const entries = this.selected(record, items, members);
    const archive = record.format === 'mbox' ? mboxArchive(entries, open) : zipArchive(entries, open);
    const hash = createHash('sha256');
    let size = 0;
    const measured = archive.pipe(
      new Transform({
        transform(chunk: Buffer, _e, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
    );
    archive.on('error', (e) => measured.destroy(e));
    let lost: unknown;
    const heartbeat = setInterval(() => {
      void guarded.replace({ ...progress(items.length), heartbeatAt: this.now().toISOString() }).catch((error: unknown) => {
        // Lost to another attempt (or the record is unreachable): stop writing at once.
        lost ??= error;
        archive.destroy(error as Error);
      });
    }, this.timing.heartbeatMs);
    try {
      await this.ports.files.writeArchive(record.blobName, measured, { contentType: record.format === 'mbox' ? 'application/mbox' : 'application/zip', fileName: `${record.id}.${record.format}` });
    } catch (error) {
      throw lost ?? tampered ?? error;
    } finally {
      clearInterval(heartbeat);
    }
    if (lost) throw lost;
    if (tampered) throw tampered;
    const manifest: ExportManifest = { format: 'spgq-archive-export/1', exportId: record.id, matter: record.matter, createdAt: record.createdAt, createdBy: record.createdBy, archiveFormat: record.format, count: items.length, items, sha256: hash.digest('hex'), size };
    await this.ports.files.writeManifest(record.manifestBlobName, Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'));
    return { count: items.length, size, sha256: manifest.sha256 };
  }

  /** The entries the filter selects, as the search yields them, each added to the manifest. */
  private async *selected(record: ExportRecord, items: ExportManifest['items'], members: Map<string, ArchiveMember['entry']>): AsyncIterable<ArchiveMember> {
    const filter = record.filter as SearchFilter;
    let source: AsyncIterable<MessageEntry>;
    if (record.fullText) {
      // An export of a full-text search without the search service would export something else: fail instead.
      if (!this.ports.fullText) throw new Error('full-text search is not configured');
      source = this.ports.fullText.entriesFor(record.fullText, filter, FULL_TEXT_EXPORT_MAX);
    } else {
      source = this.ports.search.all(filter);
    }
    for await (const entry of source) {
      members.set(entry.contentHash, entry);
      const name = emlName(entry);
      items.push({ name, entryId: entry.id, mailboxId: entry.mailboxId, receivedAt: entry.receivedAt, contentHash: entry.contentHash, rawSize: entry.rawSize });
      yield { entry, name };
    }
  }

  /**
   * Deletes the files of exports finished more than `retentionDays` ago (every attempt's blobs) and
   * marks them expired: an export is a copy of people's mail made for one request, not a second
   * archive. Returns the ids expired. In Azure, the versions a delete leaves behind are removed by
   * the storage account's lifecycle rule (infra/main.bicep).
   */
  async expire(retentionDays: number): Promise<string[]> {
    const cutoff = new Date(this.now().getTime() - retentionDays * 86_400_000).toISOString();
    const expired: string[] = [];
    for (const found of await this.ports.records.finishedBefore(cutoff)) {
      await this.ports.files.deleteAll(found.id);
      const record: ExportRecord = { ...ExportRecord.parse(found), status: 'expired', expiredAt: this.now().toISOString() };
      // If-Match: a record changed meanwhile is looked at again by the next pass.
      const written = await this.ports.records.replace(record, found.etag).then(
        () => true,
        (error: unknown) => {
          if (error instanceof ConcurrentChange) return false;
          throw error;
        },
      );
      if (written) expired.push(found.id);
    }
    return expired;
  }

  list(): Promise<ExportRecord[]> {
    return this.ports.records.list();
  }

  async get(id: string): Promise<ExportRecord | undefined> {
    const found = await this.ports.records.read(id);
    return found ? ExportRecord.parse(found) : undefined;
  }

  /** Read-only links to the export and its manifest, valid `minutes`. */
  async links(record: ExportRecord, minutes: number): Promise<{ url: string; manifestUrl: string; expiresOn: string }> {
    const startsOn = new Date(this.now().getTime() - 5 * 60_000);
    const expiresOn = new Date(this.now().getTime() + minutes * 60_000);
    return {
      url: await this.ports.files.readLink(record.blobName, startsOn, expiresOn),
      manifestUrl: await this.ports.files.readLink(record.manifestBlobName, startsOn, expiresOn),
      expiresOn: expiresOn.toISOString(),
    };
  }
}

/**
 * The record as one attempt last wrote it: every change is an If-Match on the version of that
 * attempt's previous write, so a change made meanwhile by another attempt makes this one stop.
 */
class GuardedRecord {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly records: ExportRecords, private etag: string) {}

  /** Writes are chained: a heartbeat and the final write never race each other. */
  replace(record: ExportRecord): Promise<void> {
    const write = this.chain.then(async () => {
      try {
        this.etag = await this.records.replace(record, this.etag);
      } catch (error) {
        if (error instanceof ConcurrentChange) throw new SupersededError('export attempt superseded');
        throw error;
      }
    });
    this.chain = write.catch(() => undefined);
    return write;
  }
}

function ignoreSuperseded(error: unknown): void {
  if (!(error instanceof SupersededError)) throw error;
}
