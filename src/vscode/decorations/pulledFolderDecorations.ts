// A small "B" on folders pulled from Box in the Explorer, with a tooltip naming the Box folder and the last pull.
// Redrawn whenever a state file appears, changes or goes away (PulledFolders' event).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PulledFolder, PulledFolders } from '../update/pulledFolders';

export const PULLED_BADGE = 'B';

export class PulledFolderDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[]>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeFileDecorations = this.changed.event;

  /** `nameOf` gives the Box folder's name when it is known (recent folders); the local name stands in otherwise. */
  constructor(
    private readonly folders: PulledFolders,
    private readonly nameOf: (folderId: string) => string | undefined,
  ) {
    this.subscription = folders.onDidChange((uris) => this.changed.fire(uris));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file') return undefined;
    const folder = this.folders.get(uri);
    if (!folder) return undefined;
    // Not propagated: the files inside are the user's, the badge marks the pull's root only.
    return new vscode.FileDecoration(PULLED_BADGE, pulledTooltip(folder, this.nameOf(folder.state.folderId)));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export function pulledTooltip(folder: PulledFolder, boxName: string | undefined): string {
  const { state } = folder;
  const name = boxName ?? path.basename(folder.path);
  const when = new Date(state.pulledAt);
  const date = Number.isNaN(when.getTime()) ? state.pulledAt : when.toLocaleString(vscode.env.language);
  return vscode.l10n.t('Pulled from Box: {0} (id {1}), last pull {2}', name, state.folderId, date);
}
