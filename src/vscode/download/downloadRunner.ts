// Runs one pull with a cancellable notification, the status bar, the conflict prompt and dirty-editor protection,
// then says how it went. The pipeline itself loads lazily, on the first download.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BoxClient } from '../../core/box/client';
import type { ConflictPrompter, FileConflict } from '../../core/place/conflictPolicy';
import { compareConflict, linkComparer } from './conflictList';
import type { Logger } from '../../core/logger';
import type { PullProgress } from '../../core/pull/progress';
import type { PullReport } from '../../core/pull/pull';
import { readPullOptions, readSettings } from '../config';
import { isAbort } from '../errors';
import type { Failures } from '../failures';
import { loadHeavy } from '../heavy';
import type { DownloadTracker } from '../progress/downloadTracker';
import type { Prompter } from '../prompter';
import { cancelDownloads } from './cancelDownloads';
import type { Destination } from './destination';
import type { DownloadItem } from './destinationRules';
import { describeItems } from './destination';
import { completionMessage, logReportDetails, updateMessage } from './report';
import { offerToTrashDeleted } from '../update/deletedOnBox';
import { Commands } from '../constants';
import { STATE_FILE } from '../../core/state/pullState';
import { existsSync } from 'node:fs';
import { describeFailure } from '../../core/failureText';

export interface DownloadOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  destination: string;
  /** What the user was told. */
  message: string;
  report?: PullReport;
  /** A failed download's Retry (the notification's button): the same items into the same destination. */
  retry?: () => Promise<DownloadOutcome>;
}

export interface DownloadRunnerDependencies {
  client(): Promise<BoxClient>;
  tracker: DownloadTracker;
  prompter: Prompter;
  logger: Logger;
  failures: Failures;
  /** After every completed pull: the pulled folders are looked up again (menus, badges). */
  afterPull?(): Promise<void>;
}

export interface RunHow {
  /** Box: Pull Updates: download only what changed since the state file's pull (core/update). */
  update?: boolean;
}

export class DownloadRunner {
  constructor(private readonly deps: DownloadRunnerDependencies) {}

  async run(items: DownloadItem[], destination: Destination, how: RunHow = {}): Promise<DownloadOutcome> {
    const { tracker, logger } = this.deps;
    const what = describeItems(items);
    const settings = readSettings(destination.base);
    // An update compares with the whole folder's last pull: filters would make it a full, unrecorded pull instead.
    const options = how.update
      ? { ...readPullOptions(destination.base), include: [], exclude: [], update: true }
      : readPullOptions(destination.base);
    const download = tracker.start(items.map((item) => item.name).join(', '), destination.path);
    let linkCompare: ReturnType<typeof linkComparer> | undefined;
    logger.info(
      `Download of ${items.map((item) => `${item.type} ${item.id}${item.sharedLink ? ' (shared link)' : ''}`).join(', ')} ` +
        `into ${destination.path} (conflicts: ${settings.conflictPolicy}, options: ${JSON.stringify(options)})`,
    );
    try {
      const report = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: how.update
            ? vscode.l10n.t('Box: pulling updates of {0}', what)
            : vscode.l10n.t('Box: downloading {0}', what),
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => cancelDownloads(tracker, logger, [download.id]));
          let reported = 0;
          const onProgress = (update: PullProgress): void => {
            tracker.update(download, update);
            const percent = Math.floor((update.fraction ?? 0) * 100);
            const increment = percent > reported ? percent - reported : undefined;
            reported = Math.max(reported, percent);
            progress.report({ message: download.notification, increment });
          };
          const { pull } = await loadHeavy();
          const base = await this.deps.client();
          const link = items.find((item) => item.sharedLink)?.sharedLink;
          const client = link ? base.withSharedLink(link) : base;
          // Compare must read Box's copy through the link too: the signed-in user may not see it.
          if (link) linkCompare = linkComparer(client);
          return pull({
            client,
            items: items.map(({ type, id }) => ({ type, id })),
            destination: destination.path,
            conflictPolicy: settings.conflictPolicy,
            prompter: this.conflictPrompter(
              () => tracker.cancel(download.id),
              linkCompare?.compare ?? compareConflict,
            ),
            isProtected: isOpenWithUnsavedChanges,
            signal: download.signal,
            onProgress,
            logger,
            options,
          });
        },
      );
      logger.info(`Download finished: ${JSON.stringify(summarise(report))}`);
      logReportDetails(report, logger);
      // Nothing awaited between the progress notification's end and the message, unless there is a question: the
      // Notification Center closes when it empties, and would hide the message that follows a moment later.
      const gone =
        report.update && report.update.deletedOnBoxKept.length > 0
          ? await offerToTrashDeleted(report.destination, report.update, this.deps.prompter, logger)
          : undefined;
      const updates = this.offersUpdates(items, report);
      const message = report.update
        ? updateMessage(report, what, gone)
        : `${completionMessage(report, what)}${updates ? ` ${vscode.l10n.t('Later, Pull Updates brings only what changed.')}` : ''}`;
      void this.announce(message, report.destination, updates);
      await this.deps.afterPull?.();
      return { status: 'completed', destination: destination.path, message, report };
    } catch (error) {
      if (isAbort(error, download.signal)) {
        // A cancel while files are being moved keeps the ones already in place (each is complete); any earlier
        // cancel, including one from the conflict question (answered before anything moves), changes nothing.
        const kept = (error as { filesPlaced?: number } | undefined)?.filesPlaced ?? 0;
        logger.info(`Download cancelled${kept > 0 ? ` after moving ${kept} files into place` : ''}`);
        const message =
          kept > 0
            ? vscode.l10n.t('Download cancelled. Files already moved into {0} were kept.', destination.path)
            : vscode.l10n.t('Download cancelled. Nothing was changed in {0}.', destination.path);
        void vscode.window.showInformationMessage(message);
        return { status: 'cancelled', destination: destination.path, message };
      }
      // The person reads what happened and what to do; the raw answer (request, request id) goes to the log.
      const subject = items.length === 1 ? items[0].type : 'item';
      const message = vscode.l10n.t('Box download failed: {0}', describeFailure(error, subject));
      const retry = (): Promise<DownloadOutcome> => this.run(items, destination);
      await this.deps.failures.report(message, error, 'Download failed', [
        { title: vscode.l10n.t('Retry'), run: retry },
      ]);
      return { status: 'failed', destination: destination.path, message, retry };
    } finally {
      linkCompare?.dispose();
      tracker.finish(download);
    }
  }

  /**
   * One list for every file that differs from Box's. Closing it (Escape) cancels the whole download: the user did
   * not choose to keep or replace anything, so nothing more should be written.
   */
  private conflictPrompter(
    cancel: () => void,
    compare: (conflict: FileConflict) => Promise<void>,
  ): ConflictPrompter {
    return {
      decideAll: async (conflicts) => {
        const replace = await this.deps.prompter.conflicts({
          id: 'conflicts',
          conflicts,
          compare,
        });
        if (replace) return replace;
        cancel();
        return new Set<string>();
      },
    };
  }

  /**
   * Whether the message offers Pull Updates: after a full pull that recorded the folder (the button waits in the
   * notification centre for next time), and after an update that left files Box changed during it. Not after an
   * update that brought everything: it would only say "up to date".
   */
  private offersUpdates(items: DownloadItem[], report: PullReport): boolean {
    // A shared link's folder is updated only with its link, which the state file does not keep.
    if (items.length !== 1 || items[0].type !== 'folder' || items[0].sharedLink) return false;
    if (report.update) return (report.checksumMismatches?.length ?? 0) > 0;
    return existsSync(path.join(report.destination, STATE_FILE));
  }

  private async announce(message: string, destination: string, offerUpdates: boolean): Promise<void> {
    const uri = vscode.Uri.file(destination);
    const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
    const reveal = inWorkspace ? vscode.l10n.t('Reveal in Explorer') : vscode.l10n.t('Open Folder');
    const pullUpdates = vscode.l10n.t('Pull Updates');
    const choice = await vscode.window.showInformationMessage(
      message,
      reveal,
      ...(offerUpdates ? [pullUpdates] : []),
    );
    if (choice === pullUpdates) {
      await vscode.commands.executeCommand(Commands.pullUpdates, uri);
      return;
    }
    if (choice !== reveal) return;
    if (inWorkspace) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
  }
}

/** A file open in an editor with unsaved changes is never overwritten, whatever the conflict policy says. */
export function isOpenWithUnsavedChanges(absolutePath: string): boolean {
  const wanted = normalisePath(absolutePath);
  return vscode.workspace.textDocuments.some(
    (document) =>
      document.isDirty && document.uri.scheme === 'file' && normalisePath(document.uri.fsPath) === wanted,
  );
}

function normalisePath(value: string): string {
  const resolved = path.resolve(value);
  // Windows and macOS volumes are usually case-insensitive: compare the way they do.
  return process.platform === 'win32' || process.platform === 'darwin' ? resolved.toLowerCase() : resolved;
}

/** The report without long lists, for one log line. */
function summarise(report: PullReport): Record<string, unknown> {
  return {
    destination: report.destination,
    filesWritten: report.filesWritten,
    filesOverwritten: report.filesOverwritten,
    skippedByPolicy: report.skippedByPolicy.length,
    protectedFiles: report.protectedFiles.length,
    blocked: report.blocked.length,
    nameConflicts: report.nameConflicts.length,
    renamed: report.renamed.length,
    filesSkippedByBox: report.filesSkippedByBox,
    foldersSkippedByBox: report.foldersSkippedByBox,
    boxState: report.boxState,
    bytesDownloaded: report.bytesDownloaded,
    durationMs: report.durationMs,
    attempts: report.attempts,
    plan: report.plan && { ...report.plan, parts: report.plan.parts.length },
    checksumMismatches: report.checksumMismatches?.length,
  };
}
