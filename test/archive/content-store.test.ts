import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobContentStore } from '../../shared/archive/content-store';
import { CONTAINERS, contentBlobName } from '../../shared/archive/model';

const blobs = () => BlobServiceClient.fromConnectionString(inject('azurite').connectionString);

function mime(bytes: number): Buffer {
  const body = randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').replace(/(.{76})/g, '$1\r\n');
  return Buffer.from(`Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Disposition: attachment; filename="rapport.pdf"\r\n\r\n${body}\r\n--b--\r\n`);
}

/** As Graph's $value arrives: chunks of 16 KiB. */
function asStream(message: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < message.length; i += 16 * 1024) chunks.push(message.subarray(i, i + 16 * 1024));
  return Readable.from(chunks);
}

/** A streamed message reaches its address by a server-side copy from staging; a whole one by one Put Blob. */
async function copiedFromStaging(hash: string): Promise<boolean> {
  const properties = await blobs().getContainerClient(CONTAINERS.content).getBlobClient(contentBlobName(hash)).getProperties();
  return properties.copyStatus === 'success';
}

async function stagingCount(): Promise<number> {
  let n = 0;
  for await (const blob of blobs().getContainerClient(CONTAINERS.staging).listBlobsFlat({ prefix: 'staging/' })) if (blob.name) n++;
  return n;
}

async function readBack(store: BlobContentStore, hash: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.open(hash)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('content store', () => {
  it('writes a message read whole straight to its address, Brotli-compressed, once', async () => {
    const store = new BlobContentStore(blobs(), { immutability: 'off' });
    const message = mime(300 * 1024);
    const first = await store.store(asStream(message));
    expect(first).toMatchObject({ contentHash: createHash('sha256').update(message).digest('hex'), rawSize: message.length, created: true, attachmentNames: ['rapport.pdf'] });
    expect(first.compressedSize).toBeLessThan(message.length);
    const blob = blobs().getContainerClient(CONTAINERS.content).getBlobClient(contentBlobName(first.contentHash));
    expect((await blob.getProperties()).contentEncoding).toBe('br');
    expect(await copiedFromStaging(first.contentHash)).toBe(false);
    expect(brotliDecompressSync(await blob.downloadToBuffer()).equals(message)).toBe(true);
    // The same MIME again (a retry, another mailbox): nothing new is written.
    expect(await store.store(asStream(message))).toMatchObject({ contentHash: first.contentHash, created: false });
    expect((await readBack(store, first.contentHash)).equals(message)).toBe(true);
  });

  it('reads typical mail back in one piece, never beyond the raw size recorded at capture', async () => {
    const store = new BlobContentStore(blobs(), { immutability: 'off' });
    const message = mime(200 * 1024);
    const stored = await store.store(asStream(message));
    const chunks: Buffer[] = [];
    for await (const chunk of await store.open(stored.contentHash)) chunks.push(chunk as Buffer);
    expect(chunks).toHaveLength(1);
    expect(Buffer.concat(chunks).equals(message)).toBe(true);
    // A blob that decodes to more than its recorded size (damaged or forged) fails the read instead.
    const blob = blobs().getContainerClient(CONTAINERS.content).getBlobClient(contentBlobName(stored.contentHash));
    await blob.setMetadata({ sha256: stored.contentHash, rawsize: '1000' });
    await expect(readBack(store, stored.contentHash)).rejects.toThrow(/larger than|too large|maxOutputLength/i);
  });

  it('writes a larger message read whole (compressed off the event loop) the same way', async () => {
    const store = new BlobContentStore(blobs(), { immutability: 'off' });
    // Above 1 MiB a whole message is compressed on the thread pool rather than the calling thread.
    const message = mime(2 * 1024 * 1024);
    const stored = await store.store(asStream(message));
    expect(stored).toMatchObject({ contentHash: createHash('sha256').update(message).digest('hex'), rawSize: message.length, created: true });
    expect(stored.compressedSize).toBeLessThan(message.length);
    expect(await copiedFromStaging(stored.contentHash)).toBe(false);
    expect((await readBack(store, stored.contentHash)).equals(message)).toBe(true);
  });

  it('streams a message beyond the whole-read limit, or when the memory budget is spent, with the same result', async () => {
    const small = new BlobContentStore(blobs(), { immutability: 'off', wholeMessageLimit: 64 * 1024, blockSize: 128 * 1024 });
    const spent = new BlobContentStore(blobs(), { immutability: 'off', wholeMessageMemory: 32 * 1024, blockSize: 128 * 1024 });
    for (const store of [small, spent]) {
      const message = mime(700 * 1024);
      const before = await stagingCount();
      const stored = await store.store(asStream(message));
      expect(stored).toMatchObject({ contentHash: createHash('sha256').update(message).digest('hex'), rawSize: message.length, created: true, attachmentNames: ['rapport.pdf'] });
      expect((await readBack(store, stored.contentHash)).equals(message)).toBe(true);
      expect(await copiedFromStaging(stored.contentHash)).toBe(true);
      // The staging copy is gone once the content is at its address.
      expect(await stagingCount()).toBe(before);
    }
  });

  it("fails a streamed message with the MIME stream's error, leaving no staging blob", async () => {
    const store = new BlobContentStore(blobs(), { immutability: 'off', wholeMessageLimit: 64 * 1024, blockSize: 64 * 1024 });
    const before = await stagingCount();
    const broken = Readable.from((async function* () {
      for (let i = 0; i < 12; i++) yield randomBytes(32 * 1024);
      throw new Error('connection reset');
    })());
    await expect(store.store(broken)).rejects.toThrow('connection reset');
    expect(await stagingCount()).toBe(before);
  });

  it('gives the memory budget back, also when the MIME stream fails', async () => {
    const store = new BlobContentStore(blobs(), { immutability: 'off', wholeMessageMemory: 512 * 1024 });
    const broken = Readable.from((async function* () {
      yield randomBytes(300 * 1024);
      throw new Error('connection reset');
    })());
    await expect(store.store(broken)).rejects.toThrow('connection reset');
    // Were the 300 KB still held, this one would have to stream; it is written whole.
    const stored = await store.store(asStream(mime(400 * 1024)));
    expect(stored.created).toBe(true);
    expect(await copiedFromStaging(stored.contentHash)).toBe(false);
  });
});
