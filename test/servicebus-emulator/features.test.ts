import { isServiceBusError, ServiceBusClient } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { delay, useEmulator } from './support';

const { client, emulator } = useEmulator();

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!error) throw new Error('expected the operation to fail');
  return error as { code?: string; message: string };
}

describe('Service Bus emulator: queue features', () => {
  it('peeks with paging without locking or removing messages', async () => {
    const sender = client().createSender('basic');
    await sender.sendMessages(Array.from({ length: 7 }, (_, i) => ({ body: `p${i}` })));
    const receiver = client().createReceiver('basic', { receiveMode: 'receiveAndDelete' });
    const page1 = await receiver.peekMessages(3);
    const page2 = await receiver.peekMessages(3);
    const page3 = await receiver.peekMessages(3);
    expect([...page1, ...page2, ...page3].map((m) => m.body)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(await receiver.peekMessages(3)).toHaveLength(0);
    const fromSequence = await receiver.peekMessages(2, { fromSequenceNumber: page2[0]!.sequenceNumber! });
    expect(fromSequence.map((m) => m.body)).toEqual(['p3', 'p4']);
    expect(emulator().counts('basic').active).toBe(7);
    const drained = await receiver.receiveMessages(7, { maxWaitTimeInMs: 2000 });
    expect(drained).toHaveLength(7);
    await receiver.close();
  });

  it('schedules messages and cancels a scheduled message', async () => {
    const sender = client().createSender('basic');
    const at = new Date(Date.now() + 1500);
    const [keep, cancel] = await sender.scheduleMessages([{ body: 'scheduled-keep' }, { body: 'scheduled-cancel' }], at);
    expect(emulator().counts('basic')).toMatchObject({ active: 0, scheduled: 2 });
    const receiver = client().createReceiver('basic', { receiveMode: 'receiveAndDelete' });
    const peeked = await receiver.peekMessages(5, { fromSequenceNumber: keep! });
    expect(peeked.map((m) => m.state)).toEqual(['scheduled', 'scheduled']);
    await sender.cancelScheduledMessages(cancel!);
    expect(emulator().counts('basic')).toMatchObject({ scheduled: 1 });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toHaveLength(0);
    const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 3000 });
    expect(messages.map((m) => m.body)).toEqual(['scheduled-keep']);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 50);
    expect(messages[0]!.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
    await receiver.close();
  });

  it('expires messages after their time to live, dead-lettering them when the queue says so', async () => {
    await client().createSender('ttl').sendMessages([{ body: 'expires' }, { body: 'own-ttl', timeToLive: 200 }]);
    await client().createSender('ttl-drop').sendMessages({ body: 'dropped' });
    await delay(1600);
    expect(emulator().counts('ttl')).toMatchObject({ active: 0, deadLettered: 2 });
    expect(emulator().counts('ttl-drop')).toMatchObject({ active: 0, deadLettered: 0 });
    const dlq = client().createReceiver('ttl', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const dead = await dlq.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    expect(dead.map((m) => m.deadLetterReason)).toEqual(['TTLExpiredException', 'TTLExpiredException']);
    expect(dead.map((m) => m.body).sort()).toEqual(['expires', 'own-ttl']);
    await dlq.close();
  });

  it('drops duplicates by message id within the detection window only', async () => {
    const sender = client().createSender('dedup');
    await sender.sendMessages({ body: 'one', messageId: 'same' });
    await sender.sendMessages({ body: 'two', messageId: 'same' });
    await sender.sendMessages({ body: 'other', messageId: 'different' });
    expect(emulator().counts('dedup').active).toBe(2);
    await delay(2100);
    await sender.sendMessages({ body: 'three', messageId: 'same' });
    const receiver = client().createReceiver('dedup', { receiveMode: 'receiveAndDelete' });
    const messages = await receiver.receiveMessages(5, { maxWaitTimeInMs: 1000 });
    expect(messages.map((m) => m.body)).toEqual(['one', 'other', 'three']);
    await receiver.close();
  });

  it('refuses messages larger than the 256 KB limit', async () => {
    const sender = client().createSender('basic');
    const error = await errorOf(sender.sendMessages({ body: Buffer.alloc(300 * 1024) }));
    expect(error.code).toBe('MessageSizeExceeded');
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * 1024);
    expect(batch.tryAddMessage({ body: Buffer.alloc(300 * 1024) })).toBe(false);
    await sender.sendMessages({ body: Buffer.alloc(200 * 1024) });
    const receiver = client().createReceiver('basic', { receiveMode: 'receiveAndDelete' });
    const [big] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect((big?.body as Buffer).length).toBe(200 * 1024);
    await receiver.close();
  });

  it('answers an unknown queue with MessagingEntityNotFound', async () => {
    const sender = client().createSender('no-such-queue');
    const error = await errorOf(sender.sendMessages({ body: 'x' }));
    expect(isServiceBusError(error)).toBe(true);
    expect(error.code).toBe('MessagingEntityNotFound');
    const receiver = client().createReceiver('no-such-queue');
    expect((await errorOf(receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }))).code).toBe('MessagingEntityNotFound');
  });

  it('refuses a connection string with the wrong key', async () => {
    const wrong = emulator().connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=not-the-key');
    const bad = new ServiceBusClient(wrong, { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } });
    try {
      const error = await errorOf(bad.createSender('basic').sendMessages({ body: 'x' }));
      expect(error.code).toBe('UnauthorizedAccess');
      expect(error.message).toMatch(/InvalidSignature/);
    } finally {
      await bad.close();
    }
    expect(emulator().counts('basic').active).toBe(0);
  });

  it('refuses a message without session id on a session queue', async () => {
    const error = await errorOf(client().createSender('sessions').sendMessages({ body: 'no session' }));
    expect(error.message).toMatch(/SessionId/);
    expect(emulator().counts('sessions').active).toBe(0);
  });
});
