/**
 * The pull pipeline: Box builds a ZIP of the requested items, we stream it to a temporary file beside the
 * destination, read the status, extract into a staging folder, verify, and move the files into place.
 *
 * Guarantees: nothing half-written ever appears under its final name in the destination, existing user files are
 * only replaced under the `overwrite` policy (or an explicit answer), and a failure or cancel undoes any placing
 * and removes the staging folder (one that still holds originals it could not put back is kept and named). A
 * download that fails part-way starts over with a fresh ZIP (Box's URLs are single use and cannot be resumed), a
 * bounded number of times.
 *
 * The steps have files of their own: plan.ts decides what to zip, attempt.ts downloads and extracts once,
 * plannedPull.ts runs a listed pull in parts, place/placement.ts moves the files, failure.ts words the failure;
 * this file keeps only the retry loop.
 */
import { setMaxListeners } from 'node:events';
import * as path from 'node:path';
import { isAbortError, sleep, throwIfAborted } from '../abort';
import type { BoxClient } from '../box/client';
import { nullLogger, type Logger } from '../logger';
import type { ConflictPolicy, ConflictPrompter } from '../place/conflictPolicy';
import type { PlaceResult } from '../place/placement';
import { placeRecorded, stateOwnerOf } from '../state/recordState';
import { createStagingDir, removeAbandonedStagingDirs, removeStagingDir } from '../place/staging';
import { Attempt, type AttemptResult } from './attempt';
import { checkFreeSpace, ensureDestination, removeCreatedFolders } from './destination';
import { planPull, type PullItem } from './plan';
import { ProgressTracker, PullProgressReporter, type PullProgress } from './progress';
import { leftOutOf, type StatusPollOptions } from './status';
import type { LowSpeedLimit, PullClock } from './lowSpeed';
import { isWorthAnotherZip, toPullError, withLeftover } from './failure';
import { messageOf } from '../errors';
import { makeFilter, type FilterOptions } from './filters';
import { limitRefusal } from './limits';
import { rateLimited } from './rateLimit';
import {
  listingRootOf,
  pullPlanned,
  wantsPlannedPath,
  zipRefusedLinkItems,
  type PlanSummary,
} from './plannedPull';
import { fetchLeftOut } from './leftOut';
import { pullUpdate, type UpdateSummary } from '../update/updatePull';
import { placingOptionsOf } from './placingOptions';

export interface PullRequest {
  client: BoxClient;
  items: PullItem[];
  destination: string;
  conflictPolicy: ConflictPolicy;
  prompter?: ConflictPrompter;
  /** True for a path that must never be replaced, such as a file open with unsaved changes. */
  isProtected?(absolutePath: string): boolean;
  signal?: AbortSignal;
  onProgress?(progress: PullProgress): void;
  logger?: Logger;
  /** Fresh ZIP requests after a failed download, in all. Default 3. */
  maxAttempts?: number;
  /** Overrides for the status polling after the stream ends (tests shorten it). */
  statusPoll?: Partial<StatusPollOptions>;
  /** Extract entries while the archive downloads (the central directory still checks them). Default true. */
  extractWhileDownloading?: boolean;
  /** Waits before a fresh ZIP; must reject when the signal aborts. Tests record the waits instead (as BoxClient's). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Overrides for the low-speed limit (default: under 1 KB/s for 60 s gives a download up). */
  lowSpeed?: Partial<LowSpeedLimit>;
  /** Time for the low-speed limit and the stall in progress; tests move it by hand. */
  clock?: PullClock;
  /** No byte for this long, and progress says "stalled" (default 5 s). */
  stallAfterMs?: number;
  /** Filters (filters.ts) and parallel streams (planned.ts): see PullOptions. */
  options?: PullOptions;
}

/** What a pull of one folder may do beyond one ZIP. Given filters, the folder is listed and filtered first. */
export interface PullOptions extends FilterOptions {
  /** ZIP downloads at once on the planned path. Default 3, leaving room within Box's 5 for the user's browser. */
  streams?: number;
  /** Folder size from which several streams pay off and the folder is listed and split. Default 256 MB. */
  parallelFromBytes?: number;
  /** Folders listed at once, and API calls a minute at most, while listing. Defaults 8 and 900. */
  listConcurrency?: number;
  callsPerMinute?: number;
  /**
   * A folder pulled before (it holds a state file), or one that holds files already (they are compared with Box's
   * by SHA-1), is updated (core/update) rather than pulled in full; an empty one is pulled in full. The CLI
   * sets it unless `--full`; the VS Code layer does not yet (its Pull Updates command will). `delete` and `dryRun`
   * apply to updates only.
   */
  update?: boolean;
  delete?: boolean;
  dryRun?: boolean;
  /** Internal (the bench's crossover): an update fetches up to this many files by content, more as ZIPs. */
  contentDownloadsUpTo?: number;
}

export interface PullReport {
  destination: string;
  filesWritten: number;
  filesOverwritten: number;
  filesSkippedByBox: number;
  foldersSkippedByBox: number;
  skippedByPolicy: string[];
  protectedFiles: string[];
  /** Existing files identical to Box's (size and SHA-1), left as they were. */
  alreadyUpToDate: string[];
  blocked: { relativePath: string; reason: string }[];
  nameConflicts: { originalName: string; downloadName: string }[];
  renamed: { archiveName: string; relativePath: string; reason: string }[];
  /** Temporary folders a killed pull had left in the destination, removed before this one started. */
  cleanedUp: string[];
  /** Names kept as Box has them that Windows could not store (empty on Windows, where they are renamed). */
  nonPortable: { archiveName: string; relativePath: string; reason: string }[];
  /** Box's final status word; `in_progress` means Box never confirmed, and the archive's own checks were used. */
  boxState: string;
  bytesDownloaded: number;
  durationMs: number;
  attempts: number;
  /** Set when the folder was listed and split (planned.ts): the parts, requests and streams. */
  plan?: PlanSummary;
  /** Files Box left out of a ZIP (skipped, or missing from its totals), fetched by content instead, SHA-1 checked. */
  fetchedAfterSkip?: number;
  /** Files whose bytes did not match Box's SHA-1, even fetched again: not placed. */
  checksumMismatches?: string[];
  /** Box files not written because their path is the state file's (`.box-pull.json`). */
  reserved?: string[];
  /** Set when the pull was an update of an earlier one (core/update). */
  update?: UpdateSummary;
}

/** Listeners a pull may hang on its signal at once (the widest pool, plus the pipeline's own). */
const PULL_SIGNAL_LISTENERS = 128;

export async function pull(request: PullRequest): Promise<PullReport> {
  // Every API call of the pull (listing, ZIP creates, status polls, file content) waits in one rate window.
  rateLimited(request.client, request.options?.callsPerMinute);
  // Each file hashed or moved at once listens for the cancel (bounded by the pools, up to 64 together): without
  // this, Node prints a "possible memory leak" warning into the user's terminal.
  if (request.signal) setMaxListeners(PULL_SIGNAL_LISTENERS, request.signal);
  const started = performance.now();
  const logger = request.logger ?? nullLogger;
  const maxAttempts = Math.max(1, request.maxAttempts ?? 3);
  const destination = path.resolve(request.destination);
  const progress = new PullProgressReporter(
    new ProgressTracker(request.onProgress, undefined, request.clock?.now, request.stallAfterMs),
  );

  const plan = await planPull(request.client, request.items, logger, request.signal);
  progress.estimate(plan.totalBytesEstimate);
  const createdDestination = await ensureDestination(destination);
  const cleanedUp = await removeAbandonedStagingDirs(destination).catch((error: unknown) => {
    logger.warn(`Could not clean up after an earlier pull: ${messageOf(error)}`);
    return [];
  });

  let staging: string | undefined;
  const failures: unknown[] = [];
  const filter = makeFilter(request.options);
  // The planned path makes its own staging folder; kept here, so that a failure or cancel removes it like any.
  const planned = (refusal?: unknown, byContent = false) =>
    pullPlanned(
      { request, plan, filter, destination, progress, logger, refusal, started, cleanedUp, byContent },
      (dir) => {
        staging = dir;
      },
    );
  try {
    const owner = stateOwnerOf(request.items, request.client);
    // The same pull again is an update when asked for (filtered pulls keep no state).
    if (owner && request.options?.update && !filter.active) {
      const updated = await pullUpdate(
        {
          request,
          owner,
          root: listingRootOf(request, plan),
          destination,
          progress,
          logger,
          started,
          cleanedUp,
        },
        (dir) => {
          staging = dir;
        },
      );
      if (updated) return updated;
    }
    await checkFreeSpace(destination, plan.totalBytesEstimate);
    if (wantsPlannedPath(request, plan, filter)) return await planned();
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(request.signal);
      staging = await createStagingDir(destination);
      progress.startAttempt(attempt, maxAttempts);
      try {
        const result = await new Attempt({
          client: request.client,
          plan,
          staging,
          progress,
          logger,
          signal: request.signal,
          statusPoll: request.statusPoll,
          extractWhileDownloading: request.extractWhileDownloading !== false,
          lowSpeed: request.lowSpeed,
          clock: request.clock,
          // The state file records each file's SHA-1: hashed while in memory, a small file is not read back.
          hashSha1: owner !== undefined,
        }).run();
        // Box's final status says files did not come (skipped, or missing from its totals): fetch them by content.
        const shortfall = leftOutOf(result.status);
        const leftOut =
          shortfall &&
          (await fetchLeftOut({
            client: request.client,
            root: listingRootOf(request, plan),
            extracted: result.extracted.files,
            filesDir: result.filesDir,
            logger,
            signal: request.signal,
            callsPerMinute: request.options?.callsPerMinute,
            onBytes: (bytes) => progress.downloaded(bytes),
          }));
        progress.enter('placing');
        const placed = await placeRecorded(
          result.filesDir,
          leftOut
            ? { ...result.extracted, files: [...result.extracted.files, ...leftOut.fetched] }
            : result.extracted,
          destination,
          placingOptionsOf(request),
          owner && { owner },
          logger,
        );
        progress.enter('done');
        return {
          ...report(destination, result, placed, attempt, performance.now() - started),
          cleanedUp,
          reserved: placed.reserved,
          ...(shortfall && {
            // What did not arrive: the files Box would not serve by content either, or, unlisted, its own count.
            filesSkippedByBox: leftOut?.unavailable?.length ?? shortfall.skipped + shortfall.unaccounted,
            fetchedAfterSkip: leftOut?.fetched.length ?? 0,
            checksumMismatches: leftOut?.mismatches ?? [],
            bytesDownloaded: result.bytesDownloaded + (leftOut?.bytes ?? 0),
          }),
        };
      } catch (error) {
        // Box refused the one ZIP for a limit: list what was asked for and split it under the limits it has shown.
        if (limitRefusal(error)) {
          await removeStagingDir(staging);
          staging = undefined;
          return await planned(error);
        }
        // Box would not zip items reached through a shared link: list them and fetch each file's content.
        if (zipRefusedLinkItems(request.client, error)) {
          logger.info(
            `Box refused a ZIP of the shared link's items (${messageOf(error)}); downloading files.`,
          );
          await removeStagingDir(staging);
          staging = undefined;
          return await planned(error, true);
        }
        if (isAbortError(error) || !isWorthAnotherZip(error, failures) || attempt >= maxAttempts)
          throw toPullError(error);
        failures.push(error);
        logger.warn(
          `Attempt ${attempt} of ${maxAttempts} failed, requesting a fresh ZIP: ${messageOf(error)}`,
        );
        // If even that fails (the volume turned read-only), stop: the outer handler reports the folder.
        await removeStagingDir(staging).catch(() => {
          throw toPullError(error);
        });
        staging = undefined;
        await (request.sleep ?? sleep)(Math.min(8000, 1000 * 2 ** (attempt - 1)), request.signal);
      }
    }
  } catch (error) {
    let failure = toPullError(error);
    if (staging) {
      const leftover = staging;
      await removeStagingDir(leftover).catch((removal: unknown) => {
        logger.warn(`Could not remove ${leftover}: ${messageOf(removal)}`);
        failure = withLeftover(failure, leftover, messageOf(removal));
      });
    }
    staging = undefined;
    if (createdDestination) await removeCreatedFolders(destination, createdDestination);
    throw failure;
  } finally {
    if (staging)
      await removeStagingDir(staging).catch((e) => logger.warn(`Could not remove ${staging}: ${e}`));
  }
}

function report(
  destination: string,
  result: AttemptResult,
  placed: PlaceResult,
  attempts: number,
  durationMs: number,
): Omit<PullReport, 'cleanedUp'> {
  return {
    destination,
    filesWritten: placed.written.length,
    filesOverwritten: placed.overwritten.length,
    filesSkippedByBox: result.status?.skipped_file_count ?? 0,
    foldersSkippedByBox: result.status?.skipped_folder_count ?? 0,
    skippedByPolicy: placed.skippedByPolicy,
    protectedFiles: placed.protected,
    alreadyUpToDate: placed.upToDate,
    blocked: placed.blocked,
    nameConflicts: result.zip.name_conflicts
      .flat()
      .map((c) => ({ originalName: c.original_name, downloadName: c.download_name })),
    renamed: result.extracted.renamed,
    nonPortable: result.extracted.nonPortable,
    boxState: result.status?.state ?? 'unknown',
    bytesDownloaded: result.bytesDownloaded,
    durationMs: Math.round(durationMs),
    attempts,
  };
}
