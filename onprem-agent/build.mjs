// Builds the agent into ONE file, dist/agent.js, with the relay protocol (shared/relay) and the
// pure-JavaScript SDKs inside. Native or driver modules stay outside and are installed next to it
// by `npm install --omit=dev` (better-sqlite3 has a native addon; mssql loads drivers dynamically).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = process.env.AGENT_BUNDLE_OUT ?? path.join(here, 'dist/agent.js');
await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  // Deployed on Node 22 (engines); the syntax floor stays Node 20 so the agent still runs on a
  // workstation that only has 20 (see the README, "Requirements").
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  legalComments: 'linked',
  external: ['better-sqlite3', 'mssql'],
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
console.log(`built ${path.relative(process.cwd(), outfile)}`);
