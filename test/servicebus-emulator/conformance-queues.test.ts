/**
 * Conformance: the behaviours the official @azure/service-bus tests check against Azure, checked here
 * against the emulator through the same SDK (queues: send, schedule, batch receive, peek, deferral,
 * properties to modify, lock renewal, settlement errors). Each test uses its own queue, so no test
 * depends on what another left behind.
 */
import { type ServiceBusError, type ServiceBusReceivedMessage, type ServiceBusReceiver } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import type { EmulatorConfig } from '../../dev/servicebus-emulator';
import { useEmulator } from './support';

const QUEUES = [
  'send-props', 'send-batch', 'schedule', 'schedule-cancel', 'batch-partial', 'batch-order', 'peek', 'peek-empty', 'defer',
  'defer-missing', 'modify-abandon', 'modify-defer', 'modify-deadletter', 'renew', 'settled-twice', 'peeked-settle',
  'receive-delete', 'max-delivery', 'deadletter-defer', 'sequence', 'abandon-order',
];

const config: EmulatorConfig = {
  UserConfig: {
    Namespaces: [{
      Name: 'sbemulatorns',
      Queues: QUEUES.map((Name) => ({ Name, Properties: { LockDuration: 'PT1M', MaxDeliveryCount: Name === 'max-delivery' ? 3 : 10 } })),
    }],
  },
};

const { client } = useEmulator(config);

async function receiveN(receiver: ServiceBusReceiver, count: number, deadlineMs = 20_000): Promise<ServiceBusReceivedMessage[]> {
  const got: ServiceBusReceivedMessage[] = [];
  const until = Date.now() + deadlineMs;
  while (got.length < count && Date.now() < until) got.push(...(await receiver.receiveMessages(count - got.length, { maxWaitTimeInMs: 2000 })));
  return got;
}

async function failure(promise: Promise<unknown>): Promise<ServiceBusError & Error> {
  const outcome = await promise.then(() => undefined, (e: unknown) => e as ServiceBusError & Error);
  if (!outcome) throw new Error('expected the operation to fail');
  return outcome;
}

const peekLock = (queue: string, options: Record<string, unknown> = {}) => client().createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0, ...options });

describe('Conformance (queues): sending', () => {
  it('carries every settable property to the receiver, with the system properties Azure adds', async () => {
    const now = Date.now();
    await client().createSender('send-props').sendMessages({
      body: { order: 42, items: ['a', 'b'] }, messageId: 'props-1', contentType: 'application/json', correlationId: 'corr-1',
      subject: 'invoice', to: 'accounting', replyTo: 'replies', timeToLive: 120_000,
      applicationProperties: { text: 'é', count: 3, flag: true, ratio: 1.5 },
    });
    const receiver = peekLock('send-props');
    const [m] = await receiveN(receiver, 1);
    expect(m).toMatchObject({
      body: { order: 42, items: ['a', 'b'] }, messageId: 'props-1', contentType: 'application/json', correlationId: 'corr-1',
      subject: 'invoice', to: 'accounting', replyTo: 'replies', timeToLive: 120_000, deliveryCount: 0, state: 'active',
      applicationProperties: { text: 'é', count: 3, flag: true, ratio: 1.5 },
    });
    expect(m!.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(m!.enqueuedTimeUtc!.getTime()).toBeGreaterThanOrEqual(now - 1000);
    expect(m!.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(m!.expiresAtUtc!.getTime()).toBe(m!.enqueuedTimeUtc!.getTime() + 120_000);
    await receiver.completeMessage(m!);
    await receiver.close();
  });

  it('sends an array and a batch; sequence numbers grow in send order', async () => {
    const sender = client().createSender('send-batch');
    await sender.sendMessages([{ body: 1 }, { body: 2 }]);
    const batch = await sender.createMessageBatch();
    for (const body of [3, 4, 5]) expect(batch.tryAddMessage({ body })).toBe(true);
    expect(batch.count).toBe(3);
    await sender.sendMessages(batch);
    const receiver = client().createReceiver('send-batch', { receiveMode: 'receiveAndDelete' });
    const got = await receiveN(receiver, 5);
    expect(got.map((m) => m.body)).toEqual([1, 2, 3, 4, 5]);
    const sequence = got.map((m) => m.sequenceNumber!.toNumber());
    expect([...sequence].sort((a, b) => a - b)).toEqual(sequence);
    expect(new Set(sequence).size).toBe(5);
    await receiver.close();
  });

  it('refuses a batch larger than the link allows when building it', async () => {
    const sender = client().createSender('send-batch');
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * 1024);
    expect(batch.tryAddMessage({ body: Buffer.alloc(300 * 1024) })).toBe(false);
  });
});

describe('Conformance (queues): scheduling', () => {
  it('holds a scheduled message until its time, shows it as scheduled to peek, then delivers it', async () => {
    const at = new Date(Date.now() + 3000);
    const [sequenceNumber] = await client().createSender('schedule').scheduleMessages({ body: 'later', messageId: 'sch-1' }, at);
    expect(sequenceNumber!.toNumber()).toBeGreaterThan(0);
    const receiver = peekLock('schedule');
    const [peeked] = await receiver.peekMessages(1);
    expect(peeked).toMatchObject({ messageId: 'sch-1', state: 'scheduled' });
    expect(peeked!.scheduledEnqueueTimeUtc!.getTime()).toBe(at.getTime());
    const [m] = await receiveN(receiver, 1, 30_000);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 50);
    expect(m).toMatchObject({ body: 'later', state: 'active' });
    expect(m!.sequenceNumber!.toNumber()).toBe(sequenceNumber!.toNumber());
    expect(m!.enqueuedTimeUtc!.getTime()).toBeGreaterThanOrEqual(at.getTime() - 50);
    await receiver.completeMessage(m!);
    await receiver.close();
  });

  it('cancels scheduled messages by sequence number; cancelling an unknown one is not an error', async () => {
    const sender = client().createSender('schedule-cancel');
    const at = new Date(Date.now() + 60_000);
    const numbers = await sender.scheduleMessages([{ body: 'x' }, { body: 'y' }], at);
    expect(numbers).toHaveLength(2);
    const receiver = peekLock('schedule-cancel');
    expect(await receiver.peekMessages(10)).toHaveLength(2);
    await sender.cancelScheduledMessages(numbers);
    expect(await peekLock('schedule-cancel').peekMessages(10)).toHaveLength(0);
    await sender.cancelScheduledMessages(numbers);
    await receiver.close();
  });
});

describe('Conformance (queues): receiving in batches', () => {
  it('returns what there is when asked for more than the queue holds', async () => {
    await client().createSender('batch-partial').sendMessages({ body: 'only' });
    const receiver = peekLock('batch-partial');
    const got = await receiver.receiveMessages(5, { maxWaitTimeInMs: 3000 });
    expect(got.map((m) => m.body)).toEqual(['only']);
    await receiver.completeMessage(got[0]!);
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 500 })).toEqual([]);
    await receiver.close();
  });

  it('hands out messages in order across consecutive receive calls, each message once', async () => {
    await client().createSender('batch-order').sendMessages(Array.from({ length: 10 }, (_, i) => ({ body: i })));
    const receiver = peekLock('batch-order');
    const first = await receiveN(receiver, 4);
    const second = await receiveN(receiver, 6);
    expect([...first, ...second].map((m) => m.body)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const m of [...first, ...second]) await receiver.completeMessage(m);
    expect(await receiver.peekMessages(10)).toHaveLength(0);
    await receiver.close();
  });

  it('redelivers an abandoned message before the later ones, with its delivery count raised', async () => {
    await client().createSender('abandon-order').sendMessages([{ body: 'a' }, { body: 'b' }]);
    const receiver = peekLock('abandon-order');
    const [a] = await receiveN(receiver, 1);
    await receiver.abandonMessage(a!);
    const again = await receiveN(receiver, 2);
    expect(again.map((m) => [m.body, m.deliveryCount])).toEqual([['a', 1], ['b', 0]]);
    for (const m of again) await receiver.completeMessage(m);
    await receiver.close();
  });
});

describe('Conformance (queues): peeking', () => {
  it('peeks without locking, continues where the last peek stopped, and from a given sequence number', async () => {
    await client().createSender('peek').sendMessages(Array.from({ length: 5 }, (_, i) => ({ body: i })));
    const receiver = peekLock('peek');
    const first = await receiver.peekMessages(2);
    const next = await receiver.peekMessages(2);
    expect([...first, ...next].map((m) => m.body)).toEqual([0, 1, 2, 3]);
    expect(first[0]!.lockToken).toBeUndefined();
    const from = await receiver.peekMessages(10, { fromSequenceNumber: first[1]!.sequenceNumber! });
    expect(from.map((m) => m.body)).toEqual([1, 2, 3, 4]);
    // Nothing was locked: all five can be received now.
    const got = await receiveN(receiver, 5);
    expect(got).toHaveLength(5);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
  });

  it('peeks nothing on an empty queue', async () => {
    expect(await peekLock('peek-empty').peekMessages(5)).toEqual([]);
  });
});

describe('Conformance (queues): deferral', () => {
  it('defers a message, shows it as deferred, and receives it by sequence number with its delivery count raised', async () => {
    await client().createSender('defer').sendMessages({ body: 'later', messageId: 'd-1' });
    const receiver = peekLock('defer');
    const [m] = await receiveN(receiver, 1);
    await receiver.deferMessage(m!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: m!.sequenceNumber! });
    expect(peeked?.state).toBe('deferred');
    const [deferred] = await receiver.receiveDeferredMessages(m!.sequenceNumber!);
    expect(deferred).toMatchObject({ messageId: 'd-1', body: 'later', deliveryCount: 1, state: 'deferred' });
    await receiver.completeMessage(deferred!);
    expect(await receiver.peekMessages(5)).toHaveLength(0);
    await receiver.close();
  });

  it('answers an unknown sequence number with MessageNotFound', async () => {
    const receiver = peekLock('defer-missing');
    const [sequenceNumber] = await client().createSender('defer-missing').scheduleMessages({ body: 'x' }, new Date(Date.now() + 60_000));
    const error = await failure(receiver.receiveDeferredMessages(sequenceNumber!.add(1000)));
    expect(error.code).toBe('MessageNotFound');
    await receiver.close();
  });

  it('dead-letters a deferred message', async () => {
    await client().createSender('deadletter-defer').sendMessages({ body: 'deferred then dead' });
    const receiver = peekLock('deadletter-defer');
    const [m] = await receiveN(receiver, 1);
    await receiver.deferMessage(m!);
    const [deferred] = await receiver.receiveDeferredMessages(m!.sequenceNumber!);
    await receiver.deadLetterMessage(deferred!, { deadLetterReason: 'r', deadLetterErrorDescription: 'd' });
    const dlq = client().createReceiver('deadletter-defer', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const [dead] = await receiveN(dlq, 1);
    expect(dead).toMatchObject({ body: 'deferred then dead', deadLetterReason: 'r', deadLetterErrorDescription: 'd' });
    await receiver.close();
    await dlq.close();
  });
});

describe('Conformance (queues): properties to modify', () => {
  it('abandon changes application properties and keeps the others', async () => {
    await client().createSender('modify-abandon').sendMessages({ body: 'x', applicationProperties: { keep: 'k', change: 'old' } });
    const receiver = peekLock('modify-abandon');
    const [m] = await receiveN(receiver, 1);
    await receiver.abandonMessage(m!, { change: 'new', added: 7 });
    const [again] = await receiveN(receiver, 1);
    expect(again?.applicationProperties).toEqual({ keep: 'k', change: 'new', added: 7 });
    await receiver.completeMessage(again!);
    await receiver.close();
  });

  it('defer changes application properties', async () => {
    await client().createSender('modify-defer').sendMessages({ body: 'x', applicationProperties: { step: 1 } });
    const receiver = peekLock('modify-defer');
    const [m] = await receiveN(receiver, 1);
    await receiver.deferMessage(m!, { step: 2, reason: 'waiting' });
    const [deferred] = await receiver.receiveDeferredMessages(m!.sequenceNumber!);
    expect(deferred?.applicationProperties).toEqual({ step: 2, reason: 'waiting' });
    await receiver.completeMessage(deferred!);
    await receiver.close();
  });

  it('dead-letter sets reason and description, and changes application properties', async () => {
    await client().createSender('modify-deadletter').sendMessages({ body: 'x', applicationProperties: { attempt: 1 } });
    const receiver = peekLock('modify-deadletter');
    const [m] = await receiveN(receiver, 1);
    await receiver.deadLetterMessage(m!, { deadLetterReason: 'Invalid', deadLetterErrorDescription: 'bad input', attempt: 2 } as never);
    const dlq = client().createReceiver('modify-deadletter', { subQueueType: 'deadLetter', maxAutoLockRenewalDurationInMs: 0 });
    const [dead] = await receiveN(dlq, 1);
    expect(dead).toMatchObject({ deadLetterReason: 'Invalid', deadLetterErrorDescription: 'bad input' });
    expect(dead?.applicationProperties?.attempt).toBe(2);
    await dlq.completeMessage(dead!);
    await receiver.close();
    await dlq.close();
  });
});

describe('Conformance (queues): locks and settlement', () => {
  it('renews a message lock: the new lockedUntil is later, and the message stays locked to its receiver', async () => {
    await client().createSender('renew').sendMessages({ body: 'x' });
    const receiver = peekLock('renew');
    const [m] = await receiveN(receiver, 1);
    const before = m!.lockedUntilUtc!.getTime();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const renewed = await receiver.renewMessageLock(m!);
    expect(renewed.getTime()).toBeGreaterThan(before);
    expect(m!.lockedUntilUtc!.getTime()).toBe(renewed.getTime());
    await receiver.completeMessage(m!);
    expect((await failure(receiver.renewMessageLock(m!))).code).toBe('MessageLockLost');
    await receiver.close();
  });

  it('refuses to settle a message twice', async () => {
    await client().createSender('settled-twice').sendMessages({ body: 'x' });
    const receiver = peekLock('settled-twice');
    const [m] = await receiveN(receiver, 1);
    await receiver.completeMessage(m!);
    await failure(receiver.completeMessage(m!));
    await failure(receiver.abandonMessage(m!));
    await receiver.close();
  });

  it('refuses to settle a peeked message', async () => {
    await client().createSender('peeked-settle').sendMessages({ body: 'x' });
    const receiver = peekLock('peeked-settle');
    const [peeked] = await receiver.peekMessages(1);
    for (const settle of [receiver.completeMessage, receiver.abandonMessage, receiver.deferMessage, receiver.deadLetterMessage]) {
      await failure(settle.call(receiver, peeked!));
    }
    expect(await receiver.peekMessages(1, { fromSequenceNumber: peeked!.sequenceNumber! })).toHaveLength(1);
    await receiver.close();
  });

  it('receive-and-delete hands out messages without locks and removes them', async () => {
    await client().createSender('receive-delete').sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = client().createReceiver('receive-delete', { receiveMode: 'receiveAndDelete' });
    const got = await receiveN(receiver, 2);
    expect(got.map((m) => m.body)).toEqual([1, 2]);
    expect(got.every((m) => m.lockToken === undefined)).toBe(true);
    expect(await receiver.peekMessages(5)).toHaveLength(0);
    await receiver.close();
  });

  it('moves a message abandoned MaxDeliveryCount times to the dead-letter queue with the reason Azure gives', async () => {
    await client().createSender('max-delivery').sendMessages({ body: 'poison', messageId: 'md-1' });
    const receiver = peekLock('max-delivery');
    for (let i = 0; i < 3; i++) {
      const [m] = await receiveN(receiver, 1);
      expect(m?.deliveryCount).toBe(i);
      await receiver.abandonMessage(m!);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
    const dlq = client().createReceiver('max-delivery', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const [dead] = await receiveN(dlq, 1);
    expect(dead).toMatchObject({ messageId: 'md-1', deadLetterReason: 'MaxDeliveryCountExceeded' });
    await receiver.close();
    await dlq.close();
  });

  it('numbers the messages of a queue consecutively', async () => {
    await client().createSender('sequence').sendMessages([{ body: 'a' }, { body: 'b' }]);
    const [a, b] = await client().createReceiver('sequence').peekMessages(2);
    expect(b!.sequenceNumber!.toNumber()).toBe(a!.sequenceNumber!.toNumber() + 1);
  });
});
