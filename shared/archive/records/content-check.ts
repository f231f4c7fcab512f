import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { MessageEntry } from '../model';
import type { ContentStore, IntegrityRecords } from '../ports';
import type { AuditLog } from './audit';
import type { Actor } from './audit-record';
import { reportTampering } from './integrity';

/**
 * Read paths (the .eml download, the reader, exports) hash what they read and refuse content that
 * does not match the hash recorded at capture, instead of serving other bytes under the original
 * hash (docs/decisions/0015-content-checked-on-read.md). A refusal is audited and reported to the
 * integrity status at once (health fails), without waiting for the next verification pass.
 */

export type TamperKind = 'content-mismatch' | 'content-unreadable';

/** The stored content does not hash to the recorded hash (or cannot be decoded at all). */
export class ContentTampered extends Error {
  constructor(readonly contentHash: string, readonly kind: TamperKind) {
    super(kind === 'content-mismatch' ? 'The stored content does not match its recorded hash' : 'The stored content cannot be decoded');
    this.name = 'ContentTampered';
  }
}

/**
 * A decoding failure of the stored (compressed) bytes: damaged content, not a passing fault of the
 * network or of storage, so it is reported as tampering and never retried.
 */
export function isDecodeFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(Z_|ERR__ERROR_|ERR_BROTLI|ERR_BUFFER_TOO_LARGE)/.test(code);
}

/**
 * `source` passed through unchanged while it is hashed; at its end, fails with ContentTampered
 * when the bytes do not hash to `expected` (the consumer sees the error instead of the end, so a
 * parse or an export never completes on other bytes). A source that fails to decode fails with
 * ContentTampered too; any other failure passes as it is.
 */
export function hashChecked(source: Readable, expected: string): Readable {
  const hash = createHash('sha256');
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      done(hash.digest('hex') === expected ? null : new ContentTampered(expected, 'content-mismatch'));
    },
  });
  source.on('error', (error) => checked.destroy(isDecodeFailure(error) ? new ContentTampered(expected, 'content-unreadable') : error));
  // A consumer that goes away stops the download too.
  checked.on('close', () => source.destroy());
  return source.pipe(checked);
}

/** Reads the whole content once, hashing it: 'ok', or what is wrong with it. Holds one chunk at a time. */
export async function checkContent(content: ContentStore, contentHash: string): Promise<'ok' | TamperKind> {
  const stream = hashChecked(await content.open(contentHash), contentHash);
  try {
    for await (const chunk of stream) void chunk;
  } catch (error) {
    if (error instanceof ContentTampered) return error.kind;
    throw error;
  }
  return 'ok';
}

/** Reports content found tampered on a read path: audited (denied) and added to the integrity status. */
export class TamperReports {
  constructor(private readonly audit: AuditLog, private readonly verdicts: IntegrityRecords, private readonly now: () => Date = () => new Date()) {}

  async report(actor: Actor, entry: Pick<MessageEntry, 'id' | 'mailboxId' | 'contentHash' | 'capturedAt'>, kind: TamperKind): Promise<void> {
    await this.audit.record(actor, 'content-tampered', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash }, 'denied');
    await reportTampering(this.verdicts, { kind, day: entry.capturedAt.slice(0, 10), entryId: entry.id, contentHash: entry.contentHash }, this.now());
  }
}

/** A content store whose open() hash-checks what it streams (hashChecked); everything else as `inner`. */
export class HashCheckedContent implements ContentStore {
  constructor(private readonly inner: ContentStore) {}
  async open(contentHash: string): Promise<Readable> {
    return hashChecked(await this.inner.open(contentHash), contentHash);
  }
  store(...args: Parameters<ContentStore['store']>) {
    return this.inner.store(...args);
  }
  protect(...args: Parameters<ContentStore['protect']>) {
    return this.inner.protect(...args);
  }
  exists(contentHash: string) {
    return this.inner.exists(contentHash);
  }
  list() {
    return this.inner.list();
  }
  listStoredBetween(from: Date, to: Date) {
    return this.inner.listStoredBetween(from, to);
  }
  delete(contentHash: string) {
    return this.inner.delete(contentHash);
  }
  listStaging(olderThan: Date) {
    return this.inner.listStaging(olderThan);
  }
  deleteStaging(name: string) {
    return this.inner.deleteStaging(name);
  }
}
