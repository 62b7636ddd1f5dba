import { abortError } from '../abort';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';

/**
 * The archive file while it downloads. The download appends to it through `writable()`; the streaming extractor
 * reads behind the download with positional reads, waiting for bytes that have not arrived yet. Reading back from
 * the file (the page cache, in practice) instead of holding the stream in memory keeps memory flat whatever the
 * speed of either side: the download is never slowed down by extraction.
 *
 * Lean (`create(path, { lean: true })`): nothing is written while the streaming pass keeps up. The bytes it has not
 * released yet (`release`) stay in memory, at most `LEAN_WINDOW_BYTES` ahead of it (the download waits beyond
 * that), and the last `LEAN_TAIL_BYTES` received are kept too. When streaming stops (`keepTheRest`: the central
 * directory, or an entry it could not handle), what is held and everything after it is written at its own offset:
 * the file is sparse, a hole up to `holeEnd` and the real bytes after. Whoever reads it afterwards must not read in
 * the hole (extractor.ts asks for a fresh archive instead). This spares the disk writing the archive and reading it
 * back, and the temporary disk its size.
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
  /** Lean mode: received chunks not yet written, from `heldStart`, while nothing is written (`spilled` false). */
  private readonly lean: boolean;
  private held: Buffer[] = [];
  private heldStart = 0;
  /** The held chunk the last read started in, and its offset: reads move forward, so the next starts there. */
  private cursorIndex = 0;
  private cursorStart = 0;
  private releasedTo = 0;
  private spilled: boolean;
  private readonly roomWaiters = new Set<() => void>();
  /** Bytes before this offset were never written (lean mode): the file holds a hole there. */
  holeEnd = 0;

  private constructor(
    readonly path: string,
    private readonly writeFd: number,
    private readonly readFd: number,
    lean: boolean,
  ) {
    this.lean = lean;
    this.spilled = !lean;
  }

  /** Creates the file (it must not exist). */
  static async create(filePath: string, options: { lean?: boolean } = {}): Promise<GrowingFile> {
    const writeFd = await new Promise<number>((resolve, reject) =>
      fs.open(filePath, 'wx', 0o600, (error, fd) => (error ? reject(error) : resolve(fd))),
    );
    const readFd = await new Promise<number>((resolve, reject) =>
      fs.open(filePath, 'r', (error, fd) => (error ? reject(error) : resolve(fd))),
    ).catch(async (error: unknown) => {
      await closeQuietly(writeFd);
      throw error;
    });
    return new GrowingFile(filePath, writeFd, readFd, options.lean === true);
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
    this.wakeWriters();
  }

  /** Lean mode: the reader will never read before `position` again, so those bytes need not be kept. */
  release(position: number): void {
    if (this.spilled || position <= this.releasedTo) return;
    this.releasedTo = position;
    this.dropReleased();
    this.wakeWriters();
  }

  /**
   * Lean mode: the reader stops here. What is still held (from the last position it had not released, and the
   * tail) is written, and every byte that arrives from now on. Idempotent; nothing to do outside lean mode.
   */
  async keepTheRest(): Promise<void> {
    if (this.spilled) return;
    this.spilled = true;
    this.holeEnd = this.heldStart;
    const chunks = this.held;
    this.held = [];
    this.wakeWriters();
    // A failed download is not extracted: nothing to keep.
    if (this.failure !== undefined) return;
    let position = this.heldStart;
    try {
      for (const chunk of chunks) {
        await this.writeAt(chunk, position);
        position += chunk.length;
      }
    } catch (error) {
      this.fail(error);
      throw error;
    }
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
    if (!this.spilled) {
      await this.waitFor(end, signal);
      if (!this.spilled) return this.readHeld(position, Math.max(0, Math.min(end, this.length) - position));
    }
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
    this.held = [];
    this.wakeWriters();
    this.block = Buffer.alloc(0);
    this.buffer = Buffer.alloc(0);
    await Promise.all([closeQuietly(this.writeFd), closeQuietly(this.readFd)]);
  }

  private async append(chunk: Buffer): Promise<void> {
    // Lean mode: writing what was held failed, so the file would have a gap.
    if (this.failure !== undefined) throw this.failure;
    if (!this.spilled) {
      this.held.push(chunk);
      this.length += chunk.length;
      this.dropReleased();
      this.wake();
      await this.roomInWindow();
      return;
    }
    await this.writeAt(chunk, this.length);
    this.length += chunk.length;
    this.wake();
  }

  private async writeAt(chunk: Buffer, position: number): Promise<void> {
    for (let done = 0; done < chunk.length;) {
      done += await new Promise<number>((resolve, reject) =>
        fs.write(this.writeFd, chunk, done, chunk.length - done, position + done, (error, written) =>
          error ? reject(error) : resolve(written),
        ),
      );
    }
  }

  /** The download waits while the reader is a window behind: memory stays bounded, and so does the disk. */
  private async roomInWindow(): Promise<void> {
    while (!this.spilled && this.failure === undefined && this.length - this.releasedTo > LEAN_WINDOW_BYTES) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.roomWaiters.delete(wake);
          resolve();
        };
        this.roomWaiters.add(wake);
      });
    }
  }

  /** Drops the held chunks that are released and not in the tail (the central directory's check may need it). */
  private dropReleased(): void {
    const keepFrom = Math.min(this.releasedTo, this.length - LEAN_TAIL_BYTES);
    let dropped = 0;
    while (dropped < this.held.length && this.heldStart + this.held[dropped].length <= keepFrom) {
      this.heldStart += this.held[dropped].length;
      dropped++;
    }
    if (dropped > 0) {
      this.held.splice(0, dropped);
      this.cursorIndex -= dropped;
      if (this.cursorIndex < 0) {
        this.cursorIndex = 0;
        this.cursorStart = this.heldStart;
      }
    }
  }

  /** Bytes from the held chunks: a view of one chunk when they lie in one, else a copy into the reused buffer. */
  private readHeld(position: number, length: number): Buffer {
    if (position < this.heldStart) throw new Error(`read at ${position}, released before ${this.heldStart}`);
    let index = 0;
    let start = this.heldStart;
    if (this.cursorStart <= position) {
      index = this.cursorIndex;
      start = this.cursorStart;
    }
    while (index < this.held.length && start + this.held[index].length <= position) {
      start += this.held[index].length;
      index++;
    }
    this.cursorIndex = index;
    this.cursorStart = start;
    const first = this.held[index];
    if (first === undefined || length === 0) return Buffer.alloc(0);
    if (position + length <= start + first.length) {
      return first.subarray(position - start, position - start + length);
    }
    if (this.buffer.length < length) this.buffer = Buffer.allocUnsafe(Math.max(length, 64 * 1024));
    let filled = 0;
    for (; filled < length && index < this.held.length; index++) {
      const chunk = this.held[index];
      const from = Math.max(0, position + filled - start);
      filled += chunk.copy(this.buffer, filled, from, Math.min(chunk.length, from + length - filled));
      start += chunk.length;
    }
    return this.buffer.subarray(0, filled);
  }

  private wakeWriters(): void {
    for (const waiter of [...this.roomWaiters]) waiter();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** How far the download may run ahead of the lean reader: well over the largest read it waits for (about 1.3 MB). */
const LEAN_WINDOW_BYTES = 8 * 1024 * 1024;
/** The end of an archive the central directory pass reads besides the directory (the EOCD search covers 64 KiB). */
const LEAN_TAIL_BYTES = 256 * 1024;

/** Large enough that thousands of small entries cost a handful of reads, small enough to stay cheap to copy. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

function closeQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}
