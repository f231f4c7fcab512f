/**
 * `npm start` to the first 200 from GET /api/health: build (tsc, always a full compile), the
 * emulators, the token issuer, the Microsoft 365 sandbox and the app in the local host. Ports are
 * chosen free and the stack's folder is a temporary one, so a running `npm start` is not disturbed.
 * Reports each run and the median.
 *
 *   npm run bench:start [-- --runs 3]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', existsSync(path.resolve(__dirname, '..', 'package.json')) ? '' : '..');
const runsArg = process.argv.indexOf('--runs');
const runs = Math.max(1, runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3);

async function once(): Promise<number> {
  const localDir = mkdtempSync(path.join(os.tmpdir(), 'bench-start-'));
  const env = {
    ...process.env, LOCAL_STACK_DIR: localDir,
    FUNCTIONS_HTTP_PORT: '0', AZURITE_BLOB_PORT: '0', AZURITE_QUEUE_PORT: '0', AZURITE_TABLE_PORT: '0',
    COSMOS_PORT: '0', SERVICEBUS_PORT: '0', M365_SANDBOX_PORT: '0', TOKEN_ISSUER_PORT: '0',
  };
  const started = performance.now();
  // npm start's own command line, so the build is measured too.
  const child = spawn('npm', ['start', '--silent'], { cwd: root, env, stdio: 'ignore', detached: true });
  const stackFile = path.join(localDir, 'stack.json');
  try {
    for (;;) {
      if (performance.now() - started > 120_000) throw new Error('npm start did not answer within 120 s');
      if (existsSync(stackFile)) {
        const { functions } = JSON.parse(readFileSync(stackFile, 'utf8')) as { functions: { health: string } };
        const status = await fetch(functions.health).then((r) => r.status, () => 0);
        if (status === 200) return performance.now() - started;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    // npm, the stack and the host share a process group: stop them all as Ctrl-C would.
    process.kill(-child.pid!, 'SIGINT');
    await new Promise((r) => child.once('exit', r));
    rmSync(localDir, { recursive: true, force: true });
  }
}

async function main() {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ms = await once();
    times.push(ms);
    process.stdout.write(`run ${i + 1}: ${(ms / 1000).toFixed(1)} s\n`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  process.stdout.write(`npm start -> GET /api/health 200: median ${(median / 1000).toFixed(1)} s over ${runs} run(s) on ${os.availableParallelism()} cores (load ${os.loadavg()[0]!.toFixed(1)})\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
