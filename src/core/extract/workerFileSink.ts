import * as path from 'node:path';
import type { FileSink, SinkEvents, WriteJob } from './fileSink';
import type { WriterReply } from './writerThread';
import {
  BATCH_BYTES,
  MAX_REQUESTS_PER_THREAD,
  writerPool,
  type DirectoriesRequest,
  type FilesRequest,
  type WriterClient,
} from './writerPool';
import { ArchiveError } from '../errors';
import { fileSystemError, writeError } from './fsErrors';

/**
 * The main thread's side of the writer threads (writerPool.ts, shared by every sink): batches small files, sends
 * folders first, keeps each folder on one thread, and applies backpressure by bytes. See fileSink.ts for why
 * threads.
 */
const BATCH_MAX_FILES = 128;
/**
 * A partial batch goes to an idle thread once it has this many files or bytes, or once its first file has waited
 * `PARTIAL_WAIT_MS`. Each message costs both threads a wake-up and a copy of its lists whatever its size: sent at
 * every pause of the producer, 20,000 tiny files went in about 6,000 messages of 3 files each.
 */
const PARTIAL_MIN_FILES = 32;
const PARTIAL_MIN_BYTES = BATCH_BYTES / 4;
const PARTIAL_WAIT_MS = 10;
/** Files queued here before the producer waits: about one batch, counted in bytes (and files, for tiny ones). */
const PENDING_MAX_BYTES = BATCH_BYTES;
const PENDING_MAX_FILES = BATCH_MAX_FILES;

type InFlight<J> = { kind: 'files'; jobs: J[] } | { kind: 'directories'; paths: string[] };

export class WorkerFileSink<J extends WriteJob> implements FileSink<J>, WriterClient {
  private pending: J[] = [];
  private pendingBytes = 0;
  /** When the oldest pending file was queued (about: see `flush`). */
  private pendingSince = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  /** False while folders are being created: files wait, since another thread could get them first. */
  private directoriesReady = true;
  private nextToken = 0;
  private readonly inFlight = new Map<number, InFlight<J>>();
  private readonly roomWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private broken = false;
  private closed = false;
  private readonly cancelFlag = new SharedArrayBuffer(4);
  private readonly folderThreads = new Map<string, number>();

  constructor(
    signal: AbortSignal,
    private readonly events: SinkEvents<J>,
  ) {
    writerPool.acquire(this);
    const cancel = (): void => {
      Atomics.store(new Int32Array(this.cancelFlag), 0, 1);
      this.pending = [];
      this.pendingBytes = 0;
    };
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  }

  async createDirectories(paths: readonly string[]): Promise<void> {
    if (paths.length === 0 || this.broken) return;
    this.flush(true);
    this.directoriesReady = false;
    this.send({ kind: 'directories', paths: [...paths] }, undefined);
  }

  async write(given: J): Promise<void> {
    if (this.broken) return;
    const job = compact(given);
    if (this.pending.length === 0) this.pendingSince = performance.now();
    this.pending.push(job);
    this.pendingBytes += job.content.length;
    // Without a timer, a first file starts one; with it, a batch is only worth looking at once it could go.
    if (
      this.flushTimer === undefined ||
      this.pending.length >= PARTIAL_MIN_FILES ||
      this.pendingBytes >= PARTIAL_MIN_BYTES
    ) {
      this.flush(false);
    }
    while (
      !this.broken &&
      (this.pendingBytes >= PENDING_MAX_BYTES || this.pending.length >= PENDING_MAX_FILES)
    ) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  async close(): Promise<void> {
    while (this.inFlight.size > 0 || (this.pending.length > 0 && !this.broken)) {
      this.flush(true);
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.closed) return;
    this.closed = true;
    await writerPool.release(this);
  }

  /** Sends pending files in batches to the least busy thread; `force` ignores the per-thread limit. */
  private flush(force: boolean): void {
    while (this.pending.length > 0 && !this.broken && this.directoriesReady) {
      const thread = this.threadFor(this.pending[0].target);
      const queued = writerPool.requestsOn(thread);
      if (!force && queued >= MAX_REQUESTS_PER_THREAD) return;
      let count = 1;
      let bytes = this.pending[0].content.length;
      if (this.pending.length <= BATCH_MAX_FILES && this.pendingBytes <= BATCH_BYTES) {
        // All of them fit (the common case): no need to count.
        count = this.pending.length;
        bytes = this.pendingBytes;
      }
      while (
        count < this.pending.length &&
        count < BATCH_MAX_FILES &&
        bytes + this.pending[count].content.length <= BATCH_BYTES
      ) {
        bytes += this.pending[count++].content.length;
      }
      // A partial batch goes only to an idle thread: behind a busy one it would wait anyway, and meanwhile it can
      // grow. Even to an idle one, only once it is worth a message (see PARTIAL_MIN_FILES).
      const full = count === BATCH_MAX_FILES || count < this.pending.length;
      if (!force && !full && bytes < BATCH_BYTES / 2) {
        if (queued > 0) return;
        const waited = performance.now() - this.pendingSince;
        if (count < PARTIAL_MIN_FILES && bytes < PARTIAL_MIN_BYTES && waited < PARTIAL_WAIT_MS) {
          this.flushLater(PARTIAL_WAIT_MS - waited);
          return;
        }
      }
      const jobs = this.pending.splice(0, count);
      this.pendingBytes -= bytes;
      // The files left were queued after those sent: their wait starts now at the earliest.
      this.pendingSince = performance.now();
      // A reused buffer (writerPool.ts): every byte the thread reads is overwritten here.
      const buffer = new Uint8Array(writerPool.takeBuffer(bytes));
      let offset = 0;
      for (const job of jobs) {
        buffer.set(job.content, offset);
        offset += job.content.length;
      }
      const request: FilesRequest = {
        kind: 'files',
        paths: jobs.map((job) => job.target),
        lengths: jobs.map((job) => job.content.length),
        times: jobs.map((job) => (job.modifiedTime ? job.modifiedTime.getTime() / 1000 : Number.NaN)),
        buffer: buffer.buffer,
        cancel: this.cancelFlag,
      };
      this.send(request, jobs, thread);
    }
  }

  /** A partial batch that must not wait longer than `delay` ms for more files (one timer at a time). */
  private flushLater(delay: number): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = undefined;
        this.flush(false);
      },
      Math.max(1, Math.ceil(delay)),
    );
  }

  private send(request: FilesRequest | DirectoriesRequest, jobs: J[] | undefined, thread = 0): void {
    const token = this.nextToken++;
    this.inFlight.set(
      token,
      request.kind === 'files'
        ? { kind: 'files', jobs: jobs ?? [] }
        : { kind: 'directories', paths: request.paths },
    );
    writerPool.send(this, thread, request, token);
  }

  /**
   * Creating files in one folder takes that folder's lock: two threads in the same folder mostly wait for each
   * other. So a folder sticks to the thread that got it first, and a new folder goes to the least busy thread.
   */
  private threadFor(target: string): number {
    const folder = path.dirname(target);
    let thread = this.folderThreads.get(folder);
    if (thread === undefined) {
      thread = writerPool.leastBusyThread();
      this.folderThreads.set(folder, thread);
    }
    return thread;
  }

  settle(reply: WriterReply, token: number): void {
    const request = this.inFlight.get(token);
    if (request === undefined) return;
    this.inFlight.delete(token);
    if (request.kind === 'files') {
      for (let index = 0; index < reply.done; index++) this.events.onWritten(request.jobs[index]);
    } else {
      this.directoriesReady = true;
    }
    if (reply.error) {
      const cause = Object.assign(new Error(reply.error.message), { code: reply.error.code });
      this.events.onError(
        request.kind === 'files'
          ? writeError(cause, request.jobs[reply.error.index].entryName)
          : fileSystemError(cause, `create the folder ${request.paths[reply.error.index]}`),
      );
    }
    this.flush(false);
    this.wake();
  }

  /** Another sink's request finished: its thread may take ours now. */
  onRoom(): void {
    this.flush(false);
    this.roomWaiters.splice(0).forEach((resolve) => resolve());
  }

  breakDown(error: Error): void {
    if (!this.broken) {
      this.broken = true;
      this.events.onError(
        new ArchiveError('io', `The file writer failed: ${error.message}`, { cause: error }),
      );
    }
    this.inFlight.clear();
    this.wake();
  }

  private wake(): void {
    this.roomWaiters.splice(0).forEach((resolve) => resolve());
    if (this.inFlight.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }
}

/**
 * A small file's bytes are often a view of a much larger buffer (zlib's 16 KB output chunks for a 1 KB file). Held
 * in pending and in-flight batches (hundreds of files), those buffers add up to megabytes, live long enough to
 * reach V8's old generation, and wait there for a full collection: a copy of the bytes alone dies young instead.
 */
function compact<J extends WriteJob>(job: J): J {
  const { content } = job;
  if (content.byteLength * 2 >= content.buffer.byteLength) return job;
  return { ...job, content: Buffer.from(content) };
}
