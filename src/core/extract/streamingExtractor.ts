import { sha1Of } from '../verify/checksum';
import { abortError, isAbortError } from '../abort';
import * as zlib from 'node:zlib';
import { DEFAULT_LIMITS, type ExtractLimits } from '../zip/centralDirectory';
import { SMALL_ENTRY_BYTES } from './entryData';
import { EntryPlanner } from '../naming/extractionPlan';
import type { WriteJob } from './fileSink';
import {
  inflateUntilStreamEnd,
  removeQuietly,
  StopStreaming,
  streamEntryToFile,
  type DecodedEntry,
  type EntryStreamContext,
} from './streamedEntryData';
import { WorkerFileSink } from './workerFileSink';
import { inflateSmall } from './rawInflater';
import type { GrowingFile } from './growingFile';
import { resolveInside } from '../naming/safeNames';
import {
  CENTRAL_HEADER_SIGNATURE,
  LOCAL_HEADER_FIXED_BYTES,
  LOCAL_HEADER_SIGNATURE,
  localHeaderLength,
  METHOD_DEFLATE,
  METHOD_STORE,
} from '../zip/format';
import { matchDataDescriptor, parseLocalHeader, type LocalHeader } from '../zip/localHeader';
import { ArchiveError, messageOf } from '../errors';
import { fileSystemError } from './fsErrors';

/**
 * Extracts entries while the archive is still downloading, by following its local headers (a ZIP is written
 * front to back: header, data, data descriptor, next header…, central directory last). It only speeds things up;
 * it decides nothing. Whatever it cannot do with certainty — a stored entry whose length only the data descriptor
 * gives, a name it cannot decode without the central directory, anything unexpected — makes it stop, and the
 * central-directory pass (extractor.ts) does the rest. That pass also checks every entry extracted here against
 * the central directory (name, place, sizes, CRC-32): on any disagreement the streamed files are discarded and the
 * archive is extracted again from scratch.
 *
 * Safety is the same as the other pass: names go through the same planner (zip-slip, control characters, reserved
 * names, case-insensitive duplicates), files are created with O_EXCL inside the staging folder only, every entry's
 * size and CRC-32 are verified before it counts, and output is capped (total size, compression ratio).
 */
export interface StreamedEntry {
  nameRaw: Buffer;
  relativePath: string;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  modifiedTime: Date;
  /** The file's time is not set yet (only an MS-DOS time was at hand): adopting it sets the central one, once. */
  timeUnset?: boolean;
  /** The content's SHA-1, when `hashSha1` asked for it and the entry was small enough to decode in memory. */
  sha1?: string;
}

export interface StreamingOutcome {
  /** Entries written into the staging folder, by the offset of their local header. */
  entries: Map<number, StreamedEntry>;
  /** Why streaming stopped before the central directory; undefined when it reached it. */
  stoppedEarly?: string;
  bytesWritten: number;
}

export interface StreamingOptions {
  signal: AbortSignal;
  /** The folder Box puts on top; streaming stops at the first entry outside it (then nothing is stripped). */
  stripTopLevelFolder?: string;
  platform?: NodeJS.Platform;
  limits?: Partial<ExtractLimits>;
  preserveModifiedTimes?: boolean;
  /** Hash each small entry's content (SHA-1) while it is in memory, so nobody reads the file back to check it. */
  hashSha1?: boolean;
  onProgress?(filesExtracted: number, bytesWritten: number): void;
  /** Called once on a local file-system failure, so that the caller can stop the download at once. */
  onFatal?(error: unknown): void;
}

/** The longest data descriptor (signature, CRC-32, two 8-byte sizes) and the next record's signature. */
const DESCRIPTOR_LOOKAHEAD = 28;

export class StreamingExtractor {
  private readonly entries = new Map<number, StreamedEntry>();
  private readonly limits: ExtractLimits;
  private readonly planner: EntryPlanner;
  private readonly internal = new AbortController();
  private readonly sink: WorkerFileSink<StreamedJob>;
  private readonly running: Promise<string | undefined>;
  /** A local file-system failure (disk full, read-only): fatal, reported by `finish`. */
  private fatal: unknown;
  private bytesWritten = 0;
  private bytesAccepted = 0;
  private entryCount = 0;
  private readonly onCallerAbort = (): void => this.internal.abort(this.options.signal.reason);
  /** What the entry readers in streamedEntryData.ts need of this pass. */
  private readonly streamContext: EntryStreamContext;

  constructor(
    private readonly archive: GrowingFile,
    private readonly staging: string,
    private readonly options: StreamingOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.planner = new EntryPlanner({
      ...(options.stripTopLevelFolder === undefined
        ? {}
        : { stripTopLevelFolder: options.stripTopLevelFolder }),
      ...(options.platform === undefined ? {} : { platform: options.platform }),
    });
    if (options.signal.aborted) this.internal.abort(options.signal.reason);
    else options.signal.addEventListener('abort', this.onCallerAbort, { once: true });
    this.sink = new WorkerFileSink<StreamedJob>(this.internal.signal, {
      onWritten: (job) => this.recordWritten(job.offset, job.record, true),
      onError: (error) => this.failFatally(error),
    });
    this.streamContext = {
      archive,
      signal: this.internal.signal,
      maxEntryRatio: this.limits.maxEntryRatio,
      preserveModifiedTimes: options.preserveModifiedTimes !== false,
      hashSha1: options.hashSha1 === true,
      accept: (count) => this.accept(count),
      onWritten: (count) => (this.bytesWritten += count),
    };
    this.running = this.run();
  }

  /**
   * Waits until streaming has stopped (the download must have ended, or failed) and every file handed over is
   * written. Rejects on abort or on a local file-system failure; any other problem only ends streaming early.
   */
  async finish(): Promise<StreamingOutcome> {
    let stoppedEarly: string | undefined;
    try {
      stoppedEarly = await this.running;
    } finally {
      await this.sink.close();
      this.options.signal.removeEventListener('abort', this.onCallerAbort);
    }
    // A local failure first: the caller's download is aborted because of it.
    if (this.fatal !== undefined) throw this.fatal;
    if (this.options.signal.aborted) throw abortError(this.options.signal);
    return {
      entries: this.entries,
      bytesWritten: this.bytesWritten,
      ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
    };
  }

  /** Resolves with the reason streaming stopped early, or undefined at the central directory. Never rejects. */
  private async run(): Promise<string | undefined> {
    try {
      return await this.follow();
    } finally {
      // A lean archive holds back the download until this pass stops: from here on, every byte goes to disk.
      await this.archive.keepTheRest().catch((error: unknown) => {
        this.failFatally(fileSystemError(error, 'write the archive'));
      });
    }
  }

  private async follow(): Promise<string | undefined> {
    let position = 0;
    try {
      for (;;) {
        // Everything before this record is extracted (or was a folder): a lean archive need not keep it.
        this.archive.release(position);
        // A local header's fixed part, read with its signature: a central directory header is longer, and an
        // archive without entries ends in 22 bytes, so this waits for nothing that will not come.
        const fixed = await this.read(position, LOCAL_HEADER_FIXED_BYTES);
        if (fixed.length < 4) return 'the archive ended before its central directory';
        const value = fixed.readUInt32LE(0);
        if (value === CENTRAL_HEADER_SIGNATURE) return undefined;
        if (value !== LOCAL_HEADER_SIGNATURE) return `unexpected bytes at offset ${position}`;
        position = await this.entryAt(position, fixed);
      }
    } catch (error) {
      if (error instanceof StopStreaming) return error.message;
      if (this.internal.signal.aborted || isAbortError(error)) return 'stopped';
      if (isFatal(error)) {
        this.failFatally(error);
        return 'a file could not be written';
      }
      // Corrupt data, a failed download, a limit: the central-directory pass decides and reports.
      return messageOf(error);
    }
  }

  /** Extracts the entry whose local header starts at `offset`; returns the offset of the next record. */
  private async entryAt(offset: number, fixed: Buffer): Promise<number> {
    if (fixed.length < LOCAL_HEADER_FIXED_BYTES) throw new StopStreaming('truncated local header');
    // Read results are only valid until the next read (growingFile.ts): measure, then copy what is kept.
    const headerLength = localHeaderLength(fixed);
    const head = await this.read(offset, headerLength);
    if (head.length < headerLength) throw new StopStreaming('truncated local header');
    const header = parseLocalHeader(Buffer.from(head));
    if (header.name === undefined) throw new StopStreaming('an entry name needs the central directory');
    if (header.encrypted) throw new StopStreaming('encrypted entry');
    if (header.method !== METHOD_STORE && header.method !== METHOD_DEFLATE)
      throw new StopStreaming('unsupported compression method');
    if (header.method === METHOD_STORE && header.hasDataDescriptor && !header.name.endsWith('/')) {
      throw new StopStreaming('a stored entry with a data descriptor (its length is unknown until the end)');
    }
    if (++this.entryCount > this.limits.maxEntries) throw new StopStreaming('too many entries');

    const isDirectory = header.name.endsWith('/');
    let relativePath: string | undefined;
    try {
      relativePath = this.planner.add(header.name, isDirectory);
    } catch (error) {
      throw new StopStreaming(messageOf(error));
    }
    const dataStart = offset + header.dataOffset;
    if (isDirectory || relativePath === undefined) return this.skipEmptyEntry(header, dataStart);

    const target = resolveInside(this.staging, relativePath);
    const written = header.hasDataDescriptor
      ? await this.extractUntilDataDescriptor(header, dataStart, target)
      : await this.extractWithSizesInHeader(header, dataStart, target);
    const record: StreamedEntry = {
      nameRaw: header.nameRaw,
      relativePath,
      method: header.method,
      crc32: written.crc32,
      compressedSize: written.compressedSize,
      uncompressedSize: written.size,
      modifiedTime: header.modifiedTime,
    };
    // Assigned, not spread in: object spreads were a visible share of this function's time per entry (#15).
    const sha1 =
      written.sha1 ??
      (this.options.hashSha1 && written.content !== undefined ? sha1Of(written.content) : undefined);
    if (sha1 !== undefined) record.sha1 = sha1;
    if (written.content !== undefined) {
      // A DOS time would mostly be set twice: here, and again when the central directory's differs.
      const setTime = this.options.preserveModifiedTimes !== false && !header.dosTimeOnly;
      if (this.options.preserveModifiedTimes !== false && header.dosTimeOnly) record.timeUnset = true;
      const job: StreamedJob = { target, content: written.content, entryName: header.name, offset, record };
      if (setTime) job.modifiedTime = header.modifiedTime;
      await this.sink.write(job);
    } else {
      this.recordWritten(offset, record, false);
    }
    return written.nextOffset;
  }

  /** Sizes in the local header: small entries are decoded here and written by the sink, large ones stream. */
  private async extractWithSizesInHeader(
    header: LocalHeader,
    dataStart: number,
    target: string,
  ): Promise<Written> {
    const nextOffset = dataStart + header.compressedSize;
    if (header.compressedSize > SMALL_ENTRY_BYTES || header.uncompressedSize > SMALL_ENTRY_BYTES) {
      const streamed = await streamEntryToFile(
        this.streamContext,
        header,
        dataStart,
        target,
        header.compressedSize,
      );
      try {
        this.checkAgainstHeader(streamed, header);
      } catch (error) {
        // Unverified, so not ours to keep: the central-directory pass extracts (and judges) it again.
        await removeQuietly(target);
        throw error;
      }
      return withNext(streamed, nextOffset);
    }
    const compressed = await this.read(dataStart, header.compressedSize);
    if (compressed.length < header.compressedSize) throw new StopStreaming('truncated entry');
    let content: Buffer;
    try {
      content =
        header.method === METHOD_STORE
          ? Buffer.from(compressed)
          : inflateSmall(compressed, Math.max(1, header.uncompressedSize)).content;
    } catch {
      throw new StopStreaming('corrupt compressed data');
    }
    const written = this.decoded(content, header.compressedSize);
    this.checkAgainstHeader(written, header);
    return withNext(written, nextOffset);
  }

  /** Deflated data of unknown length: the deflate stream's own end marks it, then the data descriptor. */
  private async extractUntilDataDescriptor(
    header: LocalHeader,
    dataStart: number,
    target: string,
  ): Promise<Written> {
    const signal = this.internal.signal;
    const small = await inflateUntilStreamEnd(this.archive, dataStart, signal);
    const written = small
      ? this.decoded(small.content, small.compressedSize)
      : await streamEntryToFile(this.streamContext, header, dataStart, target, undefined);
    const afterData = dataStart + written.compressedSize;
    const tail = await this.read(afterData, DESCRIPTOR_LOOKAHEAD);
    const descriptor = matchDataDescriptor(Buffer.from(tail), {
      crc32: written.crc32,
      compressedSize: written.compressedSize,
      uncompressedSize: written.size,
    });
    if (descriptor === undefined) {
      if (written.content === undefined) await removeQuietly(target);
      throw new StopStreaming('the data descriptor does not match the data');
    }
    return withNext(written, afterData + descriptor.length);
  }

  /** A directory entry (or the stripped top folder's own): nothing to write, but its data must be empty. */
  private async skipEmptyEntry(header: LocalHeader, dataStart: number): Promise<number> {
    if (!header.hasDataDescriptor) {
      if (header.compressedSize !== 0 && header.method === METHOD_STORE)
        throw new StopStreaming('a folder entry with data');
      return dataStart + header.compressedSize;
    }
    const tail = await this.read(dataStart, DESCRIPTOR_LOOKAHEAD);
    const empty = { crc32: 0, compressedSize: 0, uncompressedSize: 0 };
    const descriptor = matchDataDescriptor(Buffer.from(tail), empty);
    if (descriptor === undefined) throw new StopStreaming('a folder entry with data');
    return dataStart + descriptor.length;
  }

  private read(position: number, length: number): Buffer | Promise<Buffer> {
    return this.archive.read(position, length, this.internal.signal);
  }

  private decoded(content: Buffer, compressedSize: number): DecodedEntry {
    this.accept(content.length);
    return {
      content,
      size: content.length,
      crc32: zlib.crc32(content),
      compressedSize,
    };
  }

  private checkAgainstHeader(written: DecodedEntry, header: LocalHeader): void {
    if (written.size !== header.uncompressedSize || written.crc32 !== header.crc32) {
      throw new StopStreaming('an entry does not match its local header (size or CRC-32)');
    }
  }

  /** Caps what streaming may produce, counted before anything is written: never trust the headers alone. */
  private accept(count: number): void {
    this.bytesAccepted += count;
    if (this.bytesAccepted > this.limits.maxTotalBytes) throw new StopStreaming('the size limit was reached');
  }

  /** Small entries count their bytes once the sink wrote them; large ones counted them while streaming. */
  private recordWritten(offset: number, record: StreamedEntry, countBytes: boolean): void {
    this.entries.set(offset, record);
    if (countBytes) this.bytesWritten += record.uncompressedSize;
    this.options.onProgress?.(this.entries.size, this.bytesWritten);
  }

  private failFatally(error: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = error;
    this.internal.abort(error);
    this.options.onFatal?.(error);
  }
}

interface Written extends DecodedEntry {
  nextOffset: number;
}

/** The entry's own object (made for this call) with where the next record starts. */
function withNext(entry: DecodedEntry, nextOffset: number): Written {
  const written = entry as Written;
  written.nextOffset = nextOffset;
  return written;
}

interface StreamedJob extends WriteJob {
  offset: number;
  record: StreamedEntry;
}

function isFatal(error: unknown): boolean {
  return (
    error instanceof ArchiveError &&
    (error.code === 'disk_full' || error.code === 'io' || error.code === 'duplicate')
  );
}
