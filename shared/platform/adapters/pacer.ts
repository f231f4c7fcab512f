/** Clock granularity between this process and the service's. */
const ADMIT_MARGIN_MS = 5;

/**
 * Paces requests to at most `perSecond` in any sliding second, as Microsoft counts the activity
 * feed's limit (5 requests per second per app per tenant). A classic token bucket with a burst of
 * `perSecond` would send 5 at once and the 6th 200 ms later: 6 in one sliding second, a 429.
 *
 * Two gates. `ticket` lets a few callers (a second's worth, plus one) into the stage just before
 * sending, so the work they do there (a last database read) happens near their turn, not minutes
 * before it. `admit` is passed right before each request leaves and guarantees the limit: see there.
 * One pacer per process; the timer runs the pass on one instance.
 */
export class SlidingWindowPacer {
  /** When each of the last requests got its answer (pending while in flight). */
  private readonly answered: Array<Promise<number>> = [];
  private admitQueue: Promise<void> = Promise.resolve();
  private readonly waiting: Array<() => void> = [];
  private holders = 0;
  private first: number | null = null;
  private last: number | null = null;
  private count = 0;

  constructor(
    readonly perSecond: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perSecond > 0)) throw new Error('perSecond must be positive');
  }

  private get capacity(): number {
    return Math.max(1, Math.floor(this.perSecond));
  }

  /** A place in the stage before sending; call the returned function when done (sent or not). */
  async ticket(): Promise<() => void> {
    if (this.holders >= this.capacity + 1) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The place passes straight to the next caller; the count of holders stays the same.
      if (next) next();
      else this.holders--;
    };
  }

  /** How long `prepare` took lately (ms): it is started that long before the request's time. */
  private prepareMs = 20;

  /**
   * Resolves when a request may leave; call the returned `answered` when its answer arrives. The
   * window is counted from answers, not departures: Graph counts a request when it arrives, which
   * is somewhere before its answer, so a request sent a second after the answer to the one
   * `perSecond` places earlier can never make `perSecond + 1` in Graph's sliding second, however
   * late the earlier one arrived (network, a busy process).
   *
   * `prepare` (the caller's last look: is the request still wanted?) is started just before the
   * request's time, so it neither lengthens the paced interval nor runs long before the request
   * leaves; `go` is its answer (a request not wanted gives its place back at once).
   */
  async admit(prepare: () => Promise<boolean> = async () => true): Promise<{ go: boolean; answered: () => void }> {
    let answer!: (at: number) => void;
    const answeredAt = new Promise<number>((resolve) => (answer = resolve));
    let go = false;
    let failure: { error: unknown } | undefined;
    const turn = this.admitQueue.then(async () => {
      const windowMs = (1000 * this.capacity) / this.perSecond;
      let due = this.clock();
      if (this.answered.length >= this.capacity) due = Math.max(due, (await this.answered[this.answered.length - this.capacity]!) + windowMs + ADMIT_MARGIN_MS);
      const lead = Math.max(0, due - this.prepareMs * 1.2 - this.clock());
      if (lead > 0) await this.sleep(lead);
      const started = this.clock();
      try {
        go = await prepare();
      } catch (e) {
        // A look that failed is no go; the error is the caller's, the queue goes on.
        failure = { error: e };
        go = false;
      }
      this.prepareMs = 0.8 * this.prepareMs + 0.2 * (this.clock() - started);
      const rest = due - this.clock();
      if (go && rest > 0) await this.sleep(rest);
      if (!go) {
        answer(Number.NEGATIVE_INFINITY);
        return;
      }
      this.answered.push(answeredAt);
      if (this.answered.length > this.capacity) this.answered.splice(0, this.answered.length - this.capacity);
      const now = this.clock();
      this.first ??= now;
      this.last = now;
      this.count++;
    });
    this.admitQueue = turn.catch(() => undefined);
    await turn;
    if (failure) throw failure.error;
    return { go, answered: () => answer(this.clock()) };
  }

  /** Achieved rate over the admitted span, as a share of `perSecond` (1 = the limit exactly). */
  utilisation(): { requests: number; seconds: number; perSecond: number; utilisation: number } {
    if (this.count < 2 || this.first === null || this.last === null) return { requests: this.count, seconds: 0, perSecond: 0, utilisation: 0 };
    // n requests span n-1 intervals.
    const seconds = (this.last - this.first) / 1000;
    const rate = (this.count - 1) / seconds;
    return { requests: this.count, seconds, perSecond: rate, utilisation: rate / this.perSecond };
  }
}
