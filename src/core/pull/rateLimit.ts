import { sleep as defaultSleep } from '../abort';

/**
 * A token bucket for API calls: a short burst, then no more than `perMinute` calls a minute. Box allows about 1,000
 * calls a minute per user, and the user's other tools share that budget, so the walker keeps well under it.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  /** Callers waiting, in order: each takes the next token. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perMinute: number,
    private readonly burst = 20,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = defaultSleep,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when the next call may go out. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(signal));
    // A cancelled waiter must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const at = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((at - this.last) * this.perMinute) / 60_000);
      this.last = at;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute), signal);
    }
  }
}
