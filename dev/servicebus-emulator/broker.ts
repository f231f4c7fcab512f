/**
 * The AMQP side of the emulator: accepts connections with rhea, answers CBS and management
 * requests, and connects sending/receiving links to the queues.
 */
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import rhea from 'rhea';
import type { Connection, Delivery, EventContext, Receiver, Sender, Session } from 'rhea';
import {
  captureRawMessages, decodeMessage, encodeMessage, messageIdKey, rawOf, splitSections, toDotNetGuidBytes,
  toDotNetTicks, outcomes, types, uuidToBytes, withApplicationProperties, withMessageId, type DecodedMessage,
} from './amqp-codec';
import type { QueueSettings, TopicSettings } from './config';
import { handleManagementRequest } from './management';
import { BrokerError, Conditions, Queue, type Consumer, type IncomingMessage, type StoredMessage } from './queue';
import { checkSasToken } from './sas';
import { Topic, type Subscription } from './topic';

/** Standard tier limit; the SDK reads it from the attach and refuses larger messages and batches. */
export const MAX_MESSAGE_SIZE = 256 * 1024;
const BATCH_FORMAT = 0x80013700;
// Annotations the broker owns; a sender's copies are dropped.
const BROKER_ANNOTATIONS = new Set([
  'x-opt-sequence-number', 'x-opt-enqueued-time', 'x-opt-locked-until', 'x-opt-message-state',
  'x-opt-deadletter-source', 'x-opt-enqueue-sequence-number',
]);

export interface BrokerOptions {
  queues: QueueSettings[];
  topics?: TopicSettings[];
  sasKeyName: string;
  sasKey: string;
}

/** Where a link goes: a queue (or a subscription, or a dead-letter queue), or a topic. */
export interface LinkRoute {
  entity: Queue | Topic;
  kind: 'entity' | 'management';
  /** Set for a subscription's own address and management node (not its dead-letter queue). */
  subscription?: Subscription;
}

// rhea internals used to answer drain requests (rhea is pinned; see docs/decisions/0002).
interface DrainableSender extends Sender {
  _draining: boolean;
  _get_drain(): boolean;
  issue_flow: boolean;
  delivery_count: number;
  credit: number;
  local: { attach: Record<string, unknown> };
  remote: { attach?: Record<string, unknown> };
  state: { local_open: boolean; open_requests: number };
  session: Session & { outgoing: { available(): number } };
  connection: Connection & { _register(): void };
}

interface DeliveryInfo {
  queue: Queue;
  token: string;
}

export class Broker {
  /** Queues and subscriptions ("topic/Subscriptions/sub"), by lower-cased path. */
  private readonly queues = new Map<string, Queue>();
  private readonly topics = new Map<string, Topic>();
  private readonly container = rhea.create_container({ id: 'servicebus-emulator', autoaccept: false, treat_modified_as_released: false, autosettle: false } as never);
  private readonly consumers = new Map<Sender, Consumer & { queue: Queue }>();
  private readonly deliveries = new WeakMap<Delivery, DeliveryInfo>();
  /** Session receivers whose attach is held until a session can be locked. */
  private readonly heldAttaches = new Set<Sender>();
  /** Per connection: reply links of CBS and management clients, by link name and by target address. */
  private readonly replyLinks = new WeakMap<Connection, Map<string, Sender>>();
  private readonly sweeper: NodeJS.Timeout;
  private server: Server | undefined;
  /** Open client sockets, so stop() can end connections clients leave open. */
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: BrokerOptions) {
    for (const settings of options.queues) this.queues.set(settings.name.toLowerCase(), new Queue(settings));
    for (const settings of options.topics ?? []) {
      const topic = new Topic(settings);
      this.topics.set(settings.name.toLowerCase(), topic);
      for (const subscription of topic.subscriptions.values()) this.queues.set(subscription.queue.name.toLowerCase(), subscription.queue);
    }
    this.wireForwarding();
    Queue.applyProperties = (message, changes) => {
      message.sections.applicationProperties = withApplicationProperties(message.sections.applicationProperties, changes);
    };
    captureRawMessages(this.container);
    this.wireEvents();
    this.sweeper = setInterval(() => {
      // Subscriptions are in `queues` too, so this sweeps them.
      for (const queue of this.queues.values()) queue.sweepExpired();
    }, 250);
    this.sweeper.unref();
  }

  queue(name: string): Queue | undefined {
    return this.queues.get(name.toLowerCase());
  }

  topic(name: string): Topic | undefined {
    return this.topics.get(name.toLowerCase());
  }

  /** ForwardTo / ForwardDeadLetteredMessagesTo: the target (a queue or topic) takes the message as if sent to it. */
  private wireForwarding(): void {
    const sendTo = (name: string) => (message: IncomingMessage) => {
      const target = this.topic(name) ?? this.queue(name);
      if (!target) throw this.notFound(name);
      target.validate(message);
      target.enqueue(message);
    };
    for (const queue of this.queues.values()) {
      if (queue.settings.forwardTo) queue.forward = sendTo(queue.settings.forwardTo);
      if (queue.settings.forwardDeadLetteredMessagesTo) queue.forwardDeadLettered = sendTo(queue.settings.forwardDeadLetteredMessagesTo);
    }
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = this.container.listen({ port, host } as never) as unknown as Server;
      this.server = server;
      server.once('error', reject);
      // rhea's own handler would read whatever arrives as AMQP; look at the first bytes first.
      const amqpHandlers = server.listeners('connection') as Array<(socket: Socket) => void>;
      server.removeAllListeners('connection');
      server.on('connection', (socket: Socket) => {
        // rhea leaves Nagle on for accepted sockets: small frames (dispositions, single messages)
        // then wait for the client's delayed ACK, ~40-80 ms per round trip. Service Bus does not.
        socket.setNoDelay(true);
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
        socket.once('data', (first: Buffer) => {
          socket.pause();
          if (refuseNonAmqp(socket, first)) return;
          socket.unshift(first);
          for (const handler of amqpHandlers) handler.call(server, socket);
          socket.resume();
        });
      });
      server.once('listening', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    for (const queue of this.options.queues) this.queue(queue.name)?.stop();
    for (const topic of this.topics.values()) topic.stop();
    const server = this.server;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }


  // ------------------------------------------------------------------ routing

  /**
   * "q1", "q1/$DeadLetterQueue", "q1/$management", "t1", "t1/$management", "t1/Subscriptions/s1"
   * (then "/$DeadLetterQueue", "/$management" likewise), with or without "sb://host:port/".
   */
  private route(address: unknown): LinkRoute | undefined {
    if (typeof address !== 'string') return undefined;
    const path = address.replace(/^[a-z]+:\/\/[^/]+\//i, '');
    const parts = path.split('/');
    let queue: Queue | undefined;
    let subscription: Subscription | undefined;
    let rest: string[];
    const topic = this.topic(parts[0] ?? '');
    if (topic) {
      rest = parts.slice(1).map((p) => p.toLowerCase());
      if (rest.length === 0) return { entity: topic, kind: 'entity' };
      if (rest.length === 1 && rest[0] === '$management') return { entity: topic, kind: 'management' };
      if (rest[0] !== 'subscriptions') return undefined;
      subscription = topic.subscription(parts[2] ?? '');
      queue = subscription?.queue;
      rest = rest.slice(2);
    } else {
      queue = this.queue(parts[0] ?? '');
      rest = parts.slice(1).map((p) => p.toLowerCase());
    }
    if (!queue) return undefined;
    let target: Queue | undefined = queue;
    if (rest[0] === '$deadletterqueue') {
      target = queue.deadLetterQueue;
      subscription = undefined;
      rest = rest.slice(1);
    }
    if (!target) return undefined;
    if (rest.length === 0) return { entity: target, kind: 'entity', subscription };
    if (rest.length === 1 && rest[0] === '$management') return { entity: target, kind: 'management', subscription };
    return undefined;
  }

  private notFound(address: unknown): BrokerError {
    return new BrokerError(Conditions.notFound, `The messaging entity '${String(address)}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`);
  }

  private wireEvents(): void {
    const c = this.container;
    c.on('sender_open', (ctx: EventContext) => this.onClientReceiverAttach(ctx.sender as DrainableSender));
    c.on('receiver_open', (ctx: EventContext) => this.onClientSenderAttach(ctx.receiver!));
    c.on('message', (ctx: EventContext) => this.onMessage(ctx));
    c.on('sender_flow', (ctx: EventContext) => this.onFlow(ctx.sender as DrainableSender));
    c.on('sendable', (ctx: EventContext) => this.pumpFor(ctx.sender!));
    for (const outcome of ['accepted', 'released', 'rejected', 'modified']) {
      c.on(outcome, (ctx: EventContext) => this.onSettlement(ctx.delivery!, outcome));
    }
    c.on('sender_close', (ctx: EventContext) => this.dropConsumer(ctx.sender!));
    c.on('session_close', (ctx: EventContext) => this.dropConnectionConsumers(ctx.connection, ctx.session));
    c.on('connection_close', (ctx: EventContext) => this.dropConnectionConsumers(ctx.connection));
    c.on('disconnected', (ctx: EventContext) => this.dropConnectionConsumers(ctx.connection));
    // Errors on a client's connection must never take the emulator down.
    c.on('error', () => undefined);
    c.on('connection_error', () => undefined);
    c.on('sender_error', () => undefined);
    c.on('receiver_error', () => undefined);
    c.on('session_error', () => undefined);
  }

  private refuse(link: Sender | Receiver, error: BrokerError): void {
    link.close({ condition: error.condition, description: error.message });
  }

  private echoTerminus(link: Sender | Receiver): void {
    const remote = (link as unknown as DrainableSender).remote.attach ?? {};
    if (remote.source) link.set_source(remote.source as never);
    if (remote.target) link.set_target(remote.target as never);
  }

  // ------------------------------------------------------------------ client senders

  private onClientSenderAttach(receiver: Receiver): void {
    const address = receiver.target?.address;
    if (address === '$cbs') {
      this.echoTerminus(receiver);
      return;
    }
    const route = this.route(address);
    if (!route) return this.refuse(receiver, this.notFound(address));
    if (route.kind === 'entity' && route.subscription) {
      // As on Azure, messages reach a subscription only through its topic.
      return this.refuse(receiver, new BrokerError(Conditions.notAllowed, `Cannot send to '${String(address)}': send to the queue or topic instead.`));
    }
    this.echoTerminus(receiver);
    (receiver as unknown as DrainableSender).local.attach.max_message_size = MAX_MESSAGE_SIZE;
  }

  private onMessage(ctx: EventContext): void {
    const receiver = ctx.receiver!;
    const delivery = ctx.delivery!;
    const address = receiver.target?.address;
    try {
      if (address === '$cbs') {
        this.onCbsRequest(ctx.connection, ctx.message as DecodedMessage & { message_id?: unknown });
        delivery.accept();
        return;
      }
      const route = this.route(address);
      if (!route) throw this.notFound(address);
      if (route.kind === 'management') {
        this.onManagementRequest(ctx.connection, route, ctx.message as DecodedMessage);
        delivery.accept();
        return;
      }
      const format = (delivery as unknown as { format?: number }).format ?? 0;
      const messages = format === BATCH_FORMAT
        ? this.unbatch(ctx.message as unknown as Buffer)
        : [this.toIncoming(ctx.message as DecodedMessage, rawOf(ctx.message as object))];
      // A batch is all or nothing: validate every message before storing any.
      for (const message of messages) route.entity.validate(message);
      for (const message of messages) route.entity.enqueue(message);
      delivery.accept();
    } catch (e) {
      if (!(e instanceof BrokerError)) console.error('[servicebus-emulator] could not process a message:', e);
      const error = e instanceof BrokerError ? e : new BrokerError('amqp:internal-error', 'The message could not be processed.');
      delivery.reject({ condition: error.condition, description: error.message });
    }
  }

  private unbatch(batch: Buffer): IncomingMessage[] {
    if (batch.length > MAX_MESSAGE_SIZE) throw this.sizeExceeded(batch.length);
    const outer = decodeMessage(batch) as DecodedMessage & { body?: { content?: unknown; multiple?: boolean } };
    const content = outer.body?.content;
    const parts = outer.body?.multiple ? (content as Buffer[]) : [content as Buffer];
    return parts.map((part) => this.toIncoming(decodeMessage(part), part));
  }

  private sizeExceeded(size: number): BrokerError {
    return new BrokerError(Conditions.sizeExceeded, `The received message (size ${size} bytes) exceeds the limit (${MAX_MESSAGE_SIZE} bytes) currently allowed on the link.`);
  }

  toIncoming(decoded: DecodedMessage, raw: Buffer | undefined): IncomingMessage {
    if (!raw) throw new BrokerError('amqp:internal-error', 'raw message bytes unavailable');
    if (raw.length > MAX_MESSAGE_SIZE) throw this.sizeExceeded(raw.length);
    const sections = splitSections(raw);
    let messageId = messageIdKey(decoded.message_id);
    if (messageId === undefined) {
      // The service assigns an id when the sender gave none (the SDK's lock renewal relies on it).
      messageId = randomUUID().replace(/-/g, '');
      sections.properties = withMessageId(sections.properties, messageId);
    }
    const annotations: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(decoded.message_annotations ?? {})) {
      if (!BROKER_ANNOTATIONS.has(key)) annotations[key] = value;
    }
    const scheduled = annotations['x-opt-scheduled-enqueue-time'];
    return {
      messageId,
      sessionId: decoded.group_id ?? undefined,
      header: { durable: decoded.durable, priority: decoded.priority, ttl: decoded.ttl },
      annotations,
      scheduledEnqueueTime: scheduled instanceof Date ? scheduled.getTime() : typeof scheduled === 'number' ? scheduled : undefined,
      sections,
    };
  }

  // ------------------------------------------------------------------ CBS and management

  private replyLinksOf(connection: Connection): Map<string, Sender> {
    let links = this.replyLinks.get(connection);
    if (!links) {
      links = new Map();
      this.replyLinks.set(connection, links);
    }
    return links;
  }

  private reply(connection: Connection, replyTo: unknown, message: Record<string, unknown>): void {
    const link = typeof replyTo === 'string' ? this.replyLinksOf(connection).get(replyTo) : undefined;
    if (link && link.is_open()) link.send(message as never);
  }

  private onCbsRequest(connection: Connection, request: DecodedMessage & { message_id?: unknown }): void {
    const props = request.application_properties ?? {};
    let status = 202;
    let description = 'Accepted';
    if (props.operation !== 'put-token') {
      status = 400;
      description = `Unsupported CBS operation ${String(props.operation)}`;
    } else if (props.type !== 'servicebus.windows.net:sastoken') {
      status = 401;
      description = 'InvalidToken: only SAS tokens are accepted by the local emulator.';
    } else {
      const problem = checkSasToken(request.body, this.options.sasKeyName, this.options.sasKey);
      if (problem) {
        status = 401;
        description = problem;
      } else {
        const audience = String(props.name ?? '');
        const path = audience.replace(/^[a-z]+:\/\/[^/]+\/?/i, '');
        if (path !== '' && !this.route(path)) {
          status = 404;
          description = this.notFound(audience).message;
        }
      }
    }
    this.reply(connection, (request as { reply_to?: string }).reply_to, {
      correlation_id: request.message_id,
      application_properties: { 'status-code': status, 'status-description': description },
    });
  }

  private onManagementRequest(connection: Connection, route: LinkRoute, request: DecodedMessage): void {
    const response = handleManagementRequest(this, route, request);
    this.reply(connection, (request as { reply_to?: string }).reply_to, {
      correlation_id: (request as { message_id?: unknown }).message_id,
      application_properties: response.properties,
      body: response.body,
    });
  }

  // ------------------------------------------------------------------ client receivers

  private onClientReceiverAttach(sender: DrainableSender): void {
    const remote = sender.remote.attach ?? {};
    const source = (remote.source ?? {}) as { address?: string; filter?: Record<string, unknown> };
    const target = (remote.target ?? {}) as { address?: string };
    if (source.address === '$cbs' || this.route(source.address)?.kind === 'management') {
      this.echoTerminus(sender);
      const links = this.replyLinksOf(sender.connection);
      links.set(sender.name, sender);
      if (target.address) links.set(target.address, sender);
      return;
    }
    const route = this.route(source.address);
    if (!route) return this.refuse(sender, this.notFound(source.address));
    if (!(route.entity instanceof Queue)) {
      return this.refuse(sender, new BrokerError(Conditions.notAllowed, `Cannot receive from the topic '${route.entity.name}': receive from one of its subscriptions (${route.entity.name}/Subscriptions/<name>).`));
    }
    // Mirror the requested settle modes: snd-settle-mode 1 (settled) is receive-and-delete.
    sender.local.attach.snd_settle_mode = remote.snd_settle_mode;
    sender.local.attach.rcv_settle_mode = remote.rcv_settle_mode;
    sender.local.attach.max_message_size = MAX_MESSAGE_SIZE;
    this.installDrainReply(sender);
    const queue = route.entity;
    const consumer = this.createConsumer(sender, queue, remote.snd_settle_mode !== 1);
    const wantsSession = source.filter !== undefined && 'com.microsoft:session-filter' in source.filter;
    if (!queue.usesSessions) {
      if (wantsSession) {
        return this.refuse(sender, new BrokerError(Conditions.notAllowed, `It is not possible for an entity that does not require sessions to create a session receiver. Entity:${queue.name}`));
      }
      this.echoTerminus(sender);
      this.consumers.set(sender, consumer);
      queue.addConsumer(consumer);
      return;
    }
    if (!wantsSession) {
      return this.refuse(sender, new BrokerError(Conditions.notAllowed, `It is not possible for an entity that requires sessions to create a non-sessionful message receiver. Entity:${queue.name}`));
    }
    this.attachSessionReceiver(sender, consumer, source);
  }

  /**
   * Session receivers: the attach is answered once a session is locked (next-available may wait),
   * echoing the session id in the source filter and its lock expiry in the attach properties.
   */
  private attachSessionReceiver(sender: DrainableSender, consumer: Consumer & { queue: Queue }, source: { address?: string; filter?: Record<string, unknown> }): void {
    const requested = unwrapValue(source.filter?.['com.microsoft:session-filter']);
    const sessionId = typeof requested === 'string' ? requested : undefined;
    const timeoutProp = unwrapValue((sender.remote.attach?.properties as Record<string, unknown> | undefined)?.['com.microsoft:timeout']);
    const timeoutMs = typeof timeoutProp === 'number' && timeoutProp > 0 ? timeoutProp : 60_000;
    // Hold our attach until a session is locked: undo the automatic open rhea did on the remote attach.
    sender.state.local_open = false;
    sender.state.open_requests = Math.max(0, sender.state.open_requests - 1);
    this.consumers.set(sender, consumer);
    this.heldAttaches.add(sender);
    consumer.queue.acceptSession(consumer, sessionId, timeoutMs).then(
      (session) => {
        if (!this.heldAttaches.delete(sender)) return;
        sender.set_source({ address: source.address, filter: { 'com.microsoft:session-filter': session.id } } as never);
        sender.local.attach.properties = { 'com.microsoft:locked-until-utc': types.wrap_long(toDotNetTicks(session.lockedUntil)) };
        sender.open();
        consumer.queue.pumpSession(session);
      },
      (error: BrokerError) => {
        if (!this.heldAttaches.delete(sender)) return;
        this.consumers.delete(sender);
        sender.open();
        this.refuse(sender, error);
      },
    );
  }

  private createConsumer(sender: DrainableSender, queue: Queue, peekLock: boolean): Consumer & { queue: Queue } {
    // rhea takes credit only when it writes a transfer (on its next turn), not in send(): deliveries
    // handed to it and not yet written must count against the credit, or one pump would lock the
    // whole backlog to this link (credit 3, 2,000 messages locked) while competing links starve.
    const unsent: Array<{ id: number }> = [];
    const outgoing = sender.session.outgoing as unknown as { next_pending_delivery: number; available(): number };
    const pending = (): number => {
      while (unsent.length > 0 && unsent[0]!.id < outgoing.next_pending_delivery) unsent.shift();
      return unsent.length;
    };
    const consumer: Consumer & { queue: Queue } = {
      queue,
      peekLock,
      capacity: () => (sender.is_open() ? Math.min(sender.credit - pending(), outgoing.available()) : 0),
      deliver: (message, lockToken) => {
        const payload = this.encodeForDelivery(message, lockToken);
        const tag = toDotNetGuidBytes(uuidToBytes(lockToken ?? randomUUID()));
        const delivery = sender.send(payload as never, tag, 0);
        unsent.push(delivery as unknown as { id: number });
        if (lockToken) this.deliveries.set(delivery, { queue, token: lockToken });
      },
      sessionLost: (session) => {
        // As Azure: the session receiver's link is detached; the SDK reports SessionLockLost.
        if (sender.is_open()) {
          this.refuse(sender, new BrokerError(Conditions.sessionLockLost, `The session lock has expired on the MessageSession '${session.id}'. Accept a new MessageSession. Entity:${queue.name}`));
        }
      },
    };
    return consumer;
  }

  /** Header and annotations rebuilt for this delivery, stored sections appended verbatim. */
  encodeForDelivery(message: StoredMessage, lockToken: string | undefined, peeked = false): Buffer {
    const annotations: Record<string, unknown> = {
      ...message.annotations,
      'x-opt-sequence-number': types.wrap_long(message.sequenceNumber),
      'x-opt-enqueued-time': new Date(message.enqueuedAt),
    };
    if (lockToken && message.lock) annotations['x-opt-locked-until'] = new Date(message.lock.until);
    if (message.state === 'deferred') annotations['x-opt-message-state'] = types.wrap_int(1);
    if (message.state === 'scheduled') annotations['x-opt-message-state'] = types.wrap_int(2);
    if (message.deadLetterSource) annotations['x-opt-deadletter-source'] = message.deadLetterSource;
    const deliveryCount = peeked ? message.deliveries : Math.max(0, message.deliveries - 1);
    return encodeMessage({ ...message.header, deliveryCount }, annotations, message.sections);
  }

  private installDrainReply(sender: DrainableSender): void {
    let reply = false;
    sender._get_drain = () => {
      if (!reply) return false;
      // Called as rhea writes the flow, after it wrote the transfers already handed to it: what
      // credit is left now is what drain gives back (zeroing it earlier would strand those
      // deliveries, locked, in rhea's buffer).
      reply = false;
      sender.delivery_count += sender.credit;
      sender.credit = 0;
      return true;
    };
    (sender as unknown as { answerDrain: () => void }).answerDrain = () => {
      // The SDK waits for a flow with drain=true even when no credit is left; rhea would not send one.
      reply = true;
      sender.issue_flow = true;
      sender.connection._register();
    };
  }

  private onFlow(sender: DrainableSender): void {
    if (!this.consumers.has(sender)) return;
    this.pumpFor(sender);
    if (sender._draining) (sender as unknown as { answerDrain: () => void }).answerDrain();
  }

  private pumpFor(sender: Sender): void {
    const consumer = this.consumers.get(sender);
    if (!consumer) return;
    if (consumer.session) consumer.queue.pumpSession(consumer.session);
    else consumer.queue.pump();
  }

  // ------------------------------------------------------------------ settlement

  private onSettlement(delivery: Delivery, outcome: string): void {
    const info = this.deliveries.get(delivery);
    if (!info) return;
    this.deliveries.delete(delivery);
    const state = (delivery as unknown as { remote_state?: Record<string, unknown> }).remote_state ?? {};
    try {
      if (outcome === 'accepted') {
        info.queue.complete(info.token);
        this.settle(delivery, outcomes.accepted());
      } else if (outcome === 'rejected') {
        const error = state.error as { condition?: string; info?: Record<string, unknown> } | undefined;
        const reason = error?.info?.DeadLetterReason;
        const description = error?.info?.DeadLetterErrorDescription;
        const props = { ...(error?.info ?? {}) };
        delete props.DeadLetterReason;
        delete props.DeadLetterErrorDescription;
        info.queue.deadLetterByToken(info.token, str(reason), str(description), props);
        this.settle(delivery, outcomes.rejected({}));
      } else {
        const annotations = (state.message_annotations ?? undefined) as Record<string, unknown> | undefined;
        if (outcome === 'modified' && state.undeliverable_here) info.queue.defer(info.token, annotations);
        else info.queue.abandon(info.token, annotations);
        this.settle(delivery, outcome === 'modified' ? outcomes.modified({ delivery_failed: state.delivery_failed, undeliverable_here: state.undeliverable_here }) : outcomes.released());
      }
    } catch (e) {
      const error = e instanceof BrokerError ? e : new BrokerError('amqp:internal-error', String(e));
      this.settle(delivery, outcomes.rejected({ error: { condition: error.condition, description: error.message } }));
    }
  }

  /**
   * Settles our side and marks the delivery remotely settled: in peek-lock the client never sends a
   * settled disposition back, and rhea frees an outgoing delivery only when both sides are settled.
   */
  private settle(delivery: Delivery, state: { described(): unknown }): void {
    delivery.update(true, state.described() as never);
    (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
  }

  // ------------------------------------------------------------------ vanished clients

  /**
   * `answerHeld`: the client detached a link still waiting for a session, so its attach is answered,
   * then its detach. When the client ended the whole session (or the connection went), nothing is
   * sent for the link: its channel is being released, and a frame arriving after our end is a
   * protocol error that makes the client drop the whole connection, with every other link on it.
   */
  private dropConsumer(sender: Sender, answerHeld = true): void {
    const consumer = this.consumers.get(sender);
    if (!consumer) return;
    this.consumers.delete(sender);
    consumer.queue.removeConsumer(consumer);
    if (this.heldAttaches.delete(sender) && answerHeld && !sender.is_closed()) {
      sender.open();
      sender.close();
    }
  }

  private dropConnectionConsumers(connection: Connection, session?: Session): void {
    for (const sender of [...this.consumers.keys()]) {
      if (sender.connection === connection && (!session || sender.session === session)) this.dropConsumer(sender, false);
    }
  }
}

function unwrapValue(value: unknown): unknown {
  if (value && typeof value === 'object' && 'value' in value && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return (value as { value: unknown }).value;
  }
  return value;
}

function str(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * ServiceBusAdministrationClient (ATOM over HTTPS) reaches the emulator's port with a TLS handshake;
 * the emulator serves AMQP only. The SDK's queueExists turns any failure into `false`, so the
 * emulator says it plainly in its log, then refuses at once (a TLS alert, or HTTP 501) rather than
 * leaving the client to retry against an AMQP parser. Returns true when the connection was refused.
 */
export const ADMINISTRATION_REFUSAL =
  "[servicebus-emulator] refused an HTTPS request (ServiceBusAdministrationClient, ATOM management API): the emulator serves AMQP only. " +
  'Queues, topics, subscriptions and their settings come from its Config.json; rules can be managed with the rule manager. ' +
  'Note that queueExists/topicExists/subscriptionExists answer false on any error.';

function refuseNonAmqp(socket: Socket, first: Buffer): boolean {
  const TLS_HANDSHAKE = 0x16;
  if (first[0] === TLS_HANDSHAKE) {
    console.error(ADMINISTRATION_REFUSAL);
    // Fatal alert "handshake_failure" (40): the client fails at once instead of waiting for a reply.
    socket.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]));
    return true;
  }
  if (/^(GET|PUT|POST|DELETE|HEAD|PATCH|OPTIONS) /.test(first.subarray(0, 8).toString('latin1'))) {
    console.error(ADMINISTRATION_REFUSAL.replace('an HTTPS request', 'an HTTP request'));
    const body = `${ADMINISTRATION_REFUSAL.replace('[servicebus-emulator] refused an HTTPS request', 'This Service Bus emulator does not serve HTTP')}\n`;
    socket.end(`HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return true;
  }
  return false;
}
