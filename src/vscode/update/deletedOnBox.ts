// Files deleted on Box since the last pull: VS Code asks once, listing them, and moves the unedited ones to the
// trash. Nothing is lost: the question comes after the update (which keeps them all), only files whose bytes are
// still the ones the last pull placed are offered, each is judged again right before it goes, and a file the trash
// refuses stays where it is.
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { readPullState, type StateEntry } from '../../core/state/pullState';
import type { UpdateSummary } from '../../core/update/updatePull';
import { localPath } from '../../core/update/localFiles';
import { sha1OfFile } from '../../core/verify/checksum';
import type { Prompter } from '../prompter';

const LISTED = 10;

/** The paths moved to the trash (empty when there were none, or the user kept them). */
export async function offerToTrashDeleted(
  destination: string,
  summary: UpdateSummary,
  prompter: Prompter,
  logger: Logger,
): Promise<string[]> {
  if (summary.dryRun || summary.deletedOnBoxKept.length === 0) return [];
  // The new state file still records the kept files (the update carries their records): what we placed, and when.
  const read = await readPullState(destination);
  if (read.kind !== 'found') return [];
  const records = new Map(read.state.files.map((entry) => [entry.path, entry]));
  const unedited: StateEntry[] = [];
  for (const relativePath of summary.deletedOnBoxKept) {
    const record = records.get(relativePath);
    if (record && (await unchanged(destination, record))) unedited.push(record);
  }
  if (unedited.length === 0) return [];
  const names = unedited.map((entry) => entry.path);
  const shown = names.slice(0, LISTED).join('\n');
  const more = names.length > LISTED ? `\n${vscode.l10n.t('and {0} more', names.length - LISTED)}` : '';
  const yes = await prompter.confirm({
    id: 'deletedOnBox',
    message:
      names.length === 1
        ? vscode.l10n.t('1 file was deleted on Box and is unchanged here. Move it to the trash?')
        : vscode.l10n.t(
            '{0} files were deleted on Box and are unchanged here. Move them to the trash?',
            names.length,
          ),
    detail: `${shown}${more}\n\n${vscode.l10n.t('Files you edited are always kept.')}`,
    confirmLabel: vscode.l10n.t('Move to Trash'),
  });
  if (!yes) {
    logger.info(`Kept ${names.length} files deleted on Box (the user chose to keep them)`);
    return [];
  }
  const trashed: string[] = [];
  for (const record of unedited) {
    const file = localPath(destination, record.path);
    // Edited while the question was open: it is the user's now.
    if (!(await unchanged(destination, record))) {
      logger.info(`Kept ${record.path}: edited after the question`);
      continue;
    }
    try {
      await vscode.workspace.fs.delete(vscode.Uri.file(file), { useTrash: true, recursive: false });
      trashed.push(record.path);
      logger.info(`Moved to the trash (deleted on Box): ${record.path}`);
    } catch (error) {
      // Never deleted for good: without a trash the file stays.
      logger.warn(`Kept ${record.path}: the trash refused it (${String(error)})`);
    }
  }
  return trashed;
}

/** The local file is still the one the last pull placed: same stat, or else the same SHA-1. */
async function unchanged(destination: string, record: StateEntry): Promise<boolean> {
  const file = localPath(destination, record.path);
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat?.isFile()) return false;
  if (stat.size === record.localSize && stat.mtimeMs === record.localMtimeMs) return true;
  if (stat.size !== record.size) return false;
  const sha1 = await sha1OfFile(file).catch(() => undefined);
  return sha1 === record.sha1;
}
