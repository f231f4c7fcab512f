/**
 * `npm run package`: the deployable zip of the function app (dist-package/spgq-functions.zip), as
 * Azure Functions runs it from a package: package.json (its `main` is the entry), host.json, the
 * compiled app and the Teams tab (dist/), config/, and the production node_modules only. What
 * .funcignore names stays out. Run after `npm run build` (the npm script does both).
 *
 * Production modules are copied from this checkout's node_modules as `npm ls --omit=dev` lists
 * them, so packaging needs no network; the zip's entries have a fixed date so the same tree gives
 * the same zip.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ZipFile } from 'yazl';

// From dev/ under tsx, or from dist-dev/ once compiled: the first folder up with host.json.
const ROOT = existsSync(path.resolve(__dirname, '../host.json')) ? path.resolve(__dirname, '..') : path.resolve(__dirname, '../..');
const OUT_DIR = path.join(ROOT, 'dist-package');
export const ZIP_PATH = path.join(OUT_DIR, 'spgq-functions.zip');
const FIXED_DATE = new Date('2026-01-01T00:00:00Z');

/** .funcignore as a matcher: `dir/` (a top-level folder), `*.ext` (any depth), `name` or `prefix*` (top level). */
export function funcIgnore(text: string): (relative: string) => boolean {
  const patterns = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return (relative) => {
    const rel = relative.split(path.sep).join('/');
    const top = rel.split('/')[0]!;
    return patterns.some((p) => {
      if (p.startsWith('*.')) return rel.endsWith(p.slice(1));
      if (p.endsWith('/')) return rel.startsWith(p);
      if (p.endsWith('*')) return top.startsWith(p.slice(0, -1));
      return rel === p;
    });
  };
}

function walk(dir: string, skip: (abs: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const abs = path.join(dir, name);
    if (skip(abs)) continue;
    const st = statSync(abs);
    if (st.isDirectory()) walk(abs, skip, out);
    else if (st.isFile()) out.push(abs);
  }
  return out;
}

function productionModules(): string[] {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(listed.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(path.join(ROOT, 'node_modules') + path.sep)))];
}

export async function packageApp(): Promise<{ zip: string; files: number; bytes: number }> {
  const ignored = funcIgnore(readFileSync(path.join(ROOT, '.funcignore'), 'utf8'));
  for (const needed of ['dist/functions/index.js', 'dist/web/index.html']) {
    if (!existsSync(path.join(ROOT, needed))) throw new Error(`${needed} is missing: run \`npm run build\` first (npm run package does).`);
  }
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  // The deployed package.json: what the worker reads (main, version for /api/health, engines), no scripts or dev tooling.
  const deployedPkg = { name: pkg.name, version: pkg.version, private: true, description: pkg.description, main: pkg.main, engines: pkg.engines, dependencies: pkg.dependencies };

  const files = new Map<string, string>();
  const add = (abs: string) => {
    const rel = path.relative(ROOT, abs);
    if (!ignored(rel)) files.set(rel.split(path.sep).join('/'), abs);
  };
  for (const f of ['host.json', 'package-lock.json']) add(path.join(ROOT, f));
  for (const dir of ['dist', 'config']) walk(path.join(ROOT, dir), () => false).forEach(add);
  for (const moduleDir of productionModules()) {
    // A module's own nested node_modules are listed (and added) separately when production needs them.
    walk(moduleDir, (abs) => path.basename(abs) === 'node_modules' || path.basename(abs) === '.bin').forEach(add);
  }

  mkdirSync(OUT_DIR, { recursive: true });
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify(deployedPkg, null, 2) + '\n'), 'package.json', { mtime: FIXED_DATE });
  let bytes = 0;
  for (const rel of [...files.keys()].sort()) {
    const abs = files.get(rel)!;
    bytes += statSync(abs).size;
    zip.addFile(abs, rel, { mtime: FIXED_DATE, mode: statSync(abs).mode });
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(ZIP_PATH);
    out.on('close', () => resolve());
    out.on('error', reject);
    zip.outputStream.on('error', reject).pipe(out);
  });
  return { zip: ZIP_PATH, files: files.size + 1, bytes };
}

if (require.main === module) {
  packageApp().then(
    (r) => console.log(`packaged ${path.relative(process.cwd(), r.zip)}: ${r.files} files, ${(r.bytes / 1024 / 1024).toFixed(1)} MB before compression, ${(statSync(r.zip).size / 1024 / 1024).toFixed(1)} MB zipped`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
