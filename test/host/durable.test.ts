import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TaskHubStore } from '../../dev/host/durable/task-hub-store';
import { startHostProcess, waitFor, type HostProcess } from './host-process';

interface Status { runtimeStatus: string; output: unknown; customStatus: unknown; input: unknown; instanceId: string; name: string; history?: unknown }

describe('Durable Functions through durable-functions 3.5.0 replay', () => {
  let host: HostProcess;
  const hub = `DurableTest${Date.now()}`;
  beforeAll(async () => {
    host = await startHostProcess({ app: 'durable-app', env: { AzureWebJobsStorage: inject('azurite').connectionString, DURABLE_TASK_HUB: hub } });
  });
  afterAll(() => host?.stop());

  const start = async (name: string, id: string, input?: unknown) => {
    const res = await fetch(`${host.baseUrl}/api/start/${name}/${id}`, { method: 'POST', body: input === undefined ? '' : JSON.stringify(input) });
    expect(res.status).toBe(202);
    return (await res.json()) as Record<string, string>;
  };
  const status = async (id: string): Promise<Status> => (await (await fetch(`${host.baseUrl}/api/manage/status/${id}`)).json()) as Status;
  const until = async (id: string, runtimeStatus: string, timeoutMs = 10_000) => {
    await waitFor(async () => (await status(id)).runtimeStatus === runtimeStatus, timeoutMs, `${id} to be ${runtimeStatus}`);
    return status(id);
  };

  it('answers the check-status response with the management URLs of the host', async () => {
    const body = await start('waitsForever', 'check-1');
    expect(body.id).toBe('check-1');
    expect(body.statusQueryGetUri).toBe(`${host.baseUrl}/runtime/webhooks/durabletask/instances/check-1?taskHub=HostTestHub&connection=Storage`.replace('HostTestHub', hub));
    const res = await fetch(body.statusQueryGetUri!);
    expect(res.status).toBe(202); // still running
    expect(await res.json()).toMatchObject({ name: 'waitsForever', instanceId: 'check-1', runtimeStatus: 'Running' });
  });

  it('runs an activity with retries, a durable timer and an external event, with custom status', async () => {
    await start('approvalFlow', 'flow-1', { timerMs: 300 });
    const waiting = await until('flow-1', 'Running');
    await waitFor(async () => JSON.stringify((await status('flow-1')).customStatus) === '{"stage":"waiting-approval"}', 10_000, 'the approval stage');
    expect(waiting.input).toEqual({ timerMs: 300 });
    await fetch(`${host.baseUrl}/api/manage/raise/flow-1?event=approval`, { method: 'POST', body: JSON.stringify({ by: 'marie' }) });
    const done = await until('flow-1', 'Completed');
    expect(done.output).toEqual({ flaky: { key: 'flow-1', attempts: 2 }, approval: { by: 'marie' } });
    const effects = host.events<{ kind: string; id?: string; key?: string; attempt?: number; step?: string }>();
    expect(effects.filter((e) => e.key === 'flow-1').map((e) => e.attempt)).toEqual([1, 2]);
    expect(effects.filter((e) => e.id === 'flow-1').map((e) => e.step)).toEqual(['before-timer', 'after-approval']);
  });

  it('gives the orchestrator a failed activity as an error it can catch', async () => {
    await start('catchesFailure', 'catch-1');
    const done = await until('catch-1', 'Completed');
    expect(done.output).toEqual({ caught: expect.stringContaining("Activity function 'alwaysFails' failed: activity broke") });
  });

  it('marks the instance Failed with the error when the orchestrator does not handle it', async () => {
    await start('unhandledFailure', 'fail-1');
    const failed = await until('fail-1', 'Failed');
    expect(String(failed.output)).toContain('activity broke');
  });

  it('gives up after the retry policy maxNumberOfAttempts and surfaces the last failure', async () => {
    await start('retryExhausted', 'retry-x');
    const done = await until('retry-x', 'Completed');
    expect(done.output).toEqual({ caught: expect.stringContaining('flaky attempt 3 failed') });
    expect(host.events<{ key?: string; attempt?: number }>().filter((e) => e.key === 'retry-x').map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  it('fails a sub-orchestration call when the child orchestration fails', async () => {
    await start('childFails', 'parent-1');
    const done = await until('parent-1', 'Completed');
    expect(done.output).toEqual({ caught: expect.stringContaining("Sub-orchestration 'unhandledFailure' (parent-1-child) failed") });
    expect((await status('parent-1-child')).runtimeStatus).toBe('Failed');
  });

  it('fails a durable HTTP call whose request cannot be sent, naming the address', async () => {
    await start('callsHttp', 'http-1');
    const failed = await until('http-1', 'Failed');
    expect(String(failed.output)).toContain('Durable HTTP GET http://127.0.0.1:1/ failed');
  });

  it('runs callHttp to a local address, following the 202 Location / Retry-After polling pattern', async () => {
    await start('callsLocalJob', 'http-2', { base: host.baseUrl, job: 'export-7' });
    const done = await until('http-2', 'Completed', 60_000);
    expect(done.output).toEqual({ statusCode: 200, content: { job: 'export-7', done: true }, polls: 3 });
    expect(host.events<{ kind: string; job?: string; caller?: string }>().filter((e) => e.kind === 'job-start')).toEqual([{ kind: 'job-start', job: 'export-7', caller: 'orchestration' }]);
  }, 90_000);

  it('retries a failing sub-orchestration with a new child instance per attempt', async () => {
    await start('childRetries', 'parent-r');
    const done = await until('parent-r', 'Completed');
    expect(done.output).toEqual({ caught: expect.stringContaining("Sub-orchestration 'unhandledFailure'") });
    const children = (await (await fetch(`${host.baseUrl}/api/manage/list?status=Failed`)).json()) as Status[];
    expect(children.filter((c) => c.instanceId.startsWith('parent-r:')).length).toBe(2);
  });

  it('keeps an input and results larger than a Table property (32K characters), and no retry bookkeeping after a success', async () => {
    const big = 'x'.repeat(70_000);
    await start('largePayloads', 'large-1', big);
    const done = await until('large-1', 'Completed');
    expect(done.output).toEqual({ length: 70_000, echoed: [70_000, 70_000, 70_000] });
    expect(done.input).toBe(big);
    const row = await new TaskHubStore(inject('azurite').connectionString, hub).getInstance('large-1');
    expect(row?.retries).toEqual({});
  });

  it('runs Task.all, Task.any, sub-orchestrations and continueAsNew', async () => {
    await start('fanOut', 'fan-1');
    expect((await until('fan-1', 'Completed')).output).toEqual({ all: ['fan-1-done', 'fan-2-done', 'fan-3-done'], winnerResult: 10, child: 42 });
    await start('counter', 'count-1', 0);
    const counted = await until('count-1', 'Completed');
    expect(counted.output).toBe(3);
    expect(counted.input).toBe(3);
  });

  it('runs a child again when a later parent reuses the id of a finished child, and refuses an id a running instance holds', async () => {
    await start('namedChild', 'named-1', { n: 1, childId: 'named-child' });
    expect((await until('named-1', 'Completed')).output).toBe(21);
    // Same parent id again (a fixed-id run started a second time), same child id: a new child, not the old answer.
    await start('namedChild', 'named-1', { n: 3, childId: 'named-child' });
    expect((await until('named-1', 'Completed')).output).toBe(63);
    await start('waitsForever', 'held-id');
    await start('namedChild', 'named-2', { n: 2, childId: 'held-id' });
    expect((await until('named-2', 'Failed')).output).toEqual(expect.stringContaining("An orchestration with instance ID 'held-id' already exists"));
    expect((await status('held-id')).runtimeStatus).toBe('Running');
  });

  it('fails, naming the cause, an orchestrator that yields a sub-orchestration task a second time inside Task.any', async () => {
    await start('reyieldedChildren', 'reyield-1');
    expect((await until('reyield-1', 'Failed')).output).toEqual(expect.stringContaining("scheduled sub-orchestration 'reyield-1:b' a second time"));
  });

  it('refuses with 400 an event or a start whose body is not JSON, and the waiting instance lives on', async () => {
    const body = await start('waitsForever', 'json-1');
    const eventUri = body.sendEventPostUri!.replace('{eventName}', 'approval');
    const bad = await fetch(eventUri, { method: 'POST', body: 'pas du JSON', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ Message: 'The request content is not valid JSON.' });
    const good = await fetch(eventUri, { method: 'POST', body: JSON.stringify({ ok: true }), headers: { 'content-type': 'application/json' } });
    expect(good.status).toBe(202);
    expect((await status('json-1')).runtimeStatus).toBe('Running');
    const started = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/waitsForever/json-2`, { method: 'POST', body: '{oops' });
    expect(started.status).toBe(400);
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/json-2`)).status).toBe(404);
  });

  it('suspends, resumes and terminates instances', async () => {
    await start('approvalFlow', 'susp-1', { timerMs: 200 });
    await waitFor(async () => JSON.stringify((await status('susp-1')).customStatus) === '{"stage":"waiting-approval"}', 10_000, 'the approval stage');
    await fetch(`${host.baseUrl}/api/manage/suspend/susp-1`, { method: 'POST' });
    await until('susp-1', 'Suspended');
    await fetch(`${host.baseUrl}/api/manage/raise/susp-1?event=approval`, { method: 'POST', body: '"late"' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await status('susp-1')).runtimeStatus).toBe('Suspended'); // the event waits in the inbox
    await fetch(`${host.baseUrl}/api/manage/resume/susp-1`, { method: 'POST' });
    expect((await until('susp-1', 'Completed')).output).toMatchObject({ approval: 'late' });

    await start('waitsForever', 'term-1');
    await until('term-1', 'Running');
    await fetch(`${host.baseUrl}/api/manage/terminate/term-1`, { method: 'POST' });
    expect((await until('term-1', 'Terminated')).output).toBe('stopped by test');
  });

  it('lists instances with status filters across pages, and purges history', async () => {
    for (let i = 0; i < 3; i++) await start('child', `page-${i}`, { n: i });
    for (let i = 0; i < 3; i++) await until(`page-${i}`, 'Completed');
    const list = (await (await fetch(`${host.baseUrl}/api/manage/list?status=Completed`)).json()) as Status[];
    expect(list.map((s) => s.instanceId)).toEqual(expect.arrayContaining(['page-0', 'page-1', 'page-2', 'flow-1']));
    expect(list.every((s) => s.runtimeStatus === 'Completed')).toBe(true);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await (await fetch(`${host.baseUrl}/api/manage/list?from=${future}`)).json()).toEqual([]);
    const running = (await (await fetch(`${host.baseUrl}/api/manage/list?status=Running`)).json()) as Status[];
    expect(running.map((s) => s.instanceId)).toContain('check-1');
    expect(running.map((s) => s.instanceId)).not.toContain('page-1');

    // The HTTP API pages with x-ms-continuation-token, which the durable client follows.
    const first = await fetch(`${host.baseUrl}/durabletask/instances/?runtimeStatus=Completed&top=2`);
    expect(((await first.json()) as unknown[]).length).toBe(2);
    const token = first.headers.get('x-ms-continuation-token');
    expect(token).toBeTruthy();
    const second = await fetch(`${host.baseUrl}/durabletask/instances/?runtimeStatus=Completed&top=2`, { headers: { 'x-ms-continuation-token': token! } });
    expect(((await second.json()) as unknown[]).length).toBe(2);

    const purged = (await (await fetch(`${host.baseUrl}/api/manage/purge/page-0`, { method: 'POST' })).json()) as { instancesDeleted: number };
    expect(purged.instancesDeleted).toBe(1);
    expect((await fetch(`${host.baseUrl}/durabletask/instances/page-0`)).status).toBe(404);
  });

  // Replaces the shared host with one restarted on the same port (the orchestration calls that address).
  it('resumes a durable HTTP call polling across a SIGKILL of the host, without sending the request again', async () => {
    await start('callsLocalJob', 'http-kill', { base: host.baseUrl, job: 'restart-1' });
    await waitFor(() => host.events<{ kind: string; job?: string }>().some((e) => e.kind === 'job-poll' && e.job === 'restart-1'), 30_000, 'the first poll');
    await host.kill();
    host = await startHostProcess({ app: 'durable-app', env: { AzureWebJobsStorage: inject('azurite').connectionString, DURABLE_TASK_HUB: hub }, eventsFile: host.eventsFile, port: host.port });
    const done = await until('http-kill', 'Completed', 60_000);
    expect(done.output).toMatchObject({ statusCode: 200, content: { job: 'restart-1', done: true } });
    expect(host.events<{ kind: string; job?: string }>().filter((e) => e.kind === 'job-start' && e.job === 'restart-1')).toHaveLength(1);
  }, 120_000);

  it('refuses to start an orchestrator that does not exist, and a duplicate running instance', async () => {
    const res = await fetch(`${host.baseUrl}/api/start/noSuchOrchestrator/x-1`, { method: 'POST' });
    expect(res.status).toBe(500); // the client library throws on the host's 400
    await start('waitsForever', 'dup-1');
    expect((await fetch(`${host.baseUrl}/api/start/waitsForever/dup-1`, { method: 'POST' })).status).toBe(500);
    expect((await fetch(`${host.baseUrl}/durabletask/orchestrators/waitsForever/dup-1`, { method: 'POST' })).status).toBe(409);
  });
});
