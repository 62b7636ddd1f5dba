// Progress as words: "42% · 1,204/5,000 files · 12.3 MB/s · 0:41 left". Counts get the UI language's thousands
// separators; byte counts and times reuse the core's formatting so the CLI and the extension agree.
import * as vscode from 'vscode';
import { formatBytes, formatDuration, type PullProgress } from '../../core/pull/progress';

export function formatCount(value: number): string {
  return new Intl.NumberFormat(vscode.env.language).format(value);
}

/** The status bar's text after "Box": percentage, files (or bytes when the total is unknown), rate, time left. */
export function describeProgress(progress: PullProgress | undefined): string {
  if (!progress || progress.phase === 'preparing') return vscode.l10n.t('preparing…');
  const parts: string[] = [];
  if (progress.fraction !== undefined) parts.push(`${Math.floor(progress.fraction * 100)}%`);
  if (progress.totalFiles !== undefined) {
    parts.push(
      vscode.l10n.t('{0}/{1} files', formatCount(progress.filesDone), formatCount(progress.totalFiles)),
    );
  } else {
    parts.push(formatBytes(progress.bytesDownloaded));
  }
  if (progress.phase === 'downloading' && progress.bytesPerSecond > 0) {
    parts.push(`${formatBytes(progress.bytesPerSecond)}/s`);
  }
  if (progress.etaSeconds !== undefined && progress.etaSeconds >= 1) {
    parts.push(vscode.l10n.t('{0} left', formatDuration(progress.etaSeconds)));
  }
  return parts.join(' · ');
}

/** What the pipeline is doing, for the notification's message. */
export function describePhase(progress: PullProgress | undefined): string {
  switch (progress?.phase) {
    case undefined:
    case 'preparing':
      return vscode.l10n.t('Asking Box to prepare the download…');
    case 'downloading':
      return vscode.l10n.t('Downloading');
    case 'extracting':
      return vscode.l10n.t('Extracting');
    case 'placing':
      return vscode.l10n.t('Moving files into place');
    case 'done':
      return vscode.l10n.t('Done');
  }
}

/** Several downloads as one: sums of counts and rates, the mean completion, the longest time left. */
export function combineProgress(all: (PullProgress | undefined)[]): PullProgress | undefined {
  const known = all.filter((p): p is PullProgress => p !== undefined && p.phase !== 'preparing');
  if (known.length === 0) return undefined;
  if (known.length === 1 && all.length === 1) return known[0];
  const everyTotal = known.length === all.length && known.every((p) => p.totalFiles !== undefined);
  const everyFraction = known.length === all.length && known.every((p) => p.fraction !== undefined);
  const etas = known.map((p) => p.etaSeconds).filter((eta): eta is number => eta !== undefined);
  return {
    phase: known.some((p) => p.phase === 'downloading') ? 'downloading' : known[0].phase,
    bytesDownloaded: sum(known.map((p) => p.bytesDownloaded)),
    filesDone: sum(known.map((p) => p.filesDone)),
    totalFiles: everyTotal ? sum(known.map((p) => p.totalFiles ?? 0)) : undefined,
    bytesPerSecond: sum(known.map((p) => p.bytesPerSecond)),
    fraction: everyFraction ? sum(known.map((p) => p.fraction ?? 0)) / known.length : undefined,
    etaSeconds: etas.length === known.length && etas.length > 0 ? Math.max(...etas) : undefined,
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
