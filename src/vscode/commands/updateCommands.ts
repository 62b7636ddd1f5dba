// Box: Pull Updates, from the Explorer's context menu of a pulled folder (the clicked folder arrives) or the
// palette (none does). Returns the outcome, which is what the integration tests assert on.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { DownloadOutcome } from '../download/downloadRunner';
import type { PullUpdates } from '../update/pullUpdates';

export function registerUpdateCommands(updates: PullUpdates): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      Commands.pullUpdates,
      (folder?: unknown): Promise<DownloadOutcome | undefined> =>
        updates.run(folder instanceof vscode.Uri ? folder : undefined),
    ),
  ];
}
