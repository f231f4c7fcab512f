import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startHostProcess, waitFor, type HostProcess } from './host-process';

interface SbEvent { kind: string; message: unknown; start?: number; end?: number; messageId?: string; deliveryCount?: number; sessionId?: string; applicationProperties?: Record<string, unknown> }

describe('Service Bus queue triggers', () => {
  let emulator: ServiceBusEmulator;
  let host: HostProcess;
  let client: ServiceBusClient;

  beforeAll(async () => {
    emulator = await startServiceBusEmulator({
      config: {
        UserConfig: {
          Namespaces: [{
            Name: 'sbemulatorns',
            Queues: [
              { Name: 'host-e2e', Properties: { MaxDeliveryCount: 3, LockDuration: 'PT5S' } },
              { Name: 'host-e2e-sessions', Properties: { RequiresSession: true, LockDuration: 'PT5S' } },
              { Name: 'host-e2e-files', Properties: { LockDuration: 'PT5S' } },
            ],
            Topics: [{
              Name: 'host-e2e-topic',
              Subscriptions: [
                { Name: 'all', Properties: { MaxDeliveryCount: 2, LockDuration: 'PT5S' } },
                { Name: 'by-session', Properties: { RequiresSession: true, LockDuration: 'PT5S' } },
              ],
            }],
          }],
        },
      },
    });
    host = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '0 0 0 1 1 *', FIXTURE_TOPIC_NAME: 'host-e2e-topic', ServiceBusConnection: emulator.connectionString, AzureWebJobsStorage: inject('azurite').connectionString } });
    client = new ServiceBusClient(emulator.connectionString);
  });
  afterAll(async () => {
    await client?.close();
    await host?.stop();
    await emulator?.stop();
  });

  it('delivers the body and metadata bindings, and completes the message after a successful run', async () => {
    const sender = client.createSender('host-e2e');
    await sender.sendMessages({ body: { hello: 'monde' }, messageId: 'msg-1', applicationProperties: { tenant: 'spgq' } });
    await sender.close();
    await waitFor(() => host.events<SbEvent>().some((e) => e.messageId === 'msg-1'), 10_000, 'msg-1');
    expect(host.events<SbEvent>().find((e) => e.messageId === 'msg-1')).toMatchObject({
      kind: 'sb', message: { hello: 'monde' }, deliveryCount: 1, applicationProperties: { tenant: 'spgq' },
    });
    await waitFor(() => emulator.counts('host-e2e').active === 0, 5_000, 'the message to be completed');
    expect(emulator.counts('host-e2e')).toMatchObject({ active: 0, deadLettered: 0 });
  });

  it('binds an output blob path from the message metadata ({MessageId}) and a JSON body property ({folder})', async () => {
    const sender = client.createSender('host-e2e-files');
    await sender.sendMessages({ body: { folder: 'dossiers', n: 7 }, messageId: `file-${Date.now()}` , contentType: 'application/json' });
    await sender.close();
    const container = BlobServiceClient.fromConnectionString(inject('azurite').connectionString).getContainerClient('sb-files');
    const find = async () => {
      if (!(await container.exists())) return undefined;
      for await (const b of container.listBlobsFlat({ prefix: 'dossiers/file-' })) return b.name;
      return undefined;
    };
    await waitFor(async () => (await find()) !== undefined, 20_000, 'the filed message');
    const blob = container.getBlockBlobClient((await find())!);
    expect(JSON.parse((await blob.downloadToBuffer()).toString())).toEqual({ folder: 'dossiers', n: 7 });
  });

  it('sends output binding values as messages', async () => {
    const res = await fetch(`${host.baseUrl}/v1/work`, { method: 'POST', body: JSON.stringify({ from: 'output-binding' }) });
    expect(res.status).toBe(202);
    await waitFor(() => host.events<SbEvent>().some((e) => JSON.stringify(e.message) === '{"from":"output-binding"}'), 10_000, 'the sent message');
  });

  it('fails the invocation when an output binding cannot be delivered, as the host does', async () => {
    const res = await fetch(`${host.baseUrl}/v1/work-nowhere`, { method: 'POST' });
    expect(res.status).toBe(500);
    await host.waitForOutput(/Executed 'Functions.enqueueNowhere' \(Failed/);
  });

  it('abandons on throw, redelivers, and the broker dead-letters after MaxDeliveryCount', async () => {
    const sender = client.createSender('host-e2e');
    await sender.sendMessages({ body: { poison: true }, messageId: 'poison-1' });
    await sender.close();
    const dlq = client.createReceiver('host-e2e', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 15_000 });
    expect(dead?.messageId).toBe('poison-1');
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    await dlq.completeMessage(dead!);
    await dlq.close();
    const attempts = host.events<SbEvent>().filter((e) => e.messageId === 'poison-1').map((e) => e.deliveryCount);
    expect(attempts).toEqual([1, 2, 3]);
    expect(host.output()).toMatch(/Executed 'Functions.onWork' \(Failed[\s\S]*poison message/);
  });

  it('runs at most maxConcurrentCalls (host.json: 2) messages at a time', async () => {
    const sender = client.createSender('host-e2e');
    await sender.sendMessages([1, 2, 3, 4, 5].map((n) => ({ body: { sleepMs: 300 }, messageId: `conc-${n}` })));
    await sender.close();
    await waitFor(() => host.events<SbEvent>().filter((e) => e.kind === 'sb-end' && e.messageId?.startsWith('conc-')).length === 5, 15_000, 'five slow messages');
    const runs = host.events<SbEvent>().filter((e) => e.messageId?.startsWith('conc-'));
    const spans = runs.filter((e) => e.kind === 'sb').map((s) => ({ start: s.start!, end: runs.find((e) => e.kind === 'sb-end' && e.messageId === s.messageId)!.end! }));
    const maxOverlap = Math.max(...spans.map((a) => spans.filter((b) => b.start <= a.start && a.start < b.end).length));
    expect(maxOverlap).toBe(2);
  });

  it('renews the message lock while a run outlasts the queue lock duration (5 s)', async () => {
    const sender = client.createSender('host-e2e');
    await sender.sendMessages({ body: { sleepMs: 7_000 }, messageId: 'long-1' });
    await sender.close();
    await waitFor(() => host.events<SbEvent>().some((e) => e.kind === 'sb-end' && e.messageId === 'long-1'), 15_000, 'the long run');
    await waitFor(() => emulator.counts('host-e2e').active === 0, 5_000, 'completion');
    expect(host.events<SbEvent>().filter((e) => e.kind === 'sb' && e.messageId === 'long-1')).toHaveLength(1);
    expect(emulator.counts('host-e2e').deadLettered).toBe(0);
  });

  it('processes session-enabled queues in order within each session', async () => {
    const sender = client.createSender('host-e2e-sessions');
    await sender.sendMessages([
      { body: 'a1', sessionId: 'A' }, { body: 'b1', sessionId: 'B' }, { body: 'a2', sessionId: 'A' }, { body: 'b2', sessionId: 'B' }, { body: 'a3', sessionId: 'A' },
    ]);
    await sender.close();
    await waitFor(() => host.events<SbEvent>().filter((e) => e.kind === 'sb-session').length >= 5, 15_000, 'five session messages');
    const bySession = (id: string) => host.events<SbEvent>().filter((e) => e.kind === 'sb-session' && e.sessionId === id).map((e) => e.message);
    expect(bySession('A')).toEqual(['a1', 'a2', 'a3']);
    expect(bySession('B')).toEqual(['b1', 'b2']);
  });

  it('holds at most maxConcurrentSessions (host.json: 2) sessions at a time', async () => {
    const sender = client.createSender('host-e2e-sessions');
    await sender.sendMessages(['S1', 'S2', 'S3'].map((sessionId) => ({ body: { sleepMs: 400 }, sessionId })));
    await sender.close();
    const mine = (e: SbEvent) => ['S1', 'S2', 'S3'].includes(e.sessionId ?? '');
    await waitFor(() => host.events<SbEvent>().filter((e) => e.kind === 'sb-session-end' && mine(e)).length === 3, 15_000, 'three sessions');
    const events = host.events<SbEvent>().filter(mine);
    const spans = events.filter((e) => e.kind === 'sb-session').map((s) => ({ start: s.start!, end: events.find((e) => e.kind === 'sb-session-end' && e.sessionId === s.sessionId)!.end! }));
    const maxOverlap = Math.max(...spans.map((a) => spans.filter((b) => b.start <= a.start && a.start < b.end).length));
    expect(maxOverlap).toBe(2);
  });

  it('runs topic triggers on a subscription: completes on success, dead-letters after MaxDeliveryCount', async () => {
    const sender = client.createSender('host-e2e-topic');
    await sender.sendMessages([
      { body: { personne: 'Marie' }, messageId: 'topic-1', applicationProperties: { kind: 'arrival' } },
      { body: { poison: true }, messageId: 'topic-poison' },
    ]);
    await sender.close();
    await waitFor(() => host.events<SbEvent>().some((e) => e.kind === 'sb-topic' && e.messageId === 'topic-1'), 10_000, 'topic-1');
    expect(host.events<SbEvent>().find((e) => e.messageId === 'topic-1')).toMatchObject({
      kind: 'sb-topic', message: { personne: 'Marie' }, deliveryCount: 1, applicationProperties: { kind: 'arrival' },
    });
    const dlq = client.createReceiver('host-e2e-topic', 'all', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 15_000 });
    expect(dead).toMatchObject({ messageId: 'topic-poison', deadLetterReason: 'MaxDeliveryCountExceeded' });
    await dlq.completeMessage(dead!);
    await dlq.close();
    expect(host.events<SbEvent>().filter((e) => e.messageId === 'topic-poison').map((e) => e.deliveryCount)).toEqual([1, 2]);
    await waitFor(() => emulator.counts('host-e2e-topic/Subscriptions/all').active === 0, 5_000, 'completion');
  });

  it('runs session-enabled topic triggers (topic name from a %SETTING%) in order within each session', async () => {
    const sender = client.createSender('host-e2e-topic');
    await sender.sendMessages([
      { body: 'p1', sessionId: 'P' }, { body: 'q1', sessionId: 'Q' }, { body: 'p2', sessionId: 'P' }, { body: 'q2', sessionId: 'Q' }, { body: 'p3', sessionId: 'P' },
    ]);
    await sender.close();
    await waitFor(() => host.events<SbEvent>().filter((e) => e.kind === 'sb-topic-session').length >= 5, 15_000, 'five topic session messages');
    const bySession = (id: string) => host.events<SbEvent>().filter((e) => e.kind === 'sb-topic-session' && e.sessionId === id).map((e) => e.message);
    expect(bySession('P')).toEqual(['p1', 'p2', 'p3']);
    expect(bySession('Q')).toEqual(['q1', 'q2']);
    expect(host.output()).toMatch(/Listening on Service Bus topic 'host-e2e-topic' subscription 'by-session' for function 'onPeopleSessionEvent' \(sessions\)/);
  });
});
