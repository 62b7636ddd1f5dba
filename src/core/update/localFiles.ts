// What the destination holds at the paths an update judges: stat for all, SHA-1 only where the plan needs it.
import { localPath, lstatEach } from '../localStats';
import { runPool } from '../extract/pool';
import { sha1OfFile } from '../verify/checksum';
import type { LocalFile } from './updatePlan';

const HASH_CONCURRENCY = 4;

/** Regular files only; anything else at a path (a folder, a link) is a local file that matches nothing. */
export async function statLocal(
  destination: string,
  paths: readonly string[],
  signal?: AbortSignal,
  found = new Map<string, LocalFile>(),
): Promise<Map<string, LocalFile>> {
  await lstatEach(destination, paths, signal, (relativePath, stat) => {
    if (!stat) return;
    found.set(
      relativePath,
      stat.isFile()
        ? { size: stat.size, mtimeMs: stat.mtimeMs }
        : { size: stat.size, mtimeMs: stat.mtimeMs, sha1: '' },
    );
  });
  return found;
}

/**
 * The paths among `paths` whose stat now differs from the one in `local`: there, gone, or another size, time or
 * kind (a file or not).
 */
export async function statsChanged(
  destination: string,
  local: ReadonlyMap<string, LocalFile>,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  const now = await statLocal(destination, paths, signal);
  return paths.filter((p) => {
    const was = local.get(p);
    const is = now.get(p);
    if (was === undefined || is === undefined) return was !== is;
    return was.size !== is.size || was.mtimeMs !== is.mtimeMs || (was.sha1 === '') !== (is.sha1 === '');
  });
}

export async function hashLocal(
  destination: string,
  local: Map<string, LocalFile>,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  await runPool(
    paths.filter((p) => local.get(p)?.sha1 === undefined),
    HASH_CONCURRENCY,
    async (relativePath) => {
      const sha1 = await sha1OfFile(localPath(destination, relativePath), signal);
      local.set(relativePath, { ...local.get(relativePath)!, sha1 });
    },
    { signal },
  );
}
