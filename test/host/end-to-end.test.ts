import { ServiceBusClient } from '@azure/service-bus';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startHostProcess, waitFor, type HostProcess } from './host-process';

interface Effect { kind: string; id?: string; key?: string; attempt?: number; step?: string; messageId?: string; deliveryCount?: number }
interface Status { runtimeStatus: string; output: unknown; customStatus: unknown; historyEvents?: { EventType: string }[] }

/**
 * The end-to-end check: the host runs as a child process against Azurite and the Service Bus
 * emulator, serves HTTP, fires a timer, consumes and dead-letters queue messages, and runs an
 * orchestration with a retried activity, a durable timer and an external event; killed with SIGKILL
 * mid-orchestration and started again, it finishes the orchestration exactly once.
 */
describe('local host end to end', () => {
  let emulator: ServiceBusEmulator;
  let host: HostProcess;
  let env: Record<string, string>;
  const hub = `E2E${Date.now()}`;

  beforeAll(async () => {
    emulator = await startServiceBusEmulator({ config: path.resolve(__dirname, '../../dev/local-stack/servicebus-config.json') });
    env = {
      AzureWebJobsStorage: inject('azurite').connectionString,
      ServiceBusConnection: emulator.connectionString,
      DURABLE_TASK_HUB: hub,
      FIXTURE_TIMER_SCHEDULE: '*/2 * * * * *',
    };
    host = await startHostProcess({ app: 'e2e-app', env });
  });
  afterAll(async () => {
    await host?.stop();
    await emulator?.stop();
  });

  it('serves an HTTP function', async () => {
    const res = await fetch(`${host.baseUrl}/api/hello/e2e?q=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'e2e', query: '1' });
  });

  it('fires the timer', async () => {
    await waitFor(() => host.events<Effect>().some((e) => e.kind === 'timer-end'), 10_000, 'a timer run');
  });

  it('consumes a queue message, and dead-letters a poison one after the queue max delivery count (3)', async () => {
    const client = new ServiceBusClient(emulator.connectionString);
    const sender = client.createSender('host-e2e');
    await sender.sendMessages([{ body: { ok: true }, messageId: 'e2e-ok' }, { body: { poison: true }, messageId: 'e2e-poison' }]);
    await sender.close();
    const dlq = client.createReceiver('host-e2e', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 15_000 });
    expect(dead?.messageId).toBe('e2e-poison');
    await dlq.completeMessage(dead!);
    await dlq.close();
    await client.close();
    const deliveries = (id: string) => host.events<Effect>().filter((e) => e.messageId === id).map((e) => e.deliveryCount);
    expect(deliveries('e2e-ok')).toEqual([1]);
    expect(deliveries('e2e-poison')).toEqual([1, 2, 3]);
  });

  it('finishes an orchestration exactly once across a SIGKILL of the host', async () => {
    const id = 'e2e-flow';
    const start = await fetch(`${host.baseUrl}/api/start/approvalFlow/${id}`, { method: 'POST', body: JSON.stringify({ timerMs: 2_500 }) });
    expect(start.status).toBe(202);
    const statusUrl = `${host.baseUrl}/api/manage/status/${id}`;
    // Killed while the durable timer runs: the retried activity and the first side effect are done.
    await waitFor(async () => JSON.stringify(((await (await fetch(statusUrl)).json()) as Status).customStatus) === '{"stage":"waiting-timer"}', 10_000, 'the timer stage');
    await host.kill();

    host = await startHostProcess({ app: 'e2e-app', env, eventsFile: host.eventsFile });
    const status = async () => (await (await fetch(`${host.baseUrl}/api/manage/status/${id}`)).json()) as Status;
    await waitFor(async () => JSON.stringify((await status()).customStatus) === '{"stage":"waiting-approval"}', 15_000, 'the timer to fire after the restart');
    await fetch(`${host.baseUrl}/api/manage/raise/${id}?event=approval`, { method: 'POST', body: JSON.stringify({ by: 'e2e' }) });
    await waitFor(async () => (await status()).runtimeStatus === 'Completed', 10_000, 'completion');

    expect((await status()).output).toEqual({ flaky: { key: id, attempts: 2 }, approval: { by: 'e2e' } });
    const effects = host.events<Effect>();
    expect(effects.filter((e) => e.kind === 'flaky' && e.key === id).map((e) => e.attempt)).toEqual([1, 2]);
    expect(effects.filter((e) => e.kind === 'sideEffect' && e.id === id).map((e) => e.step)).toEqual(['before-timer', 'after-approval']);
    const history = (await (await fetch(`${host.baseUrl}/durabletask/instances/${id}?showHistory=true`)).json()) as Status;
    expect(history.historyEvents!.filter((e) => e.EventType === 'ExecutionCompleted')).toHaveLength(1);
    expect(history.historyEvents!.filter((e) => e.EventType === 'TimerFired')).toHaveLength(2); // the retry's and the flow's
    expect(host.output()).toMatch(/resuming 1 in-flight orchestration/);
  });

  it('re-runs an activity the killed host never reported, and still completes once', async () => {
    const id = 'e2e-slow';
    await fetch(`${host.baseUrl}/api/start/slowStep/${id}`, { method: 'POST' });
    await waitFor(() => host.events<Effect>().some((e) => e.kind === 'slow-start' && e.id === id), 10_000, 'the slow activity to start');
    await host.kill();

    host = await startHostProcess({ app: 'e2e-app', env, eventsFile: host.eventsFile });
    const status = async () => (await (await fetch(`${host.baseUrl}/api/manage/status/${id}`)).json()) as Status;
    await waitFor(async () => (await status()).runtimeStatus === 'Completed', 15_000, 'completion after the restart');
    expect((await status()).output).toEqual(['slow-done', 'after-slow-done']);
    const effects = host.events<Effect>().filter((e) => e.id === id);
    // At-least-once activities: the interrupted run started twice, finished once, and what follows ran once.
    expect(effects.filter((e) => e.kind === 'slow-start')).toHaveLength(2);
    expect(effects.filter((e) => e.kind === 'slow-end')).toHaveLength(1);
    expect(effects.filter((e) => e.kind === 'sideEffect').map((e) => e.step)).toEqual(['after-slow']);
  });
});
