import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileSink, SinkEvents, WriteJob } from './fileSink';
import type { WriterReply, WriterRequest } from './writerThread';
import { ArchiveError } from '../errors';
import { fileSystemError, writeError } from './fsErrors';

/**
 * The main thread's side of the writer threads (writerThread.ts): batches small files, sends folders first, keeps
 * each folder on one thread, and applies backpressure. See fileSink.ts for why threads.
 */
/** Beside this module: dist/writerThread.js in the bundles, out/src/core/extract/writerThread.js for tests. */
const WRITER_SCRIPT = path.join(__dirname, 'writerThread.js');
/** Two threads keep the kernel busy creating files in two folders at once; more only contend for locks. */
const WRITER_THREADS = 2;
const BATCH_MAX_FILES = 128;
const BATCH_MAX_BYTES = 2 * 1024 * 1024;
const MAX_REQUESTS_PER_THREAD = 2;

type InFlight<J> = { thread: number } & (
  { kind: 'files'; jobs: J[] } | { kind: 'directories'; paths: string[] }
);

export class WorkerFileSink<J extends WriteJob> implements FileSink<J> {
  private readonly threads: Worker[] = [];
  private readonly busy: number[] = [];
  private pending: J[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** False while folders are being created: files wait, since another thread could get them first. */
  private directoriesReady = true;
  private nextId = 0;
  private readonly inFlight = new Map<number, InFlight<J>>();
  private readonly roomWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private broken = false;
  private readonly cancelFlag = new SharedArrayBuffer(4);
  private readonly folderThreads = new Map<string, number>();

  constructor(
    signal: AbortSignal,
    private readonly events: SinkEvents<J>,
  ) {
    for (let thread = 0; thread < WRITER_THREADS; thread++) {
      const worker = new Worker(WRITER_SCRIPT, {
        workerData: this.cancelFlag,
        // The writer allocates almost nothing (file data arrives as transferred buffers): a small heap keeps each
        // thread's footprint near its baseline instead of V8's defaults, sized for general programs.
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 48 },
      });
      worker.on('message', (reply: WriterReply) => this.settle(reply));
      worker.on('error', (error) => this.breakDown(error));
      worker.on('exit', (code) => {
        if (this.busy[thread] > 0) this.breakDown(new Error(`a writer thread stopped (exit code ${code})`));
      });
      this.threads.push(worker);
      this.busy.push(0);
    }
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

  async write(job: J): Promise<void> {
    if (this.broken) return;
    this.pending.push(job);
    this.pendingBytes += job.content.length;
    if (this.pending.length >= BATCH_MAX_FILES || this.pendingBytes >= BATCH_MAX_BYTES) {
      this.flush(false);
    } else if (!this.flushScheduled) {
      // Send a partial batch as soon as the producer pauses (e.g. waits for the next read).
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush(false);
      });
    }
    while (
      !this.broken &&
      (this.pendingBytes >= BATCH_MAX_BYTES * WRITER_THREADS ||
        this.pending.length >= BATCH_MAX_FILES * WRITER_THREADS)
    ) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  async close(): Promise<void> {
    while (this.inFlight.size > 0 || (this.pending.length > 0 && !this.broken)) {
      this.flush(true);
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    await Promise.all(this.threads.map((worker) => worker.terminate()));
  }

  /** Sends pending files in batches to the least busy thread; `force` ignores the per-thread limit. */
  private flush(force: boolean): void {
    while (this.pending.length > 0 && !this.broken && this.directoriesReady) {
      const thread = this.threadFor(this.pending[0].target);
      if (!force && this.busy[thread] >= MAX_REQUESTS_PER_THREAD) return;
      let count = 0;
      let bytes = 0;
      while (count < this.pending.length && count < BATCH_MAX_FILES && bytes < BATCH_MAX_BYTES) {
        bytes += this.pending[count++].content.length;
      }
      const jobs = this.pending.splice(0, count);
      this.pendingBytes -= bytes;
      // Its own ArrayBuffer (transferable), not zero-filled: every byte is overwritten below.
      const buffer = Buffer.allocUnsafeSlow(bytes);
      let offset = 0;
      for (const job of jobs) {
        buffer.set(job.content, offset);
        offset += job.content.length;
      }
      const request = {
        kind: 'files' as const,
        paths: jobs.map((job) => job.target),
        lengths: jobs.map((job) => job.content.length),
        times: jobs.map((job) => (job.modifiedTime ? job.modifiedTime.getTime() / 1000 : Number.NaN)),
        buffer: buffer.buffer,
      };
      this.send(request, jobs, thread);
    }
  }

  private send(
    request:
      | Omit<Extract<WriterRequest, { kind: 'files' }>, 'id'>
      | Omit<Extract<WriterRequest, { kind: 'directories' }>, 'id'>,
    jobs: J[] | undefined,
    thread = 0,
  ): void {
    const id = this.nextId++;
    this.inFlight.set(
      id,
      request.kind === 'files'
        ? { thread, kind: 'files', jobs: jobs ?? [] }
        : { thread, kind: 'directories', paths: request.paths },
    );
    this.busy[thread]++;
    this.threads[thread].postMessage({ ...request, id }, request.kind === 'files' ? [request.buffer] : []);
  }

  /**
   * Creating files in one folder takes that folder's lock: two threads in the same folder mostly wait for each
   * other. So a folder sticks to the thread that got it first, and a new folder goes to the least busy thread.
   */
  private threadFor(target: string): number {
    const folder = path.dirname(target);
    let thread = this.folderThreads.get(folder);
    if (thread === undefined) {
      thread = 0;
      for (let other = 1; other < this.busy.length; other++)
        if (this.busy[other] < this.busy[thread]) thread = other;
      this.folderThreads.set(folder, thread);
    }
    return thread;
  }

  private settle(reply: WriterReply): void {
    const request = this.inFlight.get(reply.id);
    if (request === undefined) return;
    this.inFlight.delete(reply.id);
    this.busy[request.thread]--;
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

  private breakDown(error: Error): void {
    if (!this.broken) {
      this.broken = true;
      this.events.onError(
        new ArchiveError('io', `The file writer failed: ${error.message}`, { cause: error }),
      );
    }
    this.inFlight.clear();
    this.busy.fill(0);
    this.wake();
  }

  private wake(): void {
    this.roomWaiters.splice(0).forEach((resolve) => resolve());
    if (this.inFlight.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }
}
