// A staged folder that can be moved into the destination whole (placingSession.ts `moveTree`): where the
// destination has no folder of that name, one rename replaces a link, an unlink, a stat and two folder opens for
// every file below it. Only a folder that holds exactly the files and folders placing planned to put there
// qualifies, and each file's identity is read first, so that an undo removes only the very files moved in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileId } from './placementJournal';
import { parentOf } from './destinationSurvey';

export interface StagedTree {
  /** The folder, relative to the destination (slash-separated). */
  path: string;
  /** Every file below it, with its identity (placementJournal.ts `fileId`). */
  files: { path: string; id: string }[];
  /** Every folder below it, parents first. */
  folders: string[];
}

/**
 * The staged folder `relativePath` (inside `stagingDir`), if it holds exactly `files` and `folders` (relative to
 * the destination, all below `relativePath`) and nothing else: no other file, no link, no special file.
 */
export async function readStagedTree(
  stagingDir: string,
  relativePath: string,
  files: ReadonlySet<string>,
  folders: ReadonlySet<string>,
): Promise<StagedTree | undefined> {
  const tree: StagedTree = { path: relativePath, files: [], folders: [] };
  const pending = [relativePath];
  while (pending.length > 0) {
    const folder = pending.shift()!;
    const absolute = path.join(stagingDir, ...folder.split('/'));
    const entries = await fs.promises.readdir(absolute, { withFileTypes: true }).catch(() => undefined);
    if (entries === undefined) return undefined;
    for (const entry of entries) {
      const relative = `${folder}/${entry.name}`;
      if (entry.isDirectory() && folders.has(relative)) {
        tree.folders.push(relative);
        pending.push(relative);
      } else if (entry.isFile() && files.has(relative)) {
        // Synchronous: a few microseconds each, a folder's worth at a time, against a thread-pool trip each.
        const stat = lstatSync(path.join(absolute, entry.name));
        if (!stat?.isFile()) return undefined;
        tree.files.push({ path: relative, id: fileId(stat) });
      } else return undefined;
    }
  }
  return tree.files.length === files.size && tree.folders.length === folders.size ? tree : undefined;
}

function lstatSync(target: string): fs.BigIntStats | undefined {
  return fs.lstatSync(target, { bigint: true, throwIfNoEntry: false });
}

/**
 * The folders where a whole staged folder may go: each missing in the destination (`isMissing`) below a parent
 * that exists, with the files (`paths`) and folders (`directories`) placing planned below it.
 */
export async function missingRoots(
  paths: readonly string[],
  directories: readonly string[],
  isMissing: (folder: string) => Promise<boolean>,
): Promise<Map<string, { files: Set<string>; folders: Set<string> }>> {
  const roots = new Map<string, { files: Set<string>; folders: Set<string> }>();
  const rootOf = async (folder: string): Promise<string | undefined> => {
    let root: string | undefined;
    for (let current = folder; current !== ''; current = parentOf(current))
      if (await isMissing(current)) root = current;
      else break;
    return root;
  };
  const add = (root: string) => {
    let entry = roots.get(root);
    if (entry === undefined) roots.set(root, (entry = { files: new Set(), folders: new Set() }));
    return entry;
  };
  for (const file of paths) {
    const root = await rootOf(parentOf(file));
    if (root === undefined) continue;
    const entry = add(root);
    entry.files.add(file);
    for (let folder = parentOf(file); folder !== root; folder = parentOf(folder)) entry.folders.add(folder);
  }
  for (const directory of directories) {
    const root = await rootOf(directory);
    if (root === undefined) continue;
    const entry = add(root);
    for (let folder = directory; folder !== root; folder = parentOf(folder)) entry.folders.add(folder);
  }
  return roots;
}
