import type { ServiceBusClient } from '@azure/service-bus';
import type { PeopleEvent } from '../model';
import type { PeopleEventPublisher } from '../ports';

/**
 * Publishes lifecycle events to the `people-events` topic: message id = event id (the topic's
 * duplicate detection drops a second send after a crash), session id = person id (each consumer's
 * subscription hands one person's events to one receiver at a time, in order), subject = kind (for
 * subscription filters). The body holds ids and codes only, never a name.
 */
export class ServiceBusPeopleEvents implements PeopleEventPublisher {
  constructor(private readonly client: ServiceBusClient, private readonly topic: string) {}

  async publish(events: PeopleEvent[]): Promise<void> {
    if (events.length === 0) return;
    const sender = this.client.createSender(this.topic);
    try {
      // One batch per call keeps a person's events in the order they were made.
      await sender.sendMessages(events.map((e) => ({ body: e, messageId: e.id, sessionId: e.personId, subject: e.kind, contentType: 'application/json', applicationProperties: { kind: e.kind } })));
    } finally {
      await sender.close();
    }
  }
}
