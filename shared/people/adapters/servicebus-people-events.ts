import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { traceProperties } from '../../platform/tracing';
import type { PeopleEvent } from '../model';
import type { PeopleEventPublisher } from '../ports';

/**
 * Publishes lifecycle events to the `people-events` topic: message id = event id (the topic's
 * duplicate detection drops a second send after a crash), session id = person id (each consumer's
 * subscription hands one person's events to one receiver at a time, in order), subject = kind (for
 * subscription filters). The body holds ids and codes only, never a name.
 */
export class ServiceBusPeopleEvents implements PeopleEventPublisher {
  private sender?: ServiceBusSender;

  constructor(private readonly client: ServiceBusClient, private readonly topic: string) {}

  async publish(events: PeopleEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.sender ??= this.client.createSender(this.topic);
    const sender = this.sender;
    // Batches as large as the namespace allows, sent one after the other: each person's events keep their order.
    let batch = await sender.createMessageBatch();
    for (const event of events) {
      const message = toMessage(event);
      if (batch.tryAddMessage(message)) continue;
      if (batch.count === 0) throw new Error(`people event ${event.id} does not fit in a Service Bus message`);
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      if (!batch.tryAddMessage(message)) throw new Error(`people event ${event.id} does not fit in a Service Bus message`);
    }
    if (batch.count > 0) await sender.sendMessages(batch);
  }
}

function toMessage(e: PeopleEvent): ServiceBusMessage {
  return { body: e, messageId: e.id, sessionId: e.personId, subject: e.kind, contentType: 'application/json', applicationProperties: { kind: e.kind, ...traceProperties() } };
}
