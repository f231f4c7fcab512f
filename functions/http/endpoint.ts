import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ZodType } from 'zod';
import { z } from 'zod';
import { Readable } from 'node:stream';
import { settings } from '../../shared/platform/settings';
import { appTokenValidator, hasAnyRole, TokenRejected, type AppRole, type ApplicationRole, type Principal } from '../../shared/platform/auth';
import { ApiError, fieldProblems } from '../../shared/platform/api-error';
import { negotiateLanguage, type Language } from '../../shared/platform/i18n';
import { createLogger, type Logger } from '../../shared/platform/logger';
import { residencyForRequest, secondsUntilNextResidencyAttempt } from '../../shared/platform/adapters/residency-check';
import { ResidencyViolation } from '../../shared/platform/residency/residency-guard';
import { annotate, contextFromTraceparent, inSpan, SpanKind } from '../../shared/platform/tracing';

/**
 * The conventions every HTTP endpoint shares, in one wrapper so a function file only declares
 * what it accepts and who may call it: residency gate, authentication, role check, body size
 * limit, zod validation naming each field (in the caller's language), one error shape, and a
 * 500 that carries a correlation id and never a stack trace.
 */

export interface EndpointInput<B, Q, P> {
  principal: Principal;
  body: B;
  query: Q;
  params: P;
  language: Language;
  log: Logger;
  request: HttpRequest;
  context: InvocationContext;
}

export interface EndpointResult {
  status?: number;
  /** JSON, or a Buffer / Node Readable sent as is (streamed: large downloads are never buffered). */
  body?: unknown;
  headers?: Record<string, string>;
}

interface CommonSpec<B, Q, P> {
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
}

export interface ProtectedSpec<B, Q, P> extends CommonSpec<B, Q, P> {
  /** The caller needs at least one of these app roles. */
  roles: readonly AppRole[];
  /**
   * Applications (app-only tokens) holding one of these application roles may call too; without
   * it every app-only token is refused (403 app_not_allowed), whatever user roles it claims.
   */
  applicationRoles?: readonly ApplicationRole[];
  handle(input: EndpointInput<B, Q, P>): Promise<EndpointResult>;
}

export interface AnonymousSpec<B, Q, P> extends CommonSpec<B, Q, P> {
  /** Anonymous endpoints still pass the residency gate unless they report on it (health). */
  skipResidencyGate?: boolean;
  handle(input: Omit<EndpointInput<B, Q, P>, 'principal'>): Promise<EndpointResult>;
}

/** A handler the Functions runtime accepts, typed so tests can read the response it builds. */
export type EndpointHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** An endpoint for signed-in callers holding one of `spec.roles` (any signed-in caller when empty). */
export function endpoint<B = undefined, Q = Record<string, string>, P = Record<string, string>>(spec: ProtectedSpec<B, Q, P>): EndpointHandler {
  return handler(spec);
}

/** An endpoint anyone may call: health and the static web shell only. */
export function publicEndpoint<B = undefined, Q = Record<string, string>, P = Record<string, string>>(spec: AnonymousSpec<B, Q, P>): EndpointHandler {
  return handler(spec);
}

function handler<B, Q, P>(spec: ProtectedSpec<B, Q, P> | AnonymousSpec<B, Q, P>): EndpointHandler {
  const handle = respondTo(spec);
  // One server span per request, continuing the host's trace (or the caller's traceparent). Its name
  // and attributes are the route template and codes, never the URL (whose path may hold ids).
  return (request, context) => {
    const route = String((context.options.trigger as { route?: unknown }).route ?? context.functionName);
    const parent = contextFromTraceparent(context.traceContext?.traceParent ?? request.headers.get('traceparent'));
    return inSpan(`${request.method} /${route}`, { kind: SpanKind.SERVER, parent, attributes: { 'http.request.method': request.method, 'http.route': route, 'faas.trigger': 'http', 'faas.name': context.functionName } }, async (span) => {
      const response = await handle(request, context);
      annotate(span, { 'http.response.status_code': response.status ?? 200 });
      return response;
    });
  };
}

function respondTo<B, Q, P>(spec: ProtectedSpec<B, Q, P> | AnonymousSpec<B, Q, P>): EndpointHandler {
  return async (request, context) => {
    const language = negotiateLanguage(request.headers.get('accept-language'));
    const correlationId = context.invocationId;
    const log = createLogger(sinkFor(context), { invocationId: correlationId, functionName: context.functionName });
    const respond = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
      status,
      // Bytes and streams (downloads, exports) go out as they are; anything else is JSON.
      ...(isRawBody(body) ? { body } : { jsonBody: body }),
      headers: { 'content-language': language, 'x-correlation-id': correlationId, 'cache-control': 'no-store', ...headers },
    });
    try {
      const s = settings();
      const isProtected = 'roles' in spec;
      if (isProtected || !spec.skipResidencyGate) await residencyGate();
      let principal: Principal | undefined;
      if (isProtected) {
        principal = await authenticate(request, s);
        if (principal.kind === 'app') {
          const allowed = spec.applicationRoles ?? [];
          if (!allowed.some((r) => principal!.applicationRoles.includes(r))) throw new ApiError(403, 'app_not_allowed', 'auth.appNotAllowed');
        } else if (!hasAnyRole(principal, spec.roles)) {
          throw new ApiError(403, 'forbidden', 'auth.forbidden', { roles: spec.roles.join(' | ') });
        }
      }
      const body = spec.body ? parse('body', spec.body, await readJsonBody(request, s.http.maxBodyBytes), language) : (undefined as B);
      const query = spec.query ? parse('query', spec.query, Object.fromEntries(request.query.entries()), language) : (Object.fromEntries(request.query.entries()) as Q);
      const params = spec.params ? parse('params', spec.params, request.params, language) : (request.params as P);
      const input = { body, query, params, language, log, request, context };
      const result = isProtected ? await spec.handle({ ...input, principal: principal! }) : await spec.handle(input);
      return respond(result.status ?? 200, result.body, result.headers);
    } catch (error) {
      if (error instanceof ApiError) {
        if (error.status >= 500) log.warn('request.unavailable', { code: error.code });
        const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {};
        if (error.status === 503) headers['retry-after'] = error.code === 'starting' ? String(secondsUntilNextResidencyAttempt() ?? 5) : '30';
        return respond(error.status, error.toBody(language), headers);
      }
      log.error('request.failed', { error });
      return respond(500, new ApiError(500, 'internal_error', 'server.error', { correlationId }).toBody(language));
    }
  };
}

function isRawBody(body: unknown): body is Buffer | Readable {
  return Buffer.isBuffer(body) || body instanceof Readable;
}

async function residencyGate(): Promise<void> {
  try {
    await residencyForRequest();
  } catch (error) {
    if (error instanceof ResidencyViolation) throw new ApiError(503, 'residency_violation', 'server.residency');
    throw new ApiError(503, 'starting', 'server.starting');
  }
}

async function authenticate(request: HttpRequest, s: ReturnType<typeof settings>): Promise<Principal> {
  try {
    return await appTokenValidator(s).validate(request.headers.get('authorization'));
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error;
    if (error.problem === 'missing') throw new ApiError(401, 'unauthenticated', 'auth.missing');
    if (error.problem === 'keys_unavailable') throw new ApiError(503, 'auth_unavailable', 'auth.keysUnavailable');
    throw new ApiError(401, 'invalid_token', 'auth.invalid', { problem: error.problem }, { reason: error.problem });
  }
}

function parse<T>(where: 'body' | 'query' | 'params', schema: ZodType<T>, value: unknown, language: Language): T {
  const locale = language === 'en' ? z.locales.en() : z.locales.frCA();
  const result = schema.safeParse(value, { error: locale.localeError });
  if (!result.success) throw new ApiError(400, 'validation_failed', 'request.invalid', {}, fieldProblems(where, result.error));
  return result.data;
}

/** Reads at most `limit` bytes: a larger body is refused with 413 before it is all received. */
export async function readJsonBody(request: HttpRequest, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new ApiError(413, 'payload_too_large', 'request.tooLarge', { limit });
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'request.unsupportedMediaType');
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw new ApiError(413, 'payload_too_large', 'request.tooLarge', { limit });
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'request.invalidJson');
  }
}

function sinkFor(context: InvocationContext) {
  return (level: 'debug' | 'info' | 'warn' | 'error', line: string) => {
    if (level === 'error') context.error(line);
    else if (level === 'warn') context.warn(line);
    else if (level === 'debug') context.debug(line);
    else context.info(line);
  };
}
