import { PassThrough, Transform, type Readable } from 'node:stream';
import type { MessageEntry } from '../model';

/**
 * The export file formats: a zip of .eml files (yazl, each message opened only when the zip
 * reaches it) or an mbox (mboxrd quoting), both streamed: no message and no file is held whole.
 */
export interface ArchiveMember {
  entry: MessageEntry;
  /** Its name in the zip (emlName). */
  name: string;
}

/** The raw MIME of a content hash (ContentStore.open, shared/archive/ports.ts). */
export type OpenContent = (contentHash: string) => Promise<Readable>;

export function zipArchive(entries: AsyncIterable<ArchiveMember>, open: OpenContent): Readable {
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
        open(entry.contentHash).then(
          (s) => cb(null, s.on('error', (e) => out.destroy(e))),
          (e: unknown) => cb(e as Error, undefined as unknown as Readable),
        );
      });
    }
    zip.end();
  })().catch((e: unknown) => out.destroy(e as Error));
  return out;
}

export function mboxArchive(entries: AsyncIterable<ArchiveMember>, open: OpenContent): Readable {
  const out = new PassThrough();
  void (async () => {
    for await (const { entry } of entries) {
      if (!out.write(`From MAILER-DAEMON ${asctime(new Date(entry.receivedAt))}\n`)) await drained(out);
      const quote = new MboxrdQuote();
      const source = await open(entry.contentHash);
      // pipe() does not pass a failure on: without this, a failed message would hang the export.
      source.on('error', (e) => quote.destroy(e));
      for await (const chunk of source.pipe(quote)) {
        if (!out.write(chunk)) await drained(out);
      }
      out.write('\n');
    }
    out.end();
  })().catch((e: unknown) => out.destroy(e as Error));
  return out;
}

function drained(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => stream.once('drain', resolve));
}

export function emlName(entry: MessageEntry): string {
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
