import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MalformedMessage, queueHandler, timerHandler, timerOccurrence } from '../../functions/triggers';
import { invocation } from '../support/app-env';

const Item = z.object({ mailboxId: z.string().min(1), count: z.number().int() });
const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

describe('queue and timer registrations', () => {
  it('parses a JSON string or an object message and hands the item and a logger to the handler', async () => {
    const seen: unknown[] = [];
    const handler = queueHandler({ event: 'test.item', schema: Item, handle: async (item, log) => { seen.push(item); log.info('test.item.done', { count: item.count }); } });
    const logs = invocation();
    await handler(JSON.stringify({ mailboxId: 'm-1', count: 2 }), logs.context);
    await handler({ mailboxId: 'm-2', count: 3 }, logs.context);
    expect(seen).toEqual([{ mailboxId: 'm-1', count: 2 }, { mailboxId: 'm-2', count: 3 }]);
    expect(logs.lines.filter((l) => l.includes('test.item.done'))).toHaveLength(2);
  });

  it('refuses a malformed message naming its fields, never its values, and rethrows so Service Bus dead-letters it', async () => {
    const handler = queueHandler({ event: 'test.item', schema: Item, handle: async () => undefined });
    const logs = invocation();
    const secret = 'genevieve.tremblay@example.org';
    await expect(handler({ mailboxId: '', count: secret }, logs.context)).rejects.toBeInstanceOf(MalformedMessage);
    await expect(handler('{not json', logs.context)).rejects.toThrow(/\(json\)/);
    const failed = logs.lines.filter((l) => l.includes('test.item.failed'));
    expect(failed).toHaveLength(2);
    expect(failed[0]).toContain('mailboxId');
    expect(failed[0]).toContain('count');
    expect(logs.lines.join('\n')).not.toContain(secret);
  });

  it('logs a failing timer once with the error name and code only, and rethrows', async () => {
    const handler = timerHandler({
      event: 'test.timer',
      handle: async () => {
        throw Object.assign(new Error('Mailbox of jean.roy@example.org is gone'), { name: 'RestError', code: 'MailboxNotFound', statusCode: 404 });
      },
    });
    const logs = invocation();
    await expect(handler(timer, logs.context)).rejects.toThrow(/gone/);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toContain('test.timer.failed');
    expect(logs.lines[0]).toContain('MailboxNotFound');
    expect(logs.lines[0]).toContain('404');
    expect(logs.lines[0]).not.toContain('jean.roy');
  });

  it('names a timer run after the occurrence being run (Azure\'s scheduleStatus.next), not the previous run (last)', () => {
    const now = new Date('2026-12-06T02:00:00.412Z');
    // A scheduled run at 02:00 of a daily 02:00 timer, as Azure's host shapes it.
    const scheduled = { scheduleStatus: { last: '2026-12-05T02:00:00.000Z', next: '2026-12-06T02:00:00.000Z', lastUpdated: '2026-12-05T02:00:00.000Z' } };
    expect(timerOccurrence(scheduled, now).toISOString()).toBe('2026-12-06T02:00:00.000Z');
    // Past due after downtime: Next is the missed occurrence.
    const pastDue = { scheduleStatus: { last: '2026-12-04T02:00:00.000Z', next: '2026-12-05T02:00:00.000Z', lastUpdated: '2026-12-04T02:00:00.000Z' } };
    expect(timerOccurrence(pastDue, now).toISOString()).toBe('2026-12-05T02:00:00.000Z');
    // Run on start-up (Next still ahead) or not monitored (no status): now.
    const startup = { scheduleStatus: { last: '0001-01-01T00:00:00.000Z', next: '2026-12-07T02:00:00.000Z', lastUpdated: '0001-01-01T00:00:00.000Z' } };
    expect(timerOccurrence(startup, now)).toEqual(now);
    expect(timerOccurrence({ scheduleStatus: undefined }, now)).toEqual(now);
  });
});
