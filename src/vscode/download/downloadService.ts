// The two ways into a download: items picked in the tree, or a folder chosen in the palette's picker. Both ask for
// the destination, run the pull, and remember the folder among the recent ones.
import * as vscode from 'vscode';
import type { BoxClient } from '../../core/box/client';
import type { SessionManager } from '../auth/sessionManager';
import type { Prompter } from '../prompter';
import { chooseDestination } from './destination';
import type { DownloadItem } from './destinationRules';
import type { DownloadOutcome, DownloadRunner } from './downloadRunner';
import { pickBoxItem } from './folderPicker';
import type { RecentFolders } from './recentFolders';
import type { Failures } from '../failures';

export interface DownloadServiceDependencies {
  sessions: SessionManager;
  runner: DownloadRunner;
  prompter: Prompter;
  recent: RecentFolders;
  workspaceState: vscode.Memento;
  failures: Failures;
}

export class DownloadService {
  constructor(private readonly deps: DownloadServiceDependencies) {}

  /** Asks where to put `items`, then downloads them. Undefined when the user backed out. */
  async download(items: DownloadItem[]): Promise<DownloadOutcome | undefined> {
    if (items.length === 0) return undefined;
    const destination = await chooseDestination(items, this.deps.prompter, this.deps.workspaceState);
    if (!destination) return undefined;
    // The account whose session runs the download: another may be switched to before it ends.
    const account = this.deps.sessions.activeAccount;
    const outcome = await this.deps.runner.run(items, destination);
    if (outcome.status === 'completed' && account) await this.remember(account.id, items);
    return outcome;
  }

  /** The palette flow: pick a Box folder (browse, paste, recent), then download it. */
  async pickAndDownload(): Promise<DownloadOutcome | undefined> {
    try {
      await this.deps.sessions.client(); // signed out: say so (with a Sign In button) instead of an empty picker
    } catch (error) {
      void this.deps.failures.report(vscode.l10n.t('Cannot reach Box.'), error);
      return undefined;
    }
    const account = this.deps.sessions.activeAccount;
    const item = await pickBoxItem({
      client: (): Promise<BoxClient> => this.deps.sessions.client(),
      prompter: this.deps.prompter,
      recent: () => (account ? this.deps.recent.list(account.id) : []),
      onError: (message, error) => void this.deps.failures.report(message, error),
    });
    return item ? this.download([item]) : undefined;
  }

  /** After a successful download: its folders become recent folders of the account that downloaded them. */
  private async remember(accountId: string, items: DownloadItem[]): Promise<void> {
    for (const item of items) {
      // A shared link's folder is not the account's: reopening it by id alone would fail.
      if (item.type === 'folder' && item.id !== '0' && !item.sharedLink)
        await this.deps.recent.add(accountId, { id: item.id, name: item.name });
    }
  }
}
