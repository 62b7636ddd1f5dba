/**
 * Folders moved or renamed on Box, recognised whole (pure), so that an update reports "1 folder moved (3 files)"
 * rather than its parts: files moved one by one, a folder made, a folder deleted on Box. A folder of the last pull
 * that is gone from Box and still here is a folder move when every file recorded below it now lives on Box at the
 * same place below one folder that is new on Box, and that folder holds nothing else (no file added on Box). Its
 * folders below count as part of it. Anything less (a file moved elsewhere, one deleted on Box, one added) is not
 * a folder move: its files and folders are reported one by one, as they are, rather than guessed into a story.
 *
 * Locally the files still move one by one (updatePull.ts: hard links staged as a tree, moved in with one rename,
 * the old files removed reversibly), so a cancel leaves the destination as it was; only the words change here.
 */
import type { StateEntry } from '../state/pullState';
import type { UpdateSummary } from './updatePull';

export interface FolderMove {
  /** The folder's path here, as the last pull left it. */
  from: string;
  /** Its path on Box now. */
  to: string;
  /** Box's files in it (in its folders too). */
  files: number;
  /** Of those, moved here from `from`, not downloaded. */
  moved: number;
  /**
   * Of those, downloaded to `to`: the copy here was edited (listed in `new` too), or Box's changed and the unedited
   * copy here was removed (listed in `movedAndUpdated` too).
   */
  downloaded: number;
  /** `from` is still here after the update: it holds files that did not move (`left`). */
  kept: boolean;
  /** The files still in `from` (edited here, never pulled, or not removed): why it is kept. */
  left: string[];
}

export interface FolderMovesInput {
  state: readonly StateEntry[];
  /** Folders the last pull recorded that are gone from Box and still here. */
  goneFromBox: readonly string[];
  /** Every folder the last pull knew: recorded ones and those of its files. */
  recorded: ReadonlySet<string>;
  /** Box's folders now. */
  boxFolders: ReadonlySet<string>;
  /** Box's files now (paths). */
  boxFiles: readonly string[];
  /** updatePlan.ts `movedOnBox`: records whose Box file lives at another path now. */
  movedOnBox: readonly { from: string; to: string }[];
}

/** The folder moves, outermost only (a folder inside a moved one is part of it), by `from`. */
export function findFolderMoves(input: FolderMovesInput): { from: string; to: string }[] {
  const movedTo = new Map(input.movedOnBox.map((m) => [m.from, m.to]));
  const found: { from: string; to: string }[] = [];
  const shallowFirst = [...input.goneFromBox].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  for (const from of shallowFirst) {
    if (found.some((move) => isInside(from, move.from))) continue;
    const records = input.state.filter((entry) => isInside(entry.path, from));
    if (records.length === 0) continue;
    let to: string | undefined;
    const fits = records.every((record) => {
      const now = movedTo.get(record.path);
      const rest = record.path.slice(from.length); // `/…`, the same below the folder before and after
      if (now === undefined || !now.endsWith(rest)) return false;
      const folder = now.slice(0, now.length - rest.length);
      to ??= folder;
      return folder === to;
    });
    if (!fits || to === undefined || to === '' || input.recorded.has(to) || !input.boxFolders.has(to))
      continue;
    const target = to;
    if (input.boxFiles.filter((p) => isInside(p, target)).length !== records.length) continue;
    found.push({ from, to });
  }
  return found;
}

/** `folder` and every folder above it, up to the root (excluded). */
export function foldersOf(paths: readonly string[]): Set<string> {
  const folders = new Set<string>();
  for (const p of paths)
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) folders.add(p.slice(0, i));
  return folders;
}

/**
 * The summary's lists without what its folder moves say: the files in a moved folder are not counted again as
 * moved, new or already here, nor its two folders (and those below them) as made, removed or kept. The one place
 * both front ends take their counts from (the CLI's updateRender.ts, VS Code's updateText.ts); the summary's own
 * lists keep every path, for `--json`.
 */
export function outsideFolderMoves(
  summary: UpdateSummary,
): Pick<
  UpdateSummary,
  | 'moved'
  | 'movedAndUpdated'
  | 'new'
  | 'adopted'
  | 'foldersCreated'
  | 'foldersRemoved'
  | 'foldersDeletedOnBoxKept'
> {
  const moves = summary.folderMoves;
  const inTo = (p: string) => moves.some((m) => isInside(p, m.to) || p === m.to);
  const inFrom = (p: string) => moves.some((m) => isInside(p, m.from) || p === m.from);
  return {
    moved: summary.moved.filter((m) => !inTo(m.to)),
    movedAndUpdated: summary.movedAndUpdated.filter((m) => !inTo(m.to)),
    new: summary.new.filter((p) => !inTo(p)),
    adopted: summary.adopted.filter((p) => !inTo(p)),
    foldersCreated: summary.foldersCreated.filter((p) => !inTo(p)),
    foldersRemoved: summary.foldersRemoved.filter((p) => !inFrom(p)),
    foldersDeletedOnBoxKept: summary.foldersDeletedOnBoxKept.filter((p) => !inFrom(p)),
  };
}

/** `p` is below `folder` (not `folder` itself). */
export function isInside(p: string, folder: string): boolean {
  return p.startsWith(`${folder}/`);
}

function depth(p: string): number {
  return p.split('/').length;
}
