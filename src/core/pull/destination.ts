// The destination folder around a pull: created when missing (and removed again after a failure, if still
// empty), and checked for room before anything is downloaded.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PullError, messageOf } from '../errors';

/** Creates the destination if needed; returns the top-most folder it created, so a failure can remove it again. */
export async function ensureDestination(destination: string): Promise<string | undefined> {
  try {
    return await fs.mkdir(destination, { recursive: true });
  } catch (error) {
    throw new PullError(
      'destination',
      `Cannot create the destination folder ${destination}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Removes the folders `ensureDestination` created, deepest first, each only if it is still empty. */
export async function removeCreatedFolders(destination: string, topmostCreated: string): Promise<void> {
  for (let folder = destination; ; folder = path.dirname(folder)) {
    const removed = await fs.rmdir(folder).then(
      () => true,
      () => false,
    );
    if (!removed || folder === topmostCreated || path.dirname(folder) === folder) return;
  }
}

/** The archive and the extracted files both sit on the destination's volume for a moment. */
export async function checkFreeSpace(
  destination: string,
  uncompressedBytes: number | undefined,
): Promise<void> {
  if (!uncompressedBytes) return;
  const stats = await fs.statfs(destination).catch(() => undefined);
  if (!stats) return;
  const free = stats.bavail * stats.bsize;
  const needed = uncompressedBytes * 2;
  if (free < needed) {
    throw new PullError(
      'destination',
      `Not enough free space in ${destination}: about ${needed} bytes are needed and ${free} are free.`,
    );
  }
}
