/**
 * Benchmarks run each emulator in its own process, as the real services run on their own machines:
 * the app's process then does the app's work only, and each process's CPU time can be read apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildService<T> {
  ready: T;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts `script` (a bench/*.ts file) with one JSON argument; its first stdout line is a JSON ready message. */
export async function startChildService<T>(script: string, options: unknown): Promise<ChildService<T>> {
  // BENCH_CPU_PROFILE=<dir>: the child writes a V8 CPU profile there when it stops (for finding costs).
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(__dirname, script), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return {
    ready: JSON.parse(first) as T,
    pid: child.pid,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** The first match of `pattern` in a child's output (its ready line); rejects when it exits first or takes longer than `timeoutMs`. */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${out}`)));
  });
}

/** CPU time (user + system, ms) a process has used so far, all its threads; Linux /proc only. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    // Fields after the command name: utime and stime are the 12th and 13th (clock ticks, 100 Hz).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU used by each named process between start() and the returned function's call. */
export function cpuMeter(processes: Record<string, number | undefined>): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processCpuMs(pid)]));
  return () => {
    const used: Record<string, number> = {};
    for (const [name, pid] of Object.entries(processes)) {
      const now = processCpuMs(pid);
      const then = before[name];
      if (now !== undefined && then !== undefined) used[name] = now - then;
    }
    return used;
  };
}
