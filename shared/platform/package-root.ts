import { existsSync } from 'node:fs';
import path from 'node:path';

let root: string | undefined;

/**
 * The folder holding the app's package.json, whether this code runs compiled (dist/...) or from
 * source under a test runner: static files and the package version are found from there.
 */
export function packageRoot(): string {
  if (!root) {
    let dir = __dirname;
    while (!existsSync(path.join(dir, 'package.json'))) {
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error('package.json not found above ' + __dirname);
      dir = parent;
    }
    root = dir;
  }
  return root;
}
