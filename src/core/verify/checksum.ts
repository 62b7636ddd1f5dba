// The one home of content hashing: Box's `sha1` of a file against the bytes we hold.
import * as crypto from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** The hex SHA-1 of bytes in memory: a file's whole content, hashed as it is extracted instead of read back. */
export function sha1Of(content: Uint8Array): string {
  return oneShot === undefined
    ? crypto.createHash('sha1').update(content).digest('hex')
    : oneShot('sha1', content, 'hex');
}

/**
 * `crypto.hash` (Node 20.12+, 21.7+): one call, no `Hash` object per file. A `Hash` per small file cost about as
 * much as hashing it on 20,000 tiny entries (#15). Older Node (the typings may lack it) takes `createHash`.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;

/** A SHA-1 fed chunk by chunk: a large file hashed as it streams to disk (entryData.ts `ContentCounter`). */
export function sha1Hasher(): Hash {
  return crypto.createHash('sha1');
}

/** The hex SHA-1 of a file's bytes. */
export async function sha1OfFile(filePath: string, signal?: AbortSignal): Promise<string> {
  const hash = crypto.createHash('sha1');
  await pipeline(
    createReadStream(filePath, { highWaterMark: 1024 * 1024 }),
    async (source) => {
      for await (const chunk of source) hash.update(chunk as Buffer);
    },
    { signal },
  );
  return hash.digest('hex');
}

/** Box's `sha1` compared without regard to case; a file Box gave no hash for cannot be checked and passes. */
export function sameSha1(expected: string | undefined, actual: string): boolean {
  return expected === undefined || expected.toLowerCase() === actual.toLowerCase();
}
