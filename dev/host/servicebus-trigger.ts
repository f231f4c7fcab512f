import {
  ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusReceiver, type ServiceBusReceiverOptions,
  type ServiceBusSessionReceiver, type ServiceBusSessionReceiverOptions,
} from '@azure/service-bus';
import os from 'node:os';
import type { LoadedApp } from './app-loader';
import type { RegisteredFunction, RpcTypedData } from './functions-core';
import type { HostLog } from './host-log';
import { fromTypedData, invoke } from './invoke';
import { connectionSetting, resolveSetting } from './settings';

export interface ServiceBusTriggers {
  stop(): Promise<void>;
}

/** host.json `hh:mm:ss` durations. */
function timeSpanMs(value: string | undefined, fallbackMs: number): number {
  if (!value) return fallbackMs;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value);
  if (!m) return fallbackMs;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

/**
 * Where a trigger listens: a queue, or a topic's subscription (the SDK takes the two names apart).
 */
interface TriggerSource {
  /** For logs: "queue 'q'" or "topic 't' subscription 's'". */
  label: string;
  createReceiver(client: ServiceBusClient, options: ServiceBusReceiverOptions): ServiceBusReceiver;
  acceptNextSession(client: ServiceBusClient, options: ServiceBusSessionReceiverOptions): Promise<ServiceBusSessionReceiver>;
}

function triggerSource(trigger: Record<string, unknown>, env: NodeJS.ProcessEnv): TriggerSource {
  if (trigger.topicName !== undefined) {
    const topic = resolveSetting(String(trigger.topicName), env);
    const subscription = resolveSetting(String(trigger.subscriptionName ?? ''), env);
    if (!topic || !subscription) throw new Error('a Service Bus topic trigger needs both topicName and subscriptionName');
    return {
      label: `topic '${topic}' subscription '${subscription}'`,
      createReceiver: (client, options) => client.createReceiver(topic, subscription, options),
      acceptNextSession: (client, options) => client.acceptNextSession(topic, subscription, options),
    };
  }
  const queue = resolveSetting(String(trigger.queueName ?? ''), env);
  return {
    label: `queue '${queue}'`,
    createReceiver: (client, options) => client.createReceiver(queue, options),
    acceptNextSession: (client, options) => client.acceptNextSession(queue, options),
  };
}

/**
 * Service Bus queue and topic (subscription) triggers with the host's message handling: peek-lock, complete after a
 * successful run, abandon when the function throws (the broker then dead-letters the message once
 * its max delivery count is reached), automatic lock renewal, `maxConcurrentCalls` per queue and
 * `maxConcurrentSessions` for session-enabled queues and subscriptions, all from host.json
 * `extensions.serviceBus`.
 */
export async function startServiceBusTriggers(options: { app: LoadedApp; log: HostLog; env?: NodeJS.ProcessEnv }): Promise<ServiceBusTriggers> {
  const { app, log } = options;
  const env = options.env ?? process.env;
  const settings = app.hostJson.extensions?.serviceBus ?? {};
  const maxConcurrentCalls = settings.maxConcurrentCalls ?? 16 * os.availableParallelism();
  const maxConcurrentSessions = settings.maxConcurrentSessions ?? 8;
  const maxAutoLockRenewalDurationInMs = timeSpanMs(settings.maxAutoLockRenewalDuration, 5 * 60_000);
  const sessionIdleTimeoutMs = timeSpanMs(settings.sessionIdleTimeout, 1_000);
  const autoComplete = settings.autoCompleteMessages ?? true;
  const clients = new Map<string, ServiceBusClient>();
  const closers: (() => Promise<void>)[] = [];
  let stopped = false;

  const clientFor = (connectionName: unknown) => {
    const conn = connectionSetting(typeof connectionName === 'string' ? connectionName : undefined, 'ServiceBusConnection', env);
    let client = clients.get(conn);
    if (!client) {
      client = new ServiceBusClient(conn);
      clients.set(conn, client);
    }
    return client;
  };

  // Output bindings to Service Bus go through the same client.
  app.registry.outputHandlers.set('servicebus', async (binding, data) => {
    const entity = resolveSetting(String(binding.queueName ?? binding.topicName ?? ''), env);
    const sender = clientFor(binding.connection).createSender(entity);
    try {
      const value = fromTypedData(data);
      const bodies = Array.isArray(value) ? value : [value];
      await sender.sendMessages(bodies.map((body) => ({ body })));
    } finally {
      await sender.close();
    }
  });

  for (const fn of app.registry.byTrigger('serviceBusTrigger')) {
    if (String(fn.trigger.cardinality ?? 'one').toLowerCase() === 'many') {
      log.error(`The '${fn.name}' function is in error: Service Bus batches (cardinality 'many') are not supported by this host.`);
      continue;
    }
    let source: TriggerSource;
    let client: ServiceBusClient;
    try {
      source = triggerSource(fn.trigger, env);
      client = clientFor(fn.trigger.connection);
    } catch (e) {
      log.error(`The '${fn.name}' function is in error: ${(e as Error).message}`);
      continue;
    }
    const handle = async (message: ServiceBusReceivedMessage, receiver: ServiceBusReceiver | ServiceBusSessionReceiver) => {
      const outcome = await invoke(app.registry, fn, {
        triggerData: bodyData(message),
        triggerMetadata: metadataOf(message),
        reason: `New ServiceBus message detected on ${source.label}.`,
      }, log);
      if (outcome.succeeded) {
        if (autoComplete) await receiver.completeMessage(message);
      } else {
        // The broker counts the delivery and dead-letters past the queue's MaxDeliveryCount.
        await receiver.abandonMessage(message);
      }
    };

    if (fn.trigger.isSessionsEnabled) {
      for (let i = 0; i < maxConcurrentSessions; i++) {
        const loop = sessionLoop(client, source, fn, handle);
        closers.push(loop);
      }
    } else {
      const receiver = source.createReceiver(client, { receiveMode: 'peekLock', maxAutoLockRenewalDurationInMs });
      const subscription = receiver.subscribe(
        {
          processMessage: (message) => handle(message, receiver),
          processError: async (args) => {
            if (!stopped) log.warn(`Service Bus listener for '${fn.name}' on ${source.label}: ${args.error.message}`);
          },
        },
        { maxConcurrentCalls, autoCompleteMessages: false },
      );
      closers.push(async () => {
        await subscription.close();
        await receiver.close();
      });
    }
    log.info(`Listening on Service Bus ${source.label} for function '${fn.name}'${fn.trigger.isSessionsEnabled ? ' (sessions)' : ''}.`);
  }

  /** One of maxConcurrentSessions workers: accept the next available session, drain it until idle, repeat. */
  function sessionLoop(
    client: ServiceBusClient,
    source: TriggerSource,
    fn: RegisteredFunction,
    handle: (m: ServiceBusReceivedMessage, r: ServiceBusSessionReceiver) => Promise<void>,
  ): () => Promise<void> {
    let current: ServiceBusSessionReceiver | undefined;
    const abort = new AbortController();
    const done = (async () => {
      while (!stopped) {
        try {
          current = await source.acceptNextSession(client, { receiveMode: 'peekLock', maxAutoLockRenewalDurationInMs, abortSignal: abort.signal });
        } catch (e) {
          if (stopped) break;
          // No session available within the SDK's wait: try again.
          if ((e as { code?: string }).code !== 'SessionCannotBeLocked' && (e as { code?: string }).code !== 'ServiceTimeout') {
            log.warn(`Service Bus session listener for '${fn.name}': ${(e as Error).message}`);
            await new Promise((r) => setTimeout(r, 1000));
          }
          continue;
        }
        try {
          while (!stopped) {
            const [message] = await current.receiveMessages(1, { maxWaitTimeInMs: sessionIdleTimeoutMs });
            if (!message) break;
            await handle(message, current);
          }
        } catch (e) {
          if (!stopped) log.warn(`Service Bus session '${current.sessionId}' for '${fn.name}': ${(e as Error).message}`);
        } finally {
          await current.close().catch(() => {});
          current = undefined;
        }
      }
    })();
    return async () => {
      abort.abort();
      await current?.close().catch(() => {});
      await done;
    };
  }

  return {
    async stop() {
      stopped = true;
      // Receivers finish their in-flight messages; a session accept still waiting on the broker
      // (the SDK retries it) is not worth waiting for: closing the client ends it.
      const closing = Promise.allSettled(closers.map((c) => c()));
      await Promise.race([closing, new Promise((r) => setTimeout(r, 3_000).unref())]);
      await Promise.allSettled([...clients.values()].map((c) => c.close()));
    },
  };
}

function bodyData(message: ServiceBusReceivedMessage): RpcTypedData {
  const body: unknown = message.body;
  if (Buffer.isBuffer(body)) return { bytes: body };
  if (typeof body === 'string') return { string: body };
  if (typeof body === 'number') return Number.isInteger(body) ? { int: body } : { double: body };
  return { json: JSON.stringify(body ?? null) };
}

/** The binding data the host gives Service Bus triggers (the worker camel-cases the names). */
function metadataOf(m: ServiceBusReceivedMessage): Record<string, RpcTypedData> {
  const meta: Record<string, RpcTypedData> = {
    MessageId: { string: String(m.messageId ?? '') },
    // The AMQP header (and so the JS SDK) counts prior deliveries, 0 on the first; the host, built on
    // the .NET SDK, reports 1 for a first delivery.
    DeliveryCount: { int: (m.deliveryCount ?? 0) + 1 },
    SequenceNumber: { int: Number(m.sequenceNumber ?? 0) },
    EnqueuedTimeUtc: { string: (m.enqueuedTimeUtc ?? new Date()).toISOString() },
    ApplicationProperties: { json: JSON.stringify(m.applicationProperties ?? {}) },
    UserProperties: { json: JSON.stringify(m.applicationProperties ?? {}) },
    LockToken: { string: m.lockToken ?? '' },
  };
  if (m.expiresAtUtc) meta.ExpiresAtUtc = { string: m.expiresAtUtc.toISOString() };
  if (m.sessionId) meta.SessionId = { string: m.sessionId };
  if (m.correlationId !== undefined) meta.CorrelationId = { string: String(m.correlationId) };
  if (m.contentType) meta.ContentType = { string: m.contentType };
  if (m.subject) meta.Subject = { string: m.subject };
  if (m.replyTo) meta.ReplyTo = { string: m.replyTo };
  if (m.replyToSessionId) meta.ReplyToSessionId = { string: m.replyToSessionId };
  if (m.to) meta.To = { string: m.to };
  return meta;
}
