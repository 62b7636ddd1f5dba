import * as fs from 'node:fs';
import type { ArchiveEntry } from '../zip/centralDirectory';
import { LOCAL_HEADER_FIXED_BYTES } from '../zip/format';
import { ArchiveError } from '../errors';
import { fileSystemError } from './fsErrors';

/**
 * Groups small entries that sit next to each other in the archive into windows of a few MiB and reads each window
 * with one system call, instead of one read per entry. Each window is freed once all its entries took their bytes.
 * Entries must be requested in roughly archive order (the extractor sorts them) for windows to be read once.
 */
const WINDOW_BYTES = 4 * 1024 * 1024;
/** Bytes read past the name for the local extra field (which may be longer than the central one). */
export const LOCAL_EXTRA_SLACK = 128;
/** Entries further apart than this start a new window: never read large unused gaps. */
const MAX_GAP_BYTES = 64 * 1024;

interface Window {
  start: number;
  end: number;
  remaining: number;
  bytes?: Promise<Buffer>;
  next?: Window;
  /** An entry to name in a read error. */
  first: ArchiveEntry;
}

export class EntryWindows {
  private readonly windowOf = new Map<ArchiveEntry, Window>();
  /** Reads started (read-aheads too): the archive's owner closes it only once they have settled. */
  private readonly reads = new Set<Promise<Buffer>>();

  constructor(
    private readonly fd: number,
    entriesByOffset: readonly ArchiveEntry[],
  ) {
    let current: Window | undefined;
    for (const entry of entriesByOffset) {
      const [start, end] = span(entry);
      if (
        current === undefined ||
        start < current.end ||
        start - current.end > MAX_GAP_BYTES ||
        end - current.start > WINDOW_BYTES
      ) {
        const next: Window = { start, end, remaining: 0, first: entry };
        if (current) current.next = next;
        current = next;
      }
      current.end = Math.max(current.end, end);
      current.remaining++;
      this.windowOf.set(entry, current);
    }
  }

  /** The bytes from the entry's local header on (its header, name, usual extra field and data). */
  async bytesFor(entry: ArchiveEntry): Promise<Buffer> {
    const window = this.windowOf.get(entry);
    if (window === undefined) throw new Error('entry was not planned in a window');
    const bytes = this.startReading(window);
    // Read ahead: the next window loads while this one is being inflated and written.
    if (window.next && window.next.remaining > 0) this.startReading(window.next);
    try {
      const [start, end] = span(entry);
      return (await bytes).subarray(start - window.start, end - window.start);
    } finally {
      // The last entry of a window lets its buffer go.
      if (--window.remaining === 0) window.bytes = undefined;
    }
  }

  private startReading(window: Window): Promise<Buffer> {
    if (window.bytes === undefined) {
      const bytes = readExactly(this.fd, window.end - window.start, window.start, window.first);
      window.bytes = bytes;
      this.reads.add(bytes);
      // A read-ahead may fail before anyone awaits it; the entry that needs it sees the error then.
      bytes.catch(() => undefined).finally(() => this.reads.delete(bytes));
    }
    return window.bytes;
  }

  /** Resolves once no read is in flight: one stopped by an abort or a failure may still be in the thread pool. */
  async settled(): Promise<void> {
    while (this.reads.size > 0) await Promise.allSettled([...this.reads]);
  }
}

/** [local header offset, end of the bytes we expect to need), never past the next entry's local header. */
function span(entry: ArchiveEntry): [number, number] {
  const wanted =
    LOCAL_HEADER_FIXED_BYTES +
    entry.nameRaw.length +
    entry.centralExtraLength +
    LOCAL_EXTRA_SLACK +
    entry.compressedSize;
  return [entry.localHeaderOffset, Math.min(entry.dataLimit, entry.localHeaderOffset + wanted)];
}

export function readExactly(
  fd: number,
  length: number,
  position: number,
  entry: ArchiveEntry,
  /** A buffer to read into (a large entry reuses one for all its chunks); a new one otherwise. */
  into?: Buffer,
): Promise<Buffer> {
  const buffer = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  return new Promise((resolve, reject) => {
    const readFrom = (offset: number): void => {
      if (offset === length) {
        resolve(buffer);
        return;
      }
      fs.read(fd, buffer, offset, length - offset, position + offset, (error, bytesRead) => {
        if (error) reject(fileSystemError(error, 'read the archive', entry.archiveName));
        else if (bytesRead === 0) {
          reject(
            new ArchiveError(
              'truncated',
              `The archive ends inside an entry: ${JSON.stringify(entry.archiveName)}`,
              {
                entryName: entry.archiveName,
              },
            ),
          );
        } else readFrom(offset + bytesRead);
      });
    };
    readFrom(0);
  });
}
