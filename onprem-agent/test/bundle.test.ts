import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startRelayStack, STAFF, type RelayStack } from '../../test/relay/support';

/**
 * The deployable artefact: `node onprem-agent/build.mjs` makes one file, dist/agent.js, that
 * carries the protocol and the SDKs (better-sqlite3 and mssql stay outside). It must validate its
 * config and serve requests on its own.
 */
const AGENT_DIR = path.resolve(__dirname, '..');
const BUNDLE = path.join(AGENT_DIR, 'dist/agent.js');
let stack: RelayStack;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(AGENT_DIR, 'build.mjs')], { stdio: 'pipe' });
  stack = await startRelayStack();
}, 90_000);
afterAll(async () => stack?.stop());

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('agent bundle', () => {
  it('is one file with the protocol inside and the native modules outside', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    expect(text).toContain('spgq-relay-request-v1');
    expect(text).toMatch(/require\("better-sqlite3"\)/);
    expect(text).not.toContain('/shared/relay/protocol');
  });

  it('stops with exit code 2 and names the wrong setting', async () => {
    const config = JSON.parse(readFileSync(stack.relay.configPath, 'utf8')) as { concurrency: number; archive: { root?: string } };
    config.concurrency = 1000;
    delete config.archive.root;
    const file = path.join(stack.dir, 'broken-config.json');
    writeFileSync(file, JSON.stringify(config));
    const { code, output } = await run(['--config', file]);
    expect(code).toBe(2);
    expect(output).toMatch(/- concurrency: /);
    expect(output).toMatch(/- archive\.root: missing/);
  });

  it('serves a request and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BUNDLE, '--config', stack.relay.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 200 && !output.includes('agent.ready'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(output).toContain('agent.ready');
    const result = await stack.client.call('lookupMember', { memberNumber: 'M00002' }, STAFF, 10_000);
    expect(result.kind === 'replied' && result.reply.outcome).toBe('ok');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
