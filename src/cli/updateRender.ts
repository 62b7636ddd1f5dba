// The words of an update (core/update): one line of counts, then what the user must know path by path.
import type { UpdateSummary } from '../core/update/updatePull';

export function updateLines(update: UpdateSummary, destination: string): string[] {
  const counts: [number, string][] = [
    [update.updated.length, 'updated'],
    [update.new.length, 'new'],
    [update.restored.length, 'restored'],
    [update.adopted.length, 'already here'],
    [update.moved.length, 'moved'],
    [update.removed.length, 'deleted on Box (removed)'],
    [update.deletedOnBoxKept.length, 'deleted on Box (kept)'],
    [update.editedHere.length, 'edited here (kept)'],
    [update.conflicts.length, 'changed on both sides'],
    [update.foldersCreated.length, update.foldersCreated.length === 1 ? 'folder made' : 'folders made'],
    [update.foldersRemoved.length, 'empty folders deleted on Box (removed)'],
    [update.foldersDeletedOnBoxKept.length, 'folders deleted on Box (kept)'],
  ];
  const said = counts.filter(([n]) => n > 0).map(([n, words]) => `${n} ${words}`);
  const head = update.dryRun ? `Would update ${destination}:` : `Updated ${destination}:`;
  const lines = [
    `${head} ${said.length ? said.join(', ') : 'nothing changed'}; ${update.unchanged} unchanged.`,
  ];
  if (update.withoutState) lines.push('No usable state file: local files were compared with Box by SHA-1.');
  const list = (verb: string, paths: readonly string[]) => paths.forEach((p) => lines.push(`${verb}: ${p}`));
  if (update.dryRun) {
    list('Download (changed on Box)', update.updated);
    list('Download (new)', update.new);
    list('Download (deleted here)', update.restored);
    update.moved.forEach((m) => lines.push(`Move: ${m.from} → ${m.to}`));
    list('Delete (deleted on Box)', update.removed);
    list('Delete (folder deleted on Box)', update.foldersRemoved);
  } else list('Restored (deleted here)', update.restored);
  list('Kept (folder deleted on Box)', update.foldersDeletedOnBoxKept);
  list('Kept (deleted on Box)', update.deletedOnBoxKept);
  list(update.dryRun ? 'Conflict (changed on both sides)' : 'Conflict', update.conflicts);
  list('Conflict kept as it is here', update.dryRun ? [] : update.conflictsKept);
  return lines;
}
