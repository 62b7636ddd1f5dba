// Read-ahead for the ZIP stream. yazl pulls entries strictly one after another, so with many small files the stream
// would wait on open/read/close round trips for every file. This opens the next few files and reads their first
// bytes in advance, with bounded memory (lookahead × headBytes) and bounded open files (lookahead + 1).
// Plain fd callbacks rather than FileHandle promises: with 10,000 small files the latter cost noticeably more CPU.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 256 * 1024;

interface Head {
  fd: number;
  head: Buffer;
  /** True when the head already holds the whole file. */
  complete: boolean;
}

export interface PrefetchOptions {
  /** How many files ahead of the one being streamed to open and start reading. */
  lookahead?: number;
  /** Bytes read in advance per file (the rest is streamed when its turn comes). */
  headBytes?: number;
}

const closeQuietly = (fd: number) => fs.close(fd, () => undefined);

function readHead(path: string, size: number, headBytes: number): Promise<Head> {
  return new Promise((resolve, reject) => {
    fs.open(path, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      // One byte more than the listed size tells whether the file grew since it was listed.
      const buffer = Buffer.allocUnsafe(Math.min(size + 1, headBytes));
      const fill = (filled: number) => {
        fs.read(fd, buffer, filled, buffer.length - filled, filled, (readError, bytesRead) => {
          if (readError) {
            closeQuietly(fd);
            return reject(readError);
          }
          const total = filled + bytesRead;
          if (bytesRead > 0 && total < buffer.length) return fill(total);
          resolve({ fd, head: buffer.subarray(0, total), complete: total < buffer.length });
        });
      };
      fill(0);
    });
  });
}

/** A stream that emits the prefetched head, then reads the rest of the file from where the head stopped. */
function streamFrom(pending: Promise<Head>): Readable {
  let state: Head | undefined;
  let position = 0;
  // A destroy while a read is in the thread pool leaves the close to that read's callback: closed under it, the
  // number could be another file's (or socket's) by the time the read runs.
  let reading = false;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (!state) {
        pending.then(
          (head) => {
            state = head;
            position = head.head.length;
            if (head.head.length > 0) this.push(head.head);
            if (head.complete) this.push(null);
          },
          (error: Error) => this.destroy(error),
        );
        return;
      }
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const fd = state.fd;
      reading = true;
      fs.read(fd, buffer, 0, CHUNK_BYTES, position, (error, bytesRead) => {
        reading = false;
        if (this.destroyed) return closeQuietly(fd);
        if (error) return this.destroy(error);
        position += bytesRead;
        this.push(bytesRead > 0 ? buffer.subarray(0, bytesRead) : null);
      });
    },
    destroy(error, callback) {
      if (state) {
        if (!reading) closeQuietly(state.fd);
      } else pending.then((head) => closeQuietly(head.fd)).catch(() => undefined);
      callback(error);
    },
  });
}

export class Prefetcher {
  private readonly started = new Map<number, Promise<Head>>();
  private readonly lookahead: number;
  private readonly headBytes: number;

  constructor(
    private readonly files: { absolutePath: string; size: number }[],
    options: PrefetchOptions = {},
  ) {
    this.lookahead = options.lookahead ?? 8;
    this.headBytes = options.headBytes ?? CHUNK_BYTES;
  }

  /** The stream for file `index`; also starts reading the files after it. */
  open(index: number): Readable {
    const last = Math.min(index + this.lookahead, this.files.length - 1);
    for (let next = index; next <= last; next++) this.start(next);
    const pending = this.started.get(index)!;
    this.started.delete(index);
    return streamFrom(pending);
  }

  /** Closes files read ahead but never streamed (the download was cut or aborted). */
  dispose(): void {
    for (const pending of this.started.values())
      pending.then((head) => closeQuietly(head.fd)).catch(() => undefined);
    this.started.clear();
  }

  private start(index: number): void {
    if (this.started.has(index)) return;
    const file = this.files[index];
    const pending = readHead(file.absolutePath, file.size, this.headBytes);
    // Errors surface when the stream is read; this only stops an "unhandled rejection" in the meantime.
    pending.catch(() => undefined);
    this.started.set(index, pending);
  }
}
