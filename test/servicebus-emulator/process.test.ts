import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { delay, useEmulator } from './support';

const root = join(__dirname, '..', '..');
const { client, emulator } = useEmulator();

function runTs(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function firstJsonLine(child: ChildProcess): Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    lines.close();
    return JSON.parse(line) as Record<string, unknown>;
  }
  throw new Error('process ended without output');
}

describe('Service Bus emulator as a process', () => {
  it('CLI prints a ready line with a working connection string and stops on SIGTERM', async () => {
    const child = runTs('dev/servicebus-emulator/cli.ts', ['--port', '0', '--config', 'dev/local-stack/servicebus-config.json', '--key-name', 'LocalKey', '--key', 'local-dev-key']);
    try {
      const ready = await firstJsonLine(child);
      expect(ready.ready).toBe(true);
      expect(ready.port).toBeGreaterThan(0);
      expect(ready.connectionString).toBe(`Endpoint=sb://localhost:${String(ready.port)};SharedAccessKeyName=LocalKey;SharedAccessKey=local-dev-key;UseDevelopmentEmulator=true`);
      const sbClient = new ServiceBusClient(ready.connectionString as string);
      await sbClient.createSender('relay-requests').sendMessages({ body: { demande: 'ping' } });
      const receiver = sbClient.createReceiver('relay-requests', { receiveMode: 'receiveAndDelete' });
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      expect(message?.body).toEqual({ demande: 'ping' });
      const replies = await sbClient.acceptSession('relay-replies', 'corr-1').then(
        (r) => r.close().then(() => 'accepted'),
        (e: Error) => e.message,
      );
      expect(replies).toBe('accepted');
      await sbClient.close();
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('CLI refuses to start without --config', async () => {
    const child = runTs('dev/servicebus-emulator/cli.ts', []);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
  });

  it('locks held by a killed client are released when they expire, and the messages are redelivered', async () => {
    await client().createSender('short-lock').sendMessages([{ body: 'k1' }, { body: 'k2' }, { body: 'k3' }]);
    const holder = runTs('test/servicebus-emulator/fixtures/hold-locks.ts', [], {
      SB_CONNECTION_STRING: emulator().connectionString,
      SB_QUEUE: 'short-lock',
      SB_COUNT: '3',
    });
    expect(await firstJsonLine(holder)).toEqual({ held: 3 });
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    expect(emulator().counts('short-lock').active).toBe(3);
    const receiver = client().createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    await delay(1200);
    const got = [];
    while (got.length < 3) {
      const batch = await receiver.receiveMessages(3 - got.length, { maxWaitTimeInMs: 3000 });
      expect(batch.length).toBeGreaterThan(0);
      got.push(...batch);
    }
    expect(got.map((m) => m.body).sort()).toEqual(['k1', 'k2', 'k3']);
    expect(got.every((m) => m.deliveryCount === 1)).toBe(true);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
    expect(emulator().counts('short-lock').active).toBe(0);
  });
});
