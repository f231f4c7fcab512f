import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryHandlerOptions, type Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

const noRetry = [new RetryHandlerOptions(0, 0)];

describe('M365 sandbox Outlook throttling', () => {
  let sandbox: M365Sandbox;
  let graph: Client;

  beforeAll(async () => {
    // 20 requests per mailbox per window; timeScale 200 makes the 10-minute window 3 seconds, long
    // enough for 25 requests even on a busy machine, short enough to wait out.
    sandbox = await startM365Sandbox({ timeScale: 200, throttling: { requestsPerMailboxPerWindow: 20 } });
    graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('answers 429 with Retry-After beyond the per-mailbox budget, per mailbox, and recovers after the window', async () => {
    const [a, b] = sandbox.tenant.staffIds;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push(await graph.api(`/users/${a}/mailFolders/inbox`).get().then(() => 200, (e: { statusCode: number }) => e.statusCode));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
    const throttled = await graph.api(`/users/${a}/mailFolders/inbox`).middlewareOptions(noRetry).responseType('raw' as never).get() as Response;
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect(await throttled.json()).toMatchObject({ error: { code: 'ApplicationThrottled' } });
    // Another mailbox has its own budget; directory calls are not Outlook calls.
    await expect(graph.api(`/users/${b}/mailFolders/inbox`).get()).resolves.toMatchObject({ totalItemCount: expect.any(Number) });
    await expect(graph.api(`/users/${a}`).get()).resolves.toMatchObject({ id: a });
    await new Promise((resolve) => setTimeout(resolve, Number(throttled.headers.get('Retry-After')) * 1000));
    await expect(graph.api(`/users/${a}/mailFolders/inbox`).get()).resolves.toMatchObject({ totalItemCount: expect.any(Number) });
  });

  it('the official client retries a 429 after Retry-After and succeeds', async () => {
    const c = sandbox.tenant.staffIds[2]!;
    const retrying = createSandboxGraphClient(sandbox, { maxRetries: 3 });
    for (let i = 0; i < 20; i++) await retrying.api(`/users/${c}/mailFolders/inbox`).get();
    const started = Date.now();
    await expect(retrying.api(`/users/${c}/mailFolders/inbox`).get()).resolves.toMatchObject({ totalItemCount: expect.any(Number) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});

describe('M365 sandbox SharePoint resource units', () => {
  let sandbox: M365Sandbox;

  beforeAll(async () => {
    // 12 resource units per minute; timeScale 20 makes the minute 3 seconds.
    sandbox = await startM365Sandbox({ timeScale: 20, throttling: { sharePointUnitsPerMinute: 12 } });
  });
  afterAll(() => sandbox?.stop());

  it('charges 2 units per create, 5 per permission operation and 1 per read, then answers 429 until the minute ends', async () => {
    const graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
    const drive = sandbox.tenant.sites[1]!.driveId;
    const folder = await graph.api(`/drives/${drive}/root/children`).post({ name: 'Gabarits', folder: {} }); // 2
    await graph.api(`/drives/${drive}/items/${folder.id}/invite`).post({ recipients: [{ email: 'x@exemple.ca' }], roles: ['read'] }); // 7
    await graph.api(`/drives/${drive}/root/children`).post({ name: 'Modèles', folder: {} }); // 9
    await graph.api(`/drives/${drive}/root/children`).get(); // 10
    await graph.api(`/drives/${drive}/root/children`).post({ name: 'Lettres', folder: {} }); // 12
    const refused = await graph.api(`/drives/${drive}/root/children`).responseType('raw' as never).get() as Response;
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'activityLimitReached' } });
    // Mail is not SharePoint: unaffected.
    await expect(graph.api(`/users/${sandbox.tenant.staffIds[0]}/mailFolders/inbox`).get()).resolves.toMatchObject({ id: expect.any(String) });
    await new Promise((resolve) => setTimeout(resolve, Number(refused.headers.get('Retry-After')) * 1000));
    await expect(graph.api(`/drives/${drive}/root/children`).get()).resolves.toMatchObject({ value: expect.any(Array) });
  });
});

describe('M365 sandbox concurrency limit', () => {
  let sandbox: M365Sandbox;

  beforeAll(async () => {
    sandbox = await startM365Sandbox({ scale: { messagesPerMailbox: 4 } });
  });
  afterAll(() => sandbox?.stop());

  it('allows 4 Outlook requests in flight per app and answers 429 to the fifth', async () => {
    const graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
    const { userId, messageId } = sandbox.tenant.largeMessage!;
    // Four downloads of the large message left unread hold their slots (the server waits on backpressure).
    const streams = await Promise.all(Array.from({ length: 4 }, () => graph.api(`/users/${userId}/messages/${messageId}/$value`).getStream() as Promise<ReadableStream>));
    const fifth = await graph.api(`/users/${userId}/mailFolders/inbox`).get().catch((e: unknown) => e);
    expect(fifth).toMatchObject({ statusCode: 429, code: 'ApplicationThrottled' });
    // Another app (its own token appid) has its own 4 slots.
    const otherApp = createSandboxGraphClient(sandbox, { maxRetries: 0, token: `x.${Buffer.from(JSON.stringify({ appid: 'other-app' })).toString('base64url')}.y` });
    await expect(otherApp.api(`/users/${userId}/mailFolders/inbox`).get()).resolves.toMatchObject({ totalItemCount: expect.any(Number) });
    await Promise.all(streams.map((s) => s.cancel()));
    // Slots free up once the server sees the cancelled connections close.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await graph.api(`/users/${userId}/mailFolders/inbox`).get().then(() => 200, (e: { statusCode: number }) => e.statusCode);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });
});

describe('M365 sandbox fault injection', () => {
  let sandbox: M365Sandbox;
  let graph: Client;
  let control: SandboxControl;

  beforeAll(async () => {
    sandbox = await startM365Sandbox({ throttling: false });
    graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
    control = new SandboxControl(sandbox);
  });
  afterAll(() => sandbox?.stop());

  it('injects 503 at the configured rate, observed within tolerance', async () => {
    await control.setFaults({ rates: { '503': 0.2 }, seed: 42 });
    const total = 400;
    let failed = 0;
    for (let i = 0; i < total; i++) {
      const status = await graph.api('/users').top(1).get().then(() => 200, (e: { statusCode: number }) => e.statusCode);
      if (status === 503) failed++;
      else expect(status).toBe(200);
    }
    // Binomial(400, 0.2): standard deviation 8, so ±24 is three of them.
    expect(failed).toBeGreaterThanOrEqual(80 - 24);
    expect(failed).toBeLessThanOrEqual(80 + 24);
    await control.setFaults({});
  });

  it('injects faults on command: 429, 504, connection reset and a slow response, in order', async () => {
    await control.setFaults({ next: ['429', '504', 'reset', 'slow'], slowMs: 600 });
    await expect(graph.api('/users').top(1).get()).rejects.toMatchObject({ statusCode: 429 });
    await expect(graph.api('/users').top(1).get()).rejects.toMatchObject({ statusCode: 504, code: 'GatewayTimeout' });
    await expect(graph.api('/users').top(1).get()).rejects.toMatchObject({ message: expect.stringMatching(/ECONNRESET|socket hang up/i) });
    const started = Date.now();
    await graph.api('/users').top(1).get();
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    await expect(graph.api('/users').top(1).get()).resolves.toMatchObject({ value: expect.any(Array) });
    expect((await control.faults()).injected).toMatchObject({ '429': 1, '504': 1, reset: 1, slow: 1 });
  });

  it('lets the official client recover from a transient 503 through its retry handler', async () => {
    const retrying = createSandboxGraphClient(sandbox, { maxRetries: 3 });
    await control.setFaults({ next: ['503'] });
    await expect(retrying.api('/users').top(1).get()).resolves.toMatchObject({ value: expect.any(Array) });
  });

  it('rejects invalid fault settings', async () => {
    await expect(control.setFaults({ rates: { '503': 2 } })).rejects.toThrow(/400/);
  });
});

describe('M365 sandbox $batch', () => {
  let sandbox: M365Sandbox;
  let graph: Client;

  beforeAll(async () => {
    sandbox = await startM365Sandbox();
    graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('runs up to 20 requests, each with its own status, and refuses 21', async () => {
    const ids = sandbox.tenant.staffIds.slice(0, 19);
    const requests = [
      ...ids.map((id, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${id}/mailFolders/inbox` })),
      { id: '20', method: 'GET', url: '/users/00000000-0000-4000-8000-000000000000' },
    ];
    const result = await graph.api('/$batch').post({ requests });
    expect(result.responses).toHaveLength(20);
    const byId = new Map(result.responses.map((r: { id: string }) => [r.id, r]));
    expect(byId.get('1')).toMatchObject({ status: 200, body: { totalItemCount: expect.any(Number) } });
    expect(byId.get('20')).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });

    const tooMany = [...requests, { id: '21', method: 'GET', url: '/users' }];
    await expect(graph.api('/$batch').post({ requests: tooMany })).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('maximum of 20') });
  });

  it('carries per-part headers and delta pages, followed through relative links', async () => {
    const user = sandbox.tenant.staffIds[0]!;
    const inbox = await graph.api(`/users/${user}/mailFolders/inbox`).get();
    const seen = new Set<string>();
    let url: string | undefined = `/users/${user}/mailFolders/inbox/messages/delta?$select=subject`;
    let deltaLink: string | undefined;
    while (url) {
      const result = await graph.api('/$batch').post({ requests: [{ id: 'd', method: 'GET', url, headers: { Prefer: 'IdType="ImmutableId", odata.maxpagesize=5' } }] });
      const [answer] = result.responses as Array<{ status: number; body: { value: Array<{ id: string }>; '@odata.nextLink'?: string; '@odata.deltaLink'?: string } }>;
      expect(answer!.status).toBe(200);
      expect(answer!.body.value.length).toBeLessThanOrEqual(5);
      answer!.body.value.forEach((m) => seen.add(m.id));
      const next = answer!.body['@odata.nextLink'];
      deltaLink = answer!.body['@odata.deltaLink'];
      url = next ? next.slice(next.indexOf('/v1.0') + '/v1.0'.length) : undefined;
    }
    expect(seen.size).toBe(inbox.totalItemCount);
    expect(deltaLink).toContain('$deltatoken=');
    expect([...seen].every((id) => id.startsWith('AAkALg'))).toBe(true);
  });

  it('honours dependsOn and answers 424 when a dependency failed', async () => {
    const result = await graph.api('/$batch').post({
      requests: [
        { id: 'a', method: 'GET', url: '/users/00000000-0000-4000-8000-000000000000' },
        { id: 'b', method: 'GET', url: '/groups', dependsOn: ['a'] },
        { id: 'c', method: 'GET', url: `/users/${sandbox.tenant.staffIds[0]}` },
      ],
    });
    const statuses = Object.fromEntries(result.responses.map((r: { id: string; status: number }) => [r.id, r.status]));
    expect(statuses).toEqual({ a: 404, b: 424, c: 200 });
  });
});
