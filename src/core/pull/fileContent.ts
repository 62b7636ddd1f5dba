/**
 * One file by `GET /files/{id}/content`, for a file no ZIP may hold (over the byte limit) and for a file fetched
 * again after its SHA-1 disagreed. A cut download resumes where it stopped with `Range`, a bounded number of times.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAbortError, sleep, throwIfAborted } from '../abort';
import type { BoxClient } from '../box/client';
import type { Logger } from '../logger';
import { messageOf } from '../errors';

export interface FileDownload {
  client: BoxClient;
  id: string;
  target: string;
  logger: Logger;
  signal?: AbortSignal;
  onBytes?(bytes: number): void;
  /** Resumes after a cut, in all. Default 5. */
  maxResumes?: number;
}

/** Returns the bytes received; the file at `target` then holds the whole content. */
export async function downloadFileContent(request: FileDownload): Promise<number> {
  const { client, id, target, logger, signal } = request;
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.writeFile(target, '');
  let received = 0;
  for (let resumes = 0; ; resumes++) {
    throwIfAborted(signal);
    const have = (await fs.stat(target)).size;
    try {
      const content = await client.openFileContent(id, { start: have, signal });
      // A server that ignored the Range sends everything again: start the file over.
      const flags = content.start === have && have > 0 ? 'a' : 'w';
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          request.onBytes?.(chunk.length);
          callback(null, chunk);
        },
      });
      await pipeline(content.body, counter, createWriteStream(target, { flags }), { signal });
      const size = (await fs.stat(target)).size;
      if (content.size === undefined || size === content.size) return received;
      throw new Error(`the file ended at ${size} of ${content.size} bytes`);
    } catch (error) {
      if (isAbortError(error) || signal?.aborted || resumes >= (request.maxResumes ?? 5)) throw error;
      logger.warn(`The download of file ${id} stopped (${messageOf(error)}); resuming.`);
      await sleep(Math.min(4000, 250 * 2 ** resumes), signal);
    }
  }
}
