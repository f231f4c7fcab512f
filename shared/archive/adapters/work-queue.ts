import type { ServiceBusClient } from '@azure/service-bus';
import type { WorkQueue } from '../ports';
import { traceProperties } from '../../platform/tracing';

/** Service Bus adapter of WorkQueue: one message per mailbox run on the archive queue. */
export class ServiceBusWorkQueue implements WorkQueue {
  constructor(private readonly client: ServiceBusClient, private readonly queue: string) {}

  async enqueue(items: Parameters<WorkQueue['enqueue']>[0]): Promise<void> {
    if (!items.length) return;
    const sender = this.client.createSender(this.queue);
    try {
      // The schedule's trace continues in each mailbox run (the worker reads traceparent back).
      const applicationProperties = traceProperties();
      const now = items.filter((i) => !i.notBefore);
      const later = items.filter((i) => i.notBefore);
      for (let i = 0; i < now.length; i += 100) {
        await sender.sendMessages(now.slice(i, i + 100).map((x) => ({ body: x.item, messageId: x.messageId, contentType: 'application/json', applicationProperties })));
      }
      for (const x of later) await sender.scheduleMessages({ body: x.item, messageId: x.messageId, contentType: 'application/json', applicationProperties }, x.notBefore!);
    } finally {
      await sender.close();
    }
  }
}
