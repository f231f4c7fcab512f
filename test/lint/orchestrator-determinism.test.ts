import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The lint rule that keeps orchestrator code deterministic (eslint.config.mjs): each forbidden
 * construct is linted as if it were in an orchestration file, and must be reported there; the
 * same code in an activity or a client helper, and the orchestration's own clock, are allowed.
 */
const ROOT = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax' || m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

const ORCHESTRATOR = 'orchestrations/rollout-example/index.ts';

describe('orchestrator determinism rule', () => {
  it.each([
    ['Date.now()', 'export const at = Date.now();\n', 'Date.now()'],
    ['new Date()', 'export const at = new Date();\n', 'new Date()'],
    ['Math.random()', 'export const r = Math.random();\n', 'no randomness'],
    ['process.env', "export const v = process.env['ROLLOUT_PARALLELISM'];\n", 'no settings'],
    ['await', 'export async function f(p: Promise<number>) {\n  return await p;\n}\n', 'no I/O'],
    ['setTimeout', 'setTimeout(() => undefined, 10);\n', 'durable timers'],
    ['settings import', "import { settings } from '../../shared/platform/settings';\nexport const s = settings;\n", 'read no settings'],
    ['adapter import', "import { rolloutServices } from '../../shared/rollout/adapters/rollout-services';\nexport const s = rolloutServices;\n", 'do it in an activity'],
    ['node module import', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", 'do it in an activity'],
  ])('reports %s in an orchestrator', async (_name, code, words) => {
    const found = await problems(ORCHESTRATOR, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(words);
  });

  it('allows the orchestration clock, a date from a value and type-only imports', async () => {
    const code = [
      "import type { Settings } from '../../shared/platform/settings';",
      'export type S = Settings;',
      'export const later = (now: Date, ms: number) => new Date(now.getTime() + ms);',
      '',
    ].join('\n');
    expect(await problems(ORCHESTRATOR, code)).toEqual([]);
  });

  it('does not apply to activities and client helpers, which do I/O by design', async () => {
    const code = 'export async function f(p: Promise<number>) {\n  return (await p) + Date.now();\n}\n';
    expect(await problems('orchestrations/activities/example.ts', code)).toEqual([]);
    expect(await problems('orchestrations/rollout-example/client.ts', code)).toEqual([]);
  });
});
