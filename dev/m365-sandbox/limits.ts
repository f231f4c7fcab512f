import { Prng } from './prng';

export interface ThrottlingOptions {
  /** Outlook: requests in flight at once per app (documented as 4, across all mailboxes). */
  concurrentRequestsPerApp?: number;
  /** Outlook: requests per window per app per mailbox (10,000). */
  requestsPerMailboxPerWindow?: number;
  /** Length of that window in real milliseconds before the time scale (10 minutes). */
  windowMs?: number;
  /** SharePoint: resource units per app per minute (1,200 for tenants under 1,000 licences). */
  sharePointUnitsPerMinute?: number;
  /** Teams activity feed: notifications per app in any sliding second (5). */
  activityFeedPerSecond?: number;
}

/**
 * SharePoint resource units of a request, as Microsoft documents them: 1 for a read, 2 for a create,
 * update or delete, 5 for a permission operation.
 */
export function sharePointUnits(method: string, path: string): number {
  if (/\/(invite|permissions)(\/|$)/.test(path)) return 5;
  return method === 'GET' ? 1 : 2;
}

/** What one app asked of SharePoint since start (or the last reset), for benchmarks. */
export interface SharePointAppStats {
  /** Resource units charged (requests let through). */
  units: number;
  /** SharePoint requests, throttled ones included. */
  requests: number;
  /** Requests answered 429. */
  throttled: number;
  /** When the first and last charged requests arrived (ISO), null before any. */
  firstChargedAt: string | null;
  lastChargedAt: string | null;
}

/** SharePoint's per-app budget of resource units per minute (time-scaled like the Outlook window). */
export class SharePointThrottle {
  private readonly windows = new Map<string, { start: number; used: number }>();
  /** Per-app counters, kept even when throttling is off. */
  readonly stats = new Map<string, SharePointAppStats>();
  readonly unitsPerMinute: number;
  readonly windowMs: number;

  constructor(readonly enabled: boolean, options: ThrottlingOptions, timeScale: number) {
    this.unitsPerMinute = options.sharePointUnitsPerMinute ?? 1200;
    this.windowMs = 60_000 / Math.max(timeScale, 1e-9);
  }

  charge(appId: string, units: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = Date.now();
    let stats = this.stats.get(appId);
    if (!stats) {
      stats = { units: 0, requests: 0, throttled: 0, firstChargedAt: null, lastChargedAt: null };
      this.stats.set(appId, stats);
    }
    stats.requests++;
    if (this.enabled) {
      let window = this.windows.get(appId);
      if (!window || now - window.start >= this.windowMs) {
        window = { start: now, used: 0 };
        this.windows.set(appId, window);
      }
      if (window.used + units > this.unitsPerMinute) {
        stats.throttled++;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)) };
      }
      window.used += units;
    }
    stats.units += units;
    const at = new Date(now).toISOString();
    stats.firstChargedAt ??= at;
    stats.lastChargedAt = at;
    return { allowed: true };
  }

  reset(): void {
    this.windows.clear();
    this.stats.clear();
  }
}

/**
 * Teams activity feed notifications: at most `perSecond` requests per app in any sliding second
 * (Microsoft documents 5 per second per app per tenant), counted at arrival; over it, 429 with a
 * Retry-After saying when the oldest request in the window leaves it.
 */
export class ActivityFeedThrottle {
  private readonly arrivals = new Map<string, number[]>();
  /** Requests refused with 429, per app. */
  readonly refused = new Map<string, number>();

  constructor(readonly enabled: boolean, readonly perSecond = 5) {}

  charge(appId: string, now = Date.now()): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    if (!this.enabled) return { allowed: true };
    const window = (this.arrivals.get(appId) ?? []).filter((t) => now - t < 1000);
    this.arrivals.set(appId, window);
    if (window.length >= this.perSecond) {
      this.refused.set(appId, (this.refused.get(appId) ?? 0) + 1);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window[0]! + 1000 - now) / 1000)) };
    }
    window.push(now);
    return { allowed: true };
  }

  reset(): void {
    this.arrivals.clear();
    this.refused.clear();
  }
}

export type ThrottleDecision = { allowed: true; release: () => void } | { allowed: false; retryAfterSeconds: number; reason: string };

/**
 * Outlook resource limits as Microsoft documents them: a concurrency cap per app and a request budget
 * per app and mailbox over a window. `timeScale` shrinks the window (600 makes 10 minutes one second)
 * so tests can exhaust and recover from it quickly.
 */
export class OutlookThrottle {
  private readonly inFlight = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; count: number }>();
  readonly concurrency: number;
  readonly perWindow: number;
  readonly windowMs: number;

  constructor(readonly enabled: boolean, options: ThrottlingOptions, timeScale: number) {
    this.concurrency = options.concurrentRequestsPerApp ?? 4;
    this.perWindow = options.requestsPerMailboxPerWindow ?? 10_000;
    this.windowMs = (options.windowMs ?? 600_000) / Math.max(timeScale, 1e-9);
  }

  acquire(appId: string, mailboxId: string): ThrottleDecision {
    if (!this.enabled) return { allowed: true, release: () => undefined };
    const now = Date.now();
    const key = `${appId}|${mailboxId}`;
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.perWindow) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)), reason: 'Application is over its MailboxRequestRate limit.' };
    }
    const running = this.inFlight.get(appId) ?? 0;
    if (running >= this.concurrency) {
      return { allowed: false, retryAfterSeconds: 1, reason: 'Application is over its MailboxConcurrency limit.' };
    }
    window.count++;
    this.inFlight.set(appId, running + 1);
    let released = false;
    return {
      allowed: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(appId, (this.inFlight.get(appId) ?? 1) - 1);
      },
    };
  }

  reset(): void {
    this.windows.clear();
  }
}

export type FaultKind = '429' | '503' | '504' | 'reset' | 'slow';
export const FAULT_KINDS: FaultKind[] = ['429', '503', '504', 'reset', 'slow'];

export interface FaultOptions {
  /** Probability per Graph request of each fault (0..1); drawn with a seeded generator. */
  rates?: Partial<Record<FaultKind, number>>;
  /** Delay of a slow response (default 2000 ms). */
  slowMs?: number;
  /** Seed of the fault draws (default 1), so a run's faults are reproducible. */
  seed?: number;
  /** Only requests whose path (after /v1.0) matches this regular expression are affected. */
  pathPattern?: string;
  /** Faults to inject on the very next requests, in order, before any random ones. */
  next?: FaultKind[];
}

/** Injected failures: at configured rates, or queued on command through the control API. */
export class FaultInjector {
  private options: FaultOptions = {};
  private prng = new Prng(1);
  private queue: FaultKind[] = [];
  private pattern: RegExp | undefined;
  readonly injected: Record<FaultKind, number> = { '429': 0, '503': 0, '504': 0, reset: 0, slow: 0 };

  constructor(options: FaultOptions = {}) {
    this.configure(options);
  }

  configure(options: FaultOptions): void {
    for (const [kind, rate] of Object.entries(options.rates ?? {})) {
      if (!FAULT_KINDS.includes(kind as FaultKind) || typeof rate !== 'number' || rate < 0 || rate > 1) throw new Error(`invalid fault rate ${kind}=${String(rate)}`);
    }
    for (const kind of options.next ?? []) if (!FAULT_KINDS.includes(kind)) throw new Error(`invalid fault kind ${kind}`);
    this.options = { ...options, next: undefined };
    this.prng = new Prng(options.seed ?? 1);
    this.queue = [...(options.next ?? [])];
    this.pattern = options.pathPattern ? new RegExp(options.pathPattern) : undefined;
  }

  get settings(): FaultOptions {
    return { ...this.options, next: [...this.queue] };
  }

  get slowMs(): number {
    return this.options.slowMs ?? 2000;
  }

  draw(path: string): FaultKind | undefined {
    if (this.pattern && !this.pattern.test(path)) return undefined;
    let kind = this.queue.shift();
    if (!kind) {
      const roll = this.prng.next();
      let cumulative = 0;
      for (const candidate of FAULT_KINDS) {
        cumulative += this.options.rates?.[candidate] ?? 0;
        if (roll < cumulative) {
          kind = candidate;
          break;
        }
      }
    }
    if (kind) this.injected[kind]++;
    return kind;
  }
}
