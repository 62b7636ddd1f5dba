import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_LIMITS,
  readCentralDirectory,
  type ArchiveEntry,
  type ExtractLimits,
} from './centralDirectory';
import { isSmallEntry, readSmallEntry, streamLargeEntry, type StreamContext } from './entryData';
import { EntryWindows } from './entryWindows';
import { createFileSink, type WriteJob } from './fileSink';
import { ArchiveError, createAbortError, fileSystemError, throwIfAborted } from './errors';
import { planExtraction, type ExtractionPlan, type RenamedEntry } from './extractionPlan';
import { runPool } from './pool';

export { DEFAULT_LIMITS, type ExtractLimits } from './centralDirectory';
export type { RenamedEntry } from './extractionPlan';

/**
 * Extracts a ZIP archive into an empty staging folder, safely and fast.
 *
 * Order of work: read and vet the whole central directory (limits, bombs, methods, encryption, symlinks) → map and
 * de-duplicate every name → check path lengths → create all folders in one pass → extract files with a bounded
 * pool. Any failure or abort stops new work, waits for in-flight entries, removes the entry that failed, and
 * rejects; the caller removes the staging folder. Nothing is ever written outside `stagingDir`.
 */
export interface ExtractProgress {
  filesExtracted: number;
  bytesWritten: number;
  totalEntries: number;
  totalUncompressedBytes: number;
}

export interface ExtractOptions {
  signal?: AbortSignal;
  /** If EVERY entry starts with `${name}/`, that prefix is stripped (Box puts the requested folder on top). */
  stripTopLevelFolder?: string;
  limits?: Partial<ExtractLimits>;
  onProgress?(progress: ExtractProgress): void;
  /** Set each file's modification time from the archive (one extra syscall per file). Default true. */
  preserveModifiedTimes?: boolean;
  /** Whose file-name rules apply (see safeNames.ts). Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Entries in flight at once. Default 16. */
  concurrency?: number;
  /** Compute each file's SHA-1 while extracting (Box lists `sha1` per file). Default false. */
  computeSha1?: boolean;
}

export interface ExtractedFile {
  relativePath: string;
  size: number;
  archiveName: string;
  sha1?: string;
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

const DEFAULT_CONCURRENCY = 16;
/** Large entries stream in parallel with the small ones; a few at once keep the disk busy without thrashing. */
const LARGE_ENTRY_CONCURRENCY = 3;
/** Longest path the OS accepts in one system call (bytes, without the terminating NUL). */
const PATH_MAX: Partial<Record<NodeJS.Platform, number>> = {
  linux: 4095,
  darwin: 1023,
  freebsd: 1023,
  openbsd: 1023,
};
/** Large entries also report progress within the entry, at most this often (bytes). */
const PROGRESS_STEP_BYTES = 8 * 1024 * 1024;

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
    await ensureEmptyStaging(staging);
    const fd = await openArchiveForReading(zipPath);
    try {
      return await extractWithDescriptor(fd, staging, limits, platform, options, signal, internal);
    } finally {
      await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    }
  } catch (error) {
    // Whatever failed, a caller abort is reported as the abort.
    if (options.signal?.aborted) throw createAbortError(options.signal);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function extractWithDescriptor(
  fd: number,
  staging: string,
  limits: ExtractLimits,
  platform: NodeJS.Platform,
  options: ExtractOptions,
  signal: AbortSignal,
  internal: AbortController,
): Promise<ExtractResult> {
  const T = process.env.XT ? (l: string) => console.log(l, (performance.now() - t0).toFixed(0)) : () => {};
  const t0 = performance.now();
  const fileSize = await fileSizeOf(fd);
  const centralDirectory = await readCentralDirectory(fd, fileSize, limits, signal);
  T('cd');
  const plan = planExtraction(centralDirectory.entries, {
    stripTopLevelFolder: options.stripTopLevelFolder,
    platform,
  });
  T('plan');
  checkPathLengths(plan, staging, platform);
  throwIfAborted(signal);

  const progress: ExtractProgress = {
    filesExtracted: 0,
    bytesWritten: 0,
    totalEntries: centralDirectory.entries.length,
    totalUncompressedBytes: centralDirectory.totalUncompressedBytes,
  };
  options.onProgress?.({ ...progress });
  await createDirectories(staging, plan.directories, options.concurrency ?? DEFAULT_CONCURRENCY, signal);

  T('mkdir');
  const files = await extractFiles(plan, staging, fd, progress, limits, options, signal, internal);
  return {
    files,
    directories: plan.directories,
    renamed: plan.renamed,
    nonPortable: plan.nonPortable,
    bytesWritten: progress.bytesWritten,
    totalEntries: centralDirectory.entries.length,
    ...(plan.strippedTopLevelFolder === undefined
      ? {}
      : { strippedTopLevelFolder: plan.strippedTopLevelFolder }),
  };
}

/**
 * Small entries are decoded one after another on this thread, in archive order (reads are batched and
 * sequential), and handed to a file sink; large entries stream concurrently on the side. The first failure or an
 * abort stops both; every file already handed over is finished or removed before this returns.
 */
async function extractFiles(
  plan: ExtractionPlan,
  staging: string,
  fd: number,
  progress: ExtractProgress,
  limits: ExtractLimits,
  options: ExtractOptions,
  signal: AbortSignal,
  internal: AbortController,
): Promise<ExtractedFile[]> {
  const files: ExtractedFile[] = new Array(plan.files.length);
  const byOffset = plan.files
    .map((_, index) => index)
    .sort((a, b) => plan.files[a].entry.localHeaderOffset - plan.files[b].entry.localHeaderOffset);
  const smallOrder = byOffset.filter((index) => isSmallEntry(plan.files[index].entry));
  const largeOrder = byOffset.filter((index) => !isSmallEntry(plan.files[index].entry));
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const preserveTimes = options.preserveModifiedTimes ?? true;
  const computeSha1 = options.computeSha1 ?? false;

  let firstError: unknown;
  const fail = (error: unknown): void => {
    if (firstError !== undefined) return;
    firstError = error;
    internal.abort(error);
  };
  const report = (): void => options.onProgress?.({ ...progress });
  const recordFile = (index: number, size: number, sha1: string | undefined): void => {
    const { entry, relativePath } = plan.files[index];
    files[index] = { relativePath, size, archiveName: entry.archiveName, ...(sha1 ? { sha1 } : {}) };
    progress.filesExtracted++;
  };

  // Never trust the headers alone: the bytes actually produced are capped as well.
  let bytesAccepted = 0;
  const accept = (count: number, entry: ArchiveEntry): void => {
    bytesAccepted += count;
    if (bytesAccepted > limits.maxTotalBytes) {
      throw new ArchiveError(
        'zip_bomb',
        `Extraction exceeded ${limits.maxTotalBytes} bytes (the size limit).`,
        {
          entryName: entry.archiveName,
        },
      );
    }
  };

  const sink = createFileSink<SmallFileJob>(smallOrder.length, concurrency, {
    onWritten(job) {
      progress.bytesWritten += job.content.length;
      recordFile(job.index, job.content.length, job.sha1);
      report();
    },
    onError: (error) => fail(error),
  });

  const smallFiles = async (): Promise<void> => {
    const windows = new EntryWindows(
      fd,
      smallOrder.map((index) => plan.files[index].entry),
    );
    for (const index of smallOrder) {
      if (signal.aborted) return;
      const { entry, relativePath } = plan.files[index];
      const target = resolveInside(staging, relativePath);
      const content = await readSmallEntry(entry, fd, windows);
      if (signal.aborted) return;
      accept(content.length, entry);
      await sink.write({
        target,
        content,
        entryName: entry.archiveName,
        index,
        ...(preserveTimes ? { modifiedTime: entry.modifiedTime } : {}),
        ...(computeSha1 ? { sha1: createHash('sha1').update(content).digest('hex') } : {}),
      });
    }
  };

  let bytesSinceReport = 0;
  const streamContext: StreamContext = {
    fd,
    signal,
    preserveModifiedTimes: preserveTimes,
    computeSha1,
    onBytes(count, entry) {
      accept(count, entry);
      progress.bytesWritten += count;
      bytesSinceReport += count;
      if (bytesSinceReport >= PROGRESS_STEP_BYTES) {
        bytesSinceReport = 0;
        report();
      }
    },
  };
  const largeFiles = (): Promise<void> =>
    runPool(
      largeOrder,
      Math.min(concurrency, LARGE_ENTRY_CONCURRENCY),
      async (index) => {
        const { entry, relativePath } = plan.files[index];
        const written = await streamLargeEntry(entry, resolveInside(staging, relativePath), streamContext);
        recordFile(index, written.size, written.sha1);
        report();
      },
      { signal },
    );

  const t1 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  await Promise.all([smallFiles().catch(fail), largeFiles().catch(fail)]);
  if (process.env.XT) console.log('produce', (performance.now() - t1).toFixed(0), 'elu', performance.eventLoopUtilization(elu0).utilization.toFixed(2));
  await sink.close();
  if (process.env.XT) console.log('drain', (performance.now() - t1).toFixed(0));
  if (firstError !== undefined) throw firstError;
  throwIfAborted(signal);
  return files;
}

interface SmallFileJob extends WriteJob {
  index: number;
  sha1?: string;
}

/** The staging folder must be fresh: nothing planted in it can redirect a write. */
async function ensureEmptyStaging(staging: string): Promise<void> {
  try {
    await fs.promises.mkdir(staging, { recursive: true });
    const stat = await fs.promises.lstat(staging);
    if (!stat.isDirectory()) throw new Error('not a folder');
    const existing = await fs.promises.readdir(staging);
    if (existing.length > 0) {
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

/** Defence in depth: names are already safe (safeNames.ts), but every target is still checked to stay inside. */
function resolveInside(root: string, relativePath: string): string {
  const target = path.join(root, ...relativePath.split('/'));
  if (!target.startsWith(root + path.sep)) {
    throw new ArchiveError(
      'unsafe_path',
      `Entry would be written outside the staging folder: ${JSON.stringify(relativePath)}`,
    );
  }
  return target;
}

function checkPathLengths(plan: ExtractionPlan, staging: string, platform: NodeJS.Platform): void {
  const limit = PATH_MAX[platform];
  if (limit === undefined) return; // Windows: Node uses \\?\ paths, so long paths work.
  const base = Buffer.byteLength(staging) + 1;
  const tooLong = (relativePath: string): boolean => base + Buffer.byteLength(relativePath) > limit;
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

/** One mkdir per leaf folder (recursive creates the parents), all in flight at once. */
async function createDirectories(
  staging: string,
  directories: readonly string[],
  concurrency: number,
  signal: AbortSignal,
): Promise<void> {
  const parents = new Set(directories.map((directory) => path.posix.dirname(directory)));
  const leaves = directories.filter((directory) => !parents.has(directory));
  await runPool(
    leaves,
    concurrency,
    async (directory) => {
      try {
        await fs.promises.mkdir(resolveInside(staging, directory), { recursive: true });
      } catch (error) {
        if (error instanceof ArchiveError) throw error;
        throw fileSystemError(error, `create the folder ${JSON.stringify(directory)}`);
      }
    },
    { signal },
  );
}
