import { context, isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * The app's own spans, one trace per piece of work: the HTTP request, the Service Bus messages it
 * causes (traceparent in each message's application properties, continued by the receiver), the
 * orchestration's activities and the on-prem agent. No personal information ever goes into a
 * span: names are fixed strings or route templates, and attributes pass an allow-list of keys
 * whose values are codes, counts, ids of the app's own objects or status codes — never an
 * address, a name, a subject, a URL with its query, or an error message (which may quote data).
 * Without a registered provider (locally, unless a connection string is set) every call is a no-op.
 */
const TRACER = 'spgq-transformation';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Attribute keys that may be recorded; anything else is dropped. */
export const ALLOWED_ATTRIBUTES = new Set([
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'messaging.system',
  'messaging.operation.type',
  'messaging.destination.name',
  'messaging.message.delivery_count',
  'faas.trigger',
  'faas.name',
  'faas.invocation_id',
  'error.type',
  'spgq.outcome',
  'spgq.count',
]);

export function safeAttributes(attributes: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) {
    if (!ALLOWED_ATTRIBUTES.has(k)) continue;
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    // Strings only when short and free of '@' (an address) and spaces (a name or a subject).
    else if (typeof v === 'string' && v.length <= 120 && !/[@\s]/.test(v)) out[k] = v;
  }
  return out;
}

/** The context a W3C `traceparent` (version 00) continues; the root context when absent or malformed. */
export function contextFromTraceparent(traceparent: unknown): Context {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!m) return ROOT_CONTEXT;
  const spanContext = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** `traceparent` of the active span, for a message's application properties; empty without a recording span. */
export function traceProperties(active: Context = context.active()): { traceparent?: string } {
  const sc = trace.getSpan(active)?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return {};
  return { traceparent: `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, '0')}` };
}

export interface SpanOptions {
  kind?: SpanKind;
  parent?: Context;
  attributes?: Record<string, unknown>;
}

/** Runs `work` in a span (active for everything it awaits), ending it with the outcome's status. */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(TRACER);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: safeAttributes(options.attributes ?? {}) }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    // The error's name only: its message may carry data from a dependency.
    span.setAttributes(safeAttributes({ 'error.type': (error as Error)?.name ?? 'Error' }));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** Adds allowed attributes to a span (others are dropped). */
export function annotate(span: Span, attributes: Record<string, unknown>): void {
  span.setAttributes(safeAttributes(attributes));
}

export { SpanKind };
