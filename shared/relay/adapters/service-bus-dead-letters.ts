import type { ServiceBusClient, ServiceBusReceiver } from '@azure/service-bus';
import type { DeadLetter, DeadLetterQueues } from '../deadletter-drain';

/**
 * The dead-letter subqueues of the relay's queues. A session-enabled queue's dead-letter queue is
 * not session-enabled: a plain receiver reads it. Peek-lock, so a message is deleted (completed)
 * only after its record is written.
 */
export class ServiceBusDeadLetters implements DeadLetterQueues {
  private readonly receivers = new Map<string, ServiceBusReceiver>();

  constructor(private readonly bus: ServiceBusClient) {}

  async receive(queue: string, max: number): Promise<(DeadLetter & { remove(): Promise<void> })[]> {
    let receiver = this.receivers.get(queue);
    if (!receiver) {
      // Bodies are never read as JSON or kept: only the id, the reason and the enqueue time are used.
      receiver = this.bus.createReceiver(queue, { subQueueType: 'deadLetter', receiveMode: 'peekLock', skipParsingBodyAsJson: true });
      this.receivers.set(queue, receiver);
    }
    const messages = await receiver.receiveMessages(max, { maxWaitTimeInMs: 2_000 });
    const owner = receiver;
    return messages.map((message) => ({
      messageId: String(message.messageId ?? ''),
      reason: message.deadLetterReason,
      deadLetteredAt: message.enqueuedTimeUtc,
      remove: () => owner.completeMessage(message),
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.receivers.values()].map((r) => r.close().catch(() => undefined)));
    this.receivers.clear();
  }
}
