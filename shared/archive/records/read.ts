import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AttachmentStream, MessageText } from 'mailparser';
import type { MessageEntry } from '../model';
import type { ContentStore, SearchableIndex } from '../ports';
import { parseMessageRef } from './search-filter';
import { isShownInline, safeAttachmentName, type PartFacts } from '../attachment-name';
import { decodeEncodedWords } from '../capture/attachment-names';

/**
 * Reading an archived message from its stored MIME (decompressed as it streams): headers, text and
 * sanitised HTML, the attachment list; one attachment's bytes; or the raw .eml, byte for byte.
 * mailparser streams attachments, so listing them never holds them all in memory.
 */
export interface MessageView {
  headers: {
    subject: string;
    from: string;
    to: string;
    cc: string;
    /** The sender's `Date:` as ISO 8601, or null when it is missing or not a valid RFC 5322 date (never the time of reading). */
    date: string | null;
    /** The `Date:` header as written (control characters removed), or null when there is none. */
    dateRaw: string | null;
    messageId: string | null;
  };
  text: string | null;
  /**
   * Sanitised: no script, event handler, style, form, frame, and no URL that would make the reader's
   * browser request anything: relative URLs are dropped, `cid:` images become data: URLs, remote
   * images keep their address in `data-remote-src` only (loaded if the reader asks, see remoteImages).
   */
  html: string | null;
  /** Remote images left out of the HTML until the reader chooses to load them. */
  remoteImages: number;
  /**
   * Attachments as the index names them (../attachment-name.ts): `filename` is safe to show and to
   * download under, `originalName` is the name as the sender wrote it, for the records manager.
   * `index` is the download index (inline images shown through cid: are counted, not listed).
   */
  attachments: { index: number; filename: string; originalName: string | null; contentType: string; size: number }[];
  /** The message is beyond the MIME parser's limits: headers only, the .eml is the way to see it. */
  tooComplex: boolean;
}

export async function loadEntry(index: SearchableIndex, ref: string): Promise<MessageEntry | undefined> {
  const parsed = parseMessageRef(ref);
  return parsed ? index.get(parsed.pk, parsed.id) : undefined;
}

/** The mailbox a ref belongs to (for the access decision before any read). */
export function mailboxOfRef(ref: string): string | undefined {
  return parseMessageRef(ref)?.mailboxId;
}

export async function readMessage(content: ContentStore, entry: MessageEntry): Promise<MessageView> {
  const view: MessageView = { headers: { subject: '', from: '', to: '', cc: '', date: null, dateRaw: null, messageId: null }, text: null, html: null, remoteImages: 0, attachments: [], tooComplex: false };
  let gotHeaders = false;
  let rawHtml: string | null = null;
  const inlineImages = new Map<string, string>();
  let inlineBudget = MAX_INLINE_IMAGES;
  try {
    await parse(await content.open(entry.contentHash), {
      onHeaders(headers, lines) {
        gotHeaders = true;
        const text = (name: string) => {
          const v = headers.get(name) as { text?: string } | string | undefined;
          return typeof v === 'string' ? v : (v?.text ?? '');
        };
        const dateRaw = rawHeader(lines, 'date');
        view.headers = { subject: text('subject'), from: text('from'), to: text('to'), cc: text('cc'), date: dateRaw === null ? null : rfc5322Date(dateRaw), dateRaw, messageId: text('message-id') || null };
      },
      async onAttachment(attachment, index) {
        const facts = partFacts(attachment);
        if (isShownInline(facts)) {
          // Kept (within a budget) to show in the body as a data: URL; never listed.
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const chunk of attachment.content) {
            size += (chunk as Buffer).length;
            if (size <= inlineBudget) chunks.push(chunk as Buffer);
          }
          const cid = attachment.contentId?.replace(/^<|>$/g, '');
          if (cid && size <= inlineBudget) {
            inlineBudget -= size;
            inlineImages.set(cid, `data:${facts.contentType};base64,${Buffer.concat(chunks).toString('base64')}`);
          }
          return;
        }
        let size = 0;
        for await (const chunk of attachment.content) size += (chunk as Buffer).length;
        const original = attachment.filename ?? null;
        view.attachments.push({ index, filename: safeAttachmentName(original ?? '', facts.contentType, index), originalName: original, contentType: attachment.contentType, size });
      },
      onText(text) {
        view.text = text.text ?? null;
        rawHtml = typeof text.html === 'string' ? text.html : null;
      },
    });
  } catch (error) {
    if (!isParserLimit(error)) throw error;
    // Beyond the parser's limits (nesting, header size, part count): show what can be shown safely.
    view.tooComplex = true;
    view.text = null;
    view.attachments = [];
    rawHtml = null;
    if (!gotHeaders) view.headers = await topHeaders(await content.open(entry.contentHash));
  }
  if (rawHtml !== null) {
    const sanitised = sanitiseMessageHtml(rawHtml, inlineImages);
    view.html = sanitised.html;
    view.remoteImages = sanitised.remoteImages;
  }
  return view;
}

/** Total size of the inline images put into a message's HTML as data: URLs (mailparser's own default is 20 MB). */
const MAX_INLINE_IMAGES = 10 * 1024 * 1024;

/** mailsplit's limits (1,000 parts, 1 MB of header per part) answer EMAXLEN. */
function isParserLimit(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'EMAXLEN';
}

function partFacts(attachment: AttachmentStream): PartFacts {
  // The declared type: mailparser replaces application/octet-stream by a guess from the file name,
  // which capture's index cannot know.
  const declared = attachment.headers.get('content-type') as { value?: string } | undefined;
  return {
    contentType: (declared?.value ?? attachment.contentType ?? 'text/plain').toLowerCase(),
    disposition: attachment.contentDisposition?.toLowerCase() || undefined,
    hasContentId: Boolean(attachment.contentId),
  };
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** A header's value as written (unfolded, controls removed, at most 500 characters), or null. */
function rawHeader(lines: { key: string; line: string }[], key: string): string | null {
  const line = lines.find((l) => l.key === key)?.line;
  if (line === undefined) return null;
  return text8bit(line.slice(line.indexOf(':') + 1)).replace(/\r?\n[ \t]*/g, ' ').replace(CONTROLS, '').trim().slice(0, 500);
}

/** Raw header bytes (one character per byte) as text: UTF-8 when they are valid UTF-8, else Latin-1. */
function text8bit(binary: string): string {
  const bytes = Buffer.from(binary, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return binary;
  }
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = { ut: 0, gmt: 0, z: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420 };

/**
 * An RFC 5322 date-time (section 3.3, with the obsolete forms of 4.3: two-digit years, named zones),
 * as ISO 8601 UTC; null for anything else. Stricter than Date.parse, which takes "2026" or
 * "3/2/26" and makes up the rest.
 */
export function rfc5322Date(value: string): string | null {
  const m = /^(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+([+-]\d{4}|[a-z]{1,3})(?:\s*\(.*\))?$/i.exec(value.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const [day, hour, minute, second] = [Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  const zone = m[7]!;
  // RFC 5322 4.3: a one-letter military zone is read as -0000 (its meaning was never agreed on).
  const offset = /^[+-]\d{4}$/.test(zone) ? (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3))) : /^[a-ik-z]$/i.test(zone) ? 0 : ZONES[zone.toLowerCase()];
  if (month < 0 || offset === undefined || hour > 23 || minute > 59 || second > 60) return null;
  const utc = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  if (new Date(utc).getUTCDate() !== day) return null; // 31 Feb
  return new Date(utc - offset * 60_000).toISOString();
}

/**
 * The top-level headers of a message the parser refused, read by hand from at most 4 MB of it
 * (mailsplit refuses a header above 1 MB; the reader still shows subject, people and date).
 */
async function topHeaders(mime: Readable): Promise<MessageView['headers']> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tail = '';
  try {
    for await (const chunk of mime) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      // The blank line ending the headers may straddle two chunks: look at the end of the previous one too.
      const text = tail + (chunk as Buffer).toString('latin1');
      if (/\r?\n\r?\n/.test(text) || size > 4 * 1024 * 1024) break;
      tail = text.slice(-3);
    }
  } finally {
    mime.destroy();
  }
  const text = Buffer.concat(chunks).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const lines = (end >= 0 ? text.slice(0, end) : text).split(/\r?\n(?![ \t])/);
  const raw = (key: string) => {
    const line = lines.find((l) => l.toLowerCase().startsWith(`${key}:`));
    return line === undefined ? null : text8bit(line.slice(key.length + 1)).replace(/\r?\n[ \t]*/g, ' ').replace(CONTROLS, '').trim().slice(0, 2000);
  };
  const get = (key: string) => {
    const value = raw(key);
    return value === null ? null : decodeEncodedWords(value);
  };
  const dateRaw = raw('date');
  return { subject: get('subject') ?? '', from: get('from') ?? '', to: get('to') ?? '', cc: get('cc') ?? '', date: dateRaw === null ? null : rfc5322Date(dateRaw), dateRaw: dateRaw?.slice(0, 500) ?? null, messageId: get('message-id') };
}

export interface AttachmentDownload {
  filename: string;
  contentType: string;
  /** The decoded bytes, streamed as the message is parsed: an attachment is never held whole. */
  content: Readable;
}

/**
 * Attachment `wanted` of the message, or undefined when it has no such attachment. Resolves as soon
 * as the attachment is reached; its bytes then flow at the pace of whoever reads `content` (the
 * parse waits for them), and a reader that goes away stops the parse and the blob download.
 */
export function openAttachment(content: ContentStore, entry: MessageEntry, wanted: number): Promise<AttachmentDownload | undefined> {
  return content.open(entry.contentHash).then(
    (mime) =>
      new Promise<AttachmentDownload | undefined>((resolve, reject) => {
        const out = new PassThrough();
        let found = false;
        parse(mime, {
          async onAttachment(attachment, index) {
            if (index !== wanted) return drain(attachment.content);
            found = true;
            resolve({ filename: safeAttachmentName(attachment.filename ?? '', partFacts(attachment).contentType, index), contentType: attachment.contentType, content: out });
            await pipeline(attachment.content, out);
          },
        }).then(
          () => found || resolve(undefined),
          // A message beyond the parser's limits has no attachment the reader can offer.
          (error: unknown) => (found ? out.destroy(error as Error) : isParserLimit(error) ? resolve(undefined) : reject(error)),
        );
      }),
  );
}

interface ParseHandlers {
  onHeaders?(headers: Map<string, unknown>, lines: { key: string; line: string }[]): void;
  onAttachment?(attachment: AttachmentStream, index: number): Promise<void>;
  onText?(text: MessageText): void;
}

function parse(mime: Readable, handlers: ParseHandlers): Promise<void> {
  const { MailParser } = require('mailparser') as typeof import('mailparser');
  const parser = new MailParser({ skipImageLinks: true, skipTextToHtml: true });
  let index = 0;
  const pending: Promise<void>[] = [];
  return new Promise<void>((resolve, fail) => {
    // On failure the blob download stops too (nothing would read the rest).
    const reject = (error: unknown) => {
      mime.unpipe(parser);
      mime.destroy();
      fail(error);
    };
    mime.on('error', reject);
    parser.on('error', reject);
    // mailparser emits the top node's parsed headers, then (same tick) its raw lines, kept for the
    // raw Date: the handler gets both once the lines arrive (or with none, should they not come).
    let headers: Map<string, unknown> | undefined;
    const headersDone = (lines: { key: string; line: string }[]) => {
      if (headers) handlers.onHeaders?.(headers, lines);
      headers = undefined;
    };
    parser.on('headers', (parsed) => (headers = parsed as Map<string, unknown>));
    parser.on('headerLines', (lines: { key: string; line: string }[]) => headersDone(lines));
    parser.on('data', (data: AttachmentStream | MessageText) => {
      headersDone([]);
      if (data.type === 'attachment') {
        const i = index++;
        const done = (handlers.onAttachment ? handlers.onAttachment(data, i) : drain(data.content)).finally(() => data.release?.());
        pending.push(done);
        done.catch(reject);
      } else {
        handlers.onText?.(data);
      }
    });
    parser.on('end', () => {
      headersDone([]);
      Promise.all(pending).then(() => resolve(), reject);
    });
    mime.pipe(parser);
  });
}

async function drain(stream: Readable): Promise<void> {
  for await (const chunk of stream) void chunk;
}

/**
 * sanitize-html with a conservative allow-list: text formatting, lists, tables, links and images.
 * Anything that runs code or loads from elsewhere (script, style, iframe, object, form, event
 * handlers, CSS) is dropped. Every URL must be absolute: a relative one ("/api/...", "../x",
 * "//host/x", "\\host") would make the reader's browser request the app's own origin (or another)
 * with the reader's cookies, so it is dropped. Links keep http(s) and mailto (opened in a new tab,
 * no referrer). Images: `cid:` ones become the message's own inline image (data: URL); remote ones
 * keep their address in `data-remote-src` only, so viewing a message tells no sender it was read
 * until the reader chooses to load them; any other image is dropped.
 */
export function sanitiseMessageHtml(html: string, inlineImages: ReadonlyMap<string, string> = new Map()): { html: string; remoteImages: number } {
  const sanitize = require('sanitize-html') as typeof import('sanitize-html');
  let remoteImages = 0;
  const out = sanitize(html, {
    allowedTags: ['p', 'br', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'img', 'hr'],
    allowedAttributes: { a: ['href', 'title', 'target', 'rel'], img: ['src', 'alt', 'width', 'height', 'data-remote-src'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => {
        const href = absoluteUrl(attribs.href, ['http:', 'https:', 'mailto:']);
        return { tagName, attribs: { ...(href ? { href, target: '_blank', rel: 'noopener noreferrer' } : {}), ...(attribs.title ? { title: attribs.title } : {}) } };
      },
      img: (tagName, attribs) => {
        const keep = { ...(attribs.alt ? { alt: attribs.alt } : {}), ...(attribs.width ? { width: attribs.width } : {}), ...(attribs.height ? { height: attribs.height } : {}) };
        const src = (attribs.src ?? '').trim();
        const inline = /^cid:/i.test(src) ? inlineImages.get(decodeCid(src.slice(4))) : undefined;
        if (inline) return { tagName, attribs: { ...keep, src: inline } };
        // An image the sender wrote into the HTML itself loads nothing from anywhere.
        if (/^data:image\/[a-z0-9.+-]+[;,]/i.test(src)) return { tagName, attribs: { ...keep, src } };
        const remote = absoluteUrl(src, ['http:', 'https:']);
        if (remote) {
          remoteImages++;
          return { tagName, attribs: { ...keep, 'data-remote-src': remote } };
        }
        return { tagName, attribs: keep };
      },
    },
    // An image with nothing to show (relative URL, unknown cid:, another scheme) goes.
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src && !frame.attribs['data-remote-src'],
  });
  return { html: out, remoteImages };
}

/** The URL when it is absolute with one of these schemes (normalised, as a browser would read it); otherwise undefined. */
function absoluteUrl(value: string | undefined, schemes: string[]): string | undefined {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const trimmed = (value ?? '').replace(/[\u0000-\u0020]/g, '');
  // "//host" and "\\host" are relative to the page's scheme; URL() without a base refuses every relative form.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return undefined;
  try {
    const url = new URL(trimmed);
    return schemes.includes(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function decodeCid(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
