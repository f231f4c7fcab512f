/**
 * azure.yaml (Azure Developer CLI) and the GitHub Actions workflows, validated against their
 * published JSON schemas (vendored in test/infra/schemas, see SOURCES.md there) with ajv, then the
 * few facts the release depends on: OIDC without secrets, what-if on pull requests, deploy on a
 * tag, the package step, the health smoke test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const schema = (name: string) => JSON.parse(readFileSync(path.join(__dirname, 'schemas', name), 'utf8')) as Record<string, unknown>;
const yamlFile = (rel: string) => parse(readFileSync(path.join(ROOT, rel), 'utf8')) as Record<string, unknown>;
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

/**
 * azure.yaml.json refers to the azd extensions' schemas by URL, and they to their neighbours by
 * relative path: all vendored under schemas/azure-dev/ at their repository paths, loaded under
 * their URLs so every reference resolves without a network.
 */
const AZD = 'https://raw.githubusercontent.com/Azure/azure-dev/main/';
const azdExtensionSchemas = (): [string, Record<string, unknown>][] => {
  const dir = path.join(__dirname, 'schemas', 'azure-dev');
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.json'))
    .map((f) => {
      const rel = path.relative(dir, path.join(f.parentPath, f.name)).split(path.sep).join('/');
      return [AZD + rel, JSON.parse(readFileSync(path.join(f.parentPath, f.name), 'utf8')) as Record<string, unknown>];
    });
};

function validator(version: '2019' | '07', s: Record<string, unknown>) {
  // strict off: the published schemas use keywords ajv's strict mode rejects (e.g. markdownDescription).
  const ajv = version === '2019' ? new Ajv2019({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  if (version === '2019') {
    ajv.addMetaSchema(draft07);
    for (const [url, ext] of azdExtensionSchemas()) ajv.addSchema({ ...ext, $id: url });
  }
  return ajv.compile(s);
}

describe('azure.yaml', () => {
  const validate = validator('2019', schema('azure.yaml.json'));

  it('is valid against the Azure Developer CLI schema', () => {
    const doc = yamlFile('azure.yaml');
    expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('is checked for real: the schema refuses a service without a host', () => {
    expect(validate({ name: 'spgq', services: { api: { project: '.' } } })).toBe(false);
  });

  it('provisions infra/main.bicep, then deploys the zip npm run package builds and checks /api/health', () => {
    const doc = yamlFile('azure.yaml') as { infra: { provider: string; path: string; module: string }; hooks: { postprovision: { run: string } } };
    expect(doc.infra).toEqual({ provider: 'bicep', path: 'infra', module: 'main' });
    expect(doc.hooks.postprovision.run).toBe('sh infra/scripts/deploy-package.sh');
    const script = readFileSync(path.join(ROOT, 'infra/scripts/deploy-package.sh'), 'utf8');
    expect(script).toContain('npm run package');
    expect(script).toContain('az functionapp deployment source config-zip');
    expect(script).toContain('smoke-health.mjs');
  });
});

describe('GitHub Actions workflows', () => {
  const validate = validator('07', schema('github-workflow.json'));

  it('are valid against the SchemaStore workflow schema', () => {
    expect(workflowFiles.length).toBeGreaterThan(0);
    for (const f of workflowFiles) {
      const doc = yamlFile(`.github/workflows/${f}`);
      expect(validate(doc), `${f}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
    }
  });

  it('is checked for real: the schema refuses a job without runs-on or uses', () => {
    expect(validate({ on: 'push', jobs: { test: { steps: [{ run: 'npm test' }] } } })).toBe(false);
  });

  it('signs in to Azure with OpenID Connect only: no secrets anywhere', () => {
    for (const f of workflowFiles) {
      const text = readFileSync(path.join(WORKFLOWS, f), 'utf8');
      expect(text, f).not.toMatch(/secrets\./);
      expect(text, f).not.toMatch(/client-secret|creds:/);
      if (text.includes('azure/login')) expect(text, f).toMatch(/id-token: write/);
    }
  });

  it('tests, packages, runs what-if on pull requests, deploys on a tag and smoke-tests /api/health', () => {
    const deploy = yamlFile('.github/workflows/deploy.yml') as { on: Record<string, unknown>; jobs: Record<string, { if?: string; steps?: { run?: string }[]; uses?: string; needs?: string | string[] }> };
    expect(Object.keys(deploy.on).sort()).toEqual(['pull_request', 'push']);
    expect((deploy.on.push as { tags: string[] }).tags).toEqual(['v*']);
    const runs = (job: string) => (deploy.jobs[job]?.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs('test')).toContain('bash .ci/run');
    expect(readFileSync(path.join(ROOT, '.ci/run'), 'utf8')).toContain('npm test');
    expect(runs('package')).toContain('npm run package');
    expect(deploy.jobs['what-if']?.if).toBe("github.event_name == 'pull_request'");
    expect(runs('what-if')).toContain('az deployment group what-if');
    expect(deploy.jobs['deploy-test']?.if).toContain("startsWith(github.ref, 'refs/tags/v')");
    expect(deploy.jobs['deploy-prod']?.needs).toBe('deploy-test');
    const env = readFileSync(path.join(WORKFLOWS, 'deploy-environment.yml'), 'utf8');
    expect(env).toContain('infra/params/${{ inputs.environment }}.bicepparam');
    expect(env).toMatch(/smoke-health\.mjs "https:\/\/\$\{\{ steps\.provision\.outputs\.host \}\}"/);
    expect(readFileSync(path.join(ROOT, 'infra/scripts/smoke-health.mjs'), 'utf8')).toContain("'/api/health'");
  });
});
