/**
 * ServiceBusAdministrationClient (ATOM over HTTPS) against the emulator, which serves AMQP only:
 * entities come from Config.json. The SDK turns every failure of queueExists into `false`, so the
 * emulator must make the refusal visible itself: at once, and in its log, naming what to do instead.
 */
import { ServiceBusAdministrationClient } from '@azure/service-bus';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useEmulator } from './support';

const { emulator } = useEmulator();

afterEach(() => vi.restoreAllMocks());

describe('Service Bus emulator: administration client', () => {
  it('refuses the HTTPS administration API at once with a clear message in its log (no AMQP protocol dump)', async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    const admin = new ServiceBusAdministrationClient(emulator().connectionString, { retryOptions: { maxRetries: 0 } });
    const error = await admin.getQueue('basic').then(() => undefined, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    // queueExists swallows every error into false (SDK behaviour); the log says why.
    expect(await admin.queueExists('basic')).toBe(false);
    const notice = logged.find((line) => line.includes('ServiceBusAdministrationClient'));
    expect(notice).toMatch(/Config\.json/);
    expect(notice).toMatch(/HTTPS/);
    expect(logged.some((line) => line.includes('Invalid protocol header'))).toBe(false);
  });

  it('answers a plain HTTP request with 501 and the same explanation', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const response = await fetch(`http://127.0.0.1:${emulator().port}/basic?api-version=2021-05`);
    expect(response.status).toBe(501);
    expect(await response.text()).toMatch(/Config\.json/);
  });
});
