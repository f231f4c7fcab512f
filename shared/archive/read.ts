import type { Readable } from 'node:stream';
import type { AttachmentStream, MessageText } from 'mailparser';
import type { MessageEntry } from './model';
import type { ContentStore } from './ports';
import { isCosmosStatus, type RecordsStore } from './records-store';
import { parseMessageRef } from './search';

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

export async function loadEntry(store: RecordsStore, ref: string): Promise<MessageEntry | undefined> {
  const parsed = parseMessageRef(ref);
  if (!parsed) return undefined;
  try {
    const { resource } = await (await store.messagesContainer()).item(parsed.id, parsed.pk).read<MessageEntry>();
    return resource ?? undefined;
  } catch (error) {
    if (isCosmosStatus(error, 404)) return undefined;
    throw error;
  }
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

export async function readAttachment(content: ContentStore, entry: MessageEntry, wanted: number): Promise<{ filename: string; contentType: string; data: Buffer } | undefined> {
  let found: { filename: string; contentType: string; data: Buffer } | undefined;
  await parse(await content.open(entry.contentHash), {
    async onAttachment(attachment, index) {
      const chunks: Buffer[] = [];
      for await (const chunk of attachment.content) if (index === wanted) chunks.push(chunk as Buffer);
      if (index === wanted) found = { filename: attachment.filename ?? `attachment-${index + 1}`, contentType: attachment.contentType, data: Buffer.concat(chunks) };
    },
  });
  return found;
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
  return new Promise<void>((resolve, reject) => {
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
