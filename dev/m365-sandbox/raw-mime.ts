import { Readable } from 'node:stream';
import type { AttachmentStream, MessageText } from 'mailparser';
import type { AttachmentSpec, EmailAddress, MessageSpec } from './mailbox-seed';

/**
 * A message put into a mailbox as exact bytes (the control call `POST /mailboxes/{id}/messages/raw`):
 * `$value` serves these bytes unchanged, and the Graph properties are derived from them as Exchange
 * does on delivery, so hostile and malformed messages reach the app exactly as a sender wrote them.
 */
export interface RawContent {
  bytes: Buffer;
  /** Decoded attachment bytes, in the order of `spec.attachments` (for `attachments/{id}/$value`). */
  attachments: Buffer[];
  /** The MIME parser gave up (nesting, header size, part count): Exchange still delivers such a message. */
  parseError: string | null;
}

/** Exchange's limit for a message it accepts (150 MB with MIME overhead): above it, the control call answers 400. */
export const MAX_RAW_BYTES = 150 * 1024 * 1024;

interface Parsed {
  headers: Map<string, unknown> | null;
  headerLines: { key: string; line: string }[];
  text: string;
  attachments: { spec: AttachmentSpec; content: Buffer }[];
  error: string | null;
}

async function parseRaw(bytes: Buffer): Promise<Parsed> {
  const { MailParser } = require('mailparser') as typeof import('mailparser');
  const parser = new MailParser({ skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: false });
  const parsed: Parsed = { headers: null, headerLines: [], text: '', attachments: [], error: null };
  const pending: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    parser.on('headers', (headers) => (parsed.headers = headers as Map<string, unknown>));
    parser.on('headerLines', (lines: { key: string; line: string }[]) => (parsed.headerLines = lines));
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type !== 'attachment') {
        parsed.text = data.text ?? '';
        return;
      }
      pending.push(
        (async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of data.content) chunks.push(chunk as Buffer);
          data.release?.();
          const content = Buffer.concat(chunks);
          // Exchange's isInline: an image the HTML shows through its Content-ID (unless marked as an attachment).
          const inline = data.contentDisposition !== 'attachment' && Boolean(data.contentId) && data.contentType.startsWith('image/');
          parsed.attachments.push({
            spec: { name: data.filename ?? exchangeDefaultName(data.contentType, parsed.attachments.length + 1), contentType: data.contentType, size: content.length, isInline: inline, ...(data.contentId ? { contentId: data.contentId.replace(/^<|>$/g, '') } : {}) },
            content,
          });
        })(),
      );
    });
    parser.on('error', (error: Error) => {
      parsed.error = error.message;
      resolve();
    });
    parser.on('end', () => resolve());
    Readable.from([bytes]).pipe(parser);
  });
  await Promise.allSettled(pending);
  return parsed;
}

/** Exchange's name for a part that has none. */
function exchangeDefaultName(contentType: string, n: number): string {
  if (contentType === 'message/rfc822') return 'Untitled message.eml';
  if (contentType === 'text/calendar') return 'invite.ics';
  return `Untitled attachment ${String(n).padStart(5, '0')}.dat`;
}

function addresses(value: unknown): EmailAddress[] {
  const list = (Array.isArray(value) ? value : value ? [value] : []) as { value?: { name?: string; address?: string; group?: unknown[] }[] }[];
  const out: EmailAddress[] = [];
  const walk = (items: { name?: string; address?: string; group?: unknown[] }[]) => {
    for (const item of items) {
      if (item.group) walk(item.group as typeof items);
      else if (item.address) out.push({ name: item.name || item.address, address: item.address });
    }
  };
  for (const header of list) walk(header.value ?? []);
  return out;
}

/** The raw value of the first `Date:` header, or undefined: mailparser replaces an invalid one by "now". */
function rawDate(lines: { key: string; line: string }[]): string | undefined {
  const line = lines.find((l) => l.key === 'date')?.line;
  return line?.replace(/^[^:]*:/, '').replace(/\r?\n[ \t]*/g, ' ').trim();
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The Graph message Exchange would make of these bytes on delivery: subject, from, recipients and
 * internetMessageId from the headers; sentDateTime from `Date:` (the delivery time when it is
 * missing or invalid); receivedDateTime is the delivery time, never the header's; hasAttachments for
 * any part that is not an inline image (a forwarded message or an invitation counts).
 */
export async function deriveRawMessage(bytes: Buffer, delivery: { receivedDateTime: string; key: () => string; domain: string }): Promise<{ spec: Omit<MessageSpec, 'key'>; raw: RawContent }> {
  const parsed = await parseRaw(bytes);
  const headers = parsed.headers ?? new Map<string, unknown>();
  const text = (name: string) => {
    const value = headers.get(name);
    return typeof value === 'string' ? value : '';
  };
  const dateText = rawDate(parsed.headerLines);
  const sent = dateText ? new Date(dateText) : undefined;
  const from = addresses(headers.get('from'))[0] ?? addresses(headers.get('sender'))[0] ?? { name: '', address: '' };
  const messageId = text('message-id') || `<${delivery.key()}@${delivery.domain}>`;
  const spec: Omit<MessageSpec, 'key'> = {
    lang: 'fr',
    subject: text('subject'),
    from,
    to: addresses(headers.get('to')),
    cc: addresses(headers.get('cc')),
    sentDateTime: sent && !Number.isNaN(sent.getTime()) ? isoSeconds(sent) : delivery.receivedDateTime,
    receivedDateTime: delivery.receivedDateTime,
    isRead: false,
    importance: /^(high|1)/i.test(text('importance') || text('x-priority')) ? 'high' : 'normal',
    internetMessageId: messageId,
    conversationId: `AAQkRaw${delivery.key()}`,
    charset: 'utf-8',
    bodyText: parsed.text,
    attachments: parsed.attachments.map((a) => a.spec),
  };
  return { spec, raw: { bytes, attachments: parsed.attachments.map((a) => a.content), parseError: parsed.error } };
}
