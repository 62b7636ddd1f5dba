// The move phase of placing: folders made, originals kept as backups, files moved in, each step journaled first,
// each through the destination's real folders only (anchoredTree.ts). Until `commit`, `rollBack` puts everything
// back; a process killed meanwhile leaves the journal and the backups to the next pull (staging.ts).
import * as fs from 'node:fs';
import { runPool } from '../extract/pool';
import { fileSystemError } from '../extract/fsErrors';
import { AnchoredTree, NotAFolderError } from './anchoredTree';
import { parentOf, type DestinationSurvey } from './destinationSurvey';
import type { StagedTree } from './stagedTree';
import {
  BACKUPS_FOLDER,
  Journal,
  fileId,
  rollBack,
  sizeAndTimeOf,
  type JournalEntry,
  type RollbackResult,
  type SizeAndTime,
} from './placementJournal';

export interface Move {
  relativePath: string;
  source: string;
  destination: string;
  mode: 'new' | 'overwrite';
}

export type MoveOutcome =
  { kind: 'written' | 'overwritten' | 'protected' } | { kind: 'blocked'; reason: string };

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);
const CHANGED_UNDER_US = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EEXIST', 'ELOOP']);
const IN_USE = new Set(['EBUSY', 'EPERM', 'EACCES']);

export class PlacingSession {
  private hardLinks = true;
  private backups = 0;
  private readonly steps: JournalEntry[] = [];
  private committed = false;

  private constructor(
    private readonly destination: AnchoredTree,
    private readonly staging: AnchoredTree,
    private readonly journal: Journal,
    private readonly overwriteLateArrivals: boolean,
    private readonly isProtected: (absolutePath: string) => boolean,
  ) {}

  static async start(
    destinationPath: string,
    stagingPath: string,
    overwriteLateArrivals: boolean,
    isProtected: (absolutePath: string) => boolean,
  ): Promise<PlacingSession> {
    const destination = await AnchoredTree.open(destinationPath);
    let staging: AnchoredTree | undefined;
    try {
      staging = (await destination.subtree(relativeName(destinationPath, stagingPath))).keepFoldersOpen();
      await staging.with(BACKUPS_FOLDER, (target) => fs.promises.mkdir(target));
      const journal = await Journal.create(staging);
      return new PlacingSession(destination, staging, journal, overwriteLateArrivals, isProtected);
    } catch (error) {
      // The staging tree holds descriptors of its own (a read-only volume fails the mkdir): never leave a
      // FileHandle to the garbage collector (DEP0137).
      await staging?.close().catch(() => undefined);
      await destination.close();
      throw error;
    }
  }

  /** Makes the folders that are missing, parents first, one level at a time (a recursive mkdir would follow a link). */
  async createFolders(
    survey: DestinationSurvey,
    directories: readonly string[],
    moves: readonly Move[],
    concurrency: number,
  ): Promise<void> {
    const needed = new Set<string>();
    const addWithParents = (directory: string): void => {
      for (let current = directory; current !== '' && !needed.has(current); current = parentOf(current))
        needed.add(current);
    };
    directories.forEach(addWithParents);
    moves.forEach((move) => addWithParents(parentOf(move.relativePath)));
    const byDepth = new Map<number, string[]>();
    for (const directory of needed) {
      if ((await survey.directoryState(directory)).kind !== 'missing') continue;
      const depth = directory.split('/').length;
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), directory]);
    }
    for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
      await runPool(byDepth.get(depth)!, concurrency, async (directory) => {
        try {
          await this.record({ op: 'folder', path: directory });
          await this.destination.with(directory, (target) => fs.promises.mkdir(target));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? '';
          if (!(error instanceof NotAFolderError) && !CHANGED_UNDER_US.has(code))
            throw fileSystemError(error, `create the folder ${JSON.stringify(directory)}`);
          // Something is in the way since the survey; the files below it will report themselves blocked.
        }
      });
    }
  }

  /**
   * Moves a staged folder in whole (stagedTree.ts) where the destination has none: the folder is claimed with
   * `mkdir` first, so the rename can only replace that empty folder of ours, never anything else. False when
   * something got there first: the caller places the files one by one instead. `stagedPath`: the folder's path
   * inside the staging folder.
   */
  async moveTree(tree: StagedTree, stagedPath: string): Promise<boolean> {
    try {
      await this.record({ op: 'folder', path: tree.path });
      await this.destination.with(tree.path, (target) => fs.promises.mkdir(target));
      await this.record({ op: 'tree', staged: stagedPath, ...tree });
      await this.staging.with(stagedPath, (source) =>
        this.destination.with(tree.path, (target) => fs.promises.rename(source, target)),
      );
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (error instanceof NotAFolderError || CHANGED_UNDER_US.has(code)) return false;
      throw fileSystemError(error, `move the folder ${JSON.stringify(tree.path)} into place`);
    }
  }

  /** `stagedPath`: the file's path inside the staging folder. */
  async place(move: Move, stagedPath: string): Promise<MoveOutcome> {
    try {
      if (move.mode === 'overwrite') return await this.overwrite(move, stagedPath);
      const placed = await this.placeNew(move, stagedPath);
      if (placed) return { kind: 'written' };
      if (this.overwriteLateArrivals) return await this.overwrite(move, stagedPath);
      return {
        kind: 'blocked',
        reason: 'a file appeared at this path during the pull; it was left untouched',
      };
    } catch (error) {
      if (error instanceof NotAFolderError) return { kind: 'blocked', reason: error.message };
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (CHANGED_UNDER_US.has(code))
        return { kind: 'blocked', reason: `the destination changed during the pull (${code})` };
      throw fileSystemError(error, `move ${JSON.stringify(move.relativePath)} into place`);
    }
  }

  /**
   * Removes a file reversibly (kept in the backups first, like an original that is replaced), and only if it is
   * still the file the caller judged (`expected`): true when removed.
   */
  async remove(relativePath: string, expected: (stat: fs.Stats) => boolean): Promise<boolean> {
    try {
      return await this.destination.with(relativePath, async (target) => {
        const existing = await lstatOrUndefined(target);
        if (!existing?.isFile() || !expected(existing)) return false;
        const backup = String(++this.backups);
        await this.record({ op: 'backup', path: relativePath, backup });
        await this.staging.with(`${BACKUPS_FOLDER}/${backup}`, (kept) =>
          this.keepOriginal(target, kept, existing),
        );
        await fs.promises.rm(target, { force: true });
        return true;
      });
    } catch (error) {
      if (error instanceof NotAFolderError) return false;
      throw fileSystemError(error, `remove ${JSON.stringify(relativePath)}`);
    }
  }

  /**
   * Size and time of each file this session moved in, as staged: a rename keeps both, so this is the file as
   * placed, and whatever changes it after its move shows as a difference (a state file recording it then makes
   * the next update look at the file instead of taking someone's edit for ours).
   */
  placedSizesAndTimes(): Map<string, SizeAndTime> {
    const placed = new Map<string, SizeAndTime>();
    const add = (relativePath: string, id: string) => {
      const stat = sizeAndTimeOf(id);
      if (stat === undefined) placed.delete(relativePath);
      else placed.set(relativePath, stat);
    };
    for (const step of this.steps) {
      if (step.op === 'add') add(step.path, step.id);
      else if (step.op === 'tree') for (const file of step.files) add(file.path, file.id);
    }
    return placed;
  }

  /** The last move is done: from here on the pull stands, and the backups are dropped with the staging folder. */
  async commit(): Promise<void> {
    await this.journal.append({ op: 'done' });
    this.committed = true;
  }

  /** Undoes every step taken so far (unless committed). */
  async rollBack(): Promise<RollbackResult> {
    if (this.committed) return { complete: true, removed: 0, restored: 0, notRestored: [] };
    return rollBack(this.destination, this.staging, this.steps);
  }

  async close(): Promise<void> {
    await this.journal.close().catch(() => undefined);
    await this.staging.close().catch(() => undefined);
    await this.destination.close().catch(() => undefined);
  }

  private async record(entry: JournalEntry): Promise<void> {
    this.steps.push(entry);
    await this.journal.append(entry);
  }

  /** Returns false if something already exists at the destination. */
  private async placeNew(move: Move, stagedPath: string): Promise<boolean> {
    return this.staging.with(stagedPath, async (source) => {
      await this.record({ op: 'add', path: move.relativePath, id: await stagedId(source) });
      return this.destination.with(move.relativePath, async (target) => {
        if (this.hardLinks) {
          try {
            await fs.promises.link(source, target);
            await fs.promises.unlink(source);
            return true;
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? '';
            if (code === 'EEXIST') return false;
            if (!NO_HARD_LINKS.has(code)) throw error;
            this.hardLinks = false;
          }
        }
        if ((await lstatOrUndefined(target)) !== undefined) return false;
        await fs.promises.rename(source, target);
        return true;
      });
    });
  }

  /**
   * Keeps the original in the backups (a hard link, so the path never stands empty; moved there where links are
   * not possible), then renames the new file over it.
   */
  private async overwrite(move: Move, stagedPath: string): Promise<MoveOutcome> {
    if (this.isProtected(move.destination)) return { kind: 'protected' };
    return this.staging.with(stagedPath, async (source) => {
      const id = await stagedId(source);
      return this.destination.with(move.relativePath, async (target): Promise<MoveOutcome> => {
        const existing = await lstatOrUndefined(target);
        if (existing !== undefined && !existing.isFile() && !existing.isSymbolicLink())
          return { kind: 'blocked', reason: 'a folder appeared at this path during the pull' };
        const steps: JournalEntry[] = [];
        if (existing !== undefined) {
          const backup = String(++this.backups);
          steps.push({ op: 'backup', path: move.relativePath, backup });
          await this.record(steps[0]);
          await this.staging.with(`${BACKUPS_FOLDER}/${backup}`, (kept) =>
            this.keepOriginal(target, kept, existing),
          );
        }
        steps.push({ op: 'add', path: move.relativePath, id });
        await this.record(steps[steps.length - 1]);
        try {
          await fs.promises.rename(source, target);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? '';
          if (!IN_USE.has(code)) throw error;
          // Put this one original back at once; the rest of the pull goes on.
          await rollBack(this.destination, this.staging, steps);
          return {
            kind: 'blocked',
            reason: `the existing file could not be replaced (${code}: in use or read-only)`,
          };
        }
        return { kind: 'overwritten' };
      });
    });
  }

  private async keepOriginal(target: string, kept: string, existing: fs.Stats): Promise<void> {
    if (this.hardLinks && existing.isFile()) {
      try {
        await fs.promises.link(target, kept);
        return;
      } catch (error) {
        if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
        this.hardLinks = false;
      }
    }
    await fs.promises.rename(target, kept);
  }
}

async function stagedId(source: string): Promise<string> {
  return fileId(await fs.promises.lstat(source, { bigint: true }));
}

async function lstatOrUndefined(target: string): Promise<fs.Stats | undefined> {
  return fs.promises.lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** `inner` below `outer`, slash-separated. */
export function relativeName(outer: string, inner: string): string {
  return inner
    .slice(outer.length + 1)
    .split(/[\\/]/)
    .join('/');
}
