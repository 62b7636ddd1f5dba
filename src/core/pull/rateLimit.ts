import { sleep as defaultSleep } from '../abort';
import type { BoxClient } from '../box/client';

/**
 * At most `perMinute` calls in any minute, the way Box counts (about 1,000 API calls a minute per user; the user's
 * other tools share that budget, so the walker keeps under it). A sliding window rather than a steady drip: a
 * tree of a few hundred folders is listed at full speed, and only a larger one waits.
 */
export class RateLimiter {
  /** Start times of the calls in the last minute, oldest first. */
  private readonly starts: number[] = [];
  /** Callers waiting, in order: each takes the next slot. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = defaultSleep,
    private readonly windowMs = 60_000,
  ) {}

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
      while (this.starts.length > 0 && this.starts[0] <= at - this.windowMs) this.starts.shift();
      if (this.starts.length < this.perMinute) {
        this.starts.push(at);
        return;
      }
      await this.sleep(this.starts[0] + this.windowMs - at, signal);
    }
  }
}

/** Box's budget is about 1,000 calls a minute per user; the user's other tools share it. */
export const DEFAULT_CALLS_PER_MINUTE = 900;

/**
 * Gives `client` a rate window on every API call it makes (listing pages, ZIP creates, status polls, file content
 * requests, retries) unless it has one, and returns it: every pull through one client shares the one window.
 */
export function rateLimited(client: BoxClient, perMinute = DEFAULT_CALLS_PER_MINUTE): BoxClient {
  if (!client.rateLimiter) client.useRateLimiter(new RateLimiter(perMinute));
  return client;
}
