/**
 * The pull pipeline: Box builds a ZIP of the requested items, we stream it to a temporary file beside the
 * destination, read the status, extract into a staging folder, verify, and move the files into place.
 *
 * Guarantees: nothing half-written ever appears under its final name in the destination, existing user files are
 * only replaced under the `overwrite` policy (or an explicit answer), and every failure or cancel removes the
 * staging folder. A download that fails part-way starts over with a fresh ZIP (Box's URLs are single use and
 * cannot be resumed), a bounded number of times.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SignInRequiredError } from '../auth/tokenManager';
import type { BoxClient } from '../box/client';
import { BoxApiError, BoxAuthError } from '../box/errors';
import type { ZipDownload, ZipDownloadStatus } from '../box/types';
import { ArchiveError } from '../extract/errors';
import { extractZip, StreamMismatchError, type ExtractResult } from '../extract/extractor';
import { GrowingFile } from '../extract/growingFile';
import { StreamingExtractor, type StreamingOutcome } from '../extract/streamingExtractor';
import { placeFiles, type ConflictPolicy, type ConflictPrompter } from '../extract/placement';
import { createStagingDir, removeStagingDir } from '../extract/staging';
import { nullLogger, type Logger } from '../logger';
import { isAbortError, PullError } from './errors';
import { ProgressTracker, type ProgressCounters, type PullProgress } from './progress';
import { waitForFinalStatus, type StatusPollOptions } from './status';

export { PullError } from './errors';
export type { PullProgress } from './progress';

export interface PullItem {
  type: 'folder' | 'file';
  id: string;
}

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
}

export interface PullReport {
  destination: string;
  filesWritten: number;
  filesOverwritten: number;
  filesSkippedByBox: number;
  foldersSkippedByBox: number;
  skippedByPolicy: string[];
  protectedFiles: string[];
  blocked: { relativePath: string; reason: string }[];
  nameConflicts: { originalName: string; downloadName: string }[];
  renamed: { archiveName: string; relativePath: string; reason: string }[];
  /** Box's final status word; `in_progress` means Box never confirmed, and the archive's own checks were used. */
  boxState: string;
  bytesDownloaded: number;
  durationMs: number;
  attempts: number;
}

interface Plan {
  zipItems: PullItem[];
  /** Set when one folder is pulled: the archive's top-level folder of that name is stripped. */
  stripFolderName?: string;
  displayName: string;
  totalBytesEstimate?: number;
}

interface AttemptResult {
  zip: ZipDownload;
  status: ZipDownloadStatus | undefined;
  extracted: ExtractResult;
  bytesDownloaded: number;
}

const ITEM_FIELDS = ['type', 'id', 'name', 'size'];
/** Archive failures that a fresh download can cure; the others are in the archive Box built. */
const TRANSIENT_ARCHIVE_CODES = new Set(['truncated', 'invalid', 'crc_mismatch', 'size_mismatch']);
/** Errors of the destination's file system, which no fresh download cures. */
const LOCAL_FILE_SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EACCES', 'EPERM']);

export async function pull(request: PullRequest): Promise<PullReport> {
  const started = performance.now();
  const logger = request.logger ?? nullLogger;
  const maxAttempts = Math.max(1, request.maxAttempts ?? 3);
  const destination = path.resolve(request.destination);
  const tracker = new ProgressTracker(request.onProgress);
  const counters = { phase: 'preparing' as PullProgress['phase'], bytesDownloaded: 0, filesDone: 0 } as {
    phase: PullProgress['phase'];
    bytesDownloaded: number;
    filesDone: number;
    totalFiles?: number;
    totalBytesEstimate?: number;
  };
  tracker.update(counters, true);

  const plan = await planPull(request, logger);
  counters.totalBytesEstimate = plan.totalBytesEstimate;
  const createdDestination = await ensureDestination(destination);

  let staging: string | undefined;
  try {
    await checkFreeSpace(destination, plan.totalBytesEstimate);
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(request.signal);
      staging = await createStagingDir(destination);
      try {
        const result = await runAttempt(request, plan, staging, counters, tracker, logger);
        counters.phase = 'placing';
        tracker.update(counters, true);
        const placed = await placeFiles(path.join(staging, 'files'), result.extracted, destination, {
          policy: request.conflictPolicy,
          prompter: request.prompter,
          isProtected: request.isProtected,
          signal: request.signal,
        });
        counters.phase = 'done';
        tracker.update(counters, true);
        return {
          destination,
          filesWritten: placed.written.length,
          filesOverwritten: placed.overwritten.length,
          filesSkippedByBox: result.status?.skipped_file_count ?? 0,
          foldersSkippedByBox: result.status?.skipped_folder_count ?? 0,
          skippedByPolicy: placed.skippedByPolicy,
          protectedFiles: placed.protected,
          blocked: placed.blocked,
          nameConflicts: result.zip.name_conflicts
            .flat()
            .map((c) => ({ originalName: c.original_name, downloadName: c.download_name })),
          renamed: result.extracted.renamed,
          boxState: result.status?.state ?? 'unknown',
          bytesDownloaded: result.bytesDownloaded,
          durationMs: Math.round(performance.now() - started),
          attempts: attempt,
        };
      } catch (error) {
        if (isAbortError(error) || !isWorthAnotherZip(error) || attempt >= maxAttempts)
          throw toPullError(error);
        logger.warn(
          `Attempt ${attempt} of ${maxAttempts} failed, requesting a fresh ZIP: ${describe(error)}`,
        );
        // If even that fails (the volume turned read-only), stop: the outer handler reports the folder.
        await removeStagingDir(staging).catch(() => {
          throw toPullError(error);
        });
        staging = undefined;
        counters.bytesDownloaded = 0;
        counters.filesDone = 0;
        await (request.sleep ?? sleep)(Math.min(8000, 1000 * 2 ** (attempt - 1)), request.signal);
      }
    }
  } catch (error) {
    let failure = toPullError(error);
    if (staging) {
      const leftover = staging;
      await removeStagingDir(leftover).catch((removal: unknown) => {
        logger.warn(`Could not remove ${leftover}: ${describe(removal)}`);
        failure = withLeftover(failure, leftover);
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

/** Names what to zip. Box refuses to zip the root folder, so a root pull zips its children instead. */
async function planPull(request: PullRequest, logger: Logger): Promise<Plan> {
  const { client, items, signal } = request;
  if (items.length === 0) throw new PullError('not_found', 'Nothing to download: no Box items were given.');
  try {
    if (items.length === 1 && items[0].type === 'folder' && items[0].id === '0') {
      const children: PullItem[] = [];
      let bytes = 0;
      for await (const item of client.iterateFolderItems('0', { fields: ITEM_FIELDS, signal })) {
        if (item.type === 'folder' || item.type === 'file') children.push({ type: item.type, id: item.id });
        bytes += (item as { size?: number }).size ?? 0;
      }
      if (children.length === 0)
        throw new PullError('not_found', 'Your Box account has nothing to download.');
      return { zipItems: children, displayName: 'All Files', totalBytesEstimate: bytes || undefined };
    }
    if (items.length === 1 && items[0].type === 'folder') {
      const folder = await client.getFolder(items[0].id, { fields: ITEM_FIELDS, signal });
      return {
        zipItems: items,
        stripFolderName: folder.name,
        displayName: folder.name,
        totalBytesEstimate: folder.size ?? undefined,
      };
    }
    let bytes = 0;
    const names: string[] = [];
    for (const item of items) {
      const details =
        item.type === 'folder'
          ? await client.getFolder(item.id, { fields: ITEM_FIELDS, signal })
          : await client.getFile(item.id, { fields: ITEM_FIELDS, signal });
      bytes += details.size ?? 0;
      names.push(details.name);
    }
    logger.debug(`Pulling ${items.length} items`);
    return { zipItems: items, displayName: names.join(', '), totalBytesEstimate: bytes || undefined };
  } catch (error) {
    throw toPullError(error);
  }
}

async function runAttempt(
  request: PullRequest,
  plan: Plan,
  staging: string,
  counters: ProgressCounters,
  tracker: ProgressTracker,
  logger: Logger,
): Promise<AttemptResult> {
  const { client, signal } = request;
  const zip = await client.createZipDownload(
    { items: plan.zipItems, downloadFileName: plan.displayName },
    { signal },
  );
  counters.phase = 'downloading';
  counters.bytesDownloaded = 0;
  tracker.update(counters, true);
  // Made before the download URL is opened, so that its body is read the moment it arrives (the URL itself lives
  // only seconds). Created without `recursive`: Node reports a recursive mkdir on a read-only or full volume as
  // ENOENT (nodejs/node#47098, #42808), which would hide the real reason from the user.
  const filesDir = path.join(staging, 'files');
  await fs.mkdir(filesDir);
  const archive = await GrowingFile.create(path.join(staging, 'archive.zip'));
  try {
    return await downloadAndExtract(request, plan, zip, archive, filesDir, counters, tracker, logger);
  } finally {
    await archive.close();
  }
}

async function downloadAndExtract(
  request: PullRequest,
  plan: Plan,
  zip: ZipDownload,
  archive: GrowingFile,
  filesDir: string,
  counters: ProgressCounters,
  tracker: ProgressTracker,
  logger: Logger,
): Promise<AttemptResult> {
  const { client, signal } = request;
  const archivePath = archive.path;
  // The download URL lives only seconds until the download starts: open it before anything else.
  const content = await client
    .openZipDownloadContent(zip.download_url, { signal })
    .catch((error: unknown) => {
      // Box answers 404 for a download URL that expired or was used: a fresh ZIP gets a new one.
      if (error instanceof BoxApiError && error.status === 404) {
        throw new PullError(
          'download_failed',
          'The ZIP download link expired or was already used before the download could start.',
          { cause: error },
        );
      }
      throw error;
    });
  // Once bytes flow, the status endpoint knows the file count: ask once, in the background, for the progress total.
  let earlyStatusAsked = false;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counters.bytesDownloaded += chunk.length;
      tracker.update(counters);
      if (!earlyStatusAsked) {
        earlyStatusAsked = true;
        client.getZipDownloadStatus(zip.status_url, { signal }).then(
          (status) => (counters.totalFiles ??= status.total_file_count),
          () => undefined,
        );
      }
      callback(null, chunk);
    },
  });
  // A local failure of the streaming extractor (disk full) stops the download too.
  const download = new AbortController();
  const stopDownload = (): void => download.abort(signal?.reason);
  signal?.addEventListener('abort', stopDownload, { once: true });
  const streamer =
    request.extractWhileDownloading === false
      ? undefined
      : new StreamingExtractor(archive, filesDir, {
          signal: download.signal,
          stripTopLevelFolder: plan.stripFolderName,
          onProgress: (files) => {
            counters.filesDone = files;
            tracker.update(counters);
          },
          onFatal: (error) => download.abort(error),
        });
  let streamed: StreamingOutcome | undefined;
  let status: ZipDownloadStatus | undefined;
  try {
    try {
      await pipeline(content.body, counter, archive.writable(), { signal: download.signal });
    } catch (error) {
      archive.fail(error);
      // A disk that filled up under the extractor explains the stopped download better than the abort does.
      await streamer?.finish();
      throw error;
    }
    logger.info(`Downloaded the archive: ${counters.bytesDownloaded} bytes`);
    const finalStatus = waitForFinalStatus(client, zip.status_url, { ...request.statusPoll, signal, logger });
    finalStatus.catch(() => undefined);
    streamed = await streamer?.finish();
    if (streamed) {
      logger.debug(
        `Extracted ${streamed.entries.size} files while downloading` +
          (streamed.stoppedEarly ? `; the rest after the download (${streamed.stoppedEarly})` : ''),
      );
    }
    status = await finalStatus;
    // Closed before the archive is read again and deleted (Windows cannot delete an open file).
    await archive.close();
  } finally {
    signal?.removeEventListener('abort', stopDownload);
  }
  if (status?.state === 'failed') {
    throw new PullError('download_failed', 'Box reported that building the ZIP archive failed.');
  }
  if (status) counters.totalFiles = status.downloaded_file_count;

  counters.phase = 'extracting';
  tracker.update(counters, true);
  const extracted = await extractArchive(
    archivePath,
    filesDir,
    plan,
    streamed,
    counters,
    tracker,
    logger,
    signal,
  );
  // The archive is no longer needed: free the space before files are moved into place.
  await fs.rm(archivePath, { force: true });

  if (status && status.state === 'succeeded' && extracted.files.length < status.downloaded_file_count) {
    throw new PullError(
      'incomplete',
      `The archive held ${extracted.files.length} files but Box reported ${status.downloaded_file_count}.`,
    );
  }
  // A cancel that came as extraction finished stops here: placement must not even begin.
  throwIfAborted(signal);
  return { zip, status, extracted, bytesDownloaded: counters.bytesDownloaded };
}

/**
 * Extracts what the streaming pass left, checking what it wrote against the central directory. If the two
 * disagree, the streamed files are discarded and the whole archive is extracted again.
 */
async function extractArchive(
  archivePath: string,
  filesDir: string,
  plan: Plan,
  streamed: StreamingOutcome | undefined,
  counters: ProgressCounters,
  tracker: ProgressTracker,
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<ExtractResult> {
  const extract = (alreadyExtracted?: StreamingOutcome['entries']): Promise<ExtractResult> =>
    extractZip(archivePath, filesDir, {
      signal,
      stripTopLevelFolder: plan.stripFolderName,
      ...(alreadyExtracted ? { alreadyExtracted } : {}),
      onProgress: (p) => {
        counters.filesDone = p.filesExtracted;
        counters.totalFiles ??= p.totalEntries;
        tracker.update(counters);
      },
    });
  if (!streamed) return extract();
  try {
    return await extract(streamed.entries);
  } catch (error) {
    if (!(error instanceof StreamMismatchError)) throw error;
    logger.warn(
      `The archive's central directory disagrees with its stream (${error.message}); extracting again.`,
    );
    await fs.rm(filesDir, { recursive: true, force: true });
    await fs.mkdir(filesDir);
    counters.filesDone = 0;
    return extract();
  }
}

function isWorthAnotherZip(error: unknown): boolean {
  if (error instanceof ArchiveError) return TRANSIENT_ARCHIVE_CODES.has(error.code);
  if (error instanceof PullError) return error.kind === 'download_failed' || error.kind === 'incomplete';
  if (error instanceof BoxAuthError || error instanceof SignInRequiredError) return false;
  if (error instanceof BoxApiError) {
    // A failed create was already retried by the client (429 and 5xx, within its time budget); another round
    // would only multiply the wait, and other answers will not change. A refused download URL (429 too many
    // downloads, 5xx) is worth a fresh ZIP: the client never retries that single-use URL itself.
    return error.method === 'GET' && (error.status === 429 || error.status >= 500);
  }
  // A full, read-only or forbidden destination stays that way: downloading again cannot help.
  if (LOCAL_FILE_SYSTEM_CODES.has((error as { code?: string } | undefined)?.code ?? '')) return false;
  // Network errors, cut streams and idle timeouts.
  return true;
}

/** A failure that left its staging folder behind (it could not be removed): the user has to know where it is. */
function withLeftover(failure: unknown, staging: string): unknown {
  if (!(failure instanceof PullError)) return failure;
  const sentence = /[.!?]$/.test(failure.message) ? failure.message : `${failure.message}.`;
  return new PullError(
    failure.kind,
    `${sentence} Its temporary folder ${staging} could not be removed; delete it once the destination is writable again.`,
    { cause: failure.cause },
  );
}

function toPullError(error: unknown): unknown {
  if (error instanceof PullError || isAbortError(error)) return error;
  if (error instanceof BoxAuthError || error instanceof SignInRequiredError) {
    return new PullError('sign_in_required', error.message, { cause: error });
  }
  if (error instanceof BoxApiError) {
    if (error.code === 'zip_download_file_count_exceeded_limit') {
      return new PullError(
        'too_large',
        'This selection has more files than Box allows in one ZIP download (10,000). Download its subfolders separately.',
        { cause: error },
      );
    }
    if (error.code === 'zip_download_pre_compressed_bytes_exceeded_limit') {
      return new PullError('too_large', 'This selection is larger than Box allows in one ZIP download.', {
        cause: error,
      });
    }
    if (error.status === 404) {
      return new PullError(
        'not_found',
        `Box could not find the item, or you cannot see it. ${error.message}`,
        {
          cause: error,
        },
      );
    }
    if (error.status === 403) {
      return new PullError('access_denied', `Box refused access. ${error.message}`, { cause: error });
    }
    return new PullError('download_failed', error.message, { cause: error });
  }
  if (error instanceof ArchiveError) {
    const kind = error.code === 'disk_full' || error.code === 'io' ? 'destination' : 'archive_invalid';
    return new PullError(kind, error.message, { cause: error });
  }
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new PullError('destination', `The disk is full: ${describe(error)}`, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new PullError('destination', `Cannot write to the destination: ${describe(error)}`, {
      cause: error,
    });
  }
  return new PullError('download_failed', `The download failed: ${describe(error)}`, { cause: error });
}

/** Creates the destination if needed; returns the top-most folder it created, so a failure can remove it again. */
async function ensureDestination(destination: string): Promise<string | undefined> {
  try {
    return await fs.mkdir(destination, { recursive: true });
  } catch (error) {
    throw new PullError(
      'destination',
      `Cannot create the destination folder ${destination}: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Removes the folders `ensureDestination` created, deepest first, each only if it is still empty. */
async function removeCreatedFolders(destination: string, topmostCreated: string): Promise<void> {
  for (let folder = destination; ; folder = path.dirname(folder)) {
    const removed = await fs.rmdir(folder).then(
      () => true,
      () => false,
    );
    if (!removed || folder === topmostCreated || path.dirname(folder) === folder) return;
  }
}

/** The archive and the extracted files both sit on the destination's volume for a moment. */
async function checkFreeSpace(destination: string, uncompressedBytes: number | undefined): Promise<void> {
  if (!uncompressedBytes) return;
  const stats = await fs.statfs(destination).catch(() => undefined);
  if (!stats) return;
  const free = stats.bavail * stats.bsize;
  const needed = uncompressedBytes * 2;
  if (free < needed) {
    throw new PullError(
      'destination',
      `Not enough free space in ${destination}: about ${needed} bytes are needed and ${free} are free.`,
    );
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
