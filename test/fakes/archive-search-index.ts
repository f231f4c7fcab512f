import type { IndexingProgress, MetadataChange, RebuildStatus, SearchIndex, TextExtraction } from '../../shared/archive/ports';
import type { MessageEntry } from '../../shared/archive/model';
import { endOf, startOf } from '../../shared/archive/records/search-filter';
import { HIGHLIGHT_POST, HIGHLIGHT_PRE, type ExtractedText, type FacetValue, type IndexAnswer, type IndexFilter, type IndexQuery, type SearchDocument } from '../../shared/archive/records/full-text';

/**
 * An in-memory SearchIndex for use-case tests: words folded as fr.lucene folds them (case, accents,
 * elisions l'/d'/qu'), "phrases", -exclusion and prefix*; the structured filter applied as the
 * adapter's OData would be. The real engine is tested through the adapter against the emulator.
 */
const TEXT_FIELDS = ['subject', 'body', 'attachmentText', 'attachmentNames', 'participantNames', 'participantAddresses', 'notIndexedReasons', 'mailboxName'] as const;

export function fold(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .map((w) => w.replace(/^(l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'/, '').replace(/'/g, ''))
    .filter(Boolean);
}

function fieldText(doc: SearchDocument, field: (typeof TEXT_FIELDS)[number]): string {
  const v = doc[field];
  return Array.isArray(v) ? v.join(' \n ') : v;
}

interface Term {
  words: string[];
  prefix: boolean;
  exclude: boolean;
}

function terms(text: string): Term[] {
  const out: Term[] = [];
  for (const m of text.matchAll(/(-?)"([^"]*)"|(-?)(\S+)/g)) {
    if (m[2] !== undefined) out.push({ words: fold(m[2]), prefix: false, exclude: m[1] === '-' });
    else if (m[4] !== undefined && !['and', 'or', 'not', '*'].includes(m[4].toLowerCase())) {
      const prefix = m[4].endsWith('*');
      out.push({ words: fold(m[4].replace(/\*$/, '').replace(/^\w+:/, '')), prefix, exclude: m[3] === '-' });
    }
  }
  return out.filter((t) => t.words.length > 0);
}

function matchesTerm(words: string[], term: Term): boolean {
  for (let i = 0; i + term.words.length <= words.length; i++) {
    if (term.words.every((w, j) => (term.prefix && j === term.words.length - 1 ? words[i + j]!.startsWith(w) : words[i + j] === w))) return true;
  }
  return false;
}

function inFilter(doc: SearchDocument, f: IndexFilter): boolean {
  if (f.scopeMailboxId !== undefined && doc.mailboxId !== f.scopeMailboxId) return false;
  if (f.folder !== undefined && doc.folder !== f.folder) return false;
  if (f.participant !== undefined && !doc.participantAddresses.includes(f.participant.toLowerCase())) return false;
  if (f.from !== undefined && Date.parse(doc.date) < startOf(f.from)) return false;
  if (f.to !== undefined && Date.parse(doc.date) > endOf(f.to)) return false;
  if (f.hasAttachments !== undefined && doc.hasAttachments !== f.hasAttachments) return false;
  if (f.hold !== undefined && !doc.holds.includes(f.hold)) return false;
  if (f.retentionRule !== undefined && doc.retentionRule !== f.retentionRule) return false;
  return true;
}

function facet(docs: SearchDocument[], values: (d: SearchDocument) => string[]): FacetValue[] {
  const counts = new Map<string, number>();
  for (const d of docs) for (const v of new Set(values(d))) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

export class InMemorySearchIndex implements SearchIndex {
  readonly documents = new Map<string, SearchDocument>();
  exists = false;
  /** Every query the use cases sent, for assertions on what the index was asked. */
  readonly queries: IndexQuery[] = [];

  async ensureIndex(): Promise<void> {
    this.exists = true;
  }

  async upsert(documents: SearchDocument[]): Promise<void> {
    if (!this.exists) throw new Error('index not found');
    for (const d of documents) this.documents.set(d.id, structuredClone(d));
  }

  async delete(ids: string[]): Promise<void> {
    for (const id of ids) this.documents.delete(id);
  }

  /** Set to make mergeMetadata fail as the service would (unreachable, throttled). */
  failMerges = false;

  async mergeMetadata(changes: MetadataChange[]): Promise<void> {
    if (this.failMerges) throw new Error('search service unavailable');
    for (const { id, ...fields } of changes) {
      const doc = this.documents.get(id);
      // As Azure's merge: a document not in the index is not created.
      if (doc) this.documents.set(id, { ...doc, ...structuredClone(fields) });
    }
  }

  async drop(): Promise<void> {
    this.documents.clear();
    this.exists = false;
  }

  async count(mailboxId: string): Promise<number> {
    return [...this.documents.values()].filter((d) => d.mailboxId === mailboxId).length;
  }

  async mailboxIds(): Promise<string[]> {
    return [...new Set([...this.documents.values()].map((d) => d.mailboxId))].sort();
  }

  async search(query: IndexQuery): Promise<IndexAnswer> {
    this.queries.push(structuredClone(query));
    const ts = terms(query.text);
    const hits: Array<{ doc: SearchDocument; score: number; highlights: Record<string, string[]> }> = [];
    for (const doc of this.documents.values()) {
      if (!inFilter(doc, query.filter)) continue;
      const all = TEXT_FIELDS.flatMap((f) => fold(fieldText(doc, f)));
      const positive = ts.filter((t) => !t.exclude);
      if (ts.some((t) => t.exclude && matchesTerm(all, t))) continue;
      if (query.text.trim() !== '*' && !positive.every((t) => matchesTerm(all, t))) continue;
      const highlights: Record<string, string[]> = {};
      for (const field of ['subject', 'body', 'attachmentText'] as const) {
        const text = fieldText(doc, field);
        const marked = text.replace(/[\p{L}\p{N}']+/gu, (w) => (positive.some((t) => t.words.some((x) => fold(w).includes(x))) ? `${HIGHLIGHT_PRE}${w}${HIGHLIGHT_POST}` : w));
        if (marked !== text) highlights[field] = [marked.slice(0, 300)];
      }
      hits.push({ doc, score: positive.length, highlights });
    }
    if (query.sort === 'date-desc') hits.sort((a, b) => b.doc.date.localeCompare(a.doc.date));
    else if (query.sort === 'date-asc') hits.sort((a, b) => a.doc.date.localeCompare(b.doc.date));
    else hits.sort((a, b) => b.score - a.score || b.doc.date.localeCompare(a.doc.date));
    const docs = hits.map((h) => h.doc);
    return {
      total: hits.length,
      hits: hits.slice(query.skip, query.skip + query.top).map((h) => ({ document: h.doc, score: h.score, highlights: h.highlights })),
      facets: {
        year: facet(docs, (d) => [d.year]),
        folder: facet(docs, (d) => [d.folder]),
        participantAddresses: facet(docs, (d) => d.participantAddresses),
        hasAttachments: facet(docs, (d) => [String(d.hasAttachments)]),
        mailboxId: facet(docs, (d) => [d.mailboxId]),
      },
    };
  }
}

/** Extraction over a table of texts by entry id (what the extraction module would find in the MIME). */
export class InMemoryExtraction implements TextExtraction {
  readonly texts = new Map<string, ExtractedText>();
  readonly failing = new Set<string>();

  async extract(entry: MessageEntry): Promise<ExtractedText> {
    if (this.failing.has(entry.id)) throw new Error('extraction failed');
    return this.texts.get(entry.id) ?? { body: '', attachments: [], notIndexed: [] };
  }
}

export class InMemoryIndexingProgress implements IndexingProgress {
  mark: string | undefined;
  status: RebuildStatus | undefined;

  async watermark(): Promise<string | undefined> {
    return this.mark;
  }

  async setWatermark(capturedAt: string): Promise<void> {
    this.mark = capturedAt;
  }

  async rebuild(): Promise<RebuildStatus | undefined> {
    return this.status;
  }

  async saveRebuild(status: RebuildStatus): Promise<void> {
    this.status = status;
  }
}
