import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Route, SandboxState } from './context';
import { findUser } from './context';
import { GraphError, graphErrorBody, type GraphCall, type GraphResult } from './graph-http';
import { sharePointUnits, type ActivityFeedThrottle, type FaultInjector, type OutlookThrottle, type SharePointThrottle } from './limits';
import { attackSimulationRoutes } from './routes-attack-simulation';
import { directoryRoutes } from './routes-directory';
import { directoryDeltaRoutes } from './routes-directory-delta';
import { fileRoutes, rewriteSiteDrivePath, uploadChunk } from './routes-files';
import { mailRoutes } from './routes-mail';
import { subscriptionRoutes } from './routes-subscriptions';
import { teamRoutes, type TeamTiming } from './routes-teams';
import { handleControl, type ControlContext } from './control';

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_BATCH = 20;

export interface GraphServerDeps {
  /** Current state (replaced on reset). */
  state: () => SandboxState;
  throttle: OutlookThrottle;
  sharePoint: SharePointThrottle;
  activityFeed?: ActivityFeedThrottle;
  faults: FaultInjector;
  timing: TeamTiming;
  control: ControlContext;
  baseUrl: () => string;
  stats: { requests: number; byStatus: Record<string, number>; byMailbox: Record<string, number>; subscriptionRequests: number };
}

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new GraphError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Rewrites Graph's key syntax `teams('id')` to `teams/id` and decodes the path. */
export function normalisePath(path: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/\('([^']*)'\)/g, '/$1'));
  } catch {
    throw new GraphError(400, 'BadRequest', 'The request URL is not correctly encoded.');
  }
  return decoded.replace(/\/+$/, '') || '/';
}

/** Reads `appid` from an unverified JWT so each app gets its own throttling budget; tokens are not validated here. */
function appIdOf(authorization: string): string {
  const payload = authorization.slice('Bearer '.length).split('.')[1];
  if (payload) {
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { appid?: string; azp?: string };
      if (claims.appid ?? claims.azp) return String(claims.appid ?? claims.azp);
    } catch {
      // Not a JWT: all such callers share one budget.
    }
  }
  return 'sandbox-app';
}

/** JSON bodies are parsed; file content (`.../content`) is raw bytes whatever Content-Type the client set. */
function parseBody(raw: Buffer, contentType: string | undefined, path: string): unknown {
  if (raw.length === 0 || /\/content$/.test(path)) return undefined;
  if (contentType && !/json/i.test(contentType)) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    if (contentType && /json/i.test(contentType)) throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    return undefined;
  }
}

export class GraphServer {
  private readonly routes: Route[];

  constructor(private readonly deps: GraphServerDeps) {
    this.routes = [...directoryDeltaRoutes, ...directoryRoutes, ...mailRoutes, ...fileRoutes, ...teamRoutes(deps.timing), ...attackSimulationRoutes, ...subscriptionRoutes];
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const clientRequestId = typeof req.headers['client-request-id'] === 'string' ? req.headers['client-request-id'] : undefined;
    res.setHeader('request-id', requestId);
    res.setHeader('client-request-id', clientRequestId ?? requestId);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    try {
      if (url.pathname.startsWith('/_sandbox/')) {
        await handleControl(req, res, url, this.deps.control);
        return;
      }
      const raw = await readBody(req);
      if (url.pathname.startsWith('/_upload/')) {
        await this.send(res, uploadChunk(this.deps.state(), url.pathname.slice('/_upload/'.length), header(req, 'content-range'), raw), () => undefined);
        return;
      }
      // v1.0 only, except the sensitivity label catalogue, which Graph documents in beta only.
      const beta = /^\/beta\/security\/informationProtection\/sensitivityLabels(\/[^/]+)?$/.test(url.pathname);
      if (!url.pathname.startsWith('/v1.0/') && !beta) {
        throw new GraphError(400, 'BadRequest', `Invalid version: ${url.pathname.split('/')[1] ?? ''}. The sandbox serves v1.0 only.`);
      }
      this.deps.stats.requests++;
      const authorization = header(req, 'authorization');
      if (!authorization || !/^Bearer \S+/.test(authorization)) {
        throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      }
      const graphPath = normalisePath(url.pathname.slice(beta ? '/beta'.length : '/v1.0'.length));
      const call: GraphCall = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: graphPath,
        query: url.searchParams,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v])),
        body: parseBody(raw, header(req, 'content-type'), graphPath),
        rawBody: raw,
        requestId,
        graphBaseUrl: `${this.deps.baseUrl()}/v1.0`,
        appId: appIdOf(authorization),
      };
      const fault = this.deps.faults.draw(call.path);
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, this.deps.faults.slowMs));
      if (fault === '429') throw new GraphError(429, 'TooManyRequests', 'Too many requests (injected fault).', { 'Retry-After': '1' });
      if (fault === '503') throw new GraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable (injected fault).', { 'Retry-After': '1' });
      if (fault === '504') throw new GraphError(504, 'GatewayTimeout', 'The gateway did not receive a response in time (injected fault).');
      if (call.path === '/$batch' && call.method === 'POST') {
        await this.send(res, await this.batch(call), () => undefined);
        return;
      }
      const { result, release } = await this.execute(call);
      await this.send(res, result, release);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const graphError = error instanceof GraphError ? error : new GraphError(500, 'InternalServerError', 'An internal error occurred in the sandbox.');
      if (!(error instanceof GraphError)) console.error('m365-sandbox: unexpected error', error);
      this.count(graphError.status);
      res.writeHead(graphError.status, { 'Content-Type': JSON_TYPE, ...graphError.headers });
      res.end(JSON.stringify(graphErrorBody(graphError, requestId, clientRequestId)));
    }
  }

  private count(status: number): void {
    this.deps.stats.byStatus[status] = (this.deps.stats.byStatus[status] ?? 0) + 1;
  }

  /** Routes one call (a request or a `$batch` part), holding an Outlook throttling slot while it runs. */
  async execute(call: GraphCall): Promise<{ result: GraphResult; release: () => void }> {
    const state = this.deps.state();
    call.path = rewriteSiteDrivePath(call.path, state);
    let methodMismatch = false;
    for (const candidate of this.routes) {
      const match = candidate.pattern.exec(call.path);
      if (!match) continue;
      if (candidate.method !== '*' && candidate.method !== call.method) {
        methodMismatch = true;
        continue;
      }
      let release = () => undefined as void;
      if (call.path.startsWith('/subscriptions')) this.deps.stats.subscriptionRequests++;
      if (candidate.sharePoint) {
        const charge = this.deps.sharePoint.charge(call.appId, sharePointUnits(call.method, call.path));
        if (!charge.allowed) {
          throw new GraphError(429, 'activityLimitReached', 'The request has been throttled (SharePoint resource units per minute).', { 'Retry-After': String(charge.retryAfterSeconds) });
        }
      }
      if (candidate.activityFeed && this.deps.activityFeed) {
        const charge = this.deps.activityFeed.charge(call.appId);
        if (!charge.allowed) {
          throw new GraphError(429, 'TooManyRequests', 'Too many requests: the app is over its activity feed notifications per second.', { 'Retry-After': String(charge.retryAfterSeconds) });
        }
      }
      if (candidate.outlookUserGroup !== undefined) {
        const user = findUser(state, match[candidate.outlookUserGroup] ?? '');
        // Per mailbox, for benchmarks (idle requests per mailbox and day); throttled requests included.
        this.deps.stats.byMailbox[user.id] = (this.deps.stats.byMailbox[user.id] ?? 0) + 1;
        const decision = this.deps.throttle.acquire(call.appId, user.id);
        if (!decision.allowed) {
          throw new GraphError(429, 'ApplicationThrottled', decision.reason, { 'Retry-After': String(decision.retryAfterSeconds) });
        }
        release = decision.release;
      }
      try {
        return { result: await candidate.handler(call, [...match], state), release };
      } catch (error) {
        release();
        throw error;
      }
    }
    if (methodMismatch) throw new GraphError(405, 'Request_BadRequest', `The HTTP method '${call.method}' is not allowed for this resource.`);
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${call.path.split('/')[1] ?? ''}'.`);
  }

  private async send(res: ServerResponse, result: GraphResult, release: () => void): Promise<void> {
    this.count(result.status);
    res.on('close', release);
    if (result.stream) {
      res.writeHead(result.status, { 'Content-Type': result.contentType ?? 'application/octet-stream', ...result.headers });
      // pipeline honours backpressure: the MIME generator only runs as fast as the client reads.
      await pipeline(result.stream(), res).catch(() => undefined);
      return;
    }
    if (result.body === undefined) {
      res.writeHead(result.status, { ...result.headers });
      res.end();
      return;
    }
    res.writeHead(result.status, { 'Content-Type': JSON_TYPE, ...result.headers });
    res.end(JSON.stringify(result.body));
  }

  /**
   * JSON batching: at most 20 parts, `dependsOn` honoured, and like Outlook at most 4 parts running
   * at once; each part goes through routing and throttling on its own.
   */
  private async batch(call: GraphCall): Promise<GraphResult> {
    const requests = (call.body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) throw new GraphError(400, 'BadRequest', 'Invalid batch payload format.');
    if (requests.length > MAX_BATCH) throw new GraphError(400, 'BadRequest', `Number of requests in the batch (${requests.length}) exceeds the maximum of ${MAX_BATCH}.`);
    type Part = { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] };
    const parts = requests as Part[];
    const ids = new Set<string>();
    for (const part of parts) {
      if (!part || typeof part.id !== 'string' || typeof part.method !== 'string' || typeof part.url !== 'string') throw new GraphError(400, 'BadRequest', 'Each batch request needs id, method and url.');
      if (ids.has(part.id)) throw new GraphError(400, 'BadRequest', `Batch request ids must be unique (${part.id}).`);
      ids.add(part.id);
    }
    for (const part of parts) for (const dep of part.dependsOn ?? []) if (!ids.has(dep)) throw new GraphError(400, 'BadRequest', `Depends on an unknown request id ${dep}.`);
    const results = new Map<string, { id: string; status: number; headers: Record<string, string>; body?: unknown }>();
    const pending = [...parts];
    while (pending.length > 0) {
      const ready = pending.filter((p) => (p.dependsOn ?? []).every((d) => results.has(d))).slice(0, 4);
      if (ready.length === 0) throw new GraphError(400, 'BadRequest', 'The batch has circular dependencies.');
      await Promise.all(ready.map(async (part) => {
        pending.splice(pending.indexOf(part), 1);
        const failedDependency = (part.dependsOn ?? []).some((d) => (results.get(d)?.status ?? 500) >= 400);
        results.set(part.id, failedDependency ? { id: part.id, status: 424, headers: {}, body: graphErrorBody(new GraphError(424, 'FailedDependency', 'A request this one depends on failed.'), call.requestId, undefined) } : await this.batchPart(call, part));
      }));
    }
    return { status: 200, body: { responses: parts.map((p) => results.get(p.id)) } };
  }

  private async batchPart(outer: GraphCall, part: { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown }) {
    const url = new URL(part.url.startsWith('/') ? part.url : `/${part.url}`, 'https://127.0.0.1');
    const headers: Record<string, string | undefined> = { ...outer.headers };
    for (const [k, v] of Object.entries(part.headers ?? {})) headers[k.toLowerCase()] = v;
    const call: GraphCall = { ...outer, method: part.method.toUpperCase(), path: normalisePath(url.pathname), query: url.searchParams, headers, body: part.body, rawBody: Buffer.alloc(0) };
    try {
      const { result, release } = await this.execute(call);
      try {
        let body = result.body;
        if (result.stream) {
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const chunk of result.stream()) {
            size += (chunk as Buffer).length;
            if (size > 4 * 1024 * 1024) throw new GraphError(413, 'RequestEntityTooLarge', 'Raw content in a batch is limited to 4 MB; fetch it outside the batch.');
            chunks.push(chunk as Buffer);
          }
          body = Buffer.concat(chunks).toString('base64');
        }
        return { id: part.id, status: result.status, headers: { ...(result.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...result.headers }, body };
      } finally {
        release();
      }
    } catch (error) {
      const graphError = error instanceof GraphError ? error : new GraphError(500, 'InternalServerError', 'An internal error occurred in the sandbox.');
      return { id: part.id, status: graphError.status, headers: { 'Content-Type': 'application/json', ...graphError.headers }, body: graphErrorBody(graphError, outer.requestId, undefined) };
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
