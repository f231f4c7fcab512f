import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { packageApp } from '../../dev/package-app';
import { azureEnv } from '../support/settings-env';

const ROOT = path.resolve(__dirname, '../..');

/** Unzips with yauzl, refusing entry names that would leave the folder. */
async function unzip(zipPath: string, into: string): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(zipPath, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z))));
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const target = path.resolve(into, entry.fileName);
      if (!target.startsWith(into + path.sep)) return reject(new Error(`zip entry outside the folder: ${entry.fileName}`));
      names.push(entry.fileName);
      if (entry.fileName.endsWith('/')) return zip.readEntry();
      mkdirSync(path.dirname(target), { recursive: true });
      zip.openReadStream(entry, (e, stream) => {
        if (e) return reject(e);
        pipeline(stream, createWriteStream(target)).then(() => zip.readEntry(), reject);
      });
    });
    zip.readEntry();
  });
  zip.close();
  return names;
}

/** The functions an app folder registers when the local host's loader loads its entry, in a clean process with the given settings. */
function registeredFunctions(appDir: string, env: Record<string, string>): { name: string; trigger: string }[] {
  const script = `const { loadApp } = require(${JSON.stringify(path.join(ROOT, 'dev/host/app-loader.ts'))});
const app = loadApp(process.argv[1]);
process.stdout.write(JSON.stringify([...app.registry.functions.values()].map((f) => ({ name: f.name, trigger: f.triggerType }))));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script, appDir], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return (JSON.parse(out) as { name: string; trigger: string }[]).sort((a, b) => a.name.localeCompare(b.name));
}

describe('npm run package', () => {
  let dir: string;
  let entries: string[];

  beforeAll(async () => {
    // dist/ is built by `npm test` (and `npm run package`) before this runs. Packing ~35,000 files takes
    // about a minute on a quiet machine, several on a loaded one: a generous bound.
    const { zip } = await packageApp();
    dir = mkdtempSync(path.join(tmpdir(), 'spgq-package-'));
    entries = await unzip(zip, dir);
  }, 600_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('holds the compiled app, the Teams tab, config, host.json and production modules only', () => {
    const has = (name: string) => entries.includes(name);
    for (const name of ['package.json', 'host.json', 'dist/functions/index.js', 'dist/web/index.html', 'config/retention-rules.json', 'node_modules/@azure/functions/package.json', 'node_modules/durable-functions/package.json']) {
      expect(has(name), name).toBe(true);
    }
    const top = new Set(entries.map((e) => e.split('/')[0]));
    for (const absent of ['dev', 'bench', 'test', 'functions', 'shared', 'orchestrations', 'web', 'infra', 'onprem-agent', 'dist-dev', 'local.settings.sample.json', 'tsconfig.json']) {
      expect(top.has(absent), absent).toBe(false);
    }
    expect(entries.filter((e) => e.endsWith('.map'))).toEqual([]);
    // Build and test tooling stays out (a few type packages may come in as production dependencies of dependencies).
    for (const tool of ['typescript', 'vitest', 'eslint', 'esbuild', 'tsx', 'azurite', 'playwright-core', '@vercel/cosmosdb-server', 'dependency-cruiser', 'react']) {
      expect(has(`node_modules/${tool}/package.json`), tool).toBe(false);
    }
    const deployed = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(deployed.main).toBe('dist/functions/index.js');
    expect(deployed).not.toHaveProperty('devDependencies');
    expect(deployed).not.toHaveProperty('scripts');
  });

  it('loads in the local host from the unzipped package with production-shaped settings, registering every function', () => {
    const production = { ...azureEnv, ARCHIVE_SCOPE_GROUP: 'Archivage-Courriels', ARCHIVE_IMMUTABILITY: 'locked' };
    const packaged = registeredFunctions(dir, production);
    const fromCheckout = registeredFunctions(ROOT, production);
    expect(packaged.length).toBeGreaterThan(40);
    expect(packaged).toEqual(fromCheckout);
    for (const trigger of ['httptrigger', 'timertrigger', 'servicebustrigger', 'orchestrationtrigger', 'activitytrigger']) {
      expect(packaged.some((f) => f.trigger === trigger), trigger).toBe(true);
    }
  }, 120_000);
});
