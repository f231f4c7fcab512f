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
    // Duplicate detection as in Azure (infra/main.bicep): the archive's notification windows and schedule ticks rely on it.
    expect(byName['archive-mailbox']).toMatchObject({ maxDeliveryCount: 5, lockDurationMs: 60_000, requiresSession: false, requiresDuplicateDetection: true, duplicateWindowMs: 3_600_000 });
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
  it("refuses values outside Azure's ranges (also refused by Microsoft's emulator), naming the entity and the value", () => {
    const queue = (Properties: Record<string, unknown>) => () => queueSettings({ UserConfig: { Namespaces: [{ Queues: [{ Name: 'orders', Properties }] }] } });
    expect(queue({ LockDuration: 'PT6M' })).toThrow(/queue orders: LockDuration PT6M .*at most PT5M/);
    expect(queue({ LockDuration: 'PT0S' })).toThrow(/queue orders: LockDuration PT0S/);
    expect(queue({ MaxDeliveryCount: 0 })).toThrow(/queue orders: MaxDeliveryCount 0 .*at least 1/);
    expect(queue({ MaxDeliveryCount: 2.5 })).toThrow(/queue orders: MaxDeliveryCount 2.5/);
    expect(queue({ DefaultMessageTimeToLive: 'PT0S' })).toThrow(/queue orders: DefaultMessageTimeToLive PT0S/);
    expect(queue({ DuplicateDetectionHistoryTimeWindow: 'P8D' })).toThrow(/queue orders: DuplicateDetectionHistoryTimeWindow P8D .*at most P7D/);
    expect(queue({ LockDuration: 60 })).toThrow(/queue orders: LockDuration 60 .*ISO 8601/);
    expect(queue({ RequiresSession: 'yes' })).toThrow(/queue orders: RequiresSession "yes" .*true or false/);
    const topic = (Properties: Record<string, unknown>) => () =>
      entitySettings({ UserConfig: { Namespaces: [{ Topics: [{ Name: 'events', Subscriptions: [{ Name: 'audit', Properties }] }] }] } } as never);
    expect(topic({ LockDuration: 'PT10M' })).toThrow(/subscription events\/audit: LockDuration PT10M/);
    expect(topic({ MaxDeliveryCount: -1 })).toThrow(/subscription events\/audit: MaxDeliveryCount -1/);
  });

  it('refuses settings it would otherwise ignore (unknown or unsupported names), the entity count and names Microsoft refuses', () => {
    const queue = (Properties: Record<string, unknown>) => () => queueSettings({ UserConfig: { Namespaces: [{ Queues: [{ Name: 'orders', Properties }] }] } });
    expect(queue({ ForwardTO: 'x' })).toThrow(/queue orders: unknown property ForwardTO/);
    expect(queue({ AutoDeleteOnIdle: 'PT5M' })).toThrow(/queue orders: unknown property AutoDeleteOnIdle/);
    expect(() => entitySettings({ UserConfig: { Namespaces: [{ Topics: [{ Name: 'events', Properties: { EnablePartitioning: true }, Subscriptions: [{ Name: 's' }] }] }] } } as never))
      .toThrow(/topic events: unknown property EnablePartitioning/);
    expect(() => queueSettings({ UserConfig: { Namespaces: [{ Queues: [{ Name: 'bad name!' }] }] } })).toThrow(/queue "bad name!": the name/);
    expect(() => queueSettings({ UserConfig: { Namespaces: [{ Queues: [{ Name: 'a' }] }, { Queues: [{ Name: 'b' }] }] } })).toThrow(/exactly one namespace/);
    const many = Array.from({ length: 51 }, (_, i) => ({ Name: `q${i}` }));
    expect(() => queueSettings({ UserConfig: { Namespaces: [{ Queues: many }] } })).toThrow(/51 queues and topics: at most 50/);
  });

  it('accepts empty ForwardTo / ForwardDeadLetteredMessagesTo as "none" and checks real targets', () => {
    const base = { UserConfig: { Namespaces: [{ Queues: [{ Name: 'a', Properties: { ForwardTo: '', ForwardDeadLetteredMessagesTo: '' } }, { Name: 'b', Properties: { ForwardTo: 'nowhere' } }] }] } };
    expect(() => queueSettings(base)).toThrow(/queue b: ForwardTo names nowhere/);
  });
});
