import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import {
  AuthenticationHandler, Client, RedirectHandler, RetryHandler, RetryHandlerOptions, TelemetryHandler,
  type Context, type Middleware,
} from '@microsoft/microsoft-graph-client';

/**
 * Last link of the Graph client's middleware chain: sends the request with node:https through an
 * agent that trusts the sandbox certificate only (nothing is disabled globally, no environment
 * variable is touched), and hands back a WHATWG Response whose body streams.
 */
export class TrustedHttpsHandler implements Middleware {
  constructor(private readonly agent: https.Agent) {}

  async execute(context: Context): Promise<void> {
    const request = context.request;
    const init = context.options ?? {};
    const url = typeof request === 'string' ? request : request.url;
    const headers = new Headers(typeof request === 'string' ? undefined : request.headers);
    new Headers(init.headers).forEach((value, key) => headers.set(key, value));
    const method = (init.method ?? (typeof request === 'string' ? 'GET' : request.method)).toUpperCase();
    const body = await bodyBytes(init.body ?? (typeof request === 'string' ? undefined : request.body ? await request.arrayBuffer() : undefined));
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = https.request(url, { method, headers: Object.fromEntries(headers), agent: this.agent }, resolve);
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    const responseHeaders = new Headers();
    for (let i = 0; i < response.rawHeaders.length; i += 2) responseHeaders.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
    const status = response.statusCode ?? 500;
    const noBody = [101, 204, 205, 304].includes(status) || method === 'HEAD';
    if (noBody) response.resume();
    context.response = new Response(noBody ? null : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>), { status, statusText: response.statusMessage, headers: responseHeaders });
  }
}

async function bodyBytes(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  throw new Error('unsupported request body type for the sandbox Graph client');
}

export interface SandboxClientOptions {
  /** Bearer token to send (not validated by the sandbox); default 'sandbox-token'. */
  token?: string;
  /**
   * false builds the client without customHosts, the real-world misconfiguration in which the Graph
   * client silently sends no token (the sandbox then answers 401 like Graph).
   */
  authenticate?: boolean;
  /** Retries of the client's RetryHandler on 429/503/504 (default 3, as in the SDK). */
  maxRetries?: number;
}

/**
 * The official `@microsoft/microsoft-graph-client` Client pointed at a sandbox: its baseUrl, the
 * sandbox host in customHosts (else no token is sent), the SDK's own auth/retry/redirect/telemetry
 * handlers, and a transport that trusts the sandbox's generated certificate only.
 */
export function createSandboxGraphClient(sandbox: { baseUrl: string; caCertPem: string }, options: SandboxClientOptions = {}): Client {
  const agent = new https.Agent({ ca: sandbox.caCertPem, keepAlive: true, maxSockets: 16 });
  const token = options.token ?? 'sandbox-token';
  const auth = new AuthenticationHandler({ getAccessToken: async () => token });
  const retry = new RetryHandler(new RetryHandlerOptions(1, options.maxRetries ?? 3));
  const redirect = new RedirectHandler();
  const telemetry = new TelemetryHandler();
  const transport = new TrustedHttpsHandler(agent);
  auth.setNext(retry);
  retry.setNext(redirect);
  redirect.setNext(telemetry);
  telemetry.setNext(transport);
  return Client.initWithMiddleware({
    baseUrl: sandbox.baseUrl,
    defaultVersion: 'v1.0',
    middleware: auth,
    customHosts: options.authenticate === false ? undefined : new Set([new URL(sandbox.baseUrl).hostname]),
  });
}
