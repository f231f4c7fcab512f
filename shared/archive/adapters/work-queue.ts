import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { WorkQueue } from '../ports';
import { traceProperties } from '../../platform/tracing';

/**
 * Service Bus adapter of WorkQueue: one message per mailbox run on the archive queue. The sender is
 * kept for the process: the notification endpoint enqueues on every request Graph makes, and must
 * answer within 3 seconds even on a busy instance; attaching a new AMQP link per request cost
 * round trips it cannot spare. A failed send drops the sender, so the next call attaches afresh.
 */
export class ServiceBusWorkQueue implements WorkQueue {
  private sender: ServiceBusSender | undefined;

  constructor(private readonly client: ServiceBusClient, private readonly queue: string) {}

  async enqueue(items: Parameters<WorkQueue['enqueue']>[0]): Promise<void> {
    if (!items.length) return;
    const sender = (this.sender ??= this.client.createSender(this.queue));
    try {
      // The schedule's trace continues in each mailbox run (the worker reads traceparent back).
      const applicationProperties = traceProperties();
      // Items for later carry their enqueue time in the message (x-opt-scheduled-enqueue-time): they
      // travel in the same batch as the others, one round trip, instead of one management request each.
      for (let i = 0; i < items.length; i += 100) {
        await sender.sendMessages(
          items.slice(i, i + 100).map((x) => ({ body: x.item, messageId: x.messageId, contentType: 'application/json', applicationProperties, ...(x.notBefore ? { scheduledEnqueueTimeUtc: x.notBefore } : {}) })),
        );
      }
    } catch (error) {
      if (this.sender === sender) this.sender = undefined;
      await sender.close().catch(() => undefined);
      throw error;
    }
  }
}
