import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, Record<string, string>>;

/**
 * Azure Functions runs the app on the Node version the deployment names; Node 20 is out of support
 * there, so the app, the on-prem agent and the types the code is checked against all say 22.
 */
describe('Node version', () => {
  it('is 22 for the app, its types and the on-prem agent', () => {
    const app = json('package.json');
    expect(app.engines!.node).toBe('>=22');
    expect(app.devDependencies!['@types/node']).toMatch(/^[~^]?22\./);
    expect(json('onprem-agent/package.json').engines!.node).toBe('>=22');
    const lock = json('package-lock.json') as unknown as { packages: Record<string, { version: string }> };
    expect(lock.packages['node_modules/@types/node']!.version).toMatch(/^22\./);
  });
});
