import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseIsoDuration, queueSettings } from '../../dev/servicebus-emulator/config';

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
    expect(queueSettings(loadConfig(join(root, 'dev/servicebus-emulator/config.sample.json')))).toHaveLength(2);
  });
});
