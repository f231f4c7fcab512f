/**
 * Builds the Teams tab front end (web/src, TypeScript + React + Fluent UI) into dist/web:
 * index.html (never cached) and content-hashed ES modules under assets/ (cached for a year).
 * Pages are split into their own chunks so the shell loads only the page it shows.
 * Run by `npm run build` after tsc; `node web/build.mjs --watch` rebuilds on change.
 */
import { build, context } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const outdir = path.join(root, 'dist', 'web');

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: root,
  entryPoints: { main: 'web/src/main.tsx' },
  outdir: path.join(outdir, 'assets'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'edge110', 'safari16', 'firefox115'],
  minify: true,
  sourcemap: false,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[name]-[hash]',
  jsx: 'automatic',
  metafile: true,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  plugins: [
    {
      name: 'html',
      setup(b) {
        b.onEnd(async (result) => {
          if (result.errors.length || !result.metafile) return;
          await writeHtml(result.metafile);
        });
      },
    },
  ],
};

/** index.html from web/index.html with the hashed entry script; the page chunks load on demand. */
async function writeHtml(metafile) {
  const outputs = Object.entries(metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint === 'web/src/main.tsx');
  if (!entry) throw new Error('web build: entry output missing');
  const rel = (file) => path.relative(outdir, path.resolve(root, file)).split(path.sep).join('/');
  // The entry's static imports are needed at once: preloaded so they download in parallel.
  const preloads = entry[1].imports.filter((i) => i.kind === 'import-statement').map((i) => `<link rel="modulepreload" href="${rel(i.path)}">`);
  const template = await readFile(path.join(here, 'index.html'), 'utf8');
  const html = template.replace('<!--assets-->', [...preloads, `<script type="module" src="${rel(entry[0])}"></script>`].join('\n  '));
  await writeFile(path.join(outdir, 'index.html'), html);
  const chunks = outputs.filter(([f]) => f.endsWith('.js')).map(([f, o]) => ({ file: rel(f), bytes: o.bytes }));
  await writeFile(path.join(outdir, 'assets.json'), JSON.stringify({ entry: rel(entry[0]), chunks }, null, 1) + '\n');
}

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
  console.log('web: watching web/src');
} else {
  const started = Date.now();
  await build(options);
  console.log(`web: built dist/web in ${Date.now() - started} ms`);
}
