import { z } from 'zod';
import type { MessageEntry } from '../model';
import { MailboxIdSchema } from './mailbox-id';
import { endOf, messageRef, startOf } from './search-filter';
import { safeAttachmentName } from '../attachment-name';

/**
 * Full-text search of the archive (docs/decisions/0020-archive-full-text-search.md): the document
 * each archived entry becomes in the search index, the query people send, and the filter the index
 * is asked for. The index is derived data: everything here is rebuilt from the archive's entries
 * and their stored MIME.
 */

/** What text extraction gives for one entry (the extraction module fills it; see TextExtraction in ports.ts). */
export interface ExtractedText {
  body: string;
  attachments: Array<{ name: string; text: string }>;
  /** Why some of the message could not be indexed ("pdf-encrypted", "too-large", ...): searchable. */
  notIndexed: string[];
}

/**
 * One entry in the index. Field names are the index's (adapters/search-index.ts declares them with
 * their analyzers): French fields use fr.lucene (elisions l'/d', accents, stemming); English copies
 * (`*_en`, en.lucene) of the same text let English words stem too. One document per entry: the key
 * is the entry id (64 hex), unique per mailbox.
 */
export interface SearchDocument {
  id: string;
  /** messageRef of the entry, for read, download and export. */
  ref: string;
  mailboxId: string;
  mailboxName: string;
  participantNames: string[];
  participantAddresses: string[];
  from: string;
  to: string[];
  /** receivedAt. */
  date: string;
  year: string;
  folder: string;
  subject: string;
  subject_en: string;
  body: string;
  body_en: string;
  attachmentNames: string[];
  attachmentText: string;
  attachmentText_en: string;
  hasAttachments: boolean;
  retentionRule: string;
  holds: string[];
  /** "not indexed: <reason>" lines, searchable as such. */
  notIndexedReasons: string[];
}

/**
 * Azure AI Search keeps at most 32,766 bytes per term and a document under 16 MB per batch item
 * (the batch itself 16 MB): long texts are cut to these many characters, the cut recorded.
 */
export const MAX_BODY_CHARS = 500_000;
export const MAX_ATTACHMENT_TEXT_CHARS = 2_000_000;

function cut(text: string, max: number, reason: string, reasons: string[]): string {
  if (text.length <= max) return text;
  reasons.push(`not indexed: ${reason}`);
  return text.slice(0, max);
}

export function searchDocumentOf(entry: MessageEntry, text: ExtractedText, mailboxName: string): SearchDocument {
  const people = [entry.from, ...entry.to, ...entry.cc, ...entry.bcc].filter((a): a is NonNullable<typeof a> => a !== null);
  const reasons = [...new Set(text.notIndexed)].map((r) => `not indexed: ${r}`);
  const body = cut(text.body, MAX_BODY_CHARS, 'body-truncated', reasons);
  const attachmentText = cut(text.attachments.map((a) => a.text).join('\n\n'), MAX_ATTACHMENT_TEXT_CHARS, 'attachment-text-truncated', reasons);
  return {
    id: entry.id,
    ref: messageRef(entry),
    mailboxId: entry.mailboxId,
    mailboxName,
    participantNames: [...new Set(people.map((p) => p.name).filter(Boolean))],
    participantAddresses: [...new Set(people.map((p) => p.address.toLowerCase()).filter(Boolean))],
    from: entry.from?.address.toLowerCase() ?? '',
    to: entry.to.map((a) => a.address.toLowerCase()),
    date: entry.receivedAt,
    year: entry.receivedAt.slice(0, 4),
    folder: entry.folderPath,
    subject: entry.subject,
    subject_en: entry.subject,
    body,
    body_en: body,
    attachmentNames: entry.attachmentNames.map((name, i) => safeAttachmentName(name, '', i)),
    attachmentText,
    attachmentText_en: attachmentText,
    hasAttachments: entry.attachmentNames.length > 0,
    retentionRule: entry.retentionRuleId ?? '',
    holds: entry.holds,
    notIndexedReasons: reasons,
  };
}

const day = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * A RecordsManager's narrowing of a full-text search to the entries under one legal hold or one
 * retention rule (ids, as the holds list and the calendar give them). Staff never use them: a
 * hold's existence is itself confidential.
 */
export const HoldIdSchema = z.string().regex(/^hold-[0-9a-f-]{36}$/);
export const RuleIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);

/**
 * POST /api/archive/full-text. `text` is the query in the simple syntax (words, "phrases",
 * -exclusion, prefix*) or, for RecordsManagers only, the full Lucene syntax (`syntax: "full"`:
 * field:word, AND/OR/NOT, ranges). Filters are typed fields, never an expression: the OData filter
 * the index receives is built from them here (odataFilter), with the requester's scope outside.
 */
export const FullTextQuery = z
  .object({
    text: z.string().trim().min(1).max(500),
    syntax: z.enum(['simple', 'full']).default('simple'),
    mailboxId: MailboxIdSchema.optional(),
    folder: z.string().trim().min(1).max(400).optional(),
    participant: z.string().trim().toLowerCase().pipe(z.email().max(320)).optional(),
    from: day.optional(),
    to: day.optional(),
    hasAttachments: z.boolean().optional(),
    hold: HoldIdSchema.optional(),
    retentionRule: RuleIdSchema.optional(),
    sort: z.enum(['relevance', 'date-desc', 'date-asc']).default('relevance'),
    page: z.number().int().min(1).max(200).default(1),
    pageSize: z.number().int().min(1).max(50).default(20),
  })
  .strict()
  .refine((q) => !q.from || !q.to || startOf(q.from) <= endOf(q.to), { message: 'from must be on or before to', path: ['to'] });
export type FullTextQuery = z.infer<typeof FullTextQuery>;

/** What the index is asked for: the filter is structured, its OData made by odataFilter. */
export interface IndexFilter {
  /** The requester's scope: one mailbox (staff, or a RecordsManager's choice), or undefined for all. */
  scopeMailboxId?: string;
  folder?: string;
  participant?: string;
  from?: string;
  to?: string;
  hasAttachments?: boolean;
  /** Entries under this legal hold (an id): kept in step after capture (mergeMetadata). */
  hold?: string;
  /** Entries under this retention rule (an id). */
  retentionRule?: string;
}

export interface IndexQuery {
  text: string;
  syntax: 'simple' | 'full';
  filter: IndexFilter;
  sort: FullTextQuery['sort'];
  skip: number;
  top: number;
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface IndexHit {
  document: Pick<SearchDocument, 'id' | 'ref' | 'mailboxId' | 'mailboxName' | 'from' | 'to' | 'date' | 'folder' | 'subject' | 'attachmentNames' | 'hasAttachments' | 'notIndexedReasons'>;
  score: number;
  /** Per field, fragments with the hit marked by HIGHLIGHT_PRE / HIGHLIGHT_POST. */
  highlights: Record<string, string[]>;
}

export interface IndexAnswer {
  total: number;
  hits: IndexHit[];
  facets: { year: FacetValue[]; folder: FacetValue[]; participantAddresses: FacetValue[]; hasAttachments: FacetValue[]; mailboxId: FacetValue[] };
}

/** Highlight marks: private-use characters, never markup, so a fragment is text until the page marks it. */
export const HIGHLIGHT_PRE = '\uE000';
export const HIGHLIGHT_POST = '\uE001';

/** An OData string literal: single quotes doubled (the only escape OData string literals have). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function isoStart(d: string): string {
  return new Date(startOf(d)).toISOString();
}

function isoEnd(d: string): string {
  return new Date(endOf(d)).toISOString();
}

/**
 * The OData filter for the index, from validated fields only. The scope is its own clause, ANDed
 * with the others in parentheses: no value can leave its literal (quotes are doubled), and nothing
 * a person types is ever an expression.
 */
export function odataFilter(filter: IndexFilter): string | undefined {
  const clauses: string[] = [];
  if (filter.folder !== undefined) clauses.push(`folder eq ${odataString(filter.folder)}`);
  if (filter.participant !== undefined) clauses.push(`participantAddresses/any(p: p eq ${odataString(filter.participant.toLowerCase())})`);
  if (filter.from !== undefined) clauses.push(`date ge ${isoStart(filter.from)}`);
  if (filter.to !== undefined) clauses.push(`date le ${isoEnd(filter.to)}`);
  if (filter.hasAttachments !== undefined) clauses.push(`hasAttachments eq ${filter.hasAttachments}`);
  if (filter.hold !== undefined) clauses.push(`holds/any(h: h eq ${odataString(filter.hold)})`);
  if (filter.retentionRule !== undefined) clauses.push(`retentionRule eq ${odataString(filter.retentionRule)}`);
  const user = clauses.length ? `(${clauses.join(' and ')})` : undefined;
  const scope = filter.scopeMailboxId !== undefined ? `mailboxId eq ${odataString(filter.scopeMailboxId)}` : undefined;
  if (scope && user) return `${scope} and ${user}`;
  return scope ?? user;
}

/** A highlight fragment as segments, so the page renders text and marks the hits without HTML. */
export function highlightSegments(fragment: string): Array<{ text: string; hit: boolean }> {
  const segments: Array<{ text: string; hit: boolean }> = [];
  const re = new RegExp(`${HIGHLIGHT_PRE}([^${HIGHLIGHT_PRE}${HIGHLIGHT_POST}]*)${HIGHLIGHT_POST}`, 'g');
  let last = 0;
  for (const m of fragment.matchAll(re)) {
    if (m.index > last) segments.push({ text: fragment.slice(last, m.index), hit: false });
    segments.push({ text: m[1]!, hit: true });
    last = m.index + m[0].length;
  }
  if (last < fragment.length) segments.push({ text: fragment.slice(last), hit: false });
  // Stray marks (in the source text itself) are dropped: only the index's own pairs mark a hit.
  return segments.map((s) => ({ ...s, text: s.text.replace(/[\uE000\uE001]/g, '') })).filter((s) => s.text.length > 0);
}
