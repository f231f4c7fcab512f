import { retryAfterMs } from '../../platform/graph/graph-links';

/**
 * SharePoint throttles each app by resource units per minute (1,200 for a tenant under 1,000
 * licences): 1 unit per read, 2 per create, update or delete, 5 per permission operation. Past the
 * budget every request of the app is refused until the window ends, so the pacer spends the budget
 * for the whole app in one place:
 * - at most `budget` units in any `windowMs` span (a sliding log is stricter than the service's
 *   window, so staying inside it never trips theirs);
 * - a request counts from when it is sent until its answer comes back (the service charged it at
 *   some instant in between, which we do not see), and the budget keeps a small margin below the
 *   limit for clock skew between our window and the service's;
 * - callers wait in arrival order (a big permission request is not overtaken by a stream of reads);
 * - a 429 or 503 pauses everyone until its Retry-After: the app's budget is spent, not one call's.
 */

/** Units of a request, as Microsoft documents them. */
export function sharePointUnits(method: string, path: string): number {
  if (/\/(invite|permissions)(\/|\?|$)/.test(path)) return 5;
  return method.toUpperCase() === 'GET' ? 1 : 2;
}

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SharePointPacerOptions {
  unitsPerMinute: number;
  /** The budget's window; tests and benches shorten it along with the sandbox's time scale. */
  windowMs?: number;
  /** Share of the budget left unspent for clock skew between our window and the service's (default 2%). */
  margin?: number;
  /** Attempts of one request refused with 429/503 before giving up (default 6). */
  maxAttempts?: number;
  clock?: PacerClock;
}

export interface PacerStats {
  unitsSpent: number;
  requests: number;
  /** Requests the service refused with 429 or 503. */
  throttled: number;
  firstRequestAt: number | null;
  lastRequestAt: number | null;
}

/** Thrown when the service kept refusing one request past the attempts allowed. */
export class SharePointThrottled extends Error {
  constructor(readonly status: number, readonly attempts: number) {
    super(`SharePoint kept refusing a request (HTTP ${status}) after ${attempts} attempts`);
    this.name = 'SharePointThrottled';
  }
}

interface Spent {
  at: number;
  units: number;
  /** While in flight a request holds its units: it leaves the window only after its answer. */
  inFlight: boolean;
}

interface Waiter {
  units: number;
  granted: (entry: Spent) => void;
}

/** What a refused call says about throttling: its status and how long to wait, when it says. */
export function throttleOf(error: unknown): { status: number; retryAfterMs: number | undefined } | undefined {
  const e = error as { statusCode?: number; headers?: { get?: (name: string) => string | null } } | null;
  const status = e?.statusCode;
  if (status !== 429 && status !== 503) return undefined;
  return { status, retryAfterMs: retryAfterMs(e?.headers?.get?.('retry-after') ?? undefined) };
}

export class SharePointPacer {
  readonly budget: number;
  readonly windowMs: number;
  private readonly clock: PacerClock;
  private readonly maxAttempts: number;
  private log: Spent[] = [];
  private readonly queue: Waiter[] = [];
  private pausedUntil = 0;
  private pumping = false;
  private wake: (() => void) | undefined;
  private timer: { at: number; done: Promise<void> } | undefined;
  private readonly counters: PacerStats = { unitsSpent: 0, requests: 0, throttled: 0, firstRequestAt: null, lastRequestAt: null };

  constructor(options: SharePointPacerOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.budget = Math.max(5, Math.floor(options.unitsPerMinute * (1 - (options.margin ?? 0.02))));
    this.clock = options.clock ?? realClock;
    this.maxAttempts = options.maxAttempts ?? 6;
  }

  stats(): PacerStats {
    return { ...this.counters };
  }

  /** Units held in the current window (sent and not yet out of it). */
  inWindow(): number {
    this.prune(this.clock.now());
    return this.log.reduce((n, e) => n + e.units, 0);
  }

  /**
   * Runs `call` once its units fit the budget; a 429/503 pauses the pacer and the call is tried
   * again ahead of those who came later. Any other error is the caller's.
   */
  async run<T>(units: number, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const entry = await this.acquire(units, attempt > 1);
      try {
        return await call();
      } catch (e) {
        const throttled = throttleOf(e);
        if (!throttled) throw e;
        this.counters.throttled++;
        const wait = throttled.retryAfterMs ?? Math.min(this.windowMs, 1000 * 2 ** (attempt - 1));
        this.pause(wait);
        if (attempt >= this.maxAttempts) throw new SharePointThrottled(throttled.status, attempt);
      } finally {
        this.release(entry);
      }
    }
  }

  /** Everyone waits until `ms` from now (the service said the app's budget is spent). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.poke();
  }

  private acquire(units: number, first: boolean): Promise<Spent> {
    return new Promise((granted) => {
      const waiter = { units: Math.min(units, this.budget), granted };
      if (first) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      void this.pump();
    });
  }

  private release(entry: Spent): void {
    entry.inFlight = false;
    entry.at = this.clock.now();
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private prune(now: number): void {
    if (this.log.length > 0 && this.log.some((e) => !e.inFlight && e.at <= now - this.windowMs)) {
      this.log = this.log.filter((e) => e.inFlight || e.at > now - this.windowMs);
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = this.clock.now();
        if (this.pausedUntil > now) {
          await this.nap(this.pausedUntil - now);
          continue;
        }
        this.prune(now);
        const head = this.queue[0]!;
        const held = this.log.reduce((n, e) => n + e.units, 0);
        if (held + head.units <= this.budget) {
          this.queue.shift();
          const entry: Spent = { at: now, units: head.units, inFlight: true };
          this.log.push(entry);
          this.counters.unitsSpent += head.units;
          this.counters.requests++;
          this.counters.firstRequestAt ??= now;
          this.counters.lastRequestAt = now;
          head.granted(entry);
          continue;
        }
        // The earliest instant enough answered units leave the window; none answered yet: wait for an answer.
        let free = this.budget - held;
        let until: number | undefined;
        for (const e of [...this.log].filter((x) => !x.inFlight).sort((a, b) => a.at - b.at)) {
          free += e.units;
          if (free >= head.units) {
            until = e.at + this.windowMs + 1;
            break;
          }
        }
        await this.nap(until === undefined ? undefined : Math.max(1, until - now));
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Sleeps `ms` (or until an answer or a pause changes the picture, whichever comes first). A
   * timer already set for an earlier instant is reused (waking early only means looking again), so
   * a busy pacer does not pile up one pending timer per answer.
   */
  private nap(ms: number | undefined): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    if (ms === undefined) return woken;
    const at = this.clock.now() + ms;
    if (!this.timer || this.timer.at > at) {
      const timer = { at, done: this.clock.sleep(ms) };
      this.timer = timer;
      void timer.done.then(() => {
        if (this.timer === timer) this.timer = undefined;
      });
    }
    return Promise.race([woken, this.timer.done]);
  }
}
