import { isAbortError, throwIfAborted } from '../abort';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RATIO_CHECK_THRESHOLD } from '../zip/centralDirectory';
import { METHOD_DEFLATE } from '../zip/format';
import type { LocalHeader } from '../zip/localHeader';
import { makeDirectory } from './directories';
import { closeFile, ContentCounter, openNewFile, SMALL_ENTRY_BYTES, setFileTime } from './entryData';
import type { GrowingFile } from './growingFile';
import { ArchiveError, messageOf } from '../errors';
import { fileSystemError } from './fsErrors';
import { sha1Hasher } from '../verify/checksum';
import { createRawInflater, inflateSmall, writeAll } from './rawInflater';

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
    if (!archive.has(dataStart + wanted)) await archive.waitFor(dataStart + wanted, signal);
    // Taken before the read: if the download completes during it, this window may still be a partial one.
    const reachesTheEnd = archive.isComplete;
    // A window of `wanted` bytes, not "all that has arrived": with the download just ahead, the latter would
    // re-read (and re-copy) up to a megabyte for every small entry.
    const length = Math.min(wanted, Math.max(0, archive.available - dataStart));
    const window = await archive.read(dataStart, length, signal);
    // Where a data descriptor's signature is followed by the compressed size so far, the deflate stream may end:
    // inflating up to there either ends it (its end is the same whatever follows) or fails on a decoy inside the
    // data, and the window is then tried whole. Without such a place, the whole window is only tried once the
    // window is as large as it gets: a failed try inflates it all for nothing.
    const end = descriptorCandidate(window);
    const ended = end === undefined ? 'no' : inflateWhole(window.subarray(0, end));
    if (ended === 'too large') return undefined;
    if (typeof ended === 'object') return ended;
    if (
      end === undefined &&
      !reachesTheEnd &&
      window.length < SMALL_WINDOW_BYTES &&
      window.length === wanted
    ) {
      wanted = Math.min(SMALL_WINDOW_BYTES, 2 * wanted);
      continue;
    }
    try {
      const { content, consumed } = inflateSmall(window, SMALL_ENTRY_BYTES);
      return { content, compressedSize: consumed };
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

const DESCRIPTOR_SIGNATURE = Buffer.from([0x50, 0x4b, 0x07, 0x08]);

/** The first offset in `window` holding a data descriptor's signature and, after the CRC-32, that offset. */
function descriptorCandidate(window: Buffer): number | undefined {
  for (
    let at = window.indexOf(DESCRIPTOR_SIGNATURE);
    at !== -1;
    at = window.indexOf(DESCRIPTOR_SIGNATURE, at + 1)
  ) {
    if (at + 12 <= window.length && window.readUInt32LE(at + 8) === at) return at;
  }
  return undefined;
}

/** `data` inflated, if its deflate stream ends inside it; 'too large' past a small entry's size; else 'no'. */
function inflateWhole(data: Buffer): { content: Buffer; compressedSize: number } | 'too large' | 'no' {
  try {
    const { content, consumed } = inflateSmall(data, SMALL_ENTRY_BYTES);
    return { content, compressedSize: consumed };
  } catch (error) {
    return (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too large' : 'no';
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
  try {
    await makeDirectory(path.dirname(target));
  } catch (error) {
    throw fileSystemError(error, `create the folder of ${JSON.stringify(header.name)}`);
  }
  // Every chunk is written before the next read or inflate reuses its buffer: no copies, no fresh buffers
  // (rawInflater.ts says why that matters). Made before the file is opened: nothing to remove if it fails.
  const inflater = header.method === METHOD_DEFLATE ? createRawInflater(STREAM_CHUNK_BYTES) : undefined;
  const entryName = header.name ?? '';
  const fd = await openNewFile(target, entryName).catch((error: unknown) => {
    inflater?.close();
    throw error;
  });
  let closed = false;
  let fed = 0;
  const counter = new ContentCounter(
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
  const write = async (bytes: Buffer): Promise<void> => {
    counter.add(bytes);
    await writeAll(fd, bytes);
  };
  try {
    for (;;) {
      const wanted = Math.min(STREAM_CHUNK_BYTES, (compressedSize ?? Number.MAX_SAFE_INTEGER) - fed);
      if (wanted <= 0) break;
      throwIfAborted(context.signal);
      const chunk = await readForStream(context, dataStart + fed, wanted);
      if (chunk.length === 0) throw new StopStreaming('truncated entry');
      // Counted before it is inflated: the ratio check runs while this chunk inflates.
      fed += chunk.length;
      if (!inflater) {
        await write(chunk);
        continue;
      }
      await inflater.inflate(chunk, write);
      // The deflate stream ended inside this chunk: the rest is the data descriptor and what follows.
      if (inflater.ended) break;
    }
    await inflater?.finish(write);
    const consumed = inflater ? inflater.consumed : fed;
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
    // Every write was awaited in the loop, so none is in flight on the number when it closes.
    if (!closed) await closeFile(fd, entryName).catch(() => undefined);
    await removeQuietly(target);
    if (error instanceof StopStreaming || error instanceof ArchiveError || isAbortError(error)) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new StopStreaming('corrupt compressed data');
    throw fileSystemError(error, `write ${JSON.stringify(header.name)}`, header.name);
  } finally {
    inflater?.close();
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

export function removeQuietly(target: string): Promise<void> {
  return fs.promises.unlink(target).catch(() => undefined);
}
