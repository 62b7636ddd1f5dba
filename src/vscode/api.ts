// What `activate()` returns. It exists for the integration tests, which run in the same extension host:
// they answer prompts with a scripted Prompter, read the tree through its data provider, and watch downloads.
// Nothing here is meant for other extensions; it may change without notice, and an installed (Production mode)
// extension returns undefined instead: only development and test hosts get it.
import type * as vscode from 'vscode';
import type { PullProgress } from '../core/pull/progress';
import type { Prompter } from './prompter';
import type { BoxTreeNode } from './tree/nodes';

export interface BoxPullTestApi {
  /** Resolves when the signed-in state is known and the BOX_PULL_DEV_TOKEN bootstrap (if any) has finished. */
  readonly ready: Promise<void>;
  /** How long `activate()` itself took, in milliseconds (recorded, not asserted). */
  readonly activationMs: number;
  /** Replaces every question the extension asks; `undefined` restores VS Code's dialogs. */
  setPrompterForTests(prompter: Prompter | undefined): void;
  readonly tree: {
    readonly provider: vscode.TreeDataProvider<BoxTreeNode>;
    /** Rows per page of the Box tree (default 200); takes effect at the next refresh. */
    setPageSize(size: number): void;
    /** How long an expand waits for Box before its error row (default 30 s). */
    setListingTimeout(ms: number): void;
  };
  readonly downloads: {
    /** Fires when a download starts, reports progress, or ends. */
    readonly onDidChange: vscode.Event<void>;
    list(): {
      id: number;
      label: string;
      destination: string;
      progress?: PullProgress;
      /** The notification's message for the same progress. */
      notification?: string;
    }[];
    /** The status bar item's text, `undefined` when it is hidden. */
    statusBarText(): string | undefined;
  };
  /** Where VS Code writes this extension's logs (the "Box Pull" channel's file is under it). */
  readonly logUri: vscode.Uri;
  readonly openFile: {
    /** Files larger than this ask before they open (default 50 MB). */
    setConfirmAboveBytes(bytes: number): void;
  };
  /** The Box view's description (the account in use). */
  viewDescription(): string | undefined;
  /** The workspace's folders pulled from Box (those holding `.box-pull.json`), as the context key has them. */
  readonly pulledFolders: {
    /** Looks again (the watcher does so too, a moment later). */
    refresh(): Promise<void>;
    /** The `boxPull.pulledFolders` context key's value: absolute paths. */
    list(): string[];
    /** What the Explorer's decoration provider gives for `uri`. */
    decoration(uri: vscode.Uri): { badge?: string; tooltip?: string } | undefined;
  };
  /** The active Box account, if any. */
  account(): { id: string; name: string; kind: string } | undefined;
}
