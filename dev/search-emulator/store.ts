/**
 * The engine: indexes and documents in SQLite (better-sqlite3), full-text search with FTS5.
 *
 * Per index N: `d<N>` is narrow (rowid, key, one typed, indexed column per simple field that is
 * filterable, sortable or facetable) so that joining it with tens of thousands of full-text
 * matches stays fast; `j<N>` holds each document's JSON as stored, read only for the page
 * returned; `m<N>` holds the values of collection fields (r = rowid, f = field, v = value);
 * `f<N>` is an FTS5 table with one column per searchable field holding the ANALYZED terms
 * (analysis.ts), so FTS5 only splits on spaces and ranks with BM25, as Azure does by default.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { analyze, analyzePrefix, analyzeWord, tokens, type Token } from './analysis';
import { compileFilter, filterError } from './odata-filter';
import { compile, parseSearch, positiveTerms, type Compiled } from './query';
import { checkIndex, checkUpdate, SearchError, type Field, type IndexDefinition } from './schema';

interface IndexState {
  name: string;
  id: number;
  definition: IndexDefinition;
  etag: string;
  fields: Field[];
  byName: Map<string, Field>;
  key: Field;
  /** Simple field name → column of d<N>. */
  columns: Map<string, string>;
  /** Searchable field name → column of f<N>. */
  fts: Map<string, string>;
}

export interface SearchRequest {
  search?: string;
  queryType?: string;
  searchMode?: string;
  searchFields?: string;
  select?: string;
  filter?: string;
  orderby?: string;
  top?: number;
  skip?: number;
  count?: boolean;
  facets?: string[];
  highlight?: string;
  highlightPreTag?: string;
  highlightPostTag?: string;
  [other: string]: unknown;
}

export interface SearchResponse {
  '@odata.count'?: number;
  '@search.facets'?: Record<string, { value?: unknown; count: number }[]>;
  value: Record<string, unknown>[];
  '@odata.nextLink'?: string;
  '@search.nextPageParameters'?: SearchRequest;
}

export interface IndexingResult {
  key: string;
  status: boolean;
  errorMessage: string | null;
  statusCode: number;
}

/** Page size when `top` is not given, and the most one response holds (as on the service). */
const DEFAULT_TOP = 50;
const MAX_PAGE = 1000;
const MAX_SKIP = 100_000;
const KEY = /^[A-Za-z0-9_\-=]{1,1024}$/;

function badRequest(message: string, code = 'InvalidRequestParameter'): SearchError {
  return new SearchError(400, code, message);
}

export class SearchStore {
  private readonly db: Database.Database;
  private readonly indexes = new Map<string, IndexState>();

  constructor(file?: string) {
    this.db = new Database(file ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS indexes_ (name TEXT PRIMARY KEY, id INTEGER NOT NULL, definition TEXT NOT NULL, etag TEXT NOT NULL)');
    for (const row of this.db.prepare('SELECT name, id, definition, etag FROM indexes_').all() as { name: string; id: number; definition: string; etag: string }[]) {
      const { definition, fields } = checkIndex(JSON.parse(row.definition));
      this.indexes.set(row.name, this.state(row.name, row.id, definition, fields, row.etag));
    }
  }

  close(): void {
    this.db.close();
  }

  // ---------------------------------------------------------------- indexes

  listIndexes(): IndexDefinition[] {
    return [...this.indexes.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => this.describe(s));
  }

  getIndex(name: string): IndexDefinition {
    return this.describe(this.require(name));
  }

  createIndex(body: unknown): IndexDefinition {
    const { definition, fields } = checkIndex(body);
    if (this.indexes.has(definition.name)) {
      throw new SearchError(409, 'ResourceNameAlreadyInUse', `Cannot create index '${definition.name}' because it already exists.`);
    }
    return this.describe(this.create(definition, fields));
  }

  /** PUT: creates (created = true) or adds fields to an existing index; If-Match / If-None-Match as the service. */
  createOrUpdateIndex(name: string, body: unknown, conditions: { ifMatch?: string; ifNoneMatch?: string }): { index: IndexDefinition; created: boolean } {
    const { definition, fields } = checkIndex(body, name);
    const existing = this.indexes.get(name);
    checkConditions(existing?.etag, conditions);
    if (!existing) return { index: this.describe(this.create(definition, fields)), created: true };
    checkUpdate(existing.fields, fields, name);
    const added = fields.filter((f) => !existing.byName.has(f.name));
    if (!added.length) {
      existing.definition = definition;
      existing.etag = newEtag();
      this.db.prepare('UPDATE indexes_ SET definition = ?, etag = ? WHERE name = ?').run(JSON.stringify(definition), existing.etag, name);
      return { index: this.describe(existing), created: false };
    }
    // New fields: build the index again under a new id from the stored documents.
    const docs = (this.db.prepare(`SELECT doc FROM j${existing.id} ORDER BY rowid`).all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as Record<string, unknown>);
    const rebuilt = this.db.transaction(() => {
      this.dropTables(existing.id);
      this.db.prepare('DELETE FROM indexes_ WHERE name = ?').run(name);
      this.indexes.delete(name);
      const s = this.create(definition, fields);
      const write = this.writer(s);
      for (const doc of docs) write.upsert(doc);
      return s;
    })();
    return { index: this.describe(rebuilt), created: false };
  }

  deleteIndex(name: string, conditions: { ifMatch?: string; ifNoneMatch?: string }): void {
    const s = this.require(name);
    checkConditions(s.etag, conditions);
    this.db.transaction(() => {
      this.dropTables(s.id);
      this.db.prepare('DELETE FROM indexes_ WHERE name = ?').run(name);
    })();
    this.indexes.delete(name);
  }

  stats(name: string): { documentCount: number; storageSize: number; vectorIndexSize: number } {
    const s = this.require(name);
    const row = this.db.prepare(`SELECT count(*) AS n, coalesce(sum(length(doc)), 0) AS size FROM j${s.id}`).get() as { n: number; size: number };
    return { documentCount: row.n, storageSize: row.size, vectorIndexSize: 0 };
  }

  // ---------------------------------------------------------------- documents

  count(name: string): number {
    const s = this.require(name);
    return (this.db.prepare(`SELECT count(*) AS n FROM d${s.id}`).get() as { n: number }).n;
  }

  getDocument(name: string, key: string, select?: string): Record<string, unknown> {
    const s = this.require(name);
    const row = this.db.prepare(`SELECT j.doc AS doc FROM d${s.id} d JOIN j${s.id} j ON j.rowid = d.rowid WHERE d.k = ?`).get(key) as { doc: string } | undefined;
    if (!row) throw new SearchError(404, 'DocumentNotFound', `Document with key '${key}' was not found in index '${name}'.`);
    return project(JSON.parse(row.doc) as Record<string, unknown>, this.selected(s, select));
  }

  /**
   * A batch of upload / merge / mergeOrUpload / delete actions in one transaction. A malformed
   * batch (unknown field, wrong type, no key) is refused whole with 400, as the service does; a
   * bad key or a merge of a missing document fails that document only (207 for the batch).
   */
  index(name: string, body: unknown): { results: IndexingResult[]; allSucceeded: boolean } {
    const s = this.require(name);
    const actions = (body as { value?: unknown } | null)?.value;
    if (!Array.isArray(actions)) throw badRequest("The request is invalid. Details: actions : The 'value' property holding the batch's actions is missing.");
    if (actions.length === 0) throw badRequest('The request is invalid. Details: actions : No indexing actions found in the request. Please include between 1 and 32000 indexing actions in your request.');
    if (actions.length > 32000) throw new SearchError(413, 'RequestEntityTooLarge', 'The request is too large: a batch holds at most 32000 actions.');
    const prepared = actions.map((a, i) => this.prepareAction(s, a, i));
    const write = this.writer(s);
    const results = this.db.transaction(() =>
      prepared.map(({ action, doc, key }): IndexingResult => {
        if (!KEY.test(key)) {
          return { key, status: false, statusCode: 400, errorMessage: `Invalid document key: '${key}'. Keys can only contain letters, digits, underscore (_), dash (-), or equal sign (=).` };
        }
        const existing = write.find(key);
        switch (action) {
          case 'upload':
            write.upsert(doc);
            return { key, status: true, statusCode: existing ? 200 : 201, errorMessage: null };
          case 'merge':
          case 'mergeOrUpload':
            if (!existing) {
              if (action === 'merge') return { key, status: false, statusCode: 404, errorMessage: 'Document not found.' };
              write.upsert(doc);
              return { key, status: true, statusCode: 201, errorMessage: null };
            }
            write.upsert({ ...existing, ...doc });
            return { key, status: true, statusCode: 200, errorMessage: null };
          case 'delete':
            if (existing) write.remove(key);
            return { key, status: true, statusCode: 200, errorMessage: null };
        }
      }),
    )();
    return { results, allSucceeded: results.every((r) => r.status) };
  }

  private prepareAction(s: IndexState, raw: unknown, i: number): { action: 'upload' | 'merge' | 'mergeOrUpload' | 'delete'; doc: Record<string, unknown>; key: string } {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest(`The request is invalid. Details: actions[${i}] : An indexing action must be an object.`);
    const { '@search.action': actionRaw, ...rest } = raw as Record<string, unknown>;
    const action = (actionRaw ?? 'upload') as string;
    if (!['upload', 'merge', 'mergeOrUpload', 'delete'].includes(action)) throw badRequest(`The request is invalid. Details: actions[${i}] : '${String(action)}' is not a valid indexing action (upload, merge, mergeOrUpload, delete).`);
    const key = rest[s.key.name];
    if (typeof key !== 'string') throw badRequest(`The request is invalid. Details: actions[${i}] : The key field '${s.key.name}' must be present and a string in every document.`);
    const doc: Record<string, unknown> = {};
    if (action === 'delete') return { action, doc: { [s.key.name]: key }, key };
    for (const [name, value] of Object.entries(rest)) {
      if (name.startsWith('@')) continue;
      const f = s.byName.get(name);
      if (!f) throw badRequest(`The request is invalid. Details: parameters : The property '${name}' does not exist on type 'search.documentFields'. Make sure to only use property names that are defined by the type.`);
      doc[name] = normalizeValue(f, value, i);
    }
    return { action: action as 'upload', doc, key };
  }

  /** Statements writing one index's tables, prepared once per batch. */
  private writer(s: IndexState) {
    const simple = s.fields.filter((f) => s.columns.has(f.name) && !f.key);
    const collections = s.fields.filter((f) => f.collection);
    const searchable = s.fields.filter((f) => f.searchable);
    const cols = simple.map((f) => s.columns.get(f.name)!);
    const find = this.db.prepare(`SELECT d.rowid AS rowid, j.doc AS doc FROM d${s.id} d JOIN j${s.id} j ON j.rowid = d.rowid WHERE d.k = ?`);
    const insert = this.db.prepare(`INSERT INTO d${s.id} (k${cols.map((c) => `, ${c}`).join('')}) VALUES (?${cols.map(() => ', ?').join('')})`);
    const update = cols.length ? this.db.prepare(`UPDATE d${s.id} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE rowid = ?`) : undefined;
    const del = this.db.prepare(`DELETE FROM d${s.id} WHERE rowid = ?`);
    const putJson = this.db.prepare(`INSERT OR REPLACE INTO j${s.id} (rowid, doc) VALUES (?, ?)`);
    const delJson = this.db.prepare(`DELETE FROM j${s.id} WHERE rowid = ?`);
    const delColl = this.db.prepare(`DELETE FROM m${s.id} WHERE r = ?`);
    const insColl = this.db.prepare(`INSERT INTO m${s.id} (r, f, v) VALUES (?, ?, ?)`);
    const ftsCols = searchable.map((f) => s.fts.get(f.name)!);
    const delFts = searchable.length ? this.db.prepare(`DELETE FROM f${s.id} WHERE rowid = ?`) : undefined;
    const insFts = searchable.length ? this.db.prepare(`INSERT INTO f${s.id} (rowid, ${ftsCols.join(', ')}) VALUES (?${ftsCols.map(() => ', ?').join('')})`) : undefined;
    const columnValue = (f: Field, v: unknown) => {
      if (v === null || v === undefined) return null;
      if (f.type === 'Edm.Boolean') return v ? 1 : 0;
      if (f.type === 'Edm.DateTimeOffset') return new Date(v as string).toISOString();
      if (f.type === 'Edm.Double' && typeof v === 'string') return null; // NaN, INF: not comparable
      return v;
    };
    return {
      find: (key: string): Record<string, unknown> | undefined => {
        const row = find.get(key) as { doc: string } | undefined;
        return row ? (JSON.parse(row.doc) as Record<string, unknown>) : undefined;
      },
      upsert: (doc: Record<string, unknown>) => {
        const key = doc[s.key.name] as string;
        const values = simple.map((f) => columnValue(f, doc[f.name]));
        const json = JSON.stringify(doc);
        const row = find.get(key) as { rowid: number } | undefined;
        let rowid: number;
        if (row) {
          rowid = row.rowid;
          update?.run(...values, rowid);
          delColl.run(rowid);
          delFts?.run(rowid);
        } else {
          rowid = Number(insert.run(key, ...values).lastInsertRowid);
        }
        putJson.run(rowid, json);
        for (const f of collections) {
          const list = doc[f.name];
          if (Array.isArray(list)) for (const v of new Set(list)) insColl.run(rowid, f.name, columnValue(f, v));
        }
        if (insFts) {
          insFts.run(
            rowid,
            ...searchable.map((f) => {
              const v = doc[f.name];
              const texts = Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
              return texts.map((t) => analyze(t, f.analyzer).map((tok) => tok.term).join(' ')).join(' ');
            }),
          );
        }
      },
      remove: (key: string) => {
        const row = find.get(key) as { rowid: number } | undefined;
        if (!row) return;
        del.run(row.rowid);
        delJson.run(row.rowid);
        delColl.run(row.rowid);
        delFts?.run(row.rowid);
      },
    };
  }

  // ---------------------------------------------------------------- search

  search(name: string, request: SearchRequest): SearchResponse {
    const s = this.require(name);
    const full = checkChoice(request.queryType ?? 'simple', ['simple', 'full'], 'queryType') === 'full';
    const all = checkChoice(request.searchMode ?? 'any', ['any', 'all'], 'searchMode') === 'all';
    const top = checkCount(request.top, 'top', Number.MAX_SAFE_INTEGER);
    const skip = checkCount(request.skip, 'skip', MAX_SKIP) ?? 0;
    const searchFields = this.fieldList(s, request.searchFields, 'searchFields', (f) => f.searchable, 'searchable');
    const defaults = searchFields ?? s.fields.filter((f) => f.searchable).map((f) => f.name);
    const query = parseSearch(request.search, { full, all });

    const params: unknown[] = [];
    // The full-text match always leads (CROSS JOIN fixes SQLite's join order): its cost is the
    // number of hits. Left free, the planner would sometimes start from another table (a facet's
    // values, a filter's index) and run the MATCH again for every row, which grows with the index,
    // not the hits: 3.1 s instead of 36 ms for 20 hits among 100,000 documents.
    let from = `d${s.id} d`;
    const where: string[] = [];
    let score = '1.0';
    const compiled = this.compileQuery(s, query, defaults);
    if (compiled === null || 'none' in compiled) return this.emptyResponse(request);
    if ('pos' in compiled) {
      from = `f${s.id} CROSS JOIN d${s.id} d ON d.rowid = f${s.id}.rowid`;
      where.push(`f${s.id} MATCH ?`);
      params.push(compiled.pos);
      score = `-bm25(f${s.id})`;
    } else if ('neg' in compiled) {
      where.push(`d.rowid NOT IN (SELECT rowid FROM f${s.id} WHERE f${s.id} MATCH ?)`);
      params.push(compiled.neg);
    }
    if (request.filter !== undefined && request.filter !== null && request.filter !== '') {
      if (typeof request.filter !== 'string') throw filterError('$filter must be a string.');
      const f = compileFilter(request.filter, {
        fields: s.byName,
        column: (field) => s.columns.get(field.name)!,
        collectionTable: `m${s.id}`,
        fullText: (text, fields, queryType, searchMode) => {
          const q = parseSearch(text, { full: queryType === 'full', all: searchMode === 'all' });
          const within = this.fieldList(s, fields, 'search.ismatch', (x) => x.searchable, 'searchable') ?? defaults;
          const c = this.compileQuery(s, q, within);
          if (c === null || 'none' in c) return { sql: '0', params: [] };
          if ('all' in c) return { sql: '1', params: [] };
          if ('pos' in c) return { sql: `d.rowid IN (SELECT rowid FROM f${s.id} WHERE f${s.id} MATCH ?)`, params: [c.pos] };
          return { sql: `d.rowid NOT IN (SELECT rowid FROM f${s.id} WHERE f${s.id} MATCH ?)`, params: [c.neg] };
        },
      });
      where.push(f.sql);
      params.push(...f.params);
    }
    const whereSql = where.length ? ` WHERE ${where.map((w) => `(${w})`).join(' AND ')}` : '';
    const order = this.orderBy(s, request.orderby, score);
    const pageSize = top === undefined ? DEFAULT_TOP : Math.min(top, MAX_PAGE);
    // The page's rowids first (sorting only rowids and scores), then the page's documents.
    const simpleScoreOrder = 'pos' in compiled && where.length === 1 && !request.orderby;
    const ranked = this.run(() =>
      simpleScoreOrder
        ? // No filter, by relevance: FTS5 alone, without touching the documents.
          this.db.prepare(`SELECT rowid AS id, -bm25(f${s.id}) AS score FROM f${s.id} WHERE f${s.id} MATCH ? ORDER BY bm25(f${s.id}) ASC, rowid ASC LIMIT ? OFFSET ?`).all(compiled.pos, pageSize + 1, skip)
        : this.db.prepare(`SELECT d.rowid AS id, ${score} AS score FROM ${from}${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, pageSize + 1, skip),
    ) as { id: number; score: number }[];
    const more = ranked.length > pageSize;
    const pageIds = ranked.slice(0, pageSize);
    const docs = new Map<number, string>();
    if (pageIds.length) {
      for (const row of this.db.prepare(`SELECT rowid AS id, doc FROM j${s.id} WHERE rowid IN (${pageIds.map(() => '?').join(',')})`).all(...pageIds.map((r) => r.id)) as { id: number; doc: string }[]) docs.set(row.id, row.doc);
    }
    const page = pageIds.map((r) => ({ doc: docs.get(r.id)!, score: r.score }));

    const selected = this.selected(s, request.select);
    const highlight = this.highlighter(s, request, query, defaults);
    const response: SearchResponse = { value: [] };
    if (request.count === true) {
      const countSql = 'pos' in compiled && where.length === 1 ? `SELECT count(*) AS n FROM f${s.id} WHERE f${s.id} MATCH ?` : `SELECT count(*) AS n FROM ${from}${whereSql}`;
      response['@odata.count'] = (this.run(() => this.db.prepare(countSql).get(...params)) as { n: number }).n;
    }
    if (request.facets?.length) response['@search.facets'] = this.facets(s, request.facets, from, whereSql, params);
    response.value = page.map((r) => {
      const doc = JSON.parse(r.doc) as Record<string, unknown>;
      const out: Record<string, unknown> = { '@search.score': Math.round(r.score * 1e6) / 1e6 };
      const h = highlight?.(doc);
      if (h) out['@search.highlights'] = h;
      return Object.assign(out, project(doc, selected));
    });
    // Beyond one page (top absent and more than 50 hits, or top over 1000) the service says where
    // the next page starts; the SDK follows it when the caller iterates over every result.
    const remaining = top === undefined ? undefined : top - pageSize;
    if (more && (remaining === undefined || remaining > 0)) {
      const next: SearchRequest = { ...request, skip: skip + pageSize };
      if (remaining === undefined) delete next.top;
      else next.top = remaining;
      response['@search.nextPageParameters'] = next;
      response['@odata.nextLink'] = `indexes('${name}')/docs/search.post.search`;
    }
    return response;
  }

  private emptyResponse(request: SearchRequest): SearchResponse {
    const r: SearchResponse = { value: [] };
    if (request.count === true) r['@odata.count'] = 0;
    if (request.facets?.length) r['@search.facets'] = Object.fromEntries(request.facets.map((f) => [f.split(',')[0]!.trim(), []]));
    return r;
  }

  private compileQuery(s: IndexState, q: ReturnType<typeof parseSearch>, defaults: string[]): Compiled | null {
    if (s.fts.size === 0) return q.k === 'all' ? { all: true } : { none: true };
    return compile(q, s.byName, s.fts, defaults);
  }

  /** SQLite errors on a query the parser let through become the service's 400. */
  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof SearchError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      if (/fts5|syntax|MATCH/i.test(message)) throw badRequest(`Failed to parse query string: ${message}\r\nParameter name: search`);
      throw e;
    }
  }

  private orderBy(s: IndexState, orderby: string | undefined, score: string): string {
    if (!orderby) return `score DESC, d.rowid ASC`;
    const clauses = orderby.split(',').map((c) => c.trim()).filter(Boolean);
    if (clauses.length > 32) throw badRequest('Invalid expression: $orderby has more than 32 clauses.\r\nParameter name: $orderby');
    const parts = clauses.map((c) => {
      const m = /^(search\.score\(\)|[A-Za-z][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/i.exec(c);
      if (!m) throw badRequest(`Invalid expression: '${c}' is not a valid $orderby clause (a field or search.score(), then asc or desc).\r\nParameter name: $orderby`);
      const dir = (m[2] ?? 'asc').toUpperCase();
      if (m[1]!.toLowerCase() === 'search.score()') return `${score} ${dir}`;
      const f = s.byName.get(m[1]!);
      if (!f) throw badRequest(`Invalid expression: Could not find a property named '${m[1]}' on type 'search.document'.\r\nParameter name: $orderby`);
      if (!f.sortable || f.collection) throw badRequest(`Invalid expression: The field '${f.name}' is not sortable. Only sortable fields can be used in $orderby.\r\nParameter name: $orderby`);
      return `d.${s.columns.get(f.name)} ${dir}`;
    });
    return [...parts, 'score DESC', 'd.rowid ASC'].join(', ');
  }

  private facets(s: IndexState, specs: string[], from: string, whereSql: string, params: unknown[]): Record<string, { value?: unknown; count: number }[]> {
    const out: Record<string, { value?: unknown; count: number }[]> = {};
    for (const spec of specs) {
      const [name, ...options] = spec.split(',').map((p) => p.trim());
      const f = s.byName.get(name!);
      if (!f) throw badRequest(`Invalid facet expression '${spec}': could not find a field named '${name}'.\r\nParameter name: facet`);
      if (!f.facetable) throw badRequest(`Invalid facet expression '${spec}': the field '${f.name}' is not facetable.\r\nParameter name: facet`);
      let count = 10;
      let sort = 'count';
      let interval: string | undefined;
      for (const o of options) {
        const [k, v] = o.split(':').map((p) => p.trim());
        if (k === 'count' && /^\d+$/.test(v ?? '')) count = Number(v);
        else if (k === 'sort' && ['count', '-count', 'value', '-value'].includes(v ?? '')) sort = v!;
        else if (k === 'interval' && v) interval = v;
        else throw badRequest(`Invalid facet expression '${spec}': '${o}' is not a facet parameter the emulator supports (count:N, sort:count|-count|value|-value, interval).\r\nParameter name: facet`);
      }
      const col = f.collection ? 'm.v' : `d.${s.columns.get(f.name)}`;
      let group = col;
      if (interval !== undefined) {
        if (f.type === 'Edm.DateTimeOffset') {
          const len = { year: 4, month: 7, day: 10 }[interval];
          if (!len) throw badRequest(`Invalid facet expression '${spec}': the emulator supports date intervals year, month and day.\r\nParameter name: facet`);
          group = `substr(${col}, 1, ${len})`;
        } else if (['Edm.Int32', 'Edm.Int64', 'Edm.Double'].includes(f.type) && Number(interval) > 0) {
          group = `(CAST(floor(${col} / ${Number(interval)}) AS INTEGER) * ${Number(interval)})`;
        } else {
          throw badRequest(`Invalid facet expression '${spec}': interval needs a date field (year, month, day) or a positive number on a numeric field.\r\nParameter name: facet`);
        }
        if (!options.some((o) => o.startsWith('sort:'))) sort = 'value';
      }
      // Each matching document's own values (by rowid), never a scan of every value of the field per document.
      const join = f.collection ? ` CROSS JOIN m${s.id} m INDEXED BY m${s.id}_r ON m.r = d.rowid AND m.f = ?` : '';
      const extra = f.collection ? [f.name] : [];
      const order = { count: 'n DESC, v ASC', '-count': 'n ASC, v ASC', value: 'v ASC', '-value': 'v DESC' }[sort]!;
      const where = `${whereSql ? `${whereSql} AND` : ' WHERE'} ${col} IS NOT NULL`;
      // A date/number interval facet lists every bucket; a value facet the `count` first.
      const limit = interval === undefined ? ` LIMIT ${count}` : '';
      // The collection join's parameter sits between FROM's own (none today) and WHERE's (the MATCH, then the filter).
      const [fromParams, whereParams] = splitParams(from, params);
      const rows = this.db
        .prepare(`SELECT ${group} AS v, ${f.collection ? 'count(DISTINCT d.rowid)' : 'count(*)'} AS n FROM ${from}${join}${where} GROUP BY ${group} ORDER BY ${order}${limit}`)
        .all(...fromParams, ...extra, ...whereParams) as { v: unknown; n: number }[];
      out[f.name] = rows.map((r) => ({ value: facetValue(f, r.v, interval), count: r.n }));
    }
    return out;
  }

  private highlighter(s: IndexState, request: SearchRequest, query: ReturnType<typeof parseSearch>, defaults: string[]) {
    const list = this.fieldList(s, request.highlight, 'highlight', (f) => f.searchable, 'searchable');
    if (!list?.length) return undefined;
    const pre = request.highlightPreTag ?? '<em>';
    const post = request.highlightPostTag ?? '</em>';
    const terms = positiveTerms(query);
    // Per highlighted field: the analyzed words and prefixes the query looks for in that field.
    const wanted = new Map<string, { words: Set<string>; prefixes: string[] }>();
    for (const name of list) {
      const f = s.byName.get(name)!;
      const w = { words: new Set<string>(), prefixes: [] as string[] };
      for (const t of terms) {
        if (!(t.fields ?? defaults).includes(name)) continue;
        if (t.word !== undefined) for (const tok of analyze(t.word, f.analyzer)) w.words.add(tok.term);
        if (t.prefix !== undefined && analyzePrefix(t.prefix)) w.prefixes.push(analyzePrefix(t.prefix));
      }
      if (w.words.size || w.prefixes.length) wanted.set(name, w);
    }
    if (!wanted.size) return undefined;
    return (doc: Record<string, unknown>): Record<string, string[]> | undefined => {
      const out: Record<string, string[]> = {};
      for (const [name, w] of wanted) {
        const f = s.byName.get(name)!;
        const v = doc[name];
        const texts = Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
        const fragments: string[] = [];
        for (const text of texts) {
          // Enough hits for five fragments is enough: long attachment texts are not read to the end.
          const hits: Token[] = [];
          for (const t of tokens(text, f.analyzer)) {
            if (w.words.has(t.term) || w.prefixes.some((p) => t.term.startsWith(p) || (analyzeWord(text.slice(t.start, t.end), 'standardasciifolding.lucene') ?? '').startsWith(p))) hits.push(t);
            if (hits.length >= 100) break;
          }
          fragments.push(...fragmentsOf(text, hits, pre, post));
          if (fragments.length >= 5) break;
        }
        if (fragments.length) out[name] = fragments.slice(0, 5);
      }
      return Object.keys(out).length ? out : undefined;
    };
  }

  // ---------------------------------------------------------------- helpers

  private fieldList(s: IndexState, list: string | string[] | undefined, parameter: string, allowed: (f: Field) => boolean, what: string): string[] | undefined {
    if (list === undefined || list === null || list === '') return undefined;
    const names = (Array.isArray(list) ? list : String(list).split(',')).map((n) => n.trim()).filter(Boolean);
    for (const n of names) {
      const f = s.byName.get(n);
      if (!f) throw badRequest(`Unknown field '${n}' in ${parameter}.\r\nParameter name: ${parameter}`);
      if (!allowed(f)) throw badRequest(`The field '${n}' in ${parameter} is not ${what}.\r\nParameter name: ${parameter}`);
    }
    return names;
  }

  private selected(s: IndexState, select: string | undefined): string[] {
    const retrievable = s.fields.filter((f) => f.retrievable).map((f) => f.name);
    if (!select || select.trim() === '*') return retrievable;
    const names = select.split(',').map((n) => n.trim()).filter(Boolean);
    for (const n of names) {
      const f = s.byName.get(n);
      if (!f) throw badRequest(`Invalid expression: Could not find a property named '${n}' on type 'search.document'.\r\nParameter name: $select`);
      if (!f.retrievable) throw badRequest(`The field '${n}' is not retrievable and cannot be selected.\r\nParameter name: $select`);
    }
    return names;
  }

  private require(name: string): IndexState {
    const s = this.indexes.get(name);
    if (!s) throw new SearchError(404, 'ResourceNotFound', `The index '${name}' was not found.`);
    return s;
  }

  private describe(s: IndexState): IndexDefinition {
    return { ...s.definition, '@odata.etag': s.etag };
  }

  private nextId(): number {
    const row = this.db.prepare('SELECT coalesce(max(id), 0) + 1 AS id FROM indexes_').get() as { id: number };
    return row.id;
  }

  private state(name: string, id: number, definition: IndexDefinition, fields: Field[], etag: string): IndexState {
    const columns = new Map<string, string>();
    const fts = new Map<string, string>();
    fields.forEach((f, i) => {
      // Only what filters, sorting and facets read gets a column (the key is `k`).
      if (f.key) columns.set(f.name, 'k');
      else if (!f.collection && (f.filterable || f.sortable || f.facetable)) columns.set(f.name, `c${i}`);
      if (f.searchable) fts.set(f.name, `s${i}`);
    });
    return { name, id, definition, etag, fields, byName: new Map(fields.map((f) => [f.name, f])), key: fields.find((f) => f.key)!, columns, fts };
  }

  private create(definition: IndexDefinition, fields: Field[]): IndexState {
    const id = this.nextId();
    const s = this.state(definition.name, id, definition, fields, newEtag());
    const typed = (f: Field) => (f.type === 'Edm.String' || f.type === 'Edm.DateTimeOffset' ? 'TEXT' : f.type === 'Edm.Double' ? 'REAL' : 'INTEGER');
    const simple = fields.filter((f) => s.columns.has(f.name) && !f.key);
    this.db.transaction(() => {
      this.db.exec(`CREATE TABLE d${id} (rowid INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE${simple.map((f) => `, ${s.columns.get(f.name)} ${typed(f)}`).join('')})`);
      for (const f of simple) this.db.exec(`CREATE INDEX d${id}_${s.columns.get(f.name)} ON d${id} (${s.columns.get(f.name)})`);
      this.db.exec(`CREATE TABLE j${id} (rowid INTEGER PRIMARY KEY, doc TEXT NOT NULL)`);
      this.db.exec(`CREATE TABLE m${id} (r INTEGER NOT NULL, f TEXT NOT NULL, v)`);
      this.db.exec(`CREATE INDEX m${id}_fv ON m${id} (f, v, r)`);
      this.db.exec(`CREATE INDEX m${id}_r ON m${id} (r)`);
      if (s.fts.size) {
        // Terms are analyzed already: FTS5 splits on spaces only ('.' and '_' stay inside a term).
        this.db.exec(`CREATE VIRTUAL TABLE f${id} USING fts5(${[...s.fts.values()].join(', ')}, tokenize = "unicode61 remove_diacritics 0 tokenchars '._'", prefix = '2 3 4')`);
      }
      this.db.prepare('INSERT INTO indexes_ (name, id, definition, etag) VALUES (?, ?, ?, ?)').run(definition.name, id, JSON.stringify(definition), s.etag);
    })();
    this.indexes.set(definition.name, s);
    return s;
  }

  private dropTables(id: number): void {
    this.db.exec(`DROP TABLE IF EXISTS d${id}; DROP TABLE IF EXISTS j${id}; DROP TABLE IF EXISTS m${id}; DROP TABLE IF EXISTS f${id};`);
  }
}

/** The FROM clause's own parameters come first, then the WHERE clause's (the full-text MATCH is in WHERE). */
function splitParams(from: string, params: unknown[]): [unknown[], unknown[]] {
  const n = (from.match(/\?/g) ?? []).length;
  return [params.slice(0, n), params.slice(n)];
}

function newEtag(): string {
  return `"0x8D${randomBytes(6).toString('hex').toUpperCase()}"`;
}

function checkConditions(etag: string | undefined, { ifMatch, ifNoneMatch }: { ifMatch?: string; ifNoneMatch?: string }): void {
  if (ifMatch !== undefined && (etag === undefined || (ifMatch !== '*' && ifMatch !== etag))) {
    throw new SearchError(412, 'PreconditionFailed', 'The precondition given in one of the request headers evaluated to false. No change was made to the resource from this request.');
  }
  if (ifNoneMatch !== undefined && etag !== undefined && (ifNoneMatch === '*' || ifNoneMatch === etag)) {
    throw new SearchError(412, 'PreconditionFailed', 'The precondition given in one of the request headers evaluated to false. No change was made to the resource from this request.');
  }
}

function checkChoice(value: unknown, allowed: string[], parameter: string): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw badRequest(`The request is invalid. Details: ${parameter} : '${String(value)}' is not a supported value (${allowed.join(', ')}).`);
  }
  return value;
}

function checkCount(value: unknown, parameter: string, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw badRequest(`The request is invalid. Details: ${parameter} : must be a whole number from 0 to ${max}.\r\nParameter name: ${parameter}`);
  }
  return value;
}

/** Checks and normalizes one field's value (dates as the service returns them: UTC, 'Z'). */
function normalizeValue(f: Field, value: unknown, i: number): unknown {
  if (value === null || value === undefined) return null;
  const bad = () =>
    badRequest(`The request is invalid. Details: parameters : Cannot convert the literal '${JSON.stringify(value)}' to the expected type '${f.collection ? `Collection(${f.type})` : f.type}' (field '${f.name}', action ${i}).`);
  if (f.collection) {
    if (!Array.isArray(value)) throw bad();
    return value.map((v) => {
      if (v === null) throw bad();
      return normalizeValue({ ...f, collection: false }, v, i);
    });
  }
  switch (f.type) {
    case 'Edm.String':
      if (typeof value !== 'string') throw bad();
      return value;
    case 'Edm.Boolean':
      if (typeof value !== 'boolean') throw bad();
      return value;
    case 'Edm.Int32':
    case 'Edm.Int64': {
      const n = typeof value === 'string' && f.type === 'Edm.Int64' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || (f.type === 'Edm.Int32' && Math.abs(n) > 2 ** 31)) throw bad();
      return n;
    }
    case 'Edm.Double':
      if (typeof value === 'number' || value === 'NaN' || value === 'INF' || value === '-INF') return value;
      throw bad();
    case 'Edm.DateTimeOffset': {
      if (typeof value !== 'string' || !/(Z|[+-]\d{2}:\d{2})$/i.test(value)) throw bad();
      const d = new Date(value);
      if (Number.isNaN(d.getTime())) throw bad();
      return formatDate(d);
    }
  }
}

function formatDate(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

function facetValue(f: Field, v: unknown, interval: string | undefined): unknown {
  if (f.type === 'Edm.Boolean') return v === 1;
  if (f.type === 'Edm.DateTimeOffset') {
    const text = String(v);
    const padded = interval === 'year' ? `${text}-01-01T00:00:00Z` : interval === 'month' ? `${text}-01T00:00:00Z` : interval === 'day' ? `${text}T00:00:00Z` : formatDate(new Date(text));
    return padded;
  }
  return v;
}

function project(doc: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of fields) out[name] = doc[name] ?? null;
  return out;
}

/** Highlight fragments: the whole value when short, else up to 5 windows around the hits. */
function fragmentsOf(text: string, hits: { start: number; end: number }[], pre: string, post: string): string[] {
  if (!hits.length) return [];
  const mark = (from: number, to: number) => {
    let out = '';
    let at = from;
    for (const h of hits) {
      if (h.start < from || h.end > to) continue;
      out += text.slice(at, h.start) + pre + text.slice(h.start, h.end) + post;
      at = h.end;
    }
    return out + text.slice(at, to);
  };
  if (text.length <= 200) return [mark(0, text.length)];
  const windows: [number, number][] = [];
  for (const h of hits) {
    let from = Math.max(0, h.start - 80);
    let to = Math.min(text.length, h.end + 80);
    while (from > 0 && !/\s/.test(text[from - 1]!)) from--;
    while (to < text.length && !/\s/.test(text[to]!)) to++;
    const last = windows[windows.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else windows.push([from, to]);
    if (windows.length >= 5) break;
  }
  return windows.map(([from, to]) => mark(from, to).trim());
}
