/**
 * The writer thread's program (a worker_threads entry: esbuild bundles it as dist/writerThread.js, tsc compiles
 * it beside workerFileSink.js). It makes plain synchronous calls, which for thousands of small files is about
 * twice as fast as going through libuv's thread pool (see fileSink.ts), and answers each request once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { makeDirectorySync } from './directories';

export type WriterRequest =
  | { id: number; kind: 'directories'; paths: string[] }
  | {
      id: number;
      kind: 'files';
      paths: string[];
      lengths: number[];
      /** Seconds since the epoch, NaN for "leave it". */
      times: number[];
      /** The files' contents, back to back from offset 0 (transferred, not copied; it comes back in the reply). */
      buffer: ArrayBuffer;
      /** The sink's cancel flag, set to 1 on abort: stop between two files, never inside one. */
      cancel: SharedArrayBuffer;
    };

export interface WriterReply {
  id: number;
  /** Items completed before the first failure. */
  done: number;
  error?: { index: number; code?: string; message: string };
  /** A files request's buffer, handed back for the next batch (see writerPool.ts). */
  buffer?: ArrayBuffer;
}

const port = parentPort!;

function reply(message: WriterReply): void {
  port.postMessage(message, message.buffer ? [message.buffer] : []);
}

function failure(request: WriterRequest, index: number, error: unknown): WriterReply {
  const { code, message } = error as NodeJS.ErrnoException;
  return { id: request.id, done: index, error: { index, code, message } };
}

function createDirectories(request: Extract<WriterRequest, { kind: 'directories' }>): WriterReply {
  for (let index = 0; index < request.paths.length; index++) {
    try {
      makeDirectorySync(request.paths[index]);
    } catch (error) {
      return failure(request, index, error);
    }
  }
  return { id: request.id, done: request.paths.length };
}

/** open('wx') → write → futimes → close; a file this thread created is removed if a later step fails. */
function writeFile(target: string, data: Uint8Array, offset: number, length: number, time: number): void {
  let fd: number;
  try {
    fd = fs.openSync(target, 'wx', 0o666);
  } catch (error) {
    // The streaming extractor does not announce folders: a file's folder is made when first needed.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    makeDirectorySync(path.dirname(target));
    fd = fs.openSync(target, 'wx', 0o666);
  }
  try {
    for (let done = 0; done < length;) done += fs.writeSync(fd, data, offset + done, length - done, done);
    if (!Number.isNaN(time)) fs.futimesSync(fd, time, time);
    const closing = fd;
    fd = -1;
    fs.closeSync(closing);
  } catch (error) {
    // Best effort: the write already failed, and that is the error to report.
    if (fd !== -1) ignoreErrors(() => fs.closeSync(fd));
    ignoreErrors(() => fs.unlinkSync(target));
    throw error;
  }
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // See the caller.
  }
}

function writeFiles(request: Extract<WriterRequest, { kind: 'files' }>): WriterReply {
  const data = new Uint8Array(request.buffer);
  const cancelled = new Int32Array(request.cancel);
  let offset = 0;
  for (let index = 0; index < request.paths.length; index++) {
    if (Atomics.load(cancelled, 0) !== 0) return { id: request.id, done: index };
    try {
      writeFile(request.paths[index], data, offset, request.lengths[index], request.times[index]);
    } catch (error) {
      return failure(request, index, error);
    }
    offset += request.lengths[index];
  }
  return { id: request.id, done: request.paths.length };
}

port.on('message', (request: WriterRequest) =>
  reply(
    request.kind === 'directories'
      ? createDirectories(request)
      : { ...writeFiles(request), buffer: request.buffer },
  ),
);
