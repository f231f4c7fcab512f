import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { startAppHost, type AppHost } from '../support/app-host';

/**
 * A TCP relay in front of the Cosmos DB emulator that first drops every connection (Cosmos
 * unreachable at start, as in a regional blip) and, once opened, relays to the emulator.
 */
async function flakyCosmos(target: URL) {
  let open = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (!open) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    open: () => (open = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('start-up residency check with Cosmos DB unreachable at first', () => {
  let issuer: TokenIssuer;
  let relay: Awaited<ReturnType<typeof flakyCosmos>>;
  let host: AppHost | undefined;
  let token: string;

  beforeAll(async () => {
    issuer = await startTokenIssuer({});
    const cosmos = inject('cosmos');
    relay = await flakyCosmos(new URL(cosmos.endpoint));
    const endpoint = new URL(cosmos.endpoint);
    endpoint.port = String(relay.port);
    host = await startAppHost(issuer, {
      LOCAL_MODE: 'true',
      CosmosDb: `AccountEndpoint=${endpoint.origin}/;AccountKey=${cosmos.key};`,
      ARCHIVE_RUN_ON_STARTUP: 'false',
      PEOPLE_SYNC_ON_STARTUP: 'false',
    }).catch((error: Error) => {
      // The host's output, as plain text (a stack trace's source map comment confuses the reporter).
      throw new Error(error.message.replace(/sourceMappingURL=\S+/g, '').replace(/[^\x20-\x7e\n]/g, '?').slice(-4000));
    });
    token = await issuer.mintUserToken({ oid: '0b1c2d3e-0000-4000-8000-00000000a001', name: 'Staff', roles: ['Staff'] });
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await relay?.close();
    await issuer?.stop();
  });

  it('starts anyway, answers 503 with Retry-After in the caller language until verified, then serves', async () => {
    const me = (language: string) => fetch(`${host!.baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}`, 'accept-language': language } });

    const fr = await me('fr-CA');
    expect(fr.status).toBe(503);
    expect(Number(fr.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(fr.headers.get('content-language')).toBe('fr-CA');
    const frBody = (await fr.json()) as { error: { code: string; message: string } };
    expect(frBody.error.code).toBe('starting');
    expect(frBody.error.message).toMatch(/démarre/);

    const en = await me('en');
    expect(en.status).toBe(503);
    expect(((await en.json()) as { error: { message: string } }).error.message).toMatch(/starting/);

    relay.open();
    // The background check retries with backoff (1 s doubling, at most 60 s): generous wait.
    const deadline = Date.now() + 180_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await me('fr-CA')).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(status).toBe(200);
    expect(host!.output()).toContain('residency.unverified');
  }, 240_000);
});
