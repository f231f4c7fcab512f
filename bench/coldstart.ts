/**
 * Cold start: how long a fresh Node process takes to load the compiled function entry (every
 * registration), next to `node -e 0` and to loading only the libraries every registration needs
 * (@azure/functions, durable-functions, zod: the floor). Interleaved runs, medians, ratio to the floor.
 * Heavy SDKs (Cosmos, Service Bus, Storage, Identity, Graph) must stay off this path until first use.
 *
 *   npm run bench:coldstart [-- --runs 15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', existsSync(path.resolve(__dirname, '..', 'package.json')) ? '' : '..');
const runsArg = process.argv.indexOf('--runs');
const runs = Math.max(10, runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15);
const entry = path.join(root, (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string }).main);
if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);

const sample = JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
const env = { PATH: process.env.PATH ?? '', ...sample.Values };

const subjects = {
  node: '0',
  floor: "require('@azure/functions'); require('durable-functions'); require('zod');",
  entry: `require(${JSON.stringify(entry)});`,
};

function timeOnce(code: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-e', code], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`failed to load (${code}): ${result.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// One warm-up each (file system cache), then interleaved runs so drift hits all three alike.
for (const code of Object.values(subjects)) timeOnce(code);
const samples: Record<keyof typeof subjects, number[]> = { node: [], floor: [], entry: [] };
for (let i = 0; i < runs; i++) {
  for (const [name, code] of Object.entries(subjects) as [keyof typeof subjects, string][]) samples[name].push(timeOnce(code));
}

// Which heavy SDKs does loading the entry pull in? (Should be none.)
const heavy = ['@azure/cosmos', '@azure/service-bus', '@azure/storage-blob', '@azure/identity', '@azure/data-tables', '@microsoft/microsoft-graph-client', 'jose'];
const probe = spawnSync(
  process.execPath,
  ['-e', `require(${JSON.stringify(entry)}); const loaded = Object.keys(require.cache); console.log(JSON.stringify(${JSON.stringify(heavy)}.filter((p) => loaded.some((f) => f.includes('/node_modules/' + p + '/')))));`],
  { cwd: root, env, encoding: 'utf8' },
);
const heavyLoaded = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '[]') as string[];

const result = {
  entry_ms: Number(median(samples.entry).toFixed(1)),
  node_ms: Number(median(samples.node).toFixed(1)),
  floor_ms: Number(median(samples.floor).toFixed(1)),
  ratio_vs_floor: Number((median(samples.entry) / median(samples.floor)).toFixed(3)),
};
console.log(`cold start over ${runs} interleaved runs each (median wall time of a fresh node process):`);
console.log(`  node -e 0                        ${result.node_ms} ms`);
console.log(`  floor (functions, durable, zod)  ${result.floor_ms} ms`);
console.log(`  function entry (${path.relative(root, entry)})  ${result.entry_ms} ms`);
console.log(`  entry / floor                    ${result.ratio_vs_floor} (target <= 1.5)`);
console.log(`  heavy SDKs loaded by the entry   ${heavyLoaded.length ? heavyLoaded.join(', ') : 'none'}`);
console.log(JSON.stringify(result));
