import type { Readable } from 'node:stream';
import type { AttachmentStream, MessageText } from 'mailparser';
import { isShownInline, safeAttachmentName, type PartFacts } from '../attachment-name';
import { detectFormat } from './formats';
import { DEFAULT_EXTRACTION_LIMITS, type AttachmentText, type ExtractedMessage, type ExtractionLimits, type NotIndexedReason, type PartResult, type PartTask } from './model';
import { ExtractionPool, type ExtractionPoolOptions } from './pool';

/**
 * A stored message (raw MIME, as archived) to text for the search index: body, each attachment's
 * text, and what could not be extracted with why. The MIME is split here with mailparser (streamed,
 * with its own limits of 1,000 parts and 1 MB of header); every conversion of content (HTML, PDF,
 * Office, OpenDocument, RTF, text in its charset) runs in the worker pool under the limits, so the
 * caller's thread only counts bytes. A nested message (message/rfc822) is split the same way, to
 * `maxDepth`; its text (headers, body, attachments) is the text of that attachment. Pure: no Azure.
 */
export async function extractMessageText(eml: Uint8Array | Readable, limits: Partial<ExtractionLimits> = {}, pool: ExtractionPool = sharedPool()): Promise<ExtractedMessage> {
  const all: ExtractionLimits = { ...DEFAULT_EXTRACTION_LIMITS, ...limits };
  const budget: Budget = { attachments: 0, bytes: 0, chars: all.maxMessageChars, deadline: Date.now() + all.messageTimeoutMs };
  const level = await extractLevel(eml, all, pool, budget, 0, '');
  return { body: level.body, attachments: level.attachments, notIndexed: level.notIndexed };
}

let pool: ExtractionPool | undefined;

/**
 * The process's pool, started on first use with the options of that first call (the app passes
 * `settings.archive.extraction.pool`); its idle workers do not keep the process alive.
 */
export function sharedPool(options?: ExtractionPoolOptions): ExtractionPool {
  pool ??= new ExtractionPool(options);
  return pool;
}

interface Budget {
  attachments: number;
  bytes: number;
  /** Characters left for the whole message. */
  chars: number;
  /** When the message's time is up (Date.now() scale). */
  deadline: number;
}

interface Level {
  headers: string;
  body: string;
  attachments: AttachmentText[];
  notIndexed: ExtractedMessage['notIndexed'];
}

interface SplitPart {
  /** The reader's download index (inline images counted). */
  index: number;
  facts: PartFacts;
  name: string;
  charset: string | undefined;
  size: number;
  /** Undefined when the part was beyond a byte limit (then only counted). */
  bytes: Uint8Array | undefined;
  reason?: NotIndexedReason;
}

async function extractLevel(eml: Uint8Array | Readable, limits: ExtractionLimits, pool: ExtractionPool, budget: Budget, depth: number, prefix: string): Promise<Level> {
  const level: Level = { headers: '', body: '', attachments: [], notIndexed: [] };
  const at = (name: string) => (prefix ? `${prefix} > ${name}` : name);
  let split: Awaited<ReturnType<typeof splitMessage>>;
  try {
    split = await splitMessage(eml, limits, budget);
  } catch (error) {
    // The stored message could not be read (storage, network): not the message's fault, the caller retries.
    if (error instanceof SourceError) throw error.cause;
    // Beyond mailparser's limits (EMAXLEN), or not MIME at all: the message's .eml is the way to it.
    level.notIndexed.push({ part: at('message'), reason: (error as { code?: string }).code === 'EMAXLEN' ? 'too_large' : 'malformed' });
    return level;
  }
  level.headers = split.headers;
  // The per-message character budget is charged once, by the top message (a nested message's text
  // is charged as the text of its attachment): body first, then attachments in order.
  const chars = (text: string) => {
    if (depth > 0) return { text, cut: false };
    const kept = text.slice(0, Math.max(0, budget.chars));
    budget.chars -= kept.length;
    return { text: kept, cut: kept.length < text.length };
  };

  // The body: the text part as it is (mailparser decoded its charset), else the HTML part as text.
  let body: Promise<PartResult> | undefined;
  if (split.text?.trim()) body = Promise.resolve({ ok: true, text: split.text.slice(0, limits.maxChars), truncated: split.text.length > limits.maxChars });
  else if (split.html) body = pool.run(task('html', Buffer.from(split.html, 'utf8'), 'utf-8', limits), limits.timeoutMs, budget.deadline);

  const attachments = split.parts.map(async (part): Promise<AttachmentText> => {
    const entry: AttachmentText = { name: part.name, contentType: part.facts.contentType, size: part.size, text: '', status: 'not_indexed' };
    if (!part.bytes) return { ...entry, reason: part.reason ?? 'too_large' };
    const detected = detectFormat(part.name, part.facts.contentType, part.bytes);
    if ('reason' in detected) return { ...entry, reason: detected.reason };
    if (detected.format === 'message') {
      if (depth + 1 > limits.maxDepth) return { ...entry, reason: 'too_deep' };
      const inner = await extractLevel(part.bytes, limits, pool, budget, depth + 1, at(part.name));
      // Not MIME at all, or beyond the parser's limits: the attachment itself is not indexed.
      const unreadable = inner.notIndexed.find((n) => n.part === `${at(part.name)} > message`);
      if (unreadable) return { ...entry, reason: unreadable.reason };
      level.notIndexed.push(...inner.notIndexed);
      const text = [inner.headers, inner.body, ...inner.attachments.filter((a) => a.text).map((a) => `${a.name}\n${a.text}`)].filter(Boolean).join('\n\n');
      return { ...entry, text, status: 'indexed' };
    }
    const result = await pool.run(task(detected.format, part.bytes, part.charset, limits), limits.timeoutMs, budget.deadline);
    return result.ok ? { ...entry, text: result.text, status: 'indexed', ...(result.truncated ? { truncated: true } : {}) } : { ...entry, reason: result.reason };
  });

  // Together: should one reject (a worker that cannot start), none is left rejecting unobserved.
  const [bodyResult, done] = await Promise.all([body, Promise.all(attachments)]);
  if (bodyResult?.ok) {
    const kept = chars(bodyResult.text.trim());
    level.body = kept.text;
  } else if (bodyResult) {
    level.notIndexed.push({ part: at('body'), reason: bodyResult.reason });
  }
  for (const attachment of done) {
    if (attachment.status === 'indexed') {
      const kept = chars(attachment.text);
      attachment.text = kept.text;
      if (kept.cut) attachment.truncated = true;
    } else {
      level.notIndexed.push({ part: at(attachment.name), reason: attachment.reason! });
    }
    level.attachments.push(attachment);
  }
  return level;
}

function task(format: PartTask['format'], bytes: Uint8Array, charset: string | undefined, limits: ExtractionLimits): PartTask {
  return { format, bytes, ...(charset ? { charset } : {}), limits: { maxChars: limits.maxChars, maxZipEntries: limits.maxZipEntries, maxZipUncompressedBytes: limits.maxZipUncompressedBytes, maxZipRatio: limits.maxZipRatio } };
}

/**
 * mailparser's view of one message: top headers (for a nested message's text), the body text and
 * HTML, and the attachments in the reader's order with their bytes, each copied into a buffer of
 * its own (it is handed to a worker) and only while within the byte limits.
 */
function splitMessage(eml: Uint8Array | Readable, limits: ExtractionLimits, budget: Budget): Promise<{ headers: string; text: string | undefined; html: string | undefined; parts: SplitPart[] }> {
  const { MailParser } = require('mailparser') as typeof import('mailparser');
  // No conversion here (skipHtmlToText, skipTextToHtml): the HTML goes to a worker.
  const parser = new MailParser({ skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true });
  const parts: SplitPart[] = [];
  let headers = '';
  let text: string | undefined;
  let html: string | undefined;
  let index = 0;
  const pending: Promise<void>[] = [];
  return new Promise((resolve, fail) => {
    const reject = (error: unknown) => {
      // On failure the source stops too (nothing would read the rest).
      if (!(eml instanceof Uint8Array)) {
        eml.unpipe(parser);
        eml.destroy();
      }
      fail(error);
    };
    parser.on('error', reject);
    parser.on('headers', (parsed: Map<string, unknown>) => {
      const value = (name: string) => {
        const v = parsed.get(name) as { text?: string } | string | undefined;
        return typeof v === 'string' ? v : (v?.text ?? '');
      };
      headers = [value('subject'), value('from'), value('to'), value('cc')].filter(Boolean).join('\n');
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type !== 'attachment') {
        text = data.text || undefined;
        html = typeof data.html === 'string' ? data.html : undefined;
        return;
      }
      const i = index++;
      const done = collect(data, i, limits, budget).then(
        (part) => {
          if (part) parts.push(part);
        },
        (error: unknown) => reject(error),
      );
      pending.push(done.finally(() => data.release?.()));
    });
    parser.on('end', () => {
      void Promise.all(pending).then(() => resolve({ headers, text, html, parts: parts.sort((a, b) => a.index - b.index) }));
    });
    if (eml instanceof Uint8Array) {
      parser.end(Buffer.from(eml.buffer, eml.byteOffset, eml.byteLength));
    } else {
      // A stream (ContentStore.open): the message is never held whole, only the parts within the limits.
      eml.on('error', (error) => reject(new SourceError(error)));
      eml.pipe(parser);
    }
  });
}

/** The source stream failed: rethrown as it is, never recorded against the message. */
class SourceError extends Error {
  constructor(override readonly cause: unknown) {
    super('message source failed');
  }
}

async function collect(attachment: AttachmentStream, index: number, limits: ExtractionLimits, budget: Budget): Promise<SplitPart | undefined> {
  // The declared type, as the archive's index and reader name parts (mailparser guesses from the
  // file name instead of application/octet-stream).
  const declared = attachment.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const facts: PartFacts = {
    contentType: (declared?.value ?? attachment.contentType ?? 'text/plain').toLowerCase(),
    disposition: attachment.contentDisposition?.toLowerCase() || undefined,
    hasContentId: Boolean(attachment.contentId),
  };
  const shownInline = isShownInline(facts);
  const chunks: Buffer[] = [];
  let size = 0;
  let reason: NotIndexedReason | undefined = budget.attachments >= limits.maxAttachments ? 'too_large' : undefined;
  if (!shownInline && reason === undefined) budget.attachments++;
  for await (const chunk of attachment.content) {
    size += (chunk as Buffer).length;
    if (shownInline || reason) continue;
    if (size > limits.maxAttachmentBytes || budget.bytes + size > limits.maxMessageBytes) {
      // Beyond a limit: counted to the end, never held.
      reason = 'too_large';
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk as Buffer);
  }
  if (shownInline) return undefined;
  const name = safeAttachmentName(attachment.filename ?? '', facts.contentType, index);
  if (reason) return { index, facts, name, charset: declared?.params?.charset, size, bytes: undefined, reason };
  budget.bytes += size;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { index, facts, name, charset: declared?.params?.charset, size, bytes };
}
