import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ArchiveError, fileSystemError } from './errors';

/**
 * Writes small, already verified files. Creating thousands of small files is dominated by per-call overhead:
 * through libuv's thread pool every open/write/futimes/close is a round trip to the main thread, which made a
 * 5,000-file extraction about twice as slow as the same system calls made back to back (as Info-ZIP does).
 *
 * `WorkerFileSink` therefore hands batches of files to one worker thread that makes plain synchronous calls,
 * while the main thread keeps reading and inflating. For a handful of files a worker is not worth its start-up
 * (~30 ms), and `AsyncFileSink` writes through the thread pool instead. Both open with O_EXCL ('wx'), so nothing
 * that already exists is ever reused or followed, and both remove a file whose write failed half-way.
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
  onError(error: ArchiveError, job: J): void;
}

export interface FileSink<J extends WriteJob> {
  /** Queues a file; resolves once the sink has room for more (backpressure). */
  write(job: J): Promise<void>;
  /** Waits for every queued file to be written or failed, then releases resources. Never rejects. */
  close(): Promise<void>;
}

/** Below this many small files the worker's start-up costs more than it saves. */
export const WORKER_MIN_FILES = 64;

export function createFileSink<J extends WriteJob>(
  fileCount: number,
  concurrency: number,
  events: SinkEvents<J>,
): FileSink<J> {
  return fileCount >= WORKER_MIN_FILES ? new WorkerFileSink(events) : new AsyncFileSink(concurrency, events);
}

// ---------------------------------------------------------------------------------------------------------------

interface WriteBatch {
  id: number;
  paths: string[];
  lengths: number[];
  /** Seconds since the epoch, NaN for "leave it". */
  times: number[];
  buffer: ArrayBuffer;
}

interface BatchOutcome {
  id: number;
  written: number;
  error?: { index: number; code?: string; message: string };
}

/**
 * The worker's whole program. It is serialised with `Function.prototype.toString`, so it must not close over
 * anything in this module; `load` is the worker's own `require`.
 */
function writerThread(load: NodeJS.Require): void {
  const fsSync = load('node:fs') as typeof import('node:fs');
  const { parentPort } = load('node:worker_threads') as typeof import('node:worker_threads');
  let busy = 0;
  const started = Date.now();
  parentPort!.on('message', (batch: WriteBatch) => {
    const t0 = Date.now();
    if (batch.id % 5 === 4 && process.env.XT) console.log('worker busy', busy, 'of', t0 - started);
    const data = new Uint8Array(batch.buffer);
    let offset = 0;
    for (let index = 0; index < batch.paths.length; index++) {
      const length = batch.lengths[index];
      let fd = -1;
      let created = false;
      try {
        fd = fsSync.openSync(batch.paths[index], 'wx', 0o666);
        created = true;
        for (let done = 0; done < length;)
          done += fsSync.writeSync(fd, data, offset + done, length - done, done);
        const time = batch.times[index];
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
            fsSync.unlinkSync(batch.paths[index]);
          } catch {
            // Best effort.
          }
        }
        const failure = error as NodeJS.ErrnoException;
        parentPort!.postMessage({
          id: batch.id,
          written: index,
          error: { index, code: failure.code, message: failure.message },
        });
        return;
      }
      offset += length;
    }
    busy += Date.now() - t0;
    parentPort!.postMessage({ id: batch.id, written: batch.paths.length });
  });
}

const WORKER_SOURCE = `(${writerThread.toString()})(require);`;
const BATCH_MAX_FILES = 256;
const BATCH_MAX_BYTES = 4 * 1024 * 1024;
const MAX_BATCHES_IN_FLIGHT = 3;

export class WorkerFileSink<J extends WriteJob> implements FileSink<J> {
  private readonly worker: Worker;
  private pending: J[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private nextId = 0;
  private readonly inFlight = new Map<number, J[]>();
  private readonly roomWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private broken: ArchiveError | undefined;

  constructor(private readonly events: SinkEvents<J>) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('message', (outcome: BatchOutcome) => this.settle(outcome));
    this.worker.on('error', (error) => this.breakDown(error));
    this.worker.on('exit', (code) => {
      if (this.inFlight.size > 0) this.breakDown(new Error(`the writer thread stopped (exit code ${code})`));
    });
  }

  async write(job: J): Promise<void> {
    if (this.broken) {
      this.events.onError(this.broken, job);
      return;
    }
    this.pending.push(job);
    this.pendingBytes += job.content.length;
    if (this.pending.length >= BATCH_MAX_FILES || this.pendingBytes >= BATCH_MAX_BYTES) this.flush();
    else if (!this.flushScheduled) {
      // Send a partial batch as soon as the producer pauses (e.g. waits for the next read).
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    while (this.inFlight.size >= MAX_BATCHES_IN_FLIGHT && !this.broken) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  async close(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.worker.terminate();
  }

  private flush(): void {
    if (this.pending.length === 0 || this.broken) return;
    const jobs = this.pending;
    const buffer = new Uint8Array(this.pendingBytes);
    let offset = 0;
    for (const job of jobs) {
      buffer.set(job.content, offset);
      offset += job.content.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    const batch: WriteBatch = {
      id: this.nextId++,
      paths: jobs.map((job) => job.target),
      lengths: jobs.map((job) => job.content.length),
      times: jobs.map((job) => (job.modifiedTime ? job.modifiedTime.getTime() / 1000 : Number.NaN)),
      buffer: buffer.buffer,
    };
    this.inFlight.set(batch.id, jobs);
    this.worker.postMessage(batch, [batch.buffer]);
  }

  private settle(outcome: BatchOutcome): void {
    const jobs = this.inFlight.get(outcome.id);
    if (jobs === undefined) return;
    this.inFlight.delete(outcome.id);
    for (let index = 0; index < outcome.written; index++) this.events.onWritten(jobs[index]);
    if (outcome.error) {
      const job = jobs[outcome.error.index];
      const cause = Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
      this.events.onError(writeError(cause, job.entryName), job);
    }
    this.wake();
  }

  private breakDown(error: Error): void {
    this.broken ??= new ArchiveError('io', `The file writer failed: ${error.message}`, { cause: error });
    for (const jobs of this.inFlight.values()) if (jobs.length > 0) this.events.onError(this.broken, jobs[0]);
    this.inFlight.clear();
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

  async write(job: J): Promise<void> {
    this.active++;
    writeNewFile(job).then(
      () => this.done(() => this.events.onWritten(job)),
      (error: ArchiveError) => this.done(() => this.events.onError(error, job)),
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

export function writeError(error: unknown, entryName: string): ArchiveError {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
    return new ArchiveError(
      'duplicate',
      `Two entries map to the same file on this file system: ${JSON.stringify(entryName)}`,
      {
        entryName,
        cause: error,
      },
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
