import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostProcess, type HostProcess } from './host-process';

describe('HTTP triggers with app.setup({ enableHttpStream: true })', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({ app: 'stream-app' });
  });
  afterAll(() => host?.stop());

  it('streams a large request body to the handler with params, query and headers', async () => {
    const size = 5 * 1024 * 1024;
    const res = await fetch(`${host.baseUrl}/api/upload/big.bin?q=x`, { method: 'POST', body: Buffer.alloc(size, 7), headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'big.bin', bytes: size, q: 'x', type: 'application/octet-stream' });
  });

  it('streams the response body and sets cookies', async () => {
    const res = await fetch(`${host.baseUrl}/api/countdown`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('streamed=1');
    expect(await res.text()).toBe('3\n2\n1\n');
  });

  it('answers 500 when a streaming handler throws', async () => {
    const res = await fetch(`${host.baseUrl}/api/stream-fails`);
    expect(res.status).toBe(500);
    await host.waitForOutput(/Executed 'Functions.streamFails' \(Failed[\s\S]*stream handler failed/);
  });
});
