// The words of an update's completion message, host-free (VS Code's l10n arrives as an argument, as in
// progress/describe.ts) so every combination of counts is unit-tested. report.ts adds the notes every pull shares.
import type { UpdateSummary } from '../../core/update/updatePull';
import { outsideFolderMoves } from '../../core/update/folderMoves';
import type { MoveKept } from '../../core/update/movesKept';
import { formatCount, type ProgressWords } from '../progress/describe';

/** Each file counted once, under what happened to it. */
export interface UpdateCounts {
  updated: number;
  new: number;
  restored: number;
  /** Moved on Box and here, not inside a moved folder. */
  moved: number;
  /** Moved on Box and changed there, unedited here: Box's copy placed at the new path, the old copy removed. */
  movedAndUpdated: number;
  /** Moved on Box, unedited here, and still at the old path (core/update/movesKept.ts). */
  movesKept: number;
  /** The one such file, when there is exactly one: the message names it and why. */
  moveKept?: MoveKept;
  /** Folders moved on Box and here, each counted once (core/update/folderMoves.ts); their files are not counted apart. */
  folderMoves: number;
  /** Box's files in those folders. */
  folderMoveFiles: number;
  /** The one folder move's old and new paths, when there is exactly one: the message names them. */
  folderMoved?: { from: string; to: string };
  /** Moved folders whose old one is still here, holding files that did not move (an edit of the user's). */
  folderMovesKept: number;
  /** New on Box and already here with the same bytes: recorded, not downloaded. */
  adopted: number;
  /** Deleted on Box, unedited here, moved to the trash after the user said yes. */
  trashed: number;
  /** Deleted on Box and removed: by the core (`delete`, the CLI's `--delete`) or, without a trash, after a yes. */
  removed: number;
  /** Deleted on Box and still here. */
  deletedKept: number;
  /** Deleted on Box and to be removed (`delete`), but changed during the update: kept, judged again next time. */
  removalsKept: number;
  /** The one such file, when there is exactly one: the message names it. */
  removalKept?: string;
  /** Unchanged on Box, edited here: not touched. */
  editedHere: number;
  /** Changed on both sides, the local copy kept. */
  conflictsKept: number;
  /** Changed on both sides, Box's copy taken. */
  conflictsTaken: number;
  /** Box's folders made here (an empty folder on Box appears too). */
  foldersCreated: number;
  /** Folders deleted on Box and removed here (only empty ones, only with `delete`). */
  foldersRemoved: number;
  /** Folders deleted on Box and still here. */
  foldersDeletedKept: number;
}

/**
 * The counts of a finished update. Files the plan meant to write but placing did not (unsaved in an editor,
 * blocked, a SHA-1 that never matched) are left out here: report.ts names them in its notes.
 */
export function updateCounts(
  summary: UpdateSummary,
  notWritten: ReadonlySet<string>,
  trashed: readonly string[],
  deleted: readonly string[] = [],
): UpdateCounts {
  const written = (paths: readonly string[]) => paths.filter((p) => !notWritten.has(p)).length;
  const gone = new Set([...trashed, ...deleted]);
  const rest = outsideFolderMoves(summary);
  const folderMoves = summary.folderMoves;
  return {
    updated: written(summary.updated),
    new: written(rest.new),
    restored: written(summary.restored),
    moved: rest.moved.length,
    movedAndUpdated: rest.movedAndUpdated.filter((m) => !notWritten.has(m.to)).length,
    movesKept: summary.movesKept.length,
    ...(summary.movesKept.length === 1 ? { moveKept: summary.movesKept[0] } : {}),
    folderMoves: folderMoves.length,
    folderMoveFiles: folderMoves.reduce((sum, move) => sum + move.files, 0),
    ...(folderMoves.length === 1
      ? { folderMoved: { from: folderMoves[0].from, to: folderMoves[0].to } }
      : {}),
    folderMovesKept: folderMoves.filter((move) => move.kept).length,
    adopted: rest.adopted.length,
    trashed: trashed.length,
    removed: summary.removed.length + deleted.length,
    deletedKept: summary.deletedOnBoxKept.filter((p) => !gone.has(p)).length,
    removalsKept: summary.removalsKept.length,
    ...(summary.removalsKept.length === 1 ? { removalKept: summary.removalsKept[0] } : {}),
    editedHere: summary.editedHere.length,
    conflictsKept: summary.conflictsKept.length,
    conflictsTaken: written(summary.conflicts.filter((p) => !summary.conflictsKept.includes(p))),
    foldersCreated: rest.foldersCreated.length,
    foldersRemoved: rest.foldersRemoved.length,
    foldersDeletedKept: rest.foldersDeletedOnBoxKept.length,
  };
}

/** Why a file moved on Box is still at its old path. */
function becauseKept(move: MoveKept, l10n: ProgressWords['l10n']): string {
  switch (move.why) {
    case 'yours':
      return l10n.t('a file of yours there was kept');
    case 'unsaved':
      return l10n.t('it is open there with unsaved changes');
    case 'blocked':
      return l10n.t('something is in the way there');
    case 'not-downloaded':
      return l10n.t("Box's copy was not written there");
    case 'old-changed':
      return l10n.t("Box's copy is there; this one changed meanwhile and is yours now");
  }
}

/** True when Box had nothing new since the last pull (local edits and restorations aside). */
export function nothingChangedOnBox(counts: UpdateCounts): boolean {
  return (
    counts.updated +
      counts.new +
      counts.moved +
      counts.movedAndUpdated +
      counts.movesKept +
      counts.folderMoves +
      counts.adopted +
      counts.trashed +
      counts.removed +
      counts.deletedKept +
      counts.removalsKept +
      counts.conflictsKept +
      counts.conflictsTaken +
      counts.foldersCreated +
      counts.foldersRemoved +
      counts.foldersDeletedKept ===
    0
  );
}

/** "Pulled updates of X: 12 updated, 3 new, 1 moved, 2 deleted on Box (kept), 2 edited here (kept)." */
export function describeUpdate(
  counts: UpdateCounts,
  what: string,
  { l10n, language }: ProgressWords,
): string {
  const n = (value: number) => formatCount(value, language);
  const parts: string[] = [];
  if (counts.updated > 0) parts.push(l10n.t('{0} updated', n(counts.updated)));
  if (counts.new > 0) parts.push(l10n.t('{0} new', n(counts.new)));
  if (counts.restored > 0) parts.push(l10n.t('{0} restored', n(counts.restored)));
  if (counts.moved > 0) parts.push(l10n.t('{0} moved', n(counts.moved)));
  if (counts.movedAndUpdated > 0) parts.push(l10n.t('{0} moved and updated', n(counts.movedAndUpdated)));
  // Said like a kept conflict: kept, and why (one is named; several are counted).
  const kept = counts.moveKept;
  if (kept)
    parts.push(l10n.t('{0} kept (moved on Box to {1}: {2})', kept.from, kept.to, becauseKept(kept, l10n)));
  else if (counts.movesKept > 1)
    parts.push(l10n.t('{0} moved on Box (old copies kept)', n(counts.movesKept)));
  if (counts.folderMoves > 0) {
    const files =
      counts.folderMoveFiles === 1 ? l10n.t('1 file') : l10n.t('{0} files', n(counts.folderMoveFiles));
    // One folder is named ("folder docs moved to manuals"); several are counted.
    if (counts.folderMoved)
      parts.push(
        l10n.t('folder {0} moved to {1} ({2})', counts.folderMoved.from, counts.folderMoved.to, files),
      );
    else parts.push(l10n.t('{0} folders moved ({1})', n(counts.folderMoves), files));
  }
  if (counts.folderMovesKept === 1)
    parts.push(
      counts.folderMoved
        ? l10n.t('old folder {0} kept (it still holds files)', counts.folderMoved.from)
        : l10n.t('1 old folder kept (it still holds files)'),
    );
  if (counts.folderMovesKept > 1)
    parts.push(l10n.t('{0} old folders kept (they still hold files)', n(counts.folderMovesKept)));
  if (counts.adopted > 0) parts.push(l10n.t('{0} already matched Box', n(counts.adopted)));
  if (counts.trashed > 0) parts.push(l10n.t('{0} deleted on Box (moved to the trash)', n(counts.trashed)));
  if (counts.removed > 0) parts.push(l10n.t('{0} deleted on Box (removed)', n(counts.removed)));
  if (counts.deletedKept > 0) parts.push(l10n.t('{0} deleted on Box (kept)', n(counts.deletedKept)));
  // Like a move kept: one is named, several are counted.
  if (counts.removalKept)
    parts.push(l10n.t('{0} kept (deleted on Box; it changed during the update)', counts.removalKept));
  else if (counts.removalsKept > 1)
    parts.push(l10n.t('{0} deleted on Box (kept: changed during the update)', n(counts.removalsKept)));
  if (counts.editedHere > 0) parts.push(l10n.t('{0} edited here (kept)', n(counts.editedHere)));
  if (counts.conflictsKept > 0)
    parts.push(l10n.t('{0} changed on both sides (yours kept)', n(counts.conflictsKept)));
  if (counts.conflictsTaken > 0)
    parts.push(l10n.t("{0} changed on both sides (Box's taken)", n(counts.conflictsTaken)));
  // Folders are named as such ("3 new" alone would read as files), each phrase a literal so l10n finds it.
  const f = counts;
  if (f.foldersCreated === 1) parts.push(l10n.t('1 new folder'));
  if (f.foldersCreated > 1) parts.push(l10n.t('{0} new folders', n(f.foldersCreated)));
  if (f.foldersRemoved === 1) parts.push(l10n.t('1 folder deleted on Box (removed)'));
  if (f.foldersRemoved > 1) parts.push(l10n.t('{0} folders deleted on Box (removed)', n(f.foldersRemoved)));
  if (f.foldersDeletedKept === 1) parts.push(l10n.t('1 folder deleted on Box (kept)'));
  if (f.foldersDeletedKept > 1)
    parts.push(l10n.t('{0} folders deleted on Box (kept)', n(f.foldersDeletedKept)));
  const list = parts.join(', ');
  if (nothingChangedOnBox(counts)) {
    const head = l10n.t('Up to date — nothing changed on Box since the last pull of {0}.', what);
    return list ? `${head} ${l10n.t('Here: {0}.', list)}` : head;
  }
  return l10n.t('Pulled updates of {0}: {1}.', what, list);
}
