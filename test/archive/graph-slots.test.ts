import { describe, expect, inject, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { GraphBudget } from '../../shared/platform/graph/graph-budget';
import { LeasedSlotPool } from '../../shared/platform/adapters/graph-slots';
import { startStorageRecorder } from '../support/storage-recorder';
import { CONTAINERS } from '../../shared/archive/model';

/**
 * Two "instances" (two budgets with their own leased slot pools) on one storage account: together
 * they never have more than the 4 Outlook slots in flight, and both make progress.
 */
describe('Graph concurrency slots leased across instances', () => {
  it('never lets two instances exceed 4 requests in flight together', async () => {
    const service = BlobServiceClient.fromConnectionString(inject('azurite').connectionString);
    const pools = [new LeasedSlotPool(service, 4, CONTAINERS.locks), new LeasedSlotPool(service, 4, CONTAINERS.locks)];
    const budgets = pools.map((slots) => new GraphBudget({ concurrency: 4, windowRequests: 10_000, windowMs: 600_000, slots }));
    let inFlight = 0;
    let peak = 0;
    const done = [0, 0];
    await Promise.all(
      budgets.flatMap((budget, b) =>
        Array.from({ length: 24 }, (_, i) =>
          budget.run(`mailbox-${b}-${i % 3}`, async () => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((r) => setTimeout(r, 15));
            inFlight--;
            done[b]!++;
            return { kind: 'done' as const, value: undefined };
          }),
        ),
      ),
    );
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    expect(done).toEqual([24, 24]);
    // Let the slots go so other tests on this storage account do not wait for the leases to expire.
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all(pools.map((p) => p.releaseAll()));
  }, 60_000);

  it('hands a released slot to a waiting request at once, without polling', async () => {
    const service = BlobServiceClient.fromConnectionString(inject('azurite').connectionString);
    const pool = new LeasedSlotPool(service, 2, CONTAINERS.locks);
    expect(await pool.acquire(1)).toBe(1);
    expect(await pool.acquire(1)).toBe(1);
    expect(pool.held).toBe(2);
    let granted = 0;
    const waiting = pool.acquire(1).then((n) => (granted = n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted).toBe(0);
    pool.release(1);
    // Microtasks only: no timer may run in between (a polling waiter would still be asleep).
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(granted).toBe(1);
    await waiting;
    pool.release(2);
    await pool.releaseAll();
  });

  it('backs off while every slot is held by another instance, instead of polling the leases every 100 ms', async () => {
    const azurite = inject('azurite').connectionString;
    const container = `slots-backoff-${Math.random().toString(36).slice(2, 8)}`;
    const holder = new LeasedSlotPool(BlobServiceClient.fromConnectionString(azurite), 2, container);
    expect(await holder.acquire(1)).toBe(1);
    expect(await holder.acquire(1)).toBe(1);
    const recorder = await startStorageRecorder(azurite);
    try {
      const waiter = new LeasedSlotPool(BlobServiceClient.fromConnectionString(recorder.connectionString), 2, container);
      let granted = 0;
      const waiting = waiter.acquire(1).then((n) => (granted = n));
      // A six-second window to count the waiter's lease attempts (a slow machine only makes fewer).
      await new Promise((r) => setTimeout(r, 6_000));
      const attempts = recorder.requests.filter((r) => r.path.includes('comp=lease') && r.headers['x-ms-lease-action'] === 'acquire').length;
      expect(granted).toBe(0);
      // 2 slots per round; 100 ms polling would make up to ~120 attempts, backoff (250 ms doubling to 5 s) about 12.
      expect(attempts).toBeGreaterThan(0);
      expect(attempts).toBeLessThanOrEqual(16);
      holder.release(2);
      await holder.releaseAll();
      await waiting;
      expect(granted).toBe(1);
      waiter.release(1);
      await waiter.releaseAll();
    } finally {
      await recorder.stop();
    }
  }, 60_000);
});

