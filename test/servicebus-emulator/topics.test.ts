import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusReceiver } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import type { EmulatorConfig } from '../../dev/servicebus-emulator';
import { startServiceBusEmulator } from '../../dev/servicebus-emulator';
import { delay, useEmulator } from './support';

/** One subscription per expression: a single message sent to the topic shows which expressions match. */
const SQL_TABLE: Array<[expression: string, matches: boolean]> = [
  ["color = 'blue'", true],
  ["color = 'red'", false],
  ["color <> 'red'", true],
  ["color != 'blue'", false],
  ['size > 5 AND size <= 10', true],
  ['size >= 11', false],
  ['size < 10', false],
  ['ratio * 2 = 5', true],
  ["sys.Label = 'invoice'", true],
  ["sys.CorrelationId = 'corr-1' AND sys.ContentType = 'application/json'", true],
  ["sys.MessageId LIKE 'm-%'", true],
  ['sys.SequenceNumber >= 1', true],
  ["name LIKE 'Mont_éal%'", true],
  ["name LIKE 'Montreal%'", false],
  ["name LIKE 'Montréal!_1' ESCAPE '!'", true],
  ["name NOT LIKE '%1'", false],
  ["color IN ('red', 'blue')", true],
  ["color NOT IN ('red', 'blue')", false],
  ['missing IS NULL', true],
  ['color IS NOT NULL', true],
  ["missing = 'x'", false],
  // A comparison with a missing property is unknown, and NOT unknown is still unknown.
  ["NOT (missing = 'x')", false],
  ['EXISTS(color)', true],
  ['NOT EXISTS(missing)', true],
  ['EXISTS(missing)', false],
  // AND binds tighter than OR; NOT tighter than AND.
  ["color = 'red' OR size = 10 AND flag = TRUE", true],
  ["(color = 'red' OR size = 10) AND flag = FALSE", false],
  ["NOT color = 'red' AND size = 10", true],
  ['1=1', true],
  ['1=0', false],
  // No implicit conversion between a number and a string.
  ["size = '10'", false],
  ["[color] = 'blue'", true],
  ["user.color = 'blue'", true],
];

const config: EmulatorConfig = {
  UserConfig: {
    Namespaces: [{
      Name: 'sbemulatorns',
      Queues: [
        { Name: 'forward-target' },
        { Name: 'forward-dead' },
      ],
      Topics: [
        { Name: 'fanout', Subscriptions: [{ Name: 'a' }, { Name: 'b' }, { Name: 'c' }] },
        {
          Name: 'filtered',
          Subscriptions: [
            {
              Name: 'by-correlation',
              Rules: [{ Name: 'quebec-invoices', Properties: { FilterType: 'Correlation', CorrelationFilter: { Label: 'invoice', Properties: { region: 'qc' } } } }],
            },
            { Name: 'by-sql', Rules: [{ Name: 'urgent-qc', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "priority > 5 AND region = 'qc'" } } }] },
            {
              Name: 'with-action',
              Rules: [{
                Name: 'annotate',
                Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: 'EXISTS(region)' }, Action: { SqlExpression: "SET handled = 'yes'; SET sys.Label = 'routed'; SET doubled = priority * 2; REMOVE secret" } },
              }],
            },
            {
              Name: 'several-rules',
              Rules: [
                { Name: 'plain-1', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "region = 'qc'" } } },
                { Name: 'plain-2', Properties: { FilterType: 'Correlation', CorrelationFilter: { Properties: { region: 'qc' } } } },
                { Name: 'tagged', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "region = 'qc'" }, Action: { SqlExpression: "SET tag = 'copy'" } } },
              ],
            },
          ],
        },
        {
          Name: 'sql-table',
          Subscriptions: SQL_TABLE.map(([expression], i) => ({
            Name: `expr-${i}`,
            Rules: [{ Name: `expr-${i}`, Properties: { FilterType: 'Sql' as const, SqlFilter: { SqlExpression: expression } } }],
          })),
        },
        { Name: 'managed', Subscriptions: [{ Name: 'dynamic' }] },
        { Name: 'poison', Subscriptions: [{ Name: 'limited', Properties: { MaxDeliveryCount: 2, LockDuration: 'PT30S' } }] },
        { Name: 'ordered', Subscriptions: [{ Name: 'sessions', Properties: { RequiresSession: true, LockDuration: 'PT30S' } }, { Name: 'audit' }] },
        {
          Name: 'deduplicated',
          Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT1M' },
          Subscriptions: [{ Name: 'x' }, { Name: 'y' }],
        },
        { Name: 'later', Subscriptions: [{ Name: 's' }] },
        {
          Name: 'forwarding',
          Subscriptions: [
            { Name: 'to-queue', Properties: { ForwardTo: 'forward-target' } },
            { Name: 'to-topic', Properties: { ForwardTo: 'fanout' } },
            { Name: 'dead-forward', Properties: { MaxDeliveryCount: 1, ForwardDeadLetteredMessagesTo: 'forward-dead' } },
          ],
        },
      ],
    }],
  },
};

const { client, emulator } = useEmulator(config);

async function receiveAll(receiver: ServiceBusReceiver, count: number, maxWaitTimeInMs = 5_000): Promise<ServiceBusReceivedMessage[]> {
  const got: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + maxWaitTimeInMs;
  while (got.length < count && Date.now() < deadline) {
    got.push(...(await receiver.receiveMessages(count - got.length, { maxWaitTimeInMs: Math.max(200, deadline - Date.now()) })));
  }
  return got;
}

/** Receives and completes what a subscription holds (waiting for `count`), then checks nothing else is there. */
async function drain(topic: string, subscription: string, count: number): Promise<ServiceBusReceivedMessage[]> {
  const receiver = client().createReceiver(topic, subscription);
  try {
    const got = await receiveAll(receiver, count);
    for (const m of got) await receiver.completeMessage(m);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    return got;
  } finally {
    await receiver.close();
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

describe('Service Bus emulator: topics and subscriptions', () => {
  it('fans a message out to every subscription, each with its own copy and lock', async () => {
    await client().createSender('fanout').sendMessages({ body: { hello: 'abonnés' }, messageId: 'fan-1', applicationProperties: { n: 1 } });
    for (const name of ['a', 'b', 'c']) {
      const [m] = await drain('fanout', name, 1);
      expect(m).toMatchObject({ body: { hello: 'abonnés' }, messageId: 'fan-1', applicationProperties: { n: 1 }, deliveryCount: 0 });
    }
  });

  it('refuses to receive from the topic itself and to send to a subscription', async () => {
    const receiver = client().createReceiver('fanout');
    await expect(receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).rejects.toThrow(/subscriptions/);
    await receiver.close();
    await expect(client().createSender('fanout/Subscriptions/a').sendMessages({ body: 1 })).rejects.toThrow(/send to the queue or topic/);
  });

  it('applies correlation filters on system and application properties (all conditions ANDed)', async () => {
    const sender = client().createSender('filtered');
    await sender.sendMessages([
      { body: 1, subject: 'invoice', applicationProperties: { region: 'qc' } },
      { body: 2, subject: 'invoice', applicationProperties: { region: 'on' } },
      { body: 3, subject: 'receipt', applicationProperties: { region: 'qc' } },
      { body: 4, subject: 'invoice' },
    ]);
    const got = await drain('filtered', 'by-correlation', 1);
    expect(got.map((m) => m.body)).toEqual([1]);
    // The other subscriptions of the topic took their own copies: empty them for the next tests.
    await drain('filtered', 'with-action', 3);
    await drain('filtered', 'several-rules', 4);
  });

  it('applies a SQL filter to user properties', async () => {
    await client().createSender('filtered').sendMessages([
      { body: 'urgent-qc', applicationProperties: { region: 'qc', priority: 9 } },
      { body: 'calm-qc', applicationProperties: { region: 'qc', priority: 1 } },
      { body: 'urgent-on', applicationProperties: { region: 'on', priority: 9 } },
    ]);
    expect((await drain('filtered', 'by-sql', 1)).map((m) => m.body)).toEqual(['urgent-qc']);
    await drain('filtered', 'with-action', 3);
    await drain('filtered', 'several-rules', 4);
  });

  it('runs a rule action on its copy: SET (incl. sys.Label and arithmetic), REMOVE, and RuleName', async () => {
    await client().createSender('filtered').sendMessages({ body: 'x', subject: 'original', applicationProperties: { region: 'bc', priority: 4, secret: 's3' } });
    const [m] = await drain('filtered', 'with-action', 1);
    expect(m!.subject).toBe('routed');
    expect(m!.applicationProperties).toEqual({ region: 'bc', priority: 4, handled: 'yes', doubled: 8, RuleName: 'annotate' });
  });

  it('puts one copy for all matching rules without action, plus one per matching rule with an action', async () => {
    await client().createSender('filtered').sendMessages({ body: 'multi', applicationProperties: { region: 'qc', priority: 0 } });
    const got = await drain('filtered', 'several-rules', 2);
    const plain = got.find((m) => m.applicationProperties?.RuleName === undefined);
    const tagged = got.find((m) => m.applicationProperties?.RuleName === 'tagged');
    expect(plain?.applicationProperties).toEqual({ region: 'qc', priority: 0 });
    expect(tagged?.applicationProperties).toMatchObject({ region: 'qc', tag: 'copy' });
    await drain('filtered', 'with-action', 1);
  });

  it('evaluates the SQL filter subset (comparison, LIKE, IN, IS NULL, EXISTS, NOT, precedence, types)', async () => {
    await client().createSender('sql-table').sendMessages({
      body: 'probe', messageId: 'm-sql', subject: 'invoice', correlationId: 'corr-1', contentType: 'application/json',
      applicationProperties: { color: 'blue', size: 10, ratio: 2.5, flag: true, name: 'Montréal_1' },
    });
    await waitFor(() => SQL_TABLE.some((_, i) => emulator().counts(`sql-table/Subscriptions/expr-${i}`).active > 0), 5_000, 'the fan-out');
    const results = SQL_TABLE.map(([expression], i) => [expression, emulator().counts(`sql-table/Subscriptions/expr-${i}`).active === 1] as const);
    expect(results).toEqual(SQL_TABLE);
  });

  it('gives a subscription without rules the $Default rule (TrueFilter)', async () => {
    const rules = await client().createRuleManager('managed', 'dynamic').listRules().byPage().next();
    expect(rules.value).toEqual([{ name: '$Default', filter: { sqlExpression: '1=1' }, action: {} }]);
  });

  it('creates, lists and deletes rules through the rule manager, changing what is delivered', async () => {
    const rules = client().createRuleManager('managed', 'dynamic');
    const sender = client().createSender('managed');
    await rules.deleteRule('$Default');
    await rules.createRule('quebec', { sqlExpression: "region = 'qc'" }, { sqlExpression: 'SET seen = TRUE' });
    await rules.createRule('orders', { subject: 'order', applicationProperties: { channel: 'web', count: 2 } });
    const listed: unknown[] = [];
    for await (const rule of rules.listRules()) listed.push(rule);
    expect(listed).toMatchObject([
      { name: 'quebec', filter: { sqlExpression: "region = 'qc'" }, action: { sqlExpression: 'SET seen = TRUE' } },
      { name: 'orders', filter: { subject: 'order', applicationProperties: { channel: 'web', count: 2 } }, action: {} },
    ]);
    expect(listed).toHaveLength(2);
    await expect(rules.createRule('quebec', { sqlExpression: '1=1' })).rejects.toMatchObject({ code: 'MessagingEntityAlreadyExists' });
    await expect(rules.createRule('broken', { sqlExpression: "region = 'qc" })).rejects.toThrow(/broken.*unterminated string/);
    await expect(rules.deleteRule('nope')).rejects.toMatchObject({ code: 'MessagingEntityNotFound' });

    await sender.sendMessages([
      { body: 'qc', applicationProperties: { region: 'qc' } },
      { body: 'on', applicationProperties: { region: 'on' } },
      { body: 'order', subject: 'order', applicationProperties: { channel: 'web', count: 2 } },
      { body: 'order-phone', subject: 'order', applicationProperties: { channel: 'phone', count: 2 } },
    ]);
    const first = await drain('managed', 'dynamic', 2);
    expect(first.map((m) => m.body).sort()).toEqual(['order', 'qc']);
    expect(first.find((m) => m.body === 'qc')?.applicationProperties).toEqual({ region: 'qc', seen: true, RuleName: 'quebec' });

    await rules.deleteRule('quebec');
    await rules.deleteRule('orders');
    await sender.sendMessages({ body: 'nobody', applicationProperties: { region: 'qc' } });
    await drain('managed', 'dynamic', 0);
    await rules.createRule('$Default', { sqlExpression: '1=1' });
    await sender.sendMessages({ body: 'everybody' });
    expect((await drain('managed', 'dynamic', 1)).map((m) => m.body)).toEqual(['everybody']);
    await sender.close();
  });

  it('dead-letters in the subscription after MaxDeliveryCount and on explicit dead-letter', async () => {
    await client().createSender('poison').sendMessages([{ body: 'poison', messageId: 'p-1' }, { body: 'bad', messageId: 'p-2' }]);
    const receiver = client().createReceiver('poison', 'limited');
    const seen: string[] = [];
    for (let attempt = 0; attempt < 10 && seen.filter((id) => id === 'p-1').length < 2; attempt++) {
      for (const m of await receiver.receiveMessages(2, { maxWaitTimeInMs: 2000 })) {
        seen.push(String(m.messageId));
        if (m.messageId === 'p-1') await receiver.abandonMessage(m);
        else await receiver.deadLetterMessage(m, { deadLetterReason: 'Invalid', deadLetterErrorDescription: 'not a number' });
      }
    }
    await receiver.close();
    const dlq = client().createReceiver('poison', 'limited', { subQueueType: 'deadLetter' });
    const dead = await receiveAll(dlq, 2);
    const byId = Object.fromEntries(dead.map((m) => [String(m.messageId), m]));
    expect(byId['p-1']).toMatchObject({ deadLetterReason: 'MaxDeliveryCountExceeded' });
    expect(byId['p-1']?.deadLetterSource).toBeUndefined(); // only set when auto-forwarded from a dead-letter queue
    expect(byId['p-2']).toMatchObject({ deadLetterReason: 'Invalid', deadLetterErrorDescription: 'not a number' });
    for (const m of dead) await dlq.completeMessage(m);
    await dlq.close();
    expect(emulator().counts('poison/Subscriptions/limited')).toMatchObject({ active: 0, deadLettered: 0 });
  });

  it('serves a session-enabled subscription to 4 competing session receivers, in order within each session', async () => {
    const sessions = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const perSession = 8;
    const messages = [];
    for (let i = 0; i < perSession; i++) for (const sessionId of sessions) messages.push({ body: i, sessionId });
    await client().createSender('ordered').sendMessages(messages);
    const received = new Map<string, number[]>();
    let total = 0;
    // A short operation timeout: once every session is done, workers waiting for one give up quickly.
    const sessionClient = new ServiceBusClient(emulator().connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 2000 } });
    const worker = async () => {
      while (total < sessions.length * perSession) {
        let receiver;
        try {
          receiver = await sessionClient.acceptNextSession('ordered', 'sessions', { maxAutoLockRenewalDurationInMs: 0 });
        } catch {
          continue; // no free session right now (ServiceTimeout): the loop condition decides
        }
        try {
          for (;;) {
            const batch = await receiver.receiveMessages(3, { maxWaitTimeInMs: 500 });
            if (batch.length === 0) break;
            for (const m of batch) {
              const list = received.get(receiver.sessionId) ?? [];
              list.push(m.body as number);
              received.set(receiver.sessionId, list);
              await receiver.completeMessage(m);
              total++;
            }
          }
        } finally {
          await receiver.close();
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]).finally(() => sessionClient.close());
    expect([...received.keys()].sort()).toEqual(sessions);
    for (const id of sessions) expect(received.get(id)).toEqual(Array.from({ length: perSession }, (_, i) => i));
    // The subscription without sessions got every message too.
    expect(emulator().counts('ordered/Subscriptions/audit').active).toBe(sessions.length * perSession);
    // Session state lives per subscription session.
    await client().createSender('ordered').sendMessages({ body: 'state', sessionId: 'stateful' });
    const stateful = await client().acceptSession('ordered', 'sessions', 'stateful', { maxAutoLockRenewalDurationInMs: 0 });
    await stateful.setSessionState('étape 2');
    expect(await stateful.getSessionState()).toBe('étape 2');
    await stateful.close();
  });

  it('dead-letters the copy a session-enabled subscription gets without a SessionId; other subscriptions take it', async () => {
    await client().createSender('ordered').sendMessages({ body: 'no session', messageId: 'nosession-1' });
    const dlq = client().createReceiver('ordered', 'sessions', { subQueueType: 'deadLetter' });
    const [dead] = await receiveAll(dlq, 1);
    expect(dead).toMatchObject({ messageId: 'nosession-1', deadLetterReason: 'Session id is null.' });
    await dlq.completeMessage(dead!);
    await dlq.close();
    const audit = client().createReceiver('ordered', 'audit');
    const got = await receiveAll(audit, 1000, 3000);
    expect(got.filter((m) => m.messageId === 'nosession-1')).toHaveLength(1);
    for (const m of got) await audit.completeMessage(m);
    await audit.close();
  });

  it('drops a resend with the same MessageId within the window, for every subscription', async () => {
    const sender = client().createSender('deduplicated');
    await sender.sendMessages({ body: 'first', messageId: 'dup-1' });
    await sender.sendMessages({ body: 'again', messageId: 'dup-1' });
    await sender.sendMessages({ body: 'other', messageId: 'dup-2' });
    for (const name of ['x', 'y']) expect((await drain('deduplicated', name, 2)).map((m) => m.body)).toEqual(['first', 'other']);
  });

  it('holds a message scheduled on a topic until its time, and cancels one', async () => {
    const sender = client().createSender('later');
    const at = new Date(Date.now() + 1500);
    const [kept] = await sender.scheduleMessages({ body: 'kept' }, at);
    const [cancelled] = await sender.scheduleMessages({ body: 'cancelled' }, at);
    await sender.cancelScheduledMessages(cancelled!);
    expect(kept).toBeDefined();
    expect(emulator().counts('later/Subscriptions/s').active).toBe(0);
    const receiver = client().createReceiver('later', 's');
    const got = await receiveAll(receiver, 1, 10_000);
    expect(got.map((m) => m.body)).toEqual(['kept']);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 50);
    await receiver.completeMessage(got[0]!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 })).toEqual([]);
    await receiver.close();
  });

  it('forwards a subscription to a queue or a topic (ForwardTo) and its dead letters (ForwardDeadLetteredMessagesTo)', async () => {
    await client().createSender('forwarding').sendMessages({ body: 'onward', messageId: 'fw-1' });
    const queue = client().createReceiver('forward-target');
    const [forwarded] = await receiveAll(queue, 1);
    expect(forwarded).toMatchObject({ body: 'onward', messageId: 'fw-1' });
    await queue.completeMessage(forwarded!);
    await queue.close();
    for (const name of ['a', 'b', 'c']) expect((await drain('fanout', name, 1)).map((m) => m.body)).toEqual(['onward']);
    expect(emulator().counts('forwarding/Subscriptions/to-queue').active).toBe(0);

    const receiver = client().createReceiver('forwarding', 'dead-forward');
    const [m] = await receiveAll(receiver, 1);
    await receiver.deadLetterMessage(m!, { deadLetterReason: 'Rejected', deadLetterErrorDescription: 'by test' });
    await receiver.close();
    const dead = client().createReceiver('forward-dead');
    const [moved] = await receiveAll(dead, 1);
    expect(moved).toMatchObject({ body: 'onward', deadLetterReason: 'Rejected' });
    await dead.completeMessage(moved!);
    await dead.close();
    expect(emulator().counts('forwarding/Subscriptions/dead-forward')).toMatchObject({ active: 0, deadLettered: 0 });
  });
});

describe('Service Bus emulator: topic configuration errors', () => {
  const start = (topic: unknown) => startServiceBusEmulator({ config: { UserConfig: { Namespaces: [{ Name: 'ns', Queues: [{ Name: 'q' }], Topics: [topic as never] }] } } });

  it('names the rule and subscription of an invalid SQL filter or action', async () => {
    await expect(start({ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r1', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: 'a = = 1' } } }] }] }))
      .rejects.toThrow(/subscription t\/s: rule r1: SqlFilter "a = = 1": /);
    await expect(start({ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r2', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: '1=1' }, Action: { SqlExpression: 'DROP x' } } }] }] }))
      .rejects.toThrow(/subscription t\/s: rule r2: Action "DROP x": expected SET or REMOVE/);
  });

  it('names the entity for bad filter types, empty correlation filters, duplicates and forwarding targets', async () => {
    await expect(start({ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r', Properties: { FilterType: 'Regex' } }] }] })).rejects.toThrow(/subscription t\/s: rule r: FilterType must be/);
    await expect(start({ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r', Properties: { FilterType: 'Correlation', CorrelationFilter: {} } }] }] })).rejects.toThrow(/rule r: a correlation filter needs at least one condition/);
    await expect(start({ Name: 't', Subscriptions: [{ Name: 's' }, { Name: 'S' }] })).rejects.toThrow(/topic t: subscription S is declared twice/);
    await expect(start({ Name: 'q' })).rejects.toThrow(/topic q is declared twice/);
    await expect(start({ Name: 't', Subscriptions: [{ Name: 's', Properties: { ForwardTo: 'nowhere' } }] })).rejects.toThrow(/subscription t\/Subscriptions\/s: ForwardTo names nowhere/);
    await expect(start({ Name: 't', Subscriptions: [{ Name: 's', Properties: { LockDuration: 'one minute' } }] })).rejects.toThrow(/subscription t\/s: LockDuration one minute is not an ISO 8601 duration/);
  });
});
