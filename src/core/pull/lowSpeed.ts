/**
 * Watches a download while it runs: re-sends progress every tick, so that a silent connection shows its rate
 * falling to 0 and the stall, and gives the download up when it stays under a floor for a whole window (like curl's
 * `--speed-limit`/`--speed-time`). Undici's idle timeout only catches total silence; a server that trickles a byte
 * a second never trips it, and would keep a pull going for days.
 */
import { sleep as realSleep } from '../abort';
import { withDefaults } from '../defaults';
import { PullError } from '../errors';
import { formatBytes } from './progress';

export interface LowSpeedLimit {
  /** A download slower than this, on average over `windowMs`, ... */
  bytesPerSecond: number;
  /** ... is given up: a fresh ZIP, then an error. */
  windowMs: number;
  /** How often progress is re-sent while the download runs. */
  tickMs: number;
}

export const DEFAULT_LOW_SPEED_LIMIT: Readonly<LowSpeedLimit> = Object.freeze({
  bytesPerSecond: 1000,
  windowMs: 60_000,
  tickMs: 1000,
});

/** Time for the watch; tests pass a clock they move by hand instead of waiting a minute. */
export interface PullClock {
  now(): number;
  /** Must reject when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: PullClock = { now: () => performance.now(), sleep: realSleep };

export function tooSlowError(limit: LowSpeedLimit): PullError {
  return new PullError(
    'too_slow',
    `The download ran slower than ${formatBytes(limit.bytesPerSecond)}/s for ${Math.round(limit.windowMs / 1000)} s; the connection to Box may be stalled.`,
  );
}

/**
 * Runs until `stop` aborts. Calls `onTick` every tick and `onTooSlow` (once) when fewer than
 * `bytesPerSecond × windowMs` bytes arrived over the last window.
 */
export async function watchDownloadSpeed(
  bytes: () => number,
  options: {
    limit?: Partial<LowSpeedLimit>;
    clock?: PullClock;
    stop: AbortSignal;
    onTick(): void;
    onTooSlow(error: PullError): void;
  },
): Promise<void> {
  const limit = withDefaults(DEFAULT_LOW_SPEED_LIMIT, options.limit);
  const clock = options.clock ?? systemClock;
  // One sample a tick; the oldest kept is the last one at or before the window's start.
  const samples = [{ at: clock.now(), bytes: bytes() }];
  try {
    while (!options.stop.aborted) {
      await clock.sleep(limit.tickMs, options.stop);
      const at = clock.now();
      samples.push({ at, bytes: bytes() });
      while (samples.length > 1 && at - samples[1].at >= limit.windowMs) samples.shift();
      options.onTick();
      const base = samples[0];
      if (
        at - base.at >= limit.windowMs &&
        bytes() - base.bytes < (limit.bytesPerSecond * (at - base.at)) / 1000
      ) {
        options.onTooSlow(tooSlowError(limit));
        return;
      }
    }
  } catch {
    // Stopped: the download ended or was cancelled.
  }
}
