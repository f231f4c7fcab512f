import { createHash, randomUUID, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompressSync, constants as zlibConstants, createBrotliCompress, createBrotliDecompress } from 'node:zlib';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { AttachmentNameScanner } from '../capture/attachment-names';
import { CONTAINERS, contentBlobName, hashOfContentBlob } from '../model';
import { ContentMissing, type ContentProtection, type ContentStore, type StoredContent } from '../ports';
import { deleteEveryVersion, extendRetention, isProtectedFromDeletion, protectionOnCreate, type ImmutabilityMode } from './retention-lock';

export interface BlobContentStoreOptions {
  /** Version-level WORM policy on stored content (Azure only; Azurite answers 501). */
  immutability: ImmutabilityMode;
  /** Messages up to this size (raw bytes, default 4 MiB) are read whole and compressed in one call. */
  wholeMessageLimit?: number;
  /** Memory all whole reads of this store may hold at once (default 64 MiB); beyond it messages stream. */
  wholeMessageMemory?: number;
  /** Block size of streamed uploads; memory per upload is about blockSize x (concurrency + 1). */
  blockSize?: number;
  uploadConcurrency?: number;
  /** Clock of the `stored` tag (tests move it). */
  now?: () => Date;
}

/**
 * Blob Storage adapter of ContentStore. The content address (SHA-256 of the raw MIME) is known only
 * once the whole message has passed. A message up to wholeMessageLimit is read (hashed as it
 * arrives), compressed and written straight to its address with If-None-Match: * (never
 * overwriting). A larger one is streamed (hashed and Brotli-compressed on the way) to a staging
 * blob with a random name, then copied server-side to its address the same way, and the staging
 * blob is deleted. A crash leaves at most a staging blob (swept later) or a content blob without an
 * entry (its page is redone; the orphan sweep handles the rest). Memory per message: at most
 * wholeMessageLimit, or a few upload blocks when streaming.
 */
export class BlobContentStore implements ContentStore {
  private readonly content: ContainerClient;
  private readonly staging: ContainerClient;
  private ensured: Promise<void> | undefined;
  private readonly buffers: ByteBudget;

  constructor(service: BlobServiceClient, private readonly options: BlobContentStoreOptions) {
    this.content = service.getContainerClient(CONTAINERS.content);
    this.staging = service.getContainerClient(CONTAINERS.staging);
    this.buffers = new ByteBudget(options.wholeMessageMemory ?? 64 * 1024 * 1024);
  }

  private ensure(): Promise<void> {
    this.ensured ??= Promise.all([this.content.createIfNotExists(), this.staging.createIfNotExists()]).then(
      () => undefined,
      (e: unknown) => {
        this.ensured = undefined;
        throw e;
      },
    );
    return this.ensured;
  }

  async store(mime: Readable, protection?: ContentProtection): Promise<StoredContent> {
    await this.ensure();
    const seen = new SeenMime();
    // Most mail is read whole (up to wholeLimit), then compressed in one call: far cheaper than a
    // chain of stream stages, and the Graph request (and its Outlook slot) ends as soon as the body
    // is read. Whole reads share one memory budget per process; a message beyond the limit, or
    // arriving when the budget is spent, streams instead and is never held whole.
    const wholeLimit = this.options.wholeMessageLimit ?? 4 * 1024 * 1024;
    const chunks = mime[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head: Buffer[] = [];
    let ended = false;
    let reserved = 0;
    try {
      while (seen.rawSize < wholeLimit) {
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          break;
        }
        seen.observe(next.value);
        head.push(next.value);
        if (!this.buffers.take(next.value.length)) break;
        reserved += next.value.length;
      }
    } catch (error) {
      this.buffers.give(reserved);
      mime.destroy();
      throw error;
    }
    try {
      const onCreate = protectionOnCreate(this.options.immutability, protection);
      return ended ? await this.storeWhole(head, seen, onCreate) : await this.storeStreamed(head, chunks, seen, mime, onCreate);
    } finally {
      this.buffers.give(reserved);
    }
  }

  /** A message read whole: compressed in one call and written straight to its content address. */
  private async storeWhole(head: Buffer[], seen: SeenMime, onCreate: CreateProtection): Promise<StoredContent> {
    const raw = Buffer.concat(head, seen.rawSize);
    // One output buffer for the whole result: zlib's default 16 KiB chunks cost twice the CPU
    // (a thread-pool round trip per chunk). Brotli output is at most a little over its input.
    const options = {
      chunkSize: raw.length + 64 * 1024,
      params: { [zlibConstants.BROTLI_PARAM_QUALITY]: QUALITY, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    };
    // Typical mail is compressed on the calling thread. On the thread pool each call's encoder
    // memory comes fresh from the kernel (glibc gives each pool thread its own arena and trims it
    // on free): measured on Node 20 / glibc 2.36, a 180 KB message cost 3.3-4.6 ms of CPU and ~220
    // page faults there, against 0.7-1.0 ms and ~20 faults here. Up to SYNC_COMPRESS_LIMIT that
    // blocks the event loop for at most ~4 ms; beyond, the pool's overhead is small beside the work.
    const compressed = raw.length <= SYNC_COMPRESS_LIMIT ? brotliCompressSync(raw, options) : await brotli(raw, options);
    const contentHash = seen.hash.digest('hex');
    const blobName = contentBlobName(contentHash);
    let created = true;
    try {
      await this.content.getBlockBlobClient(blobName).uploadData(compressed, {
        conditions: { ifNoneMatch: '*' },
        metadata: { sha256: contentHash, rawsize: String(seen.rawSize) },
        tags: this.storedTag(),
        blobHTTPHeaders: { blobContentType: 'message/rfc822', blobContentEncoding: CONTENT_ENCODING },
        ...onCreate,
      });
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
      created = false;
    }
    return { contentHash, blobName, rawSize: seen.rawSize, compressedSize: compressed.length, created, attachmentNames: seen.scanner.finish() };
  }

  /** Larger: streamed to a staging blob, then copied server-side to the address known at the end. */
  private async storeStreamed(head: Buffer[], chunks: AsyncIterator<Buffer>, seen: SeenMime, mime: Readable, onCreate: CreateProtection): Promise<StoredContent> {
    let compressedSize = 0;
    const rest = Readable.from((async function* () {
      yield* head.splice(0);
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        seen.observe(next.value);
        yield next.value;
      }
    })());
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        compressedSize += chunk.length;
        done(null, chunk);
      },
    });
    const compressed = rest.pipe(compressor()).on('error', (e) => count.destroy(e)).pipe(count);
    rest.on('error', (e) => count.destroy(e));
    const stagingName = `staging/${new Date().toISOString().slice(0, 10)}/${randomUUID()}`;
    const stagingBlob = this.staging.getBlockBlobClient(stagingName);
    const blockSize = this.options.blockSize ?? 4 * 1024 * 1024;
    try {
      await stagingBlob.uploadStream(compressed, blockSize, this.options.uploadConcurrency ?? 2, {
        blobHTTPHeaders: { blobContentType: 'message/rfc822', blobContentEncoding: CONTENT_ENCODING },
      });
      await finished(compressed);
    } catch (error) {
      mime.destroy();
      await stagingBlob.deleteIfExists().catch(() => undefined);
      throw error;
    }
    const contentHash = seen.hash.digest('hex');
    const blobName = contentBlobName(contentHash);
    const target = this.content.getBlockBlobClient(blobName);
    let created = true;
    try {
      const poller = await target.beginCopyFromURL(stagingBlob.url, {
        conditions: { ifNoneMatch: '*' },
        metadata: { sha256: contentHash, rawsize: String(seen.rawSize) },
        tags: this.storedTag(),
        ...onCreate,
      });
      await poller.pollUntilDone();
    } catch (error) {
      if (!isAlreadyThere(error)) {
        await stagingBlob.deleteIfExists().catch(() => undefined);
        throw error;
      }
      created = false;
    }
    await stagingBlob.deleteIfExists();
    return { contentHash, blobName, rawSize: seen.rawSize, compressedSize, created, attachmentNames: seen.scanner.finish() };
  }

  async exists(contentHash: string): Promise<boolean> {
    await this.ensure();
    return this.content.getBlobClient(contentBlobName(contentHash)).exists();
  }

  async open(contentHash: string): Promise<Readable> {
    const download = await this.content
      .getBlobClient(contentBlobName(contentHash))
      .download()
      .catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode === 404) throw new ContentMissing(contentHash);
        throw error;
      });
    const body = download.readableStreamBody as Readable;
    const rawSize = Number(download.metadata?.rawsize);
    // Typical mail is decompressed in one call on the calling thread, for the reason given in
    // storeWhole (the stream costs about 3 times the CPU at these sizes). The output may not exceed
    // the raw size recorded at capture: a damaged or forged blob cannot balloon in memory.
    if (Number.isSafeInteger(rawSize) && rawSize > 0 && rawSize <= SYNC_COMPRESS_LIMIT && (download.contentLength ?? Infinity) <= SYNC_COMPRESS_LIMIT) {
      return Readable.from(decompressWhole(body, rawSize));
    }
    const decoder = createBrotliDecompress();
    body.on('error', (e) => decoder.destroy(e));
    return body.pipe(decoder);
  }

  async *list(): AsyncIterable<{ contentHash: string; lastModified: Date }> {
    await this.ensure();
    for await (const blob of this.content.listBlobsFlat({ prefix: 'sha256/' })) {
      const contentHash = hashOfContentBlob(blob.name);
      if (contentHash) yield { contentHash, lastModified: blob.properties.lastModified };
    }
  }

  private storedTag(): Record<string, string> {
    return { [STORED_TAG]: (this.options.now?.() ?? new Date()).toISOString() };
  }

  async *listStoredBetween(from: Date, to: Date): AsyncIterable<string> {
    await this.ensure();
    const where = `"${STORED_TAG}" >= '${from.toISOString()}' AND "${STORED_TAG}" < '${to.toISOString()}'`;
    for await (const blob of this.content.findBlobsByTags(where)) {
      const contentHash = hashOfContentBlob(blob.name);
      if (contentHash) yield contentHash;
    }
  }

  async delete(contentHash: string): Promise<boolean> {
    try {
      await deleteEveryVersion(this.content, contentBlobName(contentHash), this.options.immutability);
      return true;
    } catch (error) {
      if (isProtectedFromDeletion(error)) return false;
      throw error;
    }
  }

  async *listStaging(olderThan: Date): AsyncIterable<string> {
    await this.ensure();
    for await (const blob of this.staging.listBlobsFlat({ prefix: 'staging/' })) {
      if (blob.properties.lastModified < olderThan) yield blob.name;
    }
  }

  async deleteStaging(name: string): Promise<void> {
    await this.staging.getBlobClient(name).deleteIfExists();
  }

  /**
   * Azure: extends existing content's version-level retention policy (never shortens it) and sets
   * its legal hold when asked; content this store creates got both when it was written. Needs a
   * container with version-level immutability support (docs/decisions/0004). Off locally: Azurite
   * answers 501 Not Implemented.
   */
  async protect(contentHash: string, protection: ContentProtection): Promise<void> {
    if (this.options.immutability === 'off') return;
    const blob = this.content.getBlobClient(contentBlobName(contentHash));
    if (protection.until) await extendRetention(blob, protection.until, this.options.immutability);
    if (protection.legalHold) await blob.setLegalHold(true);
  }
}

type CreateProtection = ReturnType<typeof protectionOnCreate>;

const CONTENT_ENCODING = 'br';

/**
 * Blob index tag with the time a content blob was written (ISO 8601, which sorts as text): the
 * orphan sweep finds the blobs written since its last pass by tag, instead of listing them all.
 */
const STORED_TAG = 'stored';

/**
 * Brotli at quality 1: mail is mostly base64 attachments that are already compressed (PDF, Office,
 * images), which no codec shrinks below about 3/4 (base64's 6 bits per character). There Brotli q1
 * matches gzip -1's ratio at about 5 times its speed, and on text bodies it compresses better;
 * compression was the largest CPU cost of capture (docs/decisions/0004, bench:archive).
 */
const QUALITY = 1;
const brotli = promisify(brotliCompress);
/** Raw size up to which a whole message is compressed (and read back) on the calling thread (see storeWhole). */
const SYNC_COMPRESS_LIMIT = 1024 * 1024;

async function* decompressWhole(body: Readable, rawSize: number): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  yield brotliDecompressSync(Buffer.concat(chunks), { maxOutputLength: rawSize });
}

function compressor(): Transform {
  return createBrotliCompress({ chunkSize: 256 * 1024, params: { [zlibConstants.BROTLI_PARAM_QUALITY]: QUALITY } });
}

/** What capture learns from the raw MIME as it passes: its hash, size and attachment names. */
class SeenMime {
  readonly hash: Hash = createHash('sha256');
  readonly scanner = new AttachmentNameScanner();
  rawSize = 0;
  observe(chunk: Buffer): void {
    this.hash.update(chunk);
    this.scanner.push(chunk);
    this.rawSize += chunk.length;
  }
}

/** Bytes that may be held at once, taken and given back by whole reads. */
class ByteBudget {
  constructor(private free: number) {}
  take(bytes: number): boolean {
    if (bytes > this.free) return false;
    this.free -= bytes;
    return true;
  }
  give(bytes: number): void {
    this.free += bytes;
  }
}

function isAlreadyThere(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 409 || e.statusCode === 412 || e.code === 'BlobAlreadyExists' || e.code === 'ConditionNotMet';
}
