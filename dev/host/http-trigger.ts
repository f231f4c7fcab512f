import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { LoadedApp } from './app-loader';
import type { RegisteredFunction, RpcHttpCookie, RpcHttpData, RpcTypedData } from './functions-core';
import type { HostLog } from './host-log';
import { compareRoutes, compileRoute, type CompiledRoute } from './http-routes';
import { fromTypedData, invoke } from './invoke';

/** A handler for host-owned paths (Durable webhooks, admin); returns false when the path is not its own. */
export type HostRouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

interface HttpFunctionRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: Set<string> | undefined;
}

export interface HttpTriggerServer {
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

function routesOf(app: LoadedApp, routePrefix: string): HttpFunctionRoute[] {
  const prefix = routePrefix.replace(/^\/+|\/+$/g, '');
  return app.registry
    .byTrigger('httpTrigger')
    .map((fn) => {
      const template = [prefix, String(fn.trigger.route ?? fn.name).replace(/^\/+/, '')].filter(Boolean).join('/');
      const methods = fn.trigger.methods as string[] | undefined;
      return { fn, route: compileRoute(template), methods: methods ? new Set(methods.map((m) => m.toUpperCase())) : undefined };
    })
    .sort((a, b) => compareRoutes(a.route.template, b.route.template));
}

/**
 * Serves the app's HTTP triggers like the host's front end: `{prefix}/{route}` from host.json,
 * methods, route parameters, and the request/response converted by the library itself. When the app
 * enabled HTTP streaming, the raw request is forwarded to the library's proxy as the real host does.
 */
export async function startHttpTriggers(options: {
  app: LoadedApp;
  log: HostLog;
  port: number;
  host?: string;
  /** The library's streaming proxy (from its capabilities), when the app called app.setup({ enableHttpStream: true }). */
  streamProxyUri?: string;
  hostRoutes?: HostRouteHandler[];
}): Promise<HttpTriggerServer> {
  const { app, log } = options;
  const routePrefix = app.hostJson.extensions?.http?.routePrefix ?? 'api';
  const routes = routesOf(app, routePrefix);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log.error(`HTTP request ${req.method} ${req.url} failed in the host: ${String(e)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    for (const handler of options.hostRoutes ?? []) {
      if (await handler(req, res, url)) return;
    }
    if (url.pathname === '/admin/host/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ state: 'Running' }));
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { r: HttpFunctionRoute; params: Record<string, string> } | undefined;
    for (const r of routes) {
      if (r.methods && !r.methods.has(method)) continue;
      const params = r.route.match(url.pathname);
      if (params) {
        matched = { r, params };
        break;
      }
    }
    if (!matched) {
      res.writeHead(404).end();
      return;
    }
    if (options.streamProxyUri) await invokeStreaming(matched.r.fn, matched.params, req, res, url);
    else await invokeBuffered(matched.r.fn, matched.params, req, res, url);
  }

  function triggerMetadata(req: IncomingMessage, url: URL, params: Record<string, string>): Record<string, RpcTypedData> {
    const meta: Record<string, RpcTypedData> = {
      Query: { json: JSON.stringify(Object.fromEntries(url.searchParams)) },
      Headers: { json: JSON.stringify(flatHeaders(req)) },
    };
    for (const [k, v] of Object.entries(params)) meta[k] = { string: v };
    return meta;
  }

  async function invokeBuffered(fn: RegisteredFunction, params: Record<string, string>, req: IncomingMessage, res: ServerResponse, url: URL) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const httpData: RpcHttpData = {
      method: req.method,
      url: url.href,
      headers: flatHeaders(req),
      query: Object.fromEntries(url.searchParams),
      params,
      body: body.length > 0 ? { bytes: body } : null,
    };
    const outcome = await invoke(app.registry, fn, {
      triggerData: { http: httpData },
      triggerMetadata: triggerMetadata(req, url, params),
      reason: `This function was programmatically called via the host APIs.`,
    }, log);
    if (!outcome.succeeded) {
      res.writeHead(500).end();
      return;
    }
    const httpOut = httpOutput(fn, outcome.response);
    if (!httpOut) {
      res.writeHead(204).end();
      return;
    }
    writeRpcResponse(res, httpOut);
  }

  async function invokeStreaming(fn: RegisteredFunction, params: Record<string, string>, req: IncomingMessage, res: ServerResponse, url: URL) {
    const invocationId = randomUUID();
    const proxyUrl = new URL(options.streamProxyUri!);
    const headers = { ...req.headers, 'x-ms-invocation-id': invocationId, 'x-forwarded-host': url.host, 'x-forwarded-proto': 'http' };
    const proxyReq = http.request({ hostname: proxyUrl.hostname, port: proxyUrl.port, method: req.method, path: req.url, headers });
    proxyReq.on('response', (proxyRes) => {
      const outHeaders = { ...proxyRes.headers };
      delete outHeaders['x-ms-invocation-id'];
      res.writeHead(proxyRes.statusCode ?? 200, outHeaders);
      proxyRes.pipe(res);
    });
    proxyReq.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(proxyReq);
    const outcome = await invoke(app.registry, fn, {
      invocationId,
      triggerData: { http: { method: req.method, url: url.href, headers: flatHeaders(req), params } },
      triggerMetadata: triggerMetadata(req, url, params),
      reason: `This function was programmatically called via the host APIs.`,
    }, log);
    if (!outcome.succeeded) {
      proxyReq.destroy();
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    baseUrl: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(k === 'cookie' ? '; ' : ', ') : v;
  }
  return out;
}

/** The HTTP output: the `$return` binding or a named `http` output binding. */
function httpOutput(fn: RegisteredFunction, response: { returnValue?: RpcTypedData | null; outputData?: { name: string; data: RpcTypedData | null | undefined }[] } | undefined): RpcHttpData | undefined {
  const ret = fn.metadata.bindings['$return'];
  if (ret?.type?.toLowerCase() === 'http' && response?.returnValue?.http) return response.returnValue.http;
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (binding.direction === 'out' && binding.type?.toLowerCase() === 'http') {
      const data = response?.outputData?.find((o) => o.name === name)?.data;
      if (data?.http) return data.http;
    }
  }
  return undefined;
}

function writeRpcResponse(res: ServerResponse, out: RpcHttpData) {
  const status = Number(out.statusCode ?? 200);
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  const cookies = (out.cookies ?? []).map(serializeCookie);
  if (cookies.length) res.setHeader('set-cookie', cookies);
  const body = fromTypedData(out.body);
  res.writeHead(status);
  if (body === undefined || body === null) res.end();
  else res.end(Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body));
}

function serializeCookie(c: RpcHttpCookie): string {
  const parts = [`${c.name ?? ''}=${encodeURIComponent(c.value ?? '')}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  if (c.expires?.value?.seconds) parts.push(`Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`);
  if (c.maxAge?.value !== undefined) parts.push(`Max-Age=${Math.trunc(c.maxAge.value)}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[String(c.sameSite)];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}
