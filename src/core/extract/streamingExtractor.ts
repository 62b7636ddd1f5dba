import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { DEFAULT_LIMITS, RATIO_CHECK_THRESHOLD, type ExtractLimits } from '../zip/centralDirectory';
import { ChecksumStream, closeFile, openNewFile, SMALL_ENTRY_BYTES, setFileTime } from './entryData';
import { ArchiveError, createAbortError, fileSystemError, isAbortError } from './errors';
import { EntryPlanner } from '../naming/extractionPlan';
import { makeDirectory } from './directories';
import type { WriteJob } from './fileSink';
import { WorkerFileSink } from './workerFileSink';
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
  onProgress?(filesExtracted: number, bytesWritten: number): void;
  /** Called once on a local file-system failure, so that the caller can stop the download at once. */
  onFatal?(error: unknown): void;
}

/** Compressed bytes read past a small entry's start: its whole deflate stream must fit, or it streams instead. */
const SMALL_WINDOW_BYTES = SMALL_ENTRY_BYTES + 64 * 1024;
const STREAM_CHUNK_BYTES = 256 * 1024;
/**
 * The first try at an entry of unknown length waits for this much data after its start (or the archive's end).
 * Small, because close behind the download every try re-reads its window; larger entries take a few doublings.
 */
const FIRST_WINDOW_BYTES = 16 * 1024;
/** The longest data descriptor (signature, CRC-32, two 8-byte sizes) and the next record's signature. */
const DESCRIPTOR_LOOKAHEAD = 28;

/** Thrown inside the loop for anything the central-directory pass must handle instead. */
class StopStreaming extends Error {}

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
    if (this.options.signal.aborted) throw createAbortError(this.options.signal);
    return {
      entries: this.entries,
      bytesWritten: this.bytesWritten,
      ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
    };
  }

  /** Resolves with the reason streaming stopped early, or undefined at the central directory. Never rejects. */
  private async run(): Promise<string | undefined> {
    let position = 0;
    try {
      for (;;) {
        const signature = await this.archive.read(position, 4, this.internal.signal);
        if (signature.length < 4) return 'the archive ended before its central directory';
        const value = signature.readUInt32LE(0);
        if (value === CENTRAL_HEADER_SIGNATURE) return undefined;
        if (value !== LOCAL_HEADER_SIGNATURE) return `unexpected bytes at offset ${position}`;
        position = await this.entryAt(position);
      }
    } catch (error) {
      if (error instanceof StopStreaming) return error.message;
      if (this.internal.signal.aborted || isAbortError(error)) return 'stopped';
      if (isFatal(error)) {
        this.failFatally(error);
        return 'a file could not be written';
      }
      // Corrupt data, a failed download, a limit: the central-directory pass decides and reports.
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** Extracts the entry whose local header starts at `offset`; returns the offset of the next record. */
  private async entryAt(offset: number): Promise<number> {
    const signal = this.internal.signal;
    const fixed = await this.archive.read(offset, LOCAL_HEADER_FIXED_BYTES, signal);
    if (fixed.length < LOCAL_HEADER_FIXED_BYTES) throw new StopStreaming('truncated local header');
    // Read results are only valid until the next read (growingFile.ts): measure, then copy what is kept.
    const headerLength = localHeaderLength(fixed);
    const head = await this.archive.read(offset, headerLength, signal);
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
      throw new StopStreaming(error instanceof Error ? error.message : String(error));
    }
    const dataStart = offset + header.dataOffset;
    if (isDirectory || relativePath === undefined) return this.skipEmptyEntry(header, dataStart);

    const target = resolveInside(this.staging, relativePath);
    const written = header.hasDataDescriptor
      ? await this.extractWithDescriptor(header, dataStart, target)
      : await this.extractWithKnownSizes(header, dataStart, target);
    const record: StreamedEntry = {
      nameRaw: header.nameRaw,
      relativePath,
      method: header.method,
      crc32: written.crc32,
      compressedSize: written.compressedSize,
      uncompressedSize: written.size,
      modifiedTime: header.modifiedTime,
    };
    if (written.content !== undefined) {
      await this.sink.write({
        target,
        content: written.content,
        entryName: header.name,
        offset,
        record,
        ...(this.options.preserveModifiedTimes === false ? {} : { modifiedTime: header.modifiedTime }),
      });
    } else {
      this.recordWritten(offset, record, false);
    }
    return written.nextOffset;
  }

  /** Sizes in the local header: small entries are decoded here and written by the sink, large ones stream. */
  private async extractWithKnownSizes(
    header: LocalHeader,
    dataStart: number,
    target: string,
  ): Promise<Written> {
    const nextOffset = dataStart + header.compressedSize;
    if (header.compressedSize > SMALL_ENTRY_BYTES || header.uncompressedSize > SMALL_ENTRY_BYTES) {
      const streamed = await this.streamToFile(header, dataStart, target, header.compressedSize);
      try {
        this.checkAgainstHeader(streamed, header);
      } catch (error) {
        // Unverified, so not ours to keep: the central-directory pass extracts (and judges) it again.
        await removeQuietly(target);
        throw error;
      }
      return { ...streamed, nextOffset };
    }
    const compressed = await this.archive.read(dataStart, header.compressedSize, this.internal.signal);
    if (compressed.length < header.compressedSize) throw new StopStreaming('truncated entry');
    let content: Buffer;
    try {
      content =
        header.method === METHOD_STORE
          ? Buffer.from(compressed)
          : zlib.inflateRawSync(compressed, { maxOutputLength: Math.max(1, header.uncompressedSize) });
    } catch {
      throw new StopStreaming('corrupt compressed data');
    }
    const written = this.decoded(content, header.compressedSize);
    this.checkAgainstHeader(written, header);
    return { ...written, nextOffset };
  }

  /** Deflated data of unknown length: the deflate stream's own end marks it, then the data descriptor. */
  private async extractWithDescriptor(
    header: LocalHeader,
    dataStart: number,
    target: string,
  ): Promise<Written> {
    const signal = this.internal.signal;
    let written = await this.decodeSmallWithDescriptor(dataStart);
    if (written === undefined) written = await this.streamToFile(header, dataStart, target, undefined);
    const afterData = dataStart + written.compressedSize;
    const tail = await this.archive.read(afterData, DESCRIPTOR_LOOKAHEAD, signal);
    const descriptor = matchDataDescriptor(Buffer.from(tail), {
      crc32: written.crc32,
      compressedSize: written.compressedSize,
      uncompressedSize: written.size,
    });
    if (descriptor === undefined) {
      if (written.content === undefined) await removeQuietly(target);
      throw new StopStreaming('the data descriptor does not match the data');
    }
    return { ...written, nextOffset: afterData + descriptor.length };
  }

  /**
   * Inflates an entry of unknown length from a window after its start; if its deflate stream does not end inside
   * it, waits for a window twice as large and tries again (so the retries cost at most as much as the entry). Undefined
   * when the entry is too large to decode in memory: it then streams to its file.
   */
  private async decodeSmallWithDescriptor(
    dataStart: number,
  ): Promise<Omit<Written, 'nextOffset'> | undefined> {
    const signal = this.internal.signal;
    for (let wanted = FIRST_WINDOW_BYTES; ;) {
      await this.archive.waitFor(dataStart + wanted, signal);
      // Taken before the read: if the download completes during it, this window may still be a partial one.
      const reachesTheEnd = this.archive.isComplete;
      // A window of `wanted` bytes, not "all that has arrived": with the download just ahead, the latter would
      // re-read (and re-copy) up to a megabyte for every small entry.
      const length = Math.min(wanted, Math.max(0, this.archive.available - dataStart));
      const window = await this.archive.read(dataStart, length, signal);
      try {
        const result = zlib.inflateRawSync(window, {
          info: true,
          maxOutputLength: SMALL_ENTRY_BYTES,
        }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
        return this.decoded(result.buffer, result.engine.bytesWritten);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // More than a small entry's worth of output or input: stream it.
        if (code === 'ERR_BUFFER_TOO_LARGE') return undefined;
        if (code !== 'Z_BUF_ERROR') throw new StopStreaming('corrupt compressed data');
        if (window.length >= SMALL_WINDOW_BYTES) return undefined;
        if (reachesTheEnd && window.length < wanted) throw new StopStreaming('truncated compressed data');
        wanted = Math.min(SMALL_WINDOW_BYTES, 2 * wanted);
      }
    }
  }

  /** A directory entry (or the stripped top folder's own): nothing to write, but its data must be empty. */
  private async skipEmptyEntry(header: LocalHeader, dataStart: number): Promise<number> {
    if (!header.hasDataDescriptor) {
      if (header.compressedSize !== 0 && header.method === METHOD_STORE)
        throw new StopStreaming('a folder entry with data');
      return dataStart + header.compressedSize;
    }
    const tail = await this.archive.read(dataStart, DESCRIPTOR_LOOKAHEAD, this.internal.signal);
    const empty = { crc32: 0, compressedSize: 0, uncompressedSize: 0 };
    const descriptor = matchDataDescriptor(Buffer.from(tail), empty);
    if (descriptor === undefined) throw new StopStreaming('a folder entry with data');
    return dataStart + descriptor.length;
  }

  private decoded(content: Buffer, compressedSize: number): Omit<Written, 'nextOffset'> {
    this.accept(content.length);
    return {
      content,
      size: content.length,
      crc32: zlib.crc32(content),
      compressedSize,
    };
  }

  private checkAgainstHeader(written: Omit<Written, 'nextOffset'>, header: LocalHeader): void {
    if (written.size !== header.uncompressedSize || written.crc32 !== header.crc32) {
      throw new StopStreaming('an entry does not match its local header (size or CRC-32)');
    }
  }

  /**
   * Streams one entry into a new file: `compressedSize` bytes, or for deflate with unknown length until the
   * deflate stream ends. The file is removed if anything fails.
   */
  private async streamToFile(
    header: LocalHeader,
    dataStart: number,
    target: string,
    compressedSize: number | undefined,
  ): Promise<Omit<Written, 'nextOffset'>> {
    const signal = this.internal.signal;
    try {
      await makeDirectory(path.dirname(target));
    } catch (error) {
      throw fileSystemError(error, `create the folder of ${JSON.stringify(header.name)}`);
    }
    const entryName = header.name ?? '';
    const fd = await openNewFile(target, entryName);
    let fed = 0;
    const counter = new ChecksumStream((count, total) => {
      if (compressedSize !== undefined && total > header.uncompressedSize) {
        throw new StopStreaming('an entry inflates to more than its declared size');
      }
      if (total > RATIO_CHECK_THRESHOLD && total > this.limits.maxEntryRatio * Math.max(1, fed)) {
        throw new StopStreaming('an entry expands implausibly (compression ratio)');
      }
      this.accept(count);
      this.bytesWritten += count;
    });
    const output = fs.createWriteStream('', {
      fd,
      autoClose: false,
      emitClose: false,
      highWaterMark: STREAM_CHUNK_BYTES,
    });
    try {
      const inflater =
        header.method === METHOD_DEFLATE ? zlib.createInflateRaw({ chunkSize: 64 * 1024 }) : undefined;
      const stages: NodeJS.ReadWriteStream[] = inflater ? [inflater, counter] : [counter];
      const streams: (NodeJS.ReadWriteStream | NodeJS.WritableStream)[] = [...stages, output];
      const drained = pipeline(streams, { signal });
      drained.catch(() => undefined);
      const entry = stages[0] as NodeJS.WritableStream & { bytesWritten?: number };
      for (;;) {
        const wanted = Math.min(STREAM_CHUNK_BYTES, (compressedSize ?? Number.MAX_SAFE_INTEGER) - fed);
        if (wanted <= 0) break;
        const chunk = await this.readForStream(dataStart + fed, wanted);
        if (chunk.length === 0) throw new StopStreaming('truncated entry');
        // The inflater is done with its input when the write completes; a stored chunk goes on to the file
        // stream, which may hold it longer than the read buffer stays unchanged.
        // Counted before it is written: the ratio check runs while this chunk inflates.
        fed += chunk.length;
        const accepted = await writeChunk(entry, inflater ? chunk : Buffer.from(chunk), drained);
        // The deflate stream ended inside this chunk: the rest is the data descriptor and what follows.
        if (inflater && !accepted) break;
        if (inflater && inflater.bytesWritten < fed) break;
      }
      const writable = entry as NodeJS.WritableStream & { writableEnded?: boolean; destroyed?: boolean };
      if (!writable.writableEnded && !writable.destroyed) entry.end();
      await drained;
      const consumed = inflater ? inflater.bytesWritten : fed;
      if (compressedSize !== undefined && consumed !== compressedSize) {
        throw new StopStreaming('an entry does not match its local header (compressed size)');
      }
      if (this.options.preserveModifiedTimes !== false) await setFileTime(fd, header.modifiedTime, entryName);
      await closeFile(fd, entryName);
      return {
        size: counter.size,
        crc32: counter.crc,
        compressedSize: consumed,
      };
    } catch (error) {
      await closeFile(fd, entryName).catch(() => undefined);
      await removeQuietly(target);
      if (error instanceof StopStreaming || error instanceof ArchiveError || isAbortError(error)) throw error;
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('Z_'))
        throw new StopStreaming('corrupt compressed data');
      if (error instanceof Error && error.cause instanceof StopStreaming) throw error.cause;
      throw fileSystemError(error, `write ${JSON.stringify(header.name)}`, header.name);
    }
  }

  /** A read for a streaming entry: a download that failed meanwhile ends streaming; it is no local write error. */
  private async readForStream(position: number, length: number): Promise<Buffer> {
    try {
      return await this.archive.read(position, length, this.internal.signal);
    } catch (error) {
      if (isAbortError(error) || this.internal.signal.aborted) throw error;
      throw new StopStreaming(
        `the download stopped (${error instanceof Error ? error.message : String(error)})`,
      );
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

interface Written {
  /** Set for a small entry, which the sink writes; a large one is already on disk. */
  content?: Buffer;
  size: number;
  crc32: number;
  compressedSize: number;
  nextOffset: number;
}

interface StreamedJob extends WriteJob {
  offset: number;
  record: StreamedEntry;
}

/**
 * Writes one chunk and waits until it has been processed. Resolves false when the pipeline has already ended
 * (the deflate stream finished in an earlier chunk), rejects with the pipeline's error.
 */
function writeChunk(stream: NodeJS.WritableStream, chunk: Buffer, drained: Promise<void>): Promise<boolean> {
  const writable = stream as NodeJS.WritableStream & { writableEnded?: boolean; destroyed?: boolean };
  if (writable.writableEnded || writable.destroyed) return Promise.resolve(false);
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    drained.then(
      () => {
        if (!settled) {
          settled = true;
          resolve(false);
        }
      },
      (error: unknown) => {
        if (!settled) {
          settled = true;
          reject(error);
        }
      },
    );
    writable.write(chunk, (error?: Error | null) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(true);
    });
  });
}

function isFatal(error: unknown): boolean {
  return (
    error instanceof ArchiveError &&
    (error.code === 'disk_full' || error.code === 'io' || error.code === 'duplicate')
  );
}

function removeQuietly(target: string): Promise<void> {
  return fs.promises.unlink(target).catch(() => undefined);
}
