import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface LockHolder {
  pid: number;
  startedAt: string;
}

export type StackLock = { acquired: true; file: string } | { acquired: false; file: string; holder: LockHolder };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the stack's lock file, or reports who holds it. A lock left by a process that no longer
 * exists (killed with SIGKILL, machine restarted) is taken over.
 */
export function acquireStackLock(file: string): StackLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }), { flag: 'wx' });
      return { acquired: true, file };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: LockHolder | undefined;
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    } catch {
      holder = undefined;
    }
    if (holder && isAlive(holder.pid)) return { acquired: false, file, holder };
    rmSync(file, { force: true });
  }
  throw new Error(`Could not take the lock ${file}`);
}
