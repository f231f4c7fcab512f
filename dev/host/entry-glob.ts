import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The files a package.json `main` names, as the Node.js worker resolves it: the worker passes
 * `main` to globby with the app folder as cwd, so a plain path and a pattern such as
 * `dist/src/functions/*.js` (Microsoft's v4 templates) are treated alike, and zero matches is an
 * error. Supported syntax: `*`, `?`, `**` (any depth), `{a,b}` and `[...]` classes; like globby, a
 * wildcard does not match a leading dot. Matches come back sorted, so the load order (which decides
 * the order of registrations) is the same on every machine.
 */
export function resolveEntryFiles(appDir: string, main: string): string[] {
  const pattern = main.replace(/\\/g, '/').replace(/^\.\//, '');
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  const found = new Set<string>();
  walk(path.resolve(appDir), segments, 0, found);
  return [...found].sort();
}

function walk(dir: string, segments: string[], index: number, found: Set<string>) {
  if (index === segments.length) {
    if (isFile(dir)) found.add(dir);
    return;
  }
  const segment = segments[index]!;
  if (segment === '**') {
    walk(dir, segments, index + 1, found); // zero directories
    for (const child of listDir(dir)) {
      if (child.startsWith('.') || !isDir(path.join(dir, child))) continue;
      walk(path.join(dir, child), segments, index, found);
    }
    return;
  }
  if (!/[*?[{]/.test(segment)) {
    walk(path.join(dir, segment), segments, index + 1, found);
    return;
  }
  const re = segmentRegExp(segment);
  for (const child of listDir(dir)) {
    if (child.startsWith('.') && !segment.startsWith('.')) continue;
    if (re.test(child)) walk(path.join(dir, child), segments, index + 1, found);
  }
}

function segmentRegExp(segment: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
