import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../shared/platform/settings';

/**
 * The host resolves %NAME% in a trigger from app settings, and fails to index the function when one
 * is missing: every name the registrations use must be in the local sample and in the Bicep app
 * settings, and every queue the app uses must exist locally and in Azure.
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function bindingSettings(): string[] {
  const names = new Set<string>();
  for (const dir of ['functions', 'orchestrations']) {
    for (const file of readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      for (const m of read(path.join(dir, file)).matchAll(/'%([A-Z0-9_]+)%'/g)) names.add(m[1]!);
    }
  }
  // host.json's own references (the Durable task hub's name).
  for (const m of read('host.json').matchAll(/"%([A-Z0-9_]+)%"/g)) names.add(m[1]!);
  return [...names].sort();
}

describe('settings the triggers read', () => {
  it('finds the %NAME% settings of the registrations', () => {
    expect(bindingSettings()).toEqual(expect.arrayContaining(['ARCHIVE_EXPORT_QUEUE_NAME', 'ARCHIVE_QUEUE_NAME', 'ARCHIVE_SCHEDULE', 'DURABLE_TASK_HUB_NAME']));
  });

  it('has each of them in local.settings.sample.json and in the Bicep app settings', () => {
    const sample = (JSON.parse(read('local.settings.sample.json')) as { Values: Record<string, string> }).Values;
    const bicep = read('infra/main.bicep');
    for (const name of bindingSettings()) {
      expect(sample[name], name).toBeTruthy();
      expect(bicep, name).toMatch(new RegExp(`\\{ name: '${name}', value: `));
    }
  });

  it('declares every queue the app uses in the local Service Bus config and in Bicep', () => {
    const sample = (JSON.parse(read('local.settings.sample.json')) as { Values: Record<string, string> }).Values;
    const s = parseSettings({ ...sample, LOCAL_MODE: 'true', AUTH_TENANT_ID: '00000000-0000-0000-0000-000000000001', AUTH_CLIENT_ID: '00000000-0000-0000-0000-000000000002' });
    const local = read('dev/local-stack/servicebus-config.json');
    const bicep = read('infra/main.bicep');
    for (const queue of [s.queues.archive, s.queues.exports, s.relay.requestsQueue, s.relay.repliesQueue]) {
      expect(local, queue).toContain(`"Name": "${queue}"`);
      expect(bicep, queue).toMatch(new RegExp(`\\{ name: '${queue}', requiresSession: `));
    }
  });
});
