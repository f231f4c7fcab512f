import { z } from 'zod';
import type { MessageEntry } from '../model';
import { MailboxIdSchema } from './mailbox-id';
import { safeAttachmentName } from '../attachment-name';

/**
 * What a search of the archive index asks for and answers: by mailbox, participant, received date
 * range, subject words, folder and attachments, newest first. The query itself is the index's
 * (shared/archive/adapters/cosmos-message-records.ts); who may search what is decided in access.ts.
 */
const day = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** The filter fields, shared by search and export. */
export const SearchFields = z.object({
    mailboxId: MailboxIdSchema.optional(),
    /** An address (exact, any case), or words of a name (each a whole word of a participant's name, accents and case aside). */
    participant: z.union([z.email().max(320), z.string().trim().min(2).max(200).regex(/^[^@]*\p{L}[^@]*$/u)]).optional(),
    from: day.optional(),
    to: day.optional(),
    subject: z.string().trim().min(2).max(200).optional(),
    folder: z.string().trim().min(1).max(400).optional(),
    hasAttachments: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
});

const rangeInOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || startOf(q.from) <= endOf(q.to);

export const SearchFilterSchema = SearchFields.refine(rangeInOrder, { message: 'from must be on or before to', path: ['to'] });

export const SearchQuery = SearchFields.extend({
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
  continuation: z.string().max(8000).optional(),
}).refine(rangeInOrder, { message: 'from must be on or before to', path: ['to'] });
export type SearchQuery = z.infer<typeof SearchQuery>;

/** The filter part of a query (what an export or a hold also takes). */
export type SearchFilter = Omit<SearchQuery, 'pageSize' | 'continuation'>;

export interface MessageSummary {
  /** Opaque reference for read, download and export (partition key and entry id). */
  ref: string;
  mailboxId: string;
  folderPath: string;
  subject: string;
  from: MessageEntry['from'];
  to: MessageEntry['to'];
  cc: MessageEntry['cc'];
  sentAt: string | null;
  receivedAt: string;
  rawSize: number;
  attachmentNames: string[];
  hasAttachments: boolean;
  contentHash: string;
  removedAt: string | null;
  retentionRuleId: string | null;
  retainUntil: string | null;
  held: boolean;
}

export interface SearchPage {
  items: MessageSummary[];
  continuation: string | null;
}

export function startOf(d: string): number {
  return Date.parse(d.length === 10 ? `${d}T00:00:00.000Z` : d);
}

export function endOf(d: string): number {
  return d.length === 10 ? Date.parse(`${d}T00:00:00.000Z`) + 86_400_000 - 1 : Date.parse(d);
}

export function messageRef(entry: Pick<MessageEntry, 'pk' | 'id'>): string {
  return `${Buffer.from(entry.pk, 'utf8').toString('base64url')}.${entry.id}`;
}

/** The partition key and id a ref names, and the mailbox it belongs to; undefined when malformed. */
export function parseMessageRef(ref: string): { pk: string; id: string; mailboxId: string } | undefined {
  const m = /^([A-Za-z0-9_-]{1,600})\.([0-9a-f]{64})$/.exec(ref);
  if (!m) return undefined;
  const pk = Buffer.from(m[1]!, 'base64url').toString('utf8');
  const bar = pk.lastIndexOf('|');
  if (bar <= 0 || !/^\d{4}-\d{2}$/.test(pk.slice(bar + 1))) return undefined;
  return { pk, id: m[2]!, mailboxId: pk.slice(0, bar) };
}

export function summarise(entry: MessageEntry): MessageSummary {
  return {
    ref: messageRef(entry),
    mailboxId: entry.mailboxId,
    folderPath: entry.folderPath,
    subject: entry.subject,
    from: entry.from,
    to: entry.to,
    cc: entry.cc,
    sentAt: entry.sentAt,
    receivedAt: entry.receivedAt,
    rawSize: entry.rawSize,
    // Entries indexed before names were made safe at capture (docs/decisions/0014) are made safe here too.
    attachmentNames: entry.attachmentNames.map((name, i) => safeAttachmentName(name, '', i)),
    hasAttachments: entry.attachmentNames.length > 0,
    contentHash: entry.contentHash,
    removedAt: entry.removedAt,
    retentionRuleId: entry.retentionRuleId,
    retainUntil: entry.retainUntil,
    held: entry.holds.length > 0,
  };
}

/** Names of the filters a query uses, for the audit log (never their values). */
export function filtersUsed(filter: SearchFilter): string[] {
  return (['mailboxId', 'participant', 'from', 'to', 'subject', 'folder', 'hasAttachments'] as const).filter((k) => filter[k] !== undefined);
}
