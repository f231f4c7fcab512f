/**
 * Local Azure Service Bus emulator (queues, topics and subscriptions, sessions, over AMQP 1.0) for the local stack and tests.
 * See docs/decisions/0002-servicebus-emulator.md for what it covers.
 */
import { randomBytes } from 'node:crypto';
import { Broker } from './broker';
import { entitySettings, loadConfig, type EmulatorConfig } from './config';
import type { QueueCounts } from './queue';

export type { EmulatorConfig } from './config';
export type { QueueCounts } from './queue';

export interface ServiceBusEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Config.json in the official emulator's shape, or its path. */
  config: EmulatorConfig | string;
  sasKeyName?: string;
  /** Development-only key; a random one is generated when omitted. */
  sasKey?: string;
}

export interface ServiceBusEmulator {
  port: number;
  connectionString: string;
  /** Message counts of a queue, or of a subscription as "topic/Subscriptions/name". */
  counts(queue: string): QueueCounts;
  stop(): Promise<void>;
}

export async function startServiceBusEmulator(options: ServiceBusEmulatorOptions): Promise<ServiceBusEmulator> {
  const sasKeyName = options.sasKeyName ?? 'RootManageSharedAccessKey';
  const sasKey = options.sasKey ?? randomBytes(32).toString('base64');
  const { queues, topics } = entitySettings(loadConfig(options.config));
  const broker = new Broker({ queues, topics, sasKeyName, sasKey });
  const port = await broker.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    port,
    connectionString: `Endpoint=sb://localhost:${port};SharedAccessKeyName=${sasKeyName};SharedAccessKey=${sasKey};UseDevelopmentEmulator=true`,
    counts(name: string): QueueCounts {
      const queue = broker.queue(name);
      if (!queue) throw new Error(`Unknown queue ${name}`);
      return queue.counts();
    },
    stop: () => broker.stop(),
  };
}
