/**
 * Reads the ZIP status after the stream ended. Box may keep answering `in_progress` for a while after the last
 * byte (box/box-windows-sdk-v2#904), so poll with a growing delay, but only for a bounded time: the archive's
 * own central directory and CRCs are checked anyway, so a status that never settles is a warning, not a failure.
 * The bound covers every poll and every retry the client makes of each: a status request that hangs would
 * otherwise cost the client's idle timeout times its retries (minutes) after an archive that was already complete.
 */
import { sleep } from '../abort';
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
  /** The whole wait, polls, pauses and the client's retries included. */
  budgetMs: number;
}

const DEFAULTS: StatusPollOptions = { maxPolls: 8, firstDelayMs: 250, maxDelayMs: 2000, budgetMs: 10_000 };

export async function waitForFinalStatus(
  client: BoxClient,
  statusUrl: string,
  options: Partial<StatusPollOptions> & { signal?: AbortSignal; logger: Logger },
): Promise<ZipDownloadStatus | undefined> {
  const { maxPolls, firstDelayMs, maxDelayMs, budgetMs } = withDefaults(DEFAULTS, options);
  const budget = AbortSignal.timeout(budgetMs);
  const signal = options.signal ? AbortSignal.any([options.signal, budget]) : budget;
  let delay = firstDelayMs;
  let last: ZipDownloadStatus | undefined;
  for (let poll = 1; poll <= maxPolls; poll++) {
    try {
      last = await client.getZipDownloadStatus(statusUrl, { signal });
      if (last.state !== 'in_progress') return last;
      if (poll < maxPolls) await sleep(delay, signal);
    } catch (error) {
      // Only the caller's cancel is a cancel; the budget running out is Box being slow, which the archive covers.
      if (options.signal?.aborted) throw error;
      options.logger.warn(
        budget.aborted
          ? `Box did not report the ZIP status within ${seconds(budgetMs)}; relying on the archive's checks.`
          : `Could not read the ZIP status: ${messageOf(error)}`,
      );
      return last;
    }
    delay = Math.min(maxDelayMs, delay * 2);
  }
  options.logger.warn(
    `Box still reports the ZIP as in progress after ${maxPolls} polls; relying on the archive's checks.`,
  );
  return last;
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
