import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AzureKeyCredential, SearchIndexClient } from '@azure/search-documents';

const ROOT = path.resolve(__dirname, '../..');

/** The emulator as a process: one ready line with its endpoint and keys, a clean stop on SIGTERM. */
describe('Search emulator: command line', () => {
  it('prints where it listens, serves the SDK with the given key, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/search-emulator/cli.ts'), '--key', 'cli-key'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const ready = await new Promise<{ endpoint: string; apiKey: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within 45 s:\n${out}`)), 45_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = /\{"ready":true.*\}/.exec(out);
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line[0]) as { endpoint: string; apiKey: string });
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
    });
    try {
      expect(ready.apiKey).toBe('cli-key');
      const client = new SearchIndexClient(ready.endpoint, new AzureKeyCredential('cli-key'), { allowInsecureConnection: true });
      await client.createIndex({ name: 'cli', fields: [{ name: 'id', type: 'Edm.String', key: true }] });
      expect((await client.getIndex('cli')).name).toBe('cli');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
