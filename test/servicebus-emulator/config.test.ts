import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entitySettings, loadConfig, parseIsoDuration, queueSettings } from '../../dev/servicebus-emulator/config';

const root = join(__dirname, '..', '..');

describe('Service Bus emulator config (official Config.json shape)', () => {
  it('parses ISO 8601 durations as Service Bus writes them', () => {
    expect(parseIsoDuration('PT1M')).toBe(60_000);
    expect(parseIsoDuration('PT30S')).toBe(30_000);
    expect(parseIsoDuration('P14D')).toBe(14 * 86_400_000);
    expect(parseIsoDuration('P1DT2H3M4.5S')).toBe(86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_500);
    expect(parseIsoDuration('P10675199DT2H48M5.4775807S')).toBe(Infinity);
    expect(() => parseIsoDuration('1 minute')).toThrow(/Invalid ISO 8601/);
    expect(() => parseIsoDuration('PT')).toThrow(/Invalid ISO 8601/);
  });

  it('applies service defaults and rejects duplicate queue names', () => {
    const [q] = queueSettings({ UserConfig: { Namespaces: [{ Queues: [{ Name: 'q' }] }] } });
    expect(q).toEqual({
      name: 'q', requiresSession: false, maxDeliveryCount: 10, lockDurationMs: 60_000, defaultTtlMs: Infinity,
      deadLetteringOnExpiration: false, requiresDuplicateDetection: false, duplicateWindowMs: 600_000,
    });
    expect(() => queueSettings({ UserConfig: { Namespaces: [{ Queues: [{ Name: 'q' }, { Name: 'Q' }] }] } })).toThrow(/twice/);
    expect(() => queueSettings({} as never)).toThrow(/Namespaces/);
  });

  it('reads the local stack queues the app needs', () => {
    const queues = queueSettings(loadConfig(join(root, 'dev/local-stack/servicebus-config.json')));
    const byName = Object.fromEntries(queues.map((q) => [q.name, q]));
    expect(Object.keys(byName).sort()).toEqual(['archive-exports', 'archive-mailbox', 'host-e2e', 'host-e2e-sessions', 'relay-replies', 'relay-requests']);
    expect(byName['archive-mailbox']).toMatchObject({ maxDeliveryCount: 5, lockDurationMs: 60_000, requiresSession: false });
    expect(byName['archive-exports']).toMatchObject({ maxDeliveryCount: 5, lockDurationMs: 60_000, requiresSession: false });
    expect(byName['relay-requests']).toMatchObject({ maxDeliveryCount: 5, lockDurationMs: 60_000 });
    expect(byName['relay-replies']).toMatchObject({ requiresSession: true, lockDurationMs: 60_000 });
    expect(byName['host-e2e']).toMatchObject({ maxDeliveryCount: 3, lockDurationMs: 30_000 });
    expect(byName['host-e2e-sessions']).toMatchObject({ requiresSession: true });
    const sample = entitySettings(loadConfig(join(root, 'dev/servicebus-emulator/config.sample.json')));
    expect(sample.queues).toHaveLength(2);
    expect(sample.topics[0]!.subscriptions.map((s) => s.rules.map((r) => r.name))).toEqual([['app-prop-filter-1'], ['sql-filter-1'], ['$Default']]);
  });

  it('reads the local stack topic people-events: duplicate detection, four session subscriptions with the $Default rule', () => {
    const { topics } = entitySettings(loadConfig(join(root, 'dev/local-stack/servicebus-config.json')));
    expect(topics.map((t) => t.name)).toEqual(['people-events']);
    const [topic] = topics;
    expect(topic).toMatchObject({ requiresDuplicateDetection: true, duplicateWindowMs: 600_000, defaultTtlMs: 14 * 86_400_000 });
    expect(topic!.subscriptions.map((s) => s.subscription)).toEqual(['archive-scope', 'training', 'collaboration', 'rollout']);
    for (const s of topic!.subscriptions) {
      expect(s).toMatchObject({
        name: `people-events/Subscriptions/${s.subscription}`, requiresSession: true, lockDurationMs: 60_000, maxDeliveryCount: 10,
        deadLetteringOnExpiration: false, defaultTtlMs: 14 * 86_400_000, forwardTo: undefined, forwardDeadLetteredMessagesTo: undefined,
        rules: [{ name: '$Default', filter: { type: 'sql', expression: '1=1' } }],
      });
    }
  });

  it('declares the people-events topic and its subscriptions in Bicep as in the local config', () => {
    const bicep = readFileSync(join(root, 'infra/main.bicep'), 'utf8');
    const topic = /resource peopleEventsTopic 'Microsoft\.ServiceBus\/namespaces\/topics@[^']+' = \{[\s\S]*?\n\}/.exec(bicep)?.[0] ?? '';
    expect(topic).toContain("name: 'people-events'");
    expect(topic).toMatch(/requiresDuplicateDetection: true\s+duplicateDetectionHistoryTimeWindow: 'PT10M'\s+defaultMessageTimeToLive: 'P14D'/);
    const names = /var peopleEventsSubscriptions = \[([\s\S]*?)\]/.exec(bicep)?.[1]?.match(/'[^']+'/g)?.map((n) => n.slice(1, -1));
    expect(names).toEqual(['archive-scope', 'training', 'collaboration', 'rollout']);
    const subscription = /resource peopleEventsSubscription [\s\S]*?\n\}\]/.exec(bicep)?.[0] ?? '';
    expect(subscription).toMatch(/requiresSession: true\s+lockDuration: 'PT1M'\s+maxDeliveryCount: 10\s+deadLetteringOnMessageExpiration: false\s+defaultMessageTimeToLive: 'P14D'/);
  });
});
