import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createBrotliCompress, createBrotliDecompress } from 'node:zlib';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { AttachmentNameScanner } from './attachment-names';
import { CONTAINERS, contentBlobName, hashOfContentBlob } from './model';
import type { ContentStore, StoredContent } from './ports';

export type ImmutabilityMode = 'off' | 'unlocked' | 'locked';

export interface BlobContentStoreOptions {
  /** Version-level WORM policy on stored content (Azure only; Azurite answers 501). */
  immutability: ImmutabilityMode;
  /** Block size of streamed uploads; memory per upload is about blockSize x (concurrency + 1). */
  blockSize?: number;
  uploadConcurrency?: number;
}

/**
 * Blob Storage adapter of ContentStore. The hash is known only once the whole message has passed,
 * so a message is streamed (hashed and Brotli-compressed on the way) to a staging blob with a random
 * name, then copied server-side to its content address with If-None-Match: * (never overwriting),
 * and the staging blob is deleted. A crash leaves at most a staging blob (swept later) or a content
 * blob without an entry (its page is redone; the orphan sweep handles the rest). Never buffered
 * whole: memory is a few upload blocks.
 */
export class BlobContentStore implements ContentStore {
  private readonly content: ContainerClient;
  private readonly staging: ContainerClient;
  private ensured: Promise<void> | undefined;

  constructor(service: BlobServiceClient, private readonly options: BlobContentStoreOptions) {
    this.content = service.getContainerClient(CONTAINERS.content);
    this.staging = service.getContainerClient(CONTAINERS.staging);
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

  async store(mime: Readable): Promise<StoredContent> {
    await this.ensure();
    const hash = createHash('sha256');
    const scanner = new AttachmentNameScanner();
    let rawSize = 0;
    let compressedSize = 0;
    const observe = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        scanner.push(chunk);
        rawSize += chunk.length;
        done(null, chunk);
      },
    });
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        compressedSize += chunk.length;
        done(null, chunk);
      },
    });
    const blockSize = this.options.blockSize ?? 4 * 1024 * 1024;
    const compressed = pipelineToReader(mime, observe, compressor(), count);
    // Most messages fit in one upload block: then they are written straight to their address
    // (one conditional Put Blob, the same memory an upload block takes anyway).
    const head = await compressed.readUpTo(blockSize);
    if (head.ended) {
      const contentHash = hash.digest('hex');
      const blobName = contentBlobName(contentHash);
      let created = true;
      try {
        await this.content.getBlockBlobClient(blobName).uploadData(head.data, {
          conditions: { ifNoneMatch: '*' },
          metadata: { sha256: contentHash, rawsize: String(rawSize) },
          blobHTTPHeaders: { blobContentType: 'message/rfc822', blobContentEncoding: CONTENT_ENCODING },
        });
      } catch (error) {
        if (!isAlreadyThere(error)) throw error;
        created = false;
      }
      return { contentHash, blobName, rawSize, compressedSize, created, attachmentNames: scanner.finish() };
    }
    // Larger: stream to a staging blob, then copy server-side to the address known at the end.
    const stagingName = `staging/${new Date().toISOString().slice(0, 10)}/${randomUUID()}`;
    const stagingBlob = this.staging.getBlockBlobClient(stagingName);
    try {
      await stagingBlob.uploadStream(compressed.rest(head.data), blockSize, this.options.uploadConcurrency ?? 2, {
        blobHTTPHeaders: { blobContentType: 'message/rfc822', blobContentEncoding: CONTENT_ENCODING },
      });
      await compressed.done;
    } catch (error) {
      mime.destroy();
      await stagingBlob.deleteIfExists().catch(() => undefined);
      throw error;
    }
    const contentHash = hash.digest('hex');
    const blobName = contentBlobName(contentHash);
    const target = this.content.getBlockBlobClient(blobName);
    let created = true;
    try {
      const poller = await target.beginCopyFromURL(stagingBlob.url, {
        conditions: { ifNoneMatch: '*' },
        metadata: { sha256: contentHash, rawsize: String(rawSize) },
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
    return { contentHash, blobName, rawSize, compressedSize, created, attachmentNames: scanner.finish() };
  }

  async exists(contentHash: string): Promise<boolean> {
    await this.ensure();
    return this.content.getBlobClient(contentBlobName(contentHash)).exists();
  }

  async open(contentHash: string): Promise<Readable> {
    const download = await this.content.getBlobClient(contentBlobName(contentHash)).download();
    const decoder = createBrotliDecompress();
    const body = download.readableStreamBody as Readable;
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

  async delete(contentHash: string): Promise<void> {
    await this.content.getBlobClient(contentBlobName(contentHash)).deleteIfExists();
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
   * Azure: a version-level time-based retention policy on the content blob, extended (never
   * shortened) to `until`. Needs a container with version-level immutability support (see
   * docs/decisions/0004). Off locally: Azurite answers 501 Not Implemented.
   */
  async protectUntil(contentHash: string, until: Date): Promise<void> {
    if (this.options.immutability === 'off') return;
    const blob = this.content.getBlobClient(contentBlobName(contentHash));
    const properties = await blob.getProperties();
    const current = properties.immutabilityPolicyExpiresOn;
    if (current && current >= until) return;
    await blob.setImmutabilityPolicy({ expiriesOn: until, policyMode: this.options.immutability === 'locked' ? 'Locked' : 'Unlocked' });
  }
}

const CONTENT_ENCODING = 'br';

/**
 * Brotli at quality 1: mail is mostly base64 attachments that are already compressed (PDF, Office,
 * images), which no codec shrinks below about 3/4 (base64's 6 bits per character). There Brotli q1
 * matches gzip -1's ratio at about 5 times its speed, and on text bodies it compresses better;
 * compression was the largest CPU cost of capture (docs/decisions/0004, bench:archive).
 */
function compressor(): Transform {
  return createBrotliCompress({ chunkSize: 64 * 1024, params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } });
}

/**
 * Runs the transform pipeline and lets the caller read its output: first up to `limit` bytes
 * (to decide between a direct write and a staged one), then the rest as a stream.
 */
function pipelineToReader(source: Readable, ...stages: Transform[]) {
  const last = stages[stages.length - 1]!;
  const done = pipeline(source, ...(stages as [Transform])).then(() => undefined);
  done.catch(() => undefined); // observed through readUpTo / rest
  const iterator = last[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return {
    done,
    async readUpTo(limit: number): Promise<{ data: Buffer; ended: boolean }> {
      const chunks: Buffer[] = [];
      let size = 0;
      while (size < limit) {
        const { value, done: finished } = await iterator.next();
        if (finished) {
          await done;
          return { data: Buffer.concat(chunks), ended: true };
        }
        chunks.push(value);
        size += value.length;
      }
      return { data: Buffer.concat(chunks), ended: false };
    },
    rest(head: Buffer): Readable {
      return Readable.from((async function* () {
        yield head;
        for (;;) {
          const { value, done: finished } = await iterator.next();
          if (finished) return;
          yield value;
        }
      })());
    },
  };
}

function isAlreadyThere(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 409 || e.statusCode === 412 || e.code === 'BlobAlreadyExists' || e.code === 'ConditionNotMet';
}
