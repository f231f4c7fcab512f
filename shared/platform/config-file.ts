import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import type { z } from 'zod';

/**
 * Versioned configuration files in config/ (catalogues, calendars): parsed and validated at start,
 * so a broken file stops the app before anything is read or written, with each problem named by
 * the line and the path a person editing the file looks for.
 */
export function parseConfigFile<S extends z.ZodType>(
  schema: S,
  text: string,
  what: string,
  /** Names what a path points at in words (a template node's key, say), added to the problem. */
  describe?: (json: unknown, at: Array<string | number>) => string | null,
): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`Invalid ${what}: not JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const tree = parseTree(text);
  const problems = parsed.error.issues.map((issue) => {
    const at = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
    const line = lineOf(text, tree, at);
    const named = describe?.(json, at);
    return `${line === null ? '' : `line ${line}, `}${at.join('.') || '(file)'}${named ? ` (${named})` : ''}: ${issue.message}`;
  });
  throw new Error(`Invalid ${what}: ${problems.join('; ')}`);
}

/** Line (1-based) of a JSON path; a missing property is reported at the deepest part that exists. */
function lineOf(text: string, tree: Node | undefined, at: Array<string | number>): number | null {
  if (!tree) return null;
  for (let n = at.length; n >= 0; n--) {
    const node = findNodeAtLocation(tree, at.slice(0, n));
    if (node) return text.slice(0, node.offset).split('\n').length;
  }
  return null;
}
