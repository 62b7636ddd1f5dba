// Cancel Downloads, and the details behind a click on the status bar item. Both cancel through cancelDownloads().
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { cancelDownloads } from '../download/cancelDownloads';
import type { DownloadTracker } from '../progress/downloadTracker';
import { describePhase, describeProgress } from '../progress/format';
import type { Prompter } from '../prompter';
import type { Logger } from '../../core/logger';

type DetailsChoice = { kind: 'one'; id: number; label: string } | { kind: 'all' };

export function registerRunningDownloadsCommands(
  tracker: DownloadTracker,
  prompter: Prompter,
  logger: Logger,
): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.cancelDownloads, () => cancelDownloads(tracker, logger)),
    vscode.commands.registerCommand(Commands.showDownloadDetails, async () => {
      const downloads = tracker.list();
      if (downloads.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No Box downloads are running.'));
        return 0;
      }
      const choice = await prompter.pick<DetailsChoice>({
        id: 'downloadDetails',
        title: vscode.l10n.t('Box Downloads'),
        placeholder: vscode.l10n.t('Pick a download to cancel it'),
        items: [
          ...downloads.map((download) => ({
            label: download.label,
            description: `${describePhase(download.progress)} · ${describeProgress(download.progress)}`,
            detail: vscode.l10n.t('Into {0}', download.destination),
            icon: 'cloud-download',
            value: { kind: 'one' as const, id: download.id, label: download.label },
          })),
          { label: '', separator: true },
          {
            label: vscode.l10n.t('Cancel All Downloads'),
            icon: 'debug-stop',
            value: { kind: 'all' as const },
          },
        ],
      });
      // Picking cancels at once. Whatever ended while the pick was open is reported as already finished, never
      // silently ignored. Returns how many downloads were stopped (undefined when the pick was dismissed).
      if (!choice) return undefined;
      return cancelDownloads(
        tracker,
        logger,
        choice.kind === 'one' ? [choice.id] : downloads.map((d) => d.id),
      );
    }),
  ];
}
