// The workspace's folders pulled from Box: those that hold a state file (`.box-pull.json`). Kept current on
// activation, after every pull and by a watcher, and published as the `boxPull.pulledFolders` context key (the
// Explorer's `resourcePath in boxPull.pulledFolders` shows Box: Pull Updates) and as an event (the badges).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { readPullState, STATE_FILE, type PullState } from '../../core/state/pullState';
import { ContextKeys } from '../constants';

export interface PulledFolder {
  /** The local folder's absolute path. */
  path: string;
  uri: vscode.Uri;
  state: PullState;
}

export class PulledFolders implements vscode.Disposable {
  private folders = new Map<string, PulledFolder>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri[]>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private refreshing: Promise<void> = Promise.resolve();
  /** Fires with the folders whose state appeared, changed or went away. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly logger: Logger) {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${STATE_FILE}`);
    const again = (): void => void this.refresh();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(again),
      watcher.onDidChange(again),
      watcher.onDidDelete(again),
      vscode.workspace.onDidChangeWorkspaceFolders(again),
    );
  }

  /** Scans the workspace again; concurrent calls run one after the other, so the last scan wins. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing
      .then(() => this.scan())
      .catch((error: unknown) => {
        this.logger.warn(`Could not look for pulled folders: ${String(error)}`);
      });
    return this.refreshing;
  }

  list(): PulledFolder[] {
    return [...this.folders.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  get(folder: vscode.Uri): PulledFolder | undefined {
    return this.folders.get(folder.fsPath);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }

  private async scan(): Promise<void> {
    const files = await vscode.workspace.findFiles(`**/${STATE_FILE}`);
    const found = new Map<string, PulledFolder>();
    for (const file of files.filter((uri) => uri.scheme === 'file')) {
      const folder = path.dirname(file.fsPath);
      // A corrupt or foreign file is no pulled folder: the update would find nothing it can trust.
      const read = await readPullState(folder);
      if (read.kind === 'found')
        found.set(folder, { path: folder, uri: vscode.Uri.file(folder), state: read.state });
    }
    const touched = [...new Set([...found.keys(), ...this.folders.keys()])].filter(
      (folder) => found.get(folder)?.state.pulledAt !== this.folders.get(folder)?.state.pulledAt,
    );
    this.folders = found;
    // `resourcePath` is the file system path of the Explorer's item.
    await vscode.commands.executeCommand('setContext', ContextKeys.pulledFolders, [...found.keys()]);
    if (touched.length > 0) this.changed.fire(touched.map((folder) => vscode.Uri.file(folder)));
  }
}
