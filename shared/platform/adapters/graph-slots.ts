import type { BlobLeaseClient, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { SlotPool } from '../graph/graph-budget';

const LEASE_SECONDS = 15;
const RENEW_MS = 5_000;
const IDLE_RELEASE_MS = 2_000;
/**
 * When every slot is held by other instances, retry the leases with exponential backoff and jitter:
 * a fixed 100 ms poll from each of many waiting instances was a storm of 409s on the locks container
 * (32 instances x 4 slots x 10/s) for no progress. A release of our own still wakes us at once.
 */
const POLL_INITIAL_MS = 250;
const POLL_MAX_MS = 5_000;
/** A busy instance still lets a slot go after this long, so instances that wait get their turn. */
const MAX_HOLD_MS = 10_000;

/**
 * The app-wide Outlook concurrency (4) shared by every instance: one blob per slot
 * (`archive-locks/graph-slot/<n>`), and an instance may have as many requests in flight as it holds
 * slot leases. An instance takes a slot when it has work, keeps it while busy (renewing), and lets
 * it go after a short idle time; a dead instance's slots come back within 15 s. Leases are taken
 * per busy period, not per request, so the storage cost is a few calls per minute per instance.
 */
export class LeasedSlotPool implements SlotPool {
  private readonly container: ContainerClient;
  private readonly leases = new Map<number, BlobLeaseClient>();
  private readonly acquiredAt = new Map<number, number>();
  private inUse = 0;
  private readonly waiters = new Set<() => void>();
  private growing: Promise<boolean> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private ready: Promise<void> | undefined;

  private pollMs = POLL_INITIAL_MS;

  constructor(service: BlobServiceClient, private readonly slots: number, containerName: string) {
    this.container = service.getContainerClient(containerName);
  }

  get held(): number {
    return this.leases.size;
  }

  async acquire(wanted: number): Promise<number> {
    clearTimeout(this.idleTimer);
    for (;;) {
      const free = this.leases.size - this.inUse;
      if (free > 0) {
        const granted = Math.min(wanted, free);
        this.inUse += granted;
        return granted;
      }
      if (this.leases.size >= this.slots) {
        // Every slot is ours and busy: only a release of ours can help, and it wakes us at once.
        await this.nextRelease();
        continue;
      }
      this.growing ??= this.grow().finally(() => {
        this.growing = undefined;
      });
      // The rest are held elsewhere: whichever comes first, a release of ours or another try.
      if (await this.growing) {
        this.pollMs = POLL_INITIAL_MS;
      } else {
        const wait = this.pollMs * (0.8 + Math.random() * 0.4);
        this.pollMs = Math.min(this.pollMs * 2, POLL_MAX_MS);
        await this.nextRelease(wait);
      }
    }
  }

  /** Resolves at this instance's next release (or after `timeoutMs`). */
  private nextRelease(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.waiters.delete(wake);
        resolve();
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }

  release(count: number): void {
    this.inUse -= count;
    // Waiters re-check in order of arrival; those that find nothing free wait again.
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
    // Hand back long-held slots that are free right now (the next request competes for them again).
    for (const [n, at] of this.acquiredAt) {
      if (this.leases.size - this.inUse <= 0) break;
      if (Date.now() - at < MAX_HOLD_MS) continue;
      const lease = this.leases.get(n)!;
      this.leases.delete(n);
      this.acquiredAt.delete(n);
      void lease.releaseLease().catch(() => undefined);
    }
    if (this.inUse === 0) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => void this.releaseAll(), IDLE_RELEASE_MS);
      this.idleTimer.unref();
    }
  }

  /** Lets every slot go (end of work, shutdown). */
  async releaseAll(): Promise<void> {
    if (this.inUse > 0) return;
    const held = [...this.leases.values()];
    this.leases.clear();
    this.acquiredAt.clear();
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await Promise.all(held.map((l) => l.releaseLease().catch(() => undefined)));
  }

  /** Tries to lease one more slot; false when all are held elsewhere. */
  private async grow(): Promise<boolean> {
    this.ready ??= this.prepare();
    await this.ready;
    for (let n = 0; n < this.slots; n++) {
      if (this.leases.has(n)) continue;
      const lease = this.container.getBlobClient(`graph-slot/${n}`).getBlobLeaseClient();
      try {
        await lease.acquireLease(LEASE_SECONDS);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 409) continue;
        throw error;
      }
      this.leases.set(n, lease);
      this.acquiredAt.set(n, Date.now());
      this.renewTimer ??= setInterval(() => void this.renew(), RENEW_MS);
      this.renewTimer.unref();
      return true;
    }
    return false;
  }

  private async renew(): Promise<void> {
    for (const [n, lease] of this.leases) {
      // A slot whose renewal fails is dropped: another instance may have taken it after a pause.
      await lease.renewLease().catch(() => {
        this.leases.delete(n);
        this.acquiredAt.delete(n);
      });
    }
  }

  private async prepare(): Promise<void> {
    await this.container.createIfNotExists();
    for (let n = 0; n < this.slots; n++) {
      await this.container.getBlockBlobClient(`graph-slot/${n}`).upload('', 0, { conditions: { ifNoneMatch: '*' } }).catch((e: unknown) => {
        if (![409, 412].includes((e as { statusCode?: number }).statusCode ?? 0)) throw e;
      });
    }
  }
}
