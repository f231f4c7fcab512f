import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHostProcess, waitFor, type HostProcess } from './host-process';

/**
 * Durable entities in the local host, driven through the v4 sample app's counter (written as
 * Microsoft's entity samples are): registration, signal and call from an orchestration, the durable
 * client's signalEntity/readEntityState, the extension's entity HTTP API, and state kept across a
 * host restart in the task hub's table.
 */
describe('durable entities', () => {
  const hub = `EntityHub${Date.now()}`;
  const env = () => ({ AzureWebJobsStorage: inject('azurite').connectionString, DURABLE_TASK_HUB: hub });
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({ app: 'v4-sample-app', env: env() });
  });
  afterAll(() => host?.stop());

  const hook = () => `${host.baseUrl}/runtime/webhooks/durabletask`;

  async function runOrchestration(input: unknown): Promise<{ runtimeStatus: string; output: unknown }> {
    const started = await fetch(`${hook()}/orchestrators/counterOrchestration`, { method: 'POST', body: JSON.stringify(input) });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let status: { runtimeStatus: string; output: unknown } = { runtimeStatus: 'Pending', output: null };
    await waitFor(async () => {
      status = (await (await fetch(`${hook()}/instances/${id}`)).json()) as typeof status;
      return ['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus);
    }, 90_000, `orchestration ${id} to finish`);
    return status;
  }

  async function entityState(key: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${hook()}/entities/Counter/${encodeURIComponent(key)}`);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('runs signals then a call from an orchestration, one at a time and in order; the call answers with the result; state is read by the client', async () => {
    const key = `orch-${Date.now()}`;
    const result = await runOrchestration({ key, steps: [['add', 5], ['reset'], ['add', 2], ['add', 3]] });
    // In order: 5, reset to 0, +2, +3 = 5 read by the call; a failing operation fails the call only.
    expect(result).toMatchObject({ runtimeStatus: 'Completed', output: { value: 5, refused: 'error' } });
    // The signal sent as the orchestration completed is delivered too: 5 + 100.
    const read = async () => (await (await fetch(`${host.baseUrl}/api/counters/${key}`)).json()) as unknown;
    await waitFor(async () => ((await read()) as { entityState?: number }).entityState === 105, 60_000, `entity ${key} to reach 105`);
    expect(await read()).toEqual({ entityExists: true, entityState: 105 });
    const unknown = await fetch(`${host.baseUrl}/api/counters/nobody-${Date.now()}`);
    expect(await unknown.json()).toEqual({ entityExists: false });
  }, 120_000);

  it('signals from the durable client and from the entity HTTP API (202), reads state (200, or 404 for no entity), lists entities', async () => {
    const key = `http-${Date.now()}`;
    expect((await fetch(`${host.baseUrl}/api/counters/${key}/add`, { method: 'POST', body: '4' })).status).toBe(202);
    const signal = await fetch(`${hook()}/entities/Counter/${key}?op=add`, { method: 'POST', body: '6', headers: { 'content-type': 'application/json' } });
    expect(signal.status).toBe(202);
    await waitFor(async () => (await entityState(key)).body === 10, 60_000, `entity ${key} to reach 10`);
    expect(await entityState(key)).toEqual({ status: 200, body: 10 });
    expect((await entityState(`nobody-${Date.now()}`)).status).toBe(404);

    const list = (await (await fetch(`${hook()}/entities/Counter?fetchState=true`)).json()) as { entityId: { name: string; key: string }; state?: unknown; lastOperationTime: string }[];
    expect(list.find((e) => e.entityId.key === key)).toMatchObject({ entityId: { name: 'counter', key }, state: 10 });
    // An entity destructed by its operation no longer exists.
    expect((await fetch(`${hook()}/entities/Counter/${key}?op=delete`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => (await entityState(key)).status === 404, 60_000, `entity ${key} to be deleted`);
    // A body that is not JSON is refused, as the extension does; so is an entity the app does not define.
    expect((await fetch(`${hook()}/entities/Counter/${key}?op=add`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await fetch(`${hook()}/entities/Nothing/${key}?op=add`, { method: 'POST', body: '1' })).status).toBe(404);
  }, 120_000);

  it('keeps entity state across a host restart in the task hub store', async () => {
    const key = `restart-${Date.now()}`;
    await fetch(`${hook()}/entities/Counter/${key}?op=add`, { method: 'POST', body: '7' });
    await waitFor(async () => (await entityState(key)).body === 7, 60_000, `entity ${key} to reach 7`);
    await host.stop();
    host = await startHostProcess({ app: 'v4-sample-app', env: env() });
    expect(await entityState(key)).toEqual({ status: 200, body: 7 });
    const result = await runOrchestration({ key, steps: [['add', 1]] });
    expect(result).toMatchObject({ runtimeStatus: 'Completed', output: { value: 8 } });
    await waitFor(async () => (await entityState(key)).body === 108, 60_000, `entity ${key} to reach 108`);
  }, 180_000);

  it('runs operations queued when the host is killed once each after a restart, and answers the waiting orchestration', async () => {
    const key = `killed-${Date.now()}`;
    // Twenty signals queued (each 202 once in the entity's inbox), an orchestration adding more and
    // calling the entity, then SIGKILL at once: whatever had not run runs after the restart, once.
    for (let i = 1; i <= 20; i++) {
      expect((await fetch(`${hook()}/entities/Counter/${key}?op=add`, { method: 'POST', body: String(i) })).status).toBe(202);
    }
    const started = await fetch(`${hook()}/orchestrators/counterOrchestration`, { method: 'POST', body: JSON.stringify({ key, steps: [['add', 1000], ['add', 1000]] }) });
    const { id } = (await started.json()) as { id: string };
    await host.kill();
    host = await startHostProcess({ app: 'v4-sample-app', env: env() });
    let status: { runtimeStatus: string; output: unknown } = { runtimeStatus: 'Pending', output: null };
    await waitFor(async () => {
      status = (await (await fetch(`${hook()}/instances/${id}`)).json()) as typeof status;
      return status.runtimeStatus === 'Completed';
    }, 120_000, `orchestration ${id} to complete after the restart`);
    // 1 + ... + 20 = 210, then the orchestration's two signals: its call reads 2210; its last signal adds 100.
    expect(status.output).toEqual({ value: 2210, refused: 'error' });
    await waitFor(async () => (await entityState(key)).body === 2310, 60_000, `entity ${key} to reach 2310`);
  }, 240_000);
});
