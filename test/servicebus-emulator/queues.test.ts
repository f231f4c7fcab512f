import { describe, expect, it } from 'vitest';
import { useEmulator } from './support';

const { client, emulator } = useEmulator();

describe('Service Bus emulator: sending and receiving', () => {
  it('sends one message, an array and a batch, and receives them in order with system properties', async () => {
    const sender = client().createSender('basic');
    const receiver = client().createReceiver('basic', { maxAutoLockRenewalDurationInMs: 0 });
    try {
      await sender.sendMessages({ body: { n: 1 }, messageId: 'm1', subject: 'un', applicationProperties: { kind: 'single', count: 7 } });
      await sender.sendMessages([{ body: 'deux' }, { body: Buffer.from('trois') }]);
      const batch = await sender.createMessageBatch();
      expect(batch.tryAddMessage({ body: 'quatre', correlationId: 'c-4' })).toBe(true);
      expect(batch.tryAddMessage({ body: 'cinq', contentType: 'text/plain' })).toBe(true);
      await sender.sendMessages(batch);
      expect(emulator().counts('basic').active).toBe(5);

      const received = [];
      while (received.length < 5) {
        const messages = await receiver.receiveMessages(5 - received.length, { maxWaitTimeInMs: 2000 });
        expect(messages.length).toBeGreaterThan(0);
        received.push(...messages);
      }
      expect(received.map((m) => m.body)).toEqual([{ n: 1 }, 'deux', Buffer.from('trois'), 'quatre', 'cinq']);
      const first = received[0]!;
      expect(first.messageId).toBe('m1');
      expect(first.subject).toBe('un');
      expect(first.applicationProperties).toEqual({ kind: 'single', count: 7 });
      expect(first.deliveryCount).toBe(0);
      expect(first.lockToken).toMatch(/^[0-9a-f-]{36}$/);
      expect(first.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
      expect(first.enqueuedTimeUtc).toBeInstanceOf(Date);
      expect(received[3]!.correlationId).toBe('c-4');
      expect(received[4]!.contentType).toBe('text/plain');
      // The service assigns a message id when the sender gave none.
      expect(received[1]!.messageId).toBeTruthy();
      const sequenceNumbers = received.map((m) => m.sequenceNumber!.toNumber());
      expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => a - b));
      for (const m of received) await receiver.completeMessage(m);
      expect(emulator().counts('basic').active).toBe(0);
    } finally {
      await receiver.close();
      await sender.close();
    }
  });
});
