/**
 * `npm run test:stress [vitest arguments]`: the test suite (or the files named) with a CPU hog
 * beside it, one busy worker thread per core for the whole run, so timing that only a quiet machine
 * meets fails here rather than on a shared CI runner. Exits with vitest's own code.
 *
 * Also `tsx dev/stress/test-under-load.ts --hog-only <seconds>`: the hog alone, for running a
 * command of one's own beside it.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** Each worker spins until told to stop: pure CPU, no memory growth, no I/O. */
const SPIN = `
const { parentPort } = require('node:worker_threads');
let stop = false;
parentPort.on('message', () => { stop = true; });
function spin() {
  const until = Date.now() + 50;
  let x = 0;
  while (Date.now() < until) x = (x * 1103515245 + 12345) % 2147483648;
  if (!stop) setImmediate(spin);
  else process.exit(0);
}
spin();
`;

export function startCpuHog(workers = availableParallelism()): { workers: number; stop(): Promise<void> } {
  const threads = Array.from({ length: workers }, () => new Worker(SPIN, { eval: true }));
  return {
    workers,
    async stop() {
      await Promise.all(
        threads.map(
          (t) =>
            new Promise<void>((resolve) => {
              t.once('exit', () => resolve());
              t.postMessage('stop');
              setTimeout(() => void t.terminate().then(() => resolve()), 2_000).unref();
            }),
        ),
      );
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--hog-only') {
    const seconds = Number(args[1] ?? 60);
    const hog = startCpuHog();
    console.log(`cpu hog: ${hog.workers} busy workers for ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await hog.stop();
    return;
  }
  const hog = startCpuHog();
  console.log(`test:stress: ${hog.workers} busy workers (one per core) beside vitest ${args.join(' ')}`.trim());
  const root = path.resolve(__dirname, '../..');
  const vitest = spawn(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...args], { cwd: root, stdio: 'inherit' });
  const stopBoth = (signal: NodeJS.Signals) => vitest.kill(signal);
  process.once('SIGINT', stopBoth);
  process.once('SIGTERM', stopBoth);
  const code = await new Promise<number>((resolve) => vitest.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  await hog.stop();
  process.exitCode = code;
}

if (require.main === module) void main();
