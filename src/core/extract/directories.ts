import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `mkdir -p` that fails with the real reason. Node's recursive mkdir reports a failure to create a missing parent
 * (ENOSPC or EDQUOT on a volume out of space or inodes, EROFS on a read-only one) as ENOENT (nodejs/node#47098),
 * which would surface as "no such file or directory" instead of `disk_full`. So on ENOENT the missing levels are
 * created one by one without `recursive`, where each mkdir reports its own errno. Only the failure path pays.
 */
export async function makeDirectory(directory: string): Promise<void> {
  try {
    await fs.promises.mkdir(directory, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    createMissingLevels(directory);
  }
}

/** `makeDirectory` for the writer threads, which make plain synchronous calls. */
export function makeDirectorySync(directory: string): void {
  try {
    fs.mkdirSync(directory, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    createMissingLevels(directory);
  }
}

/**
 * The failure path of both: synchronous, since it runs only when something is already wrong. lstat, so a
 * symbolic link is never followed while looking for the missing levels.
 */
function createMissingLevels(directory: string): void {
  const missing: string[] = [];
  for (let level = directory; fs.lstatSync(level, { throwIfNoEntry: false }) === undefined;) {
    if (path.dirname(level) === level) break;
    missing.push(level);
    level = path.dirname(level);
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      // Another writer (or thread) may create the same level meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
