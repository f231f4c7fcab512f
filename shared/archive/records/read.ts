import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AttachmentStream, MessageText } from 'mailparser';
import type { MessageEntry } from '../model';
import type { ContentStore, SearchableIndex } from '../ports';
import { parseMessageRef } from './search-filter';

/**
 * Reading an archived message from its stored MIME (decompressed as it streams): headers, text and
 * sanitised HTML, the attachment list; one attachment's bytes; or the raw .eml, byte for byte.
 * mailparser streams attachments, so listing them never holds them all in memory.
 */
export interface MessageView {
  headers: { subject: string; from: string; to: string; cc: string; date: string | null; messageId: string | null };
  text: string | null;
  /** Sanitised: no script, event handler, style, form, frame, or resource loaded from elsewhere. */
  html: string | null;
  attachments: { index: number; filename: string; contentType: string; size: number }[];
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
  const view: MessageView = { headers: { subject: '', from: '', to: '', cc: '', date: null, messageId: null }, text: null, html: null, attachments: [] };
  await parse(await content.open(entry.contentHash), {
    onHeaders(headers) {
      const text = (name: string) => {
        const v = headers.get(name) as { text?: string } | string | Date | undefined;
        return typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : (v?.text ?? '');
      };
      view.headers = { subject: text('subject'), from: text('from'), to: text('to'), cc: text('cc'), date: text('date') || null, messageId: text('message-id') || null };
    },
    async onAttachment(attachment, index) {
      let size = 0;
      for await (const chunk of attachment.content) size += (chunk as Buffer).length;
      view.attachments.push({ index, filename: attachment.filename ?? `attachment-${index + 1}`, contentType: attachment.contentType, size });
    },
    onText(text) {
      view.text = text.text ?? null;
      view.html = typeof text.html === 'string' ? sanitiseHtml(text.html) : null;
    },
  });
  return view;
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
            resolve({ filename: attachment.filename ?? `attachment-${index + 1}`, contentType: attachment.contentType, content: out });
            await pipeline(attachment.content, out);
          },
        }).then(
          () => found || resolve(undefined),
          (error: unknown) => (found ? out.destroy(error as Error) : reject(error)),
        );
      }),
  );
}

interface ParseHandlers {
  onHeaders?(headers: Map<string, unknown>): void;
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
    parser.on('headers', (headers) => handlers.onHeaders?.(headers as Map<string, unknown>));
    parser.on('data', (data: AttachmentStream | MessageText) => {
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
      Promise.all(pending).then(() => resolve(), reject);
    });
    mime.pipe(parser);
  });
}

async function drain(stream: Readable): Promise<void> {
  for await (const chunk of stream) void chunk;
}

/**
 * sanitize-html with a conservative allow-list: text formatting, lists, tables, links (opened in a
 * new tab, no referrer) and images only from data: URLs. Anything that runs code or loads from
 * elsewhere (script, style, iframe, object, form, event handlers, remote images, CSS) is dropped,
 * so viewing a message tells no sender that it was read.
 */
export function sanitiseHtml(html: string): string {
  const sanitize = require('sanitize-html') as typeof import('sanitize-html');
  return sanitize(html, {
    allowedTags: ['p', 'br', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'img', 'hr'],
    allowedAttributes: { a: ['href', 'title', 'target', 'rel'], img: ['src', 'alt', 'width', 'height'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    transformTags: { a: sanitize.simpleTransform('a', { target: '_blank', rel: 'noopener noreferrer' }) },
  });
}
