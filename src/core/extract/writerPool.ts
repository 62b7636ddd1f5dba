import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WriterReply, WriterRequest } from './writerThread';

/**
 * The process's writer threads (writerThread.ts), shared by every `WorkerFileSink` at once: the parts of a planned
 * pull, or a pull next to an update, use the same two threads instead of two each (a thread costs ~10 MB of
 * resident memory before it writes a byte). The threads start with the first request and stop when the last sink
 * closes, so an idle extension host keeps none.
 *
 * Memory is bounded by bytes: a batch travels to its thread in a buffer of `BATCH_BYTES`, which the thread hands
 * back with its reply and the next batch reuses. A buffer left with a thread would stay alive until that
 * thread's collector ran, and a writer allocates so little that it hardly ever runs: tens of megabytes of written
 * batches used to pile up there.
 */
/** Beside this module: dist/writerThread.js in the bundles, out/src/core/extract/writerThread.js for tests. */
const WRITER_SCRIPT = path.join(__dirname, 'writerThread.js');
/** Two threads keep the kernel busy creating files in two folders at once; more only contend for locks. */
const WRITER_THREADS = 2;
/** Requests queued per thread: one being written, one ready behind it. */
export const MAX_REQUESTS_PER_THREAD = 2;
/** A batch's bytes; a file larger than this (none is: small entries are at most 1 MB) gets a buffer of its own. */
export const BATCH_BYTES = 1024 * 1024;
/** Buffers kept for reuse: as many as can be in flight at once. */
const SPARE_BUFFERS = WRITER_THREADS * MAX_REQUESTS_PER_THREAD;

export type FilesRequest = Omit<Extract<WriterRequest, { kind: 'files' }>, 'id'>;
export type DirectoriesRequest = Omit<Extract<WriterRequest, { kind: 'directories' }>, 'id'>;

/** What a sink hears back from the pool. */
export interface WriterClient {
  settle(reply: WriterReply, token: number): void;
  /** A thread failed: every request of this client in flight is lost. */
  breakDown(error: Error): void;
  /** A request of any client finished: a thread may have room now. */
  onRoom(): void;
}

class WriterPool {
  private threads: Worker[] = [];
  private busy: number[] = [];
  private readonly users = new Set<WriterClient>();
  private nextId = 0;
  private readonly inFlight = new Map<number, { client: WriterClient; thread: number; token: number }>();
  private readonly spare: ArrayBuffer[] = [];

  /**
   * A sink starts using the pool. Threads start with its first request, not here: a streamed archive of large
   * files only (each one streams to its file) never needs them.
   */
  acquire(client: WriterClient): void {
    this.users.add(client);
  }

  /** A sink is done (nothing of it in flight): the last one stops the threads and drops the spare buffers. */
  async release(client: WriterClient): Promise<void> {
    if (!this.users.delete(client) || this.users.size > 0) return;
    const threads = this.threads;
    this.threads = [];
    this.busy = [];
    this.spare.length = 0;
    await Promise.all(threads.map((worker) => worker.terminate()));
  }

  get threadCount(): number {
    return this.threads.length;
  }

  requestsOn(thread: number): number {
    return this.busy[thread] ?? 0;
  }

  leastBusyThread(): number {
    let thread = 0;
    for (let other = 1; other < this.busy.length; other++)
      if (this.busy[other] < this.busy[thread]) thread = other;
    return thread;
  }

  /** A buffer for a batch of `bytes`: a spare one when it fits. Its contents are garbage. */
  takeBuffer(bytes: number): ArrayBuffer {
    if (bytes <= BATCH_BYTES) return this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES);
    return new ArrayBuffer(bytes);
  }

  send(
    client: WriterClient,
    thread: number,
    request: FilesRequest | DirectoriesRequest,
    token: number,
  ): void {
    this.ensureThreads();
    const id = this.nextId++;
    this.inFlight.set(id, { client, thread, token });
    this.busy[thread]++;
    this.threads[thread].postMessage({ ...request, id }, request.kind === 'files' ? [request.buffer] : []);
  }

  private start(): void {
    for (let thread = 0; thread < WRITER_THREADS; thread++) {
      const worker = new Worker(WRITER_SCRIPT, {
        // The writer allocates almost nothing (file data arrives in transferred buffers, which go back): a small
        // heap keeps each thread's footprint near its baseline instead of V8's defaults for general programs.
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 48 },
      });
      worker.on('message', (reply: WriterReply) => this.settle(reply));
      worker.on('error', (error) => this.breakDown(worker, error));
      worker.on('exit', (code) => {
        if (this.threads.includes(worker)) {
          this.breakDown(worker, new Error(`a writer thread stopped (exit code ${code})`));
        }
      });
      this.threads.push(worker);
      this.busy.push(0);
    }
  }

  private settle(reply: WriterReply): void {
    const request = this.inFlight.get(reply.id);
    if (request === undefined) return;
    this.inFlight.delete(reply.id);
    this.busy[request.thread]--;
    if (
      reply.buffer?.byteLength === BATCH_BYTES &&
      this.spare.length < SPARE_BUFFERS &&
      this.users.size > 0
    ) {
      this.spare.push(reply.buffer);
    }
    request.client.settle(reply, request.token);
    for (const client of this.users) if (client !== request.client) client.onRoom();
  }

  /** A thread that failed takes every request in flight down with it; the next sink starts fresh threads. */
  private breakDown(worker: Worker, error: Error): void {
    if (!this.threads.includes(worker)) return;
    const threads = this.threads;
    this.threads = [];
    this.busy = [];
    const clients = new Set([...this.inFlight.values()].map((request) => request.client));
    this.inFlight.clear();
    for (const other of threads) if (other !== worker) void other.terminate();
    for (const client of clients) client.breakDown(error);
    // Sinks still open keep counting as users; they get threads again on their next request.
  }

  /** On the first request, and after a breakdown: the sinks still open get fresh threads. */
  private ensureThreads(): void {
    if (this.threads.length === 0 && this.users.size > 0) this.start();
  }
}

export const writerPool = new WriterPool();
