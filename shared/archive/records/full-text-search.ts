import { BadSearchQuery, type SearchableIndex, type SearchIndex } from '../ports';
import type { MessageEntry } from '../model';
import { parseMessageRef, type SearchFilter } from './search-filter';
import { isAddressQuery } from './search-terms';
import { actorOf, FORBIDDEN, type ArchiveAccess, type Forbidden, type Requester } from './access';
import type { AuditLog } from './audit';
import type { ExportFullText } from './export-request';
import { highlightSegments, type FacetValue, type FullTextQuery, type IndexAnswer, type IndexFilter } from './full-text';

/** One result as the page shows it: the entry's facts, and where the words were found. */
export interface FullTextItem {
  ref: string;
  mailboxId: string;
  mailboxName: string;
  from: string;
  to: string[];
  date: string;
  folder: string;
  subject: string;
  attachmentNames: string[];
  hasAttachments: boolean;
  notIndexed: string[];
  /** Fragments per field, as text segments with the hits marked (no markup: the page escapes nothing by hand). */
  highlights: Array<{ field: HighlightField; segments: Array<{ text: string; hit: boolean }> }>;
}

export type HighlightField = 'subject' | 'body' | 'attachmentText' | 'attachmentNames' | 'participantNames' | 'notIndexedReasons';

export interface FullTextPage {
  total: number;
  page: number;
  pageSize: number;
  items: FullTextItem[];
  facets: { year: FacetValue[]; folder: FacetValue[]; participant: FacetValue[]; hasAttachments: FacetValue[] };
}

/** The index's own field names for highlights, mapped to the page's (the `_en` copies fold into theirs). */
const HIGHLIGHT_FIELDS: Record<string, HighlightField> = {
  subject: 'subject',
  subject_en: 'subject',
  body: 'body',
  body_en: 'body',
  attachmentText: 'attachmentText',
  attachmentText_en: 'attachmentText',
  attachmentNames: 'attachmentNames',
  participantNames: 'participantNames',
  notIndexedReasons: 'notIndexedReasons',
};

/** The typed filter fields a query used, by name (the audit log keeps names, and the query text). */
function filtersUsed(query: FullTextQuery): string[] {
  return (['mailboxId', 'folder', 'participant', 'from', 'to', 'hasAttachments', 'hold', 'retentionRule'] as const).filter((k) => query[k] !== undefined);
}

/**
 * Full-text search for staff and RecordsManagers (docs/decisions/0020). Security trimming is in the
 * query: ArchiveAccess decides the scope first (staff: their own mailbox, always; a RecordsManager:
 * the mailbox asked for, or all), and the scope becomes the index filter's own clause, outside
 * whatever the person chose. Staff use the simple syntax; the full Lucene syntax is a
 * RecordsManager's (field-scoped queries reach every field, which is eDiscovery's tool). Every
 * search is audited: who, the query, the filters used, and how many results per mailbox.
 */
export class FullTextSearch {
  constructor(
    private readonly index: SearchIndex,
    private readonly access: ArchiveAccess,
    private readonly audit: AuditLog,
    /** The archive's entries, for exports of a search's results. */
    private readonly archive?: Pick<SearchableIndex, 'get'>,
  ) {}

  /**
   * The entries a full-text search finds within an export's filter (the export path's, export.ts),
   * newest first, at most `max` (the service pages up to 100,000 results). The caller is a
   * RecordsManager's export: its filter's mailbox is the scope. Entries destroyed since they were
   * indexed are skipped.
   */
  async *entriesFor(search: ExportFullText, filter: SearchFilter, max: number): AsyncIterable<MessageEntry> {
    if (!this.archive) throw new Error('no archive index to read entries from');
    const indexFilter: IndexFilter = {
      ...(filter.mailboxId ? { scopeMailboxId: filter.mailboxId } : {}),
      ...(filter.folder ? { folder: filter.folder } : {}),
      ...(filter.participant && isAddressQuery(filter.participant) ? { participant: filter.participant } : {}),
      ...(filter.from ? { from: filter.from } : {}),
      ...(filter.to ? { to: filter.to } : {}),
      ...(filter.hasAttachments !== undefined ? { hasAttachments: filter.hasAttachments } : {}),
      ...(search.hold !== undefined ? { hold: search.hold } : {}),
      ...(search.retentionRule !== undefined ? { retentionRule: search.retentionRule } : {}),
    };
    const top = 1000;
    for (let skip = 0; skip < max; skip += top) {
      const answer = await this.index.search({ text: search.text, syntax: search.syntax, filter: indexFilter, sort: 'date-desc', skip, top: Math.min(top, max - skip) });
      for (const hit of answer.hits) {
        const at = parseMessageRef(hit.document.ref);
        const entry = at ? await this.archive.get(at.pk, at.id) : undefined;
        if (entry) yield entry;
      }
      if (answer.hits.length < top) return;
    }
  }

  async search(requester: Requester, query: FullTextQuery): Promise<{ kind: 'ok'; page: FullTextPage } | Forbidden | { kind: 'bad-query' }> {
    // The full syntax and the hold and rule filters are a RecordsManager's (eDiscovery's tools).
    if (!requester.recordsManager && (query.syntax === 'full' || query.hold !== undefined || query.retentionRule !== undefined)) {
      await this.audit.record(actorOf(requester), 'full-text-search', { filters: filtersUsed(query), syntax: query.syntax }, 'denied');
      return FORBIDDEN;
    }
    const scope = await this.access.mailboxScope(requester, query.mailboxId, 'full-text-search');
    if (scope.kind !== 'ok') return scope;
    const filter: IndexFilter = {
      ...(scope.mailboxId !== undefined ? { scopeMailboxId: scope.mailboxId } : {}),
      ...(query.folder !== undefined ? { folder: query.folder } : {}),
      ...(query.participant !== undefined ? { participant: query.participant } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.hasAttachments !== undefined ? { hasAttachments: query.hasAttachments } : {}),
      ...(query.hold !== undefined ? { hold: query.hold } : {}),
      ...(query.retentionRule !== undefined ? { retentionRule: query.retentionRule } : {}),
    };
    // Staff are never unscoped: a missing scope here would be a bug, refused rather than searched.
    if (!requester.recordsManager && filter.scopeMailboxId === undefined) return FORBIDDEN;
    let answer;
    try {
      answer = await this.index.search({ text: query.text, syntax: query.syntax, filter, sort: query.sort, skip: (query.page - 1) * query.pageSize, top: query.pageSize });
    } catch (error) {
      if (error instanceof BadSearchQuery) return { kind: 'bad-query' };
      throw error;
    }
    await this.audit.record(actorOf(requester), 'full-text-search', {
      ...(scope.mailboxId ? { mailboxId: scope.mailboxId } : {}),
      query: query.text,
      syntax: query.syntax,
      filters: filtersUsed({ ...query, ...(scope.mailboxId ? { mailboxId: scope.mailboxId } : {}) }),
      ...(query.from ? { dateFrom: query.from } : {}),
      ...(query.to ? { dateTo: query.to } : {}),
      resultCount: answer.total,
      mailboxCounts: answer.facets.mailboxId.map((f) => ({ mailboxId: f.value, count: f.count })).sort((a, b) => a.mailboxId.localeCompare(b.mailboxId)),
    });
    return { kind: 'ok', page: toPage(answer, query) };
  }
}

function toPage(answer: IndexAnswer, query: FullTextQuery): FullTextPage {
  return {
    total: answer.total,
    page: query.page,
    pageSize: query.pageSize,
    items: answer.hits.map(({ document: d, highlights }) => ({
      ref: d.ref,
      mailboxId: d.mailboxId,
      mailboxName: d.mailboxName,
      from: d.from,
      to: d.to,
      date: d.date,
      folder: d.folder,
      subject: d.subject,
      attachmentNames: d.attachmentNames,
      hasAttachments: d.hasAttachments,
      notIndexed: d.notIndexedReasons,
      highlights: highlightsOf(highlights),
    })),
    facets: { year: answer.facets.year, folder: answer.facets.folder, participant: answer.facets.participantAddresses, hasAttachments: answer.facets.hasAttachments },
  };
}

function highlightsOf(highlights: Record<string, string[]>): FullTextItem['highlights'] {
  const out: FullTextItem['highlights'] = [];
  const seen = new Set<string>();
  for (const [field, fragments] of Object.entries(highlights)) {
    const name = HIGHLIGHT_FIELDS[field];
    if (!name) continue;
    for (const fragment of fragments.slice(0, 3)) {
      const segments = highlightSegments(fragment);
      const key = `${name}:${segments.map((s) => s.text).join('')}`;
      if (seen.has(key) || segments.length === 0) continue;
      seen.add(key);
      out.push({ field: name, segments });
    }
  }
  return out;
}

