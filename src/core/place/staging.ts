import * as fs from 'node:fs';
import * as path from 'node:path';
import { currentOwner, ownerIsGone, parseOwner } from '../processOwner';
import { AnchoredTree } from './anchoredTree';
import { holdsBackups, readJournal, rollBack } from './placementJournal';

/**
 * The staging folder lives inside the destination so that placing a file is a same-volume `rename`, and so that
 * an interrupted pull leaves nothing under a final name. Its name marks it as ours: `removeStagingDir` refuses to
 * delete anything else, so a wrong argument can never wipe user data. An owner marker inside it names the process
 * that made it, so that a folder left by a killed process is cleaned at the next pull, and one that another
 * running pull is using right now is not. A folder is never judged by its name alone.
 */
export const STAGING_PREFIX = '.box-pull-staging-';
const OWNER_MARKER = 'owner.json';

/** Creates `destinationDir` (with parents) and a fresh, uniquely named staging folder inside it, marked as ours. */
export async function createStagingDir(destinationDir: string): Promise<string> {
  const destination = path.resolve(destinationDir);
  await fs.promises.mkdir(destination, { recursive: true });
  const staging = await fs.promises.mkdtemp(path.join(destination, STAGING_PREFIX));
  await fs.promises.writeFile(path.join(staging, OWNER_MARKER), JSON.stringify(currentOwner()), {
    flag: 'wx',
  });
  return staging;
}

export function isStagingDirName(name: string): boolean {
  return name.startsWith(STAGING_PREFIX);
}

/**
 * Removes a staging folder and everything in it; a missing folder is fine. Refused while it holds originals that
 * placing moved aside and an undo has not put back (placementJournal.ts): those are the user's files.
 */
export async function removeStagingDir(stagingPath: string): Promise<void> {
  if (!isStagingDirName(path.basename(stagingPath))) {
    throw new Error(`Refusing to remove a folder that is not a Box Pull staging folder: ${stagingPath}`);
  }
  if (await holdsBackups(stagingPath)) {
    throw new Error(`Kept ${stagingPath}: it holds original files that could not be put back.`);
  }
  await fs.promises.rm(stagingPath, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
}

/**
 * Removes the staging folders in `destinationDir` whose owner marker names a process of this host that is gone
 * (killed mid-pull). Folders without a readable marker, or of a live process or another host, are left alone.
 * Returns the folders removed.
 */
export async function removeAbandonedStagingDirs(destinationDir: string): Promise<string[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(destinationDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !isStagingDirName(entry.name)) continue;
    const staging = path.join(destinationDir, entry.name);
    const marker = await fs.promises.readFile(path.join(staging, OWNER_MARKER), 'utf8').catch(() => '');
    const owner = parseOwner(marker);
    if (owner === undefined || !ownerIsGone(owner)) continue;
    // A pull killed while placing: finish its undo first, so the destination is as it was before it.
    // What it could not put back stays in its backups, and the folder with them (removeStagingDir refuses).
    await finishUndo(destinationDir, entry.name).catch(() => undefined);
    if (
      !(await removeStagingDir(staging).then(
        () => true,
        () => false,
      ))
    )
      continue;
    removed.push(staging);
  }
  return removed;
}

/** Undoes what a killed pull's placing did, from its journal (nothing when it had finished). */
async function finishUndo(destinationDir: string, stagingName: string): Promise<void> {
  const destination = await AnchoredTree.open(destinationDir);
  try {
    const staging = await destination.subtree(stagingName);
    try {
      const entries = await readJournal(staging);
      if (entries === undefined || entries.some((entry) => entry.op === 'done')) return;
      await rollBack(destination, staging, entries);
    } finally {
      await staging.close();
    }
  } finally {
    await destination.close();
  }
}
