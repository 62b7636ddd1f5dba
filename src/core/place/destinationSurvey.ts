// What is already in the destination where files must go: folders, files, links and things in the way. One
// `lstat` per folder, none below a missing one; links are reported, never followed.
import * as fs from 'node:fs';
import { ArchiveError } from '../errors';
import { fileSystemError } from '../extract/fsErrors';
import { joinInside } from '../naming/safeNames';
import { foldPath } from '../naming/treePlanner';

export type DirectoryState =
  { kind: 'directory' } | { kind: 'missing' } | { kind: 'blocked'; reason: string; at: string };

export type FileState = { kind: 'new' } | { kind: 'conflict' } | { kind: 'blocked'; reason: string };

export /** Memoised `lstat` of destination folders: one call per folder, none below a missing folder. */
class DestinationSurvey {
  private readonly directories = new Map<string, Promise<DirectoryState>>();
  private readonly stagingKey: string | undefined;

  /** `stagingName`: the destination's top-level entry holding the staging folder, never a target itself. */
  constructor(
    private readonly root: string,
    stagingName: string | undefined,
  ) {
    this.stagingKey = stagingName === undefined ? undefined : foldPath(stagingName);
  }

  directoryState(relativePath: string): Promise<DirectoryState> {
    let state = this.directories.get(relativePath);
    if (state === undefined) {
      state = this.inspectDirectory(relativePath);
      this.directories.set(relativePath, state);
    }
    return state;
  }

  async fileState(relativePath: string): Promise<FileState> {
    const parent = await this.directoryState(parentOf(relativePath));
    if (parent.kind === 'blocked') return { kind: 'blocked', reason: `${parent.reason}: ${parent.at}` };
    if (this.clashesWithStaging(relativePath))
      return { kind: 'blocked', reason: 'same name as the staging folder' };
    if (parent.kind === 'missing') return { kind: 'new' };
    const stat = await lstatOrUndefined(insideOrThrow(this.root, relativePath));
    if (stat === undefined) return { kind: 'new' };
    if (stat.isFile() || stat.isSymbolicLink()) return { kind: 'conflict' };
    if (stat.isDirectory()) return { kind: 'blocked', reason: 'a folder with this name is in the way' };
    return { kind: 'blocked', reason: 'a special file with this name is in the way' };
  }

  private async inspectDirectory(relativePath: string): Promise<DirectoryState> {
    if (relativePath === '') return { kind: 'directory' };
    const parent = await this.directoryState(parentOf(relativePath));
    if (parent.kind !== 'directory') return parent;
    if (this.clashesWithStaging(relativePath)) {
      return { kind: 'blocked', reason: 'same name as the staging folder', at: relativePath };
    }
    const stat = await lstatOrUndefined(insideOrThrow(this.root, relativePath));
    if (stat === undefined) return { kind: 'missing' };
    if (stat.isDirectory()) return { kind: 'directory' };
    if (stat.isSymbolicLink()) {
      return {
        kind: 'blocked',
        reason: 'a symbolic link is where a folder must go (links are not followed)',
        at: relativePath,
      };
    }
    return { kind: 'blocked', reason: 'a file is where a folder must go', at: relativePath };
  }

  private clashesWithStaging(relativePath: string): boolean {
    return !relativePath.includes('/') && foldPath(relativePath) === this.stagingKey;
  }
}

export async function lstatOrUndefined(absolutePath: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(absolutePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fileSystemError(error, `inspect ${absolutePath}`);
  }
}

export function parentOf(relativePath: string): string {
  const slash = relativePath.lastIndexOf('/');
  return slash === -1 ? '' : relativePath.slice(0, slash);
}

/** `relativePath` (slash-separated) under `root`; throws for anything that would leave it. */
export function insideOrThrow(root: string, relativePath: string): string {
  const target = joinInside(root, relativePath);
  if (target === undefined) {
    throw new ArchiveError(
      'unsafe_path',
      `Refusing a path outside the destination: ${JSON.stringify(relativePath)}`,
    );
  }
  return target;
}
