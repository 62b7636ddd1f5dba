import { abortError, throwIfAborted } from '../abort';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planExtraction, type ExtractionPlan, type RenamedEntry } from '../naming/extractionPlan';
import { resolveInside } from '../naming/safeNames';
import { DEFAULT_LIMITS, readCentralDirectory, type ExtractLimits } from '../zip/centralDirectory';
import { makeDirectory } from './directories';
import { isSmallEntry } from './entryData';
import {
  DEFAULT_CONCURRENCY,
  FileExtraction,
  type ExtractedFile,
  type ExtractProgress,
  type SmallFileJob,
} from './fileExtraction';
import { createFileSink } from './fileSink';
import type { StreamedEntry } from './streamingExtractor';
import { ArchiveError } from '../errors';
import { fileSystemError } from './fsErrors';

export { DEFAULT_LIMITS, type ExtractLimits } from '../zip/centralDirectory';
export type { RenamedEntry } from '../naming/extractionPlan';

/**
 * Extracts a ZIP archive into an empty staging folder, safely and fast.
 *
 * Order of work: read and vet the whole central directory (limits, bombs, methods, encryption, symlinks) → map and
 * de-duplicate every name → check path lengths → create all folders in one pass → extract. Small entries are read
 * in batches, inflated and verified on this thread and written by a writer thread (fileSink.ts); large ones stream
 * alongside. Any failure or abort stops new work, waits for in-flight files, removes a file that failed half-way,
 * and rejects; the caller removes the staging folder. Nothing is ever written outside `stagingDir`.
 */
export interface ExtractOptions {
  signal?: AbortSignal;
  /** If EVERY entry starts with `${name}/`, that prefix is stripped (Box puts the requested folder on top). */
  stripTopLevelFolder?: string;
  limits?: Partial<ExtractLimits>;
  onProgress?(progress: ExtractProgress): void;
  /** Set each file's modification time from the archive (one extra syscall per file). Default true. */
  preserveModifiedTimes?: boolean;
  /** Hash each small file's content (SHA-1) as it is extracted: `ExtractedFile.sha1`. */
  hashSha1?: boolean;
  /** Whose file-name rules apply (see safeNames.ts). Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** File writes in flight through the thread pool when there are too few files for the writer thread. Default 16. */
  concurrency?: number;
  /**
   * Entries the streaming pass (streamingExtractor.ts) already wrote into `stagingDir`, by local header offset.
   * Each must agree with the central directory, or extraction throws `StreamMismatchError` and the caller starts
   * over with an empty folder. The others are extracted as usual.
   */
  alreadyExtracted?: ReadonlyMap<number, StreamedEntry>;
  /**
   * The archive's bytes before this offset were never written (a lean archive, growingFile.ts): the streaming pass
   * extracted what lay there. Reading any of them throws `StreamMismatchError`, as a disagreement does: the caller
   * fetches a fresh archive.
   */
  unreadableBefore?: number;
}

export interface ExtractResult {
  files: ExtractedFile[];
  /** Every folder of the extracted tree (explicit entries and parents of files), parents first. */
  directories: string[];
  renamed: RenamedEntry[];
  /** Names kept unchanged on this platform that Windows could not store (empty on win32, where they are mapped). */
  nonPortable: RenamedEntry[];
  bytesWritten: number;
  totalEntries: number;
  /** The folder name stripped from every entry, if `stripTopLevelFolder` applied. */
  strippedTopLevelFolder?: string;
}

/** Longest path the OS accepts in one system call (bytes, without the terminating NUL). */
const PATH_MAX: Partial<Record<NodeJS.Platform, number>> = {
  linux: 4095,
  darwin: 1023,
  freebsd: 1023,
  openbsd: 1023,
};
export async function extractZip(
  zipPath: string,
  stagingDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  throwIfAborted(options.signal);
  const limits: ExtractLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const platform = options.platform ?? process.platform;
  const staging = path.resolve(stagingDir);

  // One signal for everything in flight: the caller's abort or our own first failure.
  const internal = new AbortController();
  const onCallerAbort = (): void => internal.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const signal = internal.signal;
  try {
    await ensureEmptyStaging(staging, options.alreadyExtracted !== undefined);
    const fd = await openArchiveForReading(zipPath);
    try {
      return await extractFromOpenArchive(fd, staging, limits, platform, options, signal, internal);
    } finally {
      await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    }
  } catch (error) {
    // Whatever failed, a caller abort is reported as the abort.
    if (options.signal?.aborted) throw abortError(options.signal);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function extractFromOpenArchive(
  fd: number,
  staging: string,
  limits: ExtractLimits,
  platform: NodeJS.Platform,
  options: ExtractOptions,
  signal: AbortSignal,
  internal: AbortController,
): Promise<ExtractResult> {
  const fileSize = await fileSizeOf(fd);
  const unreadableBefore = options.unreadableBefore ?? 0;
  const centralDirectory = await readCentralDirectory(fd, fileSize, limits, signal, unreadableBefore);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const streamed = options.alreadyExtracted ?? new Map<number, StreamedEntry>();
  const smallCount = centralDirectory.entries.filter(
    (entry) => !entry.isDirectory && isSmallEntry(entry) && !streamed.has(entry.localHeaderOffset),
  ).length;
  const run = new FileExtraction(staging, fd, limits, options, signal, internal);
  // Started before planning so that the writer thread boots while names are checked.
  const sink = createFileSink<SmallFileJob>(smallCount, concurrency, signal, {
    onWritten: (job) => run.onSmallFileWritten(job),
    onError: (error) => run.fail(error),
  });
  try {
    const plan = planExtraction(centralDirectory.entries, {
      stripTopLevelFolder: options.stripTopLevelFolder,
      platform,
    });
    checkPathLengths(plan, staging);
    throwIfAborted(signal);
    run.start(plan, centralDirectory.totalUncompressedBytes, centralDirectory.entries.length);
    await run.adoptStreamed(streamed);
    run.checkReadable(unreadableBefore);
    await sink.createDirectories(
      leafDirectories(plan.directories).map((directory) => resolveInside(staging, directory)),
    );
    await run.extract(sink);
    return {
      files: run.files,
      directories: plan.directories,
      renamed: plan.renamed,
      nonPortable: plan.nonPortable,
      bytesWritten: run.progress.bytesWritten,
      totalEntries: centralDirectory.entries.length,
      ...(plan.strippedTopLevelFolder === undefined
        ? {}
        : { strippedTopLevelFolder: plan.strippedTopLevelFolder }),
    };
  } finally {
    await sink.close();
  }
}

/** Folders that contain no other folder: creating them recursively creates all the others. */
function leafDirectories(directories: readonly string[]): string[] {
  const parents = new Set(directories.map((directory) => path.posix.dirname(directory)));
  return directories.filter((directory) => !parents.has(directory));
}

/** The staging folder must be fresh: nothing planted in it can redirect a write. */
async function ensureEmptyStaging(staging: string, holdsStreamedFiles: boolean): Promise<void> {
  try {
    // Not a plain recursive mkdir: that reports a full or read-only volume as ENOENT (see makeDirectory).
    await makeDirectory(staging);
    const stat = await fs.promises.lstat(staging);
    if (!stat.isDirectory()) throw new Error('not a folder');
    if (!holdsStreamedFiles && (await fs.promises.readdir(staging)).length > 0) {
      throw new ArchiveError('io', `The staging folder is not empty: ${staging}`);
    }
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw fileSystemError(error, `prepare the staging folder ${staging}`);
  }
}

function fileSizeOf(fd: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.fstat(fd, (error, stats) =>
      error ? reject(fileSystemError(error, 'read the archive')) : resolve(stats.size),
    );
  });
}

function openArchiveForReading(zipPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(zipPath, 'r', (error, fd) =>
      error ? reject(fileSystemError(error, 'open the archive')) : resolve(fd),
    );
  });
}

/** The real OS's limit applies here, whatever `options.platform` says about names. */
function checkPathLengths(plan: ExtractionPlan, staging: string): void {
  const limit = PATH_MAX[process.platform];
  if (limit === undefined) return; // Windows: Node uses \\?\ paths, so long paths work.
  const base = Buffer.byteLength(staging) + 1;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most paths need no byte count.
  const tooLong = (relativePath: string): boolean =>
    base + relativePath.length * 3 > limit && base + Buffer.byteLength(relativePath) > limit;
  const offender =
    plan.files.find((file) => tooLong(file.relativePath))?.relativePath ?? plan.directories.find(tooLong);
  if (offender !== undefined) {
    throw new ArchiveError(
      'unsafe_path',
      `Entry path is too long for this system (over ${limit} bytes): ${JSON.stringify(offender.slice(0, 200))}…`,
      {
        entryName: offender,
      },
    );
  }
}
