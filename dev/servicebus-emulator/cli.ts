/**
 * Runs the Service Bus emulator as a process:
 *   node dist-dev/servicebus-emulator/cli.js --config dev/local-stack/servicebus-config.json [--port 5672] [--key-name K] [--key V]
 * Prints one JSON line {"ready":true,"port":N,"connectionString":"..."} on stdout once listening;
 * stops cleanly on SIGTERM/SIGINT. The key is a local development value (random when not given).
 */
import { parseArgs } from 'node:util';
import { startServiceBusEmulator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      'key-name': { type: 'string' },
      key: { type: 'string' },
    },
  });
  if (!values.config) {
    process.stderr.write('usage: cli.js --config <Config.json> [--port N] [--host H] [--key-name NAME] [--key KEY]\n');
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const emulator = await startServiceBusEmulator({
    port,
    host: values.host,
    config: values.config,
    sasKeyName: values['key-name'],
    sasKey: values.key,
  });
  process.stdout.write(`${JSON.stringify({ ready: true, port: emulator.port, connectionString: emulator.connectionString })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`servicebus-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
