import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHostProcess, type HostProcess } from './host-process';

describe('HTTP triggers', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({
      app: 'basic-app',
      env: { FIXTURE_TIMER_SCHEDULE: '0 0 0 1 1 *', AzureWebJobsStorage: inject('azurite').connectionString, FIXTURE_NOTE_NAME: `note-${Date.now()}` },
    });
  });
  afterAll(() => host?.stop());

  it('routes with the host.json prefix, parameters, query, headers and cookies through the real HttpRequest', async () => {
    const res = await fetch(`${host.baseUrl}/v1/hello/Zo%C3%A9?q=42`, { headers: { 'x-test': 'yes', cookie: 'session=abc' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-handled-by')).toBe('basic-app');
    expect(res.headers.get('set-cookie')).toBe('seen=yes; Path=/; HttpOnly; SameSite=Lax');
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ name: 'Zoé', query: '42', header: 'yes', cookie: 'session=abc' });
    expect(body.url).toBe(`${host.baseUrl}/v1/hello/Zo%C3%A9?q=42`);
    expect(host.output()).toMatch(new RegExp(`Executed 'Functions.hello' \\(Succeeded, Id=${body.invocationId}, Duration=\\d+ms\\)`));
  });

  it('honours methods, route constraints and literal-route precedence', async () => {
    const created = await fetch(`${host.baseUrl}/v1/items/7`, { method: 'PUT', body: JSON.stringify({ a: 1 }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 7, method: 'PUT', body: { a: 1 } });
    expect((await fetch(`${host.baseUrl}/v1/items/new`)).status).toBe(200);
    expect(await (await fetch(`${host.baseUrl}/v1/items/new`)).text()).toBe('literal route wins');
    // {id:int} does not match a word, and GET is not among the function's methods.
    expect((await fetch(`${host.baseUrl}/v1/items/abc`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${host.baseUrl}/v1/items/7`)).status).toBe(404);
    expect((await fetch(`${host.baseUrl}/api/hello/x`)).status).toBe(404);
  });

  it('passes binary bodies through unchanged', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const res = await fetch(`${host.baseUrl}/v1/echo`, { method: 'POST', body: bytes });
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('answers 500 and logs the failure like the host when a handler throws', async () => {
    const res = await fetch(`${host.baseUrl}/v1/boom`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
    await host.waitForOutput(/Executed 'Functions.boom' \(Failed, Id=[0-9a-f-]+, Duration=\d+ms\)[\s\S]*handler exploded/);
  });

  it('reads and writes blobs through input and output bindings', async () => {
    expect((await fetch(`${host.baseUrl}/v1/note`)).status).toBe(404); // a missing blob binds as null
    expect((await fetch(`${host.baseUrl}/v1/note`, { method: 'POST', body: 'Bonjour, Québec' })).status).toBe(204);
    const read = await fetch(`${host.baseUrl}/v1/note`);
    expect(await read.text()).toBe('Bonjour, Québec');
  });

  it('reports a function whose settings are missing as in error, and keeps serving the others', () => {
    expect(host.output()).toMatch(/The 'onWork' function is in error: The connection setting 'ServiceBusConnection' is not set/);
  });
});
