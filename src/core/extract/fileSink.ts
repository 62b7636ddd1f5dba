import * as fs from 'node:fs';
import { makeDirectory } from './directories';
import { runPool } from './pool';
import { WorkerFileSink } from './workerFileSink';
import { fileSystemError, writeError } from './fsErrors';
import { type ArchiveError } from '../errors';

/**
 * Creates folders and writes small, already verified files. Creating thousands of small files is dominated by
 * per-call overhead: through libuv's thread pool every mkdir/open/write/futimes/close is a round trip to the main
 * thread, which made a 5,000-file extraction about twice as slow as the same system calls made back to back (as
 * Info-ZIP does).
 *
 * `WorkerFileSink` therefore hands batches to the process's two writer threads (writerPool.ts, shared by every
 * sink) that make plain synchronous calls (folders first), while the main thread keeps reading and inflating. For
 * a handful of files a worker is not worth its start-up (~30 ms), and `AsyncFileSink` goes through the thread pool
 * instead. Both open files with
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
