import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './host-process';

const ROOT = path.resolve(__dirname, '../..');
const START = path.join(ROOT, 'dist-dev/local-stack/start.js');

interface Stack { pid: number; functions: { baseUrl: string; health: string }; demoUser: { oid: string; bearerToken: string }; settings: Record<string, string> }

/** What `npm start` runs after its build: the stack and the real app, on free ports here. */
describe('npm start (dist-dev/local-stack/start.js)', () => {
  const localDir = mkdtempSync(path.join(os.tmpdir(), 'stack-test-'));
  const env = {
    ...process.env,
    LOCAL_STACK_DIR: localDir,
    FUNCTIONS_HTTP_PORT: '0', AZURITE_BLOB_PORT: '0', AZURITE_QUEUE_PORT: '0', AZURITE_TABLE_PORT: '0',
    COSMOS_PORT: '0', SERVICEBUS_PORT: '0', M365_SANDBOX_PORT: '0', TOKEN_ISSUER_PORT: '0', SEARCH_PORT: '0',
  };
  let first: ChildProcess;
  let out = '';

  beforeAll(async () => {
    // The app's entry and the stack script are compiled output, as npm start builds them. `npm test`
    // builds first; rebuilding here while other test files run from dist/ could pull files from under
    // them, so only a missing build is made.
    if (!existsSync(START) || !existsSync(path.join(ROOT, 'dist/functions/index.js'))) {
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
      } catch {
        // Type errors elsewhere in the tree still leave the emitted JavaScript; the checks below need only that.
      }
    }
    expect(existsSync(START)).toBe(true);
    first = spawn(process.execPath, [START], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    first.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    first.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('Local stack ready'), 40_000, `the stack to start:\n${out}`);
  }, 90_000);
  afterAll(() => {
    if (first.exitCode === null) first.kill('SIGKILL');
  });

  const stack = () => JSON.parse(readFileSync(path.join(localDir, 'stack.json'), 'utf8')) as Stack;

  it('writes the endpoints to stack.json and serves the app with the stack settings', async () => {
    const s = stack();
    expect(s.pid).toBe(first.pid);
    expect(s.settings).toMatchObject({ LOCAL_MODE: 'true', DEPLOYMENT_REGION: 'canadacentral', COSMOS_DATABASE: 'spgq' });
    expect(s.settings.AzureWebJobsStorage).toMatch(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/);
    // Right after start the app is also running its first archive capture: on a loaded machine a
    // dependency probe can miss its 3 s limit once. Ready means healthy within the start budget.
    let report: unknown;
    await waitFor(async () => {
      const health = await fetch(s.functions.health);
      report = await health.json();
      return health.status === 200;
    }, 20_000, 'a healthy report').catch((e: Error) => {
      throw new Error(`${e.message}; last report: ${JSON.stringify(report)}`);
    });
    expect(report).toMatchObject({ status: 'healthy' });
  });

  it('hands the app the Azure AI Search emulator, which answers with the key it is given', async () => {
    const s = stack();
    const endpoint = s.settings.AZURE_SEARCH_ENDPOINT;
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const list = await fetch(`${endpoint}/indexes?api-version=2026-04-01`, { headers: { 'api-key': s.settings.AZURE_SEARCH_API_KEY! } });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ value: expect.any(Array) });
    const refused = await fetch(`${endpoint}/indexes?api-version=2026-04-01`, { headers: { 'api-key': 'not-the-key' } });
    expect(refused.status).toBe(403);
  });

  it('prints a bearer token the app accepts for the demo user', async () => {
    const s = stack();
    expect(out).toContain(s.demoUser.bearerToken);
    const me = await fetch(`${s.functions.baseUrl}/api/me`, { headers: { authorization: `Bearer ${s.demoUser.bearerToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ oid: s.demoUser.oid });
  });

  it('refuses a second start while one runs, saying so', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [START], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toContain(`The local stack is already running (pid ${first.pid}`);
  });

  it('stops every part on SIGTERM and leaves no lock behind', async () => {
    const { functions, settings } = stack();
    const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(settings.AzureWebJobsStorage!)![1]!;
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    first.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(path.join(localDir, 'stack.lock'))).toBe(false);
    expect(existsSync(path.join(localDir, 'stack.json'))).toBe(false);
    await expect(fetch(functions.health)).rejects.toThrow();
    await expect(fetch(blobEndpoint)).rejects.toThrow(); // Azurite, a child process, is gone too
  });
});
