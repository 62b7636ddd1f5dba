import { abortError } from '../abort';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import { Descriptor } from './descriptor';
import { SlabHolder, type HeldPart, type Slab } from './heldMemory';

/**
 * The archive file while it downloads. The download appends to it through `writable()`; the streaming extractor
 * reads behind the download with positional reads, waiting for bytes that have not arrived yet. Reading back from
 * the file (the page cache, in practice) instead of holding the stream in memory keeps memory flat whatever the
 * speed of either side: the download is never slowed down by extraction.
 *
 * Lean (`create(path, { lean: true })`): nothing is written while the streaming pass keeps up. The bytes it has not
 * released yet (`release`) stay in memory, up to `LEAN_WINDOW_BYTES`, and the last `LEAN_TAIL_BYTES` received are kept
 * too. Beyond the window the bytes go to spill files (`<path>.spill-N`, `SPILL_SEGMENT_BYTES` each), deleted once the
 * pass has released them: pausing the socket instead cost a network-bound download time it never caught up (#15).
 * Only `LEAN_SPILL_BYTES` past the window does the download wait. When streaming stops (`keepTheRest`: the central
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
  /** The signals `waitFor` listens to (`watch`), each with its listener: removed on `close`. */
  private readonly watched = new Map<AbortSignal, () => void>();
  /** A read-ahead block: most entries are far smaller than it, so one read serves many of them. */
  private block: Buffer = Buffer.alloc(0);
  private buffer: Buffer = Buffer.alloc(0);
  private blockStart = 0;
  private closed = false;
  /** Reads under way: `close` lets them finish before it drops what they read from. */
  private reading = 0;
  private readsSettled: (() => void) | undefined;
  /** Lean mode: the received bytes not yet written to the archive, from `heldStart`, while `spilled` is false. */
  private readonly lean: boolean;
  private held: Piece[] = [];
  /** Lean mode: the slabs of the process's shared budget (heldMemory.ts) that in-memory pieces are copied into. */
  private readonly slabs: SlabHolder | undefined;
  private heldStart = 0;
  /** Bytes of `held` that are in memory (the rest is in spill files). */
  private heldMemory = 0;
  /** The held piece the last read started in: reads move forward, so the next starts there. */
  private cursorIndex = 0;
  private releasedTo = 0;
  private spilled: boolean;
  private readonly roomWaiters = new Set<() => void>();
  /** The spill file being appended to, every one not yet deleted, and the write in flight to one. */
  private segment: Segment | undefined;
  private readonly segments = new Set<Segment>();
  private segmentCount = 0;
  private spillWrite: Promise<unknown> = Promise.resolve();
  private removals: Promise<unknown> = Promise.resolve();
  /** Bytes before this offset were never written (lean mode): the file holds a hole there. */
  holeEnd = 0;

  private constructor(
    readonly path: string,
    private readonly writer: Descriptor,
    private readonly reader: Descriptor,
    lean: boolean,
  ) {
    this.lean = lean;
    this.spilled = !lean;
    this.slabs = lean ? new SlabHolder() : undefined;
  }

  /** Creates the file (it must not exist). */
  static async create(filePath: string, options: { lean?: boolean } = {}): Promise<GrowingFile> {
    const writer = await Descriptor.open(filePath, 'wx', 0o600);
    const reader = await Descriptor.open(filePath, 'r').catch(async (error: unknown) => {
      await writer.close();
      throw error;
    });
    return new GrowingFile(filePath, writer, reader, options.lean === true);
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
    // A chunk on its way to a spill file is written again at its offset by `append`, which sees `spilled`.
    await this.spillWrite.catch(() => undefined);
    this.holeEnd = this.heldStart;
    const pieces = this.held;
    this.held = [];
    this.heldMemory = 0;
    this.wakeWriters();
    try {
      // A failed download is not extracted: nothing to keep.
      if (this.failure !== undefined) return;
      for (const piece of pieces) await this.keepPiece(piece);
    } catch (error) {
      this.fail(error);
      throw error;
    } finally {
      this.slabs?.giveBack();
      await this.removeSegments();
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
  read(position: number, length: number, signal: AbortSignal): Buffer | Promise<Buffer> {
    // Bytes at hand come back at once, without the async frames and promises of a wait (see readNow).
    return this.readNow(position, length) ?? this.readLater(position, length, signal);
  }

  private async readLater(position: number, length: number, signal: AbortSignal): Promise<Buffer> {
    this.reading++;
    try {
      return await this.readOpen(position, length, signal);
    } finally {
      if (--this.reading === 0) this.readsSettled?.();
    }
  }

  /**
   * What `read` returns without waiting or reading the file (same bytes, same validity), else undefined.
   * Most reads of the streaming pass are a few bytes in memory: each wait is three async frames and their
   * promises, which for 20,000 tiny entries (five reads each) was a good part of the main thread's work (#15).
   */
  private readNow(position: number, length: number): Buffer | undefined {
    if (this.closed || this.failure !== undefined) return undefined;
    const end = position + length;
    if (!this.spilled) {
      if (this.length < end && !this.complete) return undefined;
      return this.heldView(position, Math.max(0, Math.min(end, this.length) - position));
    }
    if (position >= this.blockStart && end <= this.blockStart + this.block.length) {
      return this.block.subarray(position - this.blockStart, end - this.blockStart);
    }
    return undefined;
  }

  /** Whether `waitFor(end)` would resolve at once: the caller may skip it (and the tick an await costs). */
  has(end: number): boolean {
    return (this.length >= end || this.complete) && this.failure === undefined;
  }

  private async readOpen(position: number, length: number, signal: AbortSignal): Promise<Buffer> {
    if (this.closed) throw closedError(this.path);
    const end = position + length;
    if (!this.spilled) {
      await this.waitFor(end, signal);
      if (!this.spilled)
        return await this.readHeld(position, Math.max(0, Math.min(end, this.length) - position));
    }
    if (position >= this.blockStart && end <= this.blockStart + this.block.length) {
      return this.block.subarray(position - this.blockStart, end - this.blockStart);
    }
    await this.waitFor(end, signal);
    const readable = Math.max(0, Math.min(Math.max(length, READ_AHEAD_BYTES), this.length - position));
    if (this.buffer.length < readable) this.buffer = Buffer.allocUnsafe(readable);
    const filled = await readFully(this.reader, this.buffer, readable, position);
    this.block = this.buffer.subarray(0, filled);
    this.blockStart = position;
    return this.block.subarray(0, Math.min(length, filled));
  }

  /** Resolves once `end` bytes exist or the file is complete (possibly shorter). */
  async waitFor(end: number, signal: AbortSignal): Promise<void> {
    while (this.length < end && !this.complete) {
      if (this.failure !== undefined) throw this.failure;
      if (signal.aborted) throw abortError(signal);
      if (this.closed) throw closedError(this.path);
      this.watch(signal);
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * An abort wakes every waiter (each checks its own signal). One listener per signal, not one per wait: adding
   * and removing an event listener cost more than the rest of a wait, and the streaming pass waits per entry.
   */
  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    const wake = (): void => this.wake();
    this.watched.set(signal, wake);
    signal.addEventListener('abort', wake, { once: true });
  }

  /**
   * Closes the descriptors (the file stays) once the reads under way have finished; a read waiting for bytes
   * rejects, as does any later one. Later calls do nothing.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.wakeWriters();
    for (const [signal, wake] of this.watched) signal.removeEventListener('abort', wake);
    this.watched.clear();
    while (this.reading > 0) await new Promise<void>((resolve) => (this.readsSettled = resolve));
    // The held slabs go back to the shared budget only now: a read under way may still be copying from them.
    this.held = [];
    this.slabs?.close();
    this.block = Buffer.alloc(0);
    this.buffer = Buffer.alloc(0);
    // Each descriptor closes once, after the writes and reads in flight on it (the download's own, say).
    await Promise.all([this.writer.close(), this.reader.close(), this.removeSegments()]);
  }

  private async append(chunk: Buffer): Promise<void> {
    // Lean mode: writing what was held failed, so the file would have a gap.
    if (this.failure !== undefined) throw this.failure;
    if (!this.spilled) {
      const parts = this.heldMemory + chunk.length <= LEAN_WINDOW_BYTES ? this.slabs!.copy(chunk) : undefined;
      if (parts !== undefined) {
        this.holdParts(parts);
        this.heldMemory += chunk.length;
      } else {
        const write = this.spill(chunk);
        this.spillWrite = write;
        await write;
      }
    }
    // Not `else`: streaming may have stopped while the chunk went to a spill file, which is deleted now.
    if (this.spilled) await this.writeAt(chunk, this.length);
    this.length += chunk.length;
    if (!this.spilled) this.dropReleased();
    this.wake();
    await this.roomInWindow();
  }

  /** Holds copied parts after the received bytes, as new pieces or extending the last one in the same slab. */
  private holdParts(parts: HeldPart[]): void {
    let start = this.length;
    for (const { slab, offset, length } of parts) {
      const last = this.held[this.held.length - 1];
      if (last?.slab === slab && last.offset + last.length === offset && last.start + last.length === start) {
        last.length += length;
        last.memory = slab.buffer.subarray(last.offset, last.offset + last.length);
      } else {
        slab.live++;
        this.held.push({
          start,
          length,
          memory: slab.buffer.subarray(offset, offset + length),
          slab,
          offset,
        });
      }
      start += length;
    }
  }

  /** Appends the chunk to the current spill file (a new one when it is full) and holds it as a piece there. */
  private async spill(chunk: Buffer): Promise<void> {
    if (this.segment === undefined || this.segment.size >= SPILL_SEGMENT_BYTES) {
      const segmentPath = `${this.path}.spill-${this.segmentCount++}`;
      const file = await Descriptor.open(segmentPath, 'wx+', 0o600);
      this.segment = { path: segmentPath, file, size: 0, live: 0 };
      this.segments.add(this.segment);
      // Closed while it opened: `close` has removed the others already.
      if (this.closed) {
        await this.removeSegments();
        throw closedError(this.path);
      }
    }
    const segment = this.segment;
    // The write in flight keeps the file open: a release meanwhile may drop every earlier piece in it.
    segment.live++;
    const offset = segment.size;
    segment.size += chunk.length;
    await writeFully(segment.file, chunk, offset);
    if (this.spilled) return;
    const last = this.held[this.held.length - 1];
    if (
      last?.segment === segment &&
      last.offset + last.length === offset &&
      last.start + last.length === this.length
    ) {
      last.length += chunk.length;
      segment.live--;
      return;
    }
    this.held.push({ start: this.length, length: chunk.length, segment, offset });
  }

  /** Writes a held piece at its own offset in the archive (from memory, or copied from its spill file). */
  private async keepPiece(piece: Piece): Promise<void> {
    if (piece.memory !== undefined) return this.writeAt(piece.memory, piece.start);
    const block = Buffer.allocUnsafe(Math.min(piece.length, COPY_BYTES));
    for (let done = 0; done < piece.length;) {
      const count = await readFully(
        piece.segment!.file,
        block,
        Math.min(block.length, piece.length - done),
        piece.offset + done,
      );
      if (count === 0) throw new Error(`spill file ${piece.segment!.path} ended early`);
      await this.writeAt(block.subarray(0, count), piece.start + done);
      done += count;
    }
  }

  /** Closes (after the reads and writes in flight on it) and deletes a spill file whose bytes are all released. */
  private removeSegment(segment: Segment): void {
    if (!this.segments.delete(segment)) return;
    if (this.segment === segment) this.segment = undefined;
    this.removals = Promise.all([
      this.removals,
      segment.file
        .close()
        .then(() => fs.promises.rm(segment.path, { force: true }))
        .catch(() => undefined),
    ]);
  }

  private async removeSegments(): Promise<void> {
    for (const segment of [...this.segments]) this.removeSegment(segment);
    await this.removals;
  }

  private writeAt(chunk: Buffer, position: number): Promise<void> {
    return writeFully(this.writer, chunk, position);
  }

  /** The download waits only while the reader is the window and the spill behind: memory and disk stay bounded. */
  private async roomInWindow(): Promise<void> {
    while (
      !this.spilled &&
      this.failure === undefined &&
      this.length - this.releasedTo > LEAN_WINDOW_BYTES + LEAN_SPILL_BYTES
    ) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.roomWaiters.delete(wake);
          resolve();
        };
        this.roomWaiters.add(wake);
      });
    }
  }

  /** Drops the held pieces that are released and not in the tail (the central directory's check may need it). */
  private dropReleased(): void {
    const keepFrom = Math.min(this.releasedTo, this.length - LEAN_TAIL_BYTES);
    let dropped = 0;
    while (dropped < this.held.length && this.held[dropped].start + this.held[dropped].length <= keepFrom) {
      const piece = this.held[dropped++];
      this.heldStart = piece.start + piece.length;
      if (piece.memory !== undefined) {
        this.heldMemory -= piece.length;
        this.slabs!.drop(piece.slab!);
      } else if (--piece.segment!.live === 0) this.removeSegment(piece.segment!);
    }
    if (dropped > 0) {
      this.held.splice(0, dropped);
      this.cursorIndex = Math.max(0, this.cursorIndex - dropped);
    }
  }

  /** Held bytes: a view of one in-memory piece when they lie in one, else a copy into the reused buffer. */
  private async readHeld(position: number, length: number): Promise<Buffer> {
    if (position < this.heldStart) throw new Error(`read at ${position}, released before ${this.heldStart}`);
    const view = this.heldView(position, length);
    if (view !== undefined) return view;
    let index = this.cursorIndex;
    // The pieces are picked before any await: a piece read from is not dropped meanwhile (it is not released).
    const parts: { piece: Piece; from: number; count: number }[] = [];
    for (let at = position; at < position + length && index < this.held.length; index++) {
      const piece = this.held[index];
      const from = at - piece.start;
      const count = Math.min(piece.length - from, position + length - at);
      parts.push({ piece, from, count });
      at += count;
    }
    if (this.buffer.length < length) this.buffer = Buffer.allocUnsafe(Math.max(length, 64 * 1024));
    const buffer = this.buffer;
    let filled = 0;
    for (const { piece, from, count } of parts) {
      if (piece.memory !== undefined) piece.memory.copy(buffer, filled, from, from + count);
      else if (
        (await readFully(piece.segment!.file, buffer.subarray(filled), count, piece.offset + from)) < count
      ) {
        throw new Error(`spill file ${piece.segment!.path} ended early`);
      }
      filled += count;
    }
    return buffer.subarray(0, filled);
  }

  /**
   * Held bytes as a view of the one in-memory piece they lie in (an empty buffer for none), else undefined. Moves
   * the cursor to the piece `position` is in, which `readHeld` copies from when a view will not do.
   */
  private heldView(position: number, length: number): Buffer | undefined {
    if (position < this.heldStart) return undefined;
    let index = this.held[this.cursorIndex]?.start <= position ? this.cursorIndex : 0;
    while (index < this.held.length && this.held[index].start + this.held[index].length <= position) index++;
    this.cursorIndex = index;
    const first = this.held[index];
    if (first === undefined || length === 0) return EMPTY;
    if (first.memory !== undefined && position + length <= first.start + first.length) {
      return first.memory.subarray(position - first.start, position - first.start + length);
    }
    return undefined;
  }

  private wakeWriters(): void {
    for (const waiter of [...this.roomWaiters]) waiter();
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }
}

/** What the lean archive holds in memory ahead of its reader: well over the largest read it waits for (about 1.3 MB). */
const LEAN_WINDOW_BYTES = 8 * 1024 * 1024;
/**
 * How far past the window the download may run into spill files before it waits. With the window, the tail and a
 * partly released spill file, the temporary disk stays within #15's extracted size + 64 MB.
 */
const LEAN_SPILL_BYTES = 48 * 1024 * 1024;
/** One spill file: deleted whole once released, so the disk given back comes in steps of this. */
const SPILL_SEGMENT_BYTES = 4 * 1024 * 1024;
/** The block a spilled piece is copied in to the archive when streaming stops. */
const COPY_BYTES = 1024 * 1024;

/** Received bytes held for the lean reader: in memory, or at `offset` in a spill file. */
interface Piece {
  /** Offset in the archive. */
  readonly start: number;
  length: number;
  /** A view of `slab` (the last piece grows while bytes arrive in the same slab). */
  memory?: Buffer;
  readonly slab?: Slab;
  readonly segment?: Segment;
  /** In the slab or the spill file. */
  readonly offset: number;
}

interface Segment {
  readonly path: string;
  readonly file: Descriptor;
  size: number;
  /** Held pieces in it: at 0 it is deleted. */
  live: number;
}

function writeFully(file: Descriptor, chunk: Buffer, position: number): Promise<void> {
  return file.use(async (fd) => {
    for (let done = 0; done < chunk.length;) {
      done += await new Promise<number>((resolve, reject) =>
        fs.write(fd, chunk, done, chunk.length - done, position + done, (error, written) =>
          error ? reject(error) : resolve(written),
        ),
      );
    }
  });
}

/** Reads up to `length` bytes at `position` into `buffer`; fewer only at the end of the file. */
function readFully(file: Descriptor, buffer: Buffer, length: number, position: number): Promise<number> {
  return file.use(async (fd) => {
    let filled = 0;
    while (filled < length) {
      const count = await new Promise<number>((resolve, reject) =>
        fs.read(fd, buffer, filled, length - filled, position + filled, (error, bytesRead) =>
          error ? reject(error) : resolve(bytesRead),
        ),
      );
      if (count === 0) break;
      filled += count;
    }
    return filled;
  });
}
/** The end of an archive the central directory pass reads besides the directory (the EOCD search covers 64 KiB). */
const LEAN_TAIL_BYTES = 256 * 1024;

/** Large enough that thousands of small entries cost a handful of reads, small enough to stay cheap to copy. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

function closedError(path: string): Error {
  return new Error(`${path} is closed`);
}
