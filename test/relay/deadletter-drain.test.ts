import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainDeadLetters } from '../../shared/relay/deadletter-drain';
import { ServiceBusDeadLetters } from '../../shared/relay/adapters/service-bus-dead-letters';
import { RelayAuditLog, type RelayAuditRecord } from '../../shared/relay/audit-record';
import { startRelayStack, STAFF, type RelayStack } from './support';

/**
 * Dead-lettered relay messages carry personal information (a request's user and parameters, a
 * reply's mission data). The drain keeps only the queue, the message id, a reason code and the
 * time, in the relay's audit trail, and deletes the messages, on the real emulator.
 */
let stack: RelayStack;

beforeAll(async () => {
  stack = await startRelayStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function deadLetterCount(queue: string): Promise<number> {
  const receiver = stack.bus.createReceiver(queue, { subQueueType: 'deadLetter' });
  try {
    return (await receiver.peekMessages(100)).length;
  } finally {
    await receiver.close();
  }
}

describe('relay dead-letter drain', () => {
  it('drains both relay queues’ dead letters into ids-only records and deletes them', async () => {
    // A request (user oid, a member's name in its parameters) dead-lettered by the agent, one with a free-text reason.
    const sender = stack.bus.createSender('relay-requests');
    const first = stack.client.sign('lookupMember', { name: 'Gabrielle Tremblay' }, STAFF);
    const second = stack.client.sign('lookupMember', { memberNumber: 'M00042' }, STAFF);
    await sender.sendMessages([
      { body: first, messageId: first.id, contentType: 'application/json' },
      { body: second, messageId: second.id, contentType: 'application/json' },
    ]);
    await sender.close();
    const requests = stack.bus.createReceiver('relay-requests');
    const received = [];
    for (let i = 0; i < 20 && received.length < 2; i++) received.push(...(await requests.receiveMessages(2 - received.length, { maxWaitTimeInMs: 2_000 })));
    expect(received).toHaveLength(2);
    const byId = new Map(received.map((m) => [m.messageId, m]));
    await requests.deadLetterMessage(byId.get(first.id)!, { deadLetterReason: 'InvalidSignature', deadLetterErrorDescription: 'Gabrielle Tremblay M00042' });
    await requests.deadLetterMessage(byId.get(second.id)!, { deadLetterReason: 'Refusé pour Gabrielle Tremblay', deadLetterErrorDescription: 'x' });
    await requests.close();

    // A reply (mission data) dead-lettered from its session.
    const replyId = '6b0f1b7e-1111-4aaa-8bbb-000000000042';
    const replies = stack.bus.createSender('relay-replies');
    await replies.sendMessages({ body: { requestId: replyId, result: { members: [{ lastName: 'Tremblay' }] } }, sessionId: replyId, messageId: replyId });
    await replies.close();
    const session = await stack.bus.acceptSession('relay-replies', replyId);
    const [reply] = await session.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await session.deadLetterMessage(reply!, { deadLetterReason: 'MaxDeliveryCountExceeded', deadLetterErrorDescription: 'Tremblay' });
    await session.close();

    expect(await deadLetterCount('relay-requests')).toBe(2);
    expect(await deadLetterCount('relay-replies')).toBe(1);

    const records: RelayAuditRecord[] = [];
    const deadLetters = new ServiceBusDeadLetters(stack.bus);
    try {
      const drained = await drainDeadLetters({ deadLetters, audit: new RelayAuditLog({ append: async (r) => void records.push(r) }), budgetMs: 60_000 }, ['relay-requests', 'relay-replies']);
      expect(drained).toEqual({ 'relay-requests': 2, 'relay-replies': 1 });
    } finally {
      await deadLetters.close();
    }

    expect(await deadLetterCount('relay-requests')).toBe(0);
    expect(await deadLetterCount('relay-replies')).toBe(0);
    const targets = records.map((r) => ({ action: r.action, actor: r.actor, target: { ...r.target, deadLetteredAt: typeof r.target.deadLetteredAt } }));
    expect(targets).toEqual(
      expect.arrayContaining([
        { action: 'relay.deadletter_drained', actor: 'system', target: { queue: 'relay-requests', requestId: first.id, reason: 'InvalidSignature', deadLetteredAt: 'string' } },
        { action: 'relay.deadletter_drained', actor: 'system', target: { queue: 'relay-requests', requestId: second.id, reason: 'other', deadLetteredAt: 'string' } },
        { action: 'relay.deadletter_drained', actor: 'system', target: { queue: 'relay-replies', requestId: replyId, reason: 'MaxDeliveryCountExceeded', deadLetteredAt: 'string' } },
      ]),
    );
    expect(records).toHaveLength(3);
    const kept = JSON.stringify(records);
    for (const personal of ['Tremblay', 'Gabrielle', 'M00042', STAFF.oid]) expect(kept).not.toContain(personal);
  });

  it('does not dead-letter a reply that expires unread (the queue’s DeadLetteringOnMessageExpiration is off)', async () => {
    const replyId = '6b0f1b7e-2222-4aaa-8bbb-000000000043';
    const replies = stack.bus.createSender('relay-replies');
    await replies.sendMessages({ body: { requestId: replyId, result: { members: [] } }, sessionId: replyId, messageId: replyId, timeToLive: 1_000 });
    await replies.close();
    // Reading after the TTL is what makes a broker act on the expiry.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const session = await stack.bus.acceptSession('relay-replies', replyId);
    expect(await session.receiveMessages(1, { maxWaitTimeInMs: 1_000 })).toEqual([]);
    await session.close();
    expect(await deadLetterCount('relay-replies')).toBe(0);
  });
});
