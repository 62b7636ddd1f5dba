// Box folders downloaded recently, per Box account (kept in globalState so every window and workspace sees them).
import type * as vscode from 'vscode';

export interface RecentFolder {
  id: string;
  name: string;
}

const MAX_RECENT = 10;

export class RecentFolders {
  constructor(private readonly state: vscode.Memento) {}

  list(accountId: string): RecentFolder[] {
    const stored = this.state.get<RecentFolder[]>(key(accountId), []);
    return Array.isArray(stored) ? stored.filter((folder) => folder && folder.id && folder.name) : [];
  }

  async add(accountId: string, folder: RecentFolder): Promise<void> {
    const others = this.list(accountId).filter((known) => known.id !== folder.id);
    await this.state.update(
      key(accountId),
      [{ id: folder.id, name: folder.name }, ...others].slice(0, MAX_RECENT),
    );
  }

  /** Drops the account's recent folders (at sign-out: folder ids and names are the account's). */
  async forget(accountId: string): Promise<void> {
    await this.state.update(key(accountId), undefined);
  }
}

function key(accountId: string): string {
  return `boxPull.recentFolders.${accountId}`;
}
