/**
 * The app's one budget for Microsoft Graph Outlook requests (see docs/decisions/0004):
 * - at most `concurrency` requests in flight for the whole app (Outlook: 4 per app). Across
 *   instances the slots are shared through a SlotPool (blob leases in Azure, see graph-slots.ts);
 * - per mailbox at most `windowRequests` in any `windowMs` span (Outlook: 10,000 per 10 minutes).
 *   A sliding log is stricter than Microsoft's window, so staying inside it never trips theirs;
 * - Retry-After honoured (the mailbox, or the whole app for a concurrency verdict, waits), and
 *   exponential backoff with jitter when the service pushes back without saying how long;
 * - after a push back the app's concurrency is halved and grows back one slot per run of successes
 *   (additive increase, multiplicative decrease), so a crowded tenant settles below the limit.
 */

export interface SlotPool {
  /** Waits until this instance may use `wanted` more slots (it may get fewer, at least 1). */
  acquire(wanted: number): Promise<number>;
  release(count: number): void;
  /** How many slots this instance may use now (for tests and logs). */
  readonly held: number;
}

/** Slots counted in memory: the share of a single instance (or of each instance, by configuration). */
export class LocalSlotPool implements SlotPool {
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(private readonly size: number) {}
  get held(): number {
    return this.inUse;
  }
  async acquire(wanted: number): Promise<number> {
    while (this.inUse >= this.size) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const granted = Math.max(1, Math.min(wanted, this.size - this.inUse));
    this.inUse += granted;
    return granted;
  }
  release(count: number): void {
    this.inUse -= count;
    for (let i = 0; i < count && this.waiters.length; i++) this.waiters.shift()!();
  }
}

/** What one attempt told the budget. */
export type AttemptVerdict<T> =
  /** `holdUntil`: the request is still running (a streamed body); its slots stay taken until it settles. */
  | { kind: 'done'; value: T; holdUntil?: Promise<unknown> }
  /** Throttled or unavailable; `retryAfterMs` when the service said how long. */
  | { kind: 'pushback'; status: number; retryAfterMs?: number; scope: 'mailbox' | 'app' }
  /** Network failure (connection reset, timeout) before a verdict. */
  | { kind: 'transient'; error: unknown };

export interface BudgetOptions {
  concurrency: number;
  windowRequests: number;
  windowMs: number;
  /** Attempts per request before giving up (the caller's checkpoint makes giving up safe). */
  maxAttempts?: number;
  /** First backoff without Retry-After; doubles per attempt, capped by maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  slots?: SlotPool;
  now?: () => number;
}

export interface BudgetStats {
  /** HTTP requests sent (a $batch is one). */
  requests: number;
  /** Outlook requests sent (a $batch counts each part), in all and per mailbox. */
  outlookRequests: number;
  /** Answers 429 (whole requests or batch parts). */
  throttled: number;
  pushbacks: number;
  transientFailures: number;
  waitsForWindowMs: number;
}

export class GraphBudgetExhaustedError extends Error {
  constructor(readonly lastStatus: number | 'network', attempts: number) {
    super(`Microsoft Graph kept refusing after ${attempts} attempts (last: ${lastStatus})`);
    this.name = 'GraphBudgetExhaustedError';
  }
}

interface MailboxWindow {
  /** Send times and costs, oldest first. */
  log: Array<{ at: number; cost: number }>;
  used: number;
  pausedUntil: number;
}

/** Share of the window added to a request's send time to cover its arrival jitter. */
const ARRIVAL_MARGIN = 0.02;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class GraphBudget {
  private readonly mailboxes = new Map<string, MailboxWindow>();
  private readonly slots: SlotPool;
  private readonly now: () => number;
  private appPausedUntil = 0;
  /** Current concurrency ceiling after push backs (AIMD). */
  private ceiling: number;
  private successesSincePushback = 0;
  private inFlight = 0;
  private readonly ceilingWaiters: Array<() => void> = [];
  readonly stats: BudgetStats = { requests: 0, outlookRequests: 0, throttled: 0, pushbacks: 0, transientFailures: 0, waitsForWindowMs: 0 };
  readonly sentByMailbox = new Map<string, number>();

  constructor(readonly options: BudgetOptions) {
    this.slots = options.slots ?? new LocalSlotPool(options.concurrency);
    this.now = options.now ?? Date.now;
    this.ceiling = options.concurrency;
  }

  /**
   * Runs `attempt` within the budget, retrying push backs and network failures. `cost` is how many
   * Outlook requests it counts for (a $batch counts each part) and `parallelism` how many of the
   * app's concurrent requests it occupies (a $batch runs up to 4 parts at once).
   */
  async run<T>(mailboxId: string, attempt: () => Promise<AttemptVerdict<T>>, cost = 1, parallelism = 1): Promise<T> {
    const maxAttempts = this.options.maxAttempts ?? 8;
    let last: number | 'network' = 'network';
    for (let n = 1; n <= maxAttempts; n++) {
      const verdict = await this.once(mailboxId, attempt, cost, parallelism);
      if (verdict.kind === 'done') return verdict.value;
      const backoff = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.baseBackoffMs ?? 200) * 2 ** (n - 1));
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      if (verdict.kind === 'transient') {
        this.stats.transientFailures++;
        last = 'network';
        await sleep(jittered);
        continue;
      }
      last = verdict.status;
      this.pushback(mailboxId, verdict.status, verdict.retryAfterMs, verdict.scope, n);
    }
    throw new GraphBudgetExhaustedError(last, maxAttempts);
  }

  /**
   * Records a push back seen outside run() (a throttled part of a $batch): the mailbox (or the app)
   * waits Retry-After, or an exponential backoff for the attempt number when there is none.
   */
  pushback(mailboxId: string, status: number, retryAfterMs: number | undefined, scope: 'mailbox' | 'app', attempt: number, answers = 1): void {
    this.stats.pushbacks++;
    if (status === 429) this.stats.throttled += answers;
    this.onPushback();
    const backoff = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.baseBackoffMs ?? 200) * 2 ** (attempt - 1));
    const wait = retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
    const until = this.now() + wait;
    if (scope === 'app') this.appPausedUntil = Math.max(this.appPausedUntil, until);
    else this.window(mailboxId).pausedUntil = Math.max(this.window(mailboxId).pausedUntil, until);
  }

  private async once<T>(mailboxId: string, attempt: () => Promise<AttemptVerdict<T>>, cost: number, parallelism: number): Promise<AttemptVerdict<T>> {
    // The request takes its place in the mailbox's window first, then waits for a slot: a request
    // that found the window full only after getting a slot would sleep on it, keeping other
    // mailboxes from using it. Its entry is dated again when it is sent.
    const entry = await this.reserveWindow(mailboxId, cost);
    const want = Math.min(parallelism, this.options.concurrency);
    await this.waitForCeiling(want);
    let granted = 0;
    let held: Promise<unknown> | undefined;
    try {
      // A request needing several slots (a $batch) collects them one grant at a time.
      try {
        while (granted < want) granted += await this.slots.acquire(want - granted);
      } catch (error) {
        this.cancel(mailboxId, entry);
        throw error;
      }
      entry.at = this.sendDate();
      this.stats.requests++;
      let verdict: AttemptVerdict<T>;
      try {
        verdict = await attempt();
      } catch (error) {
        verdict = { kind: 'transient', error };
      }
      // A $batch is dated again once answered: Outlook runs its parts a few at a time and may count
      // a part at any moment until the batch answers, so the batch stays in our window a full
      // window after that. A single request is counted when it arrives: shortly after it was sent.
      if (cost > 1) entry.at = this.now();
      if (verdict.kind === 'done') {
        this.onSuccess();
        held = verdict.holdUntil;
      }
      return verdict;
    } finally {
      const release = () => {
        if (granted) this.slots.release(granted);
        this.inFlight -= want;
        this.ceilingWaiters.splice(0).forEach((wake) => wake());
      };
      if (held) void held.then(release, release);
      else release();
    }
  }

  private async waitForCeiling(want: number): Promise<void> {
    while (this.inFlight + want > Math.max(this.ceiling, want)) await new Promise<void>((resolve) => this.ceilingWaiters.push(resolve));
    this.inFlight += want;
  }

  private window(mailboxId: string): MailboxWindow {
    let w = this.mailboxes.get(mailboxId);
    if (!w) {
      w = { log: [], used: 0, pausedUntil: 0 };
      this.mailboxes.set(mailboxId, w);
    }
    return w;
  }

  private prune(w: MailboxWindow, now: number): void {
    // Batches are re-dated at completion, so the log is not strictly in order.
    if (!w.log.some((e) => e.at <= now - this.options.windowMs)) return;
    w.log = w.log.filter((e) => e.at > now - this.options.windowMs);
    w.used = w.log.reduce((sum, e) => sum + e.cost, 0);
  }

  /** Waits until the mailbox's window has room for `cost`, and takes it (in the same step as the check). */
  private async reserveWindow(mailboxId: string, cost: number): Promise<{ at: number; cost: number }> {
    const w = this.window(mailboxId);
    for (;;) {
      const now = this.now();
      this.prune(w, now);
      const paused = Math.max(w.pausedUntil, this.appPausedUntil);
      let wait = paused > now ? paused - now : 0;
      if (!wait && w.used + cost > this.options.windowRequests && w.log.length) {
        // Wait until enough of the oldest sends leave the window.
        let freed = 0;
        for (const entry of [...w.log].sort((a, b) => a.at - b.at)) {
          freed += entry.cost;
          if (w.used - freed + cost <= this.options.windowRequests) {
            // A reservation not yet sent frees nothing until it is: look again a window later.
            wait = Math.min(entry.at + this.options.windowMs - now + 1, this.options.windowMs);
            break;
          }
        }
      }
      if (!wait) return this.record(mailboxId, cost);
      this.stats.waitsForWindowMs += wait;
      await sleep(wait);
    }
  }

  /**
   * When a request sent now counts in our window: a little later than now (2% of the window), as
   * requests arrive with some jitter and one sent just as our window frees a place may arrive in
   * Microsoft's next window.
   */
  private sendDate(): number {
    return this.now() + this.options.windowMs * ARRIVAL_MARGIN;
  }

  /** A reservation whose request was never sent leaves the window. */
  private cancel(mailboxId: string, entry: { at: number; cost: number }): void {
    const w = this.window(mailboxId);
    const at = w.log.indexOf(entry);
    if (at >= 0) {
      w.log.splice(at, 1);
      w.used -= entry.cost;
    }
  }

  /** Takes a place in the mailbox's window; until the request is sent it never leaves the window. */
  private record(mailboxId: string, cost: number): { at: number; cost: number } {
    const w = this.window(mailboxId);
    const entry = { at: Number.POSITIVE_INFINITY, cost };
    w.log.push(entry);
    w.used += cost;
    this.stats.outlookRequests += cost;
    this.sentByMailbox.set(mailboxId, (this.sentByMailbox.get(mailboxId) ?? 0) + cost);
    return entry;
  }

  private onPushback(): void {
    this.ceiling = Math.max(1, Math.floor(this.ceiling / 2));
    this.successesSincePushback = 0;
  }

  private onSuccess(): void {
    if (this.ceiling >= this.options.concurrency) return;
    if (++this.successesSincePushback >= 20) {
      this.ceiling++;
      this.successesSincePushback = 0;
      this.ceilingWaiters.splice(0).forEach((wake) => wake());
    }
  }

  /**
   * A mailbox's recent sends, to hand to the next run (possibly on another instance) with the
   * mailbox lock, so consecutive runs share the mailbox's window.
   */
  exportWindow(mailboxId: string): Array<[number, number]> {
    const w = this.window(mailboxId);
    this.prune(w, this.now());
    // Sixty buckets per window keep it small enough for blob metadata; each is dated at its end,
    // so the next run counts a send slightly longer than it needs to (never shorter).
    const width = Math.max(1, Math.ceil(this.options.windowMs / 60));
    const buckets = new Map<number, number>();
    for (const e of w.log.filter((entry) => Number.isFinite(entry.at))) {
      const end = (Math.floor(e.at / width) + 1) * width;
      buckets.set(end, (buckets.get(end) ?? 0) + e.cost);
    }
    return [...buckets.entries()];
  }

  importWindow(mailboxId: string, log: Array<[number, number]>): void {
    const w = this.window(mailboxId);
    const known = new Set(w.log.map((e) => e.at));
    for (const [at, cost] of log) if (!known.has(at)) w.log.push({ at, cost });
    w.log.sort((a, b) => a.at - b.at);
    w.used = w.log.reduce((sum, e) => sum + e.cost, 0);
    this.prune(w, this.now());
  }

  /** Forgets a mailbox's window once its run ends (it travels with the lock). */
  forget(mailboxId: string): void {
    this.mailboxes.delete(mailboxId);
  }
}
