import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../src/config';
import { reconnectDelay } from '../src/backoff';

/** The sample's shape, loosely: tests break it on purpose. */
type Config = {
  agentId?: string;
  concurrency: number;
  serviceBus: { requests: { queue: string; connectionString?: string }; replies: { connectionString?: string } };
  mission: { queries: Record<string, string> };
  storage: { documentsContainer: string };
};
const sample = JSON.parse(readFileSync(path.join(__dirname, '../config.sample.json'), 'utf8')) as Record<string, unknown>;

function problems(raw: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(raw, env, '/opt/agent');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => `${p.setting}: ${p.problem}`);
  }
}

describe('agent configuration', () => {
  it('accepts the sample config, resolving paths relative to the config file', () => {
    const config = parseConfig(sample, {}, '/opt/agent');
    expect(config.dataDir.startsWith('/')).toBe(true);
    expect(config.concurrency).toBeGreaterThan(0);
  });

  it('names each wrong setting', () => {
    const broken = structuredClone(sample) as Config;
    delete broken.agentId;
    broken.concurrency = 0;
    broken.serviceBus.requests.queue = '';
    broken.mission.queries.memberByNumber = 'DELETE FROM members';
    broken.mission.queries.caseHistory = 'SELECT 1; DROP TABLE cases';
    broken.storage.documentsContainer = 'Bad_Name';
    const found = problems(broken);
    expect(found).toEqual(
      expect.arrayContaining([
        'agentId: missing',
        expect.stringMatching(/^concurrency: /),
        expect.stringMatching(/^serviceBus\.requests\.queue: /),
        'mission.queries.memberByNumber: must be a SELECT query',
        'mission.queries.caseHistory: must be a single statement',
        expect.stringMatching(/^storage\.documentsContainer: /),
      ]),
    );
  });

  it('refuses unknown settings (a typo must not silently fall back to a default)', () => {
    expect(problems({ ...sample, concurency: 4 })).toEqual([expect.stringMatching(/concurency/)]);
  });

  it('needs credentials: SAS connection strings or a certificate', () => {
    const noSecrets = structuredClone(sample) as Config;
    delete noSecrets.serviceBus.requests.connectionString;
    delete noSecrets.serviceBus.replies.connectionString;
    expect(problems(noSecrets)).toEqual([expect.stringMatching(/^serviceBus\.requests\.connectionString: missing/)]);
    // Secrets from the environment fill the gaps.
    expect(
      problems(noSecrets, {
        SPGQ_AGENT_REQUESTS_CONNECTION_STRING: 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=abc',
        SPGQ_AGENT_REPLIES_CONNECTION_STRING: 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc',
      }),
    ).toEqual([]);
    const withCertificate = { ...noSecrets, serviceBus: { ...noSecrets.serviceBus, certificate: { tenantId: '3f6d1b8e-5a0c-4c8e-9d3b-2a7f1e4c6b90', clientId: '8c2e4f6a-1b3d-4e5f-a7b9-c0d1e2f3a4b5', certificatePath: 'agent.pem' } } };
    expect(problems(withCertificate)).toEqual(['serviceBus.fullyQualifiedNamespace: missing: required with serviceBus.certificate']);
  });

  it('reports an unreadable or malformed file by name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agent-config-'));
    expect(() => loadConfig(path.join(dir, 'nope.json'))).toThrow(/\(config file\): cannot read/);
    writeFileSync(path.join(dir, 'bad.json'), '{ nope');
    expect(() => loadConfig(path.join(dir, 'bad.json'))).toThrow(/not valid JSON/);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with jitter inside [initial/2, ceiling]', () => {
    expect(reconnectDelay(0, 1000, 60_000, () => 0)).toBe(500);
    expect(reconnectDelay(0, 1000, 60_000, () => 1)).toBe(1000);
    expect(reconnectDelay(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(reconnectDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(reconnectDelay(50, 1000, 60_000, () => 0.5)).toBe(30_250);
    const draws = Array.from({ length: 200 }, () => reconnectDelay(4, 1000, 60_000));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...draws)).toBeLessThanOrEqual(16_000);
    expect(new Set(draws).size).toBeGreaterThan(100);
  });
});
