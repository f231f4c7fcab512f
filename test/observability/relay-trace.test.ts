import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { inSpan } from '../../shared/platform/tracing';
import type { IdempotencyStore } from '../../onprem-agent/src/idempotency-store';
import type { RelayAgent } from '../../onprem-agent/src/relay-agent';
import type { AuditEntry } from '../../onprem-agent/src/audit-log';
import type { Connectors } from '../../onprem-agent/src/operations';
import { STAFF, startInProcessAgent, startRelayStack, type RelayStack } from '../relay/support';

/**
 * The on-prem agent's part of a traced relay call: the request carries the calling span's
 * traceparent, the agent answers with the same trace id under a span id of its own (and writes the
 * trace id in its audit line), and the app's span for the reply continues that trace as the
 * agent's child. The agent exports no spans; the app's in-memory exporter sees the whole trace.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let stack: RelayStack;
let agent: RelayAgent;
let store: IdempotencyStore;
const audit: Omit<AuditEntry, 'at'>[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  stack = await startRelayStack();
  const known = stack.relay.mission.cases[0]!;
  const mission = { getCase: async () => ({ case: known, history: [] }) } as unknown as Connectors['mission'];
  ({ agent, store } = await startInProcessAgent(stack, { mission, audit, dataDir: 'trace-data' }));
}, 120_000);
afterAll(async () => {
  await agent?.stop();
  store?.close();
  await stack?.stop();
  trace.disable();
  context.disable();
});

describe('a relay call traced through the on-prem agent', () => {
  it('keeps one trace from the calling span through the agent to the reply', async () => {
    exporter.reset();
    const caseNumber = stack.relay.mission.cases[0]!.caseNumber;
    const { result, callerTrace, callerSpan } = await inSpan('caller', {}, async (span) => ({
      result: await stack.client.call('getCase', { caseNumber }, STAFF, 60_000),
      callerTrace: span.spanContext().traceId,
      callerSpan: span.spanContext().spanId,
    }));
    expect(result.kind).toBe('replied');
    const requestId = result.kind === 'replied' ? result.reply.requestId : '';

    // The agent's audit line names the trace.
    expect(audit.filter((a) => a.requestId === requestId)).toEqual([expect.objectContaining({ outcome: 'ok', traceId: callerTrace })]);
    // The reply's span is in the caller's trace, under a span that is none of the app's: the agent's.
    const reply = exporter.getFinishedSpans().find((s) => s.name === 'relay reply');
    expect(reply?.spanContext().traceId).toBe(callerTrace);
    const parent = reply?.parentSpanContext?.spanId;
    expect(parent).toMatch(/^[0-9a-f]{16}$/);
    expect(parent).not.toBe(callerSpan);
    expect(exporter.getFinishedSpans().map((s) => s.spanContext().spanId)).not.toContain(parent);
  }, 90_000);

  it('answers an untraced request with no traceparent and no trace id in its audit line', async () => {
    exporter.reset();
    const result = await stack.client.call('getCase', { caseNumber: stack.relay.mission.cases[0]!.caseNumber }, STAFF, 60_000);
    expect(result.kind).toBe('replied');
    const requestId = result.kind === 'replied' ? result.reply.requestId : '';
    const line = audit.find((a) => a.requestId === requestId);
    expect(line).toMatchObject({ outcome: 'ok' });
    expect(line).not.toHaveProperty('traceId');
    // The reply's span starts a trace of its own (no parent): nothing pretends to continue one.
    const reply = exporter.getFinishedSpans().find((s) => s.name === 'relay reply');
    expect(reply).toBeDefined();
    expect(reply!.parentSpanContext).toBeUndefined();
  }, 90_000);
});
