/**
 * Paces requests to at most `perSecond` in any sliding second, as Microsoft counts the activity
 * feed's limit (5 requests per second per app per tenant). A classic token bucket with a burst of
 * `perSecond` would send 5 at once and the 6th 200 ms later: 6 in one sliding second, a 429. So
 * each grant waits until the one `perSecond` grants earlier is more than a second (plus a margin
 * for arrival jitter) old. One pacer per process; the timer runs the pass on one instance.
 *
 * Two gates: `acquire` hands out turns, so that work before a request (database reads) is done
 * near its turn; `admit` is passed right before the request leaves and guarantees the limit (see
 * there). The first gate keeps the second's waits short.
 */
/** Clock granularity between this process and the service's. */
const ADMIT_MARGIN_MS = 5;

export class SlidingWindowPacer {
  private readonly grants: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private first: number | null = null;
  private last: number | null = null;
  private count = 0;

  constructor(
    readonly perSecond: number,
    private readonly marginMs = 50,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perSecond > 0)) throw new Error('perSecond must be positive');
  }

  /** Resolves when a request may go; grants are handed out in call order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      const capacity = Math.max(1, Math.floor(this.perSecond));
      const windowMs = (1000 * capacity) / this.perSecond;
      if (this.grants.length >= capacity) {
        const wait = this.grants[this.grants.length - capacity]! + windowMs + this.marginMs - this.clock();
        if (wait > 0) await this.sleep(wait);
      }
      const now = this.clock();
      this.grants.push(now);
      if (this.grants.length > capacity) this.grants.splice(0, this.grants.length - capacity);
      this.first ??= now;
      this.last = now;
      this.count++;
    });
    this.queue = turn;
    return turn;
  }

  /** When each of the last requests got its answer (pending while in flight). */
  private readonly answered: Array<Promise<number>> = [];
  private admitQueue: Promise<void> = Promise.resolve();

  /**
   * Resolves when a request may leave; call the returned function when its answer arrives. The
   * window is counted from answers, not departures: Graph counts a request when it arrives, which
   * is somewhere before its answer, so a request sent a second after the answer to the one
   * `perSecond` places earlier can never make `perSecond + 1` in Graph's sliding second, however
   * late the earlier one arrived (network, a busy process).
   */
  admit(): Promise<() => void> {
    let answer!: (at: number) => void;
    const answeredAt = new Promise<number>((resolve) => (answer = resolve));
    const turn = this.admitQueue.then(async () => {
      const capacity = Math.max(1, Math.floor(this.perSecond));
      const windowMs = (1000 * capacity) / this.perSecond;
      if (this.answered.length >= capacity) {
        const earlier = await this.answered[this.answered.length - capacity]!;
        const wait = earlier + windowMs + ADMIT_MARGIN_MS - this.clock();
        if (wait > 0) await this.sleep(wait);
      }
      this.answered.push(answeredAt);
      if (this.answered.length > capacity) this.answered.splice(0, this.answered.length - capacity);
    });
    this.admitQueue = turn;
    return turn.then(() => () => answer(this.clock()));
  }

  /** Achieved rate over the granted span, as a share of `perSecond` (1 = the limit exactly). */
  utilisation(): { grants: number; seconds: number; perSecond: number; utilisation: number } {
    if (this.count < 2 || this.first === null || this.last === null) return { grants: this.count, seconds: 0, perSecond: 0, utilisation: 0 };
    // n grants span n-1 intervals.
    const seconds = (this.last - this.first) / 1000;
    const rate = (this.count - 1) / seconds;
    return { grants: this.count, seconds, perSecond: rate, utilisation: rate / this.perSecond };
  }
}
