import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const FIXTURES = path.join(__dirname, 'fixtures');

export interface HostProcess {
  port: number;
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** JSON lines the fixture app recorded as side effects. */
  events<T = Record<string, unknown>>(): T[];
  eventsFile: string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Starts the local host CLI on a fixture app as a child process (as `npm start` and the e2e test do),
 * with the app settings in its environment. Resolves once it prints its ready line.
 */
export async function startHostProcess(options: { app: string; env?: Record<string, string>; eventsFile?: string; port?: number }): Promise<HostProcess> {
  const eventsFile = options.eventsFile ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'host-test-')), 'events.jsonl');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/host/cli.ts'), '--app', path.join(FIXTURES, options.app), '--port', String(options.port ?? 0)], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, FIXTURE_EVENTS_FILE: eventsFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 30_000);
    const onData = () => {
      const m = /\{"ready":true,"port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    eventsFile,
    output: () => out,
    events<T>() {
      if (!existsSync(eventsFile)) return [];
      return readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
    },
    async waitForOutput(pattern, timeoutMs = 15_000) {
      await waitFor(() => pattern.test(out), timeoutMs, `output matching ${pattern}:\n${out}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}
