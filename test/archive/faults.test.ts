import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBudget } from '../../shared/platform/graph/graph-budget';
import { allEntries, expectedMessages, sha256Of, startCaptureStack, type CaptureStack } from './capture-stack';

let stack: CaptureStack;

beforeAll(async () => {
  stack = await startCaptureStack({ sandbox: { scale: { mailboxes: 3, messagesPerMailbox: 30 } }, env: { ARCHIVE_PAGE_SIZE: '7' } });
}, 60_000);
afterAll(() => stack?.stop());

describe('archive capture under Graph faults', () => {
  it('completes with nothing lost when 10% of Graph calls fail (429, 503, resets)', async () => {
    await stack.control.setFaults({ rates: { '429': 0.04, '503': 0.03, reset: 0.03 }, seed: 7 });
    const large = stack.sandbox.tenant.largeMessage?.userId;
    const mailboxes = (await stack.services.directory.mailboxesInScope()).map((m) => m.mailboxId).filter((id) => id !== large).slice(0, 2);
    for (const mailboxId of mailboxes) {
      const result = await stack.services.archiver.archive(mailboxId, { deadline: Date.now() + 120_000 });
      expect(result.outcome).toBe('caughtUp');
    }
    const injected = (await stack.control.faults()).injected;
    await stack.control.setFaults({});
    expect(injected['429']! + injected['503']! + injected.reset!).toBeGreaterThan(5);
    expect(stack.services.budget.stats.pushbacks + stack.services.budget.stats.transientFailures).toBeGreaterThan(5);
    for (const mailboxId of mailboxes) {
      const entries = await allEntries(mailboxId);
      expect(entries.length).toBe(await expectedMessages(stack.control, mailboxId));
      expect(new Set(entries.map((e) => e.messageId)).size).toBe(entries.length);
      for (const e of entries.slice(0, 10)) expect(await sha256Of(await stack.services.content.open(e.contentHash))).toBe(e.contentHash);
    }
  }, 120_000);

  it('archives the 100 MB message streamed, with its hash', async () => {
    const large = stack.sandbox.tenant.largeMessage!;
    const result = await stack.services.archiver.archive(large.userId, { deadline: Date.now() + 120_000 });
    expect(result.outcome).toBe('caughtUp');
    const entry = (await allEntries(large.userId)).find((e) => e.messageId === large.messageId)!;
    expect(entry.rawSize).toBeGreaterThan(100 * 1024 * 1024);
    expect(entry.compressedSize).toBeLessThan(entry.rawSize);
    expect(await sha256Of(await stack.services.content.open(entry.contentHash))).toBe(entry.contentHash);
  }, 120_000);
});

describe('Graph budget', () => {
  it('keeps at most the concurrency in flight and a mailbox inside its window', async () => {
    const budget = new GraphBudget({ concurrency: 4, windowRequests: 10, windowMs: 300 });
    let inFlight = 0;
    let peak = 0;
    const sent: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 25 }, () =>
        budget.run('m1', async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          sent.push(Date.now() - started);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          return { kind: 'done' as const, value: 1 };
        }),
      ),
    );
    expect(peak).toBeLessThanOrEqual(4);
    // Sliding window: no 300 ms span holds more than 10 sends.
    for (const t of sent) expect(sent.filter((u) => u >= t && u < t + 300).length).toBeLessThanOrEqual(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('keeps a request that waits for a slot in its window until it is sent, however long it waits', async () => {
    // One slot, one request per 100 ms window; A holds the only slot for 250 ms.
    const budget = new GraphBudget({ concurrency: 1, windowRequests: 1, windowMs: 100 });
    const sentAt: Record<string, number> = {};
    const started = Date.now();
    const request = (name: string, holdMs: number) =>
      budget.run('m1', async () => {
        sentAt[name] = Date.now() - started;
        await new Promise((r) => setTimeout(r, holdMs));
        return { kind: 'done' as const, value: name };
      });
    const a = request('a', 250);
    // B takes its place in the window once A's has passed, then waits for the slot past a whole window.
    const b = request('b', 1);
    // D comes while B still waits: B's place must still count, so D goes a window after B is sent.
    await new Promise((r) => setTimeout(r, 210));
    const d = request('d', 1);
    await Promise.all([a, b, d]);
    expect(sentAt.b!).toBeGreaterThanOrEqual(240);
    expect(sentAt.d! - sentAt.b!).toBeGreaterThanOrEqual(100);
  });

  it('honours Retry-After and gives up after its attempts', async () => {
    const budget = new GraphBudget({ concurrency: 4, windowRequests: 100, windowMs: 1000, maxAttempts: 3 });
    const times: number[] = [];
    const value = await budget.run('m', async () => {
      times.push(Date.now());
      return times.length < 2 ? { kind: 'pushback' as const, status: 429, retryAfterMs: 250, scope: 'mailbox' as const } : { kind: 'done' as const, value: 'ok' };
    });
    expect(value).toBe('ok');
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(245);
    await expect(budget.run('m', async () => ({ kind: 'pushback' as const, status: 503, retryAfterMs: 10, scope: 'app' as const }))).rejects.toThrow(/3 attempts/);
  });
});
