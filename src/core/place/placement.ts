import { throwIfAborted } from '../abort';
import * as path from 'node:path';
import type { ExtractResult } from '../extract/extractor';
import { runPool } from '../extract/pool';
import {
  resolveConflicts,
  type ConflictPolicy,
  type ConflictPrompter,
  type FileConflict,
} from './conflictPolicy';
import { removeStagingDir } from './staging';
import { sha1OfFile } from '../verify/checksum';
import * as fs from 'node:fs';
import { DestinationSurvey, insideOrThrow, parentOf, type FileState } from './destinationSurvey';
import { PlacingSession, relativeName, type Move } from './placingSession';
import type { SizeAndTime } from './placementJournal';
import { missingRoots, readStagedTree } from './stagedTree';
import { allNamedSegments } from '../localStats';

/**
 * Moves extracted files from the staging folder into the destination.
 *
 * Three phases, so that a cancel while prompting changes nothing: (1) survey the destination and find every
 * conflict, (2) resolve all conflicts (policy, prompter, `isProtected`), (3) move. A user file is only ever
 * replaced by an atomic `rename` over it, under an overwrite decision, and never when `isProtected` says so.
 *
 * Decisions:
 * - An existing regular file with the same size and SHA-1 as the incoming one is no conflict: it is left alone and
 *   reported in `upToDate`, never asked about, replaced or counted as kept.
 * - Conflicts are prompted in path order (or all at once through `decideAll`). `overwriteAll` / `skipAll` apply to the current conflict and the rest.
 * - `isProtected` is asked for every file to be placed, existing or not (an editor can hold unsaved changes for a
 *   path deleted on disk), and again right before an overwrite (the user may start editing while we prompt).
 * - A folder where a file must go, a file where a folder must go, or a symbolic link where a folder must go: the
 *   affected files are reported in `blocked` and nothing there is touched. Symlinks are never followed, so nothing
 *   is written outside the destination. A symbolic link where a *file* must go is a normal conflict; overwriting
 *   replaces the link itself, not its target.
 * - New files are placed with `link` + `unlink`, which fails instead of clobbering a file that appeared after the
 *   survey; file systems without hard links fall back to a check followed by `rename`.
 * - Placing is reversible until it ends: originals to be replaced are kept in the staging folder's backups first,
 *   and every step is journaled before it is taken. A cancel or a failure during the moves puts the originals
 *   back and removes what was added; the error then carries `destinationRestored` (true when the destination is
 *   exactly as it was), `filesUndone` (the steps taken back) and `filesPlaced`, the files the undo could not take
 *   back (0 when restored). A process
 *   killed meanwhile leaves the journal for the next pull, which finishes the undo (staging.ts).
 * - The moves go through the destination's real folders only: a folder swapped for a link after the survey is
 *   refused and its files reported blocked, never followed (anchoredTree.ts).
 */
export interface PlaceOptions {
  policy: ConflictPolicy;
  prompter?: ConflictPrompter;
  isProtected?(absolutePath: string): boolean;
  signal?: AbortSignal;
  /** Moves in flight at once. Default 16. */
  concurrency?: number;
  /**
   * Called after the last move, before the session ends, with the files written or overwritten and those already
   * identical to Box's (each is Box's file, so a state file records it): returns the path
   * (inside the staging folder) of one more file, such as the pull's state file, that is moved in last, always
   * replacing what is there, in the same reversible session, so that it changes with the files or not at all.
   * `movedIn`: size and time of the files this session moved, as they were staged (the others were already there).
   */
  finalFile?(
    placed: readonly string[],
    removed: readonly string[],
    movedIn: ReadonlyMap<string, SizeAndTime>,
  ): Promise<string | undefined>;
  /** Paths where an existing file is replaced without a question: the local copy is what the last pull placed. */
  replace?: ReadonlySet<string>;
  /** Files removed in the same reversible session (see Removal). */
  remove?: readonly Removal[];
}

/**
 * A file removed in the placing session, only if it still has this size and modification time. One that makes way
 * for another (the old path of a file moved on Box) goes only once that file is in place (`inPlace`): when placing
 * keeps what is at the new path (the policy, an editor's unsaved changes, something in the way), the old copy stays,
 * so that neither is lost.
 */
export interface Removal {
  relativePath: string;
  size: number;
  mtimeMs: number;
  makesWayFor?: string;
}

export interface BlockedPath {
  relativePath: string;
  reason: string;
}

export interface PlaceResult {
  written: string[];
  overwritten: string[];
  skippedByPolicy: string[];
  protected: string[];
  /** Existing files identical to Box's (size and SHA-1): left as they were. */
  upToDate: string[];
  blocked: BlockedPath[];
  /** Files removed (`remove`); the others had changed or were protected, and were kept. */
  removed?: string[];
}

const DEFAULT_CONCURRENCY = 16;

export async function placeFiles(
  stagingDir: string,
  extracted: Pick<ExtractResult, 'files' | 'directories'>,
  destinationDir: string,
  options: PlaceOptions,
): Promise<PlaceResult> {
  throwIfAborted(options.signal);
  if (options.policy === 'ask' && options.prompter === undefined) {
    throw new TypeError("placeFiles: policy 'ask' needs a prompter");
  }
  const staging = path.resolve(stagingDir);
  const destination = path.resolve(destinationDir);
  // The staging folder itself (directly in the destination) also keeps the journal and the backups.
  const stagingName = topLevelNameInside(destination, staging);
  const stagingRoot = path.join(destination, stagingName ?? '');
  if (stagingName === undefined || stagingRoot === staging)
    throw new TypeError(
      'placeFiles: the files must be in a folder inside a staging folder of the destination',
    );
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const isProtected = (absolutePath: string): boolean => options.isProtected?.(absolutePath) ?? false;
  const result: PlaceResult = {
    written: [],
    overwritten: [],
    skippedByPolicy: [],
    protected: [],
    upToDate: [],
    blocked: [],
  };
  try {
    // Phase 1: survey.
    const survey = new DestinationSurvey(destination, stagingName);
    const fileStates = new Array<FileState>(extracted.files.length);
    await runPool(
      extracted.files,
      concurrency,
      async (file, index) => {
        fileStates[index] = await survey.fileState(file.relativePath);
      },
      { signal: options.signal },
    );
    for (const directory of extracted.directories) {
      const state = await survey.directoryState(directory);
      if (state.kind === 'blocked' && state.at === directory)
        result.blocked.push({ relativePath: directory, reason: state.reason });
    }

    // Phase 2: decide.
    const moves: Move[] = [];
    const conflicts: Move[] = [];
    extracted.files.forEach((file, index) => {
      const state = fileStates[index];
      const move = new PlannedMove(
        file.relativePath,
        state.kind === 'conflict' ? 'overwrite' : 'new',
        staging,
        destination,
      );
      if (state.kind === 'blocked')
        result.blocked.push({ relativePath: file.relativePath, reason: state.reason });
      // Optional call: without a callback, the move's destination is never joined.
      else if (options.isProtected?.(move.destination)) result.protected.push(file.relativePath);
      else if (state.kind === 'conflict' && options.replace?.has(file.relativePath)) moves.push(move);
      else if (state.kind === 'conflict') conflicts.push(move);
      else moves.push(move);
    });
    const described = new Array<FileConflict | undefined>(conflicts.length);
    await runPool(
      conflicts,
      concurrency,
      async (move, index) => {
        described[index] = await describeConflict(move, options.signal);
      },
      { signal: options.signal },
    );
    const real: { move: Move; conflict: FileConflict }[] = [];
    conflicts.forEach((move, index) => {
      const conflict = described[index];
      if (conflict === undefined) result.upToDate.push(move.relativePath);
      else real.push({ move, conflict });
    });
    const replace = await resolveConflicts(
      real.map((entry) => entry.conflict),
      options.policy,
      options.prompter,
      options.signal,
    );
    real.sort((a, b) => compareStrings(a.move.relativePath, b.move.relativePath));
    for (const { move } of real) {
      if (replace.has(move.relativePath)) moves.push(move);
      else result.skippedByPolicy.push(move.relativePath);
    }

    // Phase 3: move, reversibly until the last move (placementJournal.ts), never through a swapped folder.
    throwIfAborted(options.signal);
    const session = await PlacingSession.start(
      destination,
      stagingRoot,
      options.policy === 'overwrite',
      isProtected,
    );
    try {
      const moved = await moveTrees(
        session,
        survey,
        staging,
        stagingRoot,
        moves,
        extracted.directories,
        options.signal,
      );
      result.written.push(...moved.written);
      await session.createFolders(survey, moved.directories, moved.moves, concurrency);
      await runPool(
        moved.moves,
        concurrency,
        async (move) => {
          const outcome = await session.place(move, relativeName(stagingRoot, move.source));
          if (outcome.kind === 'blocked')
            result.blocked.push({ relativePath: move.relativePath, reason: outcome.reason });
          else if (outcome.kind === 'written') result.written.push(move.relativePath);
          else if (outcome.kind === 'overwritten') result.overwritten.push(move.relativePath);
          else result.protected.push(move.relativePath);
        },
        { signal: options.signal },
      );
      const here = inPlace(result);
      for (const removal of options.remove ?? []) {
        throwIfAborted(options.signal);
        if (removal.makesWayFor !== undefined && !here.has(removal.makesWayFor)) continue;
        if (isProtected(insideOrThrow(destination, removal.relativePath))) continue;
        const same = (stat: { size: number; mtimeMs: number }) =>
          stat.size === removal.size && stat.mtimeMs === removal.mtimeMs;
        if (await session.remove(removal.relativePath, same))
          (result.removed ??= []).push(removal.relativePath);
      }
      const final = await options.finalFile?.([...here], result.removed ?? [], session.placedSizesAndTimes());
      if (final !== undefined) {
        const move: Move = {
          relativePath: final,
          source: insideOrThrow(staging, final),
          destination: insideOrThrow(destination, final),
          mode: 'overwrite',
        };
        const outcome = await session.place(move, relativeName(stagingRoot, move.source));
        if (outcome.kind === 'blocked') result.blocked.push({ relativePath: final, reason: outcome.reason });
      }
      await session.commit();
    } catch (error) {
      // A cancel, a failure or a signal before the last move: everything goes back as it was.
      // An undo that fails outright counts as incomplete: the staging folder and its backups then stay.
      const undone = await session
        .rollBack()
        .catch(() => ({ complete: false, removed: 0, restored: 0, notRestored: [] as string[] }));
      throw Object.assign(error as object, {
        // Front ends that only know `filesPlaced` (the VS Code layer) must not say "nothing was changed".
        filesPlaced: undone.complete ? 0 : Math.max(1, undone.notRestored.length),
        filesUndone: undone.removed,
        destinationRestored: undone.complete,
      });
    } finally {
      await session.close();
    }
    for (const list of [result.written, result.overwritten, result.protected, result.upToDate])
      list.sort(compareStrings);
    return result;
  } catch (error) {
    // Before the moves nothing was changed: the caller must be able to say so.
    if (error instanceof Error && error.name === 'AbortError' && !('filesPlaced' in error))
      Object.assign(error, { filesPlaced: 0, filesUndone: 0, destinationRestored: true });
    throw error;
  } finally {
    // Refused (and kept) while it holds originals an undo could not put back.
    await removeStagingDir(stagingRoot).catch(() => undefined);
  }
}

/**
 * A file to move, whose absolute paths are joined (and checked to stay inside their folders) when first asked for:
 * a file moved with its whole folder (moveTrees) never needs them, and on a fresh destination that is nearly every
 * file (two path joins and two strings per file saved, 40,000 of each on 20,000 files). A path that is not plain
 * names (an empty, `.` or `..` segment) is still refused before any move; every path is checked before use.
 */
class PlannedMove implements Move {
  private sourcePath: string | undefined;
  private destinationPath: string | undefined;

  constructor(
    readonly relativePath: string,
    readonly mode: Move['mode'],
    private readonly stagingDir: string,
    private readonly destinationDir: string,
  ) {
    // Anything but plain names on this platform is joined (and refused) at once, before a single move.
    if (path.sep !== '/' || !allNamedSegments(relativePath)) {
      this.sourcePath = insideOrThrow(stagingDir, relativePath);
      this.destinationPath = insideOrThrow(destinationDir, relativePath);
    }
  }

  get source(): string {
    return (this.sourcePath ??= insideOrThrow(this.stagingDir, this.relativePath));
  }

  get destination(): string {
    return (this.destinationPath ??= insideOrThrow(this.destinationDir, this.relativePath));
  }
}

/** The files that are Box's now: written, overwritten, or found identical already (`upToDate`). */
export function inPlace(result: Pick<PlaceResult, 'written' | 'overwritten' | 'upToDate'>): Set<string> {
  return new Set([...result.written, ...result.overwritten, ...result.upToDate]);
}

/**
 * Moves in whole each staged folder that is missing in the destination and holds exactly the new files planned
 * for it (stagedTree.ts); returns the files so placed, and the moves and folders left for placing one by one.
 */
async function moveTrees(
  session: PlacingSession,
  survey: DestinationSurvey,
  staging: string,
  stagingRoot: string,
  moves: readonly Move[],
  directories: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ written: string[]; moves: Move[]; directories: string[] }> {
  const isMissing = async (folder: string) => (await survey.directoryState(folder)).kind === 'missing';
  const fresh = moves.filter((move) => move.mode === 'new').map((move) => move.relativePath);
  const roots = await missingRoots(fresh, directories, isMissing);
  const done: string[] = [];
  const written: string[] = [];
  for (const [root, planned] of roots) {
    throwIfAborted(signal);
    const tree = await readStagedTree(staging, root, planned.files, planned.folders);
    if (tree === undefined) continue;
    if (!(await session.moveTree(tree, relativeName(stagingRoot, insideOrThrow(staging, root))))) continue;
    done.push(root);
    for (const file of tree.files) written.push(file.path);
  }
  if (done.length === 0) return { written, moves: [...moves], directories: [...directories] };
  const movedRoots = new Set(done);
  const below = (relativePath: string) => {
    for (let folder = relativePath; folder !== ''; folder = parentOf(folder))
      if (movedRoots.has(folder)) return true;
    return false;
  };
  return {
    written,
    moves: moves.filter((move) => !below(move.relativePath)),
    directories: directories.filter((directory) => !below(directory)),
  };
}

/** The conflict with both sides' facts, or undefined when the local file is identical to Box's (size, SHA-1). */
async function describeConflict(
  move: Move,
  signal: AbortSignal | undefined,
): Promise<FileConflict | undefined> {
  const [incoming, existing] = await Promise.all([
    fs.promises.stat(move.source),
    fs.promises.lstat(move.destination).catch(() => undefined),
  ]);
  const conflict: FileConflict = {
    relativePath: move.relativePath,
    destinationPath: move.destination,
    incomingPath: move.source,
    incoming: { size: incoming.size, modifiedMs: incoming.mtimeMs },
    existing: existing && { size: existing.size, modifiedMs: existing.mtimeMs },
  };
  // A link is never identical: replacing it is a real change. Sizes first, so most differences cost no read.
  if (existing === undefined || !existing.isFile() || existing.size !== incoming.size) return conflict;
  const [a, b] = await Promise.all([sha1OfFile(move.source, signal), sha1OfFile(move.destination, signal)]);
  return a === b ? undefined : conflict;
}

/** The first path segment of `inner` below `outer`, or undefined when `inner` is not inside `outer`. */
function topLevelNameInside(outer: string, inner: string): string | undefined {
  const relative = path.relative(outer, inner);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep)[0];
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
