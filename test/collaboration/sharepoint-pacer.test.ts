import { describe, expect, it } from 'vitest';
import { SharePointPacer, sharePointUnits, type PacerClock } from '../../shared/collaboration/adapters/sharepoint-pacer';

/** Time that moves only when the test says: timers fire in order as it advances. */
class FakeClock implements PacerClock {
  private t = 0;
  private timers: Array<{ at: number; fire: () => void }> = [];
  now = () => this.t;
  sleep = (ms: number) => new Promise<void>((resolve) => this.timers.push({ at: this.t + ms, fire: resolve }));
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fire();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const throttled = (retryAfterSeconds?: number) =>
  Object.assign(new Error('throttled'), { statusCode: 429, headers: new Headers(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }) });

describe('SharePoint resource units', () => {
  it('1 per read, 2 per write, 5 per permission operation', () => {
    expect(sharePointUnits('GET', '/drives/d/items/i/children')).toBe(1);
    expect(sharePointUnits('POST', '/drives/d/items/i/children')).toBe(2);
    expect(sharePointUnits('PATCH', '/drives/d/items/i')).toBe(2);
    expect(sharePointUnits('DELETE', '/drives/d/items/i')).toBe(2);
    expect(sharePointUnits('POST', '/drives/d/items/i/invite')).toBe(5);
    expect(sharePointUnits('GET', '/drives/d/items/i/permissions')).toBe(5);
    expect(sharePointUnits('DELETE', '/drives/d/items/i/permissions/p')).toBe(5);
  });
});

describe('SharePoint pacer (fake clock)', () => {
  it('never spends more than the budget in any window, and spends close to it', async () => {
    const clock = new FakeClock();
    const pacer = new SharePointPacer({ unitsPerMinute: 100, windowMs: 1000, margin: 0.02, clock });
    expect(pacer.budget).toBe(98);
    const sent: Array<{ at: number; units: number }> = [];
    const all = Promise.all(
      Array.from({ length: 150 }, (_, i) => {
        const units = i % 3 === 0 ? 5 : i % 3 === 1 ? 2 : 1;
        return pacer.run(units, async () => {
          sent.push({ at: clock.now(), units });
          await clock.sleep(10);
        });
      }),
    );
    for (let i = 0; i < 800 && sent.length < 150; i++) await clock.advance(10);
    await clock.advance(20);
    await all;
    // Any span of one window holds at most the budget.
    for (const s of sent) {
      const inSpan = sent.filter((x) => x.at >= s.at && x.at < s.at + 1000).reduce((n, x) => n + x.units, 0);
      expect(inSpan).toBeLessThanOrEqual(98);
    }
    const stats = pacer.stats();
    expect(stats.requests).toBe(150);
    expect(stats.unitsSpent).toBe(400);
    expect(stats.throttled).toBe(0);
    // 400 units at 100 per window: a bit over 4 windows, not much more.
    const spanMs = stats.lastRequestAt! - stats.firstRequestAt!;
    expect(spanMs).toBeGreaterThanOrEqual(4000);
    const perWindow = 400 / ((spanMs + 1000) / 1000);
    expect(perWindow / 100).toBeGreaterThan(0.75);
  });

  it('a request counts until its answer: a slow answer keeps its units in the window', async () => {
    const clock = new FakeClock();
    const pacer = new SharePointPacer({ unitsPerMinute: 10, windowMs: 1000, margin: 0, clock });
    const starts: number[] = [];
    const slow = pacer.run(10, async () => {
      starts.push(clock.now());
      await clock.sleep(500);
    });
    const next = pacer.run(1, async () => {
      starts.push(clock.now());
    });
    await clock.advance(1400);
    expect(starts).toEqual([0]);
    await clock.advance(200);
    await Promise.all([slow, next]);
    // Answered at 500: its units leave the window at 1500, not 1000.
    expect(starts[1]).toBeGreaterThanOrEqual(1500);
  });

  it('callers are served in arrival order (a permission request is not overtaken by later reads)', async () => {
    const clock = new FakeClock();
    const pacer = new SharePointPacer({ unitsPerMinute: 10, windowMs: 1000, margin: 0, clock });
    const order: string[] = [];
    const calls = [pacer.run(8, async () => order.push('a')), pacer.run(5, async () => order.push('invite')), pacer.run(1, async () => order.push('read'))];
    await clock.advance(5000);
    await Promise.all(calls);
    expect(order).toEqual(['a', 'invite', 'read']);
  });

  it('a 429 with Retry-After pauses every caller until then, and the refused call goes again first', async () => {
    const clock = new FakeClock();
    const pacer = new SharePointPacer({ unitsPerMinute: 1000, windowMs: 60_000, clock });
    const at: Array<[string, number]> = [];
    let refused = false;
    const first = pacer.run(1, async () => {
      at.push(['first', clock.now()]);
      if (!refused) {
        refused = true;
        throw throttled(3);
      }
      return 'ok';
    });
    await clock.advance(0);
    const second = pacer.run(1, async () => {
      at.push(['second', clock.now()]);
      return 'ok';
    });
    await clock.advance(2999);
    expect(at).toEqual([['first', 0]]);
    await clock.advance(2);
    expect(await first).toBe('ok');
    expect(await second).toBe('ok');
    expect(at.map(([name]) => name)).toEqual(['first', 'first', 'second']);
    expect(at[1]![1]).toBeGreaterThanOrEqual(3000);
    expect(pacer.stats().throttled).toBe(1);
  });

  it('other errors are the caller’s, not retried', async () => {
    const clock = new FakeClock();
    const pacer = new SharePointPacer({ unitsPerMinute: 100, clock });
    let calls = 0;
    await expect(
      pacer.run(1, async () => {
        calls++;
        throw Object.assign(new Error('nope'), { statusCode: 404 });
      }),
    ).rejects.toThrow('nope');
    expect(calls).toBe(1);
  });

  it('gives up after the attempts allowed when the service keeps refusing', async () => {
    const clock = new FakeClock();
    const pacer = new SharePointPacer({ unitsPerMinute: 100, windowMs: 1000, maxAttempts: 3, clock });
    const result = pacer.run(1, async () => {
      throw throttled();
    }).catch((e: Error) => e);
    await clock.advance(10_000);
    expect(((await result) as Error).name).toBe('SharePointThrottled');
    expect(pacer.stats().throttled).toBe(3);
  });
});
