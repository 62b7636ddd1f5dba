import { throwIfAborted } from '../abort';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExtractResult } from '../extract/extractor';
import { runPool } from '../extract/pool';
import type { ConflictDecision, ConflictPolicy, ConflictPrompter } from './conflictPolicy';
import { removeStagingDir } from './staging';
import {
  DestinationSurvey,
  insideOrThrow,
  lstatOrUndefined,
  parentOf,
  type FileState,
} from './destinationSurvey';
import { fileSystemError } from '../extract/fsErrors';

/**
 * Moves extracted files from the staging folder into the destination.
 *
 * Three phases, so that a cancel while prompting changes nothing: (1) survey the destination and find every
 * conflict, (2) resolve all conflicts (policy, prompter, `isProtected`), (3) move. A user file is only ever
 * replaced by an atomic `rename` over it, under an overwrite decision, and never when `isProtected` says so.
 *
 * Decisions:
 * - Conflicts are prompted in path order. `overwriteAll` / `skipAll` apply to the current conflict and the rest.
 * - `isProtected` is asked for every file to be placed, existing or not (an editor can hold unsaved changes for a
 *   path deleted on disk), and again right before an overwrite (the user may start editing while we prompt).
 * - A folder where a file must go, a file where a folder must go, or a symbolic link where a folder must go: the
 *   affected files are reported in `blocked` and nothing there is touched. Symlinks are never followed, so nothing
 *   is written outside the destination. A symbolic link where a *file* must go is a normal conflict; overwriting
 *   replaces the link itself, not its target.
 * - New files are placed with `link` + `unlink`, which fails instead of clobbering a file that appeared after the
 *   survey; file systems without hard links fall back to a check followed by `rename`.
 * - On an abort during the move phase, files already placed stay (each is complete); the rest are discarded. The
 *   abort error then carries `filesPlaced`, how many stayed (0 for an abort before the moves).
 */
export interface PlaceOptions {
  policy: ConflictPolicy;
  prompter?: ConflictPrompter;
  isProtected?(absolutePath: string): boolean;
  signal?: AbortSignal;
  /** Moves in flight at once. Default 16. */
  concurrency?: number;
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
  blocked: BlockedPath[];
}

interface Move {
  relativePath: string;
  source: string;
  destination: string;
  mode: 'new' | 'overwrite';
}

const DEFAULT_CONCURRENCY = 16;
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);
const CHANGED_UNDER_US = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EEXIST']);
const IN_USE = new Set(['EBUSY', 'EPERM', 'EACCES']);

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
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const isProtected = (absolutePath: string): boolean => options.isProtected?.(absolutePath) ?? false;
  const result: PlaceResult = {
    written: [],
    overwritten: [],
    skippedByPolicy: [],
    protected: [],
    blocked: [],
  };
  try {
    // Phase 1: survey.
    const survey = new DestinationSurvey(destination, topLevelNameInside(destination, staging));
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
      const move: Move = {
        relativePath: file.relativePath,
        source: insideOrThrow(staging, file.relativePath),
        destination: insideOrThrow(destination, file.relativePath),
        mode: state.kind === 'conflict' ? 'overwrite' : 'new',
      };
      if (state.kind === 'blocked')
        result.blocked.push({ relativePath: file.relativePath, reason: state.reason });
      else if (isProtected(move.destination)) result.protected.push(file.relativePath);
      else if (state.kind === 'conflict') conflicts.push(move);
      else moves.push(move);
    });
    conflicts.sort((a, b) => compareStrings(a.relativePath, b.relativePath));
    let sticky: 'overwrite' | 'skip' | undefined = options.policy === 'ask' ? undefined : options.policy;
    for (const conflict of conflicts) {
      throwIfAborted(options.signal);
      let decision = sticky;
      if (decision === undefined) {
        const answer = await options.prompter!.decide({
          relativePath: conflict.relativePath,
          destinationPath: conflict.destination,
        });
        throwIfAborted(options.signal);
        decision = toDecision(answer);
        if (answer === 'overwriteAll' || answer === 'skipAll') sticky = decision;
      }
      if (decision === 'overwrite') moves.push(conflict);
      else result.skippedByPolicy.push(conflict.relativePath);
    }

    // Phase 3: move.
    throwIfAborted(options.signal);
    await createMissingDirectories(destination, survey, extracted.directories, moves, concurrency);
    const mover = new Mover(options.policy === 'overwrite', isProtected);
    await runPool(
      moves,
      concurrency,
      async (move) => {
        const outcome = await mover.place(move);
        if (outcome.kind === 'blocked')
          result.blocked.push({ relativePath: move.relativePath, reason: outcome.reason });
        else if (outcome.kind === 'written') result.written.push(move.relativePath);
        else if (outcome.kind === 'overwritten') result.overwritten.push(move.relativePath);
        else result.protected.push(move.relativePath);
      },
      { signal: options.signal },
    );
    for (const list of [result.written, result.overwritten, result.protected]) list.sort(compareStrings);
    return result;
  } catch (error) {
    // A cancel during the moves keeps the files already in place: the caller must be able to say so (and to say
    // "nothing was changed" when the cancel came earlier).
    if (error instanceof Error && error.name === 'AbortError')
      Object.assign(error, { filesPlaced: result.written.length + result.overwritten.length });
    throw error;
  } finally {
    await removeStagingDir(staging).catch(() => undefined);
  }
}

function toDecision(answer: ConflictDecision): 'overwrite' | 'skip' {
  switch (answer) {
    case 'overwrite':
    case 'overwriteAll':
      return 'overwrite';
    case 'skip':
    case 'skipAll':
      return 'skip';
    default:
      throw new TypeError(`Unknown conflict decision: ${String(answer)}`);
  }
}

async function createMissingDirectories(
  destination: string,
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
  const missing: string[] = [];
  for (const directory of needed) {
    if ((await survey.directoryState(directory)).kind === 'missing') missing.push(directory);
  }
  const parents = new Set(missing.map(parentOf));
  const leaves = missing.filter((directory) => !parents.has(directory));
  await runPool(leaves, concurrency, async (directory) => {
    try {
      await fs.promises.mkdir(insideOrThrow(destination, directory), { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!CHANGED_UNDER_US.has(code))
        throw fileSystemError(error, `create the folder ${JSON.stringify(directory)}`);
      // Something appeared in the way since the survey; the files below it will report themselves blocked.
    }
  });
}

type MoveOutcome = { kind: 'written' | 'overwritten' | 'protected' } | { kind: 'blocked'; reason: string };

class Mover {
  private hardLinks = true;

  constructor(
    private readonly overwriteLateArrivals: boolean,
    private readonly isProtected: (absolutePath: string) => boolean,
  ) {}

  async place(move: Move): Promise<MoveOutcome> {
    try {
      if (move.mode === 'overwrite') return await this.overwrite(move);
      const placed = await this.placeNew(move);
      if (placed) return { kind: 'written' };
      if (this.overwriteLateArrivals) return await this.overwrite(move);
      return {
        kind: 'blocked',
        reason: 'a file appeared at this path during the pull; it was left untouched',
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (CHANGED_UNDER_US.has(code))
        return { kind: 'blocked', reason: `the destination changed during the pull (${code})` };
      throw fileSystemError(error, `move ${JSON.stringify(move.relativePath)} into place`);
    }
  }

  /** Returns false if something already exists at the destination. */
  private async placeNew(move: Move): Promise<boolean> {
    if (this.hardLinks) {
      try {
        await fs.promises.link(move.source, move.destination);
        await fs.promises.unlink(move.source);
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') return false;
        if (!NO_HARD_LINKS.has(code)) throw error;
        this.hardLinks = false;
      }
    }
    if ((await lstatOrUndefined(move.destination)) !== undefined) return false;
    await fs.promises.rename(move.source, move.destination);
    return true;
  }

  private async overwrite(move: Move): Promise<MoveOutcome> {
    if (this.isProtected(move.destination)) return { kind: 'protected' };
    const existing = await lstatOrUndefined(move.destination);
    if (existing !== undefined && !existing.isFile() && !existing.isSymbolicLink()) {
      return { kind: 'blocked', reason: 'a folder appeared at this path during the pull' };
    }
    try {
      await fs.promises.rename(move.source, move.destination);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (IN_USE.has(code))
        return {
          kind: 'blocked',
          reason: `the existing file could not be replaced (${code}: in use or read-only)`,
        };
      throw error;
    }
    return { kind: 'overwritten' };
  }
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
