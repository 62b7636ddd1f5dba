// The words of an update (core/update): one line of counts, then what the user must know path by path.
import type { UpdateSummary } from '../core/update/updatePull';
import { outsideFolderMoves } from '../core/update/folderMoves';
import type { MoveKept } from '../core/update/movesKept';

export function updateLines(update: UpdateSummary, destination: string): string[] {
  // A moved folder is one count; its files and its two folders are not counted again (folderMoves.ts).
  const rest = outsideFolderMoves(update);
  const folderMoves = update.folderMoves;
  const movedFiles = folderMoves.reduce((sum, move) => sum + move.files, 0);
  const keptOld = folderMoves.filter((move) => move.kept).length;
  const counts: [number, string][] = [
    [update.updated.length, 'updated'],
    [rest.new.length, 'new'],
    [update.restored.length, 'restored'],
    [rest.adopted.length, 'already here'],
    [rest.moved.length, 'moved'],
    [rest.movedAndUpdated.length, 'moved and updated'],
    [update.movesKept.length, `moved on Box (old ${update.movesKept.length === 1 ? 'copy' : 'copies'} kept)`],
    [folderMoves.length, `${folderMoves.length === 1 ? 'folder' : 'folders'} moved (${files(movedFiles)})`],
    [keptOld, `old ${keptOld === 1 ? 'folder' : 'folders'} kept (still holding files)`],
    [update.removed.length, 'deleted on Box (removed)'],
    [update.deletedOnBoxKept.length, 'deleted on Box (kept)'],
    [update.removalsKept.length, 'deleted on Box (kept: changed during the update)'],
    [update.editedHere.length, 'edited here (kept)'],
    [update.conflicts.length, 'changed on both sides'],
    [rest.foldersCreated.length, rest.foldersCreated.length === 1 ? 'folder made' : 'folders made'],
    [rest.foldersRemoved.length, 'empty folders deleted on Box (removed)'],
    [rest.foldersDeletedOnBoxKept.length, 'folders deleted on Box (kept)'],
  ];
  const said = counts.filter(([n]) => n > 0).map(([n, words]) => `${n} ${words}`);
  const head = update.dryRun ? `Would update ${destination}:` : `Updated ${destination}:`;
  const lines = [
    `${head} ${said.length ? said.join(', ') : 'nothing changed'}; ${update.unchanged} unchanged.`,
  ];
  if (update.withoutState) lines.push('No usable state file: local files were compared with Box by SHA-1.');
  const list = (verb: string, paths: readonly string[]) => paths.forEach((p) => lines.push(`${verb}: ${p}`));
  for (const move of folderMoves) {
    const how = move.downloaded > 0 ? `; ${move.moved} moved, ${move.downloaded} downloaded` : '';
    lines.push(
      `${update.dryRun ? 'Move folder' : 'Moved folder'}: ${move.from} → ${move.to} (${files(move.files)}${how})`,
    );
  }
  if (update.dryRun) {
    list('Download (changed on Box)', update.updated);
    // A moved folder's files downloaded (the copy here edited) are named too: a dry run names every download.
    list('Download (new)', update.new);
    list('Download (deleted here)', update.restored);
    rest.moved.forEach((m) => lines.push(`Move: ${m.from} → ${m.to}`));
    // Named even inside a moved folder, as its other downloads are: the old copy goes once the new one is placed.
    update.movedAndUpdated.forEach((m) =>
      lines.push(`Download and move (moved and changed on Box): ${m.from} → ${m.to}`),
    );
    list('Delete (deleted on Box)', update.removed);
    list('Delete (folder deleted on Box)', rest.foldersRemoved);
  } else list('Restored (deleted here)', update.restored);
  for (const move of folderMoves.filter((m) => m.kept)) {
    const shown =
      move.left.slice(0, 3).join(', ') + (move.left.length > 3 ? ` and ${move.left.length - 3} more` : '');
    const held = move.left.length > 0 ? `still holds ${shown}` : 'not empty';
    lines.push(`Kept (folder moved on Box, ${held}): ${move.from}`);
  }
  for (const move of update.movesKept)
    lines.push(`Kept (moved on Box to ${move.to}; ${becauseKept(move)}): ${move.from}`);
  list('Kept (folder deleted on Box)', rest.foldersDeletedOnBoxKept);
  list('Kept (deleted on Box)', update.deletedOnBoxKept);
  // Not removed after all: judged again next update (still recorded).
  list('Kept (deleted on Box; it changed during the update)', update.removalsKept);
  list(update.dryRun ? 'Conflict (changed on both sides)' : 'Conflict', update.conflicts);
  list('Conflict kept as it is here', update.dryRun ? [] : update.conflictsKept);
  return lines;
}

/** Why a file moved on Box is still at its old path (movesKept.ts). */
function becauseKept(move: MoveKept): string {
  switch (move.why) {
    case 'yours':
      return 'a file of yours there was kept';
    case 'unsaved':
      return 'it is open there with unsaved changes';
    case 'blocked':
      return move.reason ?? 'it could not be written there';
    case 'not-downloaded':
      return "Box's copy was not written there";
    case 'old-changed':
      return "Box's copy is there; this one changed meanwhile and is yours now";
  }
}

function files(n: number): string {
  return n === 1 ? '1 file' : `${n} files`;
}
