import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_LIMITS,
  readCentralDirectory,
  type ArchiveEntry,
  type ExtractLimits,
} from '../zip/centralDirectory';
import { isSmallEntry, readSmallEntry, streamLargeEntry, type StreamContext } from './entryData';
import { EntryWindows } from './entryWindows';
import { makeDirectory } from './directories';
import { createFileSink, type FileSink, type WriteJob } from './fileSink';
import { ArchiveError, createAbortError, fileSystemError, throwIfAborted } from './errors';
import { planExtraction, type ExtractionPlan, type RenamedEntry } from '../naming/extractionPlan';
import { runPool } from './pool';
import { resolveInside } from '../naming/safeNames';
import type { StreamedEntry } from './streamingExtractor';

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
  /** File writes in flight through the thread pool when there are too few files for the writer thread. Default 16. */
  concurrency?: number;
  /**
   * Entries the streaming pass (streamingExtractor.ts) already wrote into `stagingDir`, by local header offset.
   * Each must agree with the central directory, or extraction throws `StreamMismatchError` and the caller starts
   * over with an empty folder. The others are extracted as usual.
   */
  alreadyExtracted?: ReadonlyMap<number, StreamedEntry>;
}

/** Streamed entries disagree with the central directory: their files must be discarded and extraction redone. */
export class StreamMismatchError extends Error {
  override readonly name = 'StreamMismatchError';
}

export interface ExtractedFile {
  relativePath: string;
  size: number;
  archiveName: string;
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
    await ensureEmptyStaging(staging, options.alreadyExtracted !== undefined);
    const fd = await openArchiveForReading(zipPath);
    try {
      return await extractFromOpenArchive(fd, staging, limits, platform, options, signal, internal);
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
  const centralDirectory = await readCentralDirectory(fd, fileSize, limits, signal);
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

/**
 * Small entries are decoded one after another on this thread, in archive order (reads are batched and
 * sequential), and handed to the file sink; large entries stream concurrently on the side. The first failure or
 * an abort stops both; every file already handed over is finished or removed before `extract` settles.
 */
class FileExtraction {
  files: ExtractedFile[] = [];
  readonly progress: ExtractProgress = {
    filesExtracted: 0,
    bytesWritten: 0,
    totalEntries: 0,
    totalUncompressedBytes: 0,
  };
  private plan: ExtractionPlan = { files: [], directories: [], renamed: [], nonPortable: [] };
  /** Plan indices already on disk (written by the streaming pass). */
  private readonly done = new Set<number>();
  private firstError: unknown;
  /** Bytes produced so far, capped: never trust the headers alone. */
  private bytesAccepted = 0;
  private bytesSinceReport = 0;
  private readonly preserveTimes: boolean;

  constructor(
    private readonly staging: string,
    private readonly fd: number,
    private readonly limits: ExtractLimits,
    private readonly options: ExtractOptions,
    private readonly signal: AbortSignal,
    private readonly internal: AbortController,
  ) {
    this.preserveTimes = options.preserveModifiedTimes ?? true;
  }

  fail(error: unknown): void {
    if (this.firstError !== undefined) return;
    this.firstError = error;
    this.internal.abort(error);
  }

  start(plan: ExtractionPlan, totalUncompressedBytes: number, totalEntries: number): void {
    this.plan = plan;
    this.files = new Array(plan.files.length);
    this.progress.totalEntries = totalEntries;
    this.progress.totalUncompressedBytes = totalUncompressedBytes;
    this.report();
  }

  onSmallFileWritten(job: SmallFileJob): void {
    this.progress.bytesWritten += job.content.length;
    this.record(job.index, job.content.length);
  }

  /**
   * Takes over the files the streaming pass wrote, after checking each against the central directory's plan: same
   * entry, same place, same method, sizes and CRC-32. Every streamed entry must be accounted for.
   */
  async adoptStreamed(streamed: ReadonlyMap<number, StreamedEntry>): Promise<void> {
    if (streamed.size === 0) return;
    const retimed: Promise<void>[] = [];
    let matched = 0;
    this.plan.files.forEach(({ entry, relativePath }, index) => {
      const record = streamed.get(entry.localHeaderOffset);
      if (record === undefined) return;
      const disagreement = compareStreamed(record, entry, relativePath);
      if (disagreement !== undefined) {
        throw new StreamMismatchError(`${JSON.stringify(entry.archiveName)}: ${disagreement}`);
      }
      matched++;
      this.done.add(index);
      this.accept(record.uncompressedSize, entry);
      this.progress.bytesWritten += record.uncompressedSize;
      this.record(index, record.uncompressedSize);
      // The central directory may carry a more precise time than the local header (e.g. an NTFS field).
      if (this.preserveTimes && record.modifiedTime.getTime() !== entry.modifiedTime.getTime()) {
        const target = resolveInside(this.staging, relativePath);
        retimed.push(fs.promises.utimes(target, entry.modifiedTime, entry.modifiedTime));
      }
    });
    if (matched !== streamed.size) {
      throw new StreamMismatchError(
        `${streamed.size - matched} streamed entries are not files of the central directory`,
      );
    }
    try {
      await Promise.all(retimed);
    } catch (error) {
      throw fileSystemError(error, 'set file times');
    }
  }

  async extract(sink: FileSink<SmallFileJob>): Promise<void> {
    const byOffset = this.plan.files
      .map((_, index) => index)
      .filter((index) => !this.done.has(index))
      .sort(
        (a, b) => this.plan.files[a].entry.localHeaderOffset - this.plan.files[b].entry.localHeaderOffset,
      );
    const small = byOffset.filter((index) => isSmallEntry(this.plan.files[index].entry));
    const large = byOffset.filter((index) => !isSmallEntry(this.plan.files[index].entry));
    await Promise.all([
      this.extractSmall(small, sink).catch((error) => this.fail(error)),
      this.extractLarge(large).catch((error) => this.fail(error)),
    ]);
    await sink.close();
    if (this.firstError !== undefined) throw this.firstError;
    throwIfAborted(this.signal);
  }

  private async extractSmall(order: number[], sink: FileSink<SmallFileJob>): Promise<void> {
    const windows = new EntryWindows(
      this.fd,
      order.map((index) => this.plan.files[index].entry),
    );
    for (const index of order) {
      if (this.signal.aborted) return;
      const { entry, relativePath } = this.plan.files[index];
      const target = resolveInside(this.staging, relativePath);
      const content = await readSmallEntry(entry, this.fd, windows);
      if (this.signal.aborted) return;
      this.accept(content.length, entry);
      await sink.write({
        target,
        content,
        entryName: entry.archiveName,
        index,
        ...(this.preserveTimes ? { modifiedTime: entry.modifiedTime } : {}),
      });
    }
  }

  private extractLarge(order: number[]): Promise<void> {
    const context: StreamContext = {
      fd: this.fd,
      signal: this.signal,
      preserveModifiedTimes: this.preserveTimes,
      onBytes: (count, entry) => {
        this.accept(count, entry);
        this.progress.bytesWritten += count;
        this.bytesSinceReport += count;
        if (this.bytesSinceReport >= PROGRESS_STEP_BYTES) {
          this.bytesSinceReport = 0;
          this.report();
        }
      },
    };
    const width = Math.min(this.options.concurrency ?? DEFAULT_CONCURRENCY, LARGE_ENTRY_CONCURRENCY);
    return runPool(
      order,
      width,
      async (index) => {
        const { entry, relativePath } = this.plan.files[index];
        const target = resolveInside(this.staging, relativePath);
        // The writer thread creates folders asynchronously, ordered only with the small files it writes; a large
        // entry streams from this thread, so make sure its own folder exists first (idempotent, and only one
        // mkdir per large file).
        try {
          await makeDirectory(path.dirname(target));
        } catch (error) {
          throw fileSystemError(error, `create the folder ${path.dirname(relativePath)}`);
        }
        const written = await streamLargeEntry(entry, target, context);
        this.record(index, written.size);
      },
      { signal: this.signal },
    );
  }

  private accept(count: number, entry: ArchiveEntry): void {
    this.bytesAccepted += count;
    if (this.bytesAccepted > this.limits.maxTotalBytes) {
      throw new ArchiveError(
        'zip_bomb',
        `Extraction exceeded ${this.limits.maxTotalBytes} bytes (the size limit).`,
        {
          entryName: entry.archiveName,
        },
      );
    }
  }

  private record(index: number, size: number): void {
    const { entry, relativePath } = this.plan.files[index];
    this.files[index] = { relativePath, size, archiveName: entry.archiveName };
    this.progress.filesExtracted++;
    this.report();
  }

  private report(): void {
    this.options.onProgress?.({ ...this.progress });
  }
}

interface SmallFileJob extends WriteJob {
  index: number;
}

function compareStreamed(
  record: StreamedEntry,
  entry: ArchiveEntry,
  relativePath: string,
): string | undefined {
  if (!record.nameRaw.equals(entry.nameRaw)) return 'the local header names another entry';
  if (record.relativePath !== relativePath)
    return `placed at ${record.relativePath}, planned at ${relativePath}`;
  if (record.method !== entry.method) return 'the compression method differs';
  if (record.compressedSize !== entry.compressedSize) return 'the compressed size differs';
  if (record.uncompressedSize !== entry.uncompressedSize) return 'the size differs';
  if (record.crc32 !== entry.crc32) return 'the CRC-32 differs';
  return undefined;
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
