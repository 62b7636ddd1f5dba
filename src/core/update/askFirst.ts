/**
 * Conflicts asked before the download. Where a listing exists (an update, a listed pull), the files that differ
 * from Box's on both sides are known before a byte is downloaded: the policy (or the user) decides then, so a file
 * the user keeps is never downloaded, and a cancel while asking leaves everything as it was (nothing is staged yet).
 */
import type { ListedFile, ListedFolder, Listing } from '../pull/listing';
import { resolveConflicts, type FileConflict } from '../place/conflictPolicy';
import type { PullRequest } from '../pull/pull';
import type { StateEntry } from '../state/pullState';
import { hashLocal, statLocal } from './localFiles';
import { localPath } from '../localStats';
import type { BoxFile, LocalFile } from './updatePlan';

/** Box's side of a conflict: the listing's facts. */
export type ListedConflict = BoxFile & { modifiedMs?: number };

/** The paths whose Box copy replaces the local one (asked, or by policy), in path order. */
export async function decideBeforeDownload(
  conflicts: readonly ListedConflict[],
  local: ReadonlyMap<string, LocalFile>,
  destination: string,
  request: Pick<PullRequest, 'conflictPolicy' | 'prompter' | 'signal'>,
): Promise<Set<string>> {
  const described: FileConflict[] = conflicts.map((file) => {
    const here = local.get(file.path);
    return {
      relativePath: file.path,
      destinationPath: localPath(destination, file.path),
      box: { id: file.id, sha1: file.sha1 },
      incoming: { size: file.size, modifiedMs: file.modifiedMs ?? 0 },
      existing: here && { size: here.size, modifiedMs: here.mtimeMs },
    };
  });
  return resolveConflicts(described, request.conflictPolicy, request.prompter, request.signal);
}

export interface AskedListing {
  /** The listing without the files that need no download (identical here) or that the user keeps. */
  listing: Listing;
  /** Existing files to replace without asking again. */
  replace: Set<string>;
  /** Local files identical to Box's (size and SHA-1), recorded as placed. */
  upToDate: StateEntry[];
  /** Local files kept, Box's copy not downloaded. */
  kept: string[];
}

/**
 * A listed pull under `ask` into a destination that holds files: the files already here are judged before the
 * download (identical ones are no conflict and are not downloaded), and the true conflicts asked about at once.
 */
export async function askBeforeListedPull(
  listing: Listing,
  destination: string,
  request: Pick<PullRequest, 'conflictPolicy' | 'prompter' | 'signal'>,
): Promise<AskedListing> {
  const files = [...listing.files.values()];
  const local = await statLocal(
    destination,
    files.map((file) => file.path),
    request.signal,
  );
  // Regular files only: statLocal gives anything else at a path (a folder, a link) an empty SHA-1.
  const here = files.filter((file) => local.has(file.path) && local.get(file.path)!.sha1 !== '');
  // Only a file of Box's size can be identical: the others are conflicts without reading them.
  await hashLocal(
    destination,
    local as Map<string, LocalFile>,
    here
      .filter((file) => file.sha1 !== undefined && local.get(file.path)!.size === file.size)
      .map((f) => f.path),
    request.signal,
  );
  const identical = here.filter(
    (file) =>
      file.sha1 !== undefined && local.get(file.path)!.sha1?.toLowerCase() === file.sha1.toLowerCase(),
  );
  const same = new Set(identical);
  const conflicts = here.filter((file) => !same.has(file));
  const replace = await decideBeforeDownload(conflicts, local, destination, request);
  const kept = conflicts.filter((file) => !replace.has(file.path));
  const leftOut = new Set([...identical, ...kept]);
  return {
    listing: leftOut.size === 0 ? listing : cutListing(listing, (file) => !leftOut.has(file)),
    replace,
    upToDate: identical.map((file) => recordOf(file, local.get(file.path)!)),
    kept: kept.map((file) => file.path),
  };
}

/** The listing with only the files `keep` accepts; a folder stays whole (one ZIP item) only if nothing left it. */
export function cutListing(listing: Listing, keep: (file: ListedFile) => boolean): Listing {
  const files = new Map<string, ListedFile>();
  const cut = (folder: ListedFolder): ListedFolder => {
    const folders = folder.folders.map(cut).filter((child) => child.fileCount > 0);
    const own = folder.files.filter(keep);
    for (const file of own) files.set(file.rawPath, file);
    const fileCount = own.length + folders.reduce((n, child) => n + child.fileCount, 0);
    return {
      ...folder,
      files: own,
      folders,
      whole: folder.whole && fileCount === folder.fileCount,
      fileCount,
      bytes: own.reduce((n, f) => n + f.size, 0) + folders.reduce((n, child) => n + child.bytes, 0),
    };
  };
  return { ...listing, root: cut(listing.root), files };
}

/** A state record for a local file whose bytes are Box's. */
export function recordOf(file: BoxFile, local: { size: number; mtimeMs: number }): StateEntry {
  return {
    id: file.id,
    path: file.path,
    sha1: (file.sha1 ?? '').toLowerCase(),
    size: file.size,
    localSize: local.size,
    localMtimeMs: local.mtimeMs,
  };
}
