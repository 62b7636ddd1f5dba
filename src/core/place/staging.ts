import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The staging folder lives inside the destination so that placing a file is a same-volume `rename`, and so that
 * an interrupted pull leaves nothing under a final name. Its name marks it as ours: `removeStagingDir` refuses to
 * delete anything else, so a wrong argument can never wipe user data.
 */
export const STAGING_PREFIX = '.box-pull-staging-';

/** Creates `destinationDir` (with parents) and a fresh, uniquely named staging folder inside it. */
export async function createStagingDir(destinationDir: string): Promise<string> {
  const destination = path.resolve(destinationDir);
  await fs.promises.mkdir(destination, { recursive: true });
  return fs.promises.mkdtemp(path.join(destination, STAGING_PREFIX));
}

export function isStagingDirName(name: string): boolean {
  return name.startsWith(STAGING_PREFIX);
}

/** Removes a staging folder and everything in it; a missing folder is fine. */
export async function removeStagingDir(stagingPath: string): Promise<void> {
  if (!isStagingDirName(path.basename(stagingPath))) {
    throw new Error(`Refusing to remove a folder that is not a Box Pull staging folder: ${stagingPath}`);
  }
  await fs.promises.rm(stagingPath, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
}

/** Staging folders left in `destinationDir` by a crashed run (the caller decides when to remove them). */
export async function findStagingDirs(destinationDir: string): Promise<string[]> {
  try {
    const entries = await fs.promises.readdir(destinationDir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && isStagingDirName(entry.name))
      .map((entry) => path.join(destinationDir, entry.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
