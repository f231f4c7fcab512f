import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { delay, useEmulator } from './support';

const { client, emulator } = useEmulator();

describe('Service Bus emulator: concurrency and vanished clients', () => {
  it('three competing receivers complete each of 2,000 messages exactly once', async () => {
    const total = 2000;
    // Separate connections, as separate Function instances would have.
    const clients = [0, 1, 2].map(() => new ServiceBusClient(emulator().connectionString));
    const completed = new Map<number, number>();
    const perReceiver = [0, 0, 0];
    let done!: () => void;
    const allDone = new Promise<void>((resolve) => (done = resolve));
    const subscriptions = clients.map((c, index) => {
      const receiver = c.createReceiver('competing', { maxAutoLockRenewalDurationInMs: 0 });
      const subscription = receiver.subscribe(
        {
          processMessage: async (message: ServiceBusReceivedMessage) => {
            await receiver.completeMessage(message);
            const n = message.body as number;
            completed.set(n, (completed.get(n) ?? 0) + 1);
            perReceiver[index]!++;
            if (completed.size === total) done();
          },
          processError: async (args) => {
            throw args.error;
          },
        },
        { autoCompleteMessages: false, maxConcurrentCalls: 20 },
      );
      return { receiver, subscription };
    });
    // All three receivers attached and waiting before the first message arrives.
    await delay(500);
    const sender = client().createSender('competing');
    for (let start = 0; start < total; start += 250) {
      await sender.sendMessages(Array.from({ length: 250 }, (_, i) => ({ body: start + i, messageId: `m-${start + i}` })));
    }
    await Promise.race([allDone, delay(25_000)]);
    await delay(300); // let any duplicate delivery surface before counting
    await Promise.all(subscriptions.map(async ({ receiver, subscription }) => {
      await subscription.close();
      await receiver.close();
    }));
    await Promise.all(clients.map((c) => c.close()));

    expect(completed.size).toBe(total);
    expect([...completed.values()].every((count) => count === 1)).toBe(true);
    expect(perReceiver.every((n) => n > 0)).toBe(true);
    expect(emulator().counts('competing')).toMatchObject({ active: 0, deadLettered: 0 });
  });

  it('a client that closes without settling keeps its locks until they expire, then the messages return', async () => {
    await client().createSender('short-lock').sendMessages([{ body: 'v1' }, { body: 'v2' }]);
    const vanishing = new ServiceBusClient(emulator().connectionString);
    const receiver = vanishing.createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    const held = await receiver.receiveMessages(2, { maxWaitTimeInMs: 3000 });
    expect(held).toHaveLength(2);
    await vanishing.close(); // connection gone, nothing settled
    expect(emulator().counts('short-lock').active).toBe(2);

    const survivor = client().createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    expect(await survivor.receiveMessages(2, { maxWaitTimeInMs: 300 })).toHaveLength(0); // still locked
    await delay(1000);
    const again = await survivor.receiveMessages(2, { maxWaitTimeInMs: 3000 });
    expect(again.map((m) => m.body).sort()).toEqual(['v1', 'v2']);
    expect(again.every((m) => m.deliveryCount === 1)).toBe(true);
    for (const m of again) await survivor.completeMessage(m);
    await survivor.close();
    expect(emulator().counts('short-lock').active).toBe(0);
  });

  it('many concurrent senders and links on one connection', async () => {
    const senders = Array.from({ length: 20 }, () => client().createSender('basic'));
    await Promise.all(senders.map((s, i) => s.sendMessages(Array.from({ length: 10 }, (_, j) => ({ body: `${i}-${j}` })))));
    expect(emulator().counts('basic').active).toBe(200);
    const receivers = Array.from({ length: 5 }, () => client().createReceiver('basic', { receiveMode: 'receiveAndDelete' }));
    const seen = new Set<string>();
    for (let round = 0; round < 20 && seen.size < 200; round++) {
      const batches = await Promise.all(receivers.map((r) => r.receiveMessages(20, { maxWaitTimeInMs: 500 })));
      for (const m of batches.flat()) {
        expect(seen.has(m.body as string)).toBe(false);
        seen.add(m.body as string);
      }
    }
    expect(seen.size).toBe(200);
    await Promise.all([...senders, ...receivers].map((l) => l.close()));
  });
});
