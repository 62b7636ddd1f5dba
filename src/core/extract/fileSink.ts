import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ArchiveError, fileSystemError } from './errors';
import { runPool } from './pool';

/**
 * Creates folders and writes small, already verified files. Creating thousands of small files is dominated by
 * per-call overhead: through libuv's thread pool every mkdir/open/write/futimes/close is a round trip to the main
 * thread, which made a 5,000-file extraction about twice as slow as the same system calls made back to back (as
 * Info-ZIP does).
 *
 * `WorkerFileSink` therefore hands batches to two worker threads that make plain synchronous calls (folders
 * first), while the main thread keeps reading and inflating. For a handful of files a worker is not
 * worth its start-up (~30 ms), and `AsyncFileSink` goes through the thread pool instead. Both open files with
 * O_EXCL ('wx'), so nothing that already exists is ever reused or followed through, and both remove a file whose
 * write failed half-way.
 */
export interface WriteJob {
  target: string;
  content: Uint8Array;
  /** Modification time to set, or undefined to leave it. */
  modifiedTime?: Date;
  entryName: string;
}

export interface SinkEvents<J extends WriteJob> {
  onWritten(job: J): void;
  /** A file or folder could not be written. The sink keeps going; the caller decides to stop. */
  onError(error: ArchiveError): void;
}

export interface FileSink<J extends WriteJob> {
  /** Creates folders (absolute paths, recursively). Files written afterwards may go inside them. */
  createDirectories(paths: readonly string[]): Promise<void>;
  /** Queues a file; resolves once the sink has room for more (backpressure). */
  write(job: J): Promise<void>;
  /** Waits for every queued file to be written or failed, then releases resources. Never rejects. */
  close(): Promise<void>;
}

/** From this many small files on, the worker's start-up pays for itself. */
export const WORKER_MIN_FILES = 64;

export function createFileSink<J extends WriteJob>(
  fileCount: number,
  concurrency: number,
  signal: AbortSignal,
  events: SinkEvents<J>,
): FileSink<J> {
  return fileCount >= WORKER_MIN_FILES
    ? new WorkerFileSink(signal, events)
    : new AsyncFileSink(concurrency, events);
}

// ---------------------------------------------------------------------------------------------------------------

type WorkerRequest =
  | { id: number; kind: 'directories'; paths: string[] }
  | {
      id: number;
      kind: 'files';
      paths: string[];
      lengths: number[];
      /** Seconds since the epoch, NaN for "leave it". */
      times: number[];
      buffer: ArrayBuffer;
    };

interface WorkerReply {
  id: number;
  /** Items completed before the first failure. */
  done: number;
  error?: { index: number; code?: string; message: string };
}

/**
 * The worker's whole program. It is serialised with `Function.prototype.toString`, so it must not refer to anything
 * else in this module; `load` is the worker's own `require`.
 */
function writerThread(load: NodeJS.Require): void {
  const fsSync = load('node:fs') as typeof import('node:fs');
  const pathSync = load('node:path') as typeof import('node:path');
  /** `makeDirectory` below, synchronously (this function cannot call it): see there for why. */
  const makeDirectorySync = (directory: string): void => {
    try {
      fsSync.mkdirSync(directory, { recursive: true });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const missing: string[] = [];
    for (
      let level = directory;
      fsSync.lstatSync(level, { throwIfNoEntry: false }) === undefined;
      level = pathSync.dirname(level)
    ) {
      if (pathSync.dirname(level) === level) break;
      missing.push(level);
    }
    for (const level of missing.reverse()) {
      try {
        fsSync.mkdirSync(level);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  };
  const { parentPort, workerData } = load('node:worker_threads') as typeof import('node:worker_threads');
  const port = parentPort!;
  /** Set to 1 by the main thread on abort: stop between two files, never inside one. */
  const cancelled = new Int32Array(workerData as SharedArrayBuffer);
  const fail = (request: WorkerRequest, index: number, error: unknown): void => {
    const failure = error as NodeJS.ErrnoException;
    port.postMessage({
      id: request.id,
      done: index,
      error: { index, code: failure.code, message: failure.message },
    });
  };
  port.on('message', (request: WorkerRequest) => {
    if (request.kind === 'directories') {
      for (let index = 0; index < request.paths.length; index++) {
        try {
          makeDirectorySync(request.paths[index]);
        } catch (error) {
          fail(request, index, error);
          return;
        }
      }
      port.postMessage({ id: request.id, done: request.paths.length });
      return;
    }
    const data = new Uint8Array(request.buffer);
    let offset = 0;
    for (let index = 0; index < request.paths.length; index++) {
      if (Atomics.load(cancelled, 0) !== 0) {
        port.postMessage({ id: request.id, done: index });
        return;
      }
      const length = request.lengths[index];
      let fd = -1;
      let created = false;
      try {
        try {
          fd = fsSync.openSync(request.paths[index], 'wx', 0o666);
        } catch (error) {
          // The streaming extractor does not announce folders: a file's folder is made when first needed.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          makeDirectorySync(pathSync.dirname(request.paths[index]));
          fd = fsSync.openSync(request.paths[index], 'wx', 0o666);
        }
        created = true;
        for (let done = 0; done < length;)
          done += fsSync.writeSync(fd, data, offset + done, length - done, done);
        const time = request.times[index];
        if (!Number.isNaN(time)) fsSync.futimesSync(fd, time, time);
        const closing = fd;
        fd = -1;
        fsSync.closeSync(closing);
      } catch (error) {
        if (fd !== -1) {
          try {
            fsSync.closeSync(fd);
          } catch {
            // Already failing.
          }
        }
        // Only a file this worker created is removed; a failed open (EEXIST...) touched nothing.
        if (created) {
          try {
            fsSync.unlinkSync(request.paths[index]);
          } catch {
            // Best effort.
          }
        }
        fail(request, index, error);
        return;
      }
      offset += length;
    }
    port.postMessage({ id: request.id, done: request.paths.length });
  });
}

const WORKER_SOURCE = `(${writerThread.toString()})(require);`;
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
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: this.cancelFlag,
        // The writer allocates almost nothing (file data arrives as transferred buffers): a small heap keeps each
        // thread's footprint near its baseline instead of V8's defaults, sized for general programs.
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 48 },
      });
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
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
      | Omit<Extract<WorkerRequest, { kind: 'files' }>, 'id'>
      | Omit<Extract<WorkerRequest, { kind: 'directories' }>, 'id'>,
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

  private settle(reply: WorkerReply): void {
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

// ---------------------------------------------------------------------------------------------------------------

export class AsyncFileSink<J extends WriteJob> implements FileSink<J> {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly events: SinkEvents<J>,
  ) {}

  async createDirectories(paths: readonly string[]): Promise<void> {
    await runPool(paths, this.concurrency, async (directory) => {
      try {
        await makeDirectory(directory);
      } catch (error) {
        throw fileSystemError(error, `create the folder ${directory}`);
      }
    });
  }

  async write(job: J): Promise<void> {
    this.active++;
    writeNewFile(job).then(
      () => this.done(() => this.events.onWritten(job)),
      (error: ArchiveError) => this.done(() => this.events.onError(error)),
    );
    while (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    while (this.active > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private done(report: () => void): void {
    this.active--;
    report();
    this.waiters.splice(0).forEach((resolve) => resolve());
  }
}

/**
 * `mkdir -p` that fails with the real reason. Node's recursive mkdir reports a failure to create a missing parent
 * (ENOSPC or EDQUOT on a volume out of space or inodes, EROFS on a read-only one) as ENOENT (nodejs/node#47098),
 * which would surface as "no such file or directory" instead of `disk_full`. So on ENOENT the missing levels are
 * created one by one without `recursive`, where each mkdir reports its own errno. Only the failure path pays.
 */
export async function makeDirectory(directory: string): Promise<void> {
  try {
    await fs.promises.mkdir(directory, { recursive: true });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const missing: string[] = [];
  for (let level = directory; !(await exists(level)); level = path.dirname(level)) {
    if (path.dirname(level) === level) break;
    missing.push(level);
  }
  for (const level of missing.reverse()) {
    try {
      await fs.promises.mkdir(level);
    } catch (error) {
      // Another writer (or thread) may create the same level meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** lstat, so a symbolic link is never followed while looking for the missing levels. */
async function exists(target: string): Promise<boolean> {
  return fs.promises.lstat(target).then(
    () => true,
    () => false,
  );
}

export function writeError(error: unknown, entryName: string): ArchiveError {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
    return new ArchiveError(
      'duplicate',
      `Two entries map to the same file on this file system: ${JSON.stringify(entryName)}`,
      { entryName, cause: error },
    );
  }
  return fileSystemError(error, `write ${JSON.stringify(entryName)}`, entryName);
}

/** open('wx') → write → futimes → close through the thread pool; removes the file if a step after open fails. */
export async function writeNewFile(job: WriteJob): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) =>
    fs.open(job.target, 'wx', 0o666, (error, handle) =>
      error ? reject(writeError(error, job.entryName)) : resolve(handle),
    ),
  );
  let closed = false;
  try {
    for (let done = 0; done < job.content.length;) {
      done += await new Promise<number>((resolve, reject) =>
        fs.write(fd, job.content, done, job.content.length - done, done, (error, written) =>
          error ? reject(error) : resolve(written),
        ),
      );
    }
    const time = job.modifiedTime;
    if (time && !Number.isNaN(time.getTime())) {
      await new Promise<void>((resolve, reject) =>
        fs.futimes(fd, time, time, (error) => (error ? reject(error) : resolve())),
      );
    }
    closed = true;
    await new Promise<void>((resolve, reject) =>
      fs.close(fd, (error) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    if (!closed) await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    await fs.promises.unlink(job.target).catch(() => undefined);
    throw writeError(error, job.entryName);
  }
}
