/**
 * One file by `GET /files/{id}/content`, for a file no ZIP may hold (over the byte limit) and for a file fetched
 * again after its SHA-1 disagreed. A cut download resumes where it stopped with `Range`, a bounded number of times.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isAbortError, sleep, throwIfAborted } from '../abort';
import type { BoxClient } from '../box/client';
import type { Logger } from '../logger';
import { BoxApiError, messageOf } from '../errors';

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
  const file = await fs.open(target, 'w');
  // Bytes known to be on disk: each write is awaited, so a cut loses nothing that was counted here.
  let have = 0;
  let received = 0;
  try {
    for (let resumes = 0; ; resumes++) {
      throwIfAborted(signal);
      try {
        const content = await client.openFileContent(id, { start: have, signal });
        // A server that ignored the Range sends everything again: write from the start.
        if (content.start !== have) have = 0;
        for await (const chunk of content.body as AsyncIterable<Buffer>) {
          await file.write(chunk, 0, chunk.length, have);
          have += chunk.length;
          received += chunk.length;
          request.onBytes?.(chunk.length);
        }
        await file.truncate(have);
        if (content.size === undefined || have === content.size) return received;
        throw new Error(`the file ended at ${have} of ${content.size} bytes`);
      } catch (error) {
        if (isAbortError(error) || signal?.aborted || refused(error) || resumes >= (request.maxResumes ?? 5))
          throw error;
        logger.warn(`The download of file ${id} stopped at ${have} bytes (${messageOf(error)}); resuming.`);
        await sleep(Math.min(4000, 250 * 2 ** resumes), signal);
      }
    }
  } finally {
    await file.close();
  }
}

/** Box's refusal of the file itself (403, 404…): the request loop already retried what may pass, resuming cannot. */
function refused(error: unknown): boolean {
  return error instanceof BoxApiError && error.status >= 400 && error.status < 500 && error.status !== 429;
}
