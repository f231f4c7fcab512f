import type { Readable } from 'node:stream';

/** One Graph call as the route handlers see it (also used for the parts of a `$batch`). */
export interface GraphCall {
  method: string;
  /** Path after `/v1.0`, decoded, with `('x')` key segments rewritten to `/x`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  /** Raw body bytes (file uploads). */
  rawBody: Buffer;
  requestId: string;
  /** `https://127.0.0.1:PORT/v1.0`, to build `@odata.nextLink` and friends. */
  graphBaseUrl: string;
  /** The calling application (from the token's `appid`, else one default app). */
  appId: string;
}

export interface GraphResult {
  status: number;
  headers?: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  /** Raw body produced on demand (MIME, file content); never buffered whole. */
  stream?: () => Readable;
  contentType?: string;
}

/** A failure answered with Graph's error body. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string): GraphError =>
  new GraphError(404, 'ErrorItemNotFound', `The specified object was not found in the store. (${what})`);
export const resourceNotFound = (what: string): GraphError =>
  new GraphError(404, 'Request_ResourceNotFound', `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`);
export const badRequest = (message: string, code = 'BadRequest'): GraphError => new GraphError(400, code, message);

export function graphErrorBody(error: GraphError, requestId: string, clientRequestId: string | undefined): unknown {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': requestId,
        'client-request-id': clientRequestId ?? requestId,
      },
    },
  };
}

export const ok = (body: unknown, headers?: Record<string, string>): GraphResult => ({ status: 200, body, headers });
export const created = (body: unknown): GraphResult => ({ status: 201, body });
export const noContent = (): GraphResult => ({ status: 204 });

/** The `Prefer` header values the sandbox honours. */
export interface Preferences {
  maxPageSize?: number;
  immutableIds: boolean;
}

export function parsePrefer(call: GraphCall): Preferences {
  const prefer = call.headers['prefer'] ?? '';
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer);
  return {
    maxPageSize: size ? Math.max(1, Number(size[1])) : undefined,
    immutableIds: /IdType\s*=\s*"?ImmutableId"?/i.test(prefer),
  };
}

/** `Preference-Applied` echo, as Graph does, so clients can tell the preference took effect. */
export function preferenceApplied(prefs: Preferences, pageSizeUsed: boolean): Record<string, string> {
  const applied: string[] = [];
  if (pageSizeUsed && prefs.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${prefs.maxPageSize}`);
  if (prefs.immutableIds) applied.push('IdType="ImmutableId"');
  return applied.length > 0 ? { 'Preference-Applied': applied.join(', ') } : {};
}

/** Opaque paging/delta tokens: base64url JSON. Garbage decodes to undefined. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeToken<T>(token: string | null | undefined): T | undefined {
  if (!token) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** `$select`: keeps `id` and OData annotations plus the listed properties. */
export function applySelect<T extends object>(item: T, select: string | null): Partial<T> {
  if (!select) return item;
  const wanted = new Set(select.split(',').map((s) => s.trim()).filter(Boolean));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (key === 'id' || key.startsWith('@') || wanted.has(key)) out[key] = value;
  }
  return out as Partial<T>;
}

/**
 * A page of a collection: `value`, and `@odata.nextLink` built from the same path and query with a
 * `$skiptoken` holding the offset. `$top` sets the page size where Graph lets it; `Prefer:
 * odata.maxpagesize` otherwise.
 */
export function pageOf<T>(
  call: GraphCall,
  items: readonly T[],
  options: { defaultPageSize: number; maxPageSize: number; project?: (item: T) => unknown; context?: string },
): GraphResult {
  const prefs = parsePrefer(call);
  const token = decodeToken<{ o: number; n: number }>(call.query.get('$skiptoken'));
  const offset = token?.o ?? Number(call.query.get('$skip') ?? 0);
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('Invalid $skiptoken or $skip.');
  const top = call.query.get('$top');
  let size = token?.n ?? prefs.maxPageSize ?? options.defaultPageSize;
  if (top !== null) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 1) throw badRequest(`Invalid value '${top}' for $top.`);
    size = n;
  }
  size = Math.min(size, options.maxPageSize);
  const page = items.slice(offset, offset + size);
  const project = options.project ?? ((item: T): unknown => item);
  const body: Record<string, unknown> = {};
  if (options.context) body['@odata.context'] = `${call.graphBaseUrl}/$metadata#${options.context}`;
  body.value = page.map((item) => applySelect(project(item) as object, call.query.get('$select')));
  if (offset + size < items.length) {
    const next = new URLSearchParams(call.query);
    next.delete('$skip');
    next.set('$skiptoken', encodeToken({ o: offset + size, n: size }));
    body['@odata.nextLink'] = `${call.graphBaseUrl}${encodePath(call.path)}?${odataQueryString(next)}`;
  }
  return ok(body, preferenceApplied(prefs, top === null));
}

/** Query string as Graph writes it in its links: `$skiptoken=...`, `$select=a,b` (not %24, %2C). */
export function odataQueryString(params: URLSearchParams): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%24/g, '$').replace(/%2C/gi, ',');
  return [...params].map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
}

export function encodePath(path: string): string {
  return path.split('/').map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':').replace(/%40/g, '@')).join('/');
}

/** A bag of string fields a `$filter` clause can compare against. */
export type Filterable = Record<string, unknown>;

/**
 * A small `$filter` evaluator for the clauses the app uses: `a eq 'x'`, `a ne 'x'`, `a eq true`,
 * `a ge 2024-01-01T00:00:00Z` (also gt, lt, le), `startswith(a,'x')`, joined by `and`. Property
 * paths use `/` (onPremisesExtensionAttributes/extensionAttribute1). Anything else is a 400.
 */
export function compileFilter(filter: string | null): ((item: Filterable) => boolean) | undefined {
  if (!filter) return undefined;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => compileClause(clause.trim()));
  return (item) => clauses.every((clause) => clause(item));
}

function readPath(item: Filterable, path: string): unknown {
  let value: unknown = item;
  for (const part of path.split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function parseLiteral(text: string): unknown {
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(text)) return text;
  throw badRequest(`Invalid filter clause: unsupported literal ${text}.`);
}

function compileClause(clause: string): (item: Filterable) => boolean {
  const starts = /^startswith\(\s*([\w/]+)\s*,\s*('(?:[^']|'')*')\s*\)$/i.exec(clause);
  if (starts) {
    const [, path = '', literal = ''] = starts;
    const prefix = String(parseLiteral(literal)).toLowerCase();
    return (item) => String(readPath(item, path) ?? '').toLowerCase().startsWith(prefix);
  }
  const comparison = /^([\w/]+)\s+(eq|ne|ge|gt|le|lt)\s+(.+)$/i.exec(clause);
  if (!comparison) throw badRequest(`Invalid filter clause: ${clause}`);
  const [, path = '', op = '', literalText = ''] = comparison;
  const literal = parseLiteral(literalText.trim());
  const compare = (a: unknown, b: unknown): number => {
    if (typeof a === 'string' && typeof b === 'string' && /^\d{4}-\d{2}-\d{2}/.test(b)) return Date.parse(a) - Date.parse(b);
    if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return a === b ? 0 : NaN;
  };
  return (item) => {
    const value = readPath(item, path);
    switch (op.toLowerCase()) {
      case 'eq': return typeof value === 'string' && typeof literal === 'string' ? value.toLowerCase() === literal.toLowerCase() : value === literal;
      case 'ne': return typeof value === 'string' && typeof literal === 'string' ? value.toLowerCase() !== literal.toLowerCase() : value !== literal;
      case 'ge': return compare(value, literal) >= 0;
      case 'gt': return compare(value, literal) > 0;
      case 'le': return compare(value, literal) <= 0;
      default: return compare(value, literal) < 0;
    }
  };
}
