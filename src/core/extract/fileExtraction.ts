import { throwIfAborted } from '../abort';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExtractionPlan } from '../naming/extractionPlan';
import { resolveInside } from '../naming/safeNames';
import type { ArchiveEntry, ExtractLimits } from '../zip/centralDirectory';
import { makeDirectory } from './directories';
import { isSmallEntry, readSmallEntry, streamLargeEntry, type StreamContext } from './entryData';
import { EntryWindows } from './entryWindows';
import type { ExtractOptions } from './extractor';
import type { FileSink, WriteJob } from './fileSink';
import { runPool } from './pool';
import type { StreamedEntry } from './streamingExtractor';
import { ArchiveError, StreamMismatchError } from '../errors';
import { fileSystemError } from './fsErrors';
import { sha1Of } from '../verify/checksum';

export interface ExtractProgress {
  filesExtracted: number;
  bytesWritten: number;
  totalEntries: number;
  totalUncompressedBytes: number;
}

export interface ExtractedFile {
  relativePath: string;
  size: number;
  archiveName: string;
  /** The content's SHA-1, when `hashSha1` asked for it and the entry was small enough to hash in memory. */
  sha1?: string;
}

/** File writes in flight through the thread pool when there are too few files for the writer thread. */
export const DEFAULT_CONCURRENCY = 16;
/** Large entries stream in parallel with the small ones; a few at once keep the disk busy without thrashing. */
const LARGE_ENTRY_CONCURRENCY = 3;
/** Streamed files retimed (utimes) before adopting lets other work run. */
const RETIMES_BETWEEN_PAUSES = 512;
/** Large entries also report progress within the entry, at most this often (bytes). */
const PROGRESS_STEP_BYTES = 8 * 1024 * 1024;

/**
 * Small entries are decoded one after another on this thread, in archive order (reads are batched and
 * sequential), and handed to the file sink; large entries stream concurrently on the side. The first failure or
 * an abort stops both; every file already handed over is finished or removed before `extract` settles.
 */
export class FileExtraction {
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
    this.record(job.index, job.content.length, job.sha1);
  }

  /**
   * Takes over the files the streaming pass wrote, after checking each against the central directory's plan: same
   * entry, same place, same method, sizes and CRC-32. Every streamed entry must be accounted for.
   */
  async adoptStreamed(streamed: ReadonlyMap<number, StreamedEntry>): Promise<void> {
    if (streamed.size === 0) return;
    const retimed: { target: string; time: Date }[] = [];
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
      this.record(index, record.uncompressedSize, record.sha1);
      // The central directory may carry a more precise time than the local header (e.g. an NTFS field).
      const differs = record.modifiedTime.getTime() !== entry.modifiedTime.getTime();
      if (this.preserveTimes && (record.timeUnset === true || differs))
        retimed.push({ target: resolveInside(this.staging, relativePath), time: entry.modifiedTime });
    });
    if (matched !== streamed.size) {
      throw new StreamMismatchError(
        `${streamed.size - matched} streamed entries are not files of the central directory`,
      );
    }
    for (let index = 0; index < retimed.length; index++) {
      // Synchronous: a few microseconds each, against a thread-pool trip each; a pause now and then for the rest.
      if (index % RETIMES_BETWEEN_PAUSES === RETIMES_BETWEEN_PAUSES - 1) await new Promise(setImmediate);
      const { target, time } = retimed[index];
      try {
        fs.utimesSync(target, time, time);
      } catch (error) {
        throw fileSystemError(error, 'set file times');
      }
    }
  }

  /** Every entry still to extract must lie in the part of the archive that was written (see `unreadableBefore`). */
  checkReadable(unreadableBefore: number): void {
    if (unreadableBefore === 0) return;
    const unread = this.plan.files.find(
      ({ entry }, index) => !this.done.has(index) && entry.localHeaderOffset < unreadableBefore,
    );
    if (unread !== undefined) {
      throw new StreamMismatchError(
        `${JSON.stringify(unread.entry.archiveName)} was not extracted while streaming, and the archive was not kept`,
      );
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
    try {
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
          ...(this.options.hashSha1 ? { sha1: sha1Of(content) } : {}),
          ...(this.preserveTimes ? { modifiedTime: entry.modifiedTime } : {}),
        });
      }
    } finally {
      // The archive's descriptor is closed when extraction returns: not under a read-ahead still in flight.
      await windows.settled();
    }
  }

  private extractLarge(order: number[]): Promise<void> {
    const context: StreamContext = {
      fd: this.fd,
      signal: this.signal,
      preserveModifiedTimes: this.preserveTimes,
      hashSha1: this.options.hashSha1 === true,
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
        this.record(index, written.size, written.sha1);
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

  private record(index: number, size: number, sha1?: string): void {
    const { entry, relativePath } = this.plan.files[index];
    this.files[index] = { relativePath, size, archiveName: entry.archiveName, ...(sha1 ? { sha1 } : {}) };
    this.progress.filesExtracted++;
    this.report();
  }

  private report(): void {
    this.options.onProgress?.({ ...this.progress });
  }
}

export interface SmallFileJob extends WriteJob {
  index: number;
  sha1?: string;
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
