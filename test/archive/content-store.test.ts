import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobContentStore } from '../../shared/archive/adapters/content-store';
import { CONTAINERS, contentBlobName } from '../../shared/archive/model';
import { startStorageRecorder, type StorageRecorder } from '../support/storage-recorder';

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

/**
 * The Azure path of protection (ARCHIVE_IMMUTABILITY=unlocked/locked), through a recorder in front
 * of Azurite: Azurite accepts the policy and legal hold headers on the request that creates a blob
 * but keeps neither, and answers 501 to the separate calls, so the test checks what the SDK sent.
 */
describe('content protection in Azure (immutability on)', () => {
  const YEAR = 365 * 86_400_000;
  const contentPath = (hash: string) => `/${CONTAINERS.content}/${contentBlobName(hash)}`;
  /** Requests to one content blob, by what they do. */
  const toBlob = (recorder: StorageRecorder, hash: string) => recorder.requests.filter((r) => new URL(r.path, 'http://x').pathname.endsWith(contentPath(hash)));

  it('gives new content its retention policy and legal hold in the request that creates it, whole or streamed', async () => {
    const recorder = await startStorageRecorder(inject('azurite').connectionString);
    try {
      const service = BlobServiceClient.fromConnectionString(recorder.connectionString);
      const until = new Date(Math.floor((Date.now() + 7 * YEAR) / 1000) * 1000);
      for (const [mode, size] of [['unlocked', 100 * 1024], ['locked', 400 * 1024]] as const) {
        const store = new BlobContentStore(service, { immutability: mode, wholeMessageLimit: 256 * 1024, blockSize: 64 * 1024 });
        const stored = await store.store(asStream(mime(size)), { until, legalHold: true });
        expect(stored.created).toBe(true);
        const requests = toBlob(recorder, stored.contentHash);
        // One request: a Put Blob (whole) or a Copy Blob from staging (streamed), nothing after it.
        expect(requests.map((r) => r.method)).toEqual(['PUT']);
        const [create] = requests;
        expect(Boolean(create!.headers['x-ms-copy-source'])).toBe(size > 256 * 1024);
        expect(create!.headers).toMatchObject({
          'if-none-match': '*',
          'x-ms-immutability-policy-until-date': until.toUTCString(),
          'x-ms-immutability-policy-mode': mode === 'locked' ? 'Locked' : 'Unlocked',
          'x-ms-legal-hold': 'true',
        });
      }
    } finally {
      await recorder.stop();
    }
  });

  it('sets no policy when the retention date has already passed, and no legal hold unless asked', async () => {
    const recorder = await startStorageRecorder(inject('azurite').connectionString);
    try {
      const store = new BlobContentStore(BlobServiceClient.fromConnectionString(recorder.connectionString), { immutability: 'unlocked' });
      const old = await store.store(asStream(mime(50 * 1024)), { until: new Date(Date.now() - YEAR), legalHold: false });
      const [create] = toBlob(recorder, old.contentHash);
      expect(create!.method).toBe('PUT');
      expect(Object.keys(create!.headers).filter((h) => h.startsWith('x-ms-immutability') || h === 'x-ms-legal-hold')).toEqual([]);
      // With immutability off (local), neither is ever asked of storage.
      const local = new BlobContentStore(BlobServiceClient.fromConnectionString(recorder.connectionString), { immutability: 'off' });
      const stored = await local.store(asStream(mime(50 * 1024)), { until: new Date(Date.now() + YEAR), legalHold: true });
      expect(Object.keys(toBlob(recorder, stored.contentHash)[0]!.headers).filter((h) => h.startsWith('x-ms-immutability') || h === 'x-ms-legal-hold')).toEqual([]);
      await local.protect(stored.contentHash, { until: new Date(Date.now() + YEAR), legalHold: true });
      expect(toBlob(recorder, stored.contentHash)).toHaveLength(1);
    } finally {
      await recorder.stop();
    }
  });

  it('extends content that was already there with separate calls (Azure answers them; Azurite cannot)', async () => {
    // Azure's answer to the two calls Azurite does not implement; the rest reaches Azurite.
    const recorder = await startStorageRecorder(inject('azurite').connectionString, (r) => (/[?&]comp=(immutabilityPolicies|legalhold)\b/.test(r.path) ? { status: 200 } : undefined));
    try {
      const store = new BlobContentStore(BlobServiceClient.fromConnectionString(recorder.connectionString), { immutability: 'unlocked' });
      const message = mime(60 * 1024);
      const first = await store.store(asStream(message), { until: null, legalHold: false });
      const until = new Date(Math.floor((Date.now() + 10 * YEAR) / 1000) * 1000);
      const again = await store.store(asStream(message), { until, legalHold: true });
      // The second create is refused (If-None-Match: *), so nothing it carried applies: protect() does.
      expect(again).toMatchObject({ contentHash: first.contentHash, created: false });
      const before = toBlob(recorder, first.contentHash).length;
      await store.protect(first.contentHash, { until, legalHold: true });
      const calls = toBlob(recorder, first.contentHash).slice(before);
      expect(calls.map((r) => `${r.method} ${new URL(r.path, 'http://x').searchParams.get('comp') ?? ''}`)).toEqual(['HEAD ', 'PUT immutabilityPolicies', 'PUT legalhold']);
      expect(calls[1]!.headers).toMatchObject({ 'x-ms-immutability-policy-until-date': until.toUTCString(), 'x-ms-immutability-policy-mode': 'Unlocked' });
      expect(calls[2]!.headers).toMatchObject({ 'x-ms-legal-hold': 'true' });
    } finally {
      await recorder.stop();
    }
  });
});
