/**
 * Reads the ZIP status after the stream ended. Box may keep answering `in_progress` for a while after the last
 * byte (box/box-windows-sdk-v2#904), so poll with a growing delay, but only for a bounded time: the archive's
 * own central directory and CRCs are checked anyway, so a status that never settles is a warning, not a failure.
 * The bound covers every poll and every retry the client makes of each: a status request that hangs would
 * otherwise cost the client's idle timeout times its retries (minutes) after an archive that was already complete.
 * It counts only time spent on Box (requests, and the pauses between polls), not time queued behind the pull's
 * other calls in the client's rate window (rateLimit.ts): a full window is the client's doing, not Box's.
 */
import { sleep } from '../abort';
import { systemClock, type PullClock } from './lowSpeed';
import { withDefaults } from '../defaults';
import type { BoxClient } from '../box/client';
import type { ZipDownloadStatus } from '../box/types';
import { messageOf } from '../errors';
import type { Logger } from '../logger';

export interface StatusPollOptions {
  /** Polls in all. */
  maxPolls: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** The whole wait, polls, pauses and the client's retries included; turns queued in the rate window not. */
  budgetMs: number;
  /** What the budget runs on; tests pass one they move by hand. */
  clock: PullClock;
}

const DEFAULTS: StatusPollOptions = {
  maxPolls: 8,
  firstDelayMs: 250,
  maxDelayMs: 2000,
  budgetMs: 10_000,
  clock: systemClock,
};

export async function waitForFinalStatus(
  client: BoxClient,
  statusUrl: string,
  options: Partial<StatusPollOptions> & { signal?: AbortSignal; logger: Logger },
): Promise<ZipDownloadStatus | undefined> {
  const { maxPolls, firstDelayMs, maxDelayMs, budgetMs, clock } = withDefaults(DEFAULTS, options);
  const budget = new Budget(budgetMs, clock);
  const signal = options.signal ? AbortSignal.any([options.signal, budget.signal]) : budget.signal;
  // The budget stands still while a poll waits for its turn; only the caller's cancel ends that wait.
  const queued = async (take: (signal?: AbortSignal) => Promise<void>): Promise<void> => {
    budget.pause();
    try {
      await take(options.signal);
    } finally {
      budget.resume();
    }
  };
  let delay = firstDelayMs;
  let last: ZipDownloadStatus | undefined;
  try {
    for (let poll = 1; poll <= maxPolls; poll++) {
      try {
        last = await client.getZipDownloadStatus(statusUrl, { signal, queued });
        if (last.state !== 'in_progress') return last;
        if (poll < maxPolls) await sleep(delay, signal);
      } catch (error) {
        // Only the caller's cancel is a cancel; the budget running out is Box being slow, which the archive covers.
        if (options.signal?.aborted) throw error;
        options.logger.warn(
          budget.signal.aborted
            ? `Box did not report the ZIP status within ${seconds(budgetMs)}; relying on the archive's checks.`
            : `Could not read the ZIP status: ${messageOf(error)}`,
        );
        return last;
      }
      delay = Math.min(maxDelayMs, delay * 2);
    }
  } finally {
    budget.end();
  }
  options.logger.warn(
    `Box still reports the ZIP as in progress after ${maxPolls} polls; relying on the archive's checks.`,
  );
  return last;
}

/** A time budget that can stand still: its signal aborts once `ms` have run on `clock`, pauses left out. */
class Budget {
  private readonly spent = new AbortController();
  readonly signal = this.spent.signal;
  private left: number;
  private since: number | undefined;
  private timer: AbortController | undefined;

  constructor(
    ms: number,
    private readonly clock: PullClock,
  ) {
    this.left = ms;
    this.resume();
  }

  pause(): void {
    if (this.since === undefined) return;
    this.left -= this.clock.now() - this.since;
    this.since = undefined;
    this.timer?.abort();
  }

  resume(): void {
    if (this.since !== undefined || this.signal.aborted) return;
    this.since = this.clock.now();
    const timer = (this.timer = new AbortController());
    this.clock.sleep(Math.max(0, this.left), timer.signal).then(
      () => this.spent.abort(new Error('the ZIP status budget ran out')),
      () => undefined, // paused or ended
    );
  }

  end(): void {
    this.since = undefined;
    this.timer?.abort();
  }
}

/**
 * Files Box's final word says it did not put in the archive: those it counted as skipped, and those its totals
 * leave unaccounted for (total ≠ downloaded + skipped). Undefined when every file is accounted for, or when Box
 * never gave a final word (the archive's own checks then stand).
 */
export function leftOutOf(
  status: ZipDownloadStatus | undefined,
): { skipped: number; unaccounted: number } | undefined {
  if (status?.state !== 'succeeded') return undefined;
  const skipped = Math.max(0, status.skipped_file_count ?? 0);
  const unaccounted = Math.max(
    0,
    (status.total_file_count ?? 0) - (status.downloaded_file_count ?? 0) - skipped,
  );
  return skipped + unaccounted > 0 ? { skipped, unaccounted } : undefined;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
