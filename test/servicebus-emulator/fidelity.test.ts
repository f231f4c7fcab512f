/**
 * Behaviours where the emulator used to differ from Azure Service Bus (issue #17), each checked
 * through the official SDK as an application sees it.
 */
import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusError } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import type { EmulatorConfig } from '../../dev/servicebus-emulator';
import { useEmulator } from './support';

const config: EmulatorConfig = {
  UserConfig: {
    Namespaces: [
      {
        Name: 'sbemulatorns',
        Queues: [
          { Name: 'backlog', Properties: { LockDuration: 'PT5M', MaxDeliveryCount: 10 } },
          { Name: 'dlq-source', Properties: { LockDuration: 'PT1M', MaxDeliveryCount: 2 } },
          { Name: 'ttl-stamp', Properties: { DefaultMessageTimeToLive: 'PT1H' } },
          { Name: 'dl-forwarded', Properties: { ForwardDeadLetteredMessagesTo: 'dl-collector' } },
          { Name: 'dl-collector' },
          { Name: 'expiring-sessions', Properties: { RequiresSession: true, LockDuration: 'PT2S' } },
          { Name: 'streamed-sessions', Properties: { RequiresSession: true, LockDuration: 'PT2S' } },
          { Name: 'forwarding-queue', Properties: { ForwardTo: 'forwarded-target' } },
          { Name: 'forwarded-target' },
        ],
      },
    ],
  },
};

const { client, emulator } = useEmulator(config);

/** Receives until `count` messages arrived or the generous deadline passed. */
async function receiveAtLeast(receiver: ReturnType<ServiceBusClient['createReceiver']>, count: number, deadlineMs = 30_000): Promise<ServiceBusReceivedMessage[]> {
  const got: ServiceBusReceivedMessage[] = [];
  const until = Date.now() + deadlineMs;
  while (got.length < count && Date.now() < until) {
    got.push(...(await receiver.receiveMessages(count - got.length, { maxWaitTimeInMs: 2000 })));
  }
  return got;
}

describe('Service Bus emulator: fidelity to Azure', () => {
  it('locks only what the link credit asks for: a competing receiver gets the rest of the backlog', async () => {
    await client().createSender('backlog').sendMessages(Array.from({ length: 20 }, (_, i) => ({ body: i, messageId: `b-${i}` })));
    const first = client().createReceiver('backlog', { maxAutoLockRenewalDurationInMs: 0 });
    const few = await receiveAtLeast(first, 3);
    expect(few).toHaveLength(3);

    // Another consumer (another Function instance) on its own connection.
    const otherClient = new ServiceBusClient(emulator().connectionString);
    const second = otherClient.createReceiver('backlog', { maxAutoLockRenewalDurationInMs: 0 });
    const rest = await receiveAtLeast(second, 17, 15_000);
    expect(rest).toHaveLength(17);
    const bodies = [...few, ...rest].map((m) => m.body as number).sort((a, b) => a - b);
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Nobody received a message twice: each was delivered once.
    expect([...few, ...rest].every((m) => m.deliveryCount === 0)).toBe(true);
    for (const m of few) await first.completeMessage(m);
    for (const m of rest) await second.completeMessage(m);
    await first.close();
    await second.close();
    await otherClient.close();
    expect(emulator().counts('backlog').active).toBe(0);
  });

  it('refuses to dead-letter a message already in the dead-letter queue, and keeps it there', async () => {
    await client().createSender('dlq-source').sendMessages({ body: 'poison', messageId: 'dl-1' });
    const receiver = client().createReceiver('dlq-source', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiveAtLeast(receiver, 1);
    await receiver.deadLetterMessage(message!, { deadLetterReason: 'bad', deadLetterErrorDescription: 'unreadable' });

    const dlq = client().createReceiver('dlq-source', { subQueueType: 'deadLetter', maxAutoLockRenewalDurationInMs: 0 });
    const [dead] = await receiveAtLeast(dlq, 1);
    expect(dead?.messageId).toBe('dl-1');
    const error = (await dlq.deadLetterMessage(dead!).then(() => undefined, (e: unknown) => e)) as ServiceBusError | undefined;
    expect(error?.code).toBe('GeneralError');
    expect(error?.message).toMatch(/dead-letter queue/);
    expect(emulator().counts('dlq-source').deadLettered).toBe(1);
    // The refused settlement released it: it is received again, its delivery count unchanged.
    const [again] = await receiveAtLeast(dlq, 1);
    expect(again?.messageId).toBe('dl-1');
    expect(again?.deliveryCount).toBe(0);
    await dlq.completeMessage(again!);
    expect(emulator().counts('dlq-source').deadLettered).toBe(0);
    await receiver.close();
    await dlq.close();
  });

  it('keeps the delivery count a message had when dead-lettered; receiving from the dead-letter queue does not add to it', async () => {
    await client().createSender('dlq-source').sendMessages([{ body: 'explicit', messageId: 'dc-1' }, { body: 'exhausted', messageId: 'dc-2' }]);
    const receiver = client().createReceiver('dlq-source', { maxAutoLockRenewalDurationInMs: 0 });
    let explicitDone = false;
    let abandons = 0;
    for (let round = 0; round < 10 && !(explicitDone && abandons === 2); round++) {
      for (const m of await receiver.receiveMessages(2, { maxWaitTimeInMs: 2000 })) {
        if (m.messageId === 'dc-1') {
          await receiver.deadLetterMessage(m);
          explicitDone = true;
        } else {
          await receiver.abandonMessage(m); // MaxDeliveryCount 2: the second abandon dead-letters it
          abandons++;
        }
      }
    }
    const dlq = client().createReceiver('dlq-source', { subQueueType: 'deadLetter', maxAutoLockRenewalDurationInMs: 0 });
    const dead = await receiveAtLeast(dlq, 2);
    const byId = Object.fromEntries(dead.map((m) => [m.messageId as string, m]));
    // The JavaScript SDK reports the AMQP delivery-count: failed deliveries before this one.
    expect(byId['dc-1']?.deliveryCount).toBe(0);
    expect(byId['dc-2']?.deliveryCount).toBe(1);
    expect(byId['dc-1']?.deadLetterSource).toBeUndefined();
    // Abandoning in the dead-letter queue does not count a delivery there either.
    await dlq.abandonMessage(byId['dc-1']!);
    await dlq.completeMessage(byId['dc-2']!);
    const [again] = await receiveAtLeast(dlq, 1);
    expect(again?.messageId).toBe('dc-1');
    expect(again?.deliveryCount).toBe(0);
    await dlq.completeMessage(again!);
    await receiver.close();
    await dlq.close();
  });

  it("stamps the entity's default time to live on messages sent without one (timeToLive, expiresAtUtc)", async () => {
    await client().createSender('ttl-stamp').sendMessages([{ body: 'default' }, { body: 'own', timeToLive: 60_000 }]);
    const receiver = client().createReceiver('ttl-stamp', { receiveMode: 'receiveAndDelete' });
    const got = await receiveAtLeast(receiver, 2);
    const byBody = Object.fromEntries(got.map((m) => [m.body as string, m]));
    expect(byBody.default?.timeToLive).toBe(3_600_000);
    expect(byBody.default!.expiresAtUtc!.getTime() - byBody.default!.enqueuedTimeUtc!.getTime()).toBe(3_600_000);
    expect(byBody.own?.timeToLive).toBe(60_000);
    expect(byBody.own!.expiresAtUtc!.getTime() - byBody.own!.enqueuedTimeUtc!.getTime()).toBe(60_000);
    await receiver.close();
  });

  it('sets deadLetterSource only on dead-lettered messages auto-forwarded to another entity', async () => {
    await client().createSender('dl-forwarded').sendMessages({ body: 'moved', messageId: 'fw-1' });
    const receiver = client().createReceiver('dl-forwarded', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiveAtLeast(receiver, 1);
    await receiver.deadLetterMessage(message!, { deadLetterReason: 'why', deadLetterErrorDescription: 'because' });
    const collector = client().createReceiver('dl-collector', { receiveMode: 'receiveAndDelete' });
    const [forwarded] = await receiveAtLeast(collector, 1);
    expect(forwarded?.messageId).toBe('fw-1');
    expect(forwarded?.deadLetterSource).toBe('dl-forwarded');
    expect(forwarded?.applicationProperties?.DeadLetterReason).toBe('why');
    await receiver.close();
    await collector.close();
  });

  it('detaches a session receiver whose session lock expired with session-lock-lost; settling then reports SessionLockLost', async () => {
    await client().createSender('expiring-sessions').sendMessages({ body: 'x', sessionId: 'exp' });
    const receiver = await client().acceptSession('expiring-sessions', 'exp', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiveAtLeast(receiver, 1);
    expect(message?.body).toBe('x');
    // Wait (generously) for the 2-second session lock to lapse.
    const until = Date.now() + 30_000;
    while (Date.now() < until && receiver.sessionLockedUntilUtc.getTime() + 500 > Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    let settleError: ServiceBusError | undefined;
    for (let attempt = 0; attempt < 40 && !settleError; attempt++) {
      settleError = (await receiver.completeMessage(message!).then(() => undefined, (e: unknown) => e)) as ServiceBusError | undefined;
      if (!settleError) break;
    }
    expect(settleError?.code).toBe('SessionLockLost');
    const receiveError = (await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 }).then(() => undefined, (e: unknown) => e)) as ServiceBusError | undefined;
    expect(receiveError?.code).toBe('SessionLockLost');
    await receiver.close();
    // The message is back for the next receiver of the session.
    const next = await client().acceptSession('expiring-sessions', 'exp');
    const [again] = await receiveAtLeast(next, 1);
    expect(again?.body).toBe('x');
    await next.completeMessage(again!);
    await next.close();
  });

  it('tells a subscribed session receiver that its session lock was lost (processError gets SessionLockLost)', async () => {
    await client().createSender('streamed-sessions').sendMessages({ body: 'held', sessionId: 'stream' });
    const receiver = await client().acceptSession('streamed-sessions', 'stream', { maxAutoLockRenewalDurationInMs: 0 });
    const codes: string[] = [];
    let lost!: () => void;
    const sessionLost = new Promise<void>((resolve) => (lost = resolve));
    const subscription = receiver.subscribe(
      {
        // Holds the message without settling it, as a slow handler would, until the lock lapses.
        processMessage: () => sessionLost,
        processError: async (args) => {
          codes.push((args.error as ServiceBusError).code ?? String(args.error));
          if ((args.error as ServiceBusError).code === 'SessionLockLost') lost();
        },
      },
      { autoCompleteMessages: false },
    );
    await Promise.race([sessionLost, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    await subscription.close();
    await receiver.close();
    expect(codes).toContain('SessionLockLost');
    // Another receiver can take the session and its message at once.
    const next = await client().acceptSession('streamed-sessions', 'stream');
    const [again] = await receiveAtLeast(next, 1);
    expect(again?.body).toBe('held');
    await next.completeMessage(again!);
    await next.close();
  });

  it('auto-forwards a queue (ForwardTo) to another queue', async () => {
    await client().createSender('forwarding-queue').sendMessages({ body: 'onward', messageId: 'q-fw' });
    const target = client().createReceiver('forwarded-target', { receiveMode: 'receiveAndDelete' });
    const [m] = await receiveAtLeast(target, 1);
    expect(m).toMatchObject({ body: 'onward', messageId: 'q-fw' });
    expect(emulator().counts('forwarding-queue')).toMatchObject({ active: 0, deadLettered: 0 });
    await target.close();
  });
});
