// The one list of files that differ from Box's: a multi-select quick pick where a checked row takes Box's copy and an
// unchecked one keeps the local file (nothing checked: Keep mine, the safe default), each row shows Box's and the
// local size and date, and a Compare button opens the diff editor (local ↔ Box, Box's side read-only). "Take Box's
// to all" and "Keep mine to all" answer at once; Escape cancels the pull with nothing changed.
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { FileConflict, FileFacts } from '../../core/place/conflictPolicy';
import { formatBytes } from '../../core/pull/progress';
import { boxFileUri } from '../open/boxFileUri';
import type { BoxClient } from '../../core/box/client';
import { describeFailure } from '../../core/failureText';
import { readFileBytes } from '../../core/open/fileBytes';

export interface ConflictListRequest {
  id: 'conflicts';
  conflicts: FileConflict[];
  /** Opens the diff editor for one conflict (the list's Compare button). */
  compare(conflict: FileConflict): Thenable<void>;
}

/** Box's staged copies, shown read-only: a content provider's documents cannot be edited or saved. */
export const STAGED_SCHEME = 'box-pull-staged';

/** Box's copies fetched for Compare through a shared link, by URI, held until their pull ends. */
const linkCopies = new Map<string, string>();

export function registerStagedContent(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(STAGED_SCHEME, {
    async provideTextDocumentContent(uri) {
      const held = linkCopies.get(uri.toString());
      if (held !== undefined) return held;
      // The staging folder is removed once the pull ends; a diff reopened later says so instead of failing.
      return fs.promises
        .readFile(uri.fsPath, 'utf8')
        .catch(() => vscode.l10n.t('(Box’s copy is no longer available: the download has ended.)'));
    },
  });
}

/**
 * Opens `vscode.diff` with the local file on the left and Box's copy (read-only) on the right: the staged copy when
 * asked after the download, else (asked before it) Box's file by content through the `box-pull:` file system,
 * fetched for this one file only.
 */
export async function compareConflict(conflict: FileConflict): Promise<void> {
  const box = boxSide(conflict);
  if (box === undefined) return;
  await openDiff(conflict, box);
}

/**
 * Compare for a pull through a shared link: the signed-in user may not see the link's files, so the `box-pull:`
 * file system (the signed-in client) cannot serve Box's side before the download. This fetches it with the
 * link-bound client instead, and holds it until `dispose` (the pull's end).
 */
export function linkComparer(client: BoxClient): {
  compare(conflict: FileConflict): Promise<void>;
  dispose(): void;
} {
  const held: string[] = [];
  return {
    async compare(conflict) {
      if (conflict.incomingPath !== undefined || conflict.box === undefined) return compareConflict(conflict);
      const id = conflict.box.id;
      const uri = vscode.Uri.from({ scheme: STAGED_SCHEME, path: `/link/${id}/${conflict.relativePath}` });
      try {
        const { bytes } = await readFileBytes((signal) => client.openFileContent(id, { signal }));
        linkCopies.set(uri.toString(), Buffer.from(bytes).toString('utf8'));
        held.push(uri.toString());
      } catch (error) {
        void vscode.window.showErrorMessage(
          vscode.l10n.t(
            'Box’s copy of {0} could not be fetched: {1}',
            conflict.relativePath,
            describeFailure(error, 'file'),
          ),
        );
        return;
      }
      await openDiff(conflict, uri);
    },
    dispose() {
      for (const key of held.splice(0)) linkCopies.delete(key);
    },
  };
}

async function openDiff(conflict: FileConflict, box: vscode.Uri): Promise<void> {
  const local = vscode.Uri.file(conflict.destinationPath);
  const title = vscode.l10n.t('{0} (yours ↔ Box)', path.basename(conflict.relativePath));
  await vscode.commands.executeCommand('vscode.diff', local, box, title, {
    preview: true,
    preserveFocus: true,
  });
}

function boxSide(conflict: FileConflict): vscode.Uri | undefined {
  if (conflict.incomingPath !== undefined)
    return vscode.Uri.file(conflict.incomingPath).with({ scheme: STAGED_SCHEME });
  if (conflict.box === undefined) return undefined;
  const segments = conflict.relativePath.split('/');
  return boxFileUri({
    id: conflict.box.id,
    folders: segments.slice(0, -1),
    name: segments.at(-1) ?? '',
    version: conflict.box.sha1 ?? '',
    size: conflict.incoming?.size ?? 0,
    mtime: conflict.incoming?.modifiedMs ?? 0,
  });
}

export function describeFacts(conflict: FileConflict): string {
  return vscode.l10n.t('Box: {0} · Yours: {1}', facts(conflict.incoming), facts(conflict.existing));
}

function facts(value: FileFacts | undefined): string {
  if (value === undefined) return '?';
  return `${formatBytes(value.size)}, ${new Date(value.modifiedMs).toLocaleString()}`;
}

interface Row extends vscode.QuickPickItem {
  conflict: FileConflict;
}

/** The relative paths to replace (empty: keep all), or undefined when the list was closed (cancel the pull). */
export function showConflictList(request: ConflictListRequest): Promise<ReadonlySet<string> | undefined> {
  const compare: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('diff'),
    tooltip: vscode.l10n.t('Compare'),
  };
  const takeAll: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('cloud-download'),
    tooltip: vscode.l10n.t('Take Box’s to all'),
  };
  const keepAll: vscode.QuickInputButton = {
    iconPath: new vscode.ThemeIcon('shield'),
    tooltip: vscode.l10n.t('Keep mine to all'),
  };
  const quickPick = vscode.window.createQuickPick<Row>();
  quickPick.canSelectMany = true;
  quickPick.ignoreFocusOut = true; // Compare opens an editor: the list must stay.
  quickPick.matchOnDescription = true;
  const count = request.conflicts.length;
  // The two choices in the title, where they are read first; the title bar's buttons answer "… to all".
  quickPick.title =
    count === 1
      ? vscode.l10n.t('1 file differs from Box’s — checked: Take Box’s · unchecked: Keep mine')
      : vscode.l10n.t('{0} files differ from Box’s — checked: Take Box’s · unchecked: Keep mine', count);
  quickPick.placeholder = vscode.l10n.t('Enter: go on (Keep mine by default) · Esc: Cancel, nothing changed');
  quickPick.buttons = [takeAll, keepAll];
  quickPick.items = request.conflicts.map((conflict) => ({
    label: conflict.relativePath,
    description: describeFacts(conflict),
    buttons: [compare],
    conflict,
  }));
  quickPick.selectedItems = [];
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ReadonlySet<string> | undefined) => {
      if (settled) return;
      settled = true;
      quickPick.dispose();
      resolve(result);
    };
    quickPick.onDidTriggerItemButton(({ item }) => void request.compare(item.conflict));
    quickPick.onDidTriggerButton((button) =>
      finish(new Set(button === takeAll ? request.conflicts.map((conflict) => conflict.relativePath) : [])),
    );
    quickPick.onDidAccept(() =>
      finish(new Set(quickPick.selectedItems.map((row) => row.conflict.relativePath))),
    );
    quickPick.onDidHide(() => finish(undefined));
    quickPick.show();
  });
}
