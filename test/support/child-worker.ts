import { spawn } from 'node:child_process';

/**
 * Runs a TypeScript worker in a child process until it exits, for crash tests whose worker kills
 * itself (SIGKILL) at a chosen point: says whether it was killed or exited, with its output.
 */
export function runWorker(script: string, env: Record<string, string | undefined> = {}): Promise<{ outcome: 'killed' | 'exited'; code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ outcome: signal === 'SIGKILL' ? 'killed' : 'exited', code, out }));
  });
}
