import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import type { Container } from '@azure/cosmos';
import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { StorageSettings } from '../../platform/settings';
import { CONTAINERS, type MessageEntry } from '../model';
import type { ContentStore } from '../ports';
import type { RecordsStore } from '../adapters/records-store';
import { stripSystem } from './audit';
import { filtersUsed, SearchFilterSchema, type ArchiveSearch, type SearchFilter } from './search';

/**
 * Export for a legal request: the entries a query selects, as an mbox (mboxrd quoting) or a zip of
 * .eml files, streamed from the content blobs through the archive format into a blob in
 * `archive-exports` (never held whole in memory), with a manifest of every message's SHA-256 and
 * the export file's own. The file is reached through a short-lived read-only link: a user
 * delegation SAS in Azure (no account key exists there), an account SAS on Azurite.
 */
export const ExportRequest = z.object({
  matter: z.string().trim().min(3).max(200),
  format: z.enum(['mbox', 'zip']),
  filter: SearchFilterSchema.default({}),
});
export type ExportRequest = z.infer<typeof ExportRequest>;

/** What failed, as a code: never a message text, which could carry a subject or an address. */
export const ExportFailure = z.enum(['content-missing', 'attempts-exhausted', 'error']);
export type ExportFailure = z.infer<typeof ExportFailure>;

export const ExportRecord = z.object({
  id: z.string(),
  pk: z.literal('export'),
  type: z.literal('export'),
  matter: z.string(),
  format: z.enum(['mbox', 'zip']),
  /** The query the worker runs (values included: the record is data, never logged). */
  filter: SearchFilterSchema.default({}),
  /** Names of the filters used, for lists and the audit log. */
  filters: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  /** `expired`: its files were deleted after the retention period (ARCHIVE_EXPORT_RETENTION_DAYS). */
  status: z.enum(['queued', 'running', 'completed', 'failed', 'expired']),
  /** Messages in the export file; while running, how many are written so far. */
  count: z.number().int(),
  size: z.number().int(),
  sha256: z.string().nullable(),
  /** Blobs of the current attempt (each attempt writes its own, so two never mix). */
  blobName: z.string(),
  manifestBlobName: z.string(),
  attempts: z.number().int().default(0),
  /** Set by the running attempt every HEARTBEAT_MS; a stale one means that attempt died. */
  heartbeatAt: z.string().nullable().default(null),
  failure: ExportFailure.nullable().default(null),
  completedAt: z.string().nullable(),
  expiredAt: z.string().nullable().default(null),
});
export type ExportRecord = z.infer<typeof ExportRecord>;

export interface ExportManifest {
  format: 'spgq-archive-export/1';
  exportId: string;
  matter: string;
  createdAt: string;
  createdBy: string;
  archiveFormat: 'mbox' | 'zip';
  count: number;
  items: { name: string; entryId: string; mailboxId: string; receivedAt: string; contentHash: string; rawSize: number }[];
  /** SHA-256 and size of the export file itself. */
  sha256: string;
  size: number;
}

/** The message that asks a worker to build an export. */
export const ExportJob = z.object({ exportId: z.string().regex(/^export-[0-9a-f-]{36}$/) });
export type ExportJob = z.infer<typeof ExportJob>;

/** Where export jobs wait for a worker (Service Bus in the app, see export-queue.ts). */
export interface ExportQueue {
  /** messageId lets the broker drop a repeat of the same job. */
  enqueue(job: ExportJob, options: { messageId: string; notBefore?: Date }): Promise<void>;
}

/** What one delivery of a job did. */
export type ExportRunOutcome =
  | { outcome: 'completed'; count: number; size: number }
  | { outcome: 'retry-scheduled'; failure: ExportFailure; attempt: number }
  | { outcome: 'failed'; failure: ExportFailure }
  /** Another attempt is alive (its heartbeat is fresh): the job is looked at again later. */
  | { outcome: 'deferred' }
  /** A repeat delivery of a job already finished, or of an unknown export: nothing to do. */
  | { outcome: 'nothing-to-do' }
  /** This attempt was taken over (its heartbeat went stale): it stopped and wrote nothing more. */
  | { outcome: 'superseded' };

export interface ExportTiming {
  heartbeatMs: number;
  /** A heartbeat older than this means its attempt died (a crash, a lost host). */
  staleMs: number;
  maxAttempts: number;
  /** Wait before attempt n+1 is retryBaseMs x n. */
  retryBaseMs: number;
}

export const EXPORT_TIMING: ExportTiming = { heartbeatMs: 15_000, staleMs: 60_000, maxAttempts: 3, retryBaseMs: 30_000 };

/** The attempt lost its record to another attempt (an If-Match on the record failed). */
class SupersededError extends Error {}

/**
 * Exports run as background jobs: a request records the export (queued) and enqueues a job; a
 * queue-triggered worker builds the file. An export may take longer than an HTTP request may last
 * (230 s behind Azure's front ends), and a worker that dies is replaced: each attempt keeps a
 * heartbeat on the record, writes its own blobs, and changes the record only with If-Match, so a
 * stale attempt that wakes up can neither overwrite nor complete the current one.
 */
export class Exports {
  constructor(
    private readonly blob: BlobServiceClient,
    private readonly store: RecordsStore,
    private readonly search: ArchiveSearch,
    private readonly content: ContentStore,
    private readonly queue: ExportQueue,
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
      filters: filtersUsed(request.filter),
      createdBy,
      createdAt: this.now().toISOString(),
      status: 'queued',
      count: 0,
      size: 0,
      sha256: null,
      ...blobNames(id, request.format, 1),
      attempts: 0,
      heartbeatAt: null,
      failure: null,
      completedAt: null,
      expiredAt: null,
    };
    const records = await this.store.recordsContainer();
    await records.items.create(record);
    try {
      await this.queue.enqueue({ exportId: id }, { messageId: `${id}:1` });
    } catch (error) {
      // Nobody would ever build it: say so on the record rather than leave it queued forever.
      await records.item(id, 'export').replace({ ...record, status: 'failed', failure: 'error', completedAt: this.now().toISOString() }).catch(() => undefined);
      throw error;
    }
    return record;
  }

  /** One delivery of an export job (at least once: repeats and concurrent deliveries are safe). */
  async run(job: ExportJob): Promise<ExportRunOutcome> {
    const records = await this.store.recordsContainer();
    const read = await records.item(job.exportId, 'export').read<ExportRecord>();
    if (!read.resource) return { outcome: 'nothing-to-do' };
    const found = ExportRecord.parse(stripSystem(read.resource));
    if (found.status !== 'queued' && found.status !== 'running') return { outcome: 'nothing-to-do' };
    const now = this.now();
    if (found.status === 'running' && found.heartbeatAt && now.getTime() - Date.parse(found.heartbeatAt) < this.timing.staleMs) {
      await this.queue.enqueue(job, { messageId: `${job.exportId}:wait:${found.heartbeatAt}`, notBefore: new Date(now.getTime() + this.timing.staleMs) });
      return { outcome: 'deferred' };
    }
    const guarded = new GuardedRecord(records, read.etag!);
    if (found.attempts >= this.timing.maxAttempts) {
      await guarded.replace({ ...found, status: 'failed', failure: 'attempts-exhausted', heartbeatAt: null, completedAt: now.toISOString() }).catch(ignoreSuperseded);
      return { outcome: 'failed', failure: 'attempts-exhausted' };
    }
    const attempt = found.attempts + 1;
    let record: ExportRecord = { ...found, status: 'running', attempts: attempt, heartbeatAt: now.toISOString(), count: 0, size: 0, failure: null, ...blobNames(found.id, found.format, attempt) };
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
      const failure: ExportFailure = isNotFound(error) ? 'content-missing' : 'error';
      // A missing content blob will not come back by retrying (the integrity check reports it).
      const retry = failure !== 'content-missing' && attempt < this.timing.maxAttempts;
      record = { ...record, status: retry ? 'queued' : 'failed', failure, heartbeatAt: null, completedAt: retry ? null : this.now().toISOString() };
      await guarded.replace(record).catch(ignoreSuperseded);
      if (!retry) return { outcome: 'failed', failure };
      await this.queue.enqueue(job, { messageId: `${job.exportId}:${attempt + 1}`, notBefore: new Date(this.now().getTime() + this.timing.retryBaseMs * attempt) });
      return { outcome: 'retry-scheduled', failure, attempt };
    }
  }

  /** Streams the file and its manifest into the attempt's blobs, beating the heartbeat meanwhile. */
  private async build(record: ExportRecord, guarded: GuardedRecord, progress: (count: number) => ExportRecord): Promise<{ count: number; size: number; sha256: string }> {
    const container = this.blob.getContainerClient(CONTAINERS.exports);
    await container.createIfNotExists();
    const items: ExportManifest['items'] = [];
    const entries = this.selected(record.filter as SearchFilter, items);
    const archive = record.format === 'mbox' ? this.mbox(entries) : this.zip(entries);
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
      await container.getBlockBlobClient(record.blobName).uploadStream(measured, 4 * 1024 * 1024, 2, {
        blobHTTPHeaders: { blobContentType: record.format === 'mbox' ? 'application/mbox' : 'application/zip', blobContentDisposition: `attachment; filename="${record.id}.${record.format}"` },
      });
    } catch (error) {
      throw lost ?? error;
    } finally {
      clearInterval(heartbeat);
    }
    if (lost) throw lost;
    const manifest: ExportManifest = { format: 'spgq-archive-export/1', exportId: record.id, matter: record.matter, createdAt: record.createdAt, createdBy: record.createdBy, archiveFormat: record.format, count: items.length, items, sha256: hash.digest('hex'), size };
    const bytes = Buffer.from(JSON.stringify(manifest, null, 2), 'utf8');
    await container.getBlockBlobClient(record.manifestBlobName).upload(bytes, bytes.length, { blobHTTPHeaders: { blobContentType: 'application/json' } });
    return { count: items.length, size, sha256: manifest.sha256 };
  }

  /** The entries the filter selects, as the search yields them, each added to the manifest. */
  private async *selected(filter: SearchFilter, items: ExportManifest['items']): AsyncIterable<{ entry: MessageEntry; name: string }> {
    for await (const entry of this.search.all(filter)) {
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
    const records = await this.store.recordsContainer();
    const cutoff = new Date(this.now().getTime() - retentionDays * 86_400_000).toISOString();
    const { resources } = await records.items
      .query<ExportRecord & { _etag: string }>({
        query: 'SELECT * FROM c WHERE c.pk = "export" AND (c.status = "completed" OR c.status = "failed") AND c.completedAt < @cutoff',
        parameters: [{ name: '@cutoff', value: cutoff }],
      }, { partitionKey: 'export' })
      .fetchAll();
    const container = this.blob.getContainerClient(CONTAINERS.exports);
    const expired: string[] = [];
    for (const found of resources) {
      for await (const blob of container.listBlobsFlat({ prefix: `${found.id}/` })) await container.deleteBlob(blob.name, { deleteSnapshots: 'include' }).catch(ignoreMissingBlob);
      const record = { ...ExportRecord.parse(stripSystem(found)), status: 'expired' as const, expiredAt: this.now().toISOString() };
      // If-Match: a record changed meanwhile is looked at again by the next pass.
      const written = await records.item(found.id, 'export').replace(record, { accessCondition: { type: 'IfMatch', condition: found._etag } }).then(() => true, (error: unknown) => {
        if ((error as { code?: number }).code === 412) return false;
        throw error;
      });
      if (written) expired.push(found.id);
    }
    return expired;
  }

  async list(): Promise<ExportRecord[]> {
    const records = await this.store.recordsContainer();
    const { resources } = await records.items.query<ExportRecord>('SELECT * FROM c WHERE c.pk = "export" ORDER BY c.createdAt DESC', { partitionKey: 'export' }).fetchAll();
    return resources.map((r) => ExportRecord.parse(stripSystem(r)));
  }

  async get(id: string): Promise<ExportRecord | undefined> {
    const records = await this.store.recordsContainer();
    const { resource } = await records.item(id, 'export').read<ExportRecord>();
    return resource ? ExportRecord.parse(stripSystem(resource)) : undefined;
  }

  /** Read-only links to the export and its manifest, valid `minutes`. */
  async links(record: ExportRecord, minutes: number, storage: StorageSettings): Promise<{ url: string; manifestUrl: string; expiresOn: string }> {
    const { BlobSASPermissions, SASProtocol, generateBlobSASQueryParameters } = require('@azure/storage-blob') as typeof import('@azure/storage-blob');
    const startsOn = new Date(this.now().getTime() - 5 * 60_000);
    const expiresOn = new Date(this.now().getTime() + minutes * 60_000);
    const container = this.blob.getContainerClient(CONTAINERS.exports);
    const permissions = BlobSASPermissions.parse('r');
    const link = async (blobName: string): Promise<string> => {
      const client = container.getBlobClient(blobName);
      if (storage.mode === 'connectionString') return client.generateSasUrl({ permissions, startsOn, expiresOn });
      // Azure: shared keys are disabled on the account; sign with a user delegation key of the app's identity.
      const key = await this.blob.getUserDelegationKey(startsOn, expiresOn);
      const sas = generateBlobSASQueryParameters({ containerName: CONTAINERS.exports, blobName, permissions, startsOn, expiresOn, protocol: SASProtocol.Https }, key, this.blob.accountName);
      return `${client.url}?${sas.toString()}`;
    };
    return { url: await link(record.blobName), manifestUrl: await link(record.manifestBlobName), expiresOn: expiresOn.toISOString() };
  }

  private zip(entries: AsyncIterable<{ entry: MessageEntry; name: string }>): Readable {
    const yazl = require('yazl') as typeof import('yazl');
    const zip = new yazl.ZipFile();
    const out = zip.outputStream as unknown as Readable;
    // yazl reports a failed open on the ZipFile and pipes each message without watching it for
    // errors: both must end the output, or the export would hang (or the process crash).
    zip.on('error', (e: Error) => out.destroy(e));
    void (async () => {
      for await (const { entry, name } of entries) {
        // Lazy: each message's blob is opened only when the zip reaches it.
        zip.addReadStreamLazy(name, { mtime: new Date(entry.receivedAt), compress: true }, (cb) => {
          this.content.open(entry.contentHash).then(
            (s) => cb(null, s.on('error', (e) => out.destroy(e))),
            (e: unknown) => cb(e as Error, undefined as unknown as Readable),
          );
        });
      }
      zip.end();
    })().catch((e: unknown) => out.destroy(e as Error));
    return out;
  }

  private mbox(entries: AsyncIterable<{ entry: MessageEntry; name: string }>): Readable {
    const out = new PassThrough();
    void (async () => {
      for await (const { entry } of entries) {
        if (!out.write(`From MAILER-DAEMON ${asctime(new Date(entry.receivedAt))}\n`)) await drained(out);
        const quote = new MboxrdQuote();
        for await (const chunk of (await this.content.open(entry.contentHash)).pipe(quote)) {
          if (!out.write(chunk)) await drained(out);
        }
        out.write('\n');
      }
      out.end();
    })().catch((e: unknown) => out.destroy(e as Error));
    return out;
  }
}

/**
 * The record as one attempt last wrote it: every change is an If-Match on the ETag of that attempt's
 * previous write, so a change made meanwhile by another attempt makes this one stop.
 */
class GuardedRecord {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly records: Container, private etag: string) {}

  /** Writes are chained: a heartbeat and the final write never race each other. */
  replace(record: ExportRecord): Promise<void> {
    const write = this.chain.then(async () => {
      try {
        const { etag } = await this.records.item(record.id, 'export').replace(record, { accessCondition: { type: 'IfMatch', condition: this.etag } });
        this.etag = etag!;
      } catch (error) {
        if ((error as { code?: number }).code === 412) throw new SupersededError('export attempt superseded');
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

function ignoreMissingBlob(error: unknown): void {
  if (!isNotFound(error)) throw error;
}

function isNotFound(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 404 || e.code === 'BlobNotFound';
}

function blobNames(id: string, format: 'mbox' | 'zip', attempt: number): { blobName: string; manifestBlobName: string } {
  return { blobName: `${id}/attempt-${attempt}/export.${format}`, manifestBlobName: `${id}/attempt-${attempt}/manifest.json` };
}

function drained(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => stream.once('drain', resolve));
}

function emlName(entry: MessageEntry): string {
  const when = entry.receivedAt.replace(/[:]/g, '').replace(/\.\d+/, '');
  return `${entry.mailboxId}/${when}-${entry.id.slice(0, 16)}.eml`;
}

/** ctime-style date of an mbox "From " line: "Tue Feb  3 10:00:00 2026" (UTC). */
function asctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * mboxrd: a line starting with ">*From " gets one more ">", so every message is recovered exactly
 * by removing one ">" from such lines. Also ends the message with a newline if it lacked one.
 */
export class MboxrdQuote extends Transform {
  private atLineStart = true;
  private carry = Buffer.alloc(0);
  private last = 0x0a;

  override _transform(chunk: Buffer, _e: BufferEncoding, done: (error?: Error | null) => void): void {
    let data = Buffer.concat([this.carry, chunk]);
    this.carry = Buffer.alloc(0);
    const parts: Buffer[] = [];
    let i = 0;
    while (i < data.length) {
      if (this.atLineStart) {
        // Need enough bytes to decide whether the line is ">*From ".
        let j = i;
        while (j < data.length && data[j] === 0x3e) j++;
        const rest = data.subarray(j, j + 5);
        if (rest.length < 5 && j + rest.length === data.length && Buffer.from('From ').subarray(0, rest.length).equals(rest)) {
          this.carry = data.subarray(i);
          data = data.subarray(0, i);
          break;
        }
        if (rest.equals(Buffer.from('From '))) parts.push(Buffer.from('>'));
        this.atLineStart = false;
      }
      const nl = data.indexOf(0x0a, i);
      const end = nl === -1 ? data.length : nl + 1;
      parts.push(data.subarray(i, end));
      if (nl !== -1) this.atLineStart = true;
      i = end;
    }
    const out = Buffer.concat(parts);
    if (out.length) {
      this.last = out[out.length - 1]!;
      this.push(out);
    }
    done();
  }

  override _flush(done: (error?: Error | null) => void): void {
    const tail = this.carry;
    const last = tail.length ? tail[tail.length - 1]! : this.last;
    const out = Buffer.concat([tail, last === 0x0a ? Buffer.alloc(0) : Buffer.from('\n')]);
    if (out.length) this.push(out);
    done();
  }
}
