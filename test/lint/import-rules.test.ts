import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The import rules `npm run lint` enforces (.dependency-cruiser.cjs), run on a fixture tree that
 * breaks each rule once and keeps a few allowed imports: every rule must fire where it should,
 * and only there. A rule whose pattern stops matching (a renamed folder, a new SDK path) fails here.
 */
const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/import-rules');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(args: string[]) {
  return spawnSync(process.execPath, [DEPCRUISE, ...args, '--config', path.join(ROOT, '.dependency-cruiser.cjs')], { cwd: FIXTURE, encoding: 'utf8', timeout: 60_000 });
}

describe('import rules', () => {
  it('fail the lint command on a tree that breaks them', () => {
    const run = cruise(['shared', 'functions', 'orchestrations', 'dev']);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('dependency violations');
  });

  it('name each broken rule at the import that breaks it, and nothing allowed', () => {
    const run = cruise(['shared', 'functions', 'orchestrations', 'dev', '--output-type', 'json']);
    const report = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string }; from: string }[] } };
    const found = report.summary.violations.map((v) => `${v.rule.name} ${v.from}`).sort();
    expect(found).toEqual([
      'capability-through-ports-or-events shared/archive/capture/uses-relay.ts',
      'durable-only-in-orchestrations functions/starts-orchestration.ts',
      'functions-sdk-only-in-functions shared/archive/capture/registers-function.ts',
      'no-cycles shared/relay/cycle-a.ts',
      'platform-knows-no-capability shared/platform/knows-archive.ts',
      'production-never-imports-dev shared/archive/reads-local-stack.ts',
      'sdk-only-in-adapters shared/archive/records/queries-cosmos.ts',
      'use-cases-through-ports shared/archive/records/uses-adapter.ts',
    ]);
  });
});
