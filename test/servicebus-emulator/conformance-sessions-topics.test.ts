/**
 * Conformance: what the official @azure/service-bus tests check against Azure for sessions (state,
 * lock renewal, accept next, peek and deferral within a session) and for topics and subscriptions
 * (filters, rule manager, settlement, scheduling), checked against the emulator through the SDK.
 */
import { isServiceBusError, type ServiceBusError, type ServiceBusReceivedMessage, type ServiceBusReceiver } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import type { EmulatorConfig } from '../../dev/servicebus-emulator';
import { useEmulator } from './support';

const SESSION_QUEUES = ['s-order', 's-next', 's-state', 's-renew', 's-peek', 's-defer', 's-busy', 's-abandon', 's-deadletter', 's-none'];

const config: EmulatorConfig = {
  UserConfig: {
    Namespaces: [{
      Name: 'sbemulatorns',
      Queues: SESSION_QUEUES.map((Name) => ({ Name, Properties: { RequiresSession: true, LockDuration: 'PT1M' } })),
      Topics: [
        {
          Name: 'orders',
          Subscriptions: [
            { Name: 'all' },
            { Name: 'quebec', Rules: [{ Name: 'qc', Properties: { FilterType: 'Correlation', CorrelationFilter: { Properties: { region: 'qc' } } } }] },
            { Name: 'large', Rules: [{ Name: 'large', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: 'total >= 1000' } } }] },
            { Name: 'by-subject', Rules: [{ Name: 'refunds', Properties: { FilterType: 'Correlation', CorrelationFilter: { Label: 'refund', CorrelationId: 'c-9' } } }] },
          ],
        },
        { Name: 'settle', Subscriptions: [{ Name: 'work', Properties: { LockDuration: 'PT1M', MaxDeliveryCount: 10 } }] },
        { Name: 'rules', Subscriptions: [{ Name: 'managed' }] },
        { Name: 'sessioned', Subscriptions: [{ Name: 'per-member', Properties: { RequiresSession: true, LockDuration: 'PT1M' } }] },
      ],
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

async function failure(promise: Promise<unknown>): Promise<ServiceBusError> {
  const outcome = await promise.then(() => undefined, (e: unknown) => e);
  if (!isServiceBusError(outcome)) throw new Error(`expected a ServiceBusError, got ${String(outcome)}`);
  return outcome;
}

const noRenewal = { maxAutoLockRenewalDurationInMs: 0 };

describe('Conformance (sessions)', () => {
  it('delivers a session in order, with the session id on every message and on the receiver', async () => {
    const sender = client().createSender('s-order');
    await sender.sendMessages([1, 2, 3].map((n) => ({ body: n, sessionId: 'member-1' })));
    await sender.sendMessages({ body: 'other', sessionId: 'member-2' });
    const receiver = await client().acceptSession('s-order', 'member-1', noRenewal);
    expect(receiver.sessionId).toBe('member-1');
    const got = await receiveN(receiver, 3);
    expect(got.map((m) => [m.body, m.sessionId])).toEqual([[1, 'member-1'], [2, 'member-1'], [3, 'member-1']]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
  });

  it('accepts the next session that has messages, then the next one', async () => {
    const sender = client().createSender('s-next');
    await sender.sendMessages([{ body: 'a', sessionId: 'A' }, { body: 'b', sessionId: 'B' }]);
    const first = await client().acceptNextSession('s-next', noRenewal);
    const second = await client().acceptNextSession('s-next', noRenewal);
    expect([first.sessionId, second.sessionId].sort()).toEqual(['A', 'B']);
    for (const receiver of [first, second]) {
      const [m] = await receiveN(receiver, 1);
      expect(m?.sessionId).toBe(receiver.sessionId);
      await receiver.completeMessage(m!);
      await receiver.close();
    }
  });

  it('keeps session state between receivers, and clears it', async () => {
    await client().createSender('s-state').sendMessages({ body: 'x', sessionId: 'stateful' });
    const receiver = await client().acceptSession('s-state', 'stateful', noRenewal);
    expect(await receiver.getSessionState()).toBeFalsy(); // no state yet
    await receiver.setSessionState('step-2');
    expect((await receiver.getSessionState())?.toString()).toBe('step-2');
    await receiver.close();
    const next = await client().acceptSession('s-state', 'stateful', noRenewal);
    expect((await next.getSessionState())?.toString()).toBe('step-2');
    await next.setSessionState(null);
    expect(await next.getSessionState()).toBeFalsy();
    const [m] = await receiveN(next, 1);
    await next.completeMessage(m!);
    await next.close();
  });

  it('renews the session lock; message locks follow it', async () => {
    await client().createSender('s-renew').sendMessages({ body: 'x', sessionId: 'renewed' });
    const receiver = await client().acceptSession('s-renew', 'renewed', noRenewal);
    const before = receiver.sessionLockedUntilUtc.getTime();
    expect(before).toBeGreaterThan(Date.now() + 30_000);
    const [m] = await receiveN(receiver, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const renewed = await receiver.renewSessionLock();
    expect(renewed.getTime()).toBeGreaterThan(before);
    expect(receiver.sessionLockedUntilUtc.getTime()).toBe(renewed.getTime());
    await receiver.completeMessage(m!);
    await receiver.close();
  });

  it('peeks only the messages of its own session', async () => {
    await client().createSender('s-peek').sendMessages([{ body: 'mine', sessionId: 'P1' }, { body: 'theirs', sessionId: 'P2' }, { body: 'mine too', sessionId: 'P1' }]);
    const receiver = await client().acceptSession('s-peek', 'P1', noRenewal);
    expect((await receiver.peekMessages(10)).map((m) => m.body)).toEqual(['mine', 'mine too']);
    await receiver.close();
  });

  it('defers within a session and receives the deferred message by sequence number in the same session', async () => {
    await client().createSender('s-defer').sendMessages({ body: 'deferred', sessionId: 'D' });
    const receiver = await client().acceptSession('s-defer', 'D', noRenewal);
    const [m] = await receiveN(receiver, 1);
    await receiver.deferMessage(m!);
    const [deferred] = await receiver.receiveDeferredMessages(m!.sequenceNumber!);
    expect(deferred).toMatchObject({ body: 'deferred', sessionId: 'D', deliveryCount: 1 });
    await receiver.completeMessage(deferred!);
    await receiver.close();
  });

  it('refuses a second receiver on a locked session with SessionCannotBeLocked', async () => {
    await client().createSender('s-busy').sendMessages({ body: 'x', sessionId: 'busy' });
    const holder = await client().acceptSession('s-busy', 'busy', noRenewal);
    const error = await failure(client().acceptSession('s-busy', 'busy', noRenewal));
    expect(error.code).toBe('SessionCannotBeLocked');
    const [m] = await receiveN(holder, 1);
    await holder.completeMessage(m!);
    await holder.close();
  });

  it('redelivers an abandoned session message first, with its delivery count raised', async () => {
    await client().createSender('s-abandon').sendMessages([{ body: 1, sessionId: 'S' }, { body: 2, sessionId: 'S' }]);
    const receiver = await client().acceptSession('s-abandon', 'S', noRenewal);
    const [first] = await receiveN(receiver, 1);
    await receiver.abandonMessage(first!, { retried: true });
    const again = await receiveN(receiver, 2);
    expect(again.map((m) => [m.body, m.deliveryCount])).toEqual([[1, 1], [2, 0]]);
    expect(again[0]!.applicationProperties?.retried).toBe(true);
    for (const m of again) await receiver.completeMessage(m);
    await receiver.close();
  });

  it('dead-letters a session message into a dead-letter queue read without sessions', async () => {
    await client().createSender('s-deadletter').sendMessages({ body: 'bad', sessionId: 'Z' });
    const receiver = await client().acceptSession('s-deadletter', 'Z', noRenewal);
    const [m] = await receiveN(receiver, 1);
    await receiver.deadLetterMessage(m!, { deadLetterReason: 'Invalid', deadLetterErrorDescription: 'schema' });
    const dlq = client().createReceiver('s-deadletter', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const [dead] = await receiveN(dlq, 1);
    expect(dead).toMatchObject({ body: 'bad', sessionId: 'Z', deadLetterReason: 'Invalid' });
    await receiver.close();
    await dlq.close();
  });

  it('times out accepting the next session when none has messages', async () => {
    const error = await failure(client().acceptNextSession('s-none', noRenewal));
    expect(error.code).toBe('ServiceTimeout');
  });
});

describe('Conformance (topics and subscriptions)', () => {
  it('routes each message to the subscriptions whose filters match', async () => {
    await client().createSender('orders').sendMessages([
      { body: 'qc-small', applicationProperties: { region: 'qc', total: 10 } },
      { body: 'on-large', applicationProperties: { region: 'on', total: 5000 } },
      { body: 'refund', subject: 'refund', correlationId: 'c-9', applicationProperties: { region: 'bc', total: 1 } },
      { body: 'refund-other', subject: 'refund', correlationId: 'c-1' },
    ]);
    const bodies = async (subscription: string, count: number): Promise<string[]> => {
      const receiver = client().createReceiver('orders', subscription, { receiveMode: 'receiveAndDelete' });
      const got = await receiveN(receiver, count);
      expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
      await receiver.close();
      return got.map((m) => m.body as string).sort();
    };
    expect(await bodies('all', 4)).toEqual(['on-large', 'qc-small', 'refund', 'refund-other']);
    expect(await bodies('quebec', 1)).toEqual(['qc-small']);
    expect(await bodies('large', 1)).toEqual(['on-large']);
    expect(await bodies('by-subject', 1)).toEqual(['refund']);
  });

  it('settles, peeks, defers and renews locks on a subscription as on a queue', async () => {
    await client().createSender('settle').sendMessages([{ body: 'one' }, { body: 'two' }]);
    const receiver = client().createReceiver('settle', 'work', noRenewal);
    expect((await receiver.peekMessages(2)).map((m) => m.body)).toEqual(['one', 'two']);
    const [one, two] = await receiveN(receiver, 2);
    const renewed = await receiver.renewMessageLock(one!);
    expect(renewed.getTime()).toBeGreaterThan(Date.now() + 30_000);
    await receiver.deferMessage(two!);
    const [deferred] = await receiver.receiveDeferredMessages(two!.sequenceNumber!);
    expect(deferred?.body).toBe('two');
    await receiver.completeMessage(one!);
    await receiver.completeMessage(deferred!);
    expect(await receiver.peekMessages(5)).toHaveLength(0);
    await receiver.close();
  });

  it('schedules a message on a topic and cancels another', async () => {
    const sender = client().createSender('settle');
    const at = new Date(Date.now() + 2000);
    const [kept] = await sender.scheduleMessages({ body: 'kept' }, at);
    const [cancelled] = await sender.scheduleMessages({ body: 'cancelled' }, at);
    await sender.cancelScheduledMessages(cancelled!);
    expect(kept!.toNumber()).not.toBe(cancelled!.toNumber());
    const receiver = client().createReceiver('settle', 'work', { receiveMode: 'receiveAndDelete' });
    const got = await receiveN(receiver, 1, 30_000);
    expect(got.map((m) => m.body)).toEqual(['kept']);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 50);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).toEqual([]);
    await receiver.close();
  });

  it('manages rules: the $Default rule, a new SQL rule with an action, and removal', async () => {
    const rules = client().createRuleManager('rules', 'managed');
    const names = async (): Promise<string[]> => {
      const found: string[] = [];
      for await (const rule of rules.listRules()) found.push(rule.name);
      return found.sort();
    };
    expect(await names()).toEqual(['$Default']);
    await rules.createRule('priority', { sqlExpression: 'priority > 3' }, { sqlExpression: "SET routed = 'yes'" });
    await rules.deleteRule('$Default');
    expect(await names()).toEqual(['priority']);
    await client().createSender('rules').sendMessages([{ body: 'low', applicationProperties: { priority: 1 } }, { body: 'high', applicationProperties: { priority: 9 } }]);
    const receiver = client().createReceiver('rules', 'managed', { receiveMode: 'receiveAndDelete' });
    const [high] = await receiveN(receiver, 1);
    expect(high).toMatchObject({ body: 'high', applicationProperties: { priority: 9, routed: 'yes', RuleName: 'priority' } });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
    expect((await failure(rules.createRule('priority', { sqlExpression: '1=1' }))).code).toBe('MessagingEntityAlreadyExists');
    expect((await failure(rules.deleteRule('missing'))).code).toBe('MessagingEntityNotFound');
    await receiver.close();
  });

  it('serves a session-enabled subscription by session', async () => {
    await client().createSender('sessioned').sendMessages([{ body: 1, sessionId: 'm-7' }, { body: 2, sessionId: 'm-7' }]);
    const receiver = await client().acceptSession('sessioned', 'per-member', 'm-7', noRenewal);
    const got = await receiveN(receiver, 2);
    expect(got.map((m) => m.body)).toEqual([1, 2]);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
  });
});
