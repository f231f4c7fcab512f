/**
 * Runs the Azure AI Search emulator as a process (for benchmarks or a second stack):
 *   node dist-dev/search-emulator/cli.js [--port 0] [--host 127.0.0.1] [--key K] [--query-key Q] [--data FILE]
 * Prints one JSON line {"ready":true,"port":N,"endpoint":"...","apiKey":"...","queryKey":"..."} on
 * stdout once listening; stops cleanly on SIGTERM/SIGINT. Keys are local development values
 * (random when not given); without --data the indexes live in memory.
 */
import { parseArgs } from 'node:util';
import { startSearchEmulator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      key: { type: 'string' },
      'query-key': { type: 'string' },
      data: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const emulator = await startSearchEmulator({ port, host: values.host, apiKey: values.key, queryKey: values['query-key'], dataFile: values.data });
  process.stdout.write(`${JSON.stringify({ ready: true, port: emulator.port, endpoint: emulator.endpoint, apiKey: emulator.apiKey, queryKey: emulator.queryKey })}\n`);
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
  process.stderr.write(`search-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
