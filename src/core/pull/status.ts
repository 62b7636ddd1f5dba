/**
 * Reads the ZIP status after the stream ended. Box may keep answering `in_progress` for a while after the last
 * byte (box/box-windows-sdk-v2#904), so poll with a growing delay, but only for a bounded time: the archive's
 * own central directory and CRCs are checked anyway, so a status that never settles is a warning, not a failure.
 */
import { sleep } from '../abort';
import type { BoxClient } from '../box/client';
import type { ZipDownloadStatus } from '../box/types';
import type { Logger } from '../logger';

export interface StatusPollOptions {
  /** Polls in all. */
  maxPolls: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

const DEFAULTS: StatusPollOptions = { maxPolls: 8, firstDelayMs: 250, maxDelayMs: 2000 };

export async function waitForFinalStatus(
  client: BoxClient,
  statusUrl: string,
  options: Partial<StatusPollOptions> & { signal?: AbortSignal; logger: Logger },
): Promise<ZipDownloadStatus | undefined> {
  const { maxPolls, firstDelayMs, maxDelayMs } = { ...DEFAULTS, ...stripUndefined(options) };
  let delay = firstDelayMs;
  let last: ZipDownloadStatus | undefined;
  for (let poll = 1; poll <= maxPolls; poll++) {
    try {
      last = await client.getZipDownloadStatus(statusUrl, { signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      options.logger.warn(`Could not read the ZIP status: ${error instanceof Error ? error.message : error}`);
      return last;
    }
    if (last.state !== 'in_progress') return last;
    if (poll < maxPolls) {
      await sleep(delay, options.signal);
      delay = Math.min(maxDelayMs, delay * 2);
    }
  }
  options.logger.warn(
    `Box still reports the ZIP as in progress after ${maxPolls} polls; relying on the archive's checks.`,
  );
  return last;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
