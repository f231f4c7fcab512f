import { app, type FunctionInput, type InvocationContext, type Timer } from '@azure/functions';
import type { z } from 'zod';
import { createLogger, type Logger } from '../shared/platform/logger';
import { annotate, contextFromTraceparent, inSpan, SpanKind } from '../shared/platform/tracing';

/**
 * Queue and timer registrations in one shape: each gets a logger bound to the invocation, its
 * message parsed by a zod schema, and its failure logged once as `<event>.failed` with the error's
 * name and code only (an error message may carry personal information from a dependency). The
 * error is then rethrown, so Service Bus redelivers the message and dead-letters it after
 * MaxDeliveryCount, and a timer's failure shows in the host's own records.
 */
export function invocationLogger(context: InvocationContext): Logger {
  return createLogger((level, line) => context[level === 'debug' ? 'debug' : level](line), { invocationId: context.invocationId });
}

/** A queue message that does not match its schema: it never will, so only its fields are named. */
export class MalformedMessage extends Error {
  constructor(readonly fields: string[]) {
    super(`Malformed message: ${fields.join(', ') || '(root)'}`);
    this.name = 'MalformedMessage';
  }
}

export function parseMessage<T extends z.ZodType>(schema: T, message: unknown): z.infer<T> {
  let value = message;
  if (typeof message === 'string') {
    try {
      value = JSON.parse(message);
    } catch {
      throw new MalformedMessage(['(json)']);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new MalformedMessage([...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))]);
  return parsed.data;
}

function failureFields(error: unknown): Record<string, unknown> {
  const e = error as { name?: string; code?: string | number; statusCode?: number; fields?: string[] } | undefined;
  return {
    error: e?.name ?? 'Error',
    ...(e?.code !== undefined ? { code: e.code } : {}),
    ...(e?.statusCode !== undefined ? { statusCode: e.statusCode } : {}),
    ...(error instanceof MalformedMessage ? { fields: error.fields } : {}),
  };
}

async function logged<R>(event: string, log: Logger, run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    log.error(`${event}.failed`, failureFields(error));
    throw error;
  }
}

export interface QueueTrigger<T extends z.ZodType> {
  /** Log event prefix, e.g. `archive.export`. */
  event: string;
  connection?: string;
  /** Queue name or an `%APP_SETTING%` reference. */
  queueName: string;
  schema: T;
  handle: (item: z.infer<T>, log: Logger, context: InvocationContext) => Promise<void>;
}

/** The handler alone, for tests that call it with a real InvocationContext. */
export function queueHandler<T extends z.ZodType>(trigger: Omit<QueueTrigger<T>, 'queueName' | 'connection'>) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const log = invocationLogger(context);
    // Continues the sender's trace from the message's traceparent (application properties).
    const metadata = context.triggerMetadata ?? {};
    const properties = (metadata.applicationProperties ?? {}) as Record<string, unknown>;
    const parent = contextFromTraceparent(properties.traceparent);
    await inSpan(`process ${trigger.event}`, { kind: SpanKind.CONSUMER, parent, attributes: { 'messaging.system': 'servicebus', 'messaging.operation.type': 'process', 'faas.trigger': 'pubsub', 'faas.name': context.functionName } }, async (span) => {
      if (typeof metadata.deliveryCount === 'number') annotate(span, { 'messaging.message.delivery_count': metadata.deliveryCount });
      await logged(trigger.event, log, () => trigger.handle(parseMessage(trigger.schema, message), log, context));
    });
  };
}

export function onQueue<T extends z.ZodType>(name: string, trigger: QueueTrigger<T>): void {
  app.serviceBusQueue(name, { connection: trigger.connection ?? 'ServiceBusConnection', queueName: trigger.queueName, handler: queueHandler(trigger) });
}

export interface TopicTrigger<T extends z.ZodType> extends Omit<QueueTrigger<T>, 'queueName'> {
  /** Topic and subscription names or `%APP_SETTING%` references. */
  topicName: string;
  subscriptionName: string;
  /** Session-enabled subscription: one session (one person, say) is handled by one receiver at a time, in order. */
  sessions?: boolean;
  /** Further input bindings (the durable client, to start orchestrations). */
  extraInputs?: FunctionInput[];
}

export function onTopic<T extends z.ZodType>(name: string, trigger: TopicTrigger<T>): void {
  app.serviceBusTopic(name, {
    connection: trigger.connection ?? 'ServiceBusConnection',
    topicName: trigger.topicName,
    subscriptionName: trigger.subscriptionName,
    ...(trigger.sessions ? { isSessionsEnabled: true } : {}),
    ...(trigger.extraInputs ? { extraInputs: trigger.extraInputs } : {}),
    handler: queueHandler(trigger),
  });
}

export interface TimerTrigger {
  event: string;
  /** Six-field NCRONTAB or an `%APP_SETTING%` reference. */
  schedule: string;
  runOnStartup?: boolean;
  /** Further input bindings (the durable client, to start orchestrations). */
  extraInputs?: FunctionInput[];
  handle: (log: Logger, timer: Timer, context: InvocationContext) => Promise<void>;
}

/**
 * The occurrence a timer invocation stands for. Azure's host passes the status as it stood before
 * the run: `scheduleStatus.next` is the occurrence being run (scheduled or past due) and `last`
 * the PREVIOUS run, so using `last` would name each tick after the one before it. A run on start-up
 * (Next still ahead) or an unmonitored timer (no status) stands for now. The host may fire up to
 * about a second early (clock skew), hence the small allowance.
 */
export function timerOccurrence(timer: { scheduleStatus?: Partial<Timer['scheduleStatus']> | null }, now: Date = new Date()): Date {
  const next = timer.scheduleStatus?.next ? new Date(timer.scheduleStatus.next) : undefined;
  if (next && !Number.isNaN(next.getTime()) && next.getTime() <= now.getTime() + 5_000) return next;
  return now;
}

export function timerHandler(trigger: Pick<TimerTrigger, 'event' | 'handle'>) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const log = invocationLogger(context);
    await logged(trigger.event, log, () => trigger.handle(log, timer, context));
  };
}

export function onTimer(name: string, trigger: TimerTrigger): void {
  app.timer(name, {
    schedule: trigger.schedule,
    ...(trigger.runOnStartup ? { runOnStartup: true } : {}),
    ...(trigger.extraInputs ? { extraInputs: trigger.extraInputs } : {}),
    handler: timerHandler(trigger),
  });
}
