// Box: Pull Updates. From the Explorer (a folder that holds a state file) or the palette (the workspace's pulled
// folders: one is used at once, several are offered): the same pull again, through the same runner, progress and
// cancel, as an update (core/update) that downloads only what changed.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxClient } from '../../core/box/client';
import { readPullState, STATE_FILE, type PullState } from '../../core/state/pullState';
import type { DownloadOutcome, DownloadRunner } from '../download/downloadRunner';
import type { Failures } from '../failures';
import type { Prompter } from '../prompter';
import type { PulledFolders } from './pulledFolders';

export interface PullUpdatesDependencies {
  runner: DownloadRunner;
  pulled: PulledFolders;
  prompter: Prompter;
  failures: Failures;
  /** The active account's client: a state file names the API origin, not the account (see below). */
  client(): Promise<BoxClient>;
  /** The Box folder's name when known (recent folders). */
  nameOf(folderId: string): string | undefined;
}

export class PullUpdates {
  constructor(private readonly deps: PullUpdatesDependencies) {}

  /** `folder`: the Explorer's folder; none from the palette. Undefined when nothing ran. */
  async run(folder?: vscode.Uri): Promise<DownloadOutcome | undefined> {
    const target = folder ? await this.stateOf(folder) : await this.choose();
    if (!target) return undefined;
    let client: BoxClient;
    try {
      client = await this.deps.client();
    } catch (error) {
      void this.deps.failures.report(vscode.l10n.t('Cannot reach Box.'), error);
      return undefined;
    }
    // A state file belongs to the API origin that pulled it; the current session's address must be the same one
    // (credentials never go elsewhere, and another origin's ids mean nothing here).
    if (client.apiOrigin !== target.state.apiOrigin) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          '{0} was pulled from {1}, but Box Pull is connected to {2}. Connect to {1} to pull its updates.',
          path.basename(target.path),
          target.state.apiOrigin,
          client.apiOrigin,
        ),
      );
      return undefined;
    }
    const uri = vscode.Uri.file(target.path);
    const base = vscode.workspace.getWorkspaceFolder(uri)?.uri ?? uri;
    const name = this.deps.nameOf(target.state.folderId) ?? path.basename(target.path);
    return this.deps.runner.run(
      [{ type: 'folder', id: target.state.folderId, name }],
      { path: target.path, base },
      { update: true },
    );
  }

  private async stateOf(folder: vscode.Uri): Promise<{ path: string; state: PullState } | undefined> {
    const read = await readPullState(folder.fsPath);
    if (read.kind === 'found') return { path: folder.fsPath, state: read.state };
    void vscode.window.showWarningMessage(
      read.kind === 'missing'
        ? vscode.l10n.t(
            '{0} was not pulled from Box (it has no {1}). Download a folder from the Box view first.',
            path.basename(folder.fsPath),
            STATE_FILE,
          )
        : vscode.l10n.t('Cannot pull updates into {0}: {1}.', path.basename(folder.fsPath), read.reason),
    );
    return undefined;
  }

  private async choose(): Promise<{ path: string; state: PullState } | undefined> {
    await this.deps.pulled.refresh();
    const folders = this.deps.pulled.list();
    if (folders.length === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'No folder in this workspace was pulled from Box yet. Download one from the Box view; then Pull Updates brings only what changed.',
        ),
      );
      return undefined;
    }
    if (folders.length === 1) return folders[0];
    return this.deps.prompter.pick({
      id: 'pulledFolder',
      title: vscode.l10n.t('Box: Pull Updates'),
      placeholder: vscode.l10n.t('Which pulled folder should be brought up to date?'),
      items: folders.map((folder) => ({
        label: path.basename(folder.path),
        icon: 'folder',
        description: vscode.workspace.asRelativePath(folder.uri, true),
        detail: vscode.l10n.t(
          'Box folder {0} · last pull {1}',
          this.deps.nameOf(folder.state.folderId) ?? folder.state.folderId,
          new Date(folder.state.pulledAt).toLocaleString(vscode.env.language),
        ),
        value: folder,
      })),
    });
  }
}
