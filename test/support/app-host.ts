import { inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { TokenIssuer } from '../../dev/token-issuer';

const ROOT = path.resolve(__dirname, '../..');

export interface AppHost {
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The real function app in the local host, as a child process, with the sample local settings
 * pointed at this run's Azurite and Cosmos emulators and the given token issuer. `env` adds or
 * replaces settings (another Service Bus, a Graph sandbox...).
 */
/**
 * This test file's own Durable task hub: test files run app hosts side by side on one Azurite, and a
 * host resumes every unfinished instance of its hub at start. Hosts restarted within a file (a
 * SIGKILL test) keep the same hub and resume their own instances.
 */
const TASK_HUB = `spgqtest${Math.random().toString(36).slice(2, 10)}`;

/** `options.port`: a fixed port (a test whose app must know its own URL, e.g. APP_PUBLIC_URL for Graph notifications); 0 by default. */
export async function startAppHost(issuer: TokenIssuer, env: Record<string, string> = {}, options: { port?: number } = {}): Promise<AppHost> {
  const sample = JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/host/cli.ts'), '--app', ROOT, '--port', String(options.port ?? 0)], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...sample.Values,
      AzureWebJobsStorage: inject('azurite').connectionString,
      CosmosDb: inject('cosmos').connectionString,
      AZURE_SEARCH_ENDPOINT: inject('search').endpoint,
      AZURE_SEARCH_API_KEY: inject('search').apiKey,
      AUTH_TENANT_ID: issuer.tenantId,
      AUTH_CLIENT_ID: issuer.clientId,
      AUTH_AUTHORITY: issuer.authority,
      DURABLE_TASK_HUB_NAME: TASK_HUB,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 45_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /\{"ready":true,"port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${out}`));
    });
  });
  return {
    baseUrl,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required for the browser tests: apt-get install chromium (looked for ${CHROMIUM})`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
