import { abortError } from '../abort';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';

/**
 * The archive file while it downloads. The download appends to it through `writable()`; the streaming extractor
 * reads behind the download with positional reads, waiting for bytes that have not arrived yet. Reading back from
 * the file (the page cache, in practice) instead of holding the stream in memory keeps memory flat whatever the
 * speed of either side: the download is never slowed down by extraction.
 */
export class GrowingFile {
  /** Bytes whose write has completed, so a read sees them. */
  private length = 0;
  private complete = false;
  private failure: unknown;
  private readonly waiters = new Set<() => void>();
  /** A read-ahead block: most entries are far smaller than it, so one read serves many of them. */
  private block: Buffer = Buffer.alloc(0);
  private buffer: Buffer = Buffer.alloc(0);
  private blockStart = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly writeFd: number,
    private readonly readFd: number,
  ) {}

  /** Creates the file (it must not exist). */
  static async create(filePath: string): Promise<GrowingFile> {
    const writeFd = await new Promise<number>((resolve, reject) =>
      fs.open(filePath, 'wx', 0o600, (error, fd) => (error ? reject(error) : resolve(fd))),
    );
    const readFd = await new Promise<number>((resolve, reject) =>
      fs.open(filePath, 'r', (error, fd) => (error ? reject(error) : resolve(fd))),
    ).catch(async (error: unknown) => {
      await closeQuietly(writeFd);
      throw error;
    });
    return new GrowingFile(filePath, writeFd, readFd);
  }

  get available(): number {
    return this.length;
  }

  get isComplete(): boolean {
    return this.complete;
  }

  /** A stream that appends to the file; reaching its end marks the file complete, an error marks it failed. */
  writable(): Writable {
    return new Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        this.append(chunk).then(() => callback(), callback);
      },
      // Chunks that queued while a write was in flight go in one write: the socket hands over many small chunks
      // (more so with several downloads at once), and each write is a thread-pool round trip.
      writev: (chunks, callback) => {
        const joined =
          chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map(({ chunk }) => chunk));
        this.append(joined as Buffer).then(() => callback(), callback);
      },
      final: (callback) => {
        this.complete = true;
        this.wake();
        callback();
      },
      destroy: (error, callback) => {
        if (error && !this.complete) this.fail(error);
        callback(error);
      },
    });
  }

  /** Wakes every reader with this error: the download will not complete. */
  fail(error: unknown): void {
    this.failure ??= error;
    this.wake();
  }

  /**
   * Up to `length` bytes from `position`: exactly `length` unless the complete file ends first. Waits for the
   * download as needed; rejects if the download failed or the signal aborts.
   *
   * The bytes returned are only valid until the next call: blocks are read into one reused buffer, since a fresh
   * buffer per block would leave gigabytes of garbage to the collector on a large archive (and the peak memory
   * with it). Callers consume or copy them before reading again.
   */
  async read(position: number, length: number, signal: AbortSignal): Promise<Buffer> {
    const end = position + length;
    if (position >= this.blockStart && end <= this.blockStart + this.block.length) {
      return this.block.subarray(position - this.blockStart, end - this.blockStart);
    }
    await this.waitFor(end, signal);
    const readable = Math.max(0, Math.min(Math.max(length, READ_AHEAD_BYTES), this.length - position));
    if (this.buffer.length < readable) this.buffer = Buffer.allocUnsafe(readable);
    let filled = 0;
    while (filled < readable) {
      const count = await new Promise<number>((resolve, reject) =>
        fs.read(this.readFd, this.buffer, filled, readable - filled, position + filled, (error, bytesRead) =>
          error ? reject(error) : resolve(bytesRead),
        ),
      );
      if (count === 0) break;
      filled += count;
    }
    this.block = this.buffer.subarray(0, filled);
    this.blockStart = position;
    return this.block.subarray(0, Math.min(length, filled));
  }

  /** Resolves once `end` bytes exist or the file is complete (possibly shorter). */
  async waitFor(end: number, signal: AbortSignal): Promise<void> {
    while (this.length < end && !this.complete) {
      if (this.failure !== undefined) throw this.failure;
      if (signal.aborted) throw abortError(signal);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener('abort', wake);
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Closes both descriptors (the file stays); later calls do nothing. */
  async close(): Promise<void> {
    // Twice would close descriptor numbers that may belong to someone else by then.
    if (this.closed) return;
    this.closed = true;
    this.block = Buffer.alloc(0);
    this.buffer = Buffer.alloc(0);
    await Promise.all([closeQuietly(this.writeFd), closeQuietly(this.readFd)]);
  }

  private async append(chunk: Buffer): Promise<void> {
    for (let done = 0; done < chunk.length;) {
      done += await new Promise<number>((resolve, reject) =>
        fs.write(this.writeFd, chunk, done, chunk.length - done, this.length + done, (error, written) =>
          error ? reject(error) : resolve(written),
        ),
      );
    }
    this.length += chunk.length;
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Large enough that thousands of small entries cost a handful of reads, small enough to stay cheap to copy. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

function closeQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}
