// The downloads running in this window: what the status bar shows, what "Cancel Downloads" stops, and what the
// `boxPull.downloading` context key reflects.
import * as vscode from 'vscode';
import type { PullProgress } from '../../core/pull/progress';
import { ContextKeys } from '../constants';
import { describeNotification } from './format';

export interface ActiveDownload {
  readonly id: number;
  /** The Box item names, for messages. */
  readonly label: string;
  readonly destination: string;
  readonly startedAt: number;
  readonly signal: AbortSignal;
  progress?: PullProgress;
  /** The notification's message, worded from `progress` by the same formatter as the status bar. */
  notification?: string;
}

export class DownloadTracker implements vscode.Disposable {
  private readonly downloads = new Map<number, { download: ActiveDownload; controller: AbortController }>();
  private readonly changed = new vscode.EventEmitter<void>();
  private nextId = 1;

  /** Fires on start, every progress event, and finish. */
  readonly onDidChange = this.changed.event;

  start(label: string, destination: string): ActiveDownload {
    const controller = new AbortController();
    const download: ActiveDownload = {
      id: this.nextId++,
      label,
      destination,
      startedAt: Date.now(),
      signal: controller.signal,
    };
    this.downloads.set(download.id, { download, controller });
    this.countChanged();
    return download;
  }

  /** The one place a download's progress is stored: the status bar and the notification both read it from here. */
  update(download: ActiveDownload, progress: PullProgress): void {
    if (!this.downloads.has(download.id)) return;
    download.progress = progress;
    download.notification = describeNotification(progress);
    this.changed.fire();
  }

  finish(download: ActiveDownload): void {
    if (this.downloads.delete(download.id)) this.countChanged();
  }

  /**
   * False when the download already ended, or reached 'done' (every file is in place and the pull is only
   * returning its report): a cancel then would stop nothing, and the user must hear so rather than be told it
   * was cancelled.
   */
  cancel(id: number): boolean {
    const entry = this.downloads.get(id);
    if (!entry || entry.download.progress?.phase === 'done') return false;
    entry.controller.abort();
    return true;
  }

  list(): ActiveDownload[] {
    return [...this.downloads.values()].map((entry) => entry.download);
  }

  dispose(): void {
    for (const { controller } of this.downloads.values()) controller.abort();
    this.changed.dispose();
  }

  private countChanged(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.downloading, this.downloads.size > 0);
    this.changed.fire();
  }
}
