// "$(sync~spin) Box 42% · 1,204/5,000 files · 12.3 MB/s · 0:41 left" while downloads run; hidden when idle.
// Clicking it opens the details (with Cancel). The core already throttles progress to about ten events a second.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { DownloadTracker } from './downloadTracker';
import { escapeMarkdown } from '../markdown';
import { combineProgress, describeProgress } from './format';

export class DownloadStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly tracker: DownloadTracker) {
    this.item = vscode.window.createStatusBarItem('boxPull.downloads', vscode.StatusBarAlignment.Left, 10);
    this.item.name = vscode.l10n.t('Box Downloads');
    this.item.command = Commands.showDownloadDetails;
    this.subscription = tracker.onDidChange(() => this.render());
  }

  /** The current text, for tests and the details view. */
  get text(): string | undefined {
    return this.item.text || undefined;
  }

  private render(): void {
    const downloads = this.tracker.list();
    if (downloads.length === 0) {
      this.item.hide();
      this.item.text = '';
      return;
    }
    const count = downloads.length > 1 ? ` (${downloads.length})` : '';
    const combined = combineProgress(downloads.map((d) => d.progress));
    const summary = describeProgress(combined);
    // A spinning icon over a silent connection would say "all is well".
    const icon = combined?.stalledSeconds !== undefined ? '$(warning)' : '$(sync~spin)';
    this.item.text = `${icon} Box${count} ${summary}`;
    // What a screen reader says: words, not the icon's name ("sync~spin").
    this.item.accessibilityInformation = {
      label:
        downloads.length > 1
          ? vscode.l10n.t(
              '{0} Box downloads: {1}. Click for details or to cancel.',
              downloads.length,
              summary,
            )
          : vscode.l10n.t('Box download: {0}. Click for details or to cancel.', summary),
    };
    const tooltip = new vscode.MarkdownString();
    for (const download of downloads) {
      tooltip.appendMarkdown(
        `**${escapeMarkdown(download.label)}** — ${describeProgress(download.progress)}  \n`,
      );
    }
    tooltip.appendMarkdown(vscode.l10n.t('Click for details or to cancel.'));
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
