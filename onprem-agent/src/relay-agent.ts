import type {
  ProcessErrorArgs,
  ServiceBusClient,
  ServiceBusClientOptions,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusSender,
} from '@azure/service-bus';
import type { TokenCredential } from '@azure/core-auth';
import { continueTrace } from './trace-context';
import type { AgentConfig } from './config';
import type { DocumentStore } from './document-store';
import type { IdempotencyStore } from './idempotency-store';
import type { RequestProcessor } from './request-processor';
import { errorSummary, type AgentLog } from './agent-log';
import { reconnectDelay } from './backoff';
import { disableNagleForServiceBus } from '../../shared/relay/adapters/amqp-no-delay';
import { AGENT_VERSION } from './version';

/**
 * The agent's connection to Service Bus: outbound only. It listens on the requests queue in
 * peek-lock mode (the SDK renews locks while a request is being worked), answers on the replies
 * queue in the caller's session, and settles each message only after its reply is out. At most
 * `concurrency` requests run at once. A broken connection is rebuilt with jittered exponential
 * backoff; SIGTERM/SIGINT stop taking work, let in-flight work finish until a deadline, abandon
 * what is left (Service Bus redelivers it) and close.
 */
export interface RelayAgentDeps {
  config: AgentConfig;
  processor: RequestProcessor;
  store: IdempotencyStore;
  documents?: DocumentStore;
  log: AgentLog;
  credential?: TokenCredential;
}

/** Errors after which the SDK's own retries will not help: rebuild the connection ourselves. */
const RECONNECT_CODES = new Set(['ServiceCommunicationProblem', 'UnauthorizedAccess', 'MessagingEntityNotFound', 'MessagingEntityDisabled', 'GeneralError']);

interface Connection {
  clients: ServiceBusClient[];
  receiver: ServiceBusReceiver;
  sender: ServiceBusSender;
  subscription?: { close(): Promise<void> };
}

export class RelayAgent {
  private connection: Connection | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly inFlight = new Map<ServiceBusReceivedMessage, Promise<void>>();
  /** Messages given back (shutdown, lost connection): their late-finishing work must not settle or reply. */
  private readonly givenBack = new WeakSet<ServiceBusReceivedMessage>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAt = new Date().toISOString();
  private handled = 0;
  private connected = false;
  /**
   * Requests answered (reply sent, marked sent) whose message could not be completed because its
   * lock was lost meanwhile (the event loop held past the lock by a synchronous query on a loaded
   * machine). Service Bus hands the message out again; a stopping agent settles it itself before
   * exiting, so a clean stop leaves nothing behind.
   */
  private readonly sentButUnsettled = new Set<string>();
  private firstConnect: { resolve: () => void; promise: Promise<void> };

  constructor(private readonly deps: RelayAgentDeps) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstConnect = { resolve, promise };
  }

  /** Starts the connect loop and the periodic tasks; resolves once connected the first time. */
  async start(): Promise<void> {
    const { config, documents, store, log } = this.deps;
    this.running = this.connectLoop();
    if (documents) {
      const beat = () => void this.writeHeartbeat();
      this.timers.push(setInterval(beat, config.heartbeatSeconds * 1000));
      this.timers.push(setInterval(() => void documents.sweep().catch((e: unknown) => log('warn', 'documents.sweep_failed', errorSummary(e))), 60_000));
    }
    this.timers.push(setInterval(() => store.purge(), 3_600_000));
    for (const t of this.timers) t.unref();
    await this.firstConnect.promise;
    await this.writeHeartbeat();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  private async writeHeartbeat(): Promise<void> {
    if (!this.deps.documents) return;
    try {
      await this.deps.documents.writeHeartbeat({
        agentId: this.deps.config.agentId,
        agentVersion: AGENT_VERSION,
        at: new Date().toISOString(),
        startedAt: this.startedAt,
        inFlight: this.inFlight.size,
        handled: this.handled,
        connected: this.connected && !this.stopping,
      });
    } catch (e) {
      this.deps.log('warn', 'heartbeat.write_failed', errorSummary(e));
    }
  }

  private async connectLoop(): Promise<void> {
    const { config, log } = this.deps;
    let attempt = 0;
    let connectedAt = 0;
    while (!this.stopping) {
      let broken: Promise<void>;
      try {
        ({ broken } = await this.connect());
        connectedAt = Date.now();
        this.connected = true;
        log('info', 'agent.connected', { agentId: config.agentId, queue: config.serviceBus.requests.queue });
        this.firstConnect.resolve();
        void this.writeHeartbeat();
      } catch (e) {
        const delay = reconnectDelay(attempt++, config.reconnect.initialDelayMs, config.reconnect.maxDelayMs);
        log('warn', 'agent.connect_failed', { ...errorSummary(e), retryInMs: delay, attempt });
        await this.teardown();
        await this.pause(delay);
        continue;
      }
      await broken;
      this.connected = false;
      if (this.stopping) break;
      // A connection that held for a while starts the backoff afresh; one that keeps dropping
      // right after connecting keeps backing off.
      if (Date.now() - connectedAt > 30_000) attempt = 0;
      const delay = reconnectDelay(attempt++, config.reconnect.initialDelayMs, config.reconnect.maxDelayMs);
      log('warn', 'agent.disconnected', { retryInMs: delay });
      // Work in flight on the dead connection is not waited for: its locks are gone anyway, and
      // the redelivery finds the stored reply (idempotency store) and sends it once.
      for (const message of this.inFlight.keys()) this.givenBack.add(message);
      this.inFlight.clear();
      await this.closeSubscription();
      await this.teardown();
      await this.pause(delay);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Opens the links, proves they work, subscribes; the returned promise settles when the connection breaks. */
  private async connect(): Promise<{ broken: Promise<void> }> {
    const { config, log } = this.deps;
    disableNagleForServiceBus();
    const { ServiceBusClient } = require('@azure/service-bus') as typeof import('@azure/service-bus');
    const sb = config.serviceBus;
    const options: ServiceBusClientOptions = {
      // Few quick retries inside the SDK: a lasting outage is handled by our own jittered backoff.
      retryOptions: { maxRetries: 2, retryDelayInMs: 300, maxRetryDelayInMs: 2_000, timeoutInMs: 20_000 },
      ...(sb.webSockets ? { webSocketOptions: { webSocket: require('ws') as never } } : {}),
    };
    let requestsClient: ServiceBusClient;
    let repliesClient: ServiceBusClient;
    // One connection per direction, even with one identity: receiving and replying on the same
    // AMQP connection interleaves small frames both ways and costs tens of ms per request in
    // TCP delayed acknowledgements; two connections keep each one a clean request/response flow.
    if (sb.certificate) {
      requestsClient = new ServiceBusClient(sb.fullyQualifiedNamespace!, this.deps.credential!, options);
      repliesClient = new ServiceBusClient(sb.fullyQualifiedNamespace!, this.deps.credential!, options);
    } else {
      // Two SAS rules in production: Listen on relay-requests, Send on relay-replies.
      requestsClient = new ServiceBusClient(sb.requests.connectionString!, options);
      repliesClient = new ServiceBusClient(sb.replies.connectionString!, options);
    }
    const clients = [requestsClient, repliesClient];
    const receiver = requestsClient.createReceiver(sb.requests.queue, { receiveMode: 'peekLock', maxAutoLockRenewalDurationInMs: 10 * 60_000 });
    const sender = repliesClient.createSender(sb.replies.queue);
    this.connection = { clients, receiver, sender };
    // Prove both links before taking work: a peek needs Listen, opening the sender needs Send.
    await receiver.peekMessages(1);
    await sender.createMessageBatch();

    let markBroken!: () => void;
    const broken = new Promise<void>((resolve) => (markBroken = resolve));
    this.wakeUp = markBroken;
    const conn = this.connection;
    conn.subscription = receiver.subscribe(
      {
        processMessage: async (message) => {
          if (this.stopping) {
            await receiver.abandonMessage(message).catch(() => undefined);
            return;
          }
          const work = this.handle(message, conn);
          this.inFlight.set(message, work);
          try {
            await work;
          } finally {
            this.inFlight.delete(message);
          }
        },
        processError: async (args: ProcessErrorArgs) => {
          const code = (args.error as { code?: string }).code ?? '';
          log('warn', 'servicebus.error', { source: args.errorSource, ...errorSummary(args.error) });
          // A lock lost on one message (the SDK's renewal failing after the event loop was held
          // past the lock, on a loaded machine) is that message's affair: not retryable, but the
          // connection is fine. Rebuilding it would drop the work in flight and, at shutdown,
          // leave the answered message behind; its settlement handles it instead.
          const messageScoped = code === 'MessageLockLost' || args.errorSource === 'renewLock';
          if (!messageScoped && (RECONNECT_CODES.has(code) || (args.error as { retryable?: boolean }).retryable === false)) markBroken();
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: config.concurrency },
    );
    return { broken };
  }

  private async handle(message: ServiceBusReceivedMessage, conn: Connection): Promise<void> {
    const { processor, store, log, config } = this.deps;
    let replied: string | undefined;
    const trace = continueTrace(message.applicationProperties?.traceparent);
    const traced = trace ? { traceId: trace.traceId } : {};
    try {
      const decision = await processor.process({ body: message.body, deliveryCount: message.deliveryCount ?? 0, ...traced });
      if (decision.kind === 'reply') {
        try {
          // Given back at shutdown or on a lost connection: the stored reply goes out with the redelivery.
          if (this.givenBack.has(message)) return;
          await conn.sender.sendMessages({
            body: decision.reply,
            contentType: 'application/json',
            sessionId: decision.sessionId,
            messageId: decision.reply.requestId,
            correlationId: decision.reply.requestId,
            timeToLive: config.serviceBus.replyTimeToLiveSeconds * 1000,
            ...(trace ? { applicationProperties: { traceparent: trace.traceparent } } : {}),
          });
          store.markSent(decision.reply.requestId);
          replied = decision.reply.requestId;
        } finally {
          processor.release(decision.reply.requestId);
        }
        await conn.receiver.completeMessage(message);
        this.handled++;
      } else if (this.givenBack.has(message)) {
        return;
      } else if (decision.kind === 'complete') {
        await conn.receiver.completeMessage(message);
      } else {
        log('warn', 'request.dead_lettered', { reason: decision.reason, messageId: String(message.messageId ?? ''), ...traced });
        await conn.receiver.deadLetterMessage(message, { deadLetterReason: decision.reason, deadLetterErrorDescription: decision.description });
      }
    } catch (e) {
      // Reply not sent or message not settled: give it back so it is tried again (the idempotency
      // store makes the retry answer once); after MaxDeliveryCount Service Bus dead-letters it.
      log('warn', 'request.retry_later', { messageId: String(message.messageId ?? ''), ...traced, ...errorSummary(e) });
      if (replied && (e as { code?: string }).code === 'MessageLockLost') this.sentButUnsettled.add(replied);
      if (!this.givenBack.has(message)) await conn.receiver.abandonMessage(message).catch(() => undefined);
    }
  }

  /**
   * At shutdown: takes back the answered requests whose lock was lost and completes them (their
   * reply is already out; the idempotency store says sent), giving anything else straight back.
   */
  private async settleLostLocks(withinMs: number): Promise<void> {
    const conn = this.connection;
    if (!conn || this.sentButUnsettled.size === 0) return;
    const { log, config } = this.deps;
    const receiver = conn.clients[0]!.createReceiver(config.serviceBus.requests.queue, { receiveMode: 'peekLock' });
    const deadline = Date.now() + withinMs;
    let settled = 0;
    try {
      while (this.sentButUnsettled.size > 0 && Date.now() < deadline) {
        const messages = await receiver.receiveMessages(this.sentButUnsettled.size, { maxWaitTimeInMs: Math.min(2_000, Math.max(1, deadline - Date.now())) });
        if (messages.length === 0) continue;
        for (const message of messages) {
          const id = String(message.messageId ?? '');
          if (this.sentButUnsettled.delete(id)) {
            await receiver.completeMessage(message);
            settled++;
          } else {
            await receiver.abandonMessage(message).catch(() => undefined);
          }
        }
      }
    } catch (e) {
      log('warn', 'agent.settle_lost_locks_failed', errorSummary(e));
    } finally {
      await receiver.close().catch(() => undefined);
    }
    log('info', 'agent.settled_lost_locks', { settled, left: this.sentButUnsettled.size });
  }

  private async closeSubscription(): Promise<void> {
    const closing = this.connection?.subscription?.close().catch(() => undefined);
    if (closing) await Promise.race([closing, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
  }

  /** Closes the links and clients; on a dead connection a close can wait for the SDK's whole timeout, so each gets 2 s. */
  private async teardown(): Promise<void> {
    const conn = this.connection;
    this.connection = undefined;
    if (!conn) return;
    const quickly = (closing: Promise<void> | undefined) =>
      closing && Promise.race([closing.catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
    await quickly(conn.subscription?.close());
    await Promise.all([quickly(conn.sender.close()), quickly(conn.receiver.close())]);
    await Promise.all(conn.clients.map((client) => quickly(client.close())));
  }

  /**
   * Graceful stop: take no new work, let in-flight requests finish until the deadline, give the
   * rest back to Service Bus (abandon: redelivered at once to the next agent), then close.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.running;
    const { config, log } = this.deps;
    this.stopping = true;
    this.firstConnect.resolve();
    for (const t of this.timers) clearInterval(t);
    log('info', 'agent.stopping', { inFlight: this.inFlight.size });
    await this.closeSubscription();
    let deadline: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled(this.inFlight.values()).then(() => true),
      new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(false), config.shutdownDeadlineSeconds * 1000))),
    ]);
    clearTimeout(deadline);
    if (!finished && this.connection) {
      const receiver = this.connection.receiver;
      const left = [...this.inFlight.keys()];
      for (const message of left) this.givenBack.add(message);
      await Promise.allSettled(left.map((m) => receiver.abandonMessage(m)));
      log('warn', 'agent.abandoned_in_flight', { count: left.length });
    }
    if (finished) await this.settleLostLocks(Math.min(10_000, config.shutdownDeadlineSeconds * 1000));
    await this.writeHeartbeat();
    this.wakeUp?.();
    await this.teardown();
    await this.running?.catch(() => undefined);
    log('info', 'agent.stopped', { handled: this.handled });
  }
}
