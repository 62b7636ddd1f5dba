// The destination folder around a pull: created when missing (and removed again after a failure, if still
// empty), and checked for room before anything is downloaded.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { PullError, messageOf } from '../errors';

/**
 * Creates the destination if needed; returns the top-most folder it created, so a failure can remove it again.
 * The missing levels are found with `lstat` and made one `mkdir` at a time, not with a recursive mkdir: that one
 * says ENOENT for a dangling link, and under /proc it never returns at all (Node 20).
 */
export async function ensureDestination(destination: string): Promise<string | undefined> {
  const missing: string[] = [];
  let existing = destination;
  while ((await lstatOrUndefined(existing)) === undefined && path.dirname(existing) !== existing) {
    missing.push(existing);
    existing = path.dirname(existing);
  }
  await checkExistingFolder(existing);
  for (const level of missing.reverse()) {
    await fs.mkdir(level).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return; // made meanwhile, by another pull perhaps
      throw new PullError(
        'destination',
        `Cannot create the destination folder ${destination}: ${messageOf(error)}`,
        { cause: error },
      );
    });
  }
  return missing[0];
}

/** The deepest existing level of the destination must be a real folder on a volume that stores files. */
async function checkExistingFolder(folder: string): Promise<void> {
  const stat = await fs.stat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw destinationError(`Cannot use ${folder}: ${messageOf(error)}`, error);
    return undefined;
  });
  if (stat === undefined) {
    const target = await fs.readlink(folder).catch(() => '?');
    throw destinationError(`${folder} is a symbolic link to ${target}, which does not exist.`);
  }
  if (!stat.isDirectory()) throw destinationError(`${folder} is a file, not a folder.`);
  const volume = await fs.statfs(folder).catch(() => undefined);
  if (volume?.blocks === 0) {
    throw destinationError(
      `${folder} is on a file system with no storage (such as /proc or /sys): choose a folder on a disk.`,
    );
  }
}

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  return fs.lstat(file).catch((error: NodeJS.ErrnoException) => {
    // ENOTDIR: a file further up; the walk reaches it and names it.
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw destinationError(`Cannot use the destination folder ${file}: ${messageOf(error)}`, error);
  });
}

function destinationError(message: string, cause?: unknown): PullError {
  return new PullError('destination', message, { cause });
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
