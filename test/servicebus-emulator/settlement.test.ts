import { isServiceBusError, type ServiceBusReceiverOptions } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { delay, useEmulator } from './support';

const { client, emulator } = useEmulator();

async function receiveOne(queue: string, options: ServiceBusReceiverOptions = {}) {
  const receiver = client().createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0, ...options });
  const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
  if (!message) throw new Error(`no message on ${queue}`);
  return { receiver, message };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(isServiceBusError(error), `expected ServiceBusError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

describe('Service Bus emulator: settlement', () => {
  it('receive-and-delete removes the message on delivery', async () => {
    await client().createSender('basic').sendMessages({ body: 'rad' });
    const receiver = client().createReceiver('basic', { receiveMode: 'receiveAndDelete' });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(m?.body).toBe('rad');
    expect(emulator().counts('basic').active).toBe(0);
    await receiver.close();
  });

  it('abandon returns the message with modified properties and an incremented delivery count', async () => {
    await client().createSender('basic').sendMessages({ body: 'ab', applicationProperties: { attempt: 'first', keep: 1 } });
    const { receiver, message } = await receiveOne('basic');
    await receiver.abandonMessage(message, { attempt: 'second' });
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(again?.body).toBe('ab');
    expect(again?.deliveryCount).toBe(1);
    expect(again?.applicationProperties).toEqual({ attempt: 'second', keep: 1 });
    await receiver.completeMessage(again!);
    await receiver.close();
  });

  it('defer hides the message until it is received by sequence number', async () => {
    await client().createSender('basic').sendMessages({ body: 'later' });
    const { receiver, message } = await receiveOne('basic');
    await receiver.deferMessage(message);
    expect(emulator().counts('basic')).toMatchObject({ active: 0, deferred: 1 });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const [deferred] = await receiver.receiveDeferredMessages(message.sequenceNumber!);
    expect(deferred?.body).toBe('later');
    expect(deferred?.state).toBe('deferred');
    await receiver.completeMessage(deferred!);
    expect(emulator().counts('basic')).toMatchObject({ active: 0, deferred: 0 });
    await expectCode(receiver.receiveDeferredMessages(message.sequenceNumber!), 'MessageNotFound');
    await receiver.close();
  });

  it('dead-letters with reason and description, readable from the dead-letter sub-queue', async () => {
    await client().createSender('basic').sendMessages({ body: 'poison', messageId: 'poison-1' });
    const { receiver, message } = await receiveOne('basic');
    await receiver.deadLetterMessage(message, { deadLetterReason: 'Invalide', deadLetterErrorDescription: 'Courriel mal formé' });
    expect(emulator().counts('basic')).toMatchObject({ active: 0, deadLettered: 1 });
    const dlq = client().createReceiver('basic', { subQueueType: 'deadLetter', maxAutoLockRenewalDurationInMs: 0 });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(dead?.messageId).toBe('poison-1');
    expect(dead?.deadLetterReason).toBe('Invalide');
    expect(dead?.deadLetterErrorDescription).toBe('Courriel mal formé');
    // Azure sets DeadLetterSource only on dead-lettered messages auto-forwarded to another entity.
    expect(dead?.deadLetterSource).toBeUndefined();
    await dlq.completeMessage(dead!);
    expect(emulator().counts('basic').deadLettered).toBe(0);
    await Promise.all([dlq.close(), receiver.close()]);
  });

  it('dead-letters after MaxDeliveryCount deliveries with reason MaxDeliveryCountExceeded', async () => {
    await client().createSender('max-delivery').sendMessages({ body: 'again' });
    const receiver = client().createReceiver('max-delivery', { maxAutoLockRenewalDurationInMs: 0 });
    for (let i = 0; i < 3; i++) {
      const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      expect(m?.deliveryCount).toBe(i);
      await receiver.abandonMessage(m!);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    expect(emulator().counts('max-delivery')).toMatchObject({ active: 0, deadLettered: 1 });
    const dlq = client().createReceiver('max-delivery', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(dead?.body).toBe('again');
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    await Promise.all([dlq.close(), receiver.close()]);
  });

  it('an expired lock is lost: settling fails with MessageLockLost and the message is redelivered', async () => {
    await client().createSender('short-lock').sendMessages({ body: 'slow' });
    const { receiver, message } = await receiveOne('short-lock');
    await delay(1300);
    await expectCode(receiver.completeMessage(message), 'MessageLockLost');
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(again?.body).toBe('slow');
    expect(again?.deliveryCount).toBe(1);
    await receiver.completeMessage(again!);
    await receiver.close();
  });

  it('renewing the lock keeps the message locked past its lock duration', async () => {
    await client().createSender('short-lock').sendMessages({ body: 'renewed' });
    const { receiver, message } = await receiveOne('short-lock');
    for (let i = 0; i < 3; i++) {
      await delay(500);
      const until = await receiver.renewMessageLock(message);
      expect(until.getTime()).toBeGreaterThan(Date.now() + 500);
    }
    await receiver.completeMessage(message);
    expect(emulator().counts('short-lock').active).toBe(0);
    await receiver.close();
  });

  it('settles through the management node after the receiving link is closed', async () => {
    await client().createSender('basic').sendMessages([{ body: 'after-close-1' }, { body: 'after-close-2' }]);
    const receiver = client().createReceiver('basic', { maxAutoLockRenewalDurationInMs: 0 });
    const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 3000 });
    expect(messages).toHaveLength(2);
    await receiver.close();
    const other = client().createReceiver('basic', { maxAutoLockRenewalDurationInMs: 0 });
    // The SDK refuses to settle from a closed receiver; a new one settles by lock token through $management.
    await other.completeMessage(messages[0]!);
    await other.deadLetterMessage(messages[1]!, { deadLetterReason: 'late', deadLetterErrorDescription: 'settled after close' });
    expect(emulator().counts('basic')).toMatchObject({ active: 0, deadLettered: 1 });
    await expectCode(other.completeMessage(messages[0]!), 'MessageLockLost');
    const dlq = client().createReceiver('basic', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    expect((await dlq.receiveMessages(1, { maxWaitTimeInMs: 3000 }))[0]?.deadLetterReason).toBe('late');
    await Promise.all([dlq.close(), other.close()]);
  });
});
