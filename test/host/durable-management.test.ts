import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHostProcess, waitFor, type HostProcess } from './host-process';

interface HistoryEntry { EventType: string; [k: string]: unknown }
interface Status { runtimeStatus: string; instanceId: string; output: unknown; historyEvents?: HistoryEntry[] }

/** The Durable extension's HTTP management API, as its documentation and its handler define it. */
describe('Durable management HTTP API', () => {
  let host: HostProcess;
  const hub = `MgmtTest${Date.now()}`;
  let hook = '';
  beforeAll(async () => {
    host = await startHostProcess({ app: 'durable-app', env: { AzureWebJobsStorage: inject('azurite').connectionString, DURABLE_TASK_HUB: hub } });
    hook = `${host.baseUrl}/runtime/webhooks/durabletask`;
  });
  afterAll(() => host?.stop());

  const start = async (name: string, id: string, input?: unknown) => {
    const res = await fetch(`${hook}/orchestrators/${name}/${id}`, { method: 'POST', body: input === undefined ? '' : JSON.stringify(input), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    return res;
  };
  const status = async (id: string, query = ''): Promise<Status> => (await (await fetch(`${hook}/instances/${id}${query}`)).json()) as Status;
  const until = async (id: string, runtimeStatus: string) => {
    await waitFor(async () => (await status(id)).runtimeStatus === runtimeStatus, 20_000, `${id} to be ${runtimeStatus}`);
  };

  it('answers a running instance with 202, Location and Retry-After, as the start does', async () => {
    const started = await start('waitsForever', 'loc-1');
    const statusUri = ((await started.json()) as { statusQueryGetUri: string }).statusQueryGetUri;
    expect(statusUri).toMatch(new RegExp(`/runtime/webhooks/durabletask/instances/loc-1\\?taskHub=${hub}&connection=Storage$`));
    expect(started.headers.get('location')).toBe(statusUri);
    expect(started.headers.get('retry-after')).toBe('10');
    await until('loc-1', 'Running');
    // The status link points at the host's own base URL (not the request's Host header).
    const path = new URL(statusUri);
    const res = await fetch(`${hook}/instances/loc-1${path.search}`);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(statusUri);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('answers a failed instance 200, or 500 when returnInternalServerErrorOnFailure=true; a finished one has no Location', async () => {
    await start('unhandledFailure', 'fail-500');
    await until('fail-500', 'Failed');
    const plain = await fetch(`${hook}/instances/fail-500`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('location')).toBeNull();
    expect(plain.headers.get('retry-after')).toBeNull();
    const strict = await fetch(`${hook}/instances/fail-500?returnInternalServerErrorOnFailure=true`);
    expect(strict.status).toBe(500);
    expect(((await strict.json()) as Status).runtimeStatus).toBe('Failed');
  });

  it('filters the instance list by instanceIdPrefix', async () => {
    for (const id of ['pfx-a-1', 'pfx-a-2', 'pfx-b-1']) await start('child', id, { n: 1 });
    const res = await fetch(`${hook}/instances?instanceIdPrefix=pfx-a-`);
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as Status[]).map((s) => s.instanceId).sort();
    expect(ids).toEqual(['pfx-a-1', 'pfx-a-2']);
  });

  it('refuses a purge by filter without createdTimeFrom (400), and purges with it', async () => {
    await start('child', 'purge-f-1', { n: 2 });
    await until('purge-f-1', 'Completed');
    const refused = await fetch(`${hook}/instances?runtimeStatus=Completed`, { method: 'DELETE' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('createdTimeFrom');
    expect((await status('purge-f-1')).runtimeStatus).toBe('Completed');
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const purged = await fetch(`${hook}/instances?createdTimeFrom=${from}&runtimeStatus=Completed`, { method: 'DELETE' });
    expect(purged.status).toBe(200);
    expect(((await purged.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${hook}/instances/purge-f-1`)).status).toBe(404);
  });

  it('refuses to purge a running instance by id (412), as the extension does', async () => {
    await start('waitsForever', 'purge-run');
    await until('purge-run', 'Running');
    expect((await fetch(`${hook}/instances/purge-run`, { method: 'DELETE' })).status).toBe(412);
    expect((await status('purge-run')).runtimeStatus).toBe('Running');
  });

  it('shows history in the extension shape: named event types, function names, scheduled times, results only on request', async () => {
    await start('oneStep', 'hist-1');
    await until('hist-1', 'Completed');
    const events = (await status('hist-1', '?showHistory=true')).historyEvents!;
    expect(events.map((e) => e.EventType)).toEqual(['ExecutionStarted', 'TaskCompleted', 'ExecutionCompleted']);
    expect(events[0]).toMatchObject({ FunctionName: 'oneStep', Timestamp: expect.any(String) });
    expect(events[1]).toMatchObject({ FunctionName: 'sideEffect', ScheduledTime: expect.any(String), Timestamp: expect.any(String) });
    expect(events[2]).toMatchObject({ OrchestrationStatus: 'Completed' });
    for (const e of events) {
      expect(e).not.toHaveProperty('EventId');
      expect(e).not.toHaveProperty('IsPlayed');
      expect(e).not.toHaveProperty('Result');
    }
    const withOutput = (await status('hist-1', '?showHistory=true&showHistoryOutput=true')).historyEvents!;
    expect(withOutput[1]!.Result).toBe('one-done');
    expect(withOutput[2]!.Result).toBe('one-done');
  });
});
