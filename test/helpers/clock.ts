// A clock that moves only when a test moves it, for code that takes an injected `now` and `sleep` (the file
// lock, the emulator's lifetimes and entry delays, TokenManager). Expiry and retry tests then neither sleep nor
// race the wall clock, and `whenSleeping` tells a test that the code reached its next wait, so it knows when to
// move time again.

interface Sleeper {
  due: number;
  wake(): void;
}

export class ManualClock {
  private current: number;
  private readonly sleepers = new Set<Sleeper>();
  private readonly watchers = new Set<{ count: number; resolve(): void }>();

  constructor(start = Date.now()) {
    this.current = start;
  }

  /** Epoch milliseconds; changes only through `advance`. */
  readonly now = (): number => this.current;

  /** Resolves once the clock was advanced by `ms` (even 0 waits for an `advance`); rejects when `signal` aborts. */
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        this.sleepers.delete(sleeper);
        reject(signal?.reason);
        this.notify();
      };
      const sleeper: Sleeper = {
        due: this.current + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.add(sleeper);
      this.notify();
    });

  /** Moves time forward and wakes every sleep due by then, earliest first. */
  advance(ms: number): void {
    this.current += ms;
    const due = [...this.sleepers].filter((s) => s.due <= this.current).sort((a, b) => a.due - b.due);
    for (const sleeper of due) {
      this.sleepers.delete(sleeper);
      sleeper.wake();
    }
    this.notify();
  }

  /** Sleeps in progress. */
  get sleeping(): number {
    return this.sleepers.size;
  }

  /** Resolves as soon as exactly `count` sleeps are in progress (at once if they are now). */
  whenSleeping(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.watchers.add({ count, resolve });
      this.notify();
    });
  }

  private notify(): void {
    for (const watcher of this.watchers) {
      if (watcher.count === this.sleepers.size) {
        this.watchers.delete(watcher);
        watcher.resolve();
      }
    }
  }
}
