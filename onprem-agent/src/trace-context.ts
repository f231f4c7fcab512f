import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context for the agent's part of a relay call. The app sends each request with the
 * `traceparent` of the span that caused it (application property); the agent answers with the same
 * trace id and a span id of its own, so the app's span for the reply, the request's HTTP span and
 * the agent's log lines (which carry the trace id) are one trace in Application Insights. The agent
 * exports no spans itself: it runs inside the union's network, and the only data it sends out is
 * the reply.
 */
export interface AgentTrace {
  traceId: string;
  /** The agent's span: the reply's parent in the app's trace. */
  spanId: string;
  /** `traceparent` for the reply's application properties. */
  traceparent: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The agent's span under the request's traceparent; undefined when absent or malformed (all-zero ids are invalid). */
export function continueTrace(traceparent: unknown): AgentTrace | undefined {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  let spanId = randomBytes(8).toString('hex');
  while (/^0+$/.test(spanId)) spanId = randomBytes(8).toString('hex');
  return { traceId: m[1]!, spanId, traceparent: `00-${m[1]}-${spanId}-${m[3]}` };
}
