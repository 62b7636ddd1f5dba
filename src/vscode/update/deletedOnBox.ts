// Files deleted on Box since the last pull: VS Code asks once, listing them, and moves the unedited ones to the
// trash. Nothing is lost: the question comes after the update (which keeps them all), only files whose bytes are
// still the ones the last pull placed are offered, and each is judged again right before it goes. Where there is no
// trash (a window on a server) the question says "Delete" instead, and a file the trash refuses is deleted only
// after a second question that says so.
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { readPullState, type StateEntry } from '../../core/state/pullState';
import type { UpdateSummary } from '../../core/update/updatePull';
import { localPath } from '../../core/localStats';
import { sha1OfFile } from '../../core/verify/checksum';
import type { Prompter } from '../prompter';

const LISTED = 10;

export interface DeletedOnBoxOutcome {
  /** Moved to the trash. */
  trashed: string[];
  /** Deleted for good, after a question that said so (no trash where the files are). */
  deleted: string[];
}

/** Empty lists when there were none, or the user kept them. */
export async function offerToTrashDeleted(
  destination: string,
  summary: UpdateSummary,
  prompter: Prompter,
  logger: Logger,
): Promise<DeletedOnBoxOutcome> {
  const outcome: DeletedOnBoxOutcome = { trashed: [], deleted: [] };
  if (summary.dryRun || summary.deletedOnBoxKept.length === 0) return outcome;
  // The new state file still records the kept files (the update carries their records): what we placed, and when.
  const read = await readPullState(destination);
  if (read.kind !== 'found') return outcome;
  const records = new Map(read.state.files.map((entry) => [entry.path, entry]));
  const unedited: StateEntry[] = [];
  for (const relativePath of summary.deletedOnBoxKept) {
    const record = records.get(relativePath);
    if (record && (await unchanged(destination, record))) unedited.push(record);
  }
  if (unedited.length === 0) return outcome;
  // A window on a server (code-server, Remote - SSH, WSL) has no trash for the server's files: the first question
  // says so, rather than a second one after a failed try.
  const trash = vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined;
  if (!(await ask(prompter, unedited, trash ? 'trash' : 'delete'))) {
    logger.info(`Kept ${unedited.length} files deleted on Box (the user chose to keep them)`);
    return outcome;
  }
  const refused: StateEntry[] = [];
  for (const record of await stillUnchanged(destination, unedited, logger)) {
    const uri = vscode.Uri.file(localPath(destination, record.path));
    try {
      await vscode.workspace.fs.delete(uri, { useTrash: trash, recursive: false });
      (trash ? outcome.trashed : outcome.deleted).push(record.path);
      logger.info(`${trash ? 'Moved to the trash' : 'Deleted'} (deleted on Box): ${record.path}`);
    } catch (error) {
      logger.warn(`Could not ${trash ? 'move to the trash' : 'delete'} ${record.path}: ${String(error)}`);
      if (trash) refused.push(record);
    }
  }
  // Never deleted for good without a yes that said so.
  if (refused.length > 0 && (await ask(prompter, refused, 'refused'))) {
    for (const record of await stillUnchanged(destination, refused, logger)) {
      try {
        await vscode.workspace.fs.delete(vscode.Uri.file(localPath(destination, record.path)));
        outcome.deleted.push(record.path);
        logger.info(`Deleted (deleted on Box, the trash refused it): ${record.path}`);
      } catch (error) {
        logger.warn(`Kept ${record.path}: ${String(error)}`);
      }
    }
  }
  return outcome;
}

/** One question listing the files. `refused`: the trash refused them, and the question is now to delete. */
function ask(prompter: Prompter, files: StateEntry[], how: 'trash' | 'delete' | 'refused'): Promise<boolean> {
  const names = files.map((entry) => entry.path);
  const shown = names.slice(0, LISTED).join('\n');
  const more = names.length > LISTED ? `\n${vscode.l10n.t('and {0} more', names.length - LISTED)}` : '';
  const one = names.length === 1;
  const message =
    how === 'trash'
      ? one
        ? vscode.l10n.t('1 file was deleted on Box and is unchanged here. Move it to the trash?')
        : vscode.l10n.t(
            '{0} files were deleted on Box and are unchanged here. Move them to the trash?',
            names.length,
          )
      : how === 'delete'
        ? one
          ? vscode.l10n.t('1 file was deleted on Box and is unchanged here. Delete it?')
          : vscode.l10n.t('{0} files were deleted on Box and are unchanged here. Delete them?', names.length)
        : vscode.l10n.t('The trash refused {0} of them. Delete them for good?', names.length);
  const why =
    how === 'trash'
      ? vscode.l10n.t('Files you edited are always kept.')
      : vscode.l10n.t(
          'There is no trash for these files here. They are as Box had them, and Box keeps deleted files in its own trash. Files you edited are always kept.',
        );
  return prompter.confirm({
    id: how === 'refused' ? 'deletedOnBoxForGood' : 'deletedOnBox',
    message,
    detail: `${shown}${more}\n\n${why}`,
    confirmLabel: how === 'trash' ? vscode.l10n.t('Move to Trash') : vscode.l10n.t('Delete'),
  });
}

/** Those still unedited: one edited while the question was open is the user's now. */
async function stillUnchanged(
  destination: string,
  files: StateEntry[],
  logger: Logger,
): Promise<StateEntry[]> {
  const kept: StateEntry[] = [];
  for (const record of files) {
    if (await unchanged(destination, record)) kept.push(record);
    else logger.info(`Kept ${record.path}: edited after the question`);
  }
  return kept;
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
