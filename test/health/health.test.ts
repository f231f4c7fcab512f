import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startCosmosEmulator, type CosmosEmulatorInstance } from '../../dev/local-stack/cosmos';
import { health } from '../../functions/platform/health';
import { useAppEnvironment, httpRequest, invocation } from '../support/app-env';
import type { HealthReport } from '../../shared/platform/health/health-report';

let issuer: TokenIssuer;
let bus: ServiceBusEmulator;
let foreignCosmos: CosmosEmulatorInstance;

beforeAll(async () => {
  [issuer, bus, foreignCosmos] = await Promise.all([
    startTokenIssuer(),
    startServiceBusEmulator({ config: path.resolve(__dirname, '../../dev/local-stack/servicebus-config.json') }),
    startCosmosEmulator({ locations: ['West Europe'] }),
  ]);
});
afterAll(async () => {
  await Promise.all([issuer.stop(), bus.stop(), foreignCosmos.stop()]);
});

async function check() {
  const response = await health(httpRequest({ url: 'http://localhost:7071/api/health' }), invocation('health').context);
  return { status: response.status, report: response.jsonBody as HealthReport, raw: JSON.stringify(response.jsonBody) };
}

describe('GET /api/health', () => {
  it('reports every dependency healthy on the local stack, with the version, without a token', async () => {
    await useAppEnvironment(issuer, { ServiceBusConnection: bus.connectionString });
    const { status, report } = await check();
    expect(report.checks).toEqual({
      residency: expect.objectContaining({ status: 'ok' }),
      storage: expect.objectContaining({ status: 'ok' }),
      cosmos: expect.objectContaining({ status: 'ok' }),
      serviceBus: expect.objectContaining({ status: 'ok' }),
      graph: expect.objectContaining({ status: 'ok' }),
      archiveIntegrity: expect.objectContaining({ status: 'ok' }),
    });
    expect(status).toBe(200);
    expect(report.status).toBe('healthy');
    expect(report.version).toBe('0.1.0');
  });

  it('names an unreachable dependency without leaking its configuration', async () => {
    await useAppEnvironment(issuer, { ServiceBusConnection: 'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;UseDevelopmentEmulator=true' });
    const { status, report, raw } = await check();
    expect(status).toBe(503);
    expect(report.status).toBe('unhealthy');
    expect(report.checks.serviceBus).toMatchObject({ status: 'failed' });
    expect(['unreachable', 'timeout']).toContain(report.checks.serviceBus!.reason);
    expect(report.checks.storage!.status).toBe('ok');
    for (const secretish of ['localhost', '127.0.0.1', 'AccountKey', 'c2VjcmV0', issuer.authority]) expect(raw).not.toContain(secretish);
  });

  it('reports a residency violation (and still answers, since health is how operators see it)', async () => {
    await useAppEnvironment(issuer, { ServiceBusConnection: bus.connectionString, CosmosDb: foreignCosmos.connectionString });
    const { status, report } = await check();
    expect(status).toBe(503);
    expect(report.checks.residency).toMatchObject({ status: 'failed', reason: 'violation' });
  });
});

describe('health checks', () => {
  it('gives up on a probe that hangs, and keeps no error text', async () => {
    const { runHealthChecks, classifyDependencyFailure } = await import('../../shared/platform/health/health-report');
    const report = await runHealthChecks(
      '9.9.9',
      { hangs: () => new Promise(() => {}), fails: () => Promise.reject(Object.assign(new Error('secret host db.internal'), { statusCode: 403 })), fine: async () => 1 },
      classifyDependencyFailure,
      50,
    );
    expect(report.checks).toEqual({
      hangs: expect.objectContaining({ status: 'failed', reason: 'timeout' }),
      fails: expect.objectContaining({ status: 'failed', reason: 'unauthorized' }),
      fine: expect.objectContaining({ status: 'ok' }),
    });
    expect(JSON.stringify(report)).not.toContain('db.internal');
  });
});

describe('health report caching', () => {
  it('keeps a healthy report for a while, but probes again soon after an unhealthy one', async () => {
    const { currentHealth } = await import('../../shared/platform/adapters/dependency-probes');
    const { settings } = await import('../../shared/platform/settings');
    await useAppEnvironment(issuer, { ServiceBusConnection: bus.connectionString });
    const healthy = await currentHealth(settings(), {}, 10_000, 50);
    expect(healthy.status).toBe('healthy');
    await new Promise((r) => setTimeout(r, 120));
    expect(await currentHealth(settings(), {}, 10_000, 50)).toBe(healthy);

    await useAppEnvironment(issuer, { ServiceBusConnection: 'Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;UseDevelopmentEmulator=true' });
    const unhealthy = await currentHealth(settings(), {}, 10_000, 50);
    expect(unhealthy.status).toBe('unhealthy');
    await new Promise((r) => setTimeout(r, 120));
    expect(await currentHealth(settings(), {}, 10_000, 50)).not.toBe(unhealthy);
  });
});
