// The one home of content hashing: Box's `sha1` of a file against the bytes we hold.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** The hex SHA-1 of bytes in memory: a file's whole content, hashed as it is extracted instead of read back. */
export function sha1Of(content: Uint8Array): string {
  return createHash('sha1').update(content).digest('hex');
}

/** A SHA-1 fed chunk by chunk: a large file hashed as it streams to disk (entryData.ts `ContentCounter`). */
export function sha1Hasher(): Hash {
  return createHash('sha1');
}

/** The hex SHA-1 of a file's bytes. */
export async function sha1OfFile(filePath: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha1');
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
