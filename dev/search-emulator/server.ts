/**
 * The data-plane REST API of Azure AI Search over HTTP, as `@azure/search-documents` calls it:
 * the OData paths it sends (`/indexes('name')/docs/search.post.search`), and the plain ones of
 * the REST reference (`/indexes/name/docs/search`) for curl. Every request needs `api-version`
 * and the `api-key` header (the admin key; the query key for searches and reads only).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { SearchError } from './schema';
import type { SearchRequest, SearchStore } from './store';

export interface ServerOptions {
  store: SearchStore;
  adminKey: string;
  queryKey?: string;
}

/** The most a request body may hold (the service's limit for an indexing batch is 16 MB). */
const MAX_BODY = 16 * 1024 * 1024;
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

/** Search options the emulator does not implement: refused by name rather than ignored. */
const UNSUPPORTED = ['vectorQueries', 'vectorFilterMode', 'semanticConfiguration', 'semanticQuery', 'answers', 'captions', 'scoringProfile', 'scoringParameters'];

export function createSearchServer(options: ServerOptions): Server {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((e: unknown) => {
      if (e instanceof SearchError) return send(res, e.status, { error: { code: e.code, message: e.message } });
      send(res, 500, { error: { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e) } });
    });
  });
  server.keepAliveTimeout = 600_000;
  return server;
}

type Route =
  | { op: 'indexes' }
  | { op: 'index'; index: string }
  | { op: 'stats'; index: string }
  | { op: 'docs'; index: string }
  | { op: 'batch'; index: string }
  | { op: 'search'; index: string }
  | { op: 'count'; index: string }
  | { op: 'doc'; index: string; key: string }
  | { op: 'servicestats' };

function route(pathname: string): Route | undefined {
  const p = decodeURIComponent(pathname).replace(/\/+$/, '');
  if (p === '/indexes') return { op: 'indexes' };
  if (p === '/servicestats') return { op: 'servicestats' };
  const m = /^\/indexes(?:\('([^']+)'\)|\/([^/()]+))(\/.*)?$/.exec(p);
  if (!m) return undefined;
  const index = (m[1] ?? m[2])!;
  const rest = m[3] ?? '';
  switch (rest) {
    case '':
      return { op: 'index', index };
    case '/search.stats':
    case '/stats':
      return { op: 'stats', index };
    case '/docs':
      return { op: 'docs', index };
    case '/docs/search.index':
    case '/docs/index':
      return { op: 'batch', index };
    case '/docs/search.post.search':
    case '/docs/search':
      return { op: 'search', index };
    case '/docs/$count':
      return { op: 'count', index };
  }
  const doc = /^\/docs(?:\('([^']*)'\)|\/([^/]+))$/.exec(rest);
  if (doc) return { op: 'doc', index, key: (doc[1] ?? doc[2])! };
  return undefined;
}

async function handle({ store, adminKey, queryKey }: ServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const apiVersion = url.searchParams.get('api-version');
  if (!apiVersion) throw new SearchError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  if (!API_VERSION.test(apiVersion)) throw new SearchError(400, 'InvalidApiVersionParameter', `Invalid or missing api-version query string parameter: '${apiVersion}'.`);
  const r = route(url.pathname);
  if (!r) throw new SearchError(404, 'ResourceNotFound', `No resource at '${url.pathname}'.`);
  const method = req.method ?? 'GET';
  const readOnly = ['search', 'docs', 'doc', 'count'].includes(r.op) && (method === 'GET' || r.op === 'search');
  const key = req.headers['api-key'];
  const keyOk = key === adminKey || (readOnly && queryKey !== undefined && key === queryKey);
  if (!keyOk) {
    const why = req.headers.authorization ? 'Bearer tokens are not accepted by the emulator; use the api-key header.' : 'The api-key header is missing or does not match a key of this service.';
    throw new SearchError(403, 'Forbidden', `Access denied. ${why}`);
  }
  const conditions = { ifMatch: header(req, 'if-match'), ifNoneMatch: header(req, 'if-none-match') };
  const base = `http://${req.headers.host ?? 'localhost'}`;
  const wrong = () => new SearchError(405, 'MethodNotAllowed', `${method} is not allowed on '${url.pathname}'.`);

  switch (r.op) {
    case 'indexes': {
      if (method === 'GET') {
        const select = url.searchParams.get('$select');
        const all = store.listIndexes();
        const value = select ? all.map((i) => Object.fromEntries(select.split(',').map((f) => f.trim()).map((f) => [f, i[f]]))) : all;
        return send(res, 200, { value });
      }
      if (method === 'POST') {
        const index = store.createIndex(await body(req));
        return send(res, 201, index, { etag: String(index['@odata.etag']), location: `${base}/indexes('${index.name}')?api-version=${apiVersion}` });
      }
      throw wrong();
    }
    case 'index': {
      if (method === 'GET') {
        const index = store.getIndex(r.index);
        return send(res, 200, index, { etag: String(index['@odata.etag']) });
      }
      if (method === 'PUT') {
        const { index, created } = store.createOrUpdateIndex(r.index, await body(req), conditions);
        const preferMinimal = /return=minimal/i.test(header(req, 'prefer') ?? '');
        if (preferMinimal && !created) return send(res, 204, undefined, { etag: String(index['@odata.etag']) });
        return send(res, created ? 201 : 200, index, { etag: String(index['@odata.etag']) });
      }
      if (method === 'DELETE') {
        store.deleteIndex(r.index, conditions);
        return send(res, 204, undefined);
      }
      throw wrong();
    }
    case 'stats':
      if (method !== 'GET') throw wrong();
      return send(res, 200, store.stats(r.index));
    case 'servicestats':
      if (method !== 'GET') throw wrong();
      return send(res, 200, { counters: { indexesCount: { usage: store.listIndexes().length, quota: 50 } }, limits: {} });
    case 'count': {
      if (method !== 'GET') throw wrong();
      const n = store.count(r.index);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'request-id': randomUUID() });
      return void res.end(String(n));
    }
    case 'doc': {
      if (method !== 'GET') throw wrong();
      return send(res, 200, store.getDocument(r.index, r.key, url.searchParams.get('$select') ?? undefined));
    }
    case 'batch': {
      if (method !== 'POST') throw wrong();
      const { results, allSucceeded } = store.index(r.index, await body(req));
      return send(res, allSucceeded ? 200 : 207, { value: results });
    }
    case 'search':
    case 'docs': {
      let request: SearchRequest;
      if (r.op === 'search') {
        if (method !== 'POST') throw wrong();
        request = (await body(req)) as SearchRequest;
        if (!request || typeof request !== 'object' || Array.isArray(request)) throw new SearchError(400, 'InvalidRequestParameter', 'The request is invalid. Details: the body must be a JSON object.');
      } else {
        if (method !== 'GET') throw wrong();
        request = fromQueryString(url.searchParams);
      }
      checkTypes(request);
      for (const name of UNSUPPORTED) {
        if (request[name] !== undefined && request[name] !== null) throw new SearchError(400, 'InvalidRequestParameter', `The search emulator does not support '${name}'.`);
      }
      if (request.queryType === 'semantic') throw new SearchError(400, 'InvalidRequestParameter', "The search emulator does not support queryType 'semantic'.");
      const result = store.search(r.index, request);
      if (result['@odata.nextLink']) result['@odata.nextLink'] = `${base}/${result['@odata.nextLink']}?api-version=${apiVersion}`;
      return send(res, 200, result);
    }
  }
}

const STRINGS = ['search', 'queryType', 'searchMode', 'searchFields', 'select', 'filter', 'orderby', 'highlight', 'highlightPreTag', 'highlightPostTag'];

/** A parameter of the wrong JSON type gets 400 naming it, as the service's model binding does. */
function checkTypes(request: SearchRequest): void {
  const wrong: string[] = [];
  for (const name of STRINGS) if (request[name] !== undefined && request[name] !== null && typeof request[name] !== 'string') wrong.push(`${name} (a string)`);
  for (const name of ['top', 'skip']) if (request[name] !== undefined && request[name] !== null && typeof request[name] !== 'number') wrong.push(`${name} (a number)`);
  if (request.count !== undefined && request.count !== null && typeof request.count !== 'boolean') wrong.push('count (true or false)');
  if (request.facets !== undefined && request.facets !== null && (!Array.isArray(request.facets) || request.facets.some((f) => typeof f !== 'string'))) wrong.push('facets (an array of strings)');
  if (wrong.length) throw new SearchError(400, 'InvalidRequestParameter', `The request is invalid. Details: these parameters have the wrong type: ${wrong.join(', ')}.`);
}

function fromQueryString(q: URLSearchParams): SearchRequest {
  const num = (name: string) => {
    const v = q.get(name);
    return v === null ? undefined : /^\d+$/.test(v) ? Number(v) : (v as unknown as number);
  };
  const str = (name: string) => q.get(name) ?? undefined;
  return {
    search: str('search'),
    queryType: str('queryType'),
    searchMode: str('searchMode'),
    searchFields: str('searchFields'),
    select: str('$select'),
    filter: str('$filter'),
    orderby: str('$orderby'),
    top: num('$top'),
    skip: num('$skip'),
    count: q.get('$count') === 'true',
    facets: q.getAll('facet'),
    highlight: str('highlight'),
    highlightPreTag: str('highlightPreTag'),
    highlightPostTag: str('highlightPostTag'),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SearchError(413, 'RequestEntityTooLarge', 'The request is too large: at most 16 MB.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SearchError(400, 'InvalidRequestParameter', 'The request is invalid. Details: the body is not valid JSON.');
  }
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const common = { 'request-id': randomUUID(), ...headers };
  if (payload === undefined) {
    res.writeHead(status, common);
    res.end();
    return;
  }
  const text = JSON.stringify(payload);
  res.writeHead(status, { ...common, 'content-type': 'application/json; odata.metadata=none; odata.streaming=true; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
