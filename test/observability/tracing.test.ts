import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InvocationContext } from '@azure/functions';
import { ServiceBusClient } from '@azure/service-bus';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { ServiceBusWorkQueue } from '../../shared/archive/adapters/work-queue';
import { MailboxWorkItem } from '../../shared/archive/model';
import { ALLOWED_ATTRIBUTES } from '../../shared/platform/tracing';
import { archiveSearch } from '../../functions/archive/records';
import { queueHandler } from '../../functions/triggers';
import { httpRequest, useAppEnvironment } from '../support/app-env';

/**
 * The app's spans, recorded by OpenTelemetry's in-memory exporter: an HTTP request's server span
 * continues the host's trace, a message sent while it runs carries its traceparent, the worker's
 * span continues it, and no span holds personal information (the search's participant and subject
 * words, the caller's name).
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const PARTICIPANT = 'genevieve.tremblay@example.org';
const SUBJECT_WORDS = 'grief confidentiel Tremblay';
const CALLER = 'Geneviève Tremblay';

let bus: ServiceBusEmulator;
let issuer: TokenIssuer;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  [bus, issuer] = await Promise.all([startServiceBusEmulator({ config: path.resolve(__dirname, '../../dev/local-stack/servicebus-config.json') }), startTokenIssuer({})]);
  await useAppEnvironment(issuer);
}, 120_000);
afterAll(async () => {
  await bus?.stop();
  await issuer?.stop();
  trace.disable();
  context.disable();
});

const HOST_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HOST_SPAN = '00f067aa0ba902b7';

describe('tracing', () => {
  it('carries one trace from the HTTP request through Service Bus to the worker, with no personal information in any span', async () => {
    exporter.reset();
    const token = await issuer.mintUserToken({ oid: '0b1c2d3e-0000-4000-8000-00000000c001', name: CALLER, roles: ['Staff', 'RecordsManager'] });
    const request = httpRequest({ method: 'POST', url: 'http://localhost:7071/api/archive/search', json: { participant: PARTICIPANT, subject: SUBJECT_WORDS }, headers: { authorization: `Bearer ${token}` } });
    const invocation = new InvocationContext({
      functionName: 'archiveSearch',
      invocationId: 'inv-trace-1',
      traceContext: { traceParent: `00-${HOST_TRACE}-${HOST_SPAN}-01`, traceState: '', attributes: {} },
      options: { trigger: { type: 'httpTrigger', name: 'request', route: 'api/archive/search' }, extraInputs: [], extraOutputs: [] },
    });
    await archiveSearch(request, invocation);
    const server = exporter.getFinishedSpans().find((s) => s.name === 'POST /api/archive/search');
    expect(server, 'server span').toBeDefined();
    expect(server!.spanContext().traceId).toBe(HOST_TRACE);
    expect(server!.parentSpanContext?.spanId).toBe(HOST_SPAN);

    // A message sent inside the request's span carries its traceparent; the worker continues it.
    const client = new ServiceBusClient(bus.connectionString);
    try {
      const item: MailboxWorkItem = { mailboxId: 'mbx-trace', reason: 'manual', runId: 'run-trace', enqueuedAt: new Date().toISOString() };
      const tracer = trace.getTracer('test');
      const producer = tracer.startSpan('request', {}, context.active());
      await context.with(trace.setSpan(context.active(), producer), () => new ServiceBusWorkQueue(client, 'archive-mailbox').enqueue([{ item, messageId: 'trace-1' }]));
      producer.end();
      const receiver = client.createReceiver('archive-mailbox');
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 30_000 });
      expect(message, 'the work item').toBeDefined();
      await receiver.completeMessage(message!);
      await receiver.close();
      const traceparent = String(message!.applicationProperties?.traceparent ?? '');
      expect(traceparent).toBe(`00-${producer.spanContext().traceId}-${producer.spanContext().spanId}-01`);

      let handled = 0;
      const worker = queueHandler({ event: 'archive.run', schema: MailboxWorkItem, handle: async () => void handled++ });
      await worker(message!.body, new InvocationContext({ functionName: 'archiveMailbox', invocationId: 'inv-trace-2', triggerMetadata: { applicationProperties: message!.applicationProperties, deliveryCount: 1 } }));
      expect(handled).toBe(1);
      const consumer = exporter.getFinishedSpans().find((s) => s.name === 'process archive.run');
      expect(consumer, 'consumer span').toBeDefined();
      expect(consumer!.spanContext().traceId).toBe(producer.spanContext().traceId);
      expect(consumer!.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    } finally {
      await client.close();
    }

    const ours = exporter.getFinishedSpans().filter((s: ReadableSpan) => s.instrumentationScope.name === 'spgq-transformation');
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const span of ours) {
      expect(Object.keys(span.attributes).filter((k) => !ALLOWED_ATTRIBUTES.has(k))).toEqual([]);
      const text = JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events });
      for (const secret of [PARTICIPANT, 'Tremblay', 'confidentiel', 'Genevi', token.slice(0, 20)]) expect(text).not.toContain(secret);
    }
  }, 120_000);
});
