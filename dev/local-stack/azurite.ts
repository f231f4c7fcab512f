import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Azurite's published development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Explicit connection string: `UseDevelopmentStorage=true` would assume ports 10000-10002. */
  connectionString: string;
  /** The Azurite process (benchmarks read its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** 0 (default) lets the OS choose free ports. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Folder to keep data in between runs; in-memory when absent. */
  location?: string;
  /** Node options for the Azurite process (a benchmark's --cpu-prof). */
  nodeArgs?: string[];
}

export function azuriteConnectionString(host: string, ports: { blob: number; queue: number; table: number }): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=http://${host}:${ports.blob}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=http://${host}:${ports.queue}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=http://${host}:${ports.table}/${AZURITE_ACCOUNT}`,
  ].join(';');
}

/**
 * Starts Azurite as a child process. Node is spawned directly (not through npx, whose child would
 * outlive a kill) with telemetry off; the ports it bound are read from its stdout.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const script = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/azurite.js');
  const args = [
    ...(options.nodeArgs ?? []),
    script,
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--blobHost', '127.0.0.1',
    '--queueHost', '127.0.0.1',
    '--tableHost', '127.0.0.1',
    '--blobPort', String(options.blobPort ?? 0),
    '--queuePort', String(options.queuePort ?? 0),
    '--tablePort', String(options.tablePort ?? 0),
  ];
  if (options.location) {
    mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ports = await readPorts(child);
  return {
    blobPort: ports.blob,
    queuePort: ports.queue,
    tablePort: ports.table,
    connectionString: azuriteConnectionString('127.0.0.1', ports),
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

function readPorts(child: ChildProcess): Promise<{ blob: number; queue: number; table: number }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const found: Record<string, number> = {};
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within 15 s: ${err || out}`)), 15_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => fail(new Error(`Azurite exited with code ${code}: ${err || out}`)));
    const onData = (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g)) {
        found[m[1]!.toLowerCase()] = Number(m[2]);
      }
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        // Stop reading for ports: Azurite prints again when it shuts down, and running this branch
        // then would remove the 'exit' listener stopChild() waits on. Keep draining the pipe.
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ blob: found.blob, queue: found.queue, table: found.table });
      }
    };
    child.stdout?.on('data', onData);
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
