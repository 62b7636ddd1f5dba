// Composition root: builds the VS Code adapters, hands them to each other, registers what must be disposed.
// Activation does no network and loads no network or archive code (see src/vscode/heavy.ts); reading the stored
// sessions and the BOX_PULL_DEV_TOKEN bootstrap run afterwards, behind `ready`.
import * as vscode from 'vscode';
import type { BoxPullTestApi } from './vscode/api';
import { registerStagedContent } from './vscode/download/conflictList';
import { BoxAuthenticationProvider } from './vscode/auth/authProvider';
import { SessionManager } from './vscode/auth/sessionManager';
import { bootstrapFromEnvironment, SignInFlows } from './vscode/auth/signInFlows';
import { SignOut } from './vscode/auth/signOut';
import { registerAccountCommands } from './vscode/commands/accountCommands';
import { registerAuthCommands } from './vscode/commands/authCommands';
import { registerDownloadCommands } from './vscode/commands/downloadCommands';
import { registerRunningDownloadsCommands } from './vscode/commands/runningDownloadsCommands';
import { registerLinkCommands } from './vscode/commands/linkCommands';
import { registerOpenFileCommands } from './vscode/commands/openFileCommands';
import { registerLogCommands } from './vscode/commands/logCommands';
import { registerFindCommands } from './vscode/commands/findCommands';
import { registerWalkthroughCommands } from './vscode/commands/walkthroughCommands';
import { registerTreeCommands } from './vscode/commands/treeCommands';
import { registerUpdateCommands } from './vscode/commands/updateCommands';
import { PulledFolderDecorations } from './vscode/decorations/pulledFolderDecorations';
import { PulledFolders } from './vscode/update/pulledFolders';
import { PullUpdates } from './vscode/update/pullUpdates';
import { honouredEnvironment } from './vscode/config';
import { Connection } from './vscode/connection';
import { VIEW_ID } from './vscode/constants';
import { DownloadRunner } from './vscode/download/downloadRunner';
import { DownloadService } from './vscode/download/downloadService';
import { RecentFolders } from './vscode/download/recentFolders';
import { Failures } from './vscode/failures';
import { createExtensionLog } from './vscode/log';
import { FileOpener } from './vscode/open/fileOpener';
import { DownloadTracker } from './vscode/progress/downloadTracker';
import { DownloadStatusBar } from './vscode/progress/statusBar';
import { SwitchablePrompter, VsCodePrompter } from './vscode/prompter';
import { BoxTreeProvider } from './vscode/tree/boxTreeProvider';
import type { BoxTreeNode } from './vscode/tree/nodes';

export function activate(context: vscode.ExtensionContext): BoxPullTestApi | undefined {
  const started = performance.now();
  const log = createExtensionLog();
  const { logger } = log;
  // BOX_PULL_API_URL and BOX_PULL_DEV_TOKEN steer development and test hosts only, never an installed extension.
  const environment = honouredEnvironment(context.extensionMode);
  const connection = new Connection(logger, environment);
  const prompter = new SwitchablePrompter(new VsCodePrompter());
  context.subscriptions.push(registerStagedContent());
  const sessions = new SessionManager(
    context.secrets,
    connection,
    context.globalStorageUri.fsPath,
    logger,
    log.addSecret,
  );
  const flows = new SignInFlows(sessions, connection, prompter, context.secrets, logger);
  const failures = new Failures(sessions, logger);

  const ready = sessions
    .start(() => bootstrapFromEnvironment(sessions, logger, environment))
    .catch((error: unknown) => logger.error('Could not read the stored Box sessions', error));

  const tree = new BoxTreeProvider({
    client: () => sessions.client(),
    isSignedIn: async () => {
      await ready;
      // A session issued by another server than the one the settings name counts as signed out.
      return sessions.signedInAccount !== undefined;
    },
    failures,
    logger,
  });
  const treeView = vscode.window.createTreeView<BoxTreeNode>(VIEW_ID, {
    treeDataProvider: tree,
    canSelectMany: true,
    showCollapseAll: true,
  });
  const describeAccount = () => {
    const account = sessions.activeAccount;
    const label = account ? (account.login ?? account.name) : undefined;
    treeView.description = label;
    // Alone in its container (the default), the view's header merges into the side bar's title, which shows the
    // title ("Box: <title>") but never the description: the title names the account too (by its shorter name).
    treeView.title = account?.name ?? vscode.l10n.t('Box');
  };
  void ready.then(() => {
    describeAccount();
    failures.explainOriginChange();
  });

  const tracker = new DownloadTracker();
  const statusBar = new DownloadStatusBar(tracker);
  const recent = new RecentFolders(context.globalState);
  const signOut = new SignOut(sessions, prompter, context.secrets, recent, logger);
  const pulled = new PulledFolders(logger);
  void pulled.refresh();
  // The Box folder's name, when this account downloaded it (the state file records its id only).
  const boxFolderName = (folderId: string): string | undefined => {
    const account = sessions.activeAccount;
    return account ? recent.list(account.id).find((folder) => folder.id === folderId)?.name : undefined;
  };
  const decorations = new PulledFolderDecorations(pulled, boxFolderName);
  const runner = new DownloadRunner({
    client: () => sessions.client(),
    tracker,
    prompter,
    logger,
    failures,
    afterPull: () => pulled.refresh(),
  });
  const updates = new PullUpdates({
    runner,
    pulled,
    prompter,
    failures,
    client: () => sessions.client(),
    nameOf: boxFolderName,
  });
  const service = new DownloadService({
    sessions,
    runner,
    prompter,
    recent,
    workspaceState: context.workspaceState,
    failures,
  });

  const opener = new FileOpener({ client: () => sessions.client(), prompter, failures, logger });

  context.subscriptions.push(
    log,
    connection,
    sessions,
    new BoxAuthenticationProvider(sessions, flows, signOut),
    tree,
    treeView,
    tracker,
    statusBar,
    pulled,
    decorations,
    vscode.window.registerFileDecorationProvider(decorations),
    sessions.onDidChange(() => {
      describeAccount();
      tree.refresh();
    }),
    connection.onDidChange(() => {
      tree.refresh();
      failures.explainOriginChange();
    }),
    ...registerAuthCommands(flows, signOut),
    ...registerAccountCommands(sessions, flows, prompter),
    ...registerTreeCommands(tree),
    ...registerDownloadCommands(service, treeView),
    ...registerLinkCommands(),
    ...registerOpenFileCommands(opener),
    ...registerRunningDownloadsCommands(tracker, prompter, logger),
    ...registerLogCommands(log),
    ...registerFindCommands({ client: () => sessions.client(), prompter, tree, treeView, failures }),
    ...registerWalkthroughCommands(),
    ...registerUpdateCommands(updates),
  );

  const activationMs = performance.now() - started;
  logger.info(`Box Pull activated in ${activationMs.toFixed(1)} ms`);
  // The test hooks can replace every prompt (including the ones that take secrets), so an installed (production)
  // extension does not hand them to other extensions; development and test hosts get them.
  if (context.extensionMode === vscode.ExtensionMode.Production) return undefined;
  return {
    ready,
    activationMs,
    setPrompterForTests: (replacement) => prompter.set(replacement),
    tree: {
      provider: tree,
      setPageSize: (size) => {
        tree.pageSize = Math.max(1, Math.floor(size));
      },
      setListingTimeout: (ms) => {
        tree.listingTimeoutMs = Math.max(1, Math.floor(ms));
      },
    },
    downloads: {
      onDidChange: tracker.onDidChange,
      list: () =>
        tracker.list().map(({ id, label, destination, progress, notification }) => ({
          id,
          label,
          destination,
          progress,
          notification,
        })),
      statusBarText: () => statusBar.text,
    },
    logUri: context.logUri,
    openFile: {
      setConfirmAboveBytes: (bytes) => {
        opener.confirmAboveBytes = Math.max(0, Math.floor(bytes));
      },
    },
    viewDescription: () => treeView.description,
    pulledFolders: {
      refresh: () => pulled.refresh(),
      list: () => pulled.list().map((folder) => folder.path),
      decoration: (uri) => {
        const decoration = decorations.provideFileDecoration(uri);
        return decoration && { badge: decoration.badge, tooltip: decoration.tooltip };
      },
    },
    account: () => {
      const account = sessions.activeAccount;
      return account && { id: account.id, name: account.name, kind: account.kind };
    },
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; running downloads are aborted by DownloadTracker.dispose().
}
