import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, startM365Sandbox } from './index';

/**
 * Runs the Microsoft 365 sandbox as a process:
 *   node dist-dev/m365-sandbox/cli.js [--port 0] [--seed N] [--scale-mailboxes N] [--scale-staff N] [--scale-messages N]
 *     [--time-scale N] [--team-lag-ms N] [--no-throttling] [--data-dir DIR] [--ca-out FILE]
 * Prints one JSON line {"ready":true,...} once listening; stops cleanly on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      'scale-mailboxes': { type: 'string' },
      'scale-staff': { type: 'string' },
      'scale-messages': { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      'team-lag-ms': { type: 'string' },
      'no-throttling': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'ca-out': { type: 'string' },
    },
    strict: true,
  });
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
    return n;
  };
  const sandbox = await startM365Sandbox({
    port: number('port', values.port),
    seed: number('seed', values.seed),
    scale: { mailboxes: number('scale-mailboxes', values['scale-mailboxes']), staff: number('scale-staff', values['scale-staff']), messagesPerMailbox: number('scale-messages', values['scale-messages']) },
    timeScale: number('time-scale', values['time-scale']),
    teamReplicationLagMs: number('team-lag-ms', values['team-lag-ms']),
    throttling: !values['no-throttling'],
    dataDir: values['data-dir'],
  });
  const caCertFile = values['ca-out'] ?? path.join(values['data-dir'] ?? os.tmpdir(), `m365-sandbox-${new URL(sandbox.baseUrl).port}-ca.pem`);
  writeFileSync(caCertFile, sandbox.caCertPem);
  process.stdout.write(`${JSON.stringify({ ready: true, baseUrl: sandbox.baseUrl, graphBaseUrl: sandbox.graphBaseUrl, controlUrl: sandbox.controlUrl, caCertFile, pid: process.pid })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sandbox.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`m365-sandbox: ${(error as Error).message}\n`);
  process.exit(1);
});
