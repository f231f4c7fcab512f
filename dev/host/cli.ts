/**
 * Runs a v4-model Functions app in the local host:
 *   node dist-dev/host/cli.js [--app <folder>] [--port 7071]
 * App settings come from the environment (and `Values` of the app's local.settings.json when present,
 * without overriding the environment). Prints `{"ready":true,"port":N}` once listening.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startHost } from './host';

async function main() {
  const { values } = parseArgs({ options: { app: { type: 'string' }, port: { type: 'string' } } });
  const appDir = path.resolve(values.app ?? process.cwd());
  const settingsFile = path.join(appDir, 'local.settings.json');
  if (existsSync(settingsFile)) {
    const values = (JSON.parse(readFileSync(settingsFile, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
    for (const [k, v] of Object.entries(values)) process.env[k] ??= v;
  }
  const host = await startHost({ appDir, port: Number(values.port ?? process.env.FUNCTIONS_HTTP_PORT ?? 7071) });
  process.stdout.write(JSON.stringify({ ready: true, port: host.port }) + '\n');
  // Like the Functions host, shutdown is graceful within a limit: in-flight invocations and
  // listeners get HOST_SHUTDOWN_SECONDS (default 10) to finish, then the process exits anyway.
  const shutdown = () => {
    const limit = Number(process.env.HOST_SHUTDOWN_SECONDS ?? 10) * 1000;
    setTimeout(() => {
      process.stderr.write(`The host did not stop within ${limit / 1000} s; exiting.\n`);
      process.exit(1);
    }, limit);
    void host.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`The host stopped with an error: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`The host could not start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
