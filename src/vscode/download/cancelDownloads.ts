// The one cancel path. The notification's Cancel button, the status bar's details and the Cancel Downloads command
// all end here: the pull is stopped at once (no confirmation, during which it would keep running), and the user
// always sees an outcome, which the log records too: the runner's "Download cancelled. …" for each stopped
// download, or a line saying it had already finished (or that none was running).
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import type { DownloadTracker } from '../progress/downloadTracker';

/**
 * Cancels the downloads with these ids (all running ones when omitted) and returns how many were stopped. When
 * none was, says so: "Already finished" when there were downloads to stop (they ended, or were past the point
 * where a cancel changes anything), or that none is running.
 */
export function cancelDownloads(tracker: DownloadTracker, logger: Logger, ids?: readonly number[]): number {
  const wanted = ids ?? tracker.list().map((download) => download.id);
  const cancelled = wanted.filter((id) => tracker.cancel(id)).length;
  if (cancelled > 0) {
    logger.info(`Cancel requested for ${cancelled} download(s)`);
  } else if (wanted.length === 0) {
    logger.info('Cancel requested with no download running');
    void vscode.window.showInformationMessage(vscode.l10n.t('No Box downloads are running.'));
  } else {
    logger.info('Cancel requested, but the download had already finished: nothing was stopped');
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Already finished: the download ended before it could be cancelled.'),
    );
  }
  return cancelled;
}
