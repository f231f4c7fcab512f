import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { StorageSettings } from '../config/settings';
import { CONTAINERS, type MessageEntry } from './model';
import type { ContentStore } from './ports';
import type { RecordsStore } from './records-store';
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

export const ExportRecord = z.object({
  id: z.string(),
  pk: z.literal('export'),
  type: z.literal('export'),
  matter: z.string(),
  format: z.enum(['mbox', 'zip']),
  filters: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  status: z.enum(['running', 'completed', 'failed']),
  count: z.number().int(),
  size: z.number().int(),
  sha256: z.string().nullable(),
  blobName: z.string(),
  manifestBlobName: z.string(),
  completedAt: z.string().nullable(),
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

export class Exports {
  constructor(
    private readonly blob: BlobServiceClient,
    private readonly store: RecordsStore,
    private readonly search: ArchiveSearch,
    private readonly content: ContentStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs the export to the end (the caller has checked the caller may export everything the filter selects). */
  async create(request: ExportRequest, createdBy: string): Promise<ExportRecord> {
    const id = `export-${randomUUID()}`;
    const record: ExportRecord = {
      id,
      pk: 'export',
      type: 'export',
      matter: request.matter,
      format: request.format,
      filters: filtersUsed(request.filter),
      createdBy,
      createdAt: this.now().toISOString(),
      status: 'running',
      count: 0,
      size: 0,
      sha256: null,
      blobName: `${id}/export.${request.format === 'mbox' ? 'mbox' : 'zip'}`,
      manifestBlobName: `${id}/manifest.json`,
      completedAt: null,
    };
    const records = await this.store.recordsContainer();
    await records.items.create(record);
    try {
      const entries: MessageEntry[] = [];
      for await (const entry of this.search.all(request.filter as SearchFilter)) entries.push(entry);
      const container = this.blob.getContainerClient(CONTAINERS.exports);
      await container.createIfNotExists();
      const items = entries.map((e) => ({ name: emlName(e), entryId: e.id, mailboxId: e.mailboxId, receivedAt: e.receivedAt, contentHash: e.contentHash, rawSize: e.rawSize }));
      const archive = request.format === 'mbox' ? this.mbox(entries) : this.zip(entries, items.map((i) => i.name));
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
      await container.getBlockBlobClient(record.blobName).uploadStream(measured, 4 * 1024 * 1024, 2, {
        blobHTTPHeaders: { blobContentType: request.format === 'mbox' ? 'application/mbox' : 'application/zip', blobContentDisposition: `attachment; filename="${id}.${request.format}"` },
      });
      const manifest: ExportManifest = { format: 'spgq-archive-export/1', exportId: id, matter: record.matter, createdAt: record.createdAt, createdBy, archiveFormat: request.format, count: items.length, items, sha256: hash.digest('hex'), size };
      const bytes = Buffer.from(JSON.stringify(manifest, null, 2), 'utf8');
      await container.getBlockBlobClient(record.manifestBlobName).upload(bytes, bytes.length, { blobHTTPHeaders: { blobContentType: 'application/json' } });
      Object.assign(record, { status: 'completed', count: items.length, size, sha256: manifest.sha256, completedAt: this.now().toISOString() });
    } catch (error) {
      Object.assign(record, { status: 'failed', completedAt: this.now().toISOString() });
      await records.items.upsert(record);
      throw error;
    }
    await records.items.upsert(record);
    return record;
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

  private zip(entries: MessageEntry[], names: string[]): Readable {
    const yazl = require('yazl') as typeof import('yazl');
    const zip = new yazl.ZipFile();
    entries.forEach((entry, i) => {
      // Lazy: each message's blob is opened only when the zip reaches it.
      zip.addReadStreamLazy(names[i]!, { mtime: new Date(entry.receivedAt), compress: true }, (cb) => {
        this.content.open(entry.contentHash).then((s) => cb(null, s), (e: unknown) => cb(e as Error, undefined as unknown as Readable));
      });
    });
    zip.end();
    return zip.outputStream as unknown as Readable;
  }

  private mbox(entries: MessageEntry[]): Readable {
    const out = new PassThrough();
    void (async () => {
      for (const entry of entries) {
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
