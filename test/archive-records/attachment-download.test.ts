import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEMO_USERS } from '../../dev/token-issuer';
import * as api from '../../functions/archive/records';
import { messageRef } from '../../shared/archive/records/search-filter';
import { httpRequest, invocation } from '../support/app-env';
import { archiveEntry, buildMime, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * A large attachment is streamed from the stored message as it is parsed, never held whole: the
 * download of a 64 MB attachment grows this process's memory by far less than 64 MB, and a reader
 * that goes away stops the parse without an unhandled error.
 */
const alice = DEMO_USERS[0]!;
const SIZE = 64 * 1024 * 1024;
let stack: RecordsStack;
let ref: string;
let expectedHash: string;
let token: string;

// A full collection before the baseline, so the setup's buffers (the MIME, the attachment) do not
// hide growth by being collected during the measure.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

beforeAll(async () => {
  stack = await startRecordsStack();
  token = await stack.issuer.mintUserToken(alice);
  const bytes = randomBytes(SIZE);
  expectedHash = createHash('sha256').update(bytes).digest('hex');
  const { entry } = await archiveEntry(stack, {
    mailboxId: alice.oid,
    receivedAt: '2026-04-01T10:00:00Z',
    subject: 'Enregistrement de l’assemblée',
    mime: buildMime({ subject: 'Enregistrement', attachments: [{ filename: 'assemblée.mp4', contentType: 'video/mp4', content: bytes }] }),
  });
  ref = messageRef(entry);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function download(): Promise<Readable> {
  const response = await api.archiveAttachment(
    httpRequest({ url: 'http://localhost:7071/api/archive/messages/x/attachments/0', params: { ref, index: '0' }, headers: { authorization: `Bearer ${token}` } }),
    invocation('archiveAttachment').context,
  );
  expect(response.status ?? 200).toBe(200);
  return response.body as unknown as Readable;
}

describe('attachment download', () => {
  it('streams a 64 MB attachment without holding it in memory', async () => {
    gc();
    const base = process.memoryUsage();
    let peak = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    };
    const sampler = setInterval(sample, 5);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of await download()) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      sample();
    }
    clearInterval(sampler);
    expect(size).toBe(SIZE);
    expect(hash.digest('hex')).toBe(expectedHash);
    // Buffered, it would be at least 64 MB (plus the decoded chunks); streamed it is garbage awaiting GC.
    expect(peak / 1024 / 1024).toBeLessThan(48);
  }, 60_000);

  it('stops when the reader goes away, and serves the next download whole', async () => {
    const body = await download();
    const closed = new Promise((resolve) => body.once('close', resolve));
    for await (const chunk of body) {
      expect((chunk as Buffer).length).toBeGreaterThan(0);
      break; // leaving the loop destroys the stream, as a client disconnecting does
    }
    await closed;
    expect(body.destroyed).toBe(true);
    const hash = createHash('sha256');
    for await (const chunk of await download()) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(expectedHash);
  }, 60_000);
});
