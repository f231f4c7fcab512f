import { describe, expect, it } from 'vitest';
import { SlidingWindowPacer } from '../../shared/training/adapters/pacer';

describe('sliding-window pacer (5 per second, as Graph counts the activity feed)', () => {
  it('never lets 6 requests into one sliding second, counted from answers; utilisation near the limit', async () => {
    const pacer = new SlidingWindowPacer(5);
    const departures: number[] = [];
    const start = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      const done = await pacer.ticket();
      const { answered } = await pacer.admit();
      departures.push(performance.now() - start);
      // A slow answer (40 ms): the window counts from it.
      await new Promise((resolve) => setTimeout(resolve, 40));
      answered();
      done();
    }));
    departures.sort((a, b) => a - b);
    for (let i = 5; i < departures.length; i++) expect(departures[i]! - departures[i - 5]!).toBeGreaterThanOrEqual(1000);
    const { utilisation } = pacer.utilisation();
    expect(utilisation).toBeGreaterThan(0.85);
    expect(utilisation).toBeLessThanOrEqual(1);
  }, 10_000);

  it('the last look runs just before the request’s time; a request not wanted gives its place back', async () => {
    const pacer = new SlidingWindowPacer(5);
    for (let i = 0; i < 5; i++) (await pacer.admit()).answered();
    const t = performance.now();
    let lookedAt = 0;
    const wanted = await pacer.admit(async () => {
      lookedAt = performance.now();
      return false;
    });
    expect(wanted.go).toBe(false);
    // The look waited for (most of) the second instead of running at once.
    expect(lookedAt - t).toBeGreaterThan(700);
    const next = await pacer.admit();
    expect(next.go).toBe(true);
  }, 10_000);

  it('a turn given back at once frees its place', async () => {
    const pacer = new SlidingWindowPacer(5);
    const start = performance.now();
    for (let i = 0; i < 12; i++) (await pacer.admit()).answered();
    // Answers came at once: 12 requests need two windows, not more.
    expect(performance.now() - start).toBeLessThan(2_400);
  }, 10_000);
});
