import { isAbortError } from '../abort';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { RATIO_CHECK_THRESHOLD } from '../zip/centralDirectory';
import { METHOD_DEFLATE } from '../zip/format';
import type { LocalHeader } from '../zip/localHeader';
import { makeDirectory } from './directories';
import { ChecksumStream, closeFile, openNewFile, SMALL_ENTRY_BYTES, setFileTime } from './entryData';
import type { GrowingFile } from './growingFile';
import { ArchiveError, messageOf } from '../errors';
import { fileSystemError } from './fsErrors';
import { sha1Hasher } from '../verify/checksum';

/**
 * The data of one entry, read from the archive while it downloads (streamingExtractor.ts): a small entry of
 * unknown length inflated in memory, or any entry streamed into its file. Anything uncertain throws
 * `StopStreaming`, which ends the streaming pass and leaves the rest to the central directory pass.
 */

/** Thrown for anything the central-directory pass must handle instead. */
export class StopStreaming extends Error {}

export interface DecodedEntry {
  /** Set for a small entry, which the sink writes; a large one is already on disk. */
  content?: Buffer;
  size: number;
  crc32: number;
  compressedSize: number;
  /** A large entry's SHA-1, taken as it streamed (`hashSha1`). */
  sha1?: string;
}

export interface EntryStreamContext {
  archive: GrowingFile;
  signal: AbortSignal;
  maxEntryRatio: number;
  preserveModifiedTimes: boolean;
  hashSha1: boolean;
  /** Counts bytes about to be produced; throws StopStreaming at a limit. */
  accept(count: number): void;
  /** Bytes written to the file. */
  onWritten(count: number): void;
}

/** Compressed bytes read past a small entry's start: its whole deflate stream must fit, or it streams instead. */
const SMALL_WINDOW_BYTES = SMALL_ENTRY_BYTES + 64 * 1024;
const STREAM_CHUNK_BYTES = 256 * 1024;
/**
 * The first try at an entry of unknown length waits for this much data after its start (or the archive's end).
 * Small, because close behind the download every try re-reads its window; larger entries take a few doublings.
 */
const FIRST_WINDOW_BYTES = 16 * 1024;

/**
 * Inflates an entry of unknown length from a window after its start; if its deflate stream does not end inside
 * it, waits for a window twice as large and tries again (so the retries cost at most as much as the entry). Undefined
 * when the entry is too large to decode in memory: it then streams to its file.
 */
export async function inflateUntilStreamEnd(
  archive: GrowingFile,
  dataStart: number,
  signal: AbortSignal,
): Promise<{ content: Buffer; compressedSize: number } | undefined> {
  for (let wanted = FIRST_WINDOW_BYTES; ;) {
    await archive.waitFor(dataStart + wanted, signal);
    // Taken before the read: if the download completes during it, this window may still be a partial one.
    const reachesTheEnd = archive.isComplete;
    // A window of `wanted` bytes, not "all that has arrived": with the download just ahead, the latter would
    // re-read (and re-copy) up to a megabyte for every small entry.
    const length = Math.min(wanted, Math.max(0, archive.available - dataStart));
    const window = await archive.read(dataStart, length, signal);
    try {
      const result = zlib.inflateRawSync(window, {
        info: true,
        maxOutputLength: SMALL_ENTRY_BYTES,
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      return { content: result.buffer, compressedSize: result.engine.bytesWritten };
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

/**
 * Streams one entry into a new file: `compressedSize` bytes, or for deflate with unknown length until the
 * deflate stream ends. The file is removed if anything fails.
 */
export async function streamEntryToFile(
  context: EntryStreamContext,
  header: LocalHeader,
  dataStart: number,
  target: string,
  compressedSize: number | undefined,
): Promise<DecodedEntry> {
  const { signal } = context;
  try {
    await makeDirectory(path.dirname(target));
  } catch (error) {
    throw fileSystemError(error, `create the folder of ${JSON.stringify(header.name)}`);
  }
  const entryName = header.name ?? '';
  const fd = await openNewFile(target, entryName);
  let closed = false;
  let fed = 0;
  const counter = new ChecksumStream(
    (count, total) => {
      if (compressedSize !== undefined && total > header.uncompressedSize) {
        throw new StopStreaming('an entry inflates to more than its declared size');
      }
      if (total > RATIO_CHECK_THRESHOLD && total > context.maxEntryRatio * Math.max(1, fed)) {
        throw new StopStreaming('an entry expands implausibly (compression ratio)');
      }
      context.accept(count);
      context.onWritten(count);
    },
    context.hashSha1 ? sha1Hasher() : undefined,
  );
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
      const chunk = await readForStream(context, dataStart + fed, wanted);
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
    if (context.preserveModifiedTimes) await setFileTime(fd, header.modifiedTime, entryName);
    // Marked before the close: a close that fails must not be retried, as the number may be reused by then.
    closed = true;
    await closeFile(fd, entryName);
    const sha1 = counter.sha1;
    return {
      size: counter.size,
      crc32: counter.crc,
      compressedSize: consumed,
      ...(sha1 === undefined ? {} : { sha1 }),
    };
  } catch (error) {
    if (!closed) await closeFile(fd, entryName).catch(() => undefined);
    await removeQuietly(target);
    if (error instanceof StopStreaming || error instanceof ArchiveError || isAbortError(error)) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new StopStreaming('corrupt compressed data');
    if (error instanceof Error && error.cause instanceof StopStreaming) throw error.cause;
    throw fileSystemError(error, `write ${JSON.stringify(header.name)}`, header.name);
  }
}

/** A read for a streaming entry: a download that failed meanwhile ends streaming; it is no local write error. */
async function readForStream(context: EntryStreamContext, position: number, length: number): Promise<Buffer> {
  // The data descriptor follows the deflate stream's end, in this chunk or later: earlier bytes are done with. (If
  // this entry fails now, the central-directory pass cannot read it from a lean archive; it asks for a fresh one.)
  context.archive.release(position);
  try {
    return await context.archive.read(position, length, context.signal);
  } catch (error) {
    if (isAbortError(error) || context.signal.aborted) throw error;
    throw new StopStreaming(`the download stopped (${messageOf(error)})`);
  }
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

export function removeQuietly(target: string): Promise<void> {
  return fs.promises.unlink(target).catch(() => undefined);
}
