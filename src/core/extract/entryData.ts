import { abortError, isAbortError } from '../abort';
import * as fs from 'node:fs';
import type { Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { ArchiveEntry } from '../zip/centralDirectory';
import { LOCAL_HEADER_FIXED_BYTES, localHeaderLength, METHOD_DEFLATE, METHOD_STORE } from '../zip/format';
import { checkLocalHeader } from '../zip/localHeader';
import { EntryWindows, LOCAL_EXTRA_SLACK, readExactly } from './entryWindows';
import { ArchiveError } from '../errors';
import { fileSystemError, writeError } from './fsErrors';
import { sha1Hasher } from '../verify/checksum';
import { createRawInflater, inflateSmall, writeAll } from './rawInflater';

/**
 * Reads one entry's data from the archive, verifying the local header, the size and the CRC-32 on the way.
 * Data is read with positional reads on one shared descriptor (yauzl's own reader serialises reads and uses
 * 16 KiB chunks).
 *
 * Small entries (the common case) are read in batches (entryWindows.ts) and inflated in memory, and are handed to
 * a file sink only once size and CRC match, so a corrupt entry never produces a file. Large entries stream to
 * their file with backpressure, and the file is removed if anything fails.
 */
export const SMALL_ENTRY_BYTES = 1024 * 1024;
const STREAM_CHUNK_BYTES = 1024 * 1024;

export interface StreamContext {
  fd: number;
  signal: AbortSignal;
  preserveModifiedTimes: boolean;
  /** Called with every chunk of bytes before it is written; throws to stop. */
  onBytes(count: number, entry: ArchiveEntry): void;
  /** Hash the content (SHA-1) on its way to the file, so that nobody reads it back. */
  hashSha1?: boolean;
}

export interface WrittenEntry {
  size: number;
  sha1?: string;
}

export function isSmallEntry(entry: ArchiveEntry): boolean {
  return entry.compressedSize <= SMALL_ENTRY_BYTES && entry.uncompressedSize <= SMALL_ENTRY_BYTES;
}

/** The verified content of a small entry (see `isSmallEntry`). */
export async function readSmallEntry(
  entry: ArchiveEntry,
  fd: number,
  windows: EntryWindows,
): Promise<Buffer> {
  const head = await windows.bytesFor(entry);
  const dataOffset = checkLocalHeader(head, entry);
  let compressed: Buffer;
  if (dataOffset + entry.compressedSize <= head.length) {
    compressed = head.subarray(dataOffset, dataOffset + entry.compressedSize);
  } else {
    compressed = await readExactly(fd, entry.compressedSize, entry.localHeaderOffset + dataOffset, entry);
  }
  const content = entry.method === METHOD_STORE ? compressed : inflate(compressed, entry);
  verifyContent(content.length, zlib.crc32(content), entry);
  return content;
}

/** Synchronous: for at most 1 MiB a thread-pool round trip costs more than the work. */
function inflate(compressed: Buffer, entry: ArchiveEntry): Buffer {
  try {
    // The limit stops a lying size early: inflating more than declared throws instead of allocating.
    return inflateSmall(compressed, Math.max(1, entry.uncompressedSize)).content;
  } catch (error) {
    throw inflateError(error, entry);
  }
}

function inflateError(error: unknown, entry: ArchiveEntry): ArchiveError {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return new ArchiveError(
      'size_mismatch',
      `Entry inflates to more than its declared size: ${quote(entry)}`,
      {
        entryName: entry.archiveName,
        cause: error,
      },
    );
  }
  return new ArchiveError('invalid', `Compressed data is corrupt: ${quote(entry)}`, {
    entryName: entry.archiveName,
    cause: error,
  });
}

function verifyContent(size: number, checksum: number, entry: ArchiveEntry): void {
  if (size !== entry.uncompressedSize) {
    throw new ArchiveError(
      'size_mismatch',
      `Entry has ${size} bytes, the central directory says ${entry.uncompressedSize}: ${quote(entry)}`,
      { entryName: entry.archiveName },
    );
  }
  if (checksum !== entry.crc32) {
    throw new ArchiveError(
      'crc_mismatch',
      `CRC-32 mismatch (data is corrupt): expected ${hex(entry.crc32)}, got ${hex(checksum)}: ${quote(entry)}`,
      { entryName: entry.archiveName },
    );
  }
}

/** Streams a large entry into a new file at `target`; the file is removed if anything fails. */
export async function streamLargeEntry(
  entry: ArchiveEntry,
  target: string,
  context: StreamContext,
): Promise<WrittenEntry> {
  const headLength = Math.min(
    LOCAL_HEADER_FIXED_BYTES + entry.nameRaw.length + LOCAL_EXTRA_SLACK,
    entry.dataLimit - entry.localHeaderOffset,
  );
  let head = await readExactly(context.fd, headLength, entry.localHeaderOffset, entry);
  if (head.length >= LOCAL_HEADER_FIXED_BYTES) {
    const fullHeader = localHeaderLength(head);
    if (fullHeader > head.length && entry.localHeaderOffset + fullHeader <= entry.dataLimit) {
      head = await readExactly(context.fd, fullHeader, entry.localHeaderOffset, entry);
    }
  }
  const dataStart = entry.localHeaderOffset + checkLocalHeader(head, entry);

  // One read buffer and one inflate output buffer per entry, each written before it is reused (rawInflater.ts).
  const input = Buffer.allocUnsafe(Math.min(STREAM_CHUNK_BYTES, Math.max(1, entry.compressedSize)));
  const inflater = entry.method === METHOD_DEFLATE ? createRawInflater(STREAM_CHUNK_BYTES) : undefined;
  // Made before the file is opened: a failure to make it leaves no descriptor open.
  const output = await openNewFile(target, entry.archiveName).catch((error: unknown) => {
    inflater?.close();
    throw error;
  });
  let closed = false;
  try {
    const verifier = new ContentCounter(
      (count, total) => {
        if (total > entry.uncompressedSize) {
          throw new ArchiveError(
            'size_mismatch',
            `Entry inflates to more than its declared size: ${quote(entry)}`,
            {
              entryName: entry.archiveName,
            },
          );
        }
        context.onBytes(count, entry);
      },
      context.hashSha1 ? sha1Hasher() : undefined,
    );
    const write = async (bytes: Buffer): Promise<void> => {
      verifier.add(bytes);
      await writeAll(output, bytes);
    };
    try {
      for (let done = 0; done < entry.compressedSize;) {
        if (context.signal.aborted) throw abortError(context.signal);
        const length = Math.min(input.length, entry.compressedSize - done);
        const chunk = await readExactly(context.fd, length, dataStart + done, entry, input);
        done += chunk.length;
        if (inflater) await inflater.inflate(chunk, write);
        else await write(chunk);
      }
      await inflater?.finish(write);
    } catch (error) {
      throw streamError(error, entry, context.signal);
    }
    verifyContent(verifier.size, verifier.crc, entry);
    if (context.preserveModifiedTimes) await setFileTime(output, entry.modifiedTime, entry.archiveName);
    closed = true;
    await closeFile(output, entry.archiveName);
    return { size: verifier.size, ...(verifier.sha1 === undefined ? {} : { sha1: verifier.sha1 }) };
  } catch (error) {
    if (!closed) await closeFile(output, entry.archiveName).catch(() => undefined);
    await fs.promises.unlink(target).catch(() => undefined);
    throw error;
  } finally {
    inflater?.close();
  }
}

function streamError(error: unknown, entry: ArchiveEntry, signal: AbortSignal): unknown {
  if (error instanceof ArchiveError) return error;
  if (signal.aborted || isAbortError(error)) return abortError(signal);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) return inflateError(error, entry);
  return fileSystemError(error, `write ${quote(entry)}`, entry.archiveName);
}

/**
 * Counts and checksums bytes on their way to a file. `onBytes` sees each chunk's length and the running total
 * before the chunk is counted, and may throw to stop (size caps, bomb guards). Shared by both passes.
 */
export class ContentCounter {
  size = 0;
  crc = 0;

  constructor(
    private readonly onBytes: (count: number, total: number) => void,
    /** Also a SHA-1 of the content, read as `sha1` after the last chunk. */
    private readonly hash?: Hash,
  ) {}

  private digest: string | undefined;

  /** The content's hex SHA-1, when a hash was given; read after the last chunk. */
  get sha1(): string | undefined {
    this.digest ??= this.hash?.digest('hex');
    return this.digest;
  }

  add(chunk: Buffer): void {
    this.onBytes(chunk.length, this.size + chunk.length);
    this.size += chunk.length;
    this.crc = zlib.crc32(chunk, this.crc);
    this.hash?.update(chunk);
  }
}

// ---- thin callback wrappers, shared with the streaming extractor ----

/** 'wx' = O_CREAT|O_EXCL: never reuses (or follows a link at) an existing path. */
export function openNewFile(target: string, entryName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(target, 'wx', 0o666, (error, fd) => (error ? reject(writeError(error, entryName)) : resolve(fd)));
  });
}

export function setFileTime(fd: number, time: Date, entryName: string): Promise<void> {
  if (Number.isNaN(time.getTime())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    fs.futimes(fd, time, time, (error) =>
      error
        ? reject(fileSystemError(error, `set the time of ${JSON.stringify(entryName)}`, entryName))
        : resolve(),
    );
  });
}

export function closeFile(fd: number, entryName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.close(fd, (error) =>
      error ? reject(fileSystemError(error, `write ${JSON.stringify(entryName)}`, entryName)) : resolve(),
    );
  });
}

function quote(entry: ArchiveEntry): string {
  return JSON.stringify(entry.archiveName);
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
