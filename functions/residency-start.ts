import { app, type InvocationContext } from '@azure/functions';
import { createLogger } from '../shared/platform/logger';
import { awaitResidency, startResidencyVerification } from '../shared/platform/adapters/residency-check';
import { contextFromTraceparent, inSpan, SpanKind } from '../shared/platform/tracing';

/**
 * Start-up residency check, off the start-up path. HTTP endpoints consult it themselves (503 with
 * Retry-After until verified, see http/endpoint.ts); every other trigger is held here.
 */
export function startResidencyCheck(): void {
  const log = createLogger((level, line) => console[level === 'debug' ? 'debug' : level](line), { component: 'residency' });
  startResidencyVerification({
    onFailure: (error, retryInMs) =>
      retryInMs < 0
        ? log.error('residency.violation', { error: (error as Error)?.name })
        : log.warn('residency.unverified', { error: (error as Error)?.name ?? 'Error', retryInMs }),
  });
}

/**
 * How long a queue, topic, timer or activity invocation waits for the check before failing. Failing
 * is the safe outcome: Service Bus redelivers the message later (the lock is renewed while we
 * wait, and a few failed deliveries stay well under MaxDeliveryCount), a timer runs again at its
 * next occurrence (capture's schedule catches up on missed days), and Durable retries an activity
 * as its orchestration says. Orchestrator and entity functions do no I/O themselves, so they are
 * not held: holding an orchestrator would only stall the replay of work that is itself gated.
 */
const NON_HTTP_WAIT_MS = 120_000;
const UNGATED = new Set(['httptrigger', 'orchestrationtrigger', 'entitytrigger']);

export function gateTriggersOnResidency(waitMs = NON_HTTP_WAIT_MS): void {
  app.hook.preInvocation((context) => {
    const trigger = (context.invocationContext as InvocationContext).options.trigger.type.toLowerCase();
    if (UNGATED.has(trigger)) return;
    const handler = context.functionHandler;
    const invocation = context.invocationContext as InvocationContext;
    const run = async (...args: unknown[]) => {
      await awaitResidency(waitMs);
      return (handler as (...a: unknown[]) => unknown)(...args);
    };
    // An activity continues the orchestration's trace, which Durable's distributed tracing (host.json)
    // carries from the request that started it; its span is named after the function only.
    context.functionHandler =
      trigger === 'activitytrigger'
        ? (...args: unknown[]) => inSpan(`activity ${invocation.functionName}`, { kind: SpanKind.INTERNAL, parent: contextFromTraceparent(invocation.traceContext?.traceParent), attributes: { 'faas.trigger': 'other', 'faas.name': invocation.functionName } }, () => run(...args))
        : run;
  });
}
