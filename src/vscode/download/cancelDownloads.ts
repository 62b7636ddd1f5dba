// The one cancel path. The notification's Cancel button, the status bar's details and the Cancel Downloads command
// all end here: the pull is stopped at once (no confirmation, during which it would keep running), and the user
// always sees an outcome: the runner's "Download cancelled. …" for each stopped download, or a line saying there
// was nothing left to stop.
import * as vscode from 'vscode';
import type { DownloadTracker } from '../progress/downloadTracker';

/**
 * Cancels the downloads with these ids (all running ones when omitted) and returns how many were still running.
 * When none was, says so: "Already finished" for downloads the user picked, or that none is running.
 */
export function cancelDownloads(tracker: DownloadTracker, ids?: readonly number[]): number {
  const cancelled = ids === undefined ? tracker.cancelAll() : ids.filter((id) => tracker.cancel(id)).length;
  if (cancelled === 0) {
    void vscode.window.showInformationMessage(
      ids === undefined
        ? vscode.l10n.t('No Box downloads are running.')
        : vscode.l10n.t('Already finished: the download ended before it could be cancelled.'),
    );
  }
  return cancelled;
}
