import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll } from 'vitest';
import { startServiceBusEmulator, type EmulatorConfig, type ServiceBusEmulator } from '../../dev/servicebus-emulator';

/** Queues used by the tests; short locks keep lock-expiry tests quick. */
export const testConfig: EmulatorConfig = {
  UserConfig: {
    Namespaces: [
      {
        Name: 'sbemulatorns',
        Queues: [
          { Name: 'basic', Properties: { MaxDeliveryCount: 10, LockDuration: 'PT1M' } },
          { Name: 'short-lock', Properties: { MaxDeliveryCount: 10, LockDuration: 'PT1S' } },
          { Name: 'max-delivery', Properties: { MaxDeliveryCount: 3, LockDuration: 'PT1M' } },
          { Name: 'ttl', Properties: { DefaultMessageTimeToLive: 'PT1S', DeadLetteringOnMessageExpiration: true } },
          { Name: 'ttl-drop', Properties: { DefaultMessageTimeToLive: 'PT1S', DeadLetteringOnMessageExpiration: false } },
          { Name: 'dedup', Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT2S' } },
          { Name: 'sessions', Properties: { RequiresSession: true, LockDuration: 'PT1M' } },
          { Name: 'short-sessions', Properties: { RequiresSession: true, LockDuration: 'PT1S' } },
          { Name: 'competing', Properties: { LockDuration: 'PT30S' } },
        ],
      },
    ],
  },
};

/** Starts an emulator (free port) and one SDK client for the test file. */
export function useEmulator(config: EmulatorConfig = testConfig): { emulator: () => ServiceBusEmulator; client: () => ServiceBusClient } {
  let emulator: ServiceBusEmulator | undefined;
  let client: ServiceBusClient | undefined;
  beforeAll(async () => {
    emulator = await startServiceBusEmulator({ config, sasKeyName: 'TestKey', sasKey: 'test-only-development-key' });
    client = new ServiceBusClient(emulator.connectionString, { retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 10_000 } });
  });
  afterAll(async () => {
    await client?.close();
    await emulator?.stop();
  });
  return { emulator: () => emulator!, client: () => client! };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
